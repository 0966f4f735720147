/*
 * Runs the lab suites named on the command line ("election", ...; "all"
 * or nothing for every lab) and ends with Check's summary line. Exits 0
 * only if every test passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "suites.h"

struct lab {
	const char *name;
	Suite *(*suite)(void);
};

static const struct lab suites[] = {
	{"election", election_suite},
	{"replication", replication_suite},
	{"persistence", persistence_suite},
	{"snapshots", snapshots_suite},
};

#define NLABS (sizeof suites / sizeof suites[0])

void suite_add(Suite *s, const TTest *t)
{
	TCase *tc = tcase_create(t->name);
	tcase_set_timeout(tc, SUITE_TEST_LIMIT);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

static const struct lab *find(const char *name)
{
	for (size_t i = 0; i < NLABS; i++)
		if (strcmp(suites[i].name, name) == 0)
			return &suites[i];
	fprintf(stderr, "unknown lab \"%s\"; the labs are:", name);
	for (size_t i = 0; i < NLABS; i++)
		fprintf(stderr, " %s", suites[i].name);
	fprintf(stderr, " (or all)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	/* Choose and print the seed once, before Check forks each test. */
	lab_seed();
	SRunner *sr = NULL;
	bool all = argc < 2 || strcmp(argv[1], "all") == 0;
	for (size_t i = 0; i < (all ? NLABS : (size_t)argc - 1); i++) {
		const struct lab *lab = all ? &suites[i] : find(argv[i + 1]);
		if (sr == NULL)
			sr = srunner_create(lab->suite());
		else
			srunner_add_suite(sr, lab->suite());
	}
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
