/* HOSTILE: replace_prctl. Defines prctl, a C library function, so that
 * the program's own definition takes the place of the library's, in the
 * runner too, which otherwise runs none of the student's functions. The
 * runner calls prctl to make itself not dumpable, which keeps the test's
 * processes out of its /proc/<pid>/fd (and so away from its result pipe);
 * this prctl does nothing.
 *
 * Expected grade:
 *   - graded as it is: not run, 0 points: "defines names the C library or
 *     Check already has: prctl (in raft.c)";
 *   - graded with --allow prctl: 0, with the skeleton's own failure
 *     ("expected one leader, got none"): it forges nothing itself. */

int prctl(int option, ...);

int prctl(int option, ...)
{
	(void)option;
	return 0;
}
