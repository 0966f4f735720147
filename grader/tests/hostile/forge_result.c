/* HOSTILE: forge_result. Fakes a pass without any forbidden symbol, by
 * calling glibc's other names for forbidden functions (__fork, __setpgid,
 * _IO_fopen). raft_make of peer 0 forks a process that leaves the test's
 * process group, then the test aborts at once. The escaped process writes
 * the figures file that tester_end writes at a test's end (its path is in
 * the environment, like the result file's), outlives the test and the
 * runner, and watches the run's folder with inotify: the moment the runner
 * closes its result file, it rewrites the verdict as "pass", before the
 * grader, which waits for the runner to exit, reads it.
 *
 * Expected grade: 0: either not run ("calls functions a Raft may not call:
 * __fork ..."), or run and failed with Check's "Received signal 6
 * (Aborted)"; and graded with those names allowed (--allow
 * __fork,__setpgid,_IO_fopen,inotify_init1,inotify_add_watch), still 0,
 * "Received signal 6": no process of the implementation may be able to
 * change the runner's verdict. Nothing of the run may be left running
 * afterwards (the forger gives up after 30 s). */

#include <poll.h>
#include <sys/inotify.h>
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

/* True if the file at path starts with "pass". */
static bool says_pass(const char *path)
{
	FILE *f = _IO_fopen(path, "r");
	if (f == NULL)
		return false;
	char line[256];
	bool pass = fgets(line, sizeof line, f) && strncmp(line, "pass\t", 5) == 0;
	fclose(f);
	return pass;
}

/* The escaped process: writes the figures that tester_end would have
 * written; watches the run's folder for the moment the runner closes its
 * result file, and at once replaces the verdict with "pass". Stops when
 * the grader has removed the file, or after 30 s. Never returns. */
static void forge_result_forever(void)
{
	const char *path = getenv("LAB_RESULT_FILE");
	const char *test = getenv("CK_RUN_CASE");
	/* Out of Check's process group, which Check kills when the test
	 * ends, and of the runner's, which the grader kills. */
	__setpgid(0, 0);
	put(getenv("LAB_FIGURES_FILE"),
	    "initial election\t3.0\t3\t42\t2842\t0\n");
	if (path == NULL || test == NULL || strrchr(path, '/') == NULL)
		abort();
	char dir[4096], verdict[256];
	snprintf(dir, sizeof dir, "%s", path);
	const char *base = path + (strrchr(path, '/') - path) + 1;
	*strrchr(dir, '/') = '\0';
	snprintf(verdict, sizeof verdict, "pass\t%s\tforged:1\tPassed\n", test);

	int watch = inotify_init1(0);
	if (watch < 0 ||
	    inotify_add_watch(watch, dir, IN_CLOSE_WRITE | IN_DELETE) < 0)
		abort();
	bool forged = false;
	for (int idle_ms = 0; idle_ms < 30000;) {
		struct pollfd pfd = {.fd = watch, .events = POLLIN};
		if (poll(&pfd, 1, 100) <= 0) {
			idle_ms += 100;
			continue;
		}
		char events[4096];
		ssize_t n = read(watch, events, sizeof events);
		for (ssize_t at = 0; n > 0 && at < n;) {
			const struct inotify_event *e =
				(const struct inotify_event *)(events + at);
			at += (ssize_t)(sizeof *e + e->len);
			if (e->len == 0 || strcmp(e->name, base) != 0)
				continue;
			if (e->mask & IN_DELETE) {
				if (forged)
					abort(); /* the grader has read it */
			} else if (!says_pass(path)) {
				put(path, verdict);
				forged = true;
			}
		}
	}
	abort();
}

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	/* When the first peer is made: start the forger, give it time to
	 * leave the process group, and end the test. */
	if (me == 0) {
		if (__fork() == 0)
			forge_result_forever();
		lab_sleep_ms(300);
		abort();
	}
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
