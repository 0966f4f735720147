/*
 * The codec turns values into bytes and back. RPC arguments and replies and
 * the state a peer persists are all byte strings; this is how you make them.
 *
 * Writing: put values into a growable struct codec_buf, in some order.
 * Reading: get them back, in the same order, from a struct codec_reader.
 *
 *     struct codec_buf b;
 *     codec_buf_init(&b);
 *     codec_put_u64(&b, term);
 *     codec_put_i64(&b, voted_for);
 *     ...
 *     struct codec_reader r;
 *     codec_reader_init(&r, b.data, b.len);
 *     term = codec_get_u64(&r);
 *     voted_for = codec_get_i64(&r);
 *     if (!codec_reader_finish(&r))
 *         fprintf(stderr, "bad state: %s\n", codec_reader_error(&r));
 *     codec_buf_free(&b);
 *
 * Reading never trusts its input. A get past the end, a length larger than
 * what is left, or a bool that is neither 0 nor 1 sets the reader's error.
 * The error is sticky: every later get returns 0 (or NULL) and reads
 * nothing, so you may decode a whole struct and check once at the end.
 *
 * The format: integers are fixed-width little-endian; a bool is one byte,
 * 0 or 1; bytes and strings are a u32 length followed by that many bytes
 * (a string has no terminating NUL on the wire, and may not contain one).
 */
#ifndef LAB_CODEC_H
#define LAB_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. data holds len bytes; the caller owns the struct
 * and frees its storage with codec_buf_free. Growing aborts on exhausted
 * memory, so puts cannot fail. */
struct codec_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void codec_buf_init(struct codec_buf *b);
void codec_buf_free(struct codec_buf *b);

/* Empties b, keeping its storage for reuse. */
void codec_buf_reset(struct codec_buf *b);

/* Appends / replaces b's contents with a copy of len bytes at data. */
void codec_buf_append(struct codec_buf *b, const void *data, size_t len);
void codec_buf_set(struct codec_buf *b, const void *data, size_t len);

void codec_put_u8(struct codec_buf *b, uint8_t v);
void codec_put_u32(struct codec_buf *b, uint32_t v);
void codec_put_u64(struct codec_buf *b, uint64_t v);
void codec_put_i64(struct codec_buf *b, int64_t v);
void codec_put_bool(struct codec_buf *b, bool v);

/* A length-prefixed byte string: copies len bytes from data. len must fit
 * in 32 bits; larger aborts, as it is a bug. */
void codec_put_bytes(struct codec_buf *b, const void *data, size_t len);

/* A length-prefixed string: copies strlen(s) bytes of s. */
void codec_put_str(struct codec_buf *b, const char *s);

/* Reads from len bytes at data, which it borrows: they must outlive the
 * reader. The caller owns the struct; there is nothing to free. */
struct codec_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
	char error[96]; /* empty while all is well */
};

void codec_reader_init(struct codec_reader *r, const void *data, size_t len);

uint8_t codec_get_u8(struct codec_reader *r);
uint32_t codec_get_u32(struct codec_reader *r);
uint64_t codec_get_u64(struct codec_reader *r);
int64_t codec_get_i64(struct codec_reader *r);
bool codec_get_bool(struct codec_reader *r);

/* A length-prefixed byte string, as a new allocation of *len bytes (never
 * NULL on success, even for length 0). Caller frees with free(). On error
 * returns NULL and sets *len to 0. */
uint8_t *codec_get_bytes(struct codec_reader *r, size_t *len);

/* The same, without a copy: a pointer into the reader's input, valid as
 * long as that input is. On error returns NULL and sets *len to 0. */
const uint8_t *codec_get_bytes_view(struct codec_reader *r, size_t *len);

/* A length-prefixed string, as a new NUL-terminated allocation. Caller
 * frees with free(). A string containing a NUL byte is an error. */
char *codec_get_str(struct codec_reader *r);

/* True while no get has failed. */
bool codec_reader_ok(const struct codec_reader *r);

/* Bytes not yet read. */
size_t codec_reader_remaining(const struct codec_reader *r);

/* Call after the last get: true if every get succeeded and every byte was
 * read. Leftover bytes usually mean the writer and reader disagree about
 * the fields; they set the error too. */
bool codec_reader_finish(struct codec_reader *r);

/* What went wrong, for a message ("truncated: needed 8 bytes at offset 12,
 * 3 left"), or "" if nothing did. Borrowed from r. */
const char *codec_reader_error(const struct codec_reader *r);

#endif
