/*
 * The framework's own unit tests: one Check suite per module, gathered by
 * main.c into one runner. Each test is a test case of its own, named after
 * it, so Check's environment variables pick one out:
 *
 *     CK_RUN_SUITE=labrpc ./build/lab/selftest
 *     CK_RUN_CASE=test_unknown_method ./build/lab/selftest
 *     CK_VERBOSITY=verbose ./build/lab/selftest
 */
#ifndef LAB_SELFTEST_H
#define LAB_SELFTEST_H

#include <check.h>

/* Adds test t to suite s as a test case of its own, with a time limit of
 * timeout seconds: a guard against hangs, not a speed requirement. */
void selftest_add(Suite *s, const TTest *t, double timeout);

Suite *runtime_suite(void);
Suite *chan_suite(void);
Suite *codec_suite(void);
Suite *persister_suite(void);
Suite *labrpc_suite(void);

#endif
