/*
 * The framework's own unit tests: one Check suite per module, gathered by
 * main.c into one runner. Run a single suite or test with Check's
 * CK_RUN_SUITE and CK_RUN_CASE, or CK_VERBOSITY=verbose to see each test.
 */
#ifndef LAB_SELFTEST_H
#define LAB_SELFTEST_H

#include <check.h>

Suite *runtime_suite(void);
Suite *chan_suite(void);
Suite *codec_suite(void);
Suite *persister_suite(void);
Suite *labrpc_suite(void);

#endif
