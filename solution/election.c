/*
 * Elections, from the candidate's side (§5.2), in two rounds. When its
 * election timeout runs out, a peer first asks every other peer whether
 * it would vote for it in the next term: a pre-vote, which changes
 * nothing on either side. Only if a majority would does it become a
 * candidate in that term and ask for real votes. The replies come back on
 * one thread per peer, which count them; the thread that sees a majority
 * moves the peer on. The voter's side is in recv_request_vote.c.
 *
 * The pre-vote is not in Figure 2. It is the remedy of §9.6 of Ongaro's
 * dissertation ("Consensus: Bridging Theory and Practice") for a peer cut
 * off from the others: without it, that peer starts election after
 * election, each in a higher term, and when it comes back its term forces
 * the leader to step down for an election it cannot win, since its log
 * fell behind while it was away. With the pre-vote its term stays where
 * it was, and it simply follows the leader again.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "raft_internal.h"

/* One RequestVote to one peer: what its thread needs. The arguments are
 * filled in when the round starts: by the time the thread runs,
 * current_term may have moved on. */
struct vote_call {
	struct raft *rf;
	int peer;
	int64_t round; /* rf->pre_vote_round, for a pre-vote */
	struct request_vote_args args;
};

static void stand_for_election(struct raft *rf);

void election_reset_timer(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	/* Randomized, "to ensure that split votes are rare and that they
	 * are resolved quickly" (§5.2). */
	int64_t timeout_ms = lab_rand_range(ELECTION_TIMEOUT_MIN_MS,
					    ELECTION_TIMEOUT_MAX_MS);
	rf->election_deadline_ms = lab_now_ms() + timeout_ms;
}

/* Under rf->mu: a reply to a pre-vote arrived. */
static void count_pre_vote(struct raft *rf, const struct vote_call *vc,
			   const struct request_vote_reply *reply)
{
	/* A pre-vote still counts only if nothing happened since it began:
	 * no new term, no leader, no later pre-vote. */
	if (rf->role == LEADER || rf->pre_vote_round != vc->round ||
	    rf->current_term != vc->args.term - 1 || !reply->vote_granted)
		return;
	rf->pre_votes++;
	lab_debug("vote", "S%d T%" PRId64 ": pre-vote from S%d, %d of %d",
		  rf->me, rf->current_term, vc->peer, rf->pre_votes,
		  rf->npeers);
	if (2 * rf->pre_votes > rf->npeers) {
		rf->pre_vote_round++; /* this round is over */
		stand_for_election(rf);
	}
}

/* Under rf->mu: a reply to a request for a real vote arrived. */
static void count_vote(struct raft *rf, const struct vote_call *vc,
		       const struct request_vote_reply *reply)
{
	/* A reply to an election this peer is no longer running: it has
	 * moved to a later term since, or already won or lost this one. */
	if (rf->role != CANDIDATE || rf->current_term != vc->args.term)
		return;
	if (!reply->vote_granted)
		return;
	rf->votes++;
	lab_debug("vote", "S%d T%" PRId64 ": vote from S%d, %d of %d",
		  rf->me, rf->current_term, vc->peer, rf->votes, rf->npeers);
	/* Figure 2, Candidates: "If votes received from majority of
	 * servers: become leader". */
	if (2 * rf->votes > rf->npeers)
		convert_to_leader(rf);
}

static void request_vote_main(void *arg)
{
	struct vote_call *vc = arg;
	struct raft *rf = vc->rf;
	struct codec_buf req, rep;
	codec_buf_init(&req);
	codec_buf_init(&rep);
	request_vote_args_encode(&req, &vc->args);

	struct request_vote_reply reply;
	bool ok = labrpc_call(rf->peers[vc->peer], "Raft.RequestVote", &req,
			      &rep) &&
		  request_vote_reply_decode(&rep, &reply);
	codec_buf_free(&req);
	codec_buf_free(&rep);

	if (ok) {
		lab_mutex_lock(&rf->mu);
		/* A voter in a later term refuses either kind of vote, and
		 * its term is news to us. */
		if (!rf->dead && !convert_if_newer_term(rf, reply.term)) {
			if (vc->args.pre_vote)
				count_pre_vote(rf, vc, &reply);
			else
				count_vote(rf, vc, &reply);
		}
		lab_mutex_unlock(&rf->mu);
	}
	free(vc);
}

/* Under rf->mu. Sends every other peer a RequestVote for term. The last
 * entry lets each voter judge whether our log is up to date (§5.4.1). */
static void request_votes(struct raft *rf, int64_t term, bool pre_vote)
{
	struct request_vote_args args = {
		.term = term,
		.candidate_id = rf->me,
		.last_log_index = log_last_index(&rf->log),
		.last_log_term = log_last_term(&rf->log),
		.pre_vote = pre_vote,
	};
	for (int j = 0; j < rf->npeers; j++) {
		if (j == rf->me)
			continue;
		struct vote_call *vc = lab_malloc(sizeof *vc);
		*vc = (struct vote_call){
			.rf = rf,
			.peer = j,
			.round = rf->pre_vote_round,
			.args = args,
		};
		char name[32];
		snprintf(name, sizeof name, "%s-%d",
			 pre_vote ? "prevote" : "vote", j);
		rpc_thread_spawn(rf, name, request_vote_main, vc);
	}
}

/* Under rf->mu. A majority would vote for us: stand for election in
 * earnest, in a new term. */
static void stand_for_election(struct raft *rf)
{
	convert_to_candidate(rf);
	lab_debug("vote", "S%d T%" PRId64 ": starts election", rf->me,
		  rf->current_term);
	if (2 * rf->votes > rf->npeers) {
		convert_to_leader(rf); /* a cluster of one */
		return;
	}
	/* Figure 2, Candidates: "Send RequestVote RPCs to all other
	 * servers". */
	request_votes(rf, rf->current_term, false);
}

void election_start(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	/* The pre-vote protects the leader of a term; a candidate for term
	 * 1 can depose none. Where a term has begun, every peer that heard
	 * of it is in it or a later one, and refuses a RequestVote of term
	 * 1 without giving up its leader. So a peer in term 0 need not ask
	 * first. */
	if (rf->current_term == 0) {
		stand_for_election(rf);
		return;
	}
	/* If this round gets no majority, the next timeout starts another. */
	election_reset_timer(rf);
	rf->pre_vote_round++;
	rf->pre_votes = 1; /* our own */
	lab_debug("vote", "S%d T%" PRId64 ": asks for pre-votes for term %" PRId64,
		  rf->me, rf->current_term, rf->current_term + 1);
	if (2 * rf->pre_votes > rf->npeers) {
		stand_for_election(rf);
		return;
	}
	request_votes(rf, rf->current_term + 1, true);
}
