/*
 * Unit tests for the lab runtime (labs/runtime): threads run their function
 * and know their names and groups; lab mutexes exclude and know who holds
 * them; condition variables wake their waiters, never lose a wake-up, and
 * time out when asked; the clock only moves forwards; random numbers stay in
 * their ranges and cover them; and the warnings a student sees (sleeping or
 * blocking while holding a lock) come once per call site and name the lock,
 * the thread and the line. Threads other than the test's own never assert:
 * they record what they saw, and the test checks it after they are done.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "selftest.h"

/* Sanitizer builds are slow; a hang is still caught. */
#define TEST_TIMEOUT 60

/* How long a test waits for something that should happen at once. */
#define PATIENCE_MS 10000

/* How much later than asked a timed wait may return on a loaded machine. */
#define LATE_MS 500

/* ---- helpers --------------------------------------------------------- */

/* A one-way signal between threads: raised once, waited for with a limit. */
struct flag {
	struct lab_mutex mu;
	struct lab_cond cv;
	bool raised;
};

static void flag_init(struct flag *f)
{
	lab_mutex_init(&f->mu, "test flag");
	lab_cond_init(&f->cv);
	f->raised = false;
}

static void flag_destroy(struct flag *f)
{
	lab_cond_destroy(&f->cv);
	lab_mutex_destroy(&f->mu);
}

/* Signals under the mutex, so the waiter may destroy f once it sees it. */
static void flag_raise(struct flag *f)
{
	lab_mutex_lock(&f->mu);
	f->raised = true;
	lab_cond_broadcast(&f->cv);
	lab_mutex_unlock(&f->mu);
}

/* Waits up to ms for f to be raised; returns whether it was. */
static bool flag_wait(struct flag *f, int64_t ms)
{
	int64_t deadline = lab_now_ms() + ms;
	lab_mutex_lock(&f->mu);
	while (!f->raised) {
		int64_t left = deadline - lab_now_ms();
		if (left <= 0)
			break;
		lab_cond_timedwait(&f->cv, &f->mu, left);
	}
	bool raised = f->raised;
	lab_mutex_unlock(&f->mu);
	return raised;
}

/* Warnings, as the runtime hands them to the handler. The handler runs
 * under the runtime's warning lock, one call at a time; the test reads the
 * record after the warning threads are joined. Static, so that a failed
 * test cannot leave the runtime pointing into a dead stack frame. */
#define MAX_CAPTURED 4

static struct captured {
	int count;
	char messages[MAX_CAPTURED][512];
} captured;

static void capture(const char *message, void *arg)
{
	struct captured *c = arg;
	if (c->count < MAX_CAPTURED)
		snprintf(c->messages[c->count], sizeof c->messages[0], "%s",
			 message);
	c->count++;
}

static void start_capturing(void)
{
	memset(&captured, 0, sizeof captured);
	lab_set_warn_handler(capture, &captured);
}

static void stop_capturing(void)
{
	lab_set_warn_handler(NULL, NULL);
}

/* Fails the test unless warning i contains part. */
static void expect_in_warning(int i, const char *part)
{
	ck_assert_msg(strstr(captured.messages[i], part) != NULL,
		      "expected warning %d to contain \"%s\", saw \"%s\"", i,
		      part, captured.messages[i]);
}

/* ---- threads ----------------------------------------------------------- */

struct run_record {
	int arg_seen;
	char name_seen[64];
};

static void record_run(void *arg)
{
	struct run_record *r = arg;
	r->arg_seen = 42;
	snprintf(r->name_seen, sizeof r->name_seen, "%s", lab_thread_name());
}

START_TEST(test_create_join_runs_fn_with_arg)
{
	struct run_record r = {.arg_seen = 0};
	struct lab_thread *t = lab_thread_create("worker", record_run, &r);
	lab_thread_join(t);
	ck_assert_msg(r.arg_seen == 42,
		      "expected the thread to write 42 through its arg, saw %d",
		      r.arg_seen);
}
END_TEST

START_TEST(test_thread_names)
{
	ck_assert_msg(strcmp(lab_thread_name(), "main") == 0,
		      "outside lab threads: expected \"main\", saw \"%s\"",
		      lab_thread_name());

	struct run_record r = {.arg_seen = 0};
	lab_thread_join(lab_thread_create("applier", record_run, &r));
	ck_assert_msg(strcmp(r.name_seen, "applier") == 0,
		      "expected \"applier\" inside the thread, saw \"%s\"",
		      r.name_seen);

	/* The name is copied, and kept whole even past the kernel's 15
	 * characters. */
	char name[] = "a-rather-long-thread-name";
	struct lab_thread *t = lab_thread_create(name, record_run, &r);
	name[0] = 'X';
	lab_thread_join(t);
	ck_assert_msg(strcmp(r.name_seen, "a-rather-long-thread-name") == 0,
		      "expected the name as given at creation, saw \"%s\"",
		      r.name_seen);
}
END_TEST

struct spawned {
	struct flag done;
	char name_seen[64];
	int group_seen;
};

static void spawned_run(void *arg)
{
	struct spawned *s = arg;
	snprintf(s->name_seen, sizeof s->name_seen, "%s", lab_thread_name());
	s->group_seen = lab_group_get();
	flag_raise(&s->done);
}

START_TEST(test_spawn_runs_and_finishes)
{
	struct spawned s = {.group_seen = -1};
	flag_init(&s.done);
	lab_group_set(31);
	lab_thread_spawn("one rpc", spawned_run, &s);

	ck_assert_msg(flag_wait(&s.done, PATIENCE_MS),
		      "spawned thread did not run within %d ms", PATIENCE_MS);
	ck_assert_msg(strcmp(s.name_seen, "one rpc") == 0,
		      "expected name \"one rpc\", saw \"%s\"", s.name_seen);
	ck_assert_msg(s.group_seen == 31, "expected group 31, saw %d",
		      s.group_seen);
	int left = lab_group_wait(31, PATIENCE_MS);
	ck_assert_msg(left == 0,
		      "expected the spawned thread to finish, %d still running",
		      left);
	lab_group_set(0);
	flag_destroy(&s.done);
}
END_TEST

/* ---- groups ------------------------------------------------------------ */

/* Threads arrive at the gate, then wait there until the test opens it. */
struct gate {
	struct lab_mutex mu;
	struct lab_cond cv;
	int arrived;
	bool open;
};

static void gate_init(struct gate *g)
{
	lab_mutex_init(&g->mu, "test gate");
	lab_cond_init(&g->cv);
	g->arrived = 0;
	g->open = false;
}

static void gate_destroy(struct gate *g)
{
	lab_cond_destroy(&g->cv);
	lab_mutex_destroy(&g->mu);
}

static void gate_arrive_and_wait(struct gate *g)
{
	lab_mutex_lock(&g->mu);
	g->arrived++;
	lab_cond_broadcast(&g->cv);
	while (!g->open)
		lab_cond_wait(&g->cv, &g->mu);
	lab_mutex_unlock(&g->mu);
}

/* Waits up to ms for n threads at the gate; returns how many came. */
static int gate_wait_arrivals(struct gate *g, int n, int64_t ms)
{
	int64_t deadline = lab_now_ms() + ms;
	lab_mutex_lock(&g->mu);
	while (g->arrived < n) {
		int64_t left = deadline - lab_now_ms();
		if (left <= 0)
			break;
		lab_cond_timedwait(&g->cv, &g->mu, left);
	}
	int arrived = g->arrived;
	lab_mutex_unlock(&g->mu);
	return arrived;
}

static void gate_open(struct gate *g)
{
	lab_mutex_lock(&g->mu);
	g->open = true;
	lab_cond_broadcast(&g->cv);
	lab_mutex_unlock(&g->mu);
}

struct member {
	struct gate *gate;
	int move_to; /* if nonzero, lab_group_set(move_to) first */
	int group_seen;
};

static void member_run(void *arg)
{
	struct member *m = arg;
	if (m->move_to != 0)
		lab_group_set(m->move_to);
	m->group_seen = lab_group_get();
	gate_arrive_and_wait(m->gate);
}

/* A member that starts a member of its own, to show that threads started
 * by lab threads inherit the group too. */
static void parent_run(void *arg)
{
	struct member *m = arg; /* m[0] is this thread, m[1] its child */
	struct lab_thread *child =
		lab_thread_create("child", member_run, &m[1]);
	member_run(&m[0]);
	lab_thread_join(child);
}

START_TEST(test_group_inherited_from_creator)
{
	struct gate g;
	gate_init(&g);
	lab_group_set(7);
	ck_assert_msg(lab_group_get() == 7, "expected group 7, saw %d",
		      lab_group_get());

	struct member plain = {.gate = &g};
	struct member mover = {.gate = &g, .move_to = 8};
	struct member family[2] = {{.gate = &g}, {.gate = &g}};
	struct lab_thread *t1 = lab_thread_create("plain", member_run, &plain);
	struct lab_thread *t2 = lab_thread_create("mover", member_run, &mover);
	struct lab_thread *t3 = lab_thread_create("parent", parent_run, family);
	lab_group_set(0);

	int arrived = gate_wait_arrivals(&g, 4, PATIENCE_MS);
	ck_assert_msg(arrived == 4, "expected 4 threads at the gate, saw %d",
		      arrived);
	ck_assert_msg(plain.group_seen == 7,
		      "thread created in group 7: expected group 7, saw %d",
		      plain.group_seen);
	ck_assert_msg(family[1].group_seen == 7,
		      "thread created by a group-7 thread: expected group 7, "
		      "saw %d",
		      family[1].group_seen);
	ck_assert_msg(mover.group_seen == 8,
		      "thread that moved to group 8: expected 8, saw %d",
		      mover.group_seen);

	char names[128];
	int n = lab_group_threads(7, names, sizeof names);
	ck_assert_msg(n == 3,
		      "group 7: expected 3 threads (plain, parent, child), "
		      "saw %d: %s",
		      n, names);
	ck_assert_msg(strstr(names, "mover") == NULL,
		      "group 7: expected mover to have left, saw %s", names);
	n = lab_group_threads(8, names, sizeof names);
	ck_assert_msg(n == 1 && strcmp(names, "mover") == 0,
		      "group 8: expected only \"mover\", saw %d: \"%s\"", n,
		      names);
	n = lab_group_threads(-1, NULL, 0);
	ck_assert_msg(n >= 4, "any group: expected at least 4 threads, saw %d",
		      n);

	gate_open(&g);
	lab_thread_join(t1);
	lab_thread_join(t2);
	lab_thread_join(t3);
	gate_destroy(&g);
}
END_TEST

START_TEST(test_group_threads_counts_and_names)
{
	static const char *const names_given[] = {"alpha", "beta", "gamma"};
	enum { N = 3 };
	struct gate g;
	gate_init(&g);
	struct member m[N];
	struct lab_thread *t[N];
	lab_group_set(21);
	for (int i = 0; i < N; i++) {
		m[i] = (struct member){.gate = &g};
		t[i] = lab_thread_create(names_given[i], member_run, &m[i]);
	}
	lab_group_set(0);
	int arrived = gate_wait_arrivals(&g, N, PATIENCE_MS);
	ck_assert_msg(arrived == N, "expected %d threads at the gate, saw %d",
		      N, arrived);

	char names[128];
	int n = lab_group_threads(21, names, sizeof names);
	ck_assert_msg(n == N, "expected %d threads in group 21, saw %d: %s", N,
		      n, names);
	for (int i = 0; i < N; i++)
		ck_assert_msg(strstr(names, names_given[i]) != NULL,
			      "expected \"%s\" among the names, saw \"%s\"",
			      names_given[i], names);
	ck_assert_msg(strlen(names) == strlen("alpha, beta, gamma"),
		      "expected three names joined by \", \", saw \"%s\"",
		      names);
	ck_assert_msg(lab_group_threads(22, NULL, 0) == 0,
		      "expected no threads in group 22, saw %d",
		      lab_group_threads(22, NULL, 0));

	/* A short buffer is cut and terminated, never overrun. */
	char small[16];
	memset(small, 'Z', sizeof small);
	n = lab_group_threads(21, small, 8);
	ck_assert_msg(n == N, "with a short buffer: expected count %d, saw %d",
		      N, n);
	ck_assert_msg(memchr(small, '\0', 8) != NULL,
		      "expected the names cut to 8 bytes with a NUL");
	for (size_t i = 8; i < sizeof small; i++)
		ck_assert_msg(small[i] == 'Z',
			      "byte %zu past an 8-byte buffer was overwritten",
			      i);

	gate_open(&g);
	int left = lab_group_wait(21, PATIENCE_MS);
	ck_assert_msg(left == 0,
		      "expected group 21 to empty once its threads returned, "
		      "%d still running",
		      left);
	for (int i = 0; i < N; i++)
		lab_thread_join(t[i]);
	gate_destroy(&g);
}
END_TEST

/* ---- mutexes ----------------------------------------------------------- */

#define COUNTERS   4
#define INCREMENTS 50000

struct counter {
	struct lab_mutex mu;
	long value;
	int inside;   /* threads in the critical section */
	int overlaps; /* times a thread found another one inside */
};

static void count_up(void *arg)
{
	struct counter *c = arg;
	for (int i = 0; i < INCREMENTS; i++) {
		lab_mutex_lock(&c->mu);
		if (c->inside++ != 0)
			c->overlaps++;
		c->value++;
		c->inside--;
		lab_mutex_unlock(&c->mu);
	}
}

START_TEST(test_mutex_excludes)
{
	struct counter c = {.value = 0};
	lab_mutex_init(&c.mu, "test counter");
	struct lab_thread *t[COUNTERS];
	for (int i = 0; i < COUNTERS; i++)
		t[i] = lab_thread_create("counter", count_up, &c);
	for (int i = 0; i < COUNTERS; i++)
		lab_thread_join(t[i]);
	ck_assert_msg(c.overlaps == 0,
		      "expected no thread to find another inside, saw %d",
		      c.overlaps);
	ck_assert_msg(c.value == (long)COUNTERS * INCREMENTS,
		      "expected counter %ld, saw %ld",
		      (long)COUNTERS * INCREMENTS, c.value);
	lab_mutex_destroy(&c.mu);
}
END_TEST

struct held_query {
	struct lab_mutex mu;
	bool held_by_asker;
	struct flag asked;
};

static void ask_held(void *arg)
{
	struct held_query *q = arg;
	q->held_by_asker = lab_mutex_held(&q->mu);
	flag_raise(&q->asked);
}

START_TEST(test_mutex_held)
{
	struct held_query q = {.held_by_asker = true};
	flag_init(&q.asked);
	struct lab_mutex other;
	lab_mutex_init(&q.mu, "test lock");
	lab_mutex_init(&other, "other lock");

	ck_assert_msg(!lab_mutex_held(&q.mu), "before lock: expected not held");
	lab_mutex_lock(&q.mu);
	ck_assert_msg(lab_mutex_held(&q.mu), "after lock: expected held");
	ck_assert_msg(!lab_mutex_held(&other),
		      "expected the other lock not held");

	lab_mutex_lock(&other);
	ck_assert_msg(lab_mutex_held(&q.mu) && lab_mutex_held(&other),
		      "with both locked: expected both held");
	/* Out of order: releasing the first keeps the second. */
	lab_mutex_unlock(&q.mu);
	ck_assert_msg(!lab_mutex_held(&q.mu),
		      "after unlock: expected test lock not held");
	ck_assert_msg(lab_mutex_held(&other),
		      "expected other lock still held after unlocking the "
		      "first");
	lab_mutex_unlock(&other);

	/* Held means held by the calling thread, not by anyone. */
	lab_mutex_lock(&q.mu);
	struct lab_thread *t = lab_thread_create("asker", ask_held, &q);
	bool asked = flag_wait(&q.asked, PATIENCE_MS);
	lab_mutex_unlock(&q.mu);
	lab_thread_join(t);
	ck_assert_msg(asked, "the asking thread did not answer");
	ck_assert_msg(!q.held_by_asker,
		      "main holds the lock: expected another thread to see "
		      "it as not held by itself, saw held");
	ck_assert_msg(!lab_mutex_held(&q.mu), "at the end: expected not held");
	flag_destroy(&q.asked);
	lab_mutex_destroy(&other);
	lab_mutex_destroy(&q.mu);
}
END_TEST

/* ---- condition variables ----------------------------------------------- */

/* Waiters wait on cv for go; they report their counts on a separate
 * condition variable, so that the only wake-ups on cv are the test's. */
struct waiters {
	struct lab_mutex mu;
	struct lab_cond cv;
	struct lab_cond report; /* waiting or woken changed */
	int waiting; /* waiters inside lab_cond_wait, or about to be */
	int woken;
	bool go;
	bool held_after_wait; /* every waiter held mu when the wait returned */
};

static void waiters_init(struct waiters *w)
{
	memset(w, 0, sizeof *w);
	lab_mutex_init(&w->mu, "test waiters");
	lab_cond_init(&w->cv);
	lab_cond_init(&w->report);
	w->held_after_wait = true;
}

static void waiters_destroy(struct waiters *w)
{
	lab_cond_destroy(&w->report);
	lab_cond_destroy(&w->cv);
	lab_mutex_destroy(&w->mu);
}

/* Waits for go on cv, counting itself in waiting and then in woken. */
static void waiter_run(void *arg)
{
	struct waiters *w = arg;
	lab_mutex_lock(&w->mu);
	w->waiting++;
	lab_cond_broadcast(&w->report);
	while (!w->go) {
		lab_cond_wait(&w->cv, &w->mu);
		if (!lab_mutex_held(&w->mu))
			w->held_after_wait = false;
	}
	w->woken++;
	lab_cond_broadcast(&w->report);
	lab_mutex_unlock(&w->mu);
}

/* Waits up to ms until *count reaches n, with w->mu held by the caller. */
static int wait_count(struct waiters *w, const int *count, int n, int64_t ms)
{
	int64_t deadline = lab_now_ms() + ms;
	while (*count < n) {
		int64_t left = deadline - lab_now_ms();
		if (left <= 0)
			break;
		lab_cond_timedwait(&w->report, &w->mu, left);
	}
	return *count;
}

START_TEST(test_cond_signal_wakes_waiter)
{
	struct waiters w;
	waiters_init(&w);
	struct lab_thread *t = lab_thread_create("waiter", waiter_run, &w);
	lab_mutex_lock(&w.mu);
	int waiting = wait_count(&w, &w.waiting, 1, PATIENCE_MS);
	ck_assert_msg(waiting == 1, "expected the waiter to wait, saw %d",
		      waiting);
	w.go = true;
	lab_mutex_unlock(&w.mu);
	lab_cond_signal(&w.cv); /* allowed without the mutex */

	lab_mutex_lock(&w.mu);
	int woken = wait_count(&w, &w.woken, 1, PATIENCE_MS);
	lab_mutex_unlock(&w.mu);
	ck_assert_msg(woken == 1,
		      "expected the signal to wake 1 waiter, saw %d", woken);
	lab_thread_join(t);
	ck_assert_msg(w.held_after_wait,
		      "expected lab_cond_wait to return with the mutex held");
	waiters_destroy(&w);
}
END_TEST

#define BROADCAST_WAITERS 6

START_TEST(test_cond_broadcast_wakes_all)
{
	struct waiters w;
	waiters_init(&w);
	struct lab_thread *t[BROADCAST_WAITERS];
	for (int i = 0; i < BROADCAST_WAITERS; i++)
		t[i] = lab_thread_create("waiter", waiter_run, &w);

	/* Each waiter counts itself and starts waiting under one hold of
	 * the mutex, so once all have counted, all are waiting. */
	lab_mutex_lock(&w.mu);
	int waiting =
		wait_count(&w, &w.waiting, BROADCAST_WAITERS, PATIENCE_MS);
	ck_assert_msg(waiting == BROADCAST_WAITERS,
		      "expected %d waiters, saw %d", BROADCAST_WAITERS,
		      waiting);
	w.go = true;
	lab_cond_broadcast(&w.cv);
	int woken = wait_count(&w, &w.woken, BROADCAST_WAITERS, PATIENCE_MS);
	lab_mutex_unlock(&w.mu);
	ck_assert_msg(woken == BROADCAST_WAITERS,
		      "expected one broadcast to wake %d waiters, saw %d",
		      BROADCAST_WAITERS, woken);
	for (int i = 0; i < BROADCAST_WAITERS; i++)
		lab_thread_join(t[i]);
	ck_assert_msg(w.held_after_wait,
		      "expected lab_cond_wait to return with the mutex held");
	waiters_destroy(&w);
}
END_TEST

/* Two threads hand a turn back and forth many times with signal: a single
 * lost wake-up in the spin-then-sleep scheme hangs the test. */
#define ROUNDS 10000

struct ping_pong {
	struct lab_mutex mu;
	struct lab_cond cv;
	int turn; /* 0 or 1: whose move it is */
	int moves;
};

static void player(struct ping_pong *p, int me)
{
	for (int i = 0; i < ROUNDS; i++) {
		lab_mutex_lock(&p->mu);
		while (p->turn != me)
			lab_cond_wait(&p->cv, &p->mu);
		p->turn = 1 - me;
		p->moves++;
		lab_cond_signal(&p->cv);
		lab_mutex_unlock(&p->mu);
	}
}

static void ping(void *arg)
{
	player(arg, 0);
}

static void pong(void *arg)
{
	player(arg, 1);
}

START_TEST(test_cond_ping_pong_loses_no_wakeup)
{
	struct ping_pong p = {.turn = 0, .moves = 0};
	lab_mutex_init(&p.mu, "test ping pong");
	lab_cond_init(&p.cv);
	struct lab_thread *a = lab_thread_create("ping", ping, &p);
	struct lab_thread *b = lab_thread_create("pong", pong, &p);
	lab_thread_join(a);
	lab_thread_join(b);
	ck_assert_msg(p.moves == 2 * ROUNDS, "expected %d moves, saw %d",
		      2 * ROUNDS, p.moves);
	lab_cond_destroy(&p.cv);
	lab_mutex_destroy(&p.mu);
}
END_TEST

START_TEST(test_cond_timedwait_times_out)
{
	struct lab_mutex mu;
	struct lab_cond cv;
	lab_mutex_init(&mu, "test lock");
	lab_cond_init(&cv);
	/* Over a second, so the deadline's seconds and nanoseconds both
	 * count. */
	const int64_t asked = 1100;

	lab_mutex_lock(&mu);
	int64_t start = lab_now_ns();
	bool woken = lab_cond_timedwait(&cv, &mu, asked);
	int64_t took_ms = (lab_now_ns() - start) / 1000000;
	ck_assert_msg(lab_mutex_held(&mu),
		      "expected the mutex held again after the timeout");
	lab_mutex_unlock(&mu);

	ck_assert_msg(!woken, "with no signal: expected false, saw true");
	ck_assert_msg(took_ms >= asked,
		      "expected to wait >= %" PRId64 " ms, waited %" PRId64
		      " ms",
		      asked, took_ms);
	ck_assert_msg(took_ms < asked + LATE_MS,
		      "expected to wait about %" PRId64 " ms, waited %" PRId64
		      " ms",
		      asked, took_ms);

	/* Zero and negative waits return at once. */
	lab_mutex_lock(&mu);
	start = lab_now_ms();
	bool woken_zero = lab_cond_timedwait(&cv, &mu, 0);
	bool woken_negative = lab_cond_timedwait(&cv, &mu, -5);
	took_ms = lab_now_ms() - start;
	lab_mutex_unlock(&mu);
	ck_assert_msg(!woken_zero && !woken_negative,
		      "0 and -5 ms waits: expected false, saw %d and %d",
		      woken_zero, woken_negative);
	ck_assert_msg(took_ms < LATE_MS,
		      "0 and -5 ms waits: expected to return at once, took "
		      "%" PRId64 " ms",
		      took_ms);

	lab_cond_destroy(&cv);
	lab_mutex_destroy(&mu);
}
END_TEST

struct timed_waiter {
	struct waiters w;
	bool returned_true;
	int timeouts;
	int64_t took_ms;
};

static void timed_waiter_run(void *arg)
{
	struct timed_waiter *tw = arg;
	struct waiters *w = &tw->w;
	lab_mutex_lock(&w->mu);
	w->waiting++;
	lab_cond_broadcast(&w->report);
	int64_t start = lab_now_ms();
	while (!w->go) {
		if (lab_cond_timedwait(&w->cv, &w->mu, PATIENCE_MS))
			tw->returned_true = true;
		else
			tw->timeouts++;
	}
	tw->took_ms = lab_now_ms() - start;
	lab_mutex_unlock(&w->mu);
}

START_TEST(test_cond_timedwait_signalled)
{
	struct timed_waiter tw = {.returned_true = false};
	waiters_init(&tw.w);
	struct lab_thread *t =
		lab_thread_create("timed waiter", timed_waiter_run, &tw);
	lab_mutex_lock(&tw.w.mu);
	int waiting = wait_count(&tw.w, &tw.w.waiting, 1, PATIENCE_MS);
	ck_assert_msg(waiting == 1, "expected the waiter to wait, saw %d",
		      waiting);
	tw.w.go = true;
	lab_cond_signal(&tw.w.cv);
	lab_mutex_unlock(&tw.w.mu);
	lab_thread_join(t);

	ck_assert_msg(tw.timeouts == 0,
		      "expected the signal to end the wait, saw %d timeouts",
		      tw.timeouts);
	ck_assert_msg(tw.returned_true,
		      "expected lab_cond_timedwait to return true when "
		      "signalled");
	ck_assert_msg(tw.took_ms < PATIENCE_MS / 2,
		      "expected to wake long before the timeout, took %" PRId64
		      " ms",
		      tw.took_ms);
	waiters_destroy(&tw.w);
}
END_TEST

/* ---- time -------------------------------------------------------------- */

START_TEST(test_clock_monotonic)
{
	int64_t prev = lab_now_ns();
	ck_assert_msg(prev >= 0, "expected time since start >= 0, saw %" PRId64,
		      prev);
	for (int i = 0; i < 100000; i++) {
		int64_t now = lab_now_ns();
		ck_assert_msg(now >= prev,
			      "clock went backwards: %" PRId64
			      " ns then %" PRId64 " ns",
			      prev, now);
		prev = now;
	}

	int64_t ns = lab_now_ns();
	int64_t ms = lab_now_ms();
	int64_t ns_after = lab_now_ns();
	ck_assert_msg(ms >= ns / 1000000 && ms <= ns_after / 1000000,
		      "expected lab_now_ms between %" PRId64 " and %" PRId64
		      ", saw %" PRId64,
		      ns / 1000000, ns_after / 1000000, ms);
}
END_TEST

START_TEST(test_sleep_advances_clock)
{
	int64_t start = lab_now_ms();
	lab_sleep_ms(50);
	int64_t took = lab_now_ms() - start;
	ck_assert_msg(
		took >= 50,
		"lab_sleep_ms(50): expected >= 50 ms, clock moved %" PRId64
		" ms",
		took);
	ck_assert_msg(took < 50 + LATE_MS,
		      "lab_sleep_ms(50): expected about 50 ms, took %" PRId64
		      " ms",
		      took);

	start = lab_now_ms();
	lab_sleep_ms(0);
	lab_sleep_ms(-1);
	took = lab_now_ms() - start;
	ck_assert_msg(took < LATE_MS,
		      "lab_sleep_ms(0) and (-1): expected to return at once, "
		      "took %" PRId64 " ms",
		      took);
}
END_TEST

/* ---- randomness -------------------------------------------------------- */

START_TEST(test_rand_int_covers_range)
{
	enum { N = 10, DRAWS = 100000 };
	int seen[N] = {0};
	for (int i = 0; i < DRAWS; i++) {
		int64_t r = lab_rand_int(N);
		ck_assert_msg(
			r >= 0 && r < N,
			"lab_rand_int(%d): expected [0, %d), saw %" PRId64, N,
			N, r);
		seen[r]++;
	}
	/* Each count is about 10000 give or take 95; 10% off is 10 sigma. */
	for (int v = 0; v < N; v++)
		ck_assert_msg(seen[v] > DRAWS / N * 9 / 10 &&
				      seen[v] < DRAWS / N * 11 / 10,
			      "lab_rand_int(%d): expected value %d about %d "
			      "times in %d draws, saw %d",
			      N, v, DRAWS / N, DRAWS, seen[v]);

	for (int i = 0; i < 100; i++)
		ck_assert_msg(lab_rand_int(1) == 0,
			      "lab_rand_int(1): expected 0");
	for (int i = 0; i < 1000; i++) {
		int64_t r = lab_rand_int(INT64_MAX);
		ck_assert_msg(r >= 0 && r < INT64_MAX,
			      "lab_rand_int(INT64_MAX): saw %" PRId64, r);
	}
}
END_TEST

START_TEST(test_rand_range_inclusive)
{
	enum { LO = -3, HI = 3 };
	int seen[HI - LO + 1] = {0};
	for (int i = 0; i < 10000; i++) {
		int64_t r = lab_rand_range(LO, HI);
		ck_assert_msg(r >= LO && r <= HI,
			      "lab_rand_range(%d, %d): saw %" PRId64, LO, HI,
			      r);
		seen[r - LO]++;
	}
	for (int v = LO; v <= HI; v++)
		ck_assert_msg(
			seen[v - LO] > 0,
			"lab_rand_range(%d, %d): expected %d to appear in "
			"10000 draws, it never did",
			LO, HI, v);

	for (int i = 0; i < 100; i++)
		ck_assert_msg(lab_rand_range(7, 7) == 7,
			      "lab_rand_range(7, 7): expected 7");

	/* Bounds at the ends of int64_t. */
	bool low = false, high = false;
	for (int i = 0; i < 1000; i++) {
		int64_t r = lab_rand_range(INT64_MAX - 1, INT64_MAX);
		ck_assert_msg(r == INT64_MAX - 1 || r == INT64_MAX,
			      "lab_rand_range(INT64_MAX - 1, INT64_MAX): saw "
			      "%" PRId64,
			      r);
		low |= r == INT64_MAX - 1;
		high |= r == INT64_MAX;
	}
	ck_assert_msg(
		low && high,
		"expected both INT64_MAX - 1 and INT64_MAX in 1000 draws");
	for (int i = 0; i < 1000; i++) {
		int64_t r = lab_rand_range(INT64_MIN, INT64_MIN + 1);
		ck_assert_msg(r == INT64_MIN || r == INT64_MIN + 1,
			      "lab_rand_range(INT64_MIN, INT64_MIN + 1): saw "
			      "%" PRId64,
			      r);
	}
}
END_TEST

START_TEST(test_rand_u64_uses_all_bits)
{
	uint64_t ones = 0, zeros = 0, prev = lab_rand_u64();
	int repeats = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t r = lab_rand_u64();
		ones |= r;
		zeros |= ~r;
		repeats += r == prev;
		prev = r;
	}
	ck_assert_msg(ones == UINT64_MAX && zeros == UINT64_MAX,
		      "expected every bit both set and clear in 1000 draws; "
		      "never set: %#" PRIx64 ", never clear: %#" PRIx64,
		      ~ones, ~zeros);
	ck_assert_msg(repeats == 0,
		      "expected no value twice in a row, saw %d repeats",
		      repeats);
}
END_TEST

struct stream {
	uint64_t draws[4];
	uint64_t seed_seen;
};

static void draw_stream(void *arg)
{
	struct stream *s = arg;
	for (int i = 0; i < 4; i++)
		s->draws[i] = lab_rand_u64();
	s->seed_seen = lab_seed();
}

START_TEST(test_seed_stable_and_streams_differ)
{
	uint64_t seed = lab_seed();
	ck_assert_msg(lab_seed() == seed,
		      "expected the same seed twice, saw %" PRIu64
		      " then %" PRIu64,
		      seed, lab_seed());
	const char *env = getenv("LAB_SEED");
	if (env != NULL && *env != '\0')
		ck_assert_msg(seed == strtoull(env, NULL, 10),
			      "LAB_SEED=%s: expected seed %s, saw %" PRIu64,
			      env, env, seed);

	struct stream a, b;
	lab_thread_join(lab_thread_create("stream a", draw_stream, &a));
	lab_thread_join(lab_thread_create("stream b", draw_stream, &b));
	ck_assert_msg(a.seed_seen == seed && b.seed_seen == seed,
		      "expected every thread to see seed %" PRIu64
		      ", saw %" PRIu64 " and %" PRIu64,
		      seed, a.seed_seen, b.seed_seen);
	ck_assert_msg(memcmp(a.draws, b.draws, sizeof a.draws) != 0,
		      "expected two threads to draw from different streams, "
		      "both drew %#" PRIx64 "...",
		      a.draws[0]);
}
END_TEST

/* ---- debug logging ----------------------------------------------------- */

/* A model of LAB_DEBUG: "all", or topic is one of the comma-separated
 * names, spaces ignored. The names go into ",list," without spaces, so a
 * search for ",topic," finds whole names only. */
static bool model_enabled(const char *topics, const char *topic)
{
	if (topics == NULL || *topics == '\0')
		return false;
	if (strcmp(topics, "all") == 0)
		return true;
	char list[256], want[64];
	size_t n = 0;
	list[n++] = ',';
	for (const char *p = topics; *p && n < sizeof list - 2; p++)
		if (*p != ' ')
			list[n++] = *p;
	list[n++] = ',';
	list[n] = '\0';
	snprintf(want, sizeof want, ",%s,", topic);
	return strstr(list, want) != NULL;
}

/* LAB_DEBUG is read once, when the runtime starts, so this test checks
 * that the runtime agrees with whatever LAB_DEBUG the run has: none in a
 * plain run; try LAB_DEBUG="vote, append" or LAB_DEBUG=all too. */
START_TEST(test_debug_follows_environment)
{
	static const char *const topics[] = {"vote",  "append",	      "apply",
					     "vot",   "votes",	      "all",
					     "timer", "no-such-topic"};
	const char *env = getenv("LAB_DEBUG");
	for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
		bool want = model_enabled(env, topics[i]);
		bool got = lab_debug_enabled(topics[i]);
		ck_assert_msg(got == want,
			      "LAB_DEBUG=%s, topic \"%s\": expected %s, saw %s",
			      env ? env : "(unset)", topics[i],
			      want ? "enabled" : "disabled",
			      got ? "enabled" : "disabled");
	}
	/* Logging on an unknown topic (and a long message) is harmless. */
	char long_text[2000];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	lab_debug("no-such-topic", "%d %s", 1, "ignored");
	lab_debug("no-such-topic", "%s", long_text);
}
END_TEST

/* ---- warnings ---------------------------------------------------------- */

static int sleep_line; /* the line of the lab_sleep_ms in sleep_holding */

static void sleep_holding(void *arg)
{
	struct lab_mutex *mu = arg;
	lab_mutex_lock(mu);
	for (int i = 0; i < 3; i++) {
		sleep_line = __LINE__ + 1;
		lab_sleep_ms(1);
	}
	lab_mutex_unlock(mu);
}

START_TEST(test_sleep_holding_lock_warns_once)
{
	struct lab_mutex mu;
	lab_mutex_init(&mu, "test lock");
	start_capturing();
	lab_thread_join(lab_thread_create("ticker", sleep_holding, &mu));
	stop_capturing();

	ck_assert_msg(captured.count == 1,
		      "3 sleeps from one call site while holding a lock: "
		      "expected 1 warning, saw %d",
		      captured.count);
	char where[64];
	snprintf(where, sizeof where, "test_runtime.c:%d", sleep_line);
	expect_in_warning(0, "lab_sleep_ms");
	expect_in_warning(0, "test lock");
	expect_in_warning(0, "ticker");
	expect_in_warning(0, where);
	expect_in_warning(0, "sleep_holding");
	lab_mutex_destroy(&mu);
}
END_TEST

START_TEST(test_sleep_without_lock_is_quiet)
{
	struct lab_mutex mu;
	lab_mutex_init(&mu, "test lock");
	start_capturing();
	lab_sleep_ms(1);
	/* A lock taken and given back no longer counts. */
	lab_mutex_lock(&mu);
	lab_mutex_unlock(&mu);
	lab_sleep_ms(1);
	stop_capturing();
	ck_assert_msg(captured.count == 0,
		      "sleeping without a lock: expected no warning, saw %d: "
		      "%s",
		      captured.count, captured.messages[0]);
	lab_mutex_destroy(&mu);
}
END_TEST

START_TEST(test_check_unlocked_warns_once_per_site)
{
	struct lab_mutex mu;
	lab_mutex_init(&mu, "test lock");
	start_capturing();
	lab_check_unlocked("labrpc_call", LAB_SITE); /* no lock: quiet */

	lab_mutex_lock(&mu);
	int line = 0;
	for (int i = 0; i < 3; i++) {
		line = __LINE__ + 1;
		lab_check_unlocked("labrpc_call", LAB_SITE);
	}
	int first_count = captured.count;
	lab_check_unlocked("chan_send", LAB_SITE); /* another site */
	lab_mutex_unlock(&mu);
	lab_check_unlocked("labrpc_call", LAB_SITE); /* no lock: quiet */
	stop_capturing();

	ck_assert_msg(first_count == 1,
		      "3 checks from one site while holding a lock: expected "
		      "1 warning, saw %d",
		      first_count);
	ck_assert_msg(captured.count == 2,
		      "expected a second warning from a second site and none "
		      "without the lock, saw %d warnings in all",
		      captured.count);
	char where[64];
	snprintf(where, sizeof where, "test_runtime.c:%d", line);
	expect_in_warning(0, "labrpc_call");
	expect_in_warning(0, "test lock");
	expect_in_warning(0, "main");
	expect_in_warning(0, where);
	expect_in_warning(1, "chan_send");
	lab_mutex_destroy(&mu);
}
END_TEST

START_TEST(test_warn_and_warn_once)
{
	start_capturing();
	for (int i = 0; i < 3; i++)
		lab_warn("plain warning %d", i);
	for (int i = 0; i < 3; i++)
		lab_warn_once(LAB_SITE, "once warning %d", i);
	stop_capturing();
	ck_assert_msg(captured.count == 4,
		      "expected 3 plain warnings and 1 once-warning, saw %d",
		      captured.count);
	ck_assert_msg(strcmp(captured.messages[2], "plain warning 2") == 0,
		      "expected \"plain warning 2\" (no prefix), saw \"%s\"",
		      captured.messages[2]);
	ck_assert_msg(strcmp(captured.messages[3], "once warning 0") == 0,
		      "expected \"once warning 0\", saw \"%s\"",
		      captured.messages[3]);
}
END_TEST

static void do_nothing(void *arg)
{
	(void)arg;
}

START_TEST(test_join_holding_lock_warns)
{
	struct lab_mutex mu;
	lab_mutex_init(&mu, "test lock");
	start_capturing();
	lab_thread_join(lab_thread_create("idle", do_nothing, NULL));

	lab_mutex_lock(&mu);
	struct lab_thread *t = lab_thread_create("idle", do_nothing, NULL);
	int line = __LINE__ + 1;
	lab_thread_join(t);
	lab_mutex_unlock(&mu);
	stop_capturing();

	ck_assert_msg(captured.count == 1,
		      "one join without a lock and one with: expected 1 "
		      "warning, saw %d",
		      captured.count);
	char where[64];
	snprintf(where, sizeof where, "test_runtime.c:%d", line);
	expect_in_warning(0, "lab_thread_join");
	expect_in_warning(0, "test lock");
	expect_in_warning(0, where);
	lab_mutex_destroy(&mu);
}
END_TEST

/* Holding a lock for LAB_LONG_HOLD_MS warns when it is released, once per
 * mutex. The hold here is a sleep, which warns on its own as well. */
START_TEST(test_long_hold_warns_once_per_mutex)
{
	struct lab_mutex mu;
	lab_mutex_init(&mu, "slow lock");
	start_capturing();
	for (int i = 0; i < 2; i++) {
		lab_mutex_lock(&mu);
		lab_sleep_ms(LAB_LONG_HOLD_MS + 100);
		lab_mutex_unlock(&mu);
	}
	stop_capturing();

	ck_assert_msg(captured.count == 2,
		      "two long holds of one mutex, sleeping at one site: "
		      "expected 2 warnings (the sleep, the hold), saw %d",
		      captured.count);
	expect_in_warning(0, "lab_sleep_ms");
	expect_in_warning(1, "slow lock");
	expect_in_warning(1, "held for");
	expect_in_warning(1, "main");
	lab_mutex_destroy(&mu);
}
END_TEST

/* The runtime remembers a bounded number of call sites. */
#define SITES_REMEMBERED 256

struct site_count {
	int site_warnings; /* the test's own */
	int others;	   /* the runtime's notice that it stopped */
};

static void count_site_warnings(const char *message, void *arg)
{
	struct site_count *c = arg;
	if (strcmp(message, "made-up site") == 0)
		c->site_warnings++;
	else
		c->others++;
}

/* Warns from more sites than the runtime remembers, twice over: each
 * remembered site warns once, the rest not at all, and one notice says
 * so. Tests that run before this one in the same process (CK_FORK=no)
 * may have used some of the sites, hence the lower bound. */
START_TEST(test_warn_once_site_table_full)
{
	enum { SITES = SITES_REMEMBERED + 50 };
	struct site_count c = {0, 0};
	lab_set_warn_handler(count_site_warnings, &c);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < SITES; i++) {
			struct lab_site site = {"made-up.c", i + 1, "made_up"};
			lab_warn_once(site, "made-up site");
		}
	}
	stop_capturing();

	ck_assert_msg(c.site_warnings > SITES_REMEMBERED - 32 &&
			      c.site_warnings <= SITES_REMEMBERED,
		      "%d sites, each twice: expected at most %d warnings, "
		      "one per remembered site, saw %d",
		      SITES, SITES_REMEMBERED, c.site_warnings);
	ck_assert_msg(c.others == 1,
		      "expected one notice that sites were dropped, saw %d",
		      c.others);
}
END_TEST

/* ---- the suite --------------------------------------------------------- */

Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	selftest_add(s, test_create_join_runs_fn_with_arg, TEST_TIMEOUT);
	selftest_add(s, test_thread_names, TEST_TIMEOUT);
	selftest_add(s, test_spawn_runs_and_finishes, TEST_TIMEOUT);
	selftest_add(s, test_group_inherited_from_creator, TEST_TIMEOUT);
	selftest_add(s, test_group_threads_counts_and_names, TEST_TIMEOUT);
	selftest_add(s, test_mutex_excludes, TEST_TIMEOUT);
	selftest_add(s, test_mutex_held, TEST_TIMEOUT);
	selftest_add(s, test_cond_signal_wakes_waiter, TEST_TIMEOUT);
	selftest_add(s, test_cond_broadcast_wakes_all, TEST_TIMEOUT);
	selftest_add(s, test_cond_ping_pong_loses_no_wakeup, TEST_TIMEOUT);
	selftest_add(s, test_cond_timedwait_times_out, TEST_TIMEOUT);
	selftest_add(s, test_cond_timedwait_signalled, TEST_TIMEOUT);
	selftest_add(s, test_clock_monotonic, TEST_TIMEOUT);
	selftest_add(s, test_sleep_advances_clock, TEST_TIMEOUT);
	selftest_add(s, test_rand_int_covers_range, TEST_TIMEOUT);
	selftest_add(s, test_rand_range_inclusive, TEST_TIMEOUT);
	selftest_add(s, test_rand_u64_uses_all_bits, TEST_TIMEOUT);
	selftest_add(s, test_seed_stable_and_streams_differ, TEST_TIMEOUT);
	selftest_add(s, test_debug_follows_environment, TEST_TIMEOUT);
	selftest_add(s, test_sleep_holding_lock_warns_once, TEST_TIMEOUT);
	selftest_add(s, test_sleep_without_lock_is_quiet, TEST_TIMEOUT);
	selftest_add(s, test_check_unlocked_warns_once_per_site, TEST_TIMEOUT);
	selftest_add(s, test_warn_and_warn_once, TEST_TIMEOUT);
	selftest_add(s, test_join_holding_lock_warns, TEST_TIMEOUT);
	selftest_add(s, test_long_hold_warns_once_per_mutex, TEST_TIMEOUT);
	selftest_add(s, test_warn_once_site_table_full, TEST_TIMEOUT);
	return s;
}
