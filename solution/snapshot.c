/*
 * Snapshots (§7). Now and then the service saves its state as a snapshot
 * and hands it to Raft (raft_snapshot), which then drops the log entries
 * the snapshot covers: without that the log would grow for ever. The
 * snapshot is saved beside Raft's state (persist.c), and the log keeps the
 * last entry it includes as its base (log.c).
 *
 * A leader that would have to send a follower entries it has dropped
 * sends the snapshot instead, with InstallSnapshot; after that the
 * follower gets entries from the snapshot's end on, as usual. The
 * follower's side is in recv_install_snapshot.c.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

/* One InstallSnapshot to one peer: the request, encoded, and what the
 * reply will be judged against. */
struct snapshot_call {
	struct raft *rf;
	int peer;
	int64_t term; /* the leader's current_term when it sent */
	int64_t last_included_index;
	struct codec_buf request;
};

void snapshot_replace(struct raft *rf, const void *data, size_t len)
{
	assert(lab_mutex_held(&rf->mu));
	free(rf->snapshot);
	rf->snapshot = NULL;
	if (len > 0) {
		rf->snapshot = lab_malloc(len);
		memcpy(rf->snapshot, data, len);
	}
	rf->snapshot_len = len;
}

void raft_snapshot(struct raft *rf, int64_t index, const void *snapshot,
		   size_t len)
{
	lab_mutex_lock(&rf->mu);
	if (index > rf->last_applied) {
		/* The service can only have snapshotted what it was given. */
		lab_warn("raft_snapshot(peer %d): index %" PRId64
			 " is past the last applied entry, %" PRId64
			 "; ignored",
			 rf->me, index, rf->last_applied);
	} else if (!rf->dead && index > log_base_index(&rf->log)) {
		/* (A snapshot no newer than the base says nothing new: one
		 * from the leader may have overtaken it.) */
		log_compact(&rf->log, index);
		snapshot_replace(rf, snapshot, len);
		persist(rf);
		lab_debug("snap",
			  "S%d T%" PRId64 ": snapshot up to %" PRId64
			  " (%zu bytes), log %" PRId64 "..%" PRId64,
			  rf->me, rf->current_term, index, len,
			  log_base_index(&rf->log), log_last_index(&rf->log));
	}
	lab_mutex_unlock(&rf->mu);
}

/* Under rf->mu: the reply to call arrived. */
static void handle_reply(struct raft *rf, const struct snapshot_call *call,
			 const struct install_snapshot_reply *reply)
{
	if (rf->dead || convert_if_newer_term(rf, reply->term))
		return;
	if (rf->role != LEADER || rf->current_term != call->term)
		return;
	int peer = call->peer;
	replication_answered(rf, peer);
	/* The follower now holds everything the snapshot does, so it
	 * counts as matching up to its end. */
	if (call->last_included_index > rf->match_index[peer]) {
		rf->match_index[peer] = call->last_included_index;
		replication_advance_commit(rf);
	}
	if (call->last_included_index + 1 > rf->next_index[peer])
		rf->next_index[peer] = call->last_included_index + 1;
}

static void install_snapshot_main(void *arg)
{
	struct snapshot_call *call = arg;
	struct raft *rf = call->rf;
	struct codec_buf rep;
	codec_buf_init(&rep);

	struct install_snapshot_reply reply;
	bool ok = labrpc_call(rf->peers[call->peer], "Raft.InstallSnapshot",
			      &call->request, &rep) &&
		  install_snapshot_reply_decode(&rep, &reply);
	codec_buf_free(&rep);

	lab_mutex_lock(&rf->mu);
	if (ok)
		handle_reply(rf, call, &reply);
	/* Sent again whole if lost: from the base, the snapshot. */
	replication_returned(rf, call->peer, call->term,
			     call->last_included_index,
			     call->last_included_index, ok);
	lab_mutex_unlock(&rf->mu);
	codec_buf_free(&call->request);
	free(call);
}

void snapshot_send(struct raft *rf, int peer)
{
	assert(lab_mutex_held(&rf->mu) && rf->role == LEADER);
	struct install_snapshot_args args = {
		.term = rf->current_term,
		.leader_id = rf->me,
		.last_included_index = log_base_index(&rf->log),
		.last_included_term = log_base_term(&rf->log),
		.data = rf->snapshot,
		.len = rf->snapshot_len,
	};
	struct snapshot_call *call = lab_malloc(sizeof *call);
	*call = (struct snapshot_call){
		.rf = rf,
		.peer = peer,
		.term = args.term,
		.last_included_index = args.last_included_index,
	};
	/* As for AppendEntries: what is on its way is not sent again, and
	 * the snapshot is encoded now, as a newer one may replace it as soon
	 * as the lock is released. */
	rf->next_index[peer] = args.last_included_index + 1;
	replication_sending(rf, peer);
	codec_buf_init(&call->request);
	install_snapshot_args_encode(&call->request, &args);
	lab_debug("snap",
		  "S%d T%" PRId64 ": sends S%d the snapshot up to %" PRId64,
		  rf->me, rf->current_term, peer, args.last_included_index);

	char name[32];
	snprintf(name, sizeof name, "snapshot-%d", peer);
	rpc_thread_spawn(rf, name, install_snapshot_main, call);
}
