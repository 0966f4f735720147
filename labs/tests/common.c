/*
 * Helpers the lab suites share; see suites.h.
 */
#include "runtime.h"
#include "suites.h"
#include "tester.h"

bool start_int(struct tester *t, int i, int64_t v, int64_t *index,
	       int64_t *term)
{
	uint8_t cmd[8];
	tester_int_command(v, cmd);
	return tester_start(t, i, cmd, sizeof cmd, index, term);
}

int64_t any(void)
{
	return lab_rand_int(INT64_C(1) << 31);
}
