/*
 * Persistence: what a peer must still know after a crash. Figure 2 calls
 * it "Persistent state on all servers (Updated on stable storage before
 * responding to RPCs)": currentTerm, votedFor and log[]. A peer that
 * forgot its term or its vote could vote twice in one term, and elect two
 * leaders; one that forgot entries could lose committed ones. So whoever
 * changes these fields calls persist() before releasing rf->mu, which is
 * before any reply or request can tell another peer about the change.
 *
 * The bytes, in order: current_term, voted_for, the log's base index and
 * term, the number of entries after the base, then each entry's term and
 * command. The snapshot (snapshot.c) is saved beside them in the same
 * atomic step: the log's base and the snapshot must always agree, and a
 * save that did not pass the snapshot again would drop it.
 *
 * A peer whose saved state cannot be read does not start. Starting empty
 * instead would forget its votes and entries, the very things safety
 * rests on; and since only a bug writes bad bytes, the message should be
 * seen at once, not after some later test fails for no visible reason.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "raft_internal.h"

void persist(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	const struct raft_log *l = &rf->log;
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_i64(&b, rf->current_term);
	codec_put_i64(&b, rf->voted_for);
	codec_put_i64(&b, log_base_index(l));
	codec_put_i64(&b, log_base_term(l));
	int64_t n;
	const struct log_entry *e =
		log_entries_from(l, log_base_index(l) + 1, &n);
	codec_put_i64(&b, n);
	for (int64_t i = 0; i < n; i++) {
		codec_put_i64(&b, e[i].term);
		codec_put_bytes(&b, e[i].command, e[i].len);
	}
	persister_save(rf->persister, b.data, b.len, rf->snapshot,
		       rf->snapshot_len);
	lab_debug("persist",
		  "S%d T%" PRId64 ": saves voted_for %" PRId64
		  ", last index %" PRId64 ", %zu bytes",
		  rf->me, rf->current_term, rf->voted_for, log_last_index(l),
		  b.len);
	codec_buf_free(&b);
}

/* Reads the log part of the state into l. Returns NULL, or what is
 * wrong with it (terms must not decrease, nor pass current_term). */
static const char *read_log(struct codec_reader *r, struct raft_log *l,
			    int64_t current_term)
{
	int64_t base_index = codec_get_i64(r);
	int64_t base_term = codec_get_i64(r);
	int64_t n = codec_get_i64(r);
	if (!codec_reader_ok(r))
		return NULL;
	if (base_index < 0 || base_term < 0 || base_term > current_term)
		return "the log's base has a bad index or term";
	log_reset(l, base_index, base_term);
	for (int64_t i = 0; i < n && codec_reader_ok(r); i++) {
		int64_t term = codec_get_i64(r);
		size_t len;
		const uint8_t *command = codec_get_bytes_view(r, &len);
		if (!codec_reader_ok(r))
			break;
		if (term < log_last_term(l) || term > current_term)
			return "the log's terms are out of order";
		log_append(l, term, command, len);
	}
	return NULL;
}

/* Fills in current_term, voted_for and the log from data. Returns NULL,
 * or what is wrong with the bytes. */
static const char *decode_state(struct raft *rf, const uint8_t *data,
				size_t len, struct codec_reader *r)
{
	codec_reader_init(r, data, len);
	int64_t term = codec_get_i64(r);
	int64_t voted_for = codec_get_i64(r);
	const char *bad = read_log(r, &rf->log, term);
	if (bad)
		return bad;
	if (!codec_reader_finish(r))
		return codec_reader_error(r);
	if (term < 0 || voted_for < -1 || voted_for >= rf->npeers)
		return "currentTerm or votedFor is out of range";
	rf->current_term = term;
	rf->voted_for = voted_for;
	return NULL;
}

void persist_restore(struct raft *rf)
{
	struct persister *p = rf->persister;
	rf->snapshot = persister_read_snapshot(p, &rf->snapshot_len);
	size_t len;
	uint8_t *data = persister_read_state(p, &len);
	if (data == NULL)
		return; /* a first start: nothing saved yet */

	struct codec_reader r;
	const char *bad = decode_state(rf, data, len, &r);
	free(data);
	if (bad) {
		fprintf(stderr,
			"raft: peer %d cannot read the state it saved before "
			"it crashed (%zu bytes): %s. persist() and "
			"persist_restore() must write and read the same "
			"fields in the same order. Stopping: a peer that "
			"forgot its votes and log must not rejoin.\n",
			rf->me, len, bad);
		abort();
	}
	/* Everything up to the base is in the snapshot, which the service
	 * restores itself: it is committed and, as far as Raft goes,
	 * applied. */
	rf->commit_index = log_base_index(&rf->log);
	rf->last_applied = log_base_index(&rf->log);
	lab_debug("persist",
		  "S%d T%" PRId64 ": restores voted_for %" PRId64
		  ", last index %" PRId64,
		  rf->me, rf->current_term, rf->voted_for,
		  log_last_index(&rf->log));
}
