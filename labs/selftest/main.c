/*
 * Runs every framework suite and ends with Check's summary line. Exits 0
 * only if every test passed.
 */
#include <stdlib.h>

#include "runtime.h"
#include "selftest.h"

void selftest_add(Suite *s, const TTest *t, double timeout)
{
	TCase *tc = tcase_create(t->name);
	tcase_set_timeout(tc, timeout);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

int main(void)
{
	/* Start the runtime here, so that its seed is chosen and printed
	 * once, not again in each test's forked process. */
	lab_seed();
	SRunner *sr = srunner_create(runtime_suite());
	srunner_add_suite(sr, chan_suite());
	srunner_add_suite(sr, codec_suite());
	srunner_add_suite(sr, persister_suite());
	srunner_add_suite(sr, labrpc_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
