/*
 * Elections, from the candidate's side (§5.2). When its election timeout
 * runs out, a peer becomes a candidate in a new term and asks every other
 * peer for its vote, one thread per peer; the replies come back on those
 * threads, which count them, and the one that sees a majority makes the
 * peer leader. The other side, deciding whether to grant a vote, is in
 * recv_request_vote.c.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "raft_internal.h"

/* One RequestVote to one peer: what its thread needs. The arguments are
 * filled in when the election starts: by the time the thread runs,
 * current_term may have moved on. */
struct vote_call {
	struct raft *rf;
	int peer;
	struct request_vote_args args;
};

void election_reset_timer(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	/* Randomized, "to ensure that split votes are rare and that they
	 * are resolved quickly" (§5.2). */
	int64_t timeout_ms = lab_rand_range(ELECTION_TIMEOUT_MIN_MS,
					    ELECTION_TIMEOUT_MAX_MS);
	rf->election_deadline_ms = lab_now_ms() + timeout_ms;
}

/* Under rf->mu: a reply to vc's request arrived. */
static void count_vote(struct raft *rf, const struct vote_call *vc,
		       const struct request_vote_reply *reply)
{
	if (rf->dead || convert_if_newer_term(rf, reply->term))
		return;
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
		count_vote(rf, vc, &reply);
		lab_mutex_unlock(&rf->mu);
	}
	free(vc);
}

void election_start(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	convert_to_candidate(rf);
	lab_debug("vote", "S%d T%" PRId64 ": starts election", rf->me,
		  rf->current_term);
	/* A cluster of one is its own majority. */
	if (2 * rf->votes > rf->npeers) {
		convert_to_leader(rf);
		return;
	}

	/* Figure 2, Candidates: "Send RequestVote RPCs to all other
	 * servers". The last entry lets each voter judge whether this
	 * candidate's log is up to date (§5.4.1). */
	struct request_vote_args args = {
		.term = rf->current_term,
		.candidate_id = rf->me,
		.last_log_index = log_last_index(&rf->log),
		.last_log_term = log_last_term(&rf->log),
	};
	for (int j = 0; j < rf->npeers; j++) {
		if (j == rf->me)
			continue;
		struct vote_call *vc = lab_malloc(sizeof *vc);
		*vc = (struct vote_call){.rf = rf, .peer = j, .args = args};
		char name[32];
		snprintf(name, sizeof name, "vote-%d", j);
		rpc_thread_spawn(rf, name, request_vote_main, vc);
	}
}
