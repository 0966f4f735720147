/*
 * The RequestVote handler: a candidate asks for this peer's vote (§5.2,
 * §5.4.1). It runs on a labrpc thread, beside other handlers and this
 * peer's own threads, so it takes rf->mu like everyone else.
 *
 * Each peer votes at most once per term, first come first served, and
 * only for a candidate whose log holds at least what its own does: that
 * is what makes every new leader hold every committed entry (§5.4).
 */
#include <inttypes.h>

#include "raft_internal.h"

/* §5.4.1: "If the logs have last entries with different terms, then the
 * log with the later term is more up-to-date. If the logs end with the
 * same term, then whichever log is longer is more up-to-date." */
static bool candidate_up_to_date(const struct raft *rf,
				 const struct request_vote_args *a)
{
	int64_t last_term = log_last_term(&rf->log);
	if (a->last_log_term != last_term)
		return a->last_log_term > last_term;
	return a->last_log_index >= log_last_index(&rf->log);
}

/* Under rf->mu. Whether we would vote for a->candidate_id in a->term, a
 * term it has not entered yet (election.c): changes nothing. */
static bool grant_pre_vote(const struct raft *rf,
			   const struct request_vote_args *a)
{
	/* We would not vote in a term that is not newer than ours; and in
	 * one that is, we would, if the candidate's log is up to date... */
	if (a->term <= rf->current_term || !candidate_up_to_date(rf, a))
		return false;
	/* ...unless we know a live leader. §4.2.3 of Ongaro's dissertation:
	 * a server that has heard from the current leader within the
	 * minimum election timeout gives no vote, so that a peer that only
	 * missed a few heartbeats cannot depose a leader that works. A
	 * leader knows itself alive. */
	if (rf->role == LEADER)
		return false;
	return rf->leader_heard_ms == 0 ||
	       lab_now_ms() - rf->leader_heard_ms >= ELECTION_TIMEOUT_MIN_MS;
}

/* Under rf->mu. Decides, and records, whether to vote for a->candidate_id. */
static bool grant_vote(struct raft *rf, const struct request_vote_args *a)
{
	convert_if_newer_term(rf, a->term);

	/* Figure 2, RequestVote receiver: "1. Reply false if term <
	 * currentTerm (§5.1)" */
	if (a->term < rf->current_term)
		return false;
	/* A vote for no peer of this cluster would be no vote at all. */
	if (a->candidate_id < 0 || a->candidate_id >= rf->npeers)
		return false;

	/* "2. If votedFor is null or candidateId, and candidate's log is at
	 * least as up-to-date as receiver's log, grant vote (§5.2, §5.4)" */
	if (rf->voted_for != -1 && rf->voted_for != a->candidate_id)
		return false;
	if (!candidate_up_to_date(rf, a))
		return false;
	rf->voted_for = a->candidate_id;
	persist(rf);

	/* Figure 2, Followers: the election timeout counts time "without
	 * receiving AppendEntries RPC from current leader or granting vote
	 * to candidate". Having voted, give the candidate time to win. */
	election_reset_timer(rf);
	return true;
}

void recv_request_vote(void *ctx, struct codec_reader *in,
		       struct codec_buf *out)
{
	struct raft *rf = ctx;
	struct request_vote_args args;
	request_vote_args_decode(in, &args);
	if (!codec_reader_ok(in))
		return; /* malformed: labrpc fails the call and warns */

	struct request_vote_reply reply;
	lab_mutex_lock(&rf->mu);
	reply.vote_granted = args.pre_vote ? grant_pre_vote(rf, &args)
					   : grant_vote(rf, &args);
	reply.term = rf->current_term;
	lab_debug("vote",
		  "S%d T%" PRId64 ": %s %s to S%" PRId64 " for term %" PRId64
		  " (its last entry %" PRId64 "/T%" PRId64 ", ours %" PRId64
		  "/T%" PRId64 ")",
		  rf->me, rf->current_term,
		  reply.vote_granted ? "grants" : "refuses",
		  args.pre_vote ? "a pre-vote" : "its vote",
		  args.candidate_id, args.term, args.last_log_index,
		  args.last_log_term, log_last_index(&rf->log),
		  log_last_term(&rf->log));
	lab_mutex_unlock(&rf->mu);
	request_vote_reply_encode(out, &reply);
}
