/*
 * Lab 4, snapshots: the service hands Raft a snapshot of its state every
 * TESTER_SNAPSHOT_EVERY entries, and Raft discards the log up to it, keeps
 * the snapshot in the persister beside its state, and sends it whole with
 * InstallSnapshot to a follower that needs entries the leader no longer
 * has. Every test runs the tester in its snapshot mode: it snapshots from
 * the thread that reads the apply channel, requires each peer to apply
 * exactly the next index, and checks that a delivered snapshot holds what
 * its index says.
 */
#include <inttypes.h>

#include "runtime.h"
#include "suites.h"
#include "tester.h"

#define LAB "snapshots"

/* How a snapshot test takes its victim out of the cluster, if at all. */
enum fault {
	NO_FAULT,
	DISCONNECT,
	CRASH,
};

/*
 * The scenario the first five tests share. In each of 30 iterations a
 * victim (a follower; every third iteration, the leader) may leave the
 * cluster while one command commits without it. Then between 5 and 14
 * commands go to the sender, the leader unless the leader is the victim,
 * without waiting for them, so that some snapshots are taken; one more
 * command commits. The victim comes back, by then behind the others'
 * snapshots as often as not: catching up usually takes an InstallSnapshot.
 */
static void snapshot_common(const char *description, enum tester_net net,
			    enum fault fault)
{
	enum { N = 3, ITERATIONS = 30 };
	struct tester *t = tester_create(N, net, TESTER_SNAPSHOTS);
	tester_begin(t, LAB, description);

	tester_one_int(t, any(), N, true);
	int leader = tester_check_one_leader(t);
	for (int iter = 0; iter < ITERATIONS; iter++) {
		int victim = (leader + 1) % N;
		int sender = leader;
		if (iter % 3 == 1) {
			sender = (leader + 1) % N;
			victim = leader;
		}

		if (fault == DISCONNECT)
			tester_disconnect(t, victim);
		else if (fault == CRASH)
			tester_crash(t, victim);
		if (fault != NO_FAULT)
			tester_one_int(t, any(), N - 1, true);

		/* Perhaps enough for a snapshot. */
		int n = TESTER_SNAPSHOT_EVERY / 2 +
			lab_rand_int(TESTER_SNAPSHOT_EVERY);
		for (int k = 0; k < n; k++) {
			int64_t index, term;
			start_int(t, sender, any(), &index, &term);
		}
		/* Without a fault, all three catch up here, so that the
		 * basic test needs no InstallSnapshot. */
		tester_one_int(t, any(), fault == NO_FAULT ? N : N - 1, true);

		size_t size = tester_log_size(t);
		if (size >= TESTER_MAX_LOG_SIZE)
			tester_fail(t,
				    "a peer's persisted Raft state is %zu "
				    "bytes; it must stay under %d: the log "
				    "is not trimmed at the snapshots",
				    size, TESTER_MAX_LOG_SIZE);

		if (fault == NO_FAULT)
			continue;
		if (fault == DISCONNECT)
			tester_connect(t, victim);
		else
			restart(t, victim);
		tester_one_int(t, any(), N, true);
		leader = tester_check_one_leader(t);
	}

	tester_end(t);
	tester_destroy(t);
}

START_TEST(test_snapshot_basic)
{
	snapshot_common("snapshots basic", TESTER_RELIABLE, NO_FAULT);
}
END_TEST

START_TEST(test_snapshot_install)
{
	snapshot_common("install snapshots (disconnect)", TESTER_RELIABLE,
			DISCONNECT);
}
END_TEST

START_TEST(test_snapshot_install_unreliable)
{
	snapshot_common("install snapshots (disconnect, unreliable)",
			TESTER_UNRELIABLE, DISCONNECT);
}
END_TEST

START_TEST(test_snapshot_install_crash)
{
	snapshot_common("install snapshots (crash)", TESTER_RELIABLE, CRASH);
}
END_TEST

START_TEST(test_snapshot_install_unreliable_crash)
{
	snapshot_common("install snapshots (unreliable, crash)",
			TESTER_UNRELIABLE, CRASH);
}
END_TEST

/* Crashes every peer, then restarts them all. */
static void restart_all(struct tester *t)
{
	for (int i = 0; i < tester_npeers(t); i++)
		tester_crash(t, i);
	for (int i = 0; i < tester_npeers(t); i++)
		restart(t, i);
}

START_TEST(test_snapshot_all_crash)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_UNRELIABLE,
					 TESTER_SNAPSHOTS);
	tester_begin(t, LAB, "crash and restart all servers");

	tester_one_int(t, any(), N, true);
	for (int round = 0; round < 5; round++) {
		/* Perhaps enough for a snapshot. */
		int n = TESTER_SNAPSHOT_EVERY / 2 +
			lab_rand_int(TESTER_SNAPSHOT_EVERY);
		for (int k = 0; k < n; k++)
			tester_one_int(t, any(), N, true);
		int64_t index1 = tester_one_int(t, any(), N, true);

		restart_all(t);

		int64_t index2 = tester_one_int(t, any(), N, true);
		if (index2 <= index1)
			tester_fail(t,
				    "after a restart of every peer, a new "
				    "command went to index %" PRId64
				    ", not after the last one before it "
				    "(%" PRId64 "): entries were lost",
				    index2, index1);
	}

	tester_end(t);
	tester_destroy(t);
}
END_TEST

/* A peer that restarted from a snapshot must save that snapshot again
 * with its next state, or a second crash loses it. */
START_TEST(test_snapshot_init)
{
	enum { N = 3 };
	struct tester *t = tester_create(N, TESTER_UNRELIABLE,
					 TESTER_SNAPSHOTS);
	tester_begin(t, LAB, "snapshot initialization after crash");

	tester_one_int(t, any(), N, true);
	/* Enough for a snapshot. */
	for (int k = 0; k < TESTER_SNAPSHOT_EVERY + 1; k++)
		tester_one_int(t, any(), N, true);

	restart_all(t);
	/* Something to save, with the snapshot restored. */
	tester_one_int(t, any(), N, true);

	restart_all(t);
	tester_one_int(t, any(), N, true);

	tester_end(t);
	tester_destroy(t);
}
END_TEST

Suite *snapshots_suite(void)
{
	Suite *s = suite_create(LAB);
	suite_add(s, test_snapshot_basic);
	suite_add(s, test_snapshot_install);
	suite_add(s, test_snapshot_install_unreliable);
	suite_add(s, test_snapshot_install_crash);
	suite_add(s, test_snapshot_install_unreliable_crash);
	suite_add(s, test_snapshot_all_crash);
	suite_add(s, test_snapshot_init);
	return s;
}
