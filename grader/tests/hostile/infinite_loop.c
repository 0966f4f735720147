/* HOSTILE: infinite_loop. raft_get_state spins for ever, burning a CPU.
 * The first call comes from the test's thread half a second in, so the
 * test never gets further.
 *
 * Expected grade: 0: Check's timeout (12 s at --time-scale 0.1) kills the
 * test, "Test timeout expired". The grader's own wall-clock limit (15 s at
 * 0.1) is the second line of defence, so either reason is correct. */

void raft_get_state(struct raft *rf, int64_t *term, bool *is_leader)
{
	for (volatile unsigned long spins = 0;; spins++)
		continue;
	skeleton_raft_get_state(rf, term, is_leader);
}
