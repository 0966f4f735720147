/*
 * The ticker: one thread per peer that keeps Raft's time. A follower or
 * candidate whose election timeout runs out stands for election; a
 * leader sends a round of AppendEntries when a heartbeat is due, or
 * sooner when there is news for the followers, and steps down when no
 * majority has answered it for a while.
 *
 * Between turns it waits on rf->wake, which releases rf->mu while it
 * waits: handlers and RPC threads run meanwhile. raft_kill wakes it early,
 * and so does whatever gives a leader news to send at once: an election
 * won, a command started, an entry committed. Those happen under rf->mu,
 * which the ticker holds from its wait to its next, so none of them can
 * slip in between its turn and its wait, except what its own turn does.
 */
#include <inttypes.h>

#include "raft_internal.h"

/* Under rf->mu. Does what is due now; returns when something next will
 * be (lab_now_ms). */
static int64_t tick(struct raft *rf)
{
	if (rf->role == LEADER && !replication_majority_answers(rf)) {
		lab_debug("role", "S%d T%" PRId64 ": no majority answers",
			  rf->me, rf->current_term);
		convert_to_follower(rf);
	}
	/* Figure 2, Followers: "If election timeout elapses without
	 * receiving AppendEntries RPC from current leader or granting vote
	 * to candidate: convert to candidate"; Candidates: "If election
	 * timeout elapses: start new election". */
	if (rf->role != LEADER && lab_now_ms() >= rf->election_deadline_ms) {
		lab_debug("vote", "S%d T%" PRId64 ": election timeout", rf->me,
			  rf->current_term);
		election_start(rf);
	}
	/* Figure 2, Leaders: heartbeats "repeat during idle periods to
	 * prevent election timeouts (§5.2)"; new entries go out without
	 * waiting for one. (A cluster of one has just elected itself in
	 * election_start: its first round goes now.) */
	if (rf->role == LEADER)
		return replication_send_due(rf);
	return rf->election_deadline_ms;
}

void ticker_main(void *arg)
{
	struct raft *rf = arg;
	lab_mutex_lock(&rf->mu);
	while (!rf->dead) {
		int64_t wait_ms = tick(rf) - lab_now_ms();
		if (wait_ms > 0)
			lab_cond_timedwait(&rf->wake, &rf->mu, wait_ms);
	}
	lab_mutex_unlock(&rf->mu);
}
