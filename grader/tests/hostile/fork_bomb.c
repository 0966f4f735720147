/* HOSTILE: fork_bomb. raft_make forks in a loop that never ends, and every
 * child runs the same loop: the number of processes doubles until fork
 * fails, and then they all spin on fork.
 *
 * Expected grade:
 *   - graded as it is: not run, 0 points: "calls functions a Raft may not
 *     call: fork (in raft.c)";
 *   - graded with --allow fork: 0 points, the test killed at Check's
 *     timeout ("Test timeout expired") or at the grader's wall-clock limit;
 *     RLIMIT_NPROC caps the processes (root is exempt from it, so as root
 *     the grader runs each run as a user of its own), and nothing of the
 *     run is left running afterwards. */

#include <unistd.h>

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	for (;;)
		fork();
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
