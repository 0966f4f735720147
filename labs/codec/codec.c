/*
 * The codec: fixed-width little-endian integers and length-prefixed byte
 * strings, written into a growable buffer and read back by a reader that
 * checks every byte count before it touches memory.
 *
 * Writing cannot fail (memory exhaustion aborts inside lab_realloc), so the
 * put functions return nothing. Reading can fail in only a few ways, and
 * each one records a message in the reader and turns it "sticky": from then
 * on every get returns 0 or NULL without reading, so a caller decodes a
 * whole struct and checks once. Every offset in a message is the offset of
 * the field that failed, counted from the start of the input.
 */
#include "codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* Room for a few small fields before the first growth. */
#define CODEC_MIN_CAP 64

/* ---- writing --------------------------------------------------------- */

void codec_buf_init(struct codec_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void codec_buf_free(struct codec_buf *b)
{
	free(b->data);
	codec_buf_init(b); /* so a second free, or reuse, is harmless */
}

void codec_buf_reset(struct codec_buf *b)
{
	b->len = 0;
}

/* Makes room for n more bytes. Capacity doubles, so appending a byte at a
 * time costs amortised constant time, not a copy per byte. */
static void reserve(struct codec_buf *b, size_t n)
{
	if (n > SIZE_MAX - b->len) {
		fprintf(stderr,
			"codec: buffer of %zu bytes cannot grow by %zu\n",
			b->len, n);
		abort();
	}
	size_t need = b->len + n;
	if (need <= b->cap)
		return;
	size_t cap = b->cap > 0 ? b->cap : CODEC_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = lab_realloc(b->data, cap);
	b->cap = cap;
}

void codec_buf_append(struct codec_buf *b, const void *data, size_t len)
{
	if (len == 0)
		return; /* data may be NULL, and memcpy must not see that */
	reserve(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void codec_buf_set(struct codec_buf *b, const void *data, size_t len)
{
	b->len = 0;
	codec_buf_append(b, data, len);
}

/* Every integer goes through here: byte i holds bits 8i..8i+7, whatever
 * the byte order of the machine that writes it. */
static void put_le(struct codec_buf *b, uint64_t v, size_t width)
{
	uint8_t bytes[8];
	for (size_t i = 0; i < width; i++)
		bytes[i] = (uint8_t)(v >> (8 * i));
	codec_buf_append(b, bytes, width);
}

void codec_put_u8(struct codec_buf *b, uint8_t v)
{
	put_le(b, v, 1);
}

void codec_put_u32(struct codec_buf *b, uint32_t v)
{
	put_le(b, v, 4);
}

void codec_put_u64(struct codec_buf *b, uint64_t v)
{
	put_le(b, v, 8);
}

void codec_put_i64(struct codec_buf *b, int64_t v)
{
	put_le(b, (uint64_t)v, 8); /* two's complement, well defined in C */
}

void codec_put_bool(struct codec_buf *b, bool v)
{
	put_le(b, v ? 1 : 0, 1);
}

void codec_put_bytes(struct codec_buf *b, const void *data, size_t len)
{
	if (len > UINT32_MAX) {
		fprintf(stderr,
			"codec_put_bytes: %zu bytes do not fit a 32-bit "
			"length\n",
			len);
		abort();
	}
	codec_put_u32(b, (uint32_t)len);
	codec_buf_append(b, data, len);
}

void codec_put_str(struct codec_buf *b, const char *s)
{
	codec_put_bytes(b, s, strlen(s));
}

/* ---- reading --------------------------------------------------------- */

void codec_reader_init(struct codec_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data != NULL ? len : 0; /* (NULL, 0) is an empty input */
	r->pos = 0;
	r->error[0] = '\0';
}

bool codec_reader_ok(const struct codec_reader *r)
{
	return r->error[0] == '\0';
}

size_t codec_reader_remaining(const struct codec_reader *r)
{
	return r->len - r->pos;
}

const char *codec_reader_error(const struct codec_reader *r)
{
	return r->error;
}

static void fail(struct codec_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records the first error only: later ones are usually consequences of it,
 * and the first is the one that explains what went wrong. */
static void fail(struct codec_reader *r, const char *fmt, ...)
{
	if (!codec_reader_ok(r))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* "1 byte", "2 bytes": messages are read by students. */
static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* Consumes n bytes and returns where they start, or NULL if the reader has
 * already failed or fewer than n bytes are left. The only place that moves
 * pos, so no get can read past the end. */
static const uint8_t *take(struct codec_reader *r, size_t n)
{
	if (!codec_reader_ok(r))
		return NULL;
	size_t left = codec_reader_remaining(r);
	if (n > left) {
		fail(r, "truncated: needed %zu byte%s at offset %zu, %zu left",
		     n, plural(n), r->pos, left);
		return NULL;
	}
	const uint8_t *p = r->data + r->pos;
	r->pos += n;
	return p;
}

static uint64_t get_le(struct codec_reader *r, size_t width)
{
	const uint8_t *p = take(r, width);
	if (p == NULL)
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t codec_get_u8(struct codec_reader *r)
{
	return (uint8_t)get_le(r, 1);
}

uint32_t codec_get_u32(struct codec_reader *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t codec_get_u64(struct codec_reader *r)
{
	return get_le(r, 8);
}

/* Converting a uint64_t above INT64_MAX straight to int64_t is
 * implementation-defined in C; this spelling is exact everywhere. */
int64_t codec_get_i64(struct codec_reader *r)
{
	uint64_t u = get_le(r, 8);
	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(UINT64_MAX - u) - 1;
}

bool codec_get_bool(struct codec_reader *r)
{
	size_t at = r->pos;
	uint8_t v = codec_get_u8(r);
	if (v > 1) {
		fail(r, "bool at offset %zu is %u, not 0 or 1", at,
		     (unsigned)v);
		return false;
	}
	return v == 1;
}

/* Reads a length prefix and the bytes it announces, returning a pointer to
 * them in the input. The length is checked against what is left before
 * anyone allocates for it: a corrupt prefix such as 0xFFFFFFFF must be an
 * error, not a 4 GB allocation. */
static const uint8_t *get_counted(struct codec_reader *r, size_t *len)
{
	*len = 0;
	size_t at = r->pos;
	uint32_t n = codec_get_u32(r);
	if (!codec_reader_ok(r))
		return NULL;
	size_t left = codec_reader_remaining(r);
	if (n > left) {
		fail(r, "length %lu at offset %zu exceeds the %zu byte%s left",
		     (unsigned long)n, at, left, plural(left));
		return NULL;
	}
	const uint8_t *p = take(r, n);
	if (p != NULL)
		*len = n;
	return p;
}

const uint8_t *codec_get_bytes_view(struct codec_reader *r, size_t *len)
{
	return get_counted(r, len);
}

uint8_t *codec_get_bytes(struct codec_reader *r, size_t *len)
{
	const uint8_t *p = get_counted(r, len);
	if (p == NULL)
		return NULL;
	/* At least one byte, so that an empty result is still non-NULL. */
	uint8_t *copy = lab_malloc(*len > 0 ? *len : 1);
	memcpy(copy, p, *len);
	return copy;
}

char *codec_get_str(struct codec_reader *r)
{
	size_t at = r->pos;
	size_t n;
	const uint8_t *p = get_counted(r, &n);
	if (p == NULL)
		return NULL;
	/* A C string would end at the NUL and silently lose the rest. */
	if (memchr(p, '\0', n) != NULL) {
		fail(r, "string at offset %zu contains a NUL byte", at);
		return NULL;
	}
	char *s = lab_malloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

bool codec_reader_finish(struct codec_reader *r)
{
	size_t left = codec_reader_remaining(r);
	if (codec_reader_ok(r) && left > 0)
		fail(r, "%zu trailing byte%s after offset %zu", left,
		     plural(left), r->pos);
	return codec_reader_ok(r);
}
