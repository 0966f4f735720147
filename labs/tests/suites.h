/*
 * The lab suites, one per lab, run by main.c against whichever Raft
 * implementation was linked in. Each test is a Check test case of its own,
 * named after it, so CK_RUN_CASE=test_initial_election runs just that one.
 */
#ifndef LAB_SUITES_H
#define LAB_SUITES_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

struct tester;

/* Every test's time limit, in seconds: a guard against hangs, never a
 * speed requirement (the tests' own checks judge speed). */
#define SUITE_TEST_LIMIT 120

/* Adds test t to s as a test case of its own, with SUITE_TEST_LIMIT. */
void suite_add(Suite *s, const TTest *t);

Suite *election_suite(void);
Suite *replication_suite(void);
Suite *persistence_suite(void);
Suite *snapshots_suite(void);

/* Helpers the suites share (common.c). */

/* raft_start of the integer command v (tester_int_command) on peer i. */
bool start_int(struct tester *t, int i, int64_t v, int64_t *index,
	       int64_t *term);

/* A random command value, as the tests use many. */
int64_t any(void);

/* Crashes peer i and starts its next incarnation, connected. A macro, so
 * that a failure names the test's line. */
#define restart(t, i) (tester_restart(t, i), tester_connect(t, i))

#endif
