/*
 * Runs the lab suites named on the command line ("election", ...; "all"
 * or nothing for every lab) and ends with Check's summary line. Exits 0
 * only if every test passed.
 *
 *   raft_tests [lab...]          run them (CK_RUN_CASE picks one test)
 *   raft_tests --list [lab...]   print "<lab> <test>" for each test
 *
 * For the grader: with LAB_RESULT_FD set to a descriptor, the runner also
 * writes each test's result there once the tests are over, one line per
 * test: "<result>\t<test>\t<file>:<line>\t<message>", where result is
 * pass, failure or error. This process runs no Raft code of its own (Check
 * runs each test in a child process, which closes the descriptor before
 * its test starts), so the results say what the harness saw, whatever the
 * implementation printed or did.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

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

/* With --list, suite_add prints each test instead of adding it. */
static const char *listing;

/* For the grader: the descriptor to write the results to (LAB_RESULT_FD),
 * or -1. */
static int result_fd = -1;

/* A checked fixture, run in each test's own process before the test: no
 * code of the implementation, nor any process it starts, ever holds the
 * result descriptor. */
static void close_result_fd(void)
{
	if (result_fd >= 0)
		close(result_fd);
}

void suite_add(Suite *s, const TTest *t)
{
	if (listing) {
		printf("%s %s\n", listing, t->name);
		return;
	}
	TCase *tc = tcase_create(t->name);
	tcase_set_timeout(tc, SUITE_TEST_LIMIT);
	const char *fork = getenv("CK_FORK");
	if (result_fd >= 0 && !(fork && strcmp(fork, "no") == 0))
		tcase_add_checked_fixture(tc, close_result_fd, NULL);
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

static const char *result_name(int rtype)
{
	switch (rtype) {
	case CK_PASS:
		return "pass";
	case CK_FAILURE:
		return "failure";
	default:
		return "error";
	}
}

/* Writes every test's result to result_fd, for the grader. */
static void write_results(SRunner *sr)
{
	FILE *f = fdopen(result_fd, "w");
	if (f == NULL) {
		perror("LAB_RESULT_FD");
		exit(2);
	}
	TestResult **results = srunner_results(sr);
	for (int i = 0; i < srunner_ntests_run(sr); i++) {
		TestResult *tr = results[i];
		fprintf(f, "%s\t%s\t%s:%d\t", result_name(tr_rtype(tr)),
			tr_tcname(tr), tr_lfile(tr) ? tr_lfile(tr) : "?",
			tr_lno(tr));
		/* One line per test: no tabs or newlines inside. */
		for (const char *m = tr_msg(tr); m && *m; m++)
			fputc(*m == '\t' || *m == '\n' ? ' ' : *m, f);
		fputc('\n', f);
	}
	free(results);
	if (fclose(f) != 0) {
		perror("LAB_RESULT_FD");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	bool list = argc > 1 && strcmp(argv[1], "--list") == 0;
	if (list) {
		argc--;
		argv++;
	} else {
		/* Choose and print the seed once, before Check forks each
		 * test. */
		lab_seed();
		const char *fd = getenv("LAB_RESULT_FD");
		if (fd && *fd) {
			result_fd = atoi(fd);
			/* Not dumpable: /proc/<runner>/fd and ptrace are
			 * closed to the tests' processes, same user or not. */
			prctl(PR_SET_DUMPABLE, 0);
		}
	}
	SRunner *sr = NULL;
	bool all = argc < 2 || strcmp(argv[1], "all") == 0;
	for (size_t i = 0; i < (all ? NLABS : (size_t)argc - 1); i++) {
		const struct lab *lab = all ? &suites[i] : find(argv[i + 1]);
		listing = list ? lab->name : NULL;
		Suite *s = lab->suite();
		if (sr == NULL)
			sr = srunner_create(s);
		else
			srunner_add_suite(sr, s);
	}
	if (list) {
		srunner_free(sr);
		return EXIT_SUCCESS;
	}
	srunner_run_all(sr, CK_ENV);
	if (result_fd >= 0)
		write_results(sr);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
