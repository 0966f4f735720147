/*
 * The grader: builds a Raft implementation against the kit's labs/, checks
 * which outside functions it calls, runs each selected test many times in
 * processes of their own under limits, and reports the results beside the
 * reference's. `make grade` runs it; docs/grading.md explains it.
 *
 * Trust. A run passes only if the kit's test runner, a process that runs
 * no Raft code itself, wrote "pass" for the test on a pipe that only the
 * grader and the runner hold (labs/tests/main.c), after the test's
 * process ended. Whatever the implementation prints is kept as the run's
 * log and nothing more. Every run is a session of its own, under limits
 * on CPU, memory, processes, file size, output and wall-clock time (and,
 * as root, a user of its own); at a limit, or when the run ends,
 * everything in it is killed, and the grader, their subreaper, waits
 * until it is gone.
 *
 * This is a tool, not lab code: it calls fork, exec and the clock
 * directly, and labs/scripts/rawcalls.sh does not look at it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

/* ---- limits -------------------------------------------------------------- */

/* Per run. The test's own guard is 120 s (SUITE_TEST_LIMIT); the wall
 * limit leaves the runner time to report it. */
#define WALL_LIMIT_S 150
#define CPU_LIMIT_S 240
#define MEMORY_LIMIT_MB 8192 /* address space: thread stacks count; at most
				a share of the machine's memory, see
				memory_limit_mb */
#define PROCESS_LIMIT 4096   /* processes and threads, per user */
#define FILE_LIMIT_MB 64
#define OUTPUT_LIMIT_MB 16 /* stdout + stderr */
#define OPEN_FILES_LIMIT 1024
/* Runs at once, at most. */
#define MAX_JOBS 64
/* When the grader runs as root, each run has a user of its own, from
 * this id up, so that the process limit is its own and everything it
 * started can be found and killed when it ends; and the build has another
 * (see run_uid). No such user needs to exist. */
#define RUN_UID_BASE 200000
/* How long a build may take. */
#define BUILD_LIMIT_S 300

#define STR_(x) #x
#define STR(x) STR_(x)

#define MAX_TESTS 64
#define MAX_RUNS 1000
#define MAX_FORBIDDEN 64
#define LINE 1024

/* ---- small helpers ------------------------------------------------------- */

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void remove_work(void);

static void die(const char *fmt, ...)
{
	remove_work();
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "grade: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s;
	if (vasprintf(&s, f, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		die("cannot create %s: %s", p, strerror(errno));
	free(p);
}

/* The whole of a small file, or NULL. */
static char *slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = xcalloc(max + 1, 1);
	size_t n = fread(buf, 1, max, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ---- options ------------------------------------------------------------- */

struct options {
	const char *impl;	   /* the submission's folder */
	const char *lab;	   /* election ... snapshots, or all */
	const char *only;	   /* one test, or NULL */
	int runs, jobs;
	const char *out;	   /* report folder */
	const char *reference;	   /* folder of the reference, or NULL */
	int ref_runs;
	const char *baseline;	   /* figures file, when no reference */
	const char *manifest;
	const char *allow;	   /* comma-separated symbols */
	double time_scale;	   /* multiplies the time limits */
	const char *write_baseline; /* write the reference's medians here */
	const char *batch;	   /* a folder of submissions */
};

/* Closes every descriptor from lowest up: a child keeps nothing of the
 * grader's open (its reports, such as a batch's gradebook.csv, other runs'
 * pipes and logs). */
static void close_from(int lowest)
{
	if (close_range((unsigned)lowest, ~0U, 0) == 0)
		return;
	for (int fd = lowest; fd < 65536; fd++)
		close(fd);
}

/* Becomes uid (and its group), with no other groups; false if it
 * cannot. */
static bool become(uid_t uid)
{
	return setgroups(0, NULL) == 0 && setgid((gid_t)uid) == 0 &&
	       setuid(uid) == 0;
}

/* ---- children ------------------------------------------------------------ */

/* The grader sleeps in poll on the read end of this pipe (and on the
 * runs' output); the handler of every signal it catches writes a byte to
 * the other end. A child's end (SIGCHLD) or an interruption (SIGINT,
 * SIGTERM, SIGHUP) wakes it at once, with no polling interval and no race
 * between a check and the sleep. */
static int wake_pipe[2] = {-1, -1};

/* Set by SIGINT, SIGTERM or SIGHUP: stop every run, clean up, leave. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	int saved = errno;
	if (sig != SIGCHLD)
		interrupted = sig;
	if (write(wake_pipe[1], "", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	errno = saved;
}

/* Leaves after SIGINT, SIGTERM or SIGHUP, once the caller has killed what
 * it was waiting for. */
static void leave_interrupted(void)
{
	fprintf(stderr, "\ngrade: interrupted; everything it started is "
			"stopped\n");
	interrupted = 0; /* remove_work's rm runs to its end */
	remove_work();
	exit(130);
}

/* Sets up the wake pipe and the handlers, and makes the grader the
 * subreaper of everything it starts: a process whose parent dies (a
 * run's process that forked and left its parent) becomes the grader's
 * child, not init's, so that the grader reaps it. Otherwise it would stay
 * a zombie until init got round to it, still counted against the process
 * limit of the run's user, which the next run of that slot reuses. */
static void catch_signals(void)
{
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		fprintf(stderr, "grade: pipe: %s\n", strerror(errno));
		exit(2);
	}
	struct sigaction sa = {.sa_handler = on_signal,
			       .sa_flags = SA_RESTART | SA_NOCLDSTOP};
	sigemptyset(&sa.sa_mask);
	int caught[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		sigaction(caught[i], &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* Waits until a signal comes, one of fds (nfds of them) is readable, or
 * timeout_s seconds have passed. fds may hold up to MAX_JOBS
 * descriptors. */
static void await(const int *fds, int nfds, double timeout_s)
{
	struct pollfd pfd[MAX_JOBS + 1];
	pfd[0] = (struct pollfd){.fd = wake_pipe[0], .events = POLLIN};
	if (nfds > MAX_JOBS)
		nfds = MAX_JOBS;
	for (int i = 0; i < nfds; i++)
		pfd[1 + i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	int ms = timeout_s <= 0	   ? 0
		 : timeout_s > 3600 ? 3600000
				    : (int)(timeout_s * 1000) + 1;
	poll(pfd, (nfds_t)(1 + nfds), ms);
	char buf[64];
	while (read(wake_pipe[0], buf, sizeof buf) > 0)
		continue;
}

/* The runs under way, for reap: their runners' exit statuses are kept in
 * them. */
static struct run **live;
static int nlive;

static void record_exit(pid_t pid, int status);

/* Reaps every child that has ended: a run's runner (its status goes to
 * its run), the child want (its status into *status; true if it was
 * reaped), or an orphan of a run (nothing to keep). */
static bool reap(pid_t want, int *status)
{
	bool found = false;
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (want > 0 && pid == want) {
			*status = st;
			found = true;
		} else {
			record_exit(pid, st);
		}
	}
	return found;
}

/* ---- building ------------------------------------------------------------ */

/* The address space each run may have, in MB: MEMORY_LIMIT_MB, or less
 * when the runs at once could otherwise take more than three quarters of
 * the machine's memory (or of the container's, under a cgroup limit)
 * between them. Set once, by main. */
static long memory_limit_mb = MEMORY_LIMIT_MB;

/* The limits of a run, in the process about to exec it: cpu_s seconds of
 * CPU, and the rest as the table at the top says. Builds get them too:
 * a compiler told to #include /dev/zero would take all the memory it
 * could. */
static void set_limits(rlim_t cpu_s)
{
	struct {
		int resource;
		rlim_t value;
	} limits[] = {
		{RLIMIT_CPU, cpu_s},
		{RLIMIT_AS, (rlim_t)memory_limit_mb << 20},
		{RLIMIT_NPROC, PROCESS_LIMIT},
		{RLIMIT_FSIZE, (rlim_t)FILE_LIMIT_MB << 20},
		{RLIMIT_NOFILE, OPEN_FILES_LIMIT},
		{RLIMIT_CORE, 0},
	};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		struct rlimit rl = {limits[i].value, limits[i].value};
		setrlimit(limits[i].resource, &rl);
	}
}

/* Runs argv with output to log_path and no input, under the limits of a
 * run, as user uid unless it is 0 (when the grader is root), waits at
 * most limit_s; returns the exit status, or -1 if killed at the limit. */
static int run_logged_as(char *const argv[], const char *log_path,
			 int limit_s, uid_t uid)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 0);
			close(fd);
		}
		close_from(3);
		set_limits(limit_s);
		if (uid != 0 && geteuid() == 0 && !become(uid))
			_exit(126);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	setpgid(pid, pid);
	double deadline = now_s() + limit_s;
	int status;
	while (!reap(pid, &status)) {
		if (interrupted || now_s() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (interrupted)
				leave_interrupted();
			return -1;
		}
		await(NULL, 0, deadline - now_s());
	}
	kill(-pid, SIGKILL); /* what it left behind */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int run_logged(char *const argv[], const char *log_path, int limit_s)
{
	return run_logged_as(argv, log_path, limit_s, 0);
}

/* Replaces every from in text (freed) with to; returns the new text. */
static char *replace_all(char *text, const char *from, const char *to)
{
	size_t skip = 0;
	for (char *at; (at = strstr(text + skip, from)) != NULL;) {
		char *t = fmt("%.*s%s%s", (int)(at - text), text, to,
			      at + strlen(from));
		skip = (size_t)(at - text) + strlen(to);
		free(text);
		text = t;
	}
	return text;
}

/* Builds impl's raft_tests into build_dir with the kit's Makefile. Returns
 * the binary's path, or NULL with what went wrong in *errors: "compile
 * error:" and the compiler's messages, or why the copy failed.
 *
 * A submission (uid not 0) is built from a copy in build_dir.src: a plain
 * path, whatever the submission's folder is called (spaces, quotes), and
 * messages that name its files as the student does ("raft.c:12: error").
 * When the grader is root, the copy belongs to uid and the build runs as
 * uid: the compiler reads only what the tests could (an #include or
 * .incbin of a file only root may read must fail). The kit's own objects
 * are built first, by the skeleton's build (uid 0, from skeleton/). */
static char *build(const char *impl, const char *build_dir, uid_t uid,
		   char **errors)
{
	mkdirs(build_dir);
	char *bin = fmt("%s/raft_tests", build_dir);
	char *log = fmt("%s/build.log", build_dir);
	char *src = NULL;
	*errors = NULL;
	if (uid != 0) {
		src = fmt("%s.src", build_dir);
		/* -H: a submission handed in as a symbolic link is copied,
		 * not the link. */
		char *cp[] = {"cp", "-RH", "--", (char *)impl, src, NULL};
		char *owner = fmt("%u:%u", (unsigned)uid, (unsigned)uid);
		char *chown_argv[] = {"chown", "-R", owner, src,
				      (char *)build_dir, NULL};
		if (run_logged(cp, log, 60) != 0 ||
		    (geteuid() == 0 && run_logged(chown_argv, log, 60) != 0)) {
			char *text = slurp(log, 4096);
			*errors = fmt("cannot copy %s to build it:\n%s", impl,
				      text ? text : "");
			free(text);
		}
		free(owner);
	}
	int rc = 0;
	if (*errors == NULL) {
		char *impl_arg = fmt("IMPL=%s", src ? src : impl);
		char *ib_arg = fmt("IMPL_BUILD=%s", build_dir);
		char *argv[] = {"make", "--no-print-directory", "-s", "SAN=",
				impl_arg, ib_arg, bin, NULL};
		rc = run_logged_as(argv, log, BUILD_LIMIT_S, uid);
		free(impl_arg);
		free(ib_arg);
		if (rc == -1) {
			*errors = fmt("compile error:\nthe build took longer "
				      "than %d s",
				      BUILD_LIMIT_S);
		} else if (rc != 0 || !exists(bin)) {
			char *text = slurp(log, 16384);
			if (text == NULL)
				text = xstrdup("(no output)");
			if (src) {
				char *in_src = fmt("%s/", src);
				text = replace_all(text, in_src, "");
				text = replace_all(text, src, impl);
				free(in_src);
			}
			*errors = fmt("compile error:\n%s", text);
			free(text);
		}
	}
	if (*errors) {
		free(bin);
		bin = NULL;
	}
	free(log);
	free(src);
	return bin;
}

/* ---- the symbol check ---------------------------------------------------- */

/* What a Raft implementation has no business calling: it could reach
 * outside its process, leave its process, interfere with the grader or the
 * harness, or bypass the lab runtime. Prefixes end with '*'. */
static const char *const forbidden[] = {
	/* processes */
	"fork", "vfork", "clone", "clone3", "execv", "execve", "execvp",
	"execvpe", "execl", "execle", "execlp", "fexecve", "posix_spawn",
	"posix_spawnp", "system", "popen", "daemon", "setsid", "setpgid",
	"setpgrp", "ptrace", "wait", "waitpid", "wait3", "wait4", "waitid",
	"kill", "killpg", "tgkill", "prctl", "setrlimit", "prlimit",
	"prlimit64", "setuid", "setgid", "seteuid", "setegid", "chroot",
	"syscall",
	/* files */
	"open", "open64", "openat", "openat64", "creat", "creat64", "fopen",
	"fopen64", "freopen", "freopen64", "fdopen", "opendir", "unlink",
	"unlinkat", "remove", "rename", "renameat", "renameat2", "mkdir",
	"mkdirat", "rmdir", "chdir", "fchdir", "truncate", "ftruncate",
	"link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "chown",
	"fchown", "dup", "dup2", "dup3", "pwrite", "pwrite64", "writev",
	"pwritev", "mmap", "mmap64", "mprotect", "tmpfile", "mkstemp",
	/* sockets */
	"socket", "socketpair", "connect", "bind", "listen", "accept",
	"accept4", "send", "sendto", "sendmsg", "recv", "recvfrom", "recvmsg",
	"getaddrinfo", "gethostbyname",
	/* signals */
	"signal", "sigaction", "sigprocmask", "raise", "alarm", "setitimer",
	"timer_create", "sigsetjmp", "siglongjmp", "__sigsetjmp",
	/* leaving early */
	"exit", "_exit", "_Exit", "quick_exit", "atexit", "at_quick_exit",
	"on_exit", "longjmp", "_longjmp", "setjmp", "_setjmp",
	/* loading code */
	"dlopen", "dlmopen", "dlsym", "dlvsym",
	/* the lab runtime's job: threads, time, sleep, randomness */
	"pthread_*", "thrd_*", "mtx_*", "cnd_*", "tss_*", "call_once",
	"clock_gettime", "clock_nanosleep", "gettimeofday", "time", "clock",
	"nanosleep", "usleep", "sleep", "sched_yield", "rand", "rand_r",
	"srand", "random", "srandom", "drand48", "lrand48", "mrand48",
	"srand48", "getrandom", "getentropy",
	"pause", "timespec_get", "ftime", "random_r", "srandom_r",
	"initstate", "setstate", "initstate_r", "setstate_r", "erand48",
	"nrand48", "jrand48", "seed48", "lcong48", "drand48_r", "erand48_r",
	"lrand48_r", "nrand48_r", "mrand48_r", "jrand48_r", "srand48_r",
	"seed48_r", "lcong48_r", "arc4random*",
	/* the same under glibc's other names, and more ways to reach
	 * outside: signals to other processes, process handles, file
	 * watching, files made other ways */
	"__fork", "__libc_fork", "_Fork", "__vfork", "__clone", "__clone3",
	"execveat", "__libc_system", "_IO_popen", "__setpgid", "__wait",
	"__waitpid", "setrlimit64", "__open", "__open64", "__open_2",
	"__open64_2", "__openat_2", "__openat64_2", "_IO_fopen",
	"_IO_fdopen", "truncate64", "ftruncate64", "__dup2",
	"__libc_pwrite", "__pwrite64", "pwritev64", "pwritev2",
	"pwritev64v2", "__mmap", "__mprotect", "tmpfile64", "mkstemp64",
	"mkostemp*", "mkstemps*", "mkostemps*", "mkdtemp", "mkfifo",
	"mkfifoat", "mknod", "mknodat", "__socket", "__connect", "__send",
	"__recv", "bsd_signal", "ssignal", "sysv_signal", "sigset",
	"__sigaction", "gsignal", "sigqueue", "pidfd_*", "inotify_*",
	"fanotify_*", "process_vm_*", "__clock_gettime", "__gettimeofday",
	"__nanosleep", "__sched_yield", "_mark_point",
	/* the harness's own entry points */
	"_ck_*", "srunner_*", "tester_*", "suite_*", "tcase_*",
};

#define NFORBIDDEN (sizeof forbidden / sizeof forbidden[0])

static bool matches(const char *pattern, const char *sym)
{
	size_t n = strlen(pattern);
	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, sym, n - 1) == 0;
	return strcmp(pattern, sym) == 0;
}

static bool allowed_by(const char *allow, const char *sym)
{
	if (allow == NULL)
		return false;
	char *copy = xstrdup(allow);
	bool yes = false;
	for (char *tok = strtok(copy, ", "); tok && !yes;
	     tok = strtok(NULL, ", "))
		yes = matches(tok, sym);
	free(copy);
	return yes;
}

enum finding_kind {
	CALLS,	  /* an undefined symbol from the forbidden table */
	DEFINES,  /* a global that replaces the C library's or Check's */
	RUNS_AWAY, /* a constructor or destructor */
	SYSCALLS   /* system-call instructions of its own (inline asm) */
};

struct finding {
	enum finding_kind kind;
	char symbol[128];
	char file[160];
};

/* Lists the undefined symbols of every object in build_dir that is
 * forbidden and not allowed. Returns how many, filling found[]. */
static int check_symbols(const char *build_dir, const char *allow,
			 struct finding *found, int max)
{
	char *cmd = fmt("cd '%s' && for o in *.o; do nm -u \"$o\" | "
			"sed \"s|^|$o |\"; done 2>&1",
			build_dir);
	FILE *p = popen(cmd, "r");
	free(cmd);
	if (p == NULL)
		die("cannot run nm: %s", strerror(errno));
	int n = 0;
	char line[LINE];
	while (fgets(line, sizeof line, p)) {
		char obj[256], kind[8], sym[128];
		if (sscanf(line, "%255s %7s %127s", obj, kind, sym) != 3 ||
		    strcmp(kind, "U") != 0)
			continue;
		/* Versioned names: strip "@GLIBC_...". */
		char *at = strchr(sym, '@');
		if (at)
			*at = '\0';
		for (size_t i = 0; i < NFORBIDDEN; i++) {
			if (!matches(forbidden[i], sym) ||
			    allowed_by(allow, sym))
				continue;
			if (n < max) {
				found[n].kind = CALLS;
				snprintf(found[n].symbol,
					 sizeof found[n].symbol, "%s", sym);
				/* x.o was built from x.c */
				size_t len = strlen(obj);
				if (len > 2 && strcmp(obj + len - 2, ".o") == 0)
					obj[len - 2] = '\0';
				snprintf(found[n].file, sizeof found[n].file,
					 "%s.c", obj);
			}
			n++;
			break;
		}
	}
	pclose(p);
	return n < max ? n : max;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the third field of each line of cmd's output (nm's symbol name,
 * without its version) into a sorted array. */
static char **symbol_list(const char *cmd, int *n)
{
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		die("cannot run nm: %s", strerror(errno));
	int cap = 1024;
	char **v = xcalloc((size_t)cap, sizeof *v);
	*n = 0;
	char line[LINE];
	while (fgets(line, sizeof line, p)) {
		char a[64], b[8], sym[256];
		if (sscanf(line, "%63s %7s %255s", a, b, sym) != 3)
			continue;
		sym[strcspn(sym, "@")] = '\0';
		if (*n == cap) {
			cap *= 2;
			v = realloc(v, (size_t)cap * sizeof *v);
			if (v == NULL)
				die("out of memory");
		}
		v[(*n)++] = xstrdup(sym);
	}
	pclose(p);
	qsort(v, (size_t)*n, sizeof *v, cmp_str);
	return v;
}

/* Adds to found[] what else lets code run outside the tests' control: a
 * global the submission defines with the name of one a library of the
 * tests defines, and constructors or destructors (they run before main or
 * after the tests). A library's function defined again replaces it, in
 * the runner too: a shared library's (the C library above all) always,
 * a static one's (Check) when the linker needs nothing else from the
 * archive member that holds it, and a link error otherwise. The shared
 * libraries are those of kit_bin, a test program of the kit's own, which
 * a submission links with the same ones (ldd is never run on its
 * program); the static ones are Check's, those the kit links with. Returns
 * the new count. */
static int check_definitions(const char *build_dir, const char *kit_bin,
			     const char *allow, struct finding *found, int n,
			     int max)
{
	char *cmd = fmt("{ for l in $(ldd '%s' | awk '/=> \\// "
			"{print $3}'); do nm -D --defined-only \"$l\"; done; "
			"for l in $(pkg-config --libs-only-l check); do "
			"l=${l#-l}; case $(cc -print-file-name=lib$l.so) in "
			"/*) continue;; esac; a=$(cc -print-file-name=lib$l.a); "
			"case $a in /*) nm -g --defined-only \"$a\";; esac; "
			"done; } 2>/dev/null",
			kit_bin);
	int nlib;
	char **lib = symbol_list(cmd, &nlib);
	free(cmd);

	cmd = fmt("cd '%s' && for o in *.o; do nm -g --defined-only \"$o\" | "
		  "sed \"s|^|$o |\"; objdump -h \"$o\" | awk -v o=\"$o\" "
		  "'$2 ~ /^\\.(init_array|fini_array|ctors|dtors|"
		  "preinit_array)/ {print o, \"S\", \"(constructor)\"}'; "
		  "objdump -d \"$o\" | grep -Eq '[[:space:]](syscall|sysenter|"
		  "int[[:space:]]+[$]0x80|svc[[:space:]])' && "
		  "echo \"$o S (syscall)\"; "
		  "done 2>&1",
		  build_dir);
	FILE *p = popen(cmd, "r");
	free(cmd);
	char line[LINE];
	while (p && fgets(line, sizeof line, p)) {
		char obj[256], sym[128], f2[64], f3[64];
		int k = sscanf(line, "%255s %63s %63s %127s", obj, f2, f3, sym);
		if (k == 3) /* a constructor line: obj S (constructor) */
			snprintf(sym, sizeof sym, "%s", f3);
		else if (k != 4)
			continue;
		bool ctor = strcmp(sym, "(constructor)") == 0;
		bool sys = strcmp(sym, "(syscall)") == 0;
		char *key = sym;
		if (!ctor && !sys &&
		    (bsearch(&key, lib, (size_t)nlib, sizeof *lib, cmp_str) ==
			     NULL ||
		     allowed_by(allow, sym)))
			continue;
		if (ctor && allowed_by(allow, "constructor"))
			continue;
		if (sys && allowed_by(allow, "syscall"))
			continue;
		if (n < max) {
			found[n].kind = ctor ? RUNS_AWAY
				      : sys ? SYSCALLS
					    : DEFINES;
			snprintf(found[n].symbol, sizeof found[n].symbol, "%s",
				 sym);
			size_t len = strlen(obj);
			if (len > 2 && strcmp(obj + len - 2, ".o") == 0)
				obj[len - 2] = '\0';
			snprintf(found[n].file, sizeof found[n].file, "%s.c",
				 obj);
			n++;
		}
	}
	if (p)
		pclose(p);
	for (int i = 0; i < nlib; i++)
		free(lib[i]);
	free(lib);
	return n;
}

/* ---- the tests ----------------------------------------------------------- */

struct figures {
	double seconds, rpcs, bytes;
	bool set;
};

struct run {
	int test;
	int index;
	uid_t uid; /* the run's own user, when the grader is root */
	uint64_t seed;
	pid_t pid;
	int out_fd;
	int res_fd;	/* the runner's result: read end of a pipe */
	char *res;	/* what came through it */
	double start, first_line; /* first_line: 0 until seen */
	size_t output;		  /* bytes read */
	FILE *log;
	char *dir;
	bool exited;	/* the runner has ended, with status */
	int status;
	bool done, passed;
	char *reason;
	struct figures fig;
	double seconds;
};

struct test {
	char lab[32];
	char name[64];
	char description[160];
	double points;
	bool proportional;
	int passed, failed;
	struct figures median;
	struct figures reference;
	char *first_failure;
};

struct grading {
	const struct options *o;
	const char *label;
	const char *bin;
	const char *work; /* scratch folder for the runs */
	struct test tests[MAX_TESTS];
	int ntests;
	struct run *runs;
	int nruns;
	double overhead_sum; /* process start to first line, over runs */
	int overhead_n;
};

static const char *work_dir; /* removed on the way out */

static void remove_work(void)
{
	const char *w = work_dir;
	work_dir = NULL; /* once, even if rm fails and dies */
	if (w == NULL)
		return;
	char *rm[] = {"rm", "-rf", (char *)w, NULL};
	run_logged(rm, "/dev/null", 60);
}

static uint64_t next_seed(void)
{
	static uint64_t state;
	if (state == 0)
		state = (uint64_t)time(NULL) * 6364136223846793005u ^
			(uint64_t)getpid();
	state = state * 6364136223846793005u + 1442695040888963407u;
	return (state >> 24) % 1000000000000u;
}

/* Sets memory_limit_mb for jobs runs at once, and says so if it is lower
 * than MEMORY_LIMIT_MB. */
static void share_memory(int jobs)
{
	double total = (double)sysconf(_SC_PHYS_PAGES) *
		       (double)sysconf(_SC_PAGESIZE);
	char *cgroup = slurp("/sys/fs/cgroup/memory.max", 64);
	if (cgroup && isdigit((unsigned char)cgroup[0]) &&
	    strtod(cgroup, NULL) < total)
		total = strtod(cgroup, NULL);
	free(cgroup);
	long share = (long)(total * 0.75 / jobs / (1 << 20));
	if (total > 0 && share < 256)
		die("%d runs at once on %.1f GiB leave %ld MB of memory to "
		    "each, too little for a test: lower JOBS",
		    jobs, total / (1 << 30), share);
	if (total > 0 && share < memory_limit_mb) {
		memory_limit_mb = share;
		fprintf(stderr,
			"grade: each run may use %ld MB of memory, not %d: "
			"%d at once on %.1f GiB%s\n",
			share, MEMORY_LIMIT_MB, jobs, total / (1 << 30),
			share < 2048 ? "; a Raft with many threads may need "
				       "more: lower JOBS"
				     : "");
	}
}

/* The child side of a run: limits, a session, and the runner. */
static void exec_run(const struct grading *g, const struct run *r,
		     int out_fd, int res_fd, const char *figures)
{
	/* A session of its own, not just a process group: Check gives each
	 * test a process group of its own, inside the session, and
	 * kill_run finds them all. Leaving it takes setsid, which the
	 * symbol check forbids. */
	setsid();
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	int in = open("/dev/null", O_RDONLY);
	if (in >= 0)
		dup2(in, 0);
	/* The runner reports on descriptor 3. Each test's process closes it
	 * before the test starts (labs/tests/main.c), so no code of the
	 * implementation ever holds it. */
	if (res_fd == 3)
		fcntl(3, F_SETFD, 0);
	else
		dup2(res_fd, 3);
	close_from(4);

	double scale = g->o->time_scale;
	set_limits((rlim_t)(CPU_LIMIT_S * scale) + 1);
	if (chdir(r->dir) != 0)
		_exit(126);
	/* Root is exempt from the process limit: run as the run's user. */
	if (geteuid() == 0 && !become(r->uid))
		_exit(126);

	char *seed = fmt("LAB_SEED=%" PRIu64, r->seed);
	char *tcase = fmt("CK_RUN_CASE=%s", g->tests[r->test].name);
	char *mult = fmt("CK_TIMEOUT_MULTIPLIER=%g", scale);
	char *res = xstrdup("LAB_RESULT_FD=3");
	char *fig = fmt("LAB_FIGURES_FILE=%s", figures);
	char *path = fmt("PATH=%s", getenv("PATH") ? getenv("PATH") : "");
	char *envp[] = {seed, tcase, mult, res, fig, path, "CK_FORK=yes",
			NULL};
	char *argv[] = {(char *)g->bin, (char *)g->tests[r->test].lab, NULL};
	execve(g->bin, argv, envp);
	_exit(127);
}

/* The user of the run in slot (0 to MAX_JOBS - 1), when root; slot
 * MAX_JOBS is the build's. Each grader has ids of its own. */
static uid_t run_uid(int slot)
{
	return (uid_t)(RUN_UID_BASE + (getpid() % 4096) * (MAX_JOBS + 1) +
		       slot);
}

/* Kills every process of uid, wherever it went. One kill(-1) as uid
 * reaches them all at once: none can fork its way out between two
 * kills. */
static void kill_user(uid_t uid)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid((gid_t)uid) == 0 && setuid(uid) == 0)
			kill(-1, SIGKILL); /* all of uid's, but this one */
		_exit(0);
	}
	int status;
	if (pid > 0)
		while (!reap(pid, &status))
			await(NULL, 0, 1);
}

/* Kills everything run r started, and waits until it is all gone: its
 * session (the runner, the tests' process groups, whatever they started)
 * and, as root, every process of its user. Killed processes become the
 * grader's zombies (it is their subreaper) and are reaped here, the
 * runner's status kept in r. Gives up after 10 s, with a warning: a
 * process stuck in the kernel can outlast SIGKILL for a while. */
static void kill_run(struct run *r)
{
	bool root = geteuid() == 0;
	if (!r->exited) /* else its pid may be another's by now */
		kill(-r->pid, SIGKILL);
	if (root)
		kill_user(r->uid);
	for (double until = now_s() + 10; now_s() < until;) {
		reap(0, NULL);
		int left = 0;
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			pid_t pid = (pid_t)atoi(e->d_name);
			if (pid <= 0)
				continue;
			/* The owner of /proc/PID is the process's user; that
			 * of the files in it is root when the process is not
			 * dumpable (the runner makes itself so). */
			char path[64], buf[512];
			snprintf(path, sizeof path, "/proc/%d", (int)pid);
			int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dir < 0)
				continue;
			struct stat st;
			bool mine = root && fstat(dir, &st) == 0 &&
				    st.st_uid == r->uid;
			int fd = openat(dir, "stat", O_RDONLY | O_CLOEXEC);
			close(dir);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			char *paren = strrchr(buf, ')'), state;
			int ppid, pgrp, session;
			if (paren == NULL ||
			    sscanf(paren + 1, " %c %d %d %d", &state, &ppid,
				   &pgrp, &session) != 4)
				continue;
			if (!mine && session != r->pid)
				continue;
			kill(pid, SIGKILL); /* a zombie leader's threads too */
			left++;
		}
		if (d)
			closedir(d);
		if (left == 0 && r->exited)
			return;
		await(NULL, 0, 0.01);
	}
	fprintf(stderr, "\ngrade: processes of a run of %s are still there "
			"10 s after it was killed\n", r->dir);
}

static void start_run(struct grading *g, struct run *r, int slot)
{
	r->dir = fmt("%s/%s.%d", g->work, g->tests[r->test].name, r->index);
	mkdirs(r->dir);
	char *log = fmt("%s/output.log", r->dir);
	r->log = fopen(log, "w");
	free(log);
	if (r->log == NULL)
		die("cannot write in %s", r->dir);
	/* The run's folder belongs to whoever runs the test (see
	 * exec_run). */
	r->uid = run_uid(slot);
	if (geteuid() == 0 && chown(r->dir, r->uid, (gid_t)r->uid) != 0)
		die("cannot give %s to the run's user: %s", r->dir,
		    strerror(errno));
	char *fig = fmt("%s/figures", r->dir);

	int fds[2], res[2];
	if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	r->start = now_s();
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		exec_run(g, r, fds[1], res[1], fig);
	close(fds[1]);
	close(res[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(res[0], F_SETFL, O_NONBLOCK);
	r->pid = pid;
	r->out_fd = fds[0];
	r->res_fd = res[0];
	free(fig);
}

/* Reads the runner's result, once it has ended: only it held the pipe's
 * other end. */
static void read_result(struct run *r)
{
	size_t len = 0, cap = 8192;
	char *buf = xcalloc(cap + 1, 1);
	ssize_t n;
	while (len < cap &&
	       (n = read(r->res_fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(r->res_fd);
	r->res_fd = -1;
	r->res = buf;
}

/* Reads what the run printed. Returns false at end of output. */
static bool drain(struct grading *g, struct run *r)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(r->out_fd, buf, sizeof buf);
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (r->first_line == 0 && memchr(buf, '\n', (size_t)n)) {
			r->first_line = now_s();
			g->overhead_sum += r->first_line - r->start;
			g->overhead_n++;
		}
		size_t limit = (size_t)OUTPUT_LIMIT_MB << 20;
		size_t room = r->output < limit ? limit - r->output : 0;
		size_t keep = (size_t)n < room ? (size_t)n : room;
		fwrite(buf, 1, keep, r->log);
		r->output += (size_t)n;
		if (r->output > ((size_t)OUTPUT_LIMIT_MB << 20))
			return true; /* the caller sees the limit */
	}
}

/* Judges a finished run from what the runner wrote on its result pipe,
 * never from its output. */
static void judge(struct grading *g, struct run *r, int status,
		  const char *limit)
{
	struct test *t = &g->tests[r->test];
	r->seconds = now_s() - r->start;
	char *fig_path = fmt("%s/figures", r->dir);
	char *res = limit || r->res == NULL ? NULL : xstrdup(r->res);

	if (limit) {
		r->reason = xstrdup(limit);
	} else if (res == NULL || res[0] == '\0') {
		if (WIFSIGNALED(status))
			r->reason = fmt("the test process died of signal %d "
					"(%s) before the harness reported",
					WTERMSIG(status),
					strsignal(WTERMSIG(status)));
		else
			r->reason = fmt("the test process exited with status "
					"%d before the harness reported",
					WEXITSTATUS(status));
	} else {
		/* "<result>\t<test>\t<file:line>\t<message>" */
		char *f[4] = {res, NULL, NULL, NULL};
		for (int i = 1; i < 4 && f[i - 1]; i++) {
			char *tab = strchr(f[i - 1], '\t');
			if (tab) {
				*tab = '\0';
				f[i] = tab + 1;
			}
		}
		char *nl = f[3] ? strchr(f[3], '\n') : NULL;
		if (nl)
			*nl = '\0';
		if (f[1] == NULL || strcmp(f[1], t->name) != 0)
			r->reason = xstrdup("the harness reported no result "
					    "for this test");
		else if (strcmp(f[0], "pass") == 0)
			r->passed = true;
		else
			r->reason = fmt("%s: %s", f[2] ? f[2] : "?",
					f[3] ? f[3] : "");
	}
	if (r->passed) {
		/* Check counts a test process that exits with status 0 as a
		 * pass, even halfway through the test. Only tester_end, at
		 * the test's very end, writes the figures: without them,
		 * the test did not finish. */
		char *fig = slurp(fig_path, 4096);
		char desc[160];
		double secs, rpcs, bytes;
		int peers;
		if (fig && sscanf(fig, "%159[^\t]\t%lf\t%d\t%lf\t%lf", desc,
				  &secs, &peers, &rpcs, &bytes) == 5) {
			r->fig = (struct figures){secs, rpcs, bytes, true};
			if (!t->description[0])
				snprintf(t->description,
					 sizeof t->description, "%s", desc);
		} else {
			r->passed = false;
			r->reason = xstrdup("the test process ended before "
					    "the test did (an exit() in the "
					    "implementation?): the harness "
					    "never reached the test's end");
		}
		free(fig);
	}
	free(res);
	unlink(fig_path);
	free(fig_path);
}

static void print_progress(struct grading *g, int done, int passed,
			   double t0, bool final)
{
	double elapsed = now_s() - t0;
	double left = done ? elapsed / done * (g->nruns - done) : 0;
	bool tty = isatty(2);
	fprintf(stderr,
		"%s%s: %d/%d runs, %d passed, %d failed, %d:%02d elapsed, "
		"about %d:%02d left%s",
		tty ? "\r" : "", g->label, done, g->nruns, passed,
		done - passed, (int)elapsed / 60, (int)elapsed % 60,
		(int)left / 60, (int)left % 60, tty && !final ? "   " : "\n");
	fflush(stderr);
}

static void record_exit(pid_t pid, int status)
{
	for (int i = 0; i < nlive; i++) {
		struct run *r = live[i];
		if (r && r->pid == pid && !r->exited) {
			r->exited = true;
			r->status = status;
		}
	}
}

/* Ends run r (in a slot, ended or at a limit): kills what is left of it,
 * keeps the rest of its output, and judges it. */
static void finish_run(struct grading *g, struct run *r, const char *limit)
{
	kill_run(r);
	if (!r->exited && limit == NULL)
		limit = "the run's processes would not die when killed";
	read_result(r);
	if (r->out_fd >= 0) {
		drain(g, r);
		close(r->out_fd);
		r->out_fd = -1;
	}
	fclose(r->log);
	r->log = NULL;
	judge(g, r, r->status, limit);
	r->done = true;
}

/* Runs every run of g, jobs at a time. */
static void run_all(struct grading *g, int jobs)
{
	double t0 = now_s(), last_print = 0;
	bool tty = isatty(2);
	double wall = WALL_LIMIT_S * g->o->time_scale;
	int next = 0, done = 0, passed = 0;
	struct run **slot = xcalloc((size_t)jobs, sizeof *slot);
	live = slot;
	nlive = jobs;
	while (done < g->nruns) {
		for (int s = 0; s < jobs && next < g->nruns; s++) {
			if (slot[s])
				continue;
			slot[s] = &g->runs[next++];
			start_run(g, slot[s], s);
		}
		/* Sleep until a run prints or ends, the next wall-clock
		 * limit, or (on a terminal) the next progress update. */
		int fds[MAX_JOBS], nfds = 0;
		double sleep_s = tty ? 1 : wall;
		for (int s = 0; s < jobs; s++) {
			if (slot[s] == NULL)
				continue;
			if (slot[s]->out_fd >= 0)
				fds[nfds++] = slot[s]->out_fd;
			/* (exited: reaped while another run was killed) */
			double left = slot[s]->exited
					      ? 0
					      : slot[s]->start + wall - now_s();
			if (left < sleep_s)
				sleep_s = left;
		}
		await(fds, nfds, sleep_s);
		reap(0, NULL);

		if (interrupted) {
			for (int s = 0; s < jobs; s++)
				if (slot[s])
					kill_run(slot[s]);
			leave_interrupted();
		}
		bool ended = false;
		for (int s = 0; s < jobs; s++) {
			struct run *r = slot[s];
			if (r == NULL)
				continue;
			const char *limit = NULL;
			if (r->out_fd >= 0 && !drain(g, r)) {
				close(r->out_fd);
				r->out_fd = -1;
			}
			if (r->output > ((size_t)OUTPUT_LIMIT_MB << 20))
				limit = "output limit: the test printed more "
					"than " STR(OUTPUT_LIMIT_MB) " MB";
			else if (now_s() - r->start > wall)
				limit = "wall-clock limit: the test ran "
					"longer than the grader allows";
			if (!r->exited && limit == NULL)
				continue;
			finish_run(g, r, limit);
			slot[s] = NULL;
			done++;
			passed += r->passed;
			ended = true;
		}
		/* A line per batch of ended runs; on a terminal, one line
		 * rewritten at least every second. */
		if (ended || (tty && now_s() - last_print >= 1)) {
			print_progress(g, done, passed, t0, done == g->nruns);
			last_print = now_s();
		}
	}
	live = NULL;
	nlive = 0;
	free(slot);
}

/* ---- what to run --------------------------------------------------------- */

/* The test program of the skeleton, which lists the tests: a submission's
 * own is not run before its symbols are checked. */
static const char *lister;

/* Fills g->tests with the tests of lab (or all labs). Returns false, with
 * a message, if it cannot. */
static bool list_tests(struct grading *g, const char *lab, const char *only,
		       char **error)
{
	char *path = fmt("%s/tests.list", g->work);
	char *argv[] = {(char *)lister, "--list", (char *)lab, NULL};
	int rc = run_logged(argv, path, 30);
	char *text = slurp(path, 65536);
	free(path);
	*error = NULL;
	if (rc != 0 || text == NULL) {
		*error = fmt("listing the tests failed (status %d): %.500s", rc,
			     text ? text : "");
		free(text);
		return false;
	}
	g->ntests = 0;
	for (char *line = strtok(text, "\n"); line && g->ntests < MAX_TESTS;
	     line = strtok(NULL, "\n")) {
		struct test *t = &g->tests[g->ntests];
		memset(t, 0, sizeof *t);
		if (sscanf(line, "%31s %63s", t->lab, t->name) != 2)
			continue;
		if (only && strcmp(only, t->name) != 0)
			continue;
		t->points = 1;
		g->ntests++;
	}
	free(text);
	if (g->ntests == 0) {
		*error = only ? fmt("no test called %s in lab %s", only, lab)
			      : fmt("lab %s has no tests", lab);
		return false;
	}
	return true;
}

/* Every test of every lab, to check the manifest against. */
static struct test all_tests[MAX_TESTS];
static int nall_tests;

/* Points from the manifest: "<lab> <test> <points> [proportional]". */
static void read_manifest(struct grading *g, const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	if (f == NULL)
		return;
	char line[LINE];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char lab[32], name[64], mode[32] = "";
		double points;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		int n = sscanf(line, "%31s %63s %lf %31s", lab, name, &points,
			       mode);
		if (n <= 0)
			continue;
		if (n < 3 || points < 0 ||
		    (n == 4 && strcmp(mode, "proportional") != 0))
			die("%s:%d: expected \"<lab> <test> <points> "
			    "[proportional]\"",
			    path, lineno);
		bool known_test = false;
		for (int i = 0; i < nall_tests && !known_test; i++)
			known_test = strcmp(all_tests[i].name, name) == 0 &&
				     strcmp(all_tests[i].lab, lab) == 0;
		if (!known_test)
			die("%s:%d: lab %s has no test called %s (make "
			    "grade lists the tests it runs)",
			    path, lineno, lab, name);
		for (int i = 0; i < g->ntests; i++) {
			if (strcmp(g->tests[i].name, name) == 0) {
				g->tests[i].points = points;
				g->tests[i].proportional = n == 4;
			}
		}
	}
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Tallies the runs into each test: passes, failures, median figures of
 * the passing runs, and the first failure. */
static void tally(struct grading *g)
{
	double *s = xcalloc((size_t)g->nruns, sizeof *s);
	double *r = xcalloc((size_t)g->nruns, sizeof *r);
	double *b = xcalloc((size_t)g->nruns, sizeof *b);
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		int n = 0;
		for (int k = 0; k < g->nruns; k++) {
			struct run *run = &g->runs[k];
			if (run->test != i)
				continue;
			if (run->passed) {
				t->passed++;
				if (run->fig.set) {
					s[n] = run->fig.seconds;
					r[n] = run->fig.rpcs;
					b[n] = run->fig.bytes;
					n++;
				}
			} else {
				t->failed++;
				if (t->first_failure == NULL)
					t->first_failure = run->reason;
			}
		}
		if (n > 0)
			t->median = (struct figures){median(s, n), median(r, n),
						     median(b, n), true};
	}
	free(s);
	free(r);
	free(b);
}

static double earned(const struct test *t)
{
	int runs = t->passed + t->failed;
	if (runs == 0)
		return 0;
	if (t->proportional)
		return t->points * t->passed / runs;
	return t->failed == 0 ? t->points : 0;
}

/* Builds and runs impl's tests, runs times each; the result is in g. On a
 * build or listing failure, returns it as text (the tests are still
 * listed when possible, so that reports name them). */
static char *grade_impl(struct grading *g, const char *impl, int runs,
			int jobs, struct finding *found, int *nfound)
{
	const struct options *o = g->o;
	/* Numbered, not named after the submission: its name may hold
	 * anything. */
	static int builds;
	char *build_dir = fmt("%s/build-%d", g->work, ++builds);
	char *errors = NULL;
	*nfound = 0;
	char *error = NULL;
	if (!list_tests(g, o->lab, o->only, &error))
		die("%s", error);
	read_manifest(g, o->manifest);
	fprintf(stderr, "%s: building %s\n", g->label, impl);
	char *bin = build(impl, build_dir, run_uid(MAX_JOBS), &errors);
	if (bin == NULL) {
		free(build_dir);
		return errors;
	}
	g->bin = bin;
	*nfound = check_symbols(build_dir, o->allow, found, MAX_FORBIDDEN);
	*nfound = check_definitions(build_dir, lister, o->allow, found, *nfound,
				    MAX_FORBIDDEN);
	free(build_dir);
	if (*nfound > 0) {
		static const char *const heads[] = {
			[CALLS] = "calls functions a Raft may not call:",
			[DEFINES] = "defines names the C library or Check "
				    "already has:",
			[RUNS_AWAY] = "has a constructor or destructor, code "
				      "that runs outside the tests, in",
			[SYSCALLS] = "makes system calls itself, with no "
				     "function the check can see, in",
		};
		char *msg = xstrdup("");
		for (int kind = CALLS; kind <= SYSCALLS; kind++) {
			int shown = 0;
			for (int i = 0; i < *nfound; i++) {
				if (found[i].kind != (enum finding_kind)kind)
					continue;
				char *item =
					kind == RUNS_AWAY || kind == SYSCALLS
						? xstrdup(found[i].file)
						: fmt("%s (in %s)",
						      found[i].symbol,
						      found[i].file);
				char *m = fmt("%s%s%s %s", msg,
					      shown == 0 && msg[0] ? "; " : "",
					      shown == 0 ? heads[kind] : ",",
					      item);
				free(item);
				free(msg);
				msg = m;
				shown++;
			}
		}
		char *m = fmt("%s. The tests were not run; an instructor can "
			      "allow a name with ALLOW=name (ALLOW=constructor "
			      "for constructors)",
			      msg);
		free(msg);
		return m;
	}

	g->nruns = g->ntests * runs;
	g->runs = xcalloc((size_t)g->nruns, sizeof *g->runs);
	for (int i = 0; i < g->nruns; i++) {
		g->runs[i].test = i / runs;
		g->runs[i].index = i % runs + 1;
		g->runs[i].seed = next_seed();
		g->runs[i].out_fd = -1;
		g->runs[i].res_fd = -1;
	}
	run_all(g, jobs);
	tally(g);
	return NULL;
}

/* ---- reports ------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void xml_str(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if (c >= 0x20 || c == '\n' || c == '\t')
				fputc(c, f);
		}
	}
}

static FILE *create(const char *dir, const char *name)
{
	char *path = fmt("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	free(path);
	return f;
}

static void json_figures(FILE *f, const char *key, const struct figures *x)
{
	fprintf(f, ", \"%s\": ", key);
	if (x->set)
		fprintf(f, "{\"seconds\": %.2f, \"rpcs\": %.0f, \"bytes\": %.0f}",
			x->seconds, x->rpcs, x->bytes);
	else
		fputs("null", f);
}

/* "3.0 s  44 RPCs  2.9 KB", or "-" */
static char *show(const struct figures *x)
{
	if (!x->set)
		return xstrdup("-");
	double b = x->bytes;
	const char *unit = b >= 1e6 ? "MB" : b >= 1e3 ? "KB" : "B";
	double v = b >= 1e6 ? b / 1e6 : b >= 1e3 ? b / 1e3 : b;
	return fmt("%5.1f %6.0f %6.1f %s", x->seconds, x->rpcs, v, unit);
}

/* A submission's grade, for the gradebook. */
struct grade {
	double score, max;
	int passed, failed; /* tests */
};

/* Writes the reports of one graded submission into out, and the table
 * and summary line to stdout. problem is a build or symbol failure (the
 * tests did not run), or NULL. */
static struct grade report(struct grading *g, const char *impl,
			   const char *out, const char *problem,
			   bool have_reference)
{
	const struct options *o = g->o;
	mkdirs(out);
	char *logs = fmt("%s/logs", out);
	/* The logs of an earlier grading in the same folder would mislead. */
	char *rm[] = {"rm", "-rf", logs, NULL};
	run_logged(rm, "/dev/null", 60);
	double score = 0, max = 0;
	int passed = 0, failed = 0;
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		double e = problem ? 0 : earned(t);
		score += e;
		max += t->points;
		bool ok = !problem && t->failed == 0 && t->passed > 0;
		passed += ok;
		failed += !ok;
	}

	/* The table. */
	printf("\n%s: %s\n", g->label, impl);
	if (problem)
		printf("  NOT RUN: %s\n", problem);
	printf("  %-44s %-7s  %-24s %s\n", "test", " runs", "median: s, RPCs, bytes",
	       have_reference ? "reference" : "");
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		char *name = fmt("%s: %s", t->lab,
				 t->description[0] ? t->description : t->name);
		char *mine = show(&t->median);
		char *ref = show(&t->reference);
		printf("  %-44.44s %3d/%-3d  %-24s %s\n", name, t->passed,
		       t->passed + t->failed, mine, have_reference ? ref : "");
		if (t->first_failure)
			printf("      first failure: %.300s\n",
			       t->first_failure);
		free(name);
		free(mine);
		free(ref);
	}
	int shown = 0;
	for (int k = 0; k < g->nruns; k++) {
		struct run *r = &g->runs[k];
		if (r->passed)
			continue;
		if (shown++ == 0) {
			printf("  failing runs (LAB_SEED repeats a run's "
			       "random choices):\n");
			mkdirs(logs);
		}
		char *src = fmt("%s/output.log", r->dir);
		char *dst = fmt("%s/%s.%d.log", logs, g->tests[r->test].name,
				r->index);
		char *cp[] = {"cp", src, dst, NULL};
		char *cplog = fmt("%s/cp.log", g->work);
		run_logged(cp, cplog, 30);
		printf("    %s run %d: LAB_SEED=%" PRIu64 ", log %s\n",
		       g->tests[r->test].name, r->index, r->seed, dst);
		free(src);
		free(dst);
		free(cplog);
	}
	if (g->overhead_n)
		printf("  grader overhead: %.0f ms per run, from starting the "
		       "test process to its first line\n",
		       1000 * g->overhead_sum / g->overhead_n);
	printf("  score %.2f of %.2f\n", score, max);

	/* summary.json: everything above, for scripts. */
	FILE *f = create(out, "summary.json");
	fputs("{\"implementation\": ", f);
	json_str(f, impl);
	fprintf(f, ", \"lab\": ");
	json_str(f, o->lab);
	fprintf(f, ", \"runs_per_test\": %d, \"score\": %.2f, "
		   "\"max_score\": %.2f, \"passed\": %d, \"failed\": %d, "
		   "\"problem\": ",
		o->runs, score, max, passed, failed);
	if (problem)
		json_str(f, problem);
	else
		fputs("null", f);
	fprintf(f, ", \"overhead_seconds\": %.3f",
		g->overhead_n ? g->overhead_sum / g->overhead_n : 0.0);
	fputs(", \"tests\": [", f);
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		fprintf(f, "%s\n  {\"lab\": ", i ? "," : "");
		json_str(f, t->lab);
		fputs(", \"name\": ", f);
		json_str(f, t->name);
		fputs(", \"description\": ", f);
		json_str(f, t->description);
		fprintf(f, ", \"points\": %.2f, \"earned\": %.2f, "
			   "\"passed\": %d, \"runs\": %d",
			t->points, problem ? 0 : earned(t), t->passed,
			t->passed + t->failed);
		json_figures(f, "median", &t->median);
		json_figures(f, "reference", &t->reference);
		fputs(", \"first_failure\": ", f);
		if (t->first_failure)
			json_str(f, t->first_failure);
		else
			fputs("null", f);
		fputs(", \"failing_runs\": [", f);
		int n = 0;
		for (int k = 0; k < g->nruns; k++) {
			struct run *r = &g->runs[k];
			if (r->test != i || r->passed)
				continue;
			fprintf(f, "%s{\"run\": %d, \"seed\": %" PRIu64
				   ", \"seconds\": %.1f, \"reason\": ",
				n++ ? ", " : "", r->index, r->seed,
				r->seconds);
			json_str(f, r->reason);
			fprintf(f, ", \"log\": \"logs/%s.%d.log\"}", t->name,
				r->index);
		}
		fputs("]}", f);
	}
	fputs("\n]}\n", f);
	fclose(f);

	/* results.json, as Gradescope reads it. */
	f = create(out, "results.json");
	fprintf(f, "{\"score\": %.2f, \"output\": ", score);
	char *msg = problem ? fmt("Not run: %s", problem)
			    : fmt("%d tests passed, %d failed, %d runs each",
				  passed, failed, o->runs);
	json_str(f, msg);
	free(msg);
	fputs(", \"tests\": [", f);
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		bool ok = !problem && t->failed == 0 && t->passed > 0;
		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		char *name = fmt("%s: %s", t->lab,
				 t->description[0] ? t->description : t->name);
		json_str(f, name);
		free(name);
		fprintf(f, ", \"score\": %.2f, \"max_score\": %.2f, "
			   "\"status\": \"%s\", \"visibility\": \"visible\", "
			   "\"output\": ",
			problem ? 0 : earned(t), t->points,
			ok ? "passed" : "failed");
		char *text = fmt("%d of %d runs passed.%s%s", t->passed,
				 t->passed + t->failed,
				 t->first_failure ? " First failure: " : "",
				 t->first_failure ? t->first_failure : "");
		json_str(f, text);
		free(text);
		fputs("}", f);
	}
	fputs("\n]}\n", f);
	fclose(f);

	/* junit.xml, for CI systems. */
	f = create(out, "junit.xml");
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites>\n<testsuite name=\"raft\" tests=\"%d\" "
		   "failures=\"%d\">\n",
		g->ntests, failed);
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		fprintf(f, "  <testcase classname=\"%s\" name=\"%s\" "
			   "time=\"%.2f\">",
			t->lab, t->name, t->median.set ? t->median.seconds : 0);
		bool ok = !problem && t->failed == 0 && t->passed > 0;
		if (!ok) {
			fprintf(f, "<failure message=\"%d of %d runs passed\">",
				t->passed, t->passed + t->failed);
			xml_str(f, problem ? problem : t->first_failure);
			fputs("</failure>", f);
		}
		fputs("</testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
	fclose(f);
	free(logs);

	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return (struct grade){score, max, passed, failed};
}

/* ---- reference figures --------------------------------------------------- */

struct known {
	char name[64];
	char description[160];
	struct figures fig;
};

static struct known known[MAX_TESTS];
static int nknown;

static void remember(const struct grading *g)
{
	nknown = 0;
	for (int i = 0; i < g->ntests && nknown < MAX_TESTS; i++) {
		struct known *k = &known[nknown++];
		snprintf(k->name, sizeof k->name, "%s", g->tests[i].name);
		snprintf(k->description, sizeof k->description, "%s",
			 g->tests[i].description);
		k->fig = g->tests[i].median;
	}
}

static void apply_known(struct grading *g)
{
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];
		for (int k = 0; k < nknown; k++) {
			if (strcmp(known[k].name, t->name) != 0)
				continue;
			t->reference = known[k].fig;
			/* A test that never passed has no description of its
			 * own. */
			if (!t->description[0])
				snprintf(t->description, sizeof t->description,
					 "%s", known[k].description);
		}
	}
}

/* Tab-separated, one test per line: lab, test, seconds, RPCs, bytes,
 * description. Lines starting with # are comments. */
static bool read_baseline(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	char line[LINE];
	nknown = 0;
	while (fgets(line, sizeof line, f) && nknown < MAX_TESTS) {
		char lab[32];
		struct known *k = &known[nknown];
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		int n = sscanf(line, "%31[^\t]\t%63[^\t]\t%lf\t%lf\t%lf\t%159[^\t]",
			       lab, k->name, &k->fig.seconds, &k->fig.rpcs,
			       &k->fig.bytes, k->description);
		if (n >= 5) {
			if (n == 5)
				k->description[0] = '\0';
			k->fig.set = true;
			nknown++;
		}
	}
	fclose(f);
	return true;
}

static void write_baseline(const struct grading *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "# The reference solution's median figures per test over "
		   "%d runs, written by\n# make baseline. Tab-separated: "
		   "lab, test, seconds, RPCs, bytes, description.\n",
		g->o->runs);
	for (int i = 0; i < g->ntests; i++) {
		const struct test *t = &g->tests[i];
		if (t->median.set)
			fprintf(f, "%s\t%s\t%.2f\t%.0f\t%.0f\t%s\n", t->lab,
				t->name, t->median.seconds, t->median.rpcs,
				t->median.bytes, t->description);
	}
	fclose(f);
	fprintf(stderr, "grade: wrote %s\n", path);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: grade --impl DIR [--lab LAB] [--runs N] [--jobs N]\n"
		"             [--out DIR] [--test NAME] [--allow SYM,...]\n"
		"             [--reference DIR [--ref-runs N] | --baseline "
		"FILE]\n"
		"             [--manifest FILE] [--time-scale X]\n"
		"             [--write-baseline FILE] [--batch DIR]\n"
		"Run it through the Makefile: make grade IMPL=DIR; see "
		"docs/grading.md.\n");
	exit(2);
}

static int positive(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > MAX_RUNS)
		die("%s must be a whole number from 1 to %d, not \"%s\"",
		    what, MAX_RUNS, s);
	return (int)v;
}

static struct options parse(int argc, char **argv)
{
	struct options o = {.lab = "all", .runs = 1, .jobs = 1,
			    .out = "grade-report", .ref_runs = 1,
			    .time_scale = 1.0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--impl") == 0)
			o.impl = v;
		else if (strcmp(a, "--lab") == 0)
			o.lab = v;
		else if (strcmp(a, "--runs") == 0)
			o.runs = positive(v, "RUNS");
		else if (strcmp(a, "--jobs") == 0)
			o.jobs = positive(v, "JOBS");
		else if (strcmp(a, "--out") == 0)
			o.out = v;
		else if (strcmp(a, "--test") == 0)
			o.only = *v ? v : NULL;
		else if (strcmp(a, "--allow") == 0)
			o.allow = *v ? v : NULL;
		else if (strcmp(a, "--reference") == 0)
			o.reference = *v ? v : NULL;
		else if (strcmp(a, "--ref-runs") == 0)
			o.ref_runs = positive(v, "REF_RUNS");
		else if (strcmp(a, "--baseline") == 0)
			o.baseline = *v ? v : NULL;
		else if (strcmp(a, "--manifest") == 0)
			o.manifest = *v ? v : NULL;
		else if (strcmp(a, "--time-scale") == 0)
			o.time_scale = atof(v);
		else if (strcmp(a, "--write-baseline") == 0)
			o.write_baseline = *v ? v : NULL;
		else if (strcmp(a, "--batch") == 0)
			o.batch = *v ? v : NULL;
		else
			usage();
	}
	if (o.impl == NULL && o.batch == NULL)
		usage();
	if (o.time_scale <= 0 || o.time_scale > 10)
		die("the time scale must be above 0 and at most 10");
	if (o.jobs > MAX_JOBS)
		die("JOBS must be at most " STR(MAX_JOBS));
	return o;
}

static bool same_dir(const char *a, const char *b)
{
	char *x = realpath(a, NULL), *y = realpath(b, NULL);
	bool same = x && y && strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

static void free_grading(struct grading *g)
{
	for (int k = 0; k < g->nruns; k++) {
		free(g->runs[k].dir);
		free(g->runs[k].reason);
		free(g->runs[k].res);
	}
	free(g->runs);
	free((char *)g->bin);
}

/* Grades one submission into out. */
static struct grade grade_one(const struct options *o, const char *work,
			      const char *impl, const char *out,
			      const char *label, bool have_reference)
{
	struct grading g = {.o = o, .label = label, .work = work};
	struct finding found[MAX_FORBIDDEN];
	int nfound;
	char *problem = grade_impl(&g, impl, o->runs, o->jobs, found,
				   &nfound);
	bool self = o->reference && same_dir(o->reference, impl);
	if (self && !problem) {
		remember(&g);
		have_reference = true;
	}
	if (have_reference)
		apply_known(&g);
	struct grade result = report(&g, impl, out, problem, have_reference);
	if (o->write_baseline && !problem)
		write_baseline(&g, o->write_baseline);
	free(problem);
	free_grading(&g);
	return result;
}

int main(int argc, char **argv)
{
	catch_signals();
	struct options o = parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	share_memory(o.jobs);
	char tmpl[] = "/tmp/raft-grade.XXXXXX";
	char *work = mkdtemp(tmpl);
	if (work == NULL)
		die("mkdtemp: %s", strerror(errno));
	/* Tests run as users of their own when we are root: let them reach their
	 * folders and the test program, and nothing else of ours. */
	chmod(work, 0711);
	work_dir = work;

	char *errors = NULL;
	lister = build("skeleton", "build/skeleton", 0, &errors);
	if (lister == NULL)
		die("the kit's own skeleton does not build:\n%s", errors);
	struct grading everything = {.o = &o, .work = work};
	char *error;
	if (!list_tests(&everything, "all", NULL, &error))
		die("%s", error);
	memcpy(all_tests, everything.tests, sizeof all_tests);
	nall_tests = everything.ntests;

	/* The reference's figures: from running it, or from the baseline. */
	bool have_reference = false;
	bool self = o.reference && o.impl && !o.batch &&
		    same_dir(o.reference, o.impl);
	if (o.reference && !self) {
		struct grading ref = {.o = &o, .label = "reference",
				      .work = work};
		struct finding found[MAX_FORBIDDEN];
		int nfound;
		char *problem = grade_impl(&ref, o.reference, o.ref_runs,
					   o.jobs, found, &nfound);
		if (problem)
			die("the reference in %s cannot be graded: %s",
			    o.reference, problem);
		remember(&ref);
		have_reference = true;
		free_grading(&ref);
	} else if (!self && o.baseline) {
		have_reference = read_baseline(o.baseline);
		if (!have_reference)
			fprintf(stderr, "grade: no baseline at %s: the "
					"reference's figures are not shown\n",
				o.baseline);
	}

	if (o.batch == NULL) {
		grade_one(&o, work, o.impl, o.out, "submission",
			  have_reference);
	} else {
		/* Every sub-folder is a submission; one gradebook row each. */
		DIR *d = opendir(o.batch);
		if (d == NULL)
			die("cannot read the folder of submissions %s: %s",
			    o.batch, strerror(errno));
		char **names = NULL;
		int n = 0, cap = 0;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			struct stat st;
			char *path = fmt("%s/%s", o.batch, e->d_name);
			if (e->d_name[0] != '.' && stat(path, &st) == 0 &&
			    S_ISDIR(st.st_mode)) {
				if (n == cap) {
					cap = cap ? 2 * cap : 64;
					names = realloc(names, (size_t)cap *
								       sizeof *names);
					if (names == NULL)
						die("out of memory");
				}
				names[n++] = xstrdup(e->d_name);
			}
			free(path);
		}
		closedir(d);
		if (n == 0)
			die("no submissions in %s: it should hold a folder for "
			    "each",
			    o.batch);
		qsort(names, (size_t)n, sizeof *names, cmp_str);
		mkdirs(o.out);
		FILE *book = create(o.out, "gradebook.csv");
		fprintf(book, "submission,score,max_score,tests_passed,"
			      "tests_failed\n");
		for (int i = 0; i < n; i++) {
			char *impl = fmt("%s/%s", o.batch, names[i]);
			char *out = fmt("%s/%s", o.out, names[i]);
			struct grade r = grade_one(&o, work, impl, out,
						   names[i], have_reference);
			fputc('"', book);
			for (const char *c = names[i]; *c; c++) {
				if (*c == '"')
					fputc('"', book); /* doubled */
				fputc(*c, book);
			}
			fprintf(book, "\",%.2f,%.2f,%d,%d\n", r.score, r.max,
				r.passed, r.failed);
			fflush(book);
			free(impl);
			free(out);
			free(names[i]);
		}
		free(names);
		fclose(book);
		printf("gradebook: %s/gradebook.csv (%d submissions)\n", o.out,
		       n);
	}

	remove_work();
	free(errors);
	return 0;
}
