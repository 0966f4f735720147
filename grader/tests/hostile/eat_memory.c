/* HOSTILE: eat_memory. raft_make allocates 1 MiB blocks for ever, touches
 * every page of each and keeps them all, until the grader's memory limit
 * makes an allocation fail; lab_malloc then says "out of memory" and
 * aborts.
 *
 * Expected grade: 0, with Check's "Received signal 6 (Aborted)" (signal 9
 * or 11 are as good: the point is that the limit, not the machine, stops
 * it). */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	/* Each block is linked to the one before, so that none of it is
	 * dead. */
	static void *volatile hoard;
	for (;;) {
		enum { BLOCK = 1 << 20, PAGE = 4096 };
		char *block = lab_malloc(BLOCK);
		for (size_t i = 0; i < BLOCK; i += PAGE)
			block[i] = (char)(i / PAGE);
		*(void **)block = hoard;
		hoard = block;
	}
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
