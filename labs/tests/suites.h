/*
 * The lab suites, one per lab, run by main.c against whichever Raft
 * implementation was linked in. Each test is a Check test case of its own,
 * named after it, so CK_RUN_CASE=test_initial_election runs just that one.
 */
#ifndef LAB_SUITES_H
#define LAB_SUITES_H

#include <check.h>

/* Every test's time limit, in seconds: a guard against hangs, never a
 * speed requirement (the tests' own checks judge speed). */
#define SUITE_TEST_LIMIT 120

/* Adds test t to s as a test case of its own, with SUITE_TEST_LIMIT. */
void suite_add(Suite *s, const TTest *t);

Suite *election_suite(void);
Suite *replication_suite(void);

#endif
