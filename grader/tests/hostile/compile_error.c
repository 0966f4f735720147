/* HOSTILE: compile_error. raft_make uses a variable declared nowhere.
 *
 * Expected grade: not run, 0 points: "compile error:" followed by the
 * compiler's message ("'peers_count' undeclared"). */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	if (peers_count != npeers)
		return NULL;
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
