/* HOSTILE: crash_startup. raft_make writes through a null pointer before
 * anything else, so the test process dies of SIGSEGV as the first peer is
 * made.
 *
 * Expected grade: 0, with Check's "Received signal 11 (Segmentation
 * fault)". */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	/* The volatiles keep the compiler from dropping the write or putting
	 * a trap in its place. */
	volatile int *volatile nowhere = NULL;
	*nowhere = npeers;
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
