/* HOSTILE: forge_result. Fakes a pass without any forbidden symbol, by
 * calling glibc's other names for forbidden functions (__fork, __setpgid,
 * _IO_fopen). raft_make of peer 0 forks a process that leaves the test's
 * process group, writes the figures file that tester_end writes at a
 * test's end (its path is in the environment), and writes a "pass" line
 * for the test into the runner's result pipe: through its own descriptor
 * 3, and through /proc/<runner>/fd/3. Then the test aborts. The runner
 * writes its own verdict after the test, so a forged line would come
 * first.
 *
 * Expected grade: 0: either not run ("calls functions a Raft may not call:
 * __fork ..."), or run and failed with Check's "Received signal 6
 * (Aborted)"; and graded with those names allowed (--allow
 * __fork,__setpgid,_IO_fopen), still 0, "Received signal 6": each test's
 * process closes descriptor 3 before the test starts, and the runner is
 * not dumpable, so its /proc/<pid>/fd is closed to the test's processes.
 * Nothing of the run may be left running afterwards. */

#include <sys/types.h>
#include <unistd.h>

/* glibc's other names for fork, setpgid and fopen. */
extern pid_t __fork(void);
extern int __setpgid(pid_t pid, pid_t pgid);
extern FILE *_IO_fopen(const char *path, const char *mode);

/* Writes text into the file at path, if it can. */
static void put(const char *path, const char *text)
{
	FILE *f = path ? _IO_fopen(path, "w") : NULL;
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The escaped process: forges what a pass needs, then ends. */
static void forge(pid_t runner)
{
	/* Out of Check's process group, which Check kills when the test
	 * ends. */
	__setpgid(0, 0);
	put(getenv("LAB_FIGURES_FILE"),
	    "initial election\t3.0\t3\t42\t2842\t0\n");
	char verdict[256], pipe_path[64];
	snprintf(verdict, sizeof verdict, "pass\t%s\tforged:1\tPassed\n",
		 getenv("CK_RUN_CASE") ? getenv("CK_RUN_CASE") : "?");
	if (write(3, verdict, strlen(verdict)) > 0)
		printf("forge_result: wrote a pass through descriptor 3\n");
	snprintf(pipe_path, sizeof pipe_path, "/proc/%d/fd/3", (int)runner);
	FILE *f = _IO_fopen(pipe_path, "w");
	if (f) {
		fputs(verdict, f);
		fclose(f);
		printf("forge_result: wrote a pass through %s\n", pipe_path);
	}
	fflush(stdout);
	abort();
}

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	/* When the first peer is made: start the forger, give it time, and
	 * end the test. The test's process is Check's child, the runner's. */
	if (me == 0) {
		pid_t runner = getppid();
		if (__fork() == 0)
			forge(runner);
		lab_sleep_ms(300);
		abort();
	}
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
