/* HOSTILE: stop_runner. raft_make of peer 0 stops its parent, the runner
 * (Check's parent process, which would kill the test at its timeout), with
 * sigqueue(SIGSTOP): a signal sent by a name the grader's symbol check does
 * not know. Then the test sleeps for ever. With the runner stopped, only
 * the grader's wall-clock limit ends the run. Killing the runner's process
 * group is not enough: Check runs each test in a process group of its own.
 *
 * Expected grade: 0: not run ("calls functions a Raft may not call:
 * sigqueue"), or "wall-clock limit: the test ran longer than the grader
 * allows"; graded with --allow sigqueue, the wall-clock limit. Either way
 * nothing of the run is left running afterwards. */

#include <signal.h>
#include <unistd.h>

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	if (me == 0) {
		union sigval nothing = {0};
		sigqueue(getppid(), SIGSTOP, nothing);
		for (;;)
			lab_sleep_ms(1000);
	}
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
