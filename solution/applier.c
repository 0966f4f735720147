/*
 * The applier: one thread per peer that delivers committed entries to the
 * service, in log order, each exactly once, on the apply channel; and,
 * when the leader has sent one, a snapshot that replaces them all.
 *
 * It sleeps on rf->apply_cond until commit_index passes last_applied, or
 * a snapshot arrives.
 * It sends without holding rf->mu: a send waits until the service takes
 * the message, and the service may call into Raft (raft_start,
 * raft_snapshot) before it does.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

/* Under rf->mu. The apply message for the entry at index: a copy of its
 * command, which the receiver will own. */
static struct raft_apply_msg command_msg(const struct raft *rf, int64_t index)
{
	const struct log_entry *e = log_entry_at(&rf->log, index);
	struct raft_apply_msg msg = {
		.kind = RAFT_APPLY_COMMAND,
		.index = index,
		.term = 0,
		.data = NULL,
		.len = e->len,
	};
	if (e->len > 0) {
		msg.data = lab_malloc(e->len);
		memcpy(msg.data, e->command, e->len);
	}
	return msg;
}

/* Under rf->mu. The apply message for the snapshot from the leader: a
 * copy, which the receiver will own. */
static struct raft_apply_msg snapshot_msg(const struct raft *rf)
{
	struct raft_apply_msg msg = {
		.kind = RAFT_APPLY_SNAPSHOT,
		.index = log_base_index(&rf->log),
		.term = log_base_term(&rf->log),
		.data = NULL,
		.len = rf->snapshot_len,
	};
	if (rf->snapshot_len > 0) {
		msg.data = lab_malloc(rf->snapshot_len);
		memcpy(msg.data, rf->snapshot, rf->snapshot_len);
	}
	return msg;
}

/* Under rf->mu. Whether there is anything to deliver. */
static bool work_to_do(const struct raft *rf)
{
	return rf->snapshot_pending || rf->last_applied < rf->commit_index;
}

void applier_main(void *arg)
{
	struct raft *rf = arg;
	lab_mutex_lock(&rf->mu);
	for (;;) {
		while (!rf->dead && !work_to_do(rf))
			lab_cond_wait(&rf->apply_cond, &rf->mu);
		if (rf->dead)
			break;

		struct raft_apply_msg msg;
		if (rf->snapshot_pending) {
			/* First, as the entries it covers are gone from the
			 * log. It reaches past commit_index as it was, so the
			 * service never moves backwards. */
			msg = snapshot_msg(rf);
			rf->snapshot_pending = false;
			rf->last_applied = msg.index;
		} else {
			/* Figure 2, All Servers: "If commitIndex >
			 * lastApplied: increment lastApplied, apply
			 * log[lastApplied] to state machine (§5.3)". */
			rf->last_applied++;
			msg = command_msg(rf, rf->last_applied);
		}
		lab_debug("apply", "S%d T%" PRId64 ": applies %s %" PRId64,
			  rf->me, rf->current_term,
			  msg.kind == RAFT_APPLY_SNAPSHOT ? "snapshot up to"
							  : "entry",
			  msg.index);

		lab_mutex_unlock(&rf->mu);
		if (chan_send(rf->apply_ch, &msg) != CHAN_OK)
			free(msg.data); /* closed: not delivered, still ours */
		lab_mutex_lock(&rf->mu);
	}
	lab_mutex_unlock(&rf->mu);
}
