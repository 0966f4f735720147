/*
 * The InstallSnapshot handler: the leader sends its snapshot, because
 * this peer lags so far behind that the entries it needs are no longer in
 * the leader's log (§7, Figure 13). It runs on a labrpc thread, beside
 * other handlers and this peer's own threads, so it takes rf->mu like
 * everyone else.
 *
 * A snapshot that reaches no further than this peer's commitIndex brings
 * nothing new. Otherwise it replaces the log up to its last entry, and
 * the applier hands it to the service, which resets its state to it.
 */
#include <inttypes.h>

#include "raft_internal.h"

/* Under rf->mu. */
static void install_snapshot(struct raft *rf,
			     const struct install_snapshot_args *a)
{
	convert_if_newer_term(rf, a->term);
	/* Figure 13, InstallSnapshot receiver: "1. Reply immediately if term
	 * < currentTerm" */
	if (a->term < rf->current_term)
		return;
	/* From the leader of our term, as for AppendEntries. */
	convert_on_leader_contact(rf);

	/* Already committed here: installing it would take the service
	 * back in time. */
	int64_t index = a->last_included_index;
	if (index <= rf->commit_index)
		return;

	/* "6. If existing log entry has same index and term as snapshot's
	 * last included entry, retain log entries following it" */
	struct raft_log *l = &rf->log;
	if (log_has(l, index) && log_term_at(l, index) == a->last_included_term)
		log_compact(l, index);
	/* "7. Discard the entire log" */
	else
		log_reset(l, index, a->last_included_term);
	/* "5. Save snapshot file, discard any existing or partial snapshot
	 * with a smaller index" */
	snapshot_replace(rf, a->data, a->len);
	rf->commit_index = index;
	persist(rf);

	/* "8. Reset state machine using snapshot contents": the applier
	 * delivers it to the service. */
	rf->snapshot_pending = true;
	lab_cond_signal(&rf->apply_cond);
}

void recv_install_snapshot(void *ctx, struct codec_reader *in,
			   struct codec_buf *out)
{
	struct raft *rf = ctx;
	struct install_snapshot_args args;
	install_snapshot_args_decode(in, &args);
	if (!codec_reader_ok(in))
		return; /* malformed: labrpc fails the call and warns */

	struct install_snapshot_reply reply;
	lab_mutex_lock(&rf->mu);
	install_snapshot(rf, &args);
	reply.term = rf->current_term;
	lab_debug("snap",
		  "S%d T%" PRId64 ": snapshot from S%" PRId64 " T%" PRId64
		  " up to %" PRId64 "/T%" PRId64 ", log now %" PRId64
		  "..%" PRId64,
		  rf->me, rf->current_term, args.leader_id, args.term,
		  args.last_included_index, args.last_included_term,
		  log_base_index(&rf->log), log_last_index(&rf->log));
	lab_mutex_unlock(&rf->mu);
	install_snapshot_reply_encode(out, &reply);
}
