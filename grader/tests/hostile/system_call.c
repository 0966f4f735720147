/* HOSTILE: system_call. raft_make runs a shell command that writes
 * /tmp/pwned.
 *
 * Expected grade: not run, 0 points: "calls functions a Raft may not call:
 * system (in raft.c)", and /tmp/pwned does not appear. */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	int rc = system("echo pwned > /tmp/pwned");
	(void)rc;
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
