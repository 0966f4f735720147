/* HOSTILE: flood_stdout. raft_make prints lines to stdout for ever.
 *
 * Expected grade: 0: the grader stops the run at its output limit ("output
 * limit: the test printed more than 16 MB"), and the log it keeps is cut
 * there. */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	for (unsigned long line = 0;; line++)
		printf("flood %lu: all work and no play makes Raft a dull boy\n",
		       line);
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
