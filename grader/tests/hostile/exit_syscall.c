/* HOSTILE: exit_syscall. raft_make ends the test's process with status 0
 * at once, through the exit_group system call made with inline assembly:
 * what exit_in_make does with exit(0), but with no symbol for the grader's
 * check to refuse. (On a machine that is neither x86-64 nor AArch64 it
 * just aborts.)
 *
 * Expected grade: 0: refused for its system-call instruction, or run and
 * failed, because a test whose process ends before the test does has not
 * passed ("the test process ended before the test did ...", or Check's
 * "Early exit"). */

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
#if defined(__x86_64__)
	__asm__ volatile("syscall" : : "a"(231L), "D"(0L) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = 94;
	register long x0 __asm__("x0") = 0;
	__asm__ volatile("svc #0" : : "r"(x8), "r"(x0) : "memory");
#endif
	abort();
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
