/*
 * Unit tests for the persister (labs/persister): it starts empty, gives back
 * what was saved, never shares a buffer with its caller or with a copy of
 * itself, and replaces state and snapshot together. The concurrent test has
 * writers save matching pairs while readers check that every buffer they
 * get is one that was saved whole; run it under make test SAN=thread.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persister.h"
#include "runtime.h"
#include "selftest.h"

/* Sanitizer builds are slow; a hang is still caught. */
#define TEST_TIMEOUT 60

/* ---- helpers --------------------------------------------------------- */

/* Fails the test unless p's state is exactly the len bytes at want. */
static void expect_state(struct persister *p, const void *want, size_t len)
{
	size_t got_len = 99;
	uint8_t *got = persister_read_state(p, &got_len);
	ck_assert_msg(got_len == len, "state: expected %zu bytes, saw %zu", len,
		      got_len);
	ck_assert_msg(persister_state_size(p) == len,
		      "state size: expected %zu, saw %zu", len,
		      persister_state_size(p));
	if (len == 0)
		ck_assert_msg(got == NULL, "empty state: expected NULL");
	else
		ck_assert_mem_eq(got, want, len);
	free(got);
}

static void expect_snapshot(struct persister *p, const void *want, size_t len)
{
	size_t got_len = 99;
	uint8_t *got = persister_read_snapshot(p, &got_len);
	ck_assert_msg(got_len == len, "snapshot: expected %zu bytes, saw %zu",
		      len, got_len);
	ck_assert_msg(persister_snapshot_size(p) == len,
		      "snapshot size: expected %zu, saw %zu", len,
		      persister_snapshot_size(p));
	if (len == 0)
		ck_assert_msg(got == NULL, "empty snapshot: expected NULL");
	else
		ck_assert_mem_eq(got, want, len);
	free(got);
}

/* ---- one thread ------------------------------------------------------ */

START_TEST(test_starts_empty)
{
	struct persister *p = persister_create();
	expect_state(p, NULL, 0);
	expect_snapshot(p, NULL, 0);
	persister_destroy(p);
}
END_TEST

START_TEST(test_save_then_read)
{
	struct persister *p = persister_create();
	persister_save(p, "term=3", 6, "snapshot", 8);
	expect_state(p, "term=3", 6);
	expect_snapshot(p, "snapshot", 8);
	persister_destroy(p);
}
END_TEST

START_TEST(test_reads_return_copies)
{
	struct persister *p = persister_create();
	persister_save(p, "state", 5, "snap", 4);
	size_t len;
	uint8_t *state = persister_read_state(p, &len);
	uint8_t *snapshot = persister_read_snapshot(p, &len);
	memset(state, 'X', 5);
	memset(snapshot, 'X', 4);
	expect_state(p, "state", 5);
	expect_snapshot(p, "snap", 4);
	free(state);
	free(snapshot);
	persister_destroy(p);
}
END_TEST

START_TEST(test_save_copies_callers_buffers)
{
	struct persister *p = persister_create();
	char state[] = "state";
	char snapshot[] = "snap";
	persister_save(p, state, 5, snapshot, 4);
	memset(state, 'X', 5);
	memset(snapshot, 'X', 4);
	expect_state(p, "state", 5);
	expect_snapshot(p, "snap", 4);
	persister_destroy(p);
}
END_TEST

START_TEST(test_save_replaces_both)
{
	struct persister *p = persister_create();
	persister_save(p, "old state", 9, "old snapshot", 12);
	persister_save(p, "new", 3, "new snap", 8);
	expect_state(p, "new", 3);
	expect_snapshot(p, "new snap", 8);

	/* Saving without the snapshot throws it away: Raft must pass the
	 * current one again to keep it. */
	persister_save(p, "newer", 5, NULL, 0);
	expect_state(p, "newer", 5);
	expect_snapshot(p, NULL, 0);

	persister_save(p, NULL, 0, NULL, 0);
	expect_state(p, NULL, 0);
	expect_snapshot(p, NULL, 0);
	persister_destroy(p);
}
END_TEST

/* The tester restarts a crashed peer from a copy; the dead instance may go
 * on saving to the original, and that must not reach the new one. */
START_TEST(test_copy_is_independent)
{
	struct persister *p = persister_create();
	persister_save(p, "state", 5, "snap", 4);
	struct persister *c = persister_copy(p);
	expect_state(c, "state", 5);
	expect_snapshot(c, "snap", 4);

	persister_save(p, "dead peer", 9, NULL, 0);
	expect_state(c, "state", 5);
	expect_snapshot(c, "snap", 4);

	persister_save(c, "restarted", 9, "new snap", 8);
	expect_state(p, "dead peer", 9);
	expect_snapshot(p, NULL, 0);

	persister_destroy(p);
	expect_state(c, "restarted", 9); /* outlives the original */
	persister_destroy(c);

	struct persister *empty = persister_create();
	struct persister *empty_copy = persister_copy(empty);
	expect_state(empty_copy, NULL, 0);
	expect_snapshot(empty_copy, NULL, 0);
	persister_destroy(empty);
	persister_destroy(empty_copy);
}
END_TEST

START_TEST(test_destroy_null)
{
	persister_destroy(NULL);
}
END_TEST

/* ---- many threads ---------------------------------------------------- */

/*
 * Every pair saved is derived from one value v in 1..255: the state is v
 * bytes long, the snapshot 2v + 1, and every byte of both is v. A torn or
 * half-copied buffer, or a length from one save with bytes from another,
 * breaks that. State and snapshot are read in separate calls, so a reader
 * cannot compare the two; persister_copy takes both at once, so a copy's
 * pair must share one v. A stress test meets a race only when the threads
 * happen to; ThreadSanitizer sees an unlocked access whenever it runs.
 */
#define WRITERS 2
#define READERS 3
#define READS_PER_READER 10000

struct shared {
	struct persister *p;
	atomic_int readers_left; /* writers save until it reaches 0 */
	atomic_int saves;
	struct lab_mutex mu; /* guards the fields below */
	int problems;
	char first_problem[200];
};

static void report(struct shared *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Threads other than the test's own must not fail the test themselves;
 * they record what they saw and the main thread asserts on it. */
static void report(struct shared *sh, const char *fmt, ...)
{
	lab_mutex_lock(&sh->mu);
	if (sh->problems++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(sh->first_problem, sizeof(sh->first_problem), fmt,
			  ap);
		va_end(ap);
	}
	lab_mutex_unlock(&sh->mu);
}

static size_t state_len_for(uint8_t v)
{
	return v;
}

static size_t snapshot_len_for(uint8_t v)
{
	return 2 * (size_t)v + 1;
}

/* The v that buf was filled with, or 0 if buf is not one whole saved
 * buffer. len_for says how long a buffer of each v must be. */
static uint8_t saved_value(const uint8_t *buf, size_t len,
			   size_t (*len_for)(uint8_t))
{
	if (buf == NULL || len == 0)
		return 0;
	uint8_t v = buf[0];
	if (v == 0 || len != len_for(v))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (buf[i] != v)
			return 0;
	return v;
}

/* Saves for as long as any reader reads, so that every read races with
 * saves however the threads happen to be scheduled. */
static void writer(void *arg)
{
	struct shared *sh = arg;
	uint8_t state[255];
	uint8_t snapshot[511];
	do {
		uint8_t v = (uint8_t)(1 + lab_rand_int(255));
		memset(state, v, state_len_for(v));
		memset(snapshot, v, snapshot_len_for(v));
		persister_save(sh->p, state, state_len_for(v), snapshot,
			       snapshot_len_for(v));
		atomic_fetch_add(&sh->saves, 1);
	} while (atomic_load(&sh->readers_left) > 0);
}

/* Checks one buffer a reader got. Empty is fine only until this reader
 * has seen a save land: writers never save an empty pair. */
static void check_read(struct shared *sh, const char *what, uint8_t *buf,
		       size_t len, size_t (*len_for)(uint8_t), bool *seen_save)
{
	if (len == 0 && buf == NULL) {
		if (*seen_save)
			report(sh, "%s read empty after a save was seen", what);
		return;
	}
	*seen_save = true;
	if (saved_value(buf, len, len_for) == 0)
		report(sh,
		       "%s read: %zu bytes starting with %u were never "
		       "saved together",
		       what, len, buf ? (unsigned)buf[0] : 0u);
}

static void check_copy(struct shared *sh)
{
	struct persister *c = persister_copy(sh->p);
	size_t state_len, snapshot_len;
	uint8_t *state = persister_read_state(c, &state_len);
	uint8_t *snapshot = persister_read_snapshot(c, &snapshot_len);
	uint8_t vs = saved_value(state, state_len, state_len_for);
	uint8_t vn = saved_value(snapshot, snapshot_len, snapshot_len_for);
	if ((state_len > 0 && vs == 0) || (snapshot_len > 0 && vn == 0))
		report(sh,
		       "copy holds a buffer that was never saved whole "
		       "(%zu state bytes, %zu snapshot bytes)",
		       state_len, snapshot_len);
	else if (vs != vn)
		report(sh,
		       "copy holds state of save %u with snapshot of save "
		       "%u: expected one pair",
		       (unsigned)vs, (unsigned)vn);
	free(state);
	free(snapshot);
	persister_destroy(c);
}

static void reader(void *arg)
{
	struct shared *sh = arg;
	bool seen_state = false, seen_snapshot = false;
	for (int i = 0; i < READS_PER_READER; i++) {
		size_t len;
		uint8_t *state = persister_read_state(sh->p, &len);
		check_read(sh, "state", state, len, state_len_for, &seen_state);
		free(state);
		uint8_t *snapshot = persister_read_snapshot(sh->p, &len);
		check_read(sh, "snapshot", snapshot, len, snapshot_len_for,
			   &seen_snapshot);
		free(snapshot);

		size_t n = persister_state_size(sh->p);
		if (n > 255)
			report(sh, "state size %zu, expected at most 255", n);
		n = persister_snapshot_size(sh->p);
		if (n != 0 && (n % 2 != 1 || n > 511))
			report(sh,
			       "snapshot size %zu, expected an odd size "
			       "up to 511",
			       n);
		check_copy(sh);
	}
	atomic_fetch_sub(&sh->readers_left, 1);
}

START_TEST(test_concurrent_saves_and_reads)
{
	struct shared sh = {.p = persister_create(), .problems = 0};
	atomic_init(&sh.readers_left, READERS);
	atomic_init(&sh.saves, 0);
	lab_mutex_init(&sh.mu, "test shared");
	struct lab_thread *threads[WRITERS + READERS];
	for (int i = 0; i < WRITERS; i++)
		threads[i] = lab_thread_create("writer", writer, &sh);
	for (int i = 0; i < READERS; i++)
		threads[WRITERS + i] = lab_thread_create("reader", reader, &sh);
	for (int i = 0; i < WRITERS + READERS; i++)
		lab_thread_join(threads[i]);

	ck_assert_msg(sh.problems == 0, "%d problems; the first: %s",
		      sh.problems, sh.first_problem);
	/* After every writer finished, the last save is there whole. */
	check_copy(&sh);
	ck_assert_msg(sh.problems == 0, "after the writers: %s",
		      sh.first_problem);
	int saves = atomic_load(&sh.saves);
	ck_assert_msg(saves >= WRITERS, "expected at least %d saves, saw %d",
		      WRITERS, saves);
	ck_assert_msg(persister_state_size(sh.p) > 0,
		      "expected a saved state after %d saves", saves);
	lab_mutex_destroy(&sh.mu);
	persister_destroy(sh.p);
}
END_TEST

/* ---- the suite ------------------------------------------------------- */

Suite *persister_suite(void)
{
	Suite *s = suite_create("persister");
	selftest_add(s, test_starts_empty, TEST_TIMEOUT);
	selftest_add(s, test_save_then_read, TEST_TIMEOUT);
	selftest_add(s, test_reads_return_copies, TEST_TIMEOUT);
	selftest_add(s, test_save_copies_callers_buffers, TEST_TIMEOUT);
	selftest_add(s, test_save_replaces_both, TEST_TIMEOUT);
	selftest_add(s, test_copy_is_independent, TEST_TIMEOUT);
	selftest_add(s, test_destroy_null, TEST_TIMEOUT);
	selftest_add(s, test_concurrent_saves_and_reads, TEST_TIMEOUT);
	return s;
}
