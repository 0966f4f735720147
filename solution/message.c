/*
 * The RPC messages as bytes. Peers share no memory: every argument and
 * reply crosses labrpc as a byte string made here with the codec. Each
 * encoder writes its struct's fields in order, and the matching decoder
 * reads the same fields, in the same order, with the same types.
 *
 * Decoding never trusts the bytes. An argument decoder leaves the reader
 * in error when they do not fit, and labrpc then fails the call; a reply
 * decoder returns false, and the caller treats the reply as lost.
 */
#include <stdlib.h>

#include "raft_internal.h"

void request_vote_args_encode(struct codec_buf *b,
			      const struct request_vote_args *a)
{
	codec_put_i64(b, a->term);
	codec_put_i64(b, a->candidate_id);
	codec_put_i64(b, a->last_log_index);
	codec_put_i64(b, a->last_log_term);
	codec_put_bool(b, a->pre_vote);
}

void request_vote_args_decode(struct codec_reader *r,
			      struct request_vote_args *a)
{
	a->term = codec_get_i64(r);
	a->candidate_id = codec_get_i64(r);
	a->last_log_index = codec_get_i64(r);
	a->last_log_term = codec_get_i64(r);
	a->pre_vote = codec_get_bool(r);
}

void request_vote_reply_encode(struct codec_buf *b,
			       const struct request_vote_reply *rep)
{
	codec_put_i64(b, rep->term);
	codec_put_bool(b, rep->vote_granted);
}

bool request_vote_reply_decode(const struct codec_buf *b,
			       struct request_vote_reply *rep)
{
	struct codec_reader r;
	codec_reader_init(&r, b->data, b->len);
	rep->term = codec_get_i64(&r);
	rep->vote_granted = codec_get_bool(&r);
	return codec_reader_finish(&r);
}

/* The entries go last: their count, then each entry's term and command. */
void append_entries_args_encode(struct codec_buf *b,
				const struct append_entries_args *a)
{
	codec_put_i64(b, a->term);
	codec_put_i64(b, a->leader_id);
	codec_put_i64(b, a->prev_log_index);
	codec_put_i64(b, a->prev_log_term);
	codec_put_i64(b, a->leader_commit);
	codec_put_u32(b, (uint32_t)a->n_entries);
	for (int64_t i = 0; i < a->n_entries; i++) {
		codec_put_i64(b, a->entries[i].term);
		codec_put_bytes(b, a->entries[i].command, a->entries[i].len);
	}
}

struct log_entry *append_entries_args_decode(struct codec_reader *r,
					     struct append_entries_args *a)
{
	a->term = codec_get_i64(r);
	a->leader_id = codec_get_i64(r);
	a->prev_log_index = codec_get_i64(r);
	a->prev_log_term = codec_get_i64(r);
	a->leader_commit = codec_get_i64(r);
	uint32_t n = codec_get_u32(r);

	/* The array grows as entries arrive instead of being sized by n, so
	 * that a corrupt count cannot make us allocate more than the bytes
	 * that are really there. */
	struct log_entry *entries = NULL;
	int64_t count = 0, cap = 0;
	while (count < n && codec_reader_ok(r)) {
		if (count == cap) {
			cap = cap ? 2 * cap : 8;
			entries = lab_realloc(entries,
					      (size_t)cap * sizeof *entries);
		}
		struct log_entry *e = &entries[count];
		e->term = codec_get_i64(r);
		/* A view into the request, not a copy: the handler copies
		 * what it keeps into the log. (The cast drops const only
		 * because log entries own their commands; nothing writes
		 * through this one.) */
		e->command = (uint8_t *)codec_get_bytes_view(r, &e->len);
		count++;
	}
	if (!codec_reader_ok(r)) {
		free(entries);
		entries = NULL;
		count = 0;
	}
	a->entries = entries;
	a->n_entries = count;
	return entries;
}

void append_entries_reply_encode(struct codec_buf *b,
				 const struct append_entries_reply *rep)
{
	codec_put_i64(b, rep->term);
	codec_put_bool(b, rep->success);
	codec_put_i64(b, rep->conflict_term);
	codec_put_i64(b, rep->conflict_index);
}

bool append_entries_reply_decode(const struct codec_buf *b,
				 struct append_entries_reply *rep)
{
	struct codec_reader r;
	codec_reader_init(&r, b->data, b->len);
	rep->term = codec_get_i64(&r);
	rep->success = codec_get_bool(&r);
	rep->conflict_term = codec_get_i64(&r);
	rep->conflict_index = codec_get_i64(&r);
	return codec_reader_finish(&r);
}

void install_snapshot_args_encode(struct codec_buf *b,
				  const struct install_snapshot_args *a)
{
	codec_put_i64(b, a->term);
	codec_put_i64(b, a->leader_id);
	codec_put_i64(b, a->last_included_index);
	codec_put_i64(b, a->last_included_term);
	codec_put_bytes(b, a->data, a->len);
}

void install_snapshot_args_decode(struct codec_reader *r,
				  struct install_snapshot_args *a)
{
	a->term = codec_get_i64(r);
	a->leader_id = codec_get_i64(r);
	a->last_included_index = codec_get_i64(r);
	a->last_included_term = codec_get_i64(r);
	a->data = codec_get_bytes_view(r, &a->len);
}

void install_snapshot_reply_encode(struct codec_buf *b,
				   const struct install_snapshot_reply *rep)
{
	codec_put_i64(b, rep->term);
}

bool install_snapshot_reply_decode(const struct codec_buf *b,
				   struct install_snapshot_reply *rep)
{
	struct codec_reader r;
	codec_reader_init(&r, b->data, b->len);
	rep->term = codec_get_i64(&r);
	return codec_reader_finish(&r);
}
