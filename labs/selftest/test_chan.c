/*
 * Unit tests for channels (labs/chan): values come out in the order they
 * went in; a full channel holds its sender back until a receiver makes room;
 * a rendezvous channel (capacity 0) lets a send return only once its value
 * was taken; a timed receive gives up after about the time asked; closing
 * drains what is left and wakes every blocked sender and receiver; and many
 * producers and consumers at once deliver every value exactly once. Threads
 * other than the test's own never assert: they record what they saw, and
 * the test checks it after they are done.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chan.h"
#include "runtime.h"
#include "selftest.h"

/* Sanitizer builds are slow; a hang is still caught. */
#define TEST_TIMEOUT 60

/* How long a test waits for something that should happen at once. */
#define PATIENCE_MS 10000

/* How long a test lets a thread run into a call that should block. Nothing
 * can be waited on to show that a thread is blocked, so a test sleeps. */
#define SETTLE_MS 100

/* How much later than asked a timed receive may return on a loaded
 * machine. */
#define LATE_MS 500

static const char *result_name(enum chan_result r)
{
	switch (r) {
	case CHAN_OK:
		return "CHAN_OK";
	case CHAN_CLOSED:
		return "CHAN_CLOSED";
	case CHAN_TIMEOUT:
		return "CHAN_TIMEOUT";
	}
	return "(not a chan_result)";
}

/* Fails the test unless got is want; what says which call it was. */
static void expect_result(enum chan_result got, enum chan_result want,
			  const char *what)
{
	ck_assert_msg(got == want, "%s: expected %s, saw %s", what,
		      result_name(want), result_name(got));
}

/* Receives one int and fails the test unless it is want. */
static void expect_recv(struct chan *ch, int want)
{
	int got = -1;
	expect_result(chan_recv(ch, &got), CHAN_OK, "chan_recv");
	ck_assert_msg(got == want, "chan_recv: expected value %d, saw %d", want,
		      got);
}

static void expect_len(struct chan *ch, size_t want)
{
	size_t got = chan_len(ch);
	ck_assert_msg(got == want, "chan_len: expected %zu, saw %zu", want,
		      got);
}

/* ---- a thread that makes one call -------------------------------------- */

/*
 * One chan_send or chan_recv on a thread of its own, so that the test can
 * watch it block. `started` is set just before the call and `finished`
 * just after, with the call's result; the test waits on them.
 */
enum call_kind { CALL_SEND, CALL_RECV, CALL_RECV_TIMEOUT };

struct call {
	struct chan *ch;
	enum call_kind kind;
	int value; /* sent, or received */
	int64_t timeout_ms;

	struct lab_mutex mu;
	struct lab_cond cv;
	bool started;
	bool finished;
	enum chan_result result;
	struct lab_thread *thread;
};

static void call_run(void *arg)
{
	struct call *c = arg;
	lab_mutex_lock(&c->mu);
	c->started = true;
	lab_cond_broadcast(&c->cv);
	lab_mutex_unlock(&c->mu);

	int value = c->value;
	enum chan_result r;
	switch (c->kind) {
	case CALL_SEND:
		r = chan_send(c->ch, &value);
		break;
	case CALL_RECV:
		r = chan_recv(c->ch, &value);
		break;
	default:
		r = chan_recv_timeout(c->ch, &value, c->timeout_ms);
		break;
	}

	lab_mutex_lock(&c->mu);
	c->value = value;
	c->result = r;
	c->finished = true;
	lab_cond_broadcast(&c->cv);
	lab_mutex_unlock(&c->mu);
}

/* Starts the call on its own thread and waits until it is about to block. */
static void call_start(struct call *c, struct chan *ch, enum call_kind kind,
		       int value)
{
	memset(c, 0, sizeof *c);
	c->ch = ch;
	c->kind = kind;
	c->value = value;
	c->timeout_ms = PATIENCE_MS;
	lab_mutex_init(&c->mu, "test call");
	lab_cond_init(&c->cv);
	c->thread = lab_thread_create(kind == CALL_SEND ? "sender" : "receiver",
				      call_run, c);

	int64_t deadline = lab_now_ms() + PATIENCE_MS;
	lab_mutex_lock(&c->mu);
	while (!c->started && lab_now_ms() < deadline)
		lab_cond_timedwait(&c->cv, &c->mu, deadline - lab_now_ms());
	bool started = c->started;
	lab_mutex_unlock(&c->mu);
	ck_assert_msg(started, "the calling thread did not start");
	lab_sleep_ms(SETTLE_MS);
}

static bool call_finished(struct call *c)
{
	lab_mutex_lock(&c->mu);
	bool finished = c->finished;
	lab_mutex_unlock(&c->mu);
	return finished;
}

/* Waits up to PATIENCE_MS for the call to return, joins its thread and
 * fails the test unless it returned want. */
static void call_expect(struct call *c, enum chan_result want, const char *what)
{
	int64_t deadline = lab_now_ms() + PATIENCE_MS;
	lab_mutex_lock(&c->mu);
	while (!c->finished && lab_now_ms() < deadline)
		lab_cond_timedwait(&c->cv, &c->mu, deadline - lab_now_ms());
	bool finished = c->finished;
	lab_mutex_unlock(&c->mu);
	ck_assert_msg(finished,
		      "%s: expected it to return within %d ms; it "
		      "is still blocked",
		      what, PATIENCE_MS);
	lab_thread_join(c->thread);
	lab_cond_destroy(&c->cv);
	lab_mutex_destroy(&c->mu);
	expect_result(c->result, want, what);
}

/* ---- buffered channels ------------------------------------------------- */

START_TEST(test_fifo_order)
{
	struct chan *ch = chan_create(sizeof(int), 4);
	expect_len(ch, 0);
	for (int i = 1; i <= 4; i++)
		expect_result(chan_send(ch, &i), CHAN_OK, "chan_send");
	expect_len(ch, 4);
	for (int i = 1; i <= 4; i++)
		expect_recv(ch, i);
	expect_len(ch, 0);

	/* Keep two values in flight for many rounds, so the ring wraps. */
	for (int i = 0; i < 100; i++) {
		expect_result(chan_send(ch, &i), CHAN_OK, "chan_send");
		if (i >= 2)
			expect_recv(ch, i - 2);
	}
	expect_recv(ch, 98);
	expect_recv(ch, 99);
	expect_len(ch, 0);
	chan_destroy(ch);
}
END_TEST

START_TEST(test_send_copies_value)
{
	struct chan *ch = chan_create(sizeof(int), 1);
	int v = 5;
	chan_send(ch, &v);
	v = 6; /* the channel holds a copy, not v itself */
	expect_recv(ch, 5);
	chan_destroy(ch);
}
END_TEST

START_TEST(test_send_blocks_while_full)
{
	struct chan *ch = chan_create(sizeof(int), 2);
	for (int i = 1; i <= 2; i++)
		chan_send(ch, &i);

	struct call sender;
	call_start(&sender, ch, CALL_SEND, 3);
	ck_assert_msg(!call_finished(&sender),
		      "send on a full channel: expected it to block, but it "
		      "returned %s",
		      result_name(sender.result));
	expect_len(ch, 2);

	expect_recv(ch, 1); /* makes room */
	call_expect(&sender, CHAN_OK, "send once there is room");
	expect_len(ch, 2);
	expect_recv(ch, 2);
	expect_recv(ch, 3);
	chan_destroy(ch);
}
END_TEST

START_TEST(test_recv_blocks_while_empty)
{
	struct chan *ch = chan_create(sizeof(int), 2);
	struct call receiver;
	call_start(&receiver, ch, CALL_RECV, -1);
	ck_assert_msg(!call_finished(&receiver),
		      "recv on an empty channel: expected it to block, but it "
		      "returned %s",
		      result_name(receiver.result));
	int v = 9;
	chan_send(ch, &v);
	call_expect(&receiver, CHAN_OK, "recv once a value is sent");
	ck_assert_msg(receiver.value == 9, "expected value 9, saw %d",
		      receiver.value);
	chan_destroy(ch);
}
END_TEST

/* ---- rendezvous channels ----------------------------------------------- */

START_TEST(test_rendezvous_send_waits_for_receiver)
{
	struct chan *ch = chan_create(sizeof(int), 0);
	struct call sender;
	call_start(&sender, ch, CALL_SEND, 7);
	ck_assert_msg(!call_finished(&sender),
		      "send on a rendezvous channel with no receiver: "
		      "expected it to block, but it returned %s",
		      result_name(sender.result));
	expect_len(ch, 0); /* holds none, even with a sender waiting */

	expect_recv(ch, 7);
	call_expect(&sender, CHAN_OK, "rendezvous send after the receive");
	chan_destroy(ch);
}
END_TEST

/* Sends 1..RENDEZVOUS_VALUES, counting each send that has returned. */
#define RENDEZVOUS_VALUES 2000

struct counted_sender {
	struct chan *ch;
	atomic_int sends_returned;
};

static void counted_send(void *arg)
{
	struct counted_sender *s = arg;
	for (int i = 1; i <= RENDEZVOUS_VALUES; i++) {
		chan_send(s->ch, &i);
		atomic_fetch_add(&s->sends_returned, 1);
	}
}

/* When the receiver has taken value v, send v + 1 cannot have returned:
 * its value has not been taken yet. A channel that buffered even one value
 * would let the sender run one ahead. */
START_TEST(test_rendezvous_send_returns_after_taken)
{
	struct counted_sender s = {.ch = chan_create(sizeof(int), 0)};
	atomic_init(&s.sends_returned, 0);
	struct lab_thread *t = lab_thread_create("sender", counted_send, &s);
	for (int v = 1; v <= RENDEZVOUS_VALUES; v++) {
		expect_recv(s.ch, v);
		int returned = atomic_load(&s.sends_returned);
		ck_assert_msg(returned <= v,
			      "after receiving value %d: expected at most %d "
			      "sends returned, saw %d",
			      v, v, returned);
	}
	lab_thread_join(t);
	ck_assert_msg(atomic_load(&s.sends_returned) == RENDEZVOUS_VALUES,
		      "expected %d sends returned, saw %d", RENDEZVOUS_VALUES,
		      atomic_load(&s.sends_returned));
	chan_destroy(s.ch);
}
END_TEST

/* ---- timed receive ----------------------------------------------------- */

START_TEST(test_recv_timeout_on_empty)
{
	struct chan *ch = chan_create(sizeof(int), 1);
	const int64_t asked = 100;
	int v = -1;
	int64_t start = lab_now_ms();
	enum chan_result r = chan_recv_timeout(ch, &v, asked);
	int64_t took = lab_now_ms() - start;
	expect_result(r, CHAN_TIMEOUT, "chan_recv_timeout on an empty channel");
	ck_assert_msg(took >= asked,
		      "expected to wait >= %" PRId64 " ms, waited %" PRId64
		      " ms",
		      asked, took);
	ck_assert_msg(took < asked + LATE_MS,
		      "expected to wait about %" PRId64 " ms, waited %" PRId64
		      " ms",
		      asked, took);
	ck_assert_msg(v == -1,
		      "on timeout: expected the value untouched, "
		      "saw %d",
		      v);

	start = lab_now_ms();
	r = chan_recv_timeout(ch, &v, 0);
	took = lab_now_ms() - start;
	expect_result(r, CHAN_TIMEOUT, "chan_recv_timeout(0) on empty");
	ck_assert_msg(took < LATE_MS,
		      "chan_recv_timeout(0): expected to return at once, took "
		      "%" PRId64 " ms",
		      took);
	chan_destroy(ch);
}
END_TEST

START_TEST(test_recv_timeout_gets_value)
{
	struct chan *ch = chan_create(sizeof(int), 1);

	/* A value already there comes at once. */
	int v = 11;
	chan_send(ch, &v);
	v = -1;
	expect_result(chan_recv_timeout(ch, &v, 0), CHAN_OK,
		      "chan_recv_timeout with a value waiting");
	ck_assert_msg(v == 11, "expected value 11, saw %d", v);

	/* A value that arrives during the wait ends it. */
	struct call receiver;
	call_start(&receiver, ch, CALL_RECV_TIMEOUT, -1);
	int64_t start = lab_now_ms();
	v = 12;
	chan_send(ch, &v);
	call_expect(&receiver, CHAN_OK, "chan_recv_timeout when a value comes");
	int64_t took = lab_now_ms() - start;
	ck_assert_msg(receiver.value == 12, "expected value 12, saw %d",
		      receiver.value);
	ck_assert_msg(
		took < PATIENCE_MS / 2,
		"expected the value to end the wait at once, took %" PRId64
		" ms",
		took);
	chan_destroy(ch);
}
END_TEST

/* ---- closing ----------------------------------------------------------- */

START_TEST(test_send_on_closed)
{
	for (size_t cap = 0; cap <= 2; cap += 2) {
		struct chan *ch = chan_create(sizeof(int), cap);
		chan_close(ch);
		chan_close(ch); /* twice is harmless */
		int v = 1;
		expect_result(chan_send(ch, &v), CHAN_CLOSED,
			      "chan_send on a closed channel");
		expect_len(ch, 0);
		expect_result(chan_recv(ch, &v), CHAN_CLOSED,
			      "chan_recv on a closed channel that got no "
			      "value");
		chan_destroy(ch);
	}
}
END_TEST

START_TEST(test_recv_drains_then_closed)
{
	struct chan *ch = chan_create(sizeof(int), 4);
	for (int i = 1; i <= 3; i++)
		chan_send(ch, &i);
	chan_close(ch);
	expect_len(ch, 3);
	for (int i = 1; i <= 3; i++)
		expect_recv(ch, i);
	int v = -1;
	expect_result(chan_recv(ch, &v), CHAN_CLOSED,
		      "chan_recv on a closed, drained channel");
	expect_result(chan_recv(ch, &v), CHAN_CLOSED, "chan_recv again");
	expect_result(chan_recv_timeout(ch, &v, 50), CHAN_CLOSED,
		      "chan_recv_timeout on a closed, drained channel");
	ck_assert_msg(v == -1,
		      "after CHAN_CLOSED: expected the value "
		      "untouched, saw %d",
		      v);
	chan_destroy(ch);
}
END_TEST

START_TEST(test_close_wakes_receiver)
{
	struct chan *ch = chan_create(sizeof(int), 1);
	struct call receiver;
	call_start(&receiver, ch, CALL_RECV, -1);
	ck_assert_msg(!call_finished(&receiver),
		      "recv on an empty channel: expected it to block");
	chan_close(ch);
	call_expect(&receiver, CHAN_CLOSED, "blocked recv after chan_close");

	/* Also a timed receive, long before its timeout. */
	struct chan *rv = chan_create(sizeof(int), 0);
	call_start(&receiver, rv, CALL_RECV_TIMEOUT, -1);
	int64_t start = lab_now_ms();
	chan_close(rv);
	call_expect(&receiver, CHAN_CLOSED,
		    "blocked chan_recv_timeout after chan_close");
	int64_t took = lab_now_ms() - start;
	ck_assert_msg(took < PATIENCE_MS / 2,
		      "expected chan_close to end the wait at once, took "
		      "%" PRId64 " ms",
		      took);
	chan_destroy(ch);
	chan_destroy(rv);
}
END_TEST

START_TEST(test_close_wakes_sender_on_full)
{
	struct chan *ch = chan_create(sizeof(int), 1);
	int v = 1;
	chan_send(ch, &v);
	struct call sender;
	call_start(&sender, ch, CALL_SEND, 2);
	ck_assert_msg(!call_finished(&sender),
		      "send on a full channel: expected it to block");
	chan_close(ch);
	call_expect(&sender, CHAN_CLOSED, "blocked send after chan_close");

	/* The value sent before the close is still delivered; the blocked
	 * one is not. */
	expect_len(ch, 1);
	expect_recv(ch, 1);
	expect_result(chan_recv(ch, &v), CHAN_CLOSED,
		      "chan_recv after draining");
	chan_destroy(ch);
}
END_TEST

START_TEST(test_close_wakes_rendezvous_sender)
{
	struct chan *ch = chan_create(sizeof(int), 0);
	struct call sender;
	call_start(&sender, ch, CALL_SEND, 5);
	ck_assert_msg(!call_finished(&sender),
		      "rendezvous send with no receiver: expected it to block");
	chan_close(ch);
	call_expect(&sender, CHAN_CLOSED,
		    "blocked rendezvous send after chan_close");

	/* The sender took its value back: nobody receives it. */
	int v = -1;
	expect_result(chan_recv(ch, &v), CHAN_CLOSED,
		      "chan_recv after the rendezvous sender gave up");
	ck_assert_msg(v == -1, "expected no value, saw %d", v);
	chan_destroy(ch);
}
END_TEST

START_TEST(test_destroy_null)
{
	chan_destroy(NULL);
}
END_TEST

/* ---- the held-lock warning -------------------------------------------- */

static int warnings;
static char first_warning[512];

static void capture(const char *message, void *arg)
{
	(void)arg;
	if (warnings++ == 0)
		snprintf(first_warning, sizeof first_warning, "%s", message);
}

/* A send may block until the receiver comes; if the receiver needs a lock
 * the sender holds, neither moves again. So a send under a lab mutex warns,
 * even one that would not block. */
START_TEST(test_send_holding_lock_warns)
{
	struct chan *ch = chan_create(sizeof(int), 4);
	struct lab_mutex mu;
	lab_mutex_init(&mu, "raft state");
	warnings = 0;
	lab_set_warn_handler(capture, NULL);
	int v = 1;
	chan_send(ch, &v);
	lab_mutex_lock(&mu);
	int line = __LINE__ + 1;
	enum chan_result r = chan_send(ch, &v);
	lab_mutex_unlock(&mu);
	lab_set_warn_handler(NULL, NULL);

	expect_result(r, CHAN_OK, "chan_send with room, holding a lock");
	ck_assert_msg(warnings == 1,
		      "one send without a lock and one with: expected 1 "
		      "warning, saw %d",
		      warnings);
	char where[64];
	snprintf(where, sizeof where, "test_chan.c:%d", line);
	const char *parts[] = {"chan_send", "raft state", where};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		ck_assert_msg(strstr(first_warning, parts[i]) != NULL,
			      "expected the warning to contain \"%s\", saw "
			      "\"%s\"",
			      parts[i], first_warning);
	lab_mutex_destroy(&mu);
	chan_destroy(ch);
}
END_TEST

/* ---- values of any size ------------------------------------------------ */

/* Shaped like an apply message: 24 bytes, no padding. */
struct entry {
	uint64_t term;
	uint64_t index;
	uint64_t command;
};

static void send_entries(void *arg)
{
	struct chan *ch = arg;
	for (uint64_t i = 1; i <= 3; i++) {
		struct entry e = {
			.term = i, .index = 100 + i, .command = UINT64_MAX - i};
		chan_send(ch, &e);
	}
}

START_TEST(test_struct_values_round_trip)
{
	ck_assert_msg(sizeof(struct entry) == 24,
		      "expected a 24-byte struct, it is %zu bytes",
		      sizeof(struct entry));
	for (size_t cap = 0; cap <= 3; cap += 3) {
		struct chan *ch = chan_create(sizeof(struct entry), cap);
		struct lab_thread *t =
			lab_thread_create("sender", send_entries, ch);
		for (uint64_t i = 1; i <= 3; i++) {
			struct entry e;
			memset(&e, 0, sizeof e);
			expect_result(chan_recv(ch, &e), CHAN_OK, "chan_recv");
			ck_assert_msg(e.term == i && e.index == 100 + i &&
					      e.command == UINT64_MAX - i,
				      "capacity %zu: expected {%" PRIu64
				      ", %" PRIu64 ", %" PRIu64
				      "}, saw {%" PRIu64 ", %" PRIu64
				      ", %" PRIu64 "}",
				      cap, i, 100 + i, UINT64_MAX - i, e.term,
				      e.index, e.command);
		}
		lab_thread_join(t);
		chan_destroy(ch);
	}
}
END_TEST

/* ---- many producers and consumers -------------------------------------- */

#define PRODUCERS    4
#define CONSUMERS    4
#define PER_PRODUCER 10000
#define VALUES	     (PRODUCERS * PER_PRODUCER)

/* Value v comes from producer v / PER_PRODUCER, its (v % PER_PRODUCER)th
 * send. Every consumer checks that each producer's values reach it in
 * the order they were sent, and counts each value it receives. */
struct crowd {
	struct chan *ch;
	int per_producer;
	atomic_int times_received[VALUES];
	atomic_int out_of_order;
	atomic_int send_failures;
};

struct producer {
	struct crowd *crowd;
	int id;
};

static void produce(void *arg)
{
	struct producer *p = arg;
	struct crowd *c = p->crowd;
	for (int i = 0; i < c->per_producer; i++) {
		int v = p->id * PER_PRODUCER + i;
		if (chan_send(c->ch, &v) != CHAN_OK)
			atomic_fetch_add(&c->send_failures, 1);
	}
}

static void consume(void *arg)
{
	struct crowd *c = arg;
	int last[PRODUCERS];
	for (int p = 0; p < PRODUCERS; p++)
		last[p] = -1;
	int v;
	while (chan_recv(c->ch, &v) == CHAN_OK) {
		if (v < 0 || v >= VALUES) {
			atomic_fetch_add(&c->out_of_order, 1);
			continue;
		}
		atomic_fetch_add(&c->times_received[v], 1);
		int from = v / PER_PRODUCER;
		if (v <= last[from])
			atomic_fetch_add(&c->out_of_order, 1);
		last[from] = v;
	}
}

/* Runs PRODUCERS producers of per_producer values each and CONSUMERS
 * consumers on one channel of the given capacity, closes it once the
 * producers are done, and checks every value was received exactly once. */
static void run_crowd(size_t capacity, int per_producer)
{
	static struct crowd c; /* too big for a thread's stack */
	for (int v = 0; v < VALUES; v++)
		atomic_init(&c.times_received[v], 0);
	atomic_init(&c.out_of_order, 0);
	atomic_init(&c.send_failures, 0);
	c.ch = chan_create(sizeof(int), capacity);
	c.per_producer = per_producer;

	struct producer producers[PRODUCERS];
	struct lab_thread *pt[PRODUCERS], *ct[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++)
		ct[i] = lab_thread_create("consumer", consume, &c);
	for (int i = 0; i < PRODUCERS; i++) {
		producers[i] = (struct producer){.crowd = &c, .id = i};
		pt[i] = lab_thread_create("producer", produce, &producers[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		lab_thread_join(pt[i]);
	chan_close(c.ch);
	for (int i = 0; i < CONSUMERS; i++)
		lab_thread_join(ct[i]);

	ck_assert_msg(atomic_load(&c.send_failures) == 0,
		      "capacity %zu: expected every send to succeed, %d failed",
		      capacity, atomic_load(&c.send_failures));
	ck_assert_msg(atomic_load(&c.out_of_order) == 0,
		      "capacity %zu: expected each producer's values in order, "
		      "saw %d out of order or out of range",
		      capacity, atomic_load(&c.out_of_order));
	long total = 0;
	for (int p = 0; p < PRODUCERS; p++) {
		for (int i = 0; i < PER_PRODUCER; i++) {
			int v = p * PER_PRODUCER + i;
			int want = i < per_producer ? 1 : 0;
			int got = atomic_load(&c.times_received[v]);
			ck_assert_msg(got == want,
				      "capacity %zu: expected value %d "
				      "received %d time(s), saw %d",
				      capacity, v, want, got);
			total += got;
		}
	}
	ck_assert_msg(total == (long)PRODUCERS * per_producer,
		      "capacity %zu: expected %ld values, saw %ld", capacity,
		      (long)PRODUCERS * per_producer, total);
	expect_len(c.ch, 0);
	chan_destroy(c.ch);
}

START_TEST(test_many_producers_consumers)
{
	run_crowd(16, PER_PRODUCER);
}
END_TEST

START_TEST(test_many_producers_consumers_rendezvous)
{
	run_crowd(0, PER_PRODUCER / 5);
}
END_TEST

/* ---- the suite --------------------------------------------------------- */

Suite *chan_suite(void)
{
	Suite *s = suite_create("chan");
	selftest_add(s, test_fifo_order, TEST_TIMEOUT);
	selftest_add(s, test_send_copies_value, TEST_TIMEOUT);
	selftest_add(s, test_send_blocks_while_full, TEST_TIMEOUT);
	selftest_add(s, test_recv_blocks_while_empty, TEST_TIMEOUT);
	selftest_add(s, test_struct_values_round_trip, TEST_TIMEOUT);
	selftest_add(s, test_destroy_null, TEST_TIMEOUT);
	selftest_add(s, test_rendezvous_send_waits_for_receiver, TEST_TIMEOUT);
	selftest_add(s, test_rendezvous_send_returns_after_taken, TEST_TIMEOUT);
	selftest_add(s, test_recv_timeout_on_empty, TEST_TIMEOUT);
	selftest_add(s, test_recv_timeout_gets_value, TEST_TIMEOUT);
	selftest_add(s, test_send_on_closed, TEST_TIMEOUT);
	selftest_add(s, test_recv_drains_then_closed, TEST_TIMEOUT);
	selftest_add(s, test_close_wakes_receiver, TEST_TIMEOUT);
	selftest_add(s, test_close_wakes_sender_on_full, TEST_TIMEOUT);
	selftest_add(s, test_close_wakes_rendezvous_sender, TEST_TIMEOUT);
	selftest_add(s, test_send_holding_lock_warns, TEST_TIMEOUT);
	selftest_add(s, test_many_producers_consumers, TEST_TIMEOUT);
	selftest_add(s, test_many_producers_consumers_rendezvous, TEST_TIMEOUT);
	return s;
}
