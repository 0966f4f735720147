/* HOSTILE: exit_in_make. raft_make calls exit(0): the test process ends
 * "successfully" before the test has checked anything.
 *
 * Expected grade:
 *   - graded as it is: not run, 0 points: "calls functions a Raft may not
 *     call: exit (in raft.c)";
 *   - graded with --allow exit: 0 points, because the test's process ended
 *     before the test did. Check by itself counts a test process that exits
 *     with status 0 as a pass; the grader must not (it looks for the figures
 *     that only tester_end, at the test's very end, writes): "the test
 *     process ended before the test did ..." (or Check's "Early exit"). */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	exit(0);
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
