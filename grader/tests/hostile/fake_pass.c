/* HOSTILE: fake_pass. raft_make prints what a passing test prints (the
 * tester's "... Passed" line with figures, Check's "100%: Checks: 1,
 * Failures: 0, Errors: 0") and exits with status 0, hoping the grader
 * believes the output.
 *
 * Expected grade:
 *   - graded as it is: not run, 0 points: "calls functions a Raft may not
 *     call: exit (in raft.c)";
 *   - graded with --allow exit: 0 points, "the test process ended before
 *     the test did ..." (or Check's "Early exit"): the grader trusts only
 *     the runner's result, never the output, and a pass needs the test's
 *     end. */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	printf("  ... Passed --   3.0  3   42    2842    0\n");
	printf("100%%: Checks: 1, Failures: 0, Errors: 0\n");
	fflush(stdout);
	exit(0);
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
