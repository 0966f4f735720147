/*
 * Lab 3, persistence: a peer saves currentTerm, votedFor and its log
 * through the persister whenever they change, and a crashed peer restarts
 * from what it saved. A crash here is the harness's (tester_crash): the
 * peer is cut off, deleted from the network and killed, and its next
 * incarnation (tester_restart) starts from a copy of its persister. The
 * last five tests add Figure 8's scenario, an unreliable network, and
 * churn.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "codec.h"
#include "runtime.h"
#include "suites.h"
#include "tester.h"

#define LAB "persistence"

START_TEST(test_persist1)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "basic persistence");

	tester_one_int(t, 11, N, true);

	/* Every peer crashes and restarts: the log survives. */
	for (int i = 0; i < N; i++)
		restart(t, i);
	tester_one_int(t, 12, N, true);

	/* The leader crashes and restarts. */
	int leader1 = tester_check_one_leader(t);
	restart(t, leader1);
	tester_one_int(t, 13, N, true);

	/* The leader crashes; the other two commit without it; it comes
	 * back and must catch up before the next crash. */
	int leader2 = tester_check_one_leader(t);
	tester_crash(t, leader2);
	tester_one_int(t, 14, N - 1, true);
	restart(t, leader2);
	int64_t value;
	tester_wait(t, 4, N, -1, &value);

	/* A follower crashes; the others commit; it comes back. */
	int i3 = (tester_check_one_leader(t) + 1) % N;
	tester_crash(t, i3);
	tester_one_int(t, 15, N - 1, true);
	restart(t, i3);
	tester_one_int(t, 16, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

START_TEST(test_persist2)
{
	enum { N = 5 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "more persistence");

	int64_t v = 11;
	for (int round = 0; round < 5; round++) {
		tester_one_int(t, v++, N, true);
		int leader = tester_check_one_leader(t);
		int p[N];
		for (int k = 0; k < N; k++)
			p[k] = (leader + k) % N;

		/* Two followers go down; the other three commit. */
		tester_crash(t, p[1]);
		tester_crash(t, p[2]);
		tester_one_int(t, v++, N - 2, true);

		/* Then those three go down too: the whole cluster is down.
		 * The two stale peers come back first, and one up-to-date
		 * peer a second later: only it can be elected, as only its
		 * log holds the last command. */
		tester_crash(t, p[0]);
		tester_crash(t, p[3]);
		tester_crash(t, p[4]);
		restart(t, p[1]);
		restart(t, p[2]);
		lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
		restart(t, p[3]);
		tester_one_int(t, v++, N - 2, true);

		restart(t, p[4]);
		restart(t, p[0]);
	}
	tester_one_int(t, 1000, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

START_TEST(test_persist3)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB,
		     "partitioned leader and one follower crash, leader "
		     "restarts");

	tester_one_int(t, 101, N, true);
	int leader = tester_check_one_leader(t);
	int cut = (leader + 2) % N;
	tester_disconnect(t, cut);
	tester_one_int(t, 102, 2, true);

	/* The two that hold 102 crash; the one that lacks it comes back,
	 * and so does the old leader. Together they must commit: the
	 * leader's log wins the election, so 102 stays at index 2. */
	tester_crash(t, leader);
	tester_crash(t, (leader + 1) % N);
	tester_connect(t, cut);
	restart(t, leader);
	tester_one_int(t, 103, 2, true);

	restart(t, (leader + 1) % N);
	tester_one_int(t, 104, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* How long Figure 8's iterations pause: 10% of them up to half the
 * election timeout, so that elections happen; the rest under 13 ms, so
 * that many terms pass with a few entries each. */
static int64_t figure8_pause_ms(void)
{
	if (lab_rand_int(1000) < 100)
		return lab_rand_int(TESTER_ELECTION_TIMEOUT_MS / 2);
	return lab_rand_int(13);
}

/*
 * Figure 8 of the paper: an entry of an earlier term, replicated on a
 * majority, can still be overwritten, so a leader may count replicas only
 * for entries of its own term. Here leaders come and go quickly, each
 * leaving a few entries on some logs, and whichever peer accepted the
 * last command as leader crashes. The apply checkers catch any index
 * committed twice with different values.
 */
START_TEST(test_figure8)
{
	enum { N = 5 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "Figure 8");

	tester_one_int(t, any(), 1, true);
	int up = N;
	for (int iter = 0; iter < 1000; iter++) {
		int leader = -1;
		for (int i = 0; i < N; i++) {
			int64_t index, term;
			if (start_int(t, i, any(), &index, &term))
				leader = i;
		}
		lab_sleep_ms(figure8_pause_ms());
		if (leader != -1) {
			tester_crash(t, leader);
			up--;
		}
		if (up < 3) {
			int i = lab_rand_int(N);
			if (!tester_alive(t, i)) {
				restart(t, i);
				up++;
			}
		}
	}
	for (int i = 0; i < N; i++)
		if (!tester_alive(t, i))
			restart(t, i);
	tester_one_int(t, any(), N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* One of the unreliable agreement test's concurrent clients. */
struct agreer {
	struct tester *t;
	int64_t value;
	struct lab_thread *thread;
};

static void agreer_main(void *arg)
{
	struct agreer *a = arg;
	tester_one_int(a->t, a->value, 1, true);
}

START_TEST(test_unreliable_agree)
{
	enum { N = 5, CLIENTS = 4 };
	struct tester *t = tester_create(N, TESTER_UNRELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "unreliable agreement");

	struct agreer clients[50][CLIENTS];
	for (int iter = 1; iter < 50; iter++) {
		for (int j = 0; j < CLIENTS; j++) {
			struct agreer *a = &clients[iter][j];
			a->t = t;
			a->value = 100 * iter + j;
			a->thread = lab_thread_create("agree", agreer_main, a);
		}
		tester_one_int(t, iter, 1, true);
	}
	tester_set_unreliable(t, false);
	for (int iter = 1; iter < 50; iter++)
		for (int j = 0; j < CLIENTS; j++)
			lab_thread_join(clients[iter][j].thread);
	tester_one_int(t, 100, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/*
 * Figure 8 again, on an unreliable network, disconnecting leaders instead
 * of crashing them; from iteration 200 on, replies may also arrive seconds
 * late and out of order. At least three peers stay connected.
 */
START_TEST(test_figure8_unreliable)
{
	enum { N = 5 };
	struct tester *t = tester_create(N, TESTER_UNRELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "Figure 8 (unreliable)");

	tester_one_int(t, lab_rand_int(10000), 1, true);
	int up = N;
	for (int iter = 0; iter < 1000; iter++) {
		if (iter == 200)
			tester_set_long_reordering(t, true);
		int leader = -1;
		for (int i = 0; i < N; i++) {
			int64_t index, term;
			if (start_int(t, i, lab_rand_int(10000), &index,
				      &term) &&
			    tester_connected(t, i))
				leader = i;
		}
		lab_sleep_ms(figure8_pause_ms());
		if (leader != -1 && lab_rand_int(1000) < 500) {
			tester_disconnect(t, leader);
			up--;
		}
		if (up < 3) {
			int i = lab_rand_int(N);
			if (!tester_connected(t, i)) {
				tester_connect(t, i);
				up++;
			}
		}
	}
	for (int i = 0; i < N; i++)
		tester_connect(t, i);
	tester_one_int(t, lab_rand_int(10000), N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* The churn tests' clients: each keeps offering random commands to every
 * peer, and remembers those it saw committed where they were offered. */
enum { CHURN_CLIENTS = 3, CHURN_MAX_VALUES = 4096 };

struct churn_client {
	struct tester *t;
	int me;
	atomic_bool *stop;
	int64_t values[CHURN_MAX_VALUES]; /* seen committed */
	int nvalues;
	struct lab_thread *thread;
};

/* Whether v was committed at index: polls for a while, but not for ever,
 * as it may have been offered to a leader that is about to lose. */
static bool churn_committed(struct tester *t, int64_t index, int64_t v)
{
	static const int pauses_ms[] = {10, 20, 50, 100, 200};
	struct codec_buf got;
	codec_buf_init(&got);
	bool yes = false;
	for (size_t k = 0; k < sizeof pauses_ms / sizeof pauses_ms[0]; k++) {
		if (tester_n_committed(t, index, &got) > 0) {
			struct codec_reader r;
			codec_reader_init(&r, got.data, got.len);
			int64_t x = codec_get_i64(&r);
			yes = codec_reader_finish(&r) && x == v;
			break;
		}
		lab_sleep_ms(pauses_ms[k]);
	}
	codec_buf_free(&got);
	return yes;
}

static void churn_client_main(void *arg)
{
	struct churn_client *c = arg;
	struct tester *t = c->t;
	while (!atomic_load(c->stop)) {
		int64_t v = any();
		int64_t index = -1, term;
		bool accepted = false;
		for (int i = 0; i < tester_npeers(t); i++) {
			int64_t index1;
			if (start_int(t, i, v, &index1, &term)) {
				accepted = true;
				index = index1;
			}
		}
		if (!accepted) {
			lab_sleep_ms(79 + 17 * c->me);
			continue;
		}
		if (churn_committed(t, index, v) &&
		    c->nvalues < CHURN_MAX_VALUES)
			c->values[c->nvalues++] = v;
	}
}

static void churn(bool unreliable, const char *description)
{
	enum { N = 5 };
	struct tester *t = tester_create(
		N, unreliable ? TESTER_UNRELIABLE : TESTER_RELIABLE,
		TESTER_PLAIN);
	tester_begin(t, LAB, description);

	atomic_bool stop;
	atomic_init(&stop, false);
	struct churn_client *clients =
		lab_calloc(CHURN_CLIENTS, sizeof *clients);
	for (int k = 0; k < CHURN_CLIENTS; k++) {
		clients[k].t = t;
		clients[k].me = k;
		clients[k].stop = &stop;
		clients[k].thread = lab_thread_create("churn-client",
						      churn_client_main,
						      &clients[k]);
	}

	/* Often enough that the cluster seldom settles, seldom enough
	 * that it often keeps up. */
	for (int round = 0; round < 20; round++) {
		if (lab_rand_int(1000) < 200)
			tester_disconnect(t, lab_rand_int(N));
		if (lab_rand_int(1000) < 500) {
			int i = lab_rand_int(N);
			if (!tester_alive(t, i))
				tester_restart(t, i);
			tester_connect(t, i);
		}
		if (lab_rand_int(1000) < 200)
			tester_crash(t, lab_rand_int(N));
		lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS * 7 / 10);
	}

	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	tester_set_unreliable(t, false);
	for (int i = 0; i < N; i++) {
		if (!tester_alive(t, i))
			tester_restart(t, i);
		tester_connect(t, i);
	}
	atomic_store(&stop, true);
	for (int k = 0; k < CHURN_CLIENTS; k++)
		lab_thread_join(clients[k].thread);

	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	int64_t last = tester_one_int(t, any(), N, true);

	/* Every index up to the last is committed on all five, and every
	 * value a client saw committed is among them. */
	int64_t *really = lab_calloc((size_t)last + 1, sizeof *really);
	for (int64_t index = 1; index <= last; index++)
		tester_wait(t, index, N, -1, &really[index]);
	for (int k = 0; k < CHURN_CLIENTS; k++) {
		for (int j = 0; j < clients[k].nvalues; j++) {
			int64_t v = clients[k].values[j];
			bool found = false;
			for (int64_t index = 1; index <= last && !found;
			     index++)
				found = really[index] == v;
			if (!found)
				tester_fail(t,
					    "client %d saw %" PRId64
					    " committed, but the final log "
					    "(indexes 1..%" PRId64
					    ") does not hold it",
					    k, v, last);
		}
	}
	free(really);
	free(clients);

	tester_end(t);
	tester_destroy(t);
}

START_TEST(test_reliable_churn)
{
	churn(false, "churn");
}
END_TEST

START_TEST(test_unreliable_churn)
{
	churn(true, "unreliable churn");
}
END_TEST

Suite *persistence_suite(void)
{
	Suite *s = suite_create(LAB);
	suite_add(s, test_persist1);
	suite_add(s, test_persist2);
	suite_add(s, test_persist3);
	suite_add(s, test_figure8);
	suite_add(s, test_unreliable_agree);
	suite_add(s, test_figure8_unreliable);
	suite_add(s, test_reliable_churn);
	suite_add(s, test_unreliable_churn);
	return s;
}
