/*
 * The AppendEntries handler: the leader sends entries to store, or none,
 * as a heartbeat (§5.2, §5.3). It runs on a labrpc thread, beside other
 * handlers and this peer's own threads, so it takes rf->mu like everyone
 * else.
 *
 * A request of the current term comes from the one leader of that term,
 * so it resets the election timer, whatever the log says. The log takes
 * the new entries only if it agrees with the leader's up to prevLogIndex;
 * if not, the reply says where it stops agreeing, so the leader knows how
 * far back to go.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "raft_internal.h"

/* Under rf->mu. Figure 2, AppendEntries receiver: "2. Reply false if log
 * doesn't contain an entry at prevLogIndex whose term matches prevLogTerm
 * (§5.3)". On a mismatch, fills in the reply's conflict fields. */
static bool log_matches(const struct raft *rf,
			const struct append_entries_args *a,
			struct append_entries_reply *reply)
{
	const struct raft_log *l = &rf->log;
	if (a->prev_log_index > log_last_index(l)) {
		reply->conflict_term = -1;
		reply->conflict_index = log_last_index(l) + 1;
		return false;
	}
	/* Up to the base every entry is committed, and committed entries
	 * are the same in every log (the Log Matching and Leader
	 * Completeness properties): there is nothing to check. */
	if (a->prev_log_index <= log_base_index(l))
		return true;
	int64_t term = log_term_at(l, a->prev_log_index);
	if (term != a->prev_log_term) {
		reply->conflict_term = term;
		reply->conflict_index =
			log_term_first_index(l, a->prev_log_index);
		return false;
	}
	return true;
}

/* Under rf->mu, once the log matches up to prevLogIndex. */
static void append_new_entries(struct raft *rf,
			       const struct append_entries_args *a)
{
	struct raft_log *l = &rf->log;
	bool changed = false;
	for (int64_t i = 0; i < a->n_entries; i++) {
		int64_t index = a->prev_log_index + 1 + i;
		const struct log_entry *e = &a->entries[i];
		if (index <= log_base_index(l))
			continue; /* committed, and in the snapshot */
		/* "3. If an existing entry conflicts with a new one (same
		 * index but different terms), delete the existing entry and
		 * all that follow it (§5.3)". Only then: a delayed request
		 * with fewer entries than an earlier one must not cut off
		 * what that one added. */
		if (log_has(l, index)) {
			if (log_term_at(l, index) == e->term)
				continue;
			log_truncate(l, index);
		}
		/* "4. Append any new entries not already in the log" */
		log_append(l, e->term, e->command, e->len);
		changed = true;
	}
	if (changed)
		persist(rf);
}

/* Under rf->mu. Fills in reply->success and the conflict fields. */
static void append_entries(struct raft *rf,
			   const struct append_entries_args *a,
			   struct append_entries_reply *reply)
{
	reply->success = false;
	reply->conflict_term = -1;
	reply->conflict_index = -1;
	convert_if_newer_term(rf, a->term);

	/* "1. Reply false if term < currentTerm (§5.1)" */
	if (a->term < rf->current_term)
		return;

	/* The sender leads our term. */
	convert_on_leader_contact(rf);

	if (!log_matches(rf, a, reply))
		return;
	append_new_entries(rf, a);

	/* "5. If leaderCommit > commitIndex, set commitIndex =
	 * min(leaderCommit, index of last new entry)". Our entries past
	 * the last new one may not be the leader's, so they must wait. */
	int64_t last_new = a->prev_log_index + a->n_entries;
	int64_t commit = a->leader_commit < last_new ? a->leader_commit
						     : last_new;
	if (commit > rf->commit_index) {
		rf->commit_index = commit;
		lab_cond_signal(&rf->apply_cond);
	}
	reply->success = true;
}

void recv_append_entries(void *ctx, struct codec_reader *in,
			 struct codec_buf *out)
{
	struct raft *rf = ctx;
	struct append_entries_args args;
	struct log_entry *entries = append_entries_args_decode(in, &args);
	if (!codec_reader_ok(in))
		return; /* malformed: labrpc fails the call and warns */

	struct append_entries_reply reply;
	lab_mutex_lock(&rf->mu);
	append_entries(rf, &args, &reply);
	reply.term = rf->current_term;
	lab_debug("append",
		  "S%d T%" PRId64 ": from S%" PRId64 " T%" PRId64
		  ", prev %" PRId64 "/T%" PRId64 ", %" PRId64
		  " entries, commit %" PRId64 ": %s, last index %" PRId64,
		  rf->me, rf->current_term, args.leader_id, args.term,
		  args.prev_log_index, args.prev_log_term, args.n_entries,
		  args.leader_commit, reply.success ? "ok" : "no match",
		  log_last_index(&rf->log));
	lab_mutex_unlock(&rf->mu);
	free(entries);
	append_entries_reply_encode(out, &reply);
}
