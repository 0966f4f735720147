/*
 * Runs every framework suite and ends with Check's summary line. Exits 0
 * only if every test passed.
 */
#include <stdlib.h>

#include "selftest.h"

int main(void)
{
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
