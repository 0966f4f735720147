/*
 * Unit tests for the codec (labs/codec): every type round-trips, extremes
 * included; the bytes on the wire are the documented ones; and no input,
 * however cut short or corrupted, makes a reader crash, read out of bounds,
 * leak, or allocate what a corrupt length prefix asks for. Inputs are copied
 * into exact-size allocations so that AddressSanitizer (make test
 * SAN=address) catches a read one byte too far. The fuzz test draws from the
 * runtime's random streams, so LAB_SEED repeats a failing run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "runtime.h"
#include "selftest.h"

/* Sanitizer builds are slow; a hang is still caught. */
#define TEST_TIMEOUT 60

/* ---- helpers --------------------------------------------------------- */

/* Fails the test unless r has failed with exactly the message expected. */
static void expect_error(struct codec_reader *r, const char *expected)
{
	ck_assert_msg(!codec_reader_ok(r),
		      "expected error \"%s\", but the reader is still ok",
		      expected);
	ck_assert_msg(strcmp(codec_reader_error(r), expected) == 0,
		      "expected error \"%s\", saw \"%s\"", expected,
		      codec_reader_error(r));
}

/* A private copy of len bytes, sized exactly, so an over-read is caught. */
static uint8_t *exact_copy(const void *data, size_t len)
{
	uint8_t *p = lab_malloc(len > 0 ? len : 1);
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

/* A message with one field of every kind, shaped like an RPC argument. */
struct record {
	uint8_t kind;
	bool granted;
	uint32_t count;
	uint8_t *entries; /* owned */
	size_t entries_len;
	int64_t voted_for;
	char *name;	    /* owned */
	const uint8_t *tag; /* borrowed: a view into the input */
	size_t tag_len;
	uint64_t term;
};

/* What tags are cut from; the terminating NUL is never used. */
static const uint8_t tag_pool[] = "0123456789abcdef";
#define TAG_POOL_LEN (sizeof(tag_pool) - 1)

static void put_record(struct codec_buf *b, const struct record *m)
{
	codec_put_u8(b, m->kind);
	codec_put_bool(b, m->granted);
	codec_put_u32(b, m->count);
	codec_put_bytes(b, m->entries, m->entries_len);
	codec_put_i64(b, m->voted_for);
	codec_put_str(b, m->name);
	codec_put_bytes(b, m->tag, m->tag_len);
	codec_put_u64(b, m->term);
}

/* Decodes every field whatever happens, the way callers are told they
 * may: the reader's sticky error makes the fields after a failure 0. */
static void get_record(struct codec_reader *r, struct record *m)
{
	m->kind = codec_get_u8(r);
	m->granted = codec_get_bool(r);
	m->count = codec_get_u32(r);
	m->entries = codec_get_bytes(r, &m->entries_len);
	m->voted_for = codec_get_i64(r);
	m->name = codec_get_str(r);
	m->tag = codec_get_bytes_view(r, &m->tag_len);
	m->term = codec_get_u64(r);
}

static void free_record(struct record *m)
{
	free(m->entries);
	free(m->name);
}

static int64_t random_i64(void)
{
	static const int64_t extremes[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
	if (lab_rand_int(2) == 0)
		return extremes[lab_rand_int(5)];
	return lab_rand_range(-1000000, 1000000);
}

/* A record with random contents, kept small so that mutations often land
 * on a length prefix, where decoding is most fragile. */
static struct record random_record(void)
{
	struct record m;
	m.kind = (uint8_t)lab_rand_int(256);
	m.granted = lab_rand_int(2) == 1;
	m.count = (uint32_t)lab_rand_u64();
	m.entries_len = (size_t)lab_rand_int(17);
	m.entries = lab_malloc(m.entries_len + 1);
	for (size_t i = 0; i < m.entries_len; i++)
		m.entries[i] = (uint8_t)lab_rand_int(256);
	m.voted_for = random_i64();
	size_t name_len = (size_t)lab_rand_int(13);
	m.name = lab_malloc(name_len + 1);
	for (size_t i = 0; i < name_len; i++)
		m.name[i] = (char)('a' + lab_rand_int(26));
	m.name[name_len] = '\0';
	m.tag_len = (size_t)lab_rand_int(TAG_POOL_LEN + 1);
	m.tag = tag_pool;
	m.term = lab_rand_u64();
	return m;
}

/* The first field where a and b differ, or NULL if they agree. */
static const char *record_diff(const struct record *a, const struct record *b)
{
	if (a->kind != b->kind)
		return "kind";
	if (a->granted != b->granted)
		return "granted";
	if (a->count != b->count)
		return "count";
	if (a->entries_len != b->entries_len ||
	    memcmp(a->entries, b->entries, a->entries_len) != 0)
		return "entries";
	if (a->voted_for != b->voted_for)
		return "voted_for";
	if (strcmp(a->name, b->name) != 0)
		return "name";
	if (a->tag_len != b->tag_len || memcmp(a->tag, b->tag, a->tag_len) != 0)
		return "tag";
	if (a->term != b->term)
		return "term";
	return NULL;
}

/* ---- round trips ----------------------------------------------------- */

START_TEST(test_round_trip_integers)
{
	static const uint8_t u8s[] = {0, 1, 127, 128, UINT8_MAX};
	static const uint32_t u32s[] = {0, 1, 0x80000000u, UINT32_MAX};
	static const uint64_t u64s[] = {0, 1, UINT32_MAX, 1ull << 63,
					UINT64_MAX};
	static const int64_t i64s[] = {
		INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX,
	};
	size_t n8 = sizeof(u8s) / sizeof(u8s[0]);
	size_t n32 = sizeof(u32s) / sizeof(u32s[0]);
	size_t n64 = sizeof(u64s) / sizeof(u64s[0]);
	size_t ni64 = sizeof(i64s) / sizeof(i64s[0]);

	struct codec_buf b;
	codec_buf_init(&b);
	for (size_t i = 0; i < n8; i++)
		codec_put_u8(&b, u8s[i]);
	for (size_t i = 0; i < n32; i++)
		codec_put_u32(&b, u32s[i]);
	for (size_t i = 0; i < n64; i++)
		codec_put_u64(&b, u64s[i]);
	for (size_t i = 0; i < ni64; i++)
		codec_put_i64(&b, i64s[i]);
	codec_put_bool(&b, true);
	codec_put_bool(&b, false);

	struct codec_reader r;
	codec_reader_init(&r, b.data, b.len);
	for (size_t i = 0; i < n8; i++) {
		uint8_t v = codec_get_u8(&r);
		ck_assert_msg(v == u8s[i], "u8: expected %u, saw %u",
			      (unsigned)u8s[i], (unsigned)v);
	}
	for (size_t i = 0; i < n32; i++) {
		uint32_t v = codec_get_u32(&r);
		ck_assert_msg(v == u32s[i], "u32: expected %lu, saw %lu",
			      (unsigned long)u32s[i], (unsigned long)v);
	}
	for (size_t i = 0; i < n64; i++) {
		uint64_t v = codec_get_u64(&r);
		ck_assert_msg(v == u64s[i], "u64: expected %llu, saw %llu",
			      (unsigned long long)u64s[i],
			      (unsigned long long)v);
	}
	for (size_t i = 0; i < ni64; i++) {
		int64_t v = codec_get_i64(&r);
		ck_assert_msg(v == i64s[i], "i64: expected %lld, saw %lld",
			      (long long)i64s[i], (long long)v);
	}
	ck_assert_msg(codec_get_bool(&r), "bool: expected true, saw false");
	ck_assert_msg(!codec_get_bool(&r), "bool: expected false, saw true");
	ck_assert_msg(codec_reader_finish(&r), "finish failed: %s",
		      codec_reader_error(&r));
	ck_assert_msg(strcmp(codec_reader_error(&r), "") == 0,
		      "expected no error, saw \"%s\"", codec_reader_error(&r));
	codec_buf_free(&b);
}
END_TEST

START_TEST(test_round_trip_bytes_and_strings)
{
	static const uint8_t with_nuls[] = {0, 'a', 0, 0, 'b', 0xFF};
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_bytes(&b, NULL, 0);
	codec_put_str(&b, "");
	codec_put_str(&b, "currentTerm");
	codec_put_bytes(&b, with_nuls, sizeof(with_nuls));
	codec_put_bytes(&b, with_nuls, sizeof(with_nuls));

	struct codec_reader r;
	codec_reader_init(&r, b.data, b.len);
	size_t len = 99;
	uint8_t *empty = codec_get_bytes(&r, &len);
	ck_assert_msg(empty != NULL, "empty bytes: expected a non-NULL result");
	ck_assert_msg(len == 0, "empty bytes: expected length 0, saw %zu", len);
	char *s = codec_get_str(&r);
	ck_assert_msg(s != NULL && strcmp(s, "") == 0,
		      "empty string: expected \"\", saw %s%s%s", s ? "\"" : "",
		      s ? s : "NULL", s ? "\"" : "");
	char *t = codec_get_str(&r);
	ck_assert_msg(t != NULL && strcmp(t, "currentTerm") == 0,
		      "expected \"currentTerm\", saw \"%s\"", t ? t : "(NULL)");
	uint8_t *copy = codec_get_bytes(&r, &len);
	ck_assert_msg(copy != NULL && len == sizeof(with_nuls),
		      "bytes with NULs: expected %zu bytes, saw %zu",
		      sizeof(with_nuls), len);
	ck_assert_mem_eq(copy, with_nuls, sizeof(with_nuls));
	const uint8_t *view = codec_get_bytes_view(&r, &len);
	ck_assert_msg(view != NULL && len == sizeof(with_nuls),
		      "view: expected %zu bytes, saw %zu", sizeof(with_nuls),
		      len);
	ck_assert_msg(view >= b.data && view + len == b.data + b.len,
		      "view: expected a pointer into the input");
	ck_assert_mem_eq(view, with_nuls, sizeof(with_nuls));
	ck_assert_msg(codec_reader_finish(&r), "finish failed: %s",
		      codec_reader_error(&r));

	free(empty);
	free(s);
	free(t);
	free(copy);
	codec_buf_free(&b);
}
END_TEST

START_TEST(test_round_trip_large_bytes)
{
	size_t n = 1 << 20;
	uint8_t *big = lab_malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 31 + 7);
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_bytes(&b, big, n);
	codec_put_u8(&b, 42);

	struct codec_reader r;
	codec_reader_init(&r, b.data, b.len);
	size_t len;
	uint8_t *back = codec_get_bytes(&r, &len);
	ck_assert_msg(back != NULL && len == n, "expected %zu bytes, saw %zu",
		      n, len);
	ck_assert_msg(memcmp(back, big, n) == 0,
		      "1 MB of bytes came back different");
	uint8_t after = codec_get_u8(&r);
	ck_assert_msg(after == 42, "field after 1 MB: expected 42, saw %u",
		      (unsigned)after);
	ck_assert_msg(codec_reader_finish(&r), "finish failed: %s",
		      codec_reader_error(&r));
	free(back);
	free(big);
	codec_buf_free(&b);
}
END_TEST

/* The header documents the format; students may decode it by hand. */
START_TEST(test_wire_format_is_little_endian)
{
	/* One literal per field; sizeof counts the literal's final NUL. */
	static const char wire[] =
		"\xAB"				   /* u8 0xAB */
		"\x01\x02\x03\x04"		   /* u32 0x04030201 */
		"\x01\x02\x03\x04\x05\x06\x07\x08" /* u64 0x0807060504030201 */
		"\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF" /* i64 -2 */
		"\x01\x00"			   /* bool true, bool false */
		"\x02\x00\x00\x00hi"		   /* bytes "hi" */
		"\x02\x00\x00\x00ok";		   /* string "ok" */
	size_t wire_len = sizeof(wire) - 1;
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_u8(&b, 0xAB);
	codec_put_u32(&b, 0x04030201u);
	codec_put_u64(&b, 0x0807060504030201ull);
	codec_put_i64(&b, -2);
	codec_put_bool(&b, true);
	codec_put_bool(&b, false);
	codec_put_bytes(&b, "hi", 2);
	codec_put_str(&b, "ok");
	ck_assert_msg(b.len == wire_len, "expected %zu bytes, saw %zu",
		      wire_len, b.len);
	ck_assert_mem_eq(b.data, wire, wire_len);
	codec_buf_free(&b);
}
END_TEST

/* ---- the growable buffer --------------------------------------------- */

START_TEST(test_buf_append_set_reset)
{
	struct codec_buf b;
	codec_buf_init(&b);
	ck_assert_msg(b.len == 0, "new buffer: expected length 0, saw %zu",
		      b.len);
	codec_buf_append(&b, NULL, 0);
	codec_buf_append(&b, "abc", 3);
	codec_buf_append(&b, "de", 2);
	ck_assert_msg(b.len == 5, "after appends: expected 5 bytes, saw %zu",
		      b.len);
	ck_assert_mem_eq(b.data, "abcde", 5);

	uint8_t *storage = b.data;
	size_t cap = b.cap;
	codec_buf_reset(&b);
	ck_assert_msg(b.len == 0, "after reset: expected length 0, saw %zu",
		      b.len);
	ck_assert_msg(b.data == storage && b.cap == cap,
		      "reset should keep the storage (cap %zu, saw %zu)", cap,
		      b.cap);
	codec_buf_append(&b, "xy", 2);
	ck_assert_mem_eq(b.data, "xy", 2);

	codec_buf_set(&b, "hello", 5);
	ck_assert_msg(b.len == 5, "after set: expected 5 bytes, saw %zu",
		      b.len);
	ck_assert_mem_eq(b.data, "hello", 5);
	codec_buf_append(&b, "!", 1);
	ck_assert_mem_eq(b.data, "hello!", 6);
	codec_buf_set(&b, NULL, 0);
	ck_assert_msg(b.len == 0, "after empty set: expected 0, saw %zu",
		      b.len);

	codec_buf_free(&b);
	ck_assert_msg(b.data == NULL && b.len == 0 && b.cap == 0,
		      "free should leave an empty buffer");
	codec_buf_free(&b); /* a second free is harmless */
}
END_TEST

START_TEST(test_buf_growth_doubles)
{
	struct codec_buf b;
	codec_buf_init(&b);
	size_t n = 100000;
	int growths = 0;
	for (size_t i = 0; i < n; i++) {
		size_t old_cap = b.cap;
		codec_put_u8(&b, (uint8_t)i);
		if (b.cap != old_cap) {
			growths++;
			ck_assert_msg(old_cap == 0 || b.cap >= 2 * old_cap,
				      "capacity grew from %zu to %zu, expected "
				      "at least double",
				      old_cap, b.cap);
		}
		ck_assert_msg(b.cap >= b.len, "cap %zu < len %zu", b.cap,
			      b.len);
	}
	/* Doubling from 1 byte would take 17 steps; a copy per append 1e5. */
	ck_assert_msg(growths <= 17, "expected at most 17 growths, saw %d",
		      growths);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(b.data[i] == (uint8_t)i,
			      "byte %zu: expected %u, saw %u", i,
			      (unsigned)(uint8_t)i, (unsigned)b.data[i]);
	codec_buf_free(&b);
}
END_TEST

/* ---- errors ---------------------------------------------------------- */

START_TEST(test_empty_input)
{
	struct codec_reader r;
	codec_reader_init(&r, NULL, 0);
	ck_assert_msg(codec_reader_remaining(&r) == 0,
		      "expected 0 bytes remaining, saw %zu",
		      codec_reader_remaining(&r));
	ck_assert_msg(codec_reader_finish(&r),
		      "finishing an empty input should succeed, saw \"%s\"",
		      codec_reader_error(&r));

	codec_reader_init(&r, NULL, 0);
	uint8_t v = codec_get_u8(&r);
	ck_assert_msg(v == 0, "expected 0 from a failed get, saw %u",
		      (unsigned)v);
	expect_error(&r, "truncated: needed 1 byte at offset 0, 0 left");
}
END_TEST

START_TEST(test_truncated_integer)
{
	uint8_t in[7] = {1, 0, 0, 0, 9, 9, 9};
	struct codec_reader r;
	codec_reader_init(&r, in, sizeof(in));
	uint32_t first = codec_get_u32(&r);
	ck_assert_msg(first == 1, "expected 1, saw %lu", (unsigned long)first);
	uint64_t v = codec_get_u64(&r);
	ck_assert_msg(v == 0, "expected 0 from a failed get, saw %llu",
		      (unsigned long long)v);
	expect_error(&r, "truncated: needed 8 bytes at offset 4, 3 left");
	ck_assert_msg(!codec_reader_finish(&r), "finish should fail");
}
END_TEST

/* Cutting a valid encoding anywhere before its end must be an error, with
 * no crash, no read past the cut and no leak. */
START_TEST(test_truncation_at_every_cut)
{
	struct record m = {
		.kind = 7,
		.granted = true,
		.count = 3,
		.entries = (uint8_t *)"entries",
		.entries_len = 7,
		.voted_for = -1,
		.name = "S2",
		.tag = tag_pool,
		.tag_len = 4,
		.term = UINT64_MAX,
	};
	struct codec_buf b;
	codec_buf_init(&b);
	put_record(&b, &m);

	for (size_t cut = 0; cut < b.len; cut++) {
		uint8_t *in = exact_copy(b.data, cut);
		struct codec_reader r;
		codec_reader_init(&r, in, cut);
		struct record back;
		get_record(&r, &back);
		const char *err = codec_reader_error(&r);
		ck_assert_msg(!codec_reader_finish(&r),
			      "cut at %zu of %zu bytes: expected an error", cut,
			      b.len);
		ck_assert_msg(strncmp(err, "truncated:", 10) == 0 ||
				      strstr(err, "exceeds") != NULL,
			      "cut at %zu: expected a truncation error, saw "
			      "\"%s\"",
			      cut, err);
		ck_assert_msg(back.term == 0,
			      "cut at %zu: the last field should read 0 after "
			      "an error, saw %llu",
			      cut, (unsigned long long)back.term);
		free_record(&back);
		free(in);
	}

	/* And uncut, it decodes. */
	struct codec_reader r;
	codec_reader_init(&r, b.data, b.len);
	struct record back;
	get_record(&r, &back);
	ck_assert_msg(codec_reader_finish(&r), "whole input failed: %s",
		      codec_reader_error(&r));
	const char *diff = record_diff(&m, &back);
	ck_assert_msg(diff == NULL, "field %s did not round-trip", diff);
	free_record(&back);
	codec_buf_free(&b);
}
END_TEST

START_TEST(test_error_is_sticky)
{
	uint8_t in[3] = {1, 2, 3};
	const char *first = "truncated: needed 8 bytes at offset 0, 3 left";
	struct codec_reader r;
	codec_reader_init(&r, in, sizeof(in));
	codec_get_u64(&r);
	expect_error(&r, first);

	/* Bytes are there, but nothing is read after an error. */
	uint8_t u8 = codec_get_u8(&r);
	ck_assert_msg(u8 == 0, "u8 after error: expected 0, saw %u",
		      (unsigned)u8);
	ck_assert_msg(!codec_get_bool(&r), "bool after error: expected false");
	ck_assert_msg(codec_get_u32(&r) == 0, "u32 after error: expected 0");
	ck_assert_msg(codec_get_i64(&r) == 0, "i64 after error: expected 0");
	size_t len = 99;
	uint8_t *bytes = codec_get_bytes(&r, &len);
	ck_assert_msg(bytes == NULL && len == 0,
		      "bytes after error: expected NULL and 0, saw %p and %zu",
		      (void *)bytes, len);
	len = 99;
	const uint8_t *view = codec_get_bytes_view(&r, &len);
	ck_assert_msg(view == NULL && len == 0,
		      "view after error: expected NULL and 0, saw %p and %zu",
		      (const void *)view, len);
	char *s = codec_get_str(&r);
	ck_assert_msg(s == NULL, "string after error: expected NULL");
	ck_assert_msg(codec_reader_remaining(&r) == 3,
		      "gets after an error read nothing: expected 3 bytes "
		      "left, saw %zu",
		      codec_reader_remaining(&r));

	/* The first error is the one kept, even through finish. */
	ck_assert_msg(!codec_reader_finish(&r), "finish should fail");
	expect_error(&r, first);
}
END_TEST

START_TEST(test_finish_reports_trailing_bytes)
{
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_u64(&b, 5);
	codec_put_u8(&b, 1);
	codec_put_u8(&b, 2);
	codec_put_u8(&b, 3);

	struct codec_reader r;
	codec_reader_init(&r, b.data, b.len);
	codec_get_u64(&r);
	codec_get_u8(&r);
	ck_assert_msg(codec_reader_ok(&r), "reads so far should succeed");
	ck_assert_msg(!codec_reader_finish(&r),
		      "finish with 2 bytes unread should fail");
	expect_error(&r, "2 trailing bytes after offset 9");

	codec_reader_init(&r, b.data, b.len);
	codec_get_u64(&r);
	codec_get_u8(&r);
	codec_get_u8(&r);
	ck_assert_msg(!codec_reader_finish(&r),
		      "finish with 1 byte unread should fail");
	expect_error(&r, "1 trailing byte after offset 10");
	codec_buf_free(&b);
}
END_TEST

START_TEST(test_bad_bool)
{
	uint8_t in[5] = {0, 1, 1, 7, 0};
	struct codec_reader r;
	codec_reader_init(&r, in, sizeof(in));
	codec_get_u8(&r);
	ck_assert_msg(codec_get_bool(&r), "bool 1: expected true");
	ck_assert_msg(codec_get_bool(&r), "bool 1: expected true");
	ck_assert_msg(!codec_get_bool(&r), "bool 7: expected false");
	expect_error(&r, "bool at offset 3 is 7, not 0 or 1");
}
END_TEST

/* A corrupt prefix must not become an allocation: the length is compared
 * with what is left before the reader allocates anything. (A 4 GB malloc
 * might succeed, so the proof is in codec.c; this checks the outcome.) */
START_TEST(test_oversized_length_rejected)
{
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_u32(&b, 0xFFFFFFFFu);
	codec_buf_append(&b, "0123456789", 10);
	uint8_t *in = exact_copy(b.data, b.len);

	struct codec_reader r;
	size_t len = 99;
	codec_reader_init(&r, in, b.len);
	uint8_t *bytes = codec_get_bytes(&r, &len);
	ck_assert_msg(bytes == NULL && len == 0,
		      "expected NULL and 0, saw %p and %zu", (void *)bytes,
		      len);
	expect_error(&r, "length 4294967295 at offset 0 exceeds the 10 bytes "
			 "left");

	codec_reader_init(&r, in, b.len);
	ck_assert_msg(codec_get_str(&r) == NULL, "string: expected NULL");
	expect_error(&r, "length 4294967295 at offset 0 exceeds the 10 bytes "
			 "left");

	codec_reader_init(&r, in, b.len);
	ck_assert_msg(codec_get_bytes_view(&r, &len) == NULL,
		      "view: expected NULL");
	ck_assert_msg(!codec_reader_ok(&r), "view: expected an error");

	/* One byte too many is as wrong as four billion. */
	codec_buf_reset(&b);
	codec_put_u32(&b, 5);
	codec_buf_append(&b, "abcd", 4);
	codec_reader_init(&r, b.data, b.len);
	ck_assert_msg(codec_get_bytes_view(&r, &len) == NULL,
		      "length 5 with 4 left: expected NULL");
	expect_error(&r, "length 5 at offset 0 exceeds the 4 bytes left");

	free(in);
	codec_buf_free(&b);
}
END_TEST

START_TEST(test_string_with_nul_rejected)
{
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_u8(&b, 1);
	codec_put_bytes(&b, "a\0b", 3);
	struct codec_reader r;
	codec_reader_init(&r, b.data, b.len);
	codec_get_u8(&r);
	char *s = codec_get_str(&r);
	ck_assert_msg(s == NULL, "expected NULL, saw \"%s\"", s ? s : "");
	expect_error(&r, "string at offset 1 contains a NUL byte");

	/* The same bytes are fine as bytes. */
	codec_reader_init(&r, b.data, b.len);
	codec_get_u8(&r);
	size_t len;
	uint8_t *bytes = codec_get_bytes(&r, &len);
	ck_assert_msg(bytes != NULL && len == 3,
		      "as bytes: expected 3, saw %zu", len);
	ck_assert_msg(codec_reader_finish(&r), "as bytes: %s",
		      codec_reader_error(&r));
	free(bytes);
	codec_buf_free(&b);
}
END_TEST

/* ---- fuzzing --------------------------------------------------------- */

#define FUZZ_INPUTS 10000

struct fuzz_stats {
	int decoded;
	int rejected;
};

/* Decodes one input as a record. A success must be exact: the format has
 * one encoding per value, so re-encoding what was read gives the input
 * back. A failure must say what and where. Nothing may leak either way. */
static void fuzz_one(const uint8_t *data, size_t len, struct fuzz_stats *st)
{
	uint8_t *in = exact_copy(data, len);
	struct codec_reader r;
	codec_reader_init(&r, in, len);
	struct record m;
	get_record(&r, &m);
	bool fields_ok = codec_reader_ok(&r); /* before finish checks the end */
	if (codec_reader_finish(&r)) {
		struct codec_buf again;
		codec_buf_init(&again);
		put_record(&again, &m);
		ck_assert_msg(again.len == len &&
				      memcmp(again.data, in, len) == 0,
			      "%zu input bytes decoded, but re-encode to %zu "
			      "different bytes",
			      len, again.len);
		codec_buf_free(&again);
		st->decoded++;
	} else {
		const char *err = codec_reader_error(&r);
		ck_assert_msg(strstr(err, "offset") != NULL,
			      "expected an error that says where, saw \"%s\"",
			      err);
		ck_assert_msg(fields_ok || m.term == 0,
			      "last field after an error: expected 0, saw %llu",
			      (unsigned long long)m.term);
		st->rejected++;
	}
	free_record(&m);
	free(in);
}

/* One random edit of b: flip a bit, insert, delete, overwrite with a
 * boundary value, or truncate. */
static void mutate(struct codec_buf *b)
{
	static const uint8_t boundary[] = {0x00, 0x01, 0x02, 0x7F, 0xFF};
	size_t at = b->len > 0 ? (size_t)lab_rand_int((int64_t)b->len) : 0;
	switch (lab_rand_int(5)) {
	case 0:
		if (b->len > 0)
			b->data[at] ^= (uint8_t)(1u << lab_rand_int(8));
		break;
	case 1: {
		uint8_t byte = (uint8_t)lab_rand_int(256);
		codec_buf_append(b, &byte, 1); /* makes room */
		memmove(b->data + at + 1, b->data + at, b->len - 1 - at);
		b->data[at] = byte;
		break;
	}
	case 2:
		if (b->len > 0) {
			memmove(b->data + at, b->data + at + 1,
				b->len - at - 1);
			b->len--;
		}
		break;
	case 3:
		if (b->len > 0)
			b->data[at] = boundary[lab_rand_int(5)];
		break;
	default:
		b->len = (size_t)lab_rand_int((int64_t)b->len + 1);
		break;
	}
}

START_TEST(test_fuzz_random_bytes)
{
	struct fuzz_stats st = {0, 0};
	uint8_t data[64];
	for (int i = 0; i < FUZZ_INPUTS / 2; i++) {
		size_t len = (size_t)lab_rand_int(sizeof(data) + 1);
		for (size_t j = 0; j < len; j++)
			data[j] = (uint8_t)lab_rand_int(256);
		fuzz_one(data, len, &st);
	}
	ck_assert_msg(st.decoded + st.rejected == FUZZ_INPUTS / 2,
		      "expected %d inputs tried, saw %d", FUZZ_INPUTS / 2,
		      st.decoded + st.rejected);
	ck_assert_msg(st.rejected > 0,
		      "expected random bytes to be rejected, saw %d of %d "
		      "decode",
		      st.decoded, FUZZ_INPUTS / 2);
}
END_TEST

START_TEST(test_fuzz_mutated_encodings)
{
	struct fuzz_stats st = {0, 0};
	struct codec_buf b;
	codec_buf_init(&b);
	for (int i = 0; i < FUZZ_INPUTS / 2; i++) {
		struct record m = random_record();
		codec_buf_reset(&b);
		put_record(&b, &m);

		/* Unmutated, it must decode to what was written. */
		struct codec_reader r;
		codec_reader_init(&r, b.data, b.len);
		struct record back;
		get_record(&r, &back);
		ck_assert_msg(codec_reader_finish(&r),
			      "valid record %d failed: %s", i,
			      codec_reader_error(&r));
		const char *diff = record_diff(&m, &back);
		ck_assert_msg(diff == NULL,
			      "record %d: field %s did not round-trip", i,
			      diff);
		free_record(&back);

		int edits = 1 + (int)lab_rand_int(4);
		for (int e = 0; e < edits; e++)
			mutate(&b);
		fuzz_one(b.data, b.len, &st);
		free_record(&m);
	}
	codec_buf_free(&b);
	/* Some edits keep a valid record (a flipped bit in a term), most
	 * do not; seeing neither means the loop tested nothing. */
	ck_assert_msg(st.decoded > 0 && st.rejected > 0,
		      "expected both outcomes, saw %d decoded and %d rejected",
		      st.decoded, st.rejected);
}
END_TEST

/* ---- the suite ------------------------------------------------------- */

Suite *codec_suite(void)
{
	Suite *s = suite_create("codec");
	selftest_add(s, test_round_trip_integers, TEST_TIMEOUT);
	selftest_add(s, test_round_trip_bytes_and_strings, TEST_TIMEOUT);
	selftest_add(s, test_round_trip_large_bytes, TEST_TIMEOUT);
	selftest_add(s, test_wire_format_is_little_endian, TEST_TIMEOUT);
	selftest_add(s, test_buf_append_set_reset, TEST_TIMEOUT);
	selftest_add(s, test_buf_growth_doubles, TEST_TIMEOUT);
	selftest_add(s, test_empty_input, TEST_TIMEOUT);
	selftest_add(s, test_truncated_integer, TEST_TIMEOUT);
	selftest_add(s, test_truncation_at_every_cut, TEST_TIMEOUT);
	selftest_add(s, test_error_is_sticky, TEST_TIMEOUT);
	selftest_add(s, test_finish_reports_trailing_bytes, TEST_TIMEOUT);
	selftest_add(s, test_bad_bool, TEST_TIMEOUT);
	selftest_add(s, test_oversized_length_rejected, TEST_TIMEOUT);
	selftest_add(s, test_string_with_nul_rejected, TEST_TIMEOUT);
	selftest_add(s, test_fuzz_random_bytes, TEST_TIMEOUT);
	selftest_add(s, test_fuzz_mutated_encodings, TEST_TIMEOUT);
	return s;
}
