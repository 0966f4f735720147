/* HOSTILE: kill_hangs. raft_kill never returns (it sleeps in a loop).
 * To reach raft_kill in test_initial_election, which calls it only from
 * tester_destroy at the very end, raft_get_state lies: every peer says
 * term 1 and peer 0 says it leads, with no election and no RPC. That
 * passes every check of that test up to tester_destroy, about 3 s in;
 * raft_kill of peer 0 then hangs, and the tester's watchdog (10 s, not
 * scaled) fails the test at about 13 s.
 *
 * Expected grade: 0, with the tester's "raft_kill(peer 0) did not return
 * within 10 s; the peer's threads still running: ...". run.sh grades this
 * case at --time-scale 0.2, where Check's own timeout is 24 s: at 0.1 it
 * would be 12 s, shorter than the 3 s + 10 s the watchdog needs, and the
 * reason would be Check's bare "Test timeout expired". */

void raft_get_state(struct raft *rf, int64_t *term, bool *is_leader)
{
	lab_mutex_lock(&rf->mu);
	*term = 1;
	*is_leader = rf->me == 0;
	lab_mutex_unlock(&rf->mu);
}

void raft_kill(struct raft *rf)
{
	for (;;)
		lab_sleep_ms(1000);
	skeleton_raft_kill(rf);
}
