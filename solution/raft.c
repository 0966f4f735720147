/*
 * The life of a Raft instance: raft_make builds a peer, restores what it
 * saved before a crash, and starts its two long-lived threads (the ticker
 * and the applier); raft_register_rpcs gives labrpc its handlers;
 * raft_kill stops every thread and frees everything.
 *
 * Besides those two threads, a peer runs one short-lived thread per RPC
 * it sends (rpc_thread.c). raft_kill sets rf->dead, wakes the two
 * long-lived threads and joins them, then waits until the RPC threads are
 * done with rf. That is prompt because the tester has deleted this peer's
 * ends first, which makes calls in progress fail at once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

static const struct labrpc_method raft_methods[] = {
	{"RequestVote", recv_request_vote},
	{"AppendEntries", recv_append_entries},
	{"InstallSnapshot", recv_install_snapshot},
};

#define NRAFT_METHODS (sizeof raft_methods / sizeof raft_methods[0])

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	struct raft *rf = lab_calloc(1, sizeof *rf);
	lab_mutex_init(&rf->mu, "raft");
	lab_cond_init(&rf->wake);
	lab_cond_init(&rf->apply_cond);
	lab_cond_init(&rf->rpc_threads_done);

	rf->peers = lab_malloc((size_t)npeers * sizeof *rf->peers);
	memcpy(rf->peers, peers, (size_t)npeers * sizeof *rf->peers);
	rf->npeers = npeers;
	rf->me = me;
	rf->persister = persister;
	rf->apply_ch = apply_ch;

	/* Figure 2: currentTerm is "initialized to 0 on first boot",
	 * votedFor starts "null", the log holds only its base, and
	 * commitIndex and lastApplied are "initialized to 0". A restart
	 * finds what it saved instead. */
	rf->current_term = 0;
	rf->voted_for = -1;
	log_init(&rf->log);
	rf->commit_index = 0;
	rf->last_applied = 0;
	rf->next_index = lab_calloc((size_t)npeers, sizeof *rf->next_index);
	rf->match_index = lab_calloc((size_t)npeers, sizeof *rf->match_index);
	rf->answered_ms = lab_calloc((size_t)npeers, sizeof *rf->answered_ms);
	rf->in_flight = lab_calloc((size_t)npeers, sizeof *rf->in_flight);
	rf->sent_ms = lab_calloc((size_t)npeers, sizeof *rf->sent_ms);
	rf->commit_known = lab_calloc((size_t)npeers, sizeof *rf->commit_known);

	/* The lock is not needed yet, as no other thread can see rf, but
	 * the functions called here check that it is held. */
	lab_mutex_lock(&rf->mu);
	persist_restore(rf);
	/* "When servers start up, they begin as followers" (§5.2). */
	rf->role = FOLLOWER;
	election_reset_timer(rf);
	lab_debug("role", "S%d T%" PRId64 ": starts, last index %" PRId64,
		  rf->me, rf->current_term, log_last_index(&rf->log));
	lab_mutex_unlock(&rf->mu);

	rf->ticker = lab_thread_create("ticker", ticker_main, rf);
	rf->applier = lab_thread_create("applier", applier_main, rf);
	return rf;
}

enum labrpc_error raft_register_rpcs(struct raft *rf,
				     struct labrpc_server *srv)
{
	return labrpc_server_add_service(srv, "Raft", rf, raft_methods,
					 NRAFT_METHODS);
}

void raft_kill(struct raft *rf)
{
	lab_mutex_lock(&rf->mu);
	rf->dead = true;
	lab_cond_broadcast(&rf->wake);
	lab_cond_broadcast(&rf->apply_cond);
	lab_debug("role", "S%d T%" PRId64 ": killed", rf->me,
		  rf->current_term);
	lab_mutex_unlock(&rf->mu);

	/* Without the lock: they need it to see dead. The applier may be in
	 * chan_send; the tester keeps receiving until we return, so the send
	 * completes. */
	lab_thread_join(rf->ticker);
	lab_thread_join(rf->applier);
	rpc_thread_wait_all(rf);

	/* No thread of ours runs any more, and the tester has destroyed our
	 * server, so no handler runs either. */
	log_free(&rf->log);
	free(rf->snapshot);
	free(rf->next_index);
	free(rf->match_index);
	free(rf->answered_ms);
	free(rf->in_flight);
	free(rf->sent_ms);
	free(rf->commit_known);
	free(rf->peers);
	lab_cond_destroy(&rf->rpc_threads_done);
	lab_cond_destroy(&rf->apply_cond);
	lab_cond_destroy(&rf->wake);
	lab_mutex_destroy(&rf->mu);
	free(rf);
}
