/* HOSTILE: inherited_fds. Uses no forbidden function: with readlink and
 * write it looks at every descriptor it inherited, and writes a fake
 * gradebook row ("inherited_fds",5.00,5.00,1,0) into each one that is a
 * .csv, .json or .xml file: in a batch (--batch), the grader has
 * gradebook.csv open while it runs the tests. Otherwise it is the
 * skeleton, which fails.
 *
 * Expected grade: 0 ("expected one leader, got none"), and in a batch
 * gradebook.csv holds its header and the grader's one row for this
 * submission, nothing else: the tests must not inherit the grader's open
 * files. */

#include <unistd.h>

#define FAKE_ROW "\"inherited_fds\",5.00,5.00,1,0\n"

static bool is_report(const char *path)
{
	static const char *const kinds[] = {".csv", ".json", ".xml"};
	size_t len = strlen(path);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t k = strlen(kinds[i]);
		if (len > k && strcmp(path + len - k, kinds[i]) == 0)
			return true;
	}
	return false;
}

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	for (int fd = 3; me == 0 && fd < 1024; fd++) {
		char link[64], target[1024];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		bool report = is_report(target);
		printf("inherited_fds: fd %d is %s%s\n", fd, target,
		       report ? ": writing a fake row" : "");
		if (report && write(fd, FAKE_ROW, strlen(FAKE_ROW)) < 0)
			printf("inherited_fds: the write failed\n");
	}
	fflush(stdout);
	return skeleton_raft_make(peers, npeers, me, persister, apply_ch);
}
