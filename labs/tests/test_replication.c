/*
 * Lab 2, replication: the leader accepts commands with raft_start,
 * replicates them with AppendEntries, commits each once a majority holds
 * it, and every peer applies the committed commands in order. The network
 * is reliable; faults are disconnections. Two tests also count what the
 * peers send.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "runtime.h"
#include "suites.h"
#include "tester.h"

#define LAB "replication"

/* Fails if any peer committed index: it was started without a majority
 * to commit it. */
static void check_not_committed(struct tester *t, int64_t index)
{
	int nd = tester_n_committed(t, index, NULL);
	if (nd > 0)
		tester_fail(t, "%d peers committed index %" PRId64 " without "
			       "a majority",
			    nd, index);
}

/* Whether some peer's term is no longer term: an election intervened. */
static bool term_moved(struct tester *t, int64_t term)
{
	for (int i = 0; i < tester_npeers(t); i++) {
		int64_t x;
		bool leads;
		if (tester_get_state(t, i, &x, &leads) && x != term)
			return true;
	}
	return false;
}

/* The sum of the RPCs that reached each peer. */
static int64_t rpcs(struct tester *t)
{
	int64_t n = 0;
	for (int i = 0; i < tester_npeers(t); i++)
		n += tester_rpc_count(t, i);
	return n;
}

START_TEST(test_basic_agree)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "basic agreement");

	for (int64_t index = 1; index <= 3; index++) {
		int nd = tester_n_committed(t, index, NULL);
		if (nd > 0)
			tester_fail(t, "%d peers committed index %" PRId64
				       " before any command was started",
				    nd, index);
		int64_t got = tester_one_int(t, index * 100, N, false);
		if (got != index)
			tester_fail(t, "the command went to index %" PRId64
				       ", expected %" PRId64,
				    got, index);
	}

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Each command should cross the network once per follower, not more. */
START_TEST(test_rpc_bytes)
{
	enum { N = 3, ITERS = 10, SIZE = 5000 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "RPC byte count");

	tester_one_int(t, 99, N, false);
	int64_t bytes0 = tester_bytes_total(t);
	int64_t sent = 0;
	static char cmd[SIZE];
	for (int64_t index = 2; index < ITERS + 2; index++) {
		for (int k = 0; k < SIZE; k++)
			cmd[k] = (char)('a' + lab_rand_int(26));
		int64_t got = tester_one(t, cmd, SIZE, N, false);
		if (got != index)
			tester_fail(t, "the command went to index %" PRId64
				       ", expected %" PRId64,
				    got, index);
		sent += SIZE;
	}
	int64_t bytes = tester_bytes_total(t) - bytes0;
	int64_t expected = N * sent;
	if (bytes > expected + 50000)
		tester_fail(t, "too many RPC bytes: %" PRId64 " for %d commands "
			       "of %d bytes; expected at most %" PRId64,
			    bytes, ITERS, SIZE, expected + 50000);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Followers fail one by one; without a majority nothing commits. */
START_TEST(test_follower_failure)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "progressive failure of followers");

	tester_one_int(t, 101, N, false);

	/* One follower gone: the other two still agree. */
	int leader1 = tester_check_one_leader(t);
	tester_disconnect(t, (leader1 + 1) % N);
	tester_one_int(t, 102, N - 1, false);
	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	tester_one_int(t, 103, N - 1, false);

	/* Both followers gone: the leader accepts, nobody commits. */
	int leader2 = tester_check_one_leader(t);
	tester_disconnect(t, (leader2 + 1) % N);
	tester_disconnect(t, (leader2 + 2) % N);
	int64_t index, term;
	if (!start_int(t, leader2, 104, &index, &term))
		tester_fail(t, "leader %d rejected raft_start", leader2);
	if (index != 4)
		tester_fail(t, "expected the command at index 4, got %" PRId64,
			    index);
	lab_sleep_ms(2 * TESTER_ELECTION_TIMEOUT_MS);
	check_not_committed(t, index);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Leaders fail one by one; the last alone commits nothing. */
START_TEST(test_leader_failure)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "failure of leaders");

	tester_one_int(t, 101, N, false);

	int leader1 = tester_check_one_leader(t);
	tester_disconnect(t, leader1);
	tester_one_int(t, 102, N - 1, false);
	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	tester_one_int(t, 103, N - 1, false);

	/* Every peer is alone now; whoever accepts cannot commit. */
	int leader2 = tester_check_one_leader(t);
	tester_disconnect(t, leader2);
	for (int i = 0; i < N; i++) {
		int64_t index, term;
		start_int(t, i, 104, &index, &term);
	}
	lab_sleep_ms(2 * TESTER_ELECTION_TIMEOUT_MS);
	check_not_committed(t, 4);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* A follower that missed entries catches up when it returns. */
START_TEST(test_fail_agree)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "agreement after follower reconnects");

	tester_one_int(t, 101, N, false);

	int leader = tester_check_one_leader(t);
	tester_disconnect(t, (leader + 1) % N);
	tester_one_int(t, 102, N - 1, false);
	tester_one_int(t, 103, N - 1, false);
	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	tester_one_int(t, 104, N - 1, false);
	tester_one_int(t, 105, N - 1, false);

	tester_connect(t, (leader + 1) % N);
	tester_one_int(t, 106, N, true);
	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	tester_one_int(t, 107, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* With three of five followers cut off, nothing commits; once they are
 * back, the cluster moves on. */
START_TEST(test_fail_no_agree)
{
	enum { N = 5 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "no agreement if too many followers disconnect");

	tester_one_int(t, 10, N, false);

	int leader = tester_check_one_leader(t);
	for (int k = 1; k <= 3; k++)
		tester_disconnect(t, (leader + k) % N);
	int64_t index, term;
	if (!start_int(t, leader, 20, &index, &term))
		tester_fail(t, "leader %d rejected raft_start", leader);
	if (index != 2)
		tester_fail(t, "expected the command at index 2, got %" PRId64,
			    index);
	lab_sleep_ms(2 * TESTER_ELECTION_TIMEOUT_MS);
	check_not_committed(t, index);

	for (int k = 1; k <= 3; k++)
		tester_connect(t, (leader + k) % N);
	/* The disconnected peers may have elected one of their own: the
	 * uncommitted entry at 2 may survive or be replaced. */
	int leader2 = tester_check_one_leader(t);
	int64_t index2, term2;
	if (!start_int(t, leader2, 30, &index2, &term2))
		tester_fail(t, "the new leader %d rejected raft_start",
			    leader2);
	if (index2 < 2 || index2 > 3)
		tester_fail(t, "expected the new leader's command at index 2 "
			       "or 3, got %" PRId64,
			    index2);
	tester_one_int(t, 1000, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Starts from five threads at once. */
struct starter {
	struct tester *t;
	int leader;
	int64_t term;
	int64_t value;
	int64_t index; /* -1 unless accepted in term */
};

static void starter_main(void *arg)
{
	struct starter *s = arg;
	int64_t index, term;
	s->index = -1;
	if (start_int(s->t, s->leader, s->value, &index, &term) &&
	    term == s->term)
		s->index = index;
}

START_TEST(test_concurrent_starts)
{
	enum { N = 3, ITERS = 5, TRIES = 5 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "concurrent starts");

	bool success = false;
	for (int try = 0; try < TRIES && !success; try++) {
		if (try > 0)
			lab_sleep_ms(3000); /* let the cluster settle */
		int leader = tester_check_one_leader(t);
		int64_t index0, term;
		if (!start_int(t, leader, 1, &index0, &term))
			continue;

		struct starter s[ITERS];
		struct lab_thread *th[ITERS];
		for (int k = 0; k < ITERS; k++) {
			s[k] = (struct starter){t, leader, term, 100 + k, -1};
			th[k] = lab_thread_create("test-starter", starter_main,
						  &s[k]);
		}
		for (int k = 0; k < ITERS; k++)
			lab_thread_join(th[k]);

		if (term_moved(t, term))
			continue; /* a new term: the test cannot judge */
		bool moved = false;

		bool seen[ITERS] = {false};
		for (int k = 0; k < ITERS && !moved; k++) {
			int64_t value;
			if (s[k].index < 0)
				continue;
			if (!tester_wait(t, s[k].index, N, term, &value)) {
				moved = true;
				break;
			}
			if (value >= 100 && value < 100 + ITERS)
				seen[value - 100] = true;
		}
		if (moved)
			continue;
		for (int k = 0; k < ITERS; k++)
			if (!seen[k])
				tester_fail(t, "command %d was started in term "
					       "%" PRId64 " and never committed",
					    100 + k, term);
		success = true;
	}
	if (!success)
		tester_fail(t, "the term changed too often: %d tries, each "
			       "disturbed by an election",
			    TRIES);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* A leader cut off with uncommitted entries must give way when it
 * returns, and its entries must be replaced. */
START_TEST(test_rejoin)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "rejoin of partitioned leader");

	tester_one_int(t, 101, N, true);

	/* The leader, alone, accepts entries that can never commit. */
	int leader1 = tester_check_one_leader(t);
	tester_disconnect(t, leader1);
	for (int64_t v = 102; v <= 104; v++) {
		int64_t index, term;
		start_int(t, leader1, v, &index, &term);
	}

	/* The other two elect a new leader and commit at index 2. */
	tester_one_int(t, 103, 2, true);

	/* The new leader goes; the old one returns. */
	int leader2 = tester_check_one_leader(t);
	tester_disconnect(t, leader2);
	tester_connect(t, leader1);
	tester_one_int(t, 104, 2, true);

	/* All together again. */
	tester_connect(t, leader2);
	tester_one_int(t, 105, N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Long divergent logs: a leader must back up over them quickly, a term
 * at a time, not an entry at a time. */
START_TEST(test_backup)
{
	enum { N = 5, BURST = 50 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "leader backs up quickly over incorrect "
			     "follower logs");

	tester_one_int(t, any(), N, true);

	/* The leader and one follower, cut off, take entries that will
	 * never commit. */
	int leader1 = tester_check_one_leader(t);
	for (int k = 2; k <= 4; k++)
		tester_disconnect(t, (leader1 + k) % N);
	for (int k = 0; k < BURST; k++) {
		int64_t index, term;
		start_int(t, leader1, any(), &index, &term);
	}
	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS / 2);
	tester_disconnect(t, leader1);
	tester_disconnect(t, (leader1 + 1) % N);

	/* The other three commit entries of their own. */
	for (int k = 2; k <= 4; k++)
		tester_connect(t, (leader1 + k) % N);
	for (int k = 0; k < BURST; k++)
		tester_one_int(t, any(), 3, true);

	/* Their leader and one more, with one cut off, take more entries
	 * that will never commit. */
	int leader2 = tester_check_one_leader(t);
	int other = (leader1 + 2) % N;
	if (leader2 == other)
		other = (leader2 + 1) % N;
	tester_disconnect(t, other);
	for (int k = 0; k < BURST; k++) {
		int64_t index, term;
		start_int(t, leader2, any(), &index, &term);
	}
	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS / 2);

	/* The first pair and the peer cut off from the second group must
	 * agree: their logs diverge by 50 entries. */
	for (int i = 0; i < N; i++)
		tester_disconnect(t, i);
	tester_connect(t, leader1);
	tester_connect(t, (leader1 + 1) % N);
	tester_connect(t, other);
	for (int k = 0; k < BURST; k++)
		tester_one_int(t, any(), 3, true);

	/* Everyone. */
	for (int i = 0; i < N; i++)
		tester_connect(t, i);
	tester_one_int(t, any(), N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Elections, agreement and idleness each within an RPC budget. */
START_TEST(test_count)
{
	enum { N = 3, ITERS = 10, TRIES = 5 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, LAB, "RPC counts aren't too high");

	int leader = tester_check_one_leader(t);
	int64_t total1 = rpcs(t);
	if (total1 > 30 || total1 < 1)
		tester_fail(t, "electing the first leader took %" PRId64
			       " RPCs; expected 1 to 30",
			    total1);

	int64_t total2 = 0;
	bool success = false;
	for (int try = 0; try < TRIES && !success; try++) {
		if (try > 0)
			lab_sleep_ms(3000); /* let the cluster settle */
		leader = tester_check_one_leader(t);
		total1 = rpcs(t);

		int64_t start, term;
		if (!start_int(t, leader, 1, &start, &term))
			continue;
		int64_t cmds[ITERS + 1];
		bool moved = false;
		for (int i = 1; i < ITERS + 2 && !moved; i++) {
			cmds[i - 1] = any();
			int64_t index, term1;
			if (!start_int(t, leader, cmds[i - 1], &index, &term1) ||
			    term1 != term) {
				moved = true;
				break;
			}
			if (index != start + i)
				tester_fail(t, "raft_start put command %d at "
					       "index %" PRId64 ", expected %" PRId64,
					    i, index, start + i);
		}
		for (int i = 1; i < ITERS + 1 && !moved; i++) {
			int64_t value;
			if (!tester_wait(t, start + i, N, term, &value)) {
				moved = true;
				break;
			}
			if (value != cmds[i - 1])
				tester_fail(t, "index %" PRId64 " committed %" PRId64
					       ", expected %" PRId64,
					    start + i, value, cmds[i - 1]);
		}
		if (moved)
			continue;

		total2 = rpcs(t);
		if (term_moved(t, term))
			continue;
		if (total2 - total1 > (ITERS + 1 + 3) * 3)
			tester_fail(t, "%" PRId64 " RPCs for %d commands; "
				       "expected at most %d",
				    total2 - total1, ITERS + 1,
				    (ITERS + 1 + 3) * 3);
		success = true;
	}
	if (!success)
		tester_fail(t, "the term changed too often: %d tries, each "
			       "disturbed by an election",
			    TRIES);

	lab_sleep_ms(TESTER_ELECTION_TIMEOUT_MS);
	int64_t total3 = rpcs(t);
	if (total3 - total2 > 3 * 20)
		tester_fail(t, "%" PRId64 " RPCs in one idle second; expected "
			       "at most %d",
			    total3 - total2, 3 * 20);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

Suite *replication_suite(void)
{
	Suite *s = suite_create(LAB);
	suite_add(s, test_basic_agree);
	suite_add(s, test_rpc_bytes);
	suite_add(s, test_follower_failure);
	suite_add(s, test_leader_failure);
	suite_add(s, test_fail_agree);
	suite_add(s, test_fail_no_agree);
	suite_add(s, test_concurrent_starts);
	suite_add(s, test_rejoin);
	suite_add(s, test_backup);
	suite_add(s, test_count);
	return s;
}
