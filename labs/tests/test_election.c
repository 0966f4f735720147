/*
 * Lab 1, election: a leader is elected, stays leader while nothing fails,
 * and a new one is elected within 5 s of a failure. The network is
 * reliable; faults are disconnections only.
 */
#include <inttypes.h>

#include "runtime.h"
#include "suites.h"
#include "tester.h"

/* Three peers and no faults: one leader, and it stays. */
START_TEST(test_initial_election)
{
	struct tester *t = tester_create(3, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, "election", "initial election");

	tester_check_one_leader(t);

	/* Give followers a moment to hear the leader's term. */
	lab_sleep_ms(50);
	int64_t term1 = tester_check_terms(t);
	if (term1 < 1)
		tester_fail(t, "the term is %" PRId64 " after an election; "
			       "it should be at least 1",
			    term1);

	/* With no failures, the leader keeps its place. */
	lab_sleep_ms(2 * TESTER_ELECTION_TIMEOUT_MS);
	int64_t term2 = tester_check_terms(t);
	if (term1 != term2)
		tester_warn(t, "the term changed from %" PRId64 " to %" PRId64
			       " although nothing failed",
			    term1, term2);

	tester_check_one_leader(t);
	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Three peers: the leader is cut off, a new one takes over; with two of
 * three cut off nobody may lead; healing restores a leader. */
START_TEST(test_reelection)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, "election", "election after network failure");

	int leader1 = tester_check_one_leader(t);

	/* If the leader disconnects, a new one should be elected. */
	tester_disconnect(t, leader1);
	tester_check_one_leader(t);

	/* If the old leader rejoins, that shouldn't disturb the new one. */
	tester_connect(t, leader1);
	int leader2 = tester_check_one_leader(t);

	/* With no quorum, no new leader should be elected. */
	tester_disconnect(t, leader2);
	tester_disconnect(t, (leader2 + 1) % N);
	lab_sleep_ms(2 * TESTER_ELECTION_TIMEOUT_MS);
	tester_check_no_leader(t);

	/* With a quorum back, a leader is elected. */
	tester_connect(t, (leader2 + 1) % N);
	tester_check_one_leader(t);

	/* The last peer rejoining must not stop there being a leader. */
	tester_connect(t, leader2);
	tester_check_one_leader(t);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* Seven peers: nine times, up to three random peers are cut off; the rest
 * must always elect a leader. */
START_TEST(test_many_elections)
{
	enum { N = 7, ROUNDS = 9 };
	struct tester *t = tester_create(N, TESTER_RELIABLE, TESTER_PLAIN);
	tester_begin(t, "election", "multiple elections");

	tester_check_one_leader(t);
	for (int round = 0; round < ROUNDS; round++) {
		/* Picks may repeat, so sometimes fewer than three go. */
		int cut[3];
		for (int k = 0; k < 3; k++) {
			cut[k] = (int)lab_rand_int(N);
			tester_disconnect(t, cut[k]);
		}
		/* Four or more remain: a majority of seven. */
		tester_check_one_leader(t);
		for (int k = 0; k < 3; k++)
			tester_connect(t, cut[k]);
	}
	tester_check_one_leader(t);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

Suite *election_suite(void)
{
	Suite *s = suite_create("election");
	suite_add(s, test_initial_election);
	suite_add(s, test_reelection);
	suite_add(s, test_many_elections);
	return s;
}
