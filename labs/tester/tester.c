/*
 * The tester harness: builds a cluster of Raft peers on a labrpc network,
 * crashes and restarts them, checks what they apply, and reports figures.
 *
 * Each peer has, per incarnation: a Raft instance, a labrpc server named
 * "peer<i>", ends named "p<i>.<incarnation>-><j>" to every other peer, an
 * apply channel, and a reader thread that checks each apply message as it
 * arrives. Its persister outlives incarnations: a crash kills the instance,
 * then swaps the persister for a copy, so nothing the dead instance does
 * can reach its successor.
 *
 * Locks: t->mu guards the cluster's bookkeeping (who is connected, what
 * each peer applied, the first failure). Each peer's `use` mutex is held
 * around every call into its Raft instance, so that a crash cannot free
 * the instance while another thread is inside it. When both are needed,
 * `use` comes first. Neither is held while calling raft_kill.
 */
#include "tester.h"

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "codec.h"
#include "labrpc.h"
#include "persister.h"
#include "raft.h"
#include "runtime.h"

/* Inside the tester, calls go straight to the functions: the line a
 * failure names stays the test's (see tester_here in tester.h). */
#undef tester_fail
#undef tester_create
#undef tester_destroy
#undef tester_begin
#undef tester_end
#undef tester_connect
#undef tester_disconnect
#undef tester_crash
#undef tester_restart
#undef tester_check_one_leader
#undef tester_check_terms
#undef tester_check_no_leader
#undef tester_n_committed
#undef tester_one
#undef tester_one_int
#undef tester_wait

#define NAME_LEN 32
#define KILL_LIMIT_MS 10000 /* raft_kill must return within this */
#define AGREE_LIMIT_MS 10000
#define ATTEMPT_LIMIT_MS 2000

/* What a peer applied at one index. */
struct applied {
	uint8_t *data;
	size_t len;
	bool set;
};

struct peer {
	struct tester *t;
	int id;
	struct lab_mutex use; /* held around calls into rf */
	struct raft *rf;      /* NULL while down */
	int incarnation;
	int group; /* lab thread group of this incarnation */
	struct persister *saved;
	struct chan *apply_ch;
	struct lab_thread *reader;
	struct labrpc_server *srv;
	char (*ends)[NAME_LEN]; /* names of this peer's ends to each peer */
	char server[NAME_LEN];
	/* Guarded by t->mu: */
	bool connected;
	struct applied *log; /* what it applied, by index */
	int64_t logcap;
	int64_t last_applied; /* snapshots lab: the index applied last */
};

struct tester {
	struct lab_mutex mu;
	int n;
	enum tester_apply apply;
	struct labrpc_net *net;
	struct peer *peers;
	int next_group;
	char failure[1024]; /* the first problem a thread found; "" if none */
	int64_t max_index;  /* highest index any peer applied */
	/* Set by tester_begin: */
	const char *lab;
	char description[128];
	int64_t t0_ms, rpcs0, bytes0, max_index0;
};

/* ---- failing ------------------------------------------------------------ */

static void vfail(struct tester *t, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), noreturn));

/* The test line the current tester call came from, on each thread. */
static _Thread_local struct lab_site here = {__FILE__, __LINE__, "tester"};

/* True on the thread that runs the test: the one that created the
 * tester. */
static _Thread_local bool on_test_thread;

static bool no_fork(void)
{
	const char *fork = getenv("CK_FORK");
	return fork && strcmp(fork, "no") == 0;
}

void tester_here(struct lab_site site)
{
	here = site;
	/* If the test then hangs or crashes, Check names this line. */
	_mark_point(site.file, site.line);
}

static void vfail(struct tester *t, const char *fmt, va_list ap)
{
	(void)t;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fflush(stdout);
	/* A failed assertion ends the test's process, from any thread, when
	 * Check runs each test in a process of its own (its default, and
	 * the kit's). With CK_FORK=no it jumps back into the test's own
	 * thread instead, which only that thread may do. */
	if (!on_test_thread && no_fork()) {
		fprintf(stderr, "%s:%d: %s (LAB_SEED=%" PRIu64 ")\n",
			here.file, here.line, msg, lab_seed());
		abort();
	}
	_ck_assert_failed(here.file, here.line, "Failed",
			  "%s (LAB_SEED=%" PRIu64 " repeats this run's random "
			  "choices)",
			  msg, lab_seed());
	abort(); /* not reached: a failed assertion ends the test */
}

void tester_fail(struct tester *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(t, fmt, ap);
}

void tester_warn(struct tester *t, const char *fmt, ...)
{
	(void)t;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("  warning: %s\n", msg);
	fflush(stdout);
}

/* Records the first problem a tester thread finds. Under t->mu. */
static void record_failure(struct tester *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void record_failure(struct tester *t, const char *fmt, ...)
{
	if (t->failure[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->failure, sizeof t->failure, fmt, ap);
	va_end(ap);
}

/* Fails now if a tester thread recorded a problem. */
static void check_failure(struct tester *t)
{
	char msg[sizeof t->failure];
	lab_mutex_lock(&t->mu);
	snprintf(msg, sizeof msg, "%s", t->failure);
	lab_mutex_unlock(&t->mu);
	if (msg[0])
		tester_fail(t, "%s", msg);
}

/* A command as a student reads it: an integer if it is 8 bytes long, else
 * its length and first bytes. */
static void describe(char *buf, size_t size, const uint8_t *data, size_t len)
{
	if (len == 8) {
		struct codec_reader r;
		codec_reader_init(&r, data, len);
		snprintf(buf, size, "%" PRId64, codec_get_i64(&r));
		return;
	}
	int shown = len < 12 ? (int)len : 12;
	snprintf(buf, size, "%zu bytes \"%.*s%s\"", len, shown,
		 (const char *)data, len > 12 ? "..." : "");
}

/* ---- what the peers applied ----------------------------------------- */

static struct applied *log_at(struct peer *p, int64_t index)
{
	if (index >= p->logcap) {
		int64_t cap = p->logcap ? p->logcap : 64;
		while (cap <= index)
			cap *= 2;
		p->log = lab_realloc(p->log, (size_t)cap * sizeof *p->log);
		memset(p->log + p->logcap, 0,
		       (size_t)(cap - p->logcap) * sizeof *p->log);
		p->logcap = cap;
	}
	return &p->log[index];
}

static void log_set(struct peer *p, int64_t index, const uint8_t *data,
		    size_t len)
{
	struct applied *a = log_at(p, index);
	free(a->data);
	a->data = lab_malloc(len);
	memcpy(a->data, data, len);
	a->len = len;
	a->set = true;
}

static void log_clear(struct peer *p)
{
	for (int64_t i = 0; i < p->logcap; i++)
		free(p->log[i].data);
	free(p->log);
	p->log = NULL;
	p->logcap = 0;
}

static bool same(const struct applied *a, const uint8_t *data, size_t len)
{
	return a->len == len && (len == 0 || memcmp(a->data, data, len) == 0);
}

/* Records peer i applying data at index, after checking that no other peer
 * applied something else there. Under t->mu. */
static void check_and_record(struct tester *t, int i, int64_t index,
			     const uint8_t *data, size_t len)
{
	for (int j = 0; j < t->n; j++) {
		struct peer *q = &t->peers[j];
		if (j == i || index >= q->logcap || !q->log[index].set)
			continue;
		if (!same(&q->log[index], data, len)) {
			char mine[64], theirs[64];
			describe(mine, sizeof mine, data, len);
			describe(theirs, sizeof theirs, q->log[index].data,
				 q->log[index].len);
			record_failure(t,
				       "peer %d applied %s at index %" PRId64
				       ", but peer %d applied %s there: two "
				       "peers committed different commands "
				       "at one index",
				       i, mine, index, j, theirs);
		}
	}
	log_set(&t->peers[i], index, data, len);
	if (index > t->max_index)
		t->max_index = index;
}

/* The tester's snapshot of a service that keeps every command: the last
 * index, then each command from index 1 on. */
static void encode_snapshot(struct peer *p, int64_t index,
			    struct codec_buf *b)
{
	codec_put_i64(b, index);
	for (int64_t i = 1; i <= index; i++) {
		struct applied *a = log_at(p, i);
		codec_put_bytes(b, a->data, a->len);
	}
}

/* Installs a snapshot Raft delivered: the service's state becomes what
 * the snapshot holds. Under t->mu. */
static void ingest_snapshot(struct tester *t, struct peer *p,
			    const uint8_t *data, size_t len, int64_t index)
{
	struct codec_reader r;
	codec_reader_init(&r, data, len);
	int64_t last = codec_get_i64(&r);
	if (!codec_reader_ok(&r)) {
		record_failure(t, "peer %d delivered a snapshot the tester "
				  "did not make: %s",
			       p->id, codec_reader_error(&r));
		return;
	}
	if (index != -1 && last != index) {
		record_failure(t,
			       "peer %d delivered a snapshot for index %" PRId64
			       " that holds the service's state up to index "
			       "%" PRId64,
			       p->id, index, last);
		return;
	}
	if (index != -1 && index < p->last_applied) {
		record_failure(t,
			       "peer %d delivered a snapshot up to index "
			       "%" PRId64 " after applying up to %" PRId64
			       ": a snapshot must never move the service "
			       "backwards",
			       p->id, index, p->last_applied);
		return;
	}
	log_clear(p);
	for (int64_t i = 1; i <= last && codec_reader_ok(&r); i++) {
		size_t n;
		const uint8_t *cmd = codec_get_bytes_view(&r, &n);
		if (cmd)
			check_and_record(t, p->id, i, cmd, n);
	}
	if (!codec_reader_finish(&r))
		record_failure(t, "peer %d delivered a damaged snapshot: %s",
			       p->id, codec_reader_error(&r));
	p->last_applied = last;
}

/* ---- the reader: one per incarnation, checks every apply message ---- */

struct reader {
	struct peer *p;
	struct chan *ch;
	int incarnation;
};

static void take_snapshot(struct reader *rd, int64_t index)
{
	struct tester *t = rd->p->t;
	struct codec_buf b;
	codec_buf_init(&b);
	lab_mutex_lock(&t->mu);
	encode_snapshot(rd->p, index, &b);
	lab_mutex_unlock(&t->mu);
	lab_mutex_lock(&rd->p->use);
	if (rd->p->rf && rd->p->incarnation == rd->incarnation)
		raft_snapshot(rd->p->rf, index, b.data, b.len);
	lab_mutex_unlock(&rd->p->use);
	codec_buf_free(&b);
}

/* Checks one command; returns whether to snapshot after it. Under t->mu. */
static bool apply_command(struct tester *t, struct peer *p,
			  const struct raft_apply_msg *m)
{
	if (m->index < 1) {
		record_failure(t, "peer %d applied a command at index %" PRId64
				  "; the log starts at index 1",
			       p->id, m->index);
		return false;
	}
	if (t->apply == TESTER_SNAPSHOTS) {
		if (m->index != p->last_applied + 1) {
			record_failure(t,
				       "peer %d applied index %" PRId64
				       " after index %" PRId64
				       ": commands must be applied in order, "
				       "each exactly once",
				       p->id, m->index, p->last_applied);
			return false;
		}
		p->last_applied = m->index;
	} else if (m->index > 1 && (m->index - 1 >= p->logcap ||
				    !p->log[m->index - 1].set)) {
		record_failure(t,
			       "peer %d applied index %" PRId64
			       " before index %" PRId64
			       ": commands must be applied in log order",
			       p->id, m->index, m->index - 1);
		return false;
	}
	check_and_record(t, p->id, m->index, m->data, m->len);
	return t->apply == TESTER_SNAPSHOTS &&
	       (m->index + 1) % TESTER_SNAPSHOT_EVERY == 0;
}

static void reader_main(void *arg)
{
	struct reader *rd = arg;
	struct peer *p = rd->p;
	struct tester *t = p->t;
	struct raft_apply_msg m;
	while (chan_recv(rd->ch, &m) == CHAN_OK) {
		bool snapshot = false;
		lab_mutex_lock(&t->mu);
		if (m.kind == RAFT_APPLY_COMMAND) {
			snapshot = apply_command(t, p, &m);
		} else if (m.kind == RAFT_APPLY_SNAPSHOT &&
			   t->apply == TESTER_SNAPSHOTS) {
			ingest_snapshot(t, p, m.data, m.len, m.index);
		} else if (m.kind == RAFT_APPLY_SNAPSHOT) {
			record_failure(t, "peer %d delivered a snapshot, but "
					  "this lab's tester never made one",
				       p->id);
		} else {
			record_failure(t, "peer %d sent an apply message of "
					  "unknown kind %d",
				       p->id, (int)m.kind);
		}
		lab_mutex_unlock(&t->mu);
		if (snapshot)
			take_snapshot(rd, m.index);
		free(m.data);
	}
	free(rd);
}

/* ---- starting and stopping peers ------------------------------------ */

/* Under t->mu. A peer being built has no ends yet. */
static void set_link(struct tester *t, int i, int j, bool on)
{
	if (t->peers[i].ends[j][0])
		labrpc_net_enable(t->net, t->peers[i].ends[j], on);
	if (t->peers[j].ends[i][0])
		labrpc_net_enable(t->net, t->peers[j].ends[i], on);
}

void tester_connect(struct tester *t, int i)
{
	lab_mutex_lock(&t->mu);
	t->peers[i].connected = true;
	for (int j = 0; j < t->n; j++)
		if (t->peers[j].connected)
			set_link(t, i, j, true);
	lab_mutex_unlock(&t->mu);
}

void tester_disconnect(struct tester *t, int i)
{
	lab_mutex_lock(&t->mu);
	t->peers[i].connected = false;
	for (int j = 0; j < t->n; j++)
		set_link(t, i, j, false);
	lab_mutex_unlock(&t->mu);
}

bool tester_connected(struct tester *t, int i)
{
	lab_mutex_lock(&t->mu);
	bool c = t->peers[i].connected;
	lab_mutex_unlock(&t->mu);
	return c;
}

bool tester_alive(struct tester *t, int i)
{
	lab_mutex_lock(&t->peers[i].use);
	bool alive = t->peers[i].rf != NULL;
	lab_mutex_unlock(&t->peers[i].use);
	return alive;
}

struct killer {
	struct lab_mutex mu;
	struct lab_cond done_cv;
	bool done;
	struct raft *rf;
};

static void killer_main(void *arg)
{
	struct killer *k = arg;
	raft_kill(k->rf);
	lab_mutex_lock(&k->mu);
	k->done = true;
	lab_cond_signal(&k->done_cv);
	lab_mutex_unlock(&k->mu);
}

/* raft_kill, with a time limit: a kill that never returns fails the test
 * with the names of the peer's threads, instead of hanging it. */
static void kill_in_time(struct tester *t, struct peer *p, struct raft *rf)
{
	struct killer *k = lab_calloc(1, sizeof *k);
	lab_mutex_init(&k->mu, "tester kill");
	lab_cond_init(&k->done_cv);
	k->rf = rf;
	struct lab_thread *th = lab_thread_create("tester-kill", killer_main, k);
	int64_t deadline = lab_now_ms() + KILL_LIMIT_MS;
	lab_mutex_lock(&k->mu);
	while (!k->done && lab_now_ms() < deadline)
		lab_cond_timedwait(&k->done_cv, &k->mu,
				   deadline - lab_now_ms());
	bool done = k->done;
	lab_mutex_unlock(&k->mu);
	if (!done) {
		char names[512];
		lab_group_threads(p->group, names, sizeof names);
		tester_fail(t,
			    "raft_kill(peer %d) did not return within %d s; "
			    "the peer's threads still running: %s",
			    p->id, KILL_LIMIT_MS / 1000,
			    names[0] ? names : "(none)");
	}
	lab_thread_join(th);
	lab_cond_destroy(&k->done_cv);
	lab_mutex_destroy(&k->mu);
	free(k);

	/* A thread may have said it is done and still be returning. */
	char names[512];
	int left = lab_group_wait(p->group, 1000);
	if (left > 0)
		left = lab_group_threads(p->group, names, sizeof names);
	if (left > 0)
		tester_fail(t,
			    "after raft_kill(peer %d) returned, %d of its "
			    "threads still run: %s; raft_kill must wait for "
			    "every thread the instance started",
			    p->id, left, names);
}

void tester_crash(struct tester *t, int i)
{
	struct peer *p = &t->peers[i];
	tester_disconnect(t, i);
	if (p->rf == NULL)
		return;

	/* Cut the peer off for good: its calls in progress fail at once,
	 * calls to it fail, and no handler of it runs after this. */
	labrpc_net_delete_server(t->net, p->server);
	for (int j = 0; j < t->n; j++)
		labrpc_net_delete_end(t->net, p->ends[j]);
	labrpc_server_destroy(p->srv);
	p->srv = NULL;

	lab_mutex_lock(&p->use);
	struct raft *rf = p->rf;
	p->rf = NULL;
	lab_mutex_unlock(&p->use);
	kill_in_time(t, p, rf);

	/* The reader drained the channel during the kill; now stop it. */
	chan_close(p->apply_ch);
	lab_thread_join(p->reader);
	chan_destroy(p->apply_ch);
	p->apply_ch = NULL;

	/* The next incarnation starts from a copy, so that nothing of the
	 * dead one can reach it. */
	lab_mutex_lock(&t->mu);
	struct persister *copy = persister_copy(p->saved);
	persister_destroy(p->saved);
	p->saved = copy;
	lab_mutex_unlock(&t->mu);
}

void tester_restart(struct tester *t, int i)
{
	struct peer *p = &t->peers[i];
	tester_crash(t, i);
	p->incarnation++;

	/* Fresh ends: the old ones were deleted with the old instance. */
	struct labrpc_end **ends = lab_calloc((size_t)t->n, sizeof *ends);
	for (int j = 0; j < t->n; j++) {
		snprintf(p->ends[j], NAME_LEN, "p%d.%d->%d", i, p->incarnation,
			 j);
		ends[j] = labrpc_net_make_end(t->net, p->ends[j]);
		labrpc_net_connect(t->net, p->ends[j], t->peers[j].server);
	}

	lab_mutex_lock(&t->mu);
	p->last_applied = 0;
	if (t->apply == TESTER_SNAPSHOTS) {
		/* The service starts from its last snapshot, before Raft
		 * delivers anything. */
		size_t len;
		uint8_t *snap = persister_read_snapshot(p->saved, &len);
		if (snap)
			ingest_snapshot(t, p, snap, len, -1);
		free(snap);
	}
	lab_mutex_unlock(&t->mu);

	p->apply_ch = chan_create(sizeof(struct raft_apply_msg), 0);
	struct reader *rd = lab_malloc(sizeof *rd);
	rd->p = p;
	rd->ch = p->apply_ch;
	rd->incarnation = p->incarnation;
	char name[NAME_LEN];
	snprintf(name, sizeof name, "tester-apply-%d", i);
	p->reader = lab_thread_create(name, reader_main, rd);

	/* Every thread the instance starts, and its handlers, run in a
	 * group of their own, so a crash can check they all stopped. */
	p->group = ++t->next_group;
	lab_group_set(p->group);
	struct raft *rf = raft_make(ends, t->n, i, p->saved, p->apply_ch);
	p->srv = labrpc_server_create();
	enum labrpc_error err = rf ? raft_register_rpcs(rf, p->srv)
				   : LABRPC_EINVAL;
	lab_group_set(0);
	free(ends);
	if (rf == NULL)
		tester_fail(t, "raft_make(peer %d) returned NULL", i);
	lab_mutex_lock(&p->use);
	p->rf = rf;
	lab_mutex_unlock(&p->use);
	if (err != LABRPC_OK)
		tester_fail(t, "raft_register_rpcs(peer %d) failed: %s", i,
			    labrpc_strerror(err));
	labrpc_net_add_server(t->net, p->server, p->srv);
}

/* ---- the cluster ----------------------------------------------------- */

struct tester *tester_create(int n, enum tester_net net,
			     enum tester_apply apply)
{
	lab_seed(); /* print the seed before anything else */
	on_test_thread = true;
	struct tester *t = lab_calloc(1, sizeof *t);
	lab_mutex_init(&t->mu, "tester");
	t->n = n;
	t->apply = apply;
	t->net = labrpc_net_create();
	labrpc_net_set_reliable(t->net, net == TESTER_RELIABLE);
	labrpc_net_set_long_delays(t->net, true);
	t->peers = lab_calloc((size_t)n, sizeof *t->peers);
	for (int i = 0; i < n; i++) {
		struct peer *p = &t->peers[i];
		p->t = t;
		p->id = i;
		lab_mutex_init(&p->use, "tester peer");
		p->saved = persister_create();
		p->ends = lab_calloc((size_t)n, sizeof *p->ends);
		snprintf(p->server, sizeof p->server, "peer%d", i);
	}
	for (int i = 0; i < n; i++)
		tester_restart(t, i);
	for (int i = 0; i < n; i++)
		tester_connect(t, i);
	return t;
}

void tester_destroy(struct tester *t)
{
	for (int i = 0; i < t->n; i++)
		tester_crash(t, i);
	labrpc_net_destroy(t->net);
	for (int i = 0; i < t->n; i++) {
		struct peer *p = &t->peers[i];
		persister_destroy(p->saved);
		log_clear(p);
		free(p->ends);
		lab_mutex_destroy(&p->use);
	}
	free(t->peers);
	lab_mutex_destroy(&t->mu);
	free(t);
}

void tester_begin(struct tester *t, const char *lab, const char *description)
{
	printf("Test (%s): %s ...\n", lab, description);
	fflush(stdout);
	t->lab = lab;
	snprintf(t->description, sizeof t->description, "%s", description);
	t->t0_ms = lab_now_ms();
	t->rpcs0 = tester_rpc_total(t);
	t->bytes0 = tester_bytes_total(t);
	lab_mutex_lock(&t->mu);
	t->max_index0 = t->max_index;
	lab_mutex_unlock(&t->mu);
}

void tester_end(struct tester *t)
{
	check_failure(t);
	double secs = (double)(lab_now_ms() - t->t0_ms) / 1000.0;
	lab_mutex_lock(&t->mu);
	int64_t ncmds = t->max_index - t->max_index0;
	lab_mutex_unlock(&t->mu);
	int64_t rpcs = tester_rpc_total(t) - t->rpcs0;
	int64_t bytes = tester_bytes_total(t) - t->bytes0;
	printf("  ... Passed --  %4.1f  %d %4" PRId64 " %7" PRId64 " %4" PRId64
	       "\n",
	       secs, t->n, rpcs, bytes, ncmds);
	fflush(stdout);

	/* For the grader, the same figures where the implementation's own
	 * output cannot mix with them. */
	const char *path = getenv("LAB_FIGURES_FILE");
	FILE *f = path && *path ? fopen(path, "w") : NULL;
	if (f) {
		fprintf(f, "%s\t%.2f\t%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64
			   "\n",
			t->description, secs, t->n, rpcs, bytes, ncmds);
		fclose(f);
	}
}

void tester_set_unreliable(struct tester *t, bool unreliable)
{
	labrpc_net_set_reliable(t->net, !unreliable);
}

void tester_set_long_reordering(struct tester *t, bool on)
{
	labrpc_net_set_long_reordering(t->net, on);
}

/* ---- reaching a peer ------------------------------------------------- */

bool tester_start(struct tester *t, int i, const void *cmd, size_t len,
		  int64_t *index, int64_t *term)
{
	struct peer *p = &t->peers[i];
	bool ok = false;
	lab_mutex_lock(&p->use);
	if (p->rf)
		ok = raft_start(p->rf, cmd, len, index, term);
	lab_mutex_unlock(&p->use);
	return ok;
}

bool tester_get_state(struct tester *t, int i, int64_t *term, bool *is_leader)
{
	struct peer *p = &t->peers[i];
	lab_mutex_lock(&p->use);
	bool alive = p->rf != NULL;
	if (alive)
		raft_get_state(p->rf, term, is_leader);
	lab_mutex_unlock(&p->use);
	return alive;
}

/* ---- checks ----------------------------------------------------------- */

/* Appends "peer:term" of each connected, live peer, for a message. */
static void describe_terms(struct tester *t, char *buf, size_t size)
{
	buf[0] = '\0';
	size_t used = 0;
	for (int i = 0; i < t->n && used < size; i++) {
		int64_t term;
		bool leader;
		if (!tester_connected(t, i) || !tester_get_state(t, i, &term,
								 &leader))
			continue;
		int w = snprintf(buf + used, size - used, "%speer %d: term %" PRId64
							  "%s",
				 used ? ", " : "", i, term,
				 leader ? " (leader)" : "");
		used += w > 0 ? (size_t)w : 0;
	}
	if (!buf[0])
		snprintf(buf, size, "no connected peer is up");
}

int tester_check_one_leader(struct tester *t)
{
	for (int iter = 0; iter < 10; iter++) {
		lab_sleep_ms(lab_rand_range(450, 550));
		check_failure(t);
		int64_t newest = -1;
		int leader_of_newest = -1;
		for (int i = 0; i < t->n; i++) {
			int64_t term;
			bool leader;
			if (!tester_connected(t, i) ||
			    !tester_get_state(t, i, &term, &leader) || !leader)
				continue;
			/* Another leader in the same term? */
			for (int j = 0; j < i; j++) {
				int64_t term2;
				bool leader2;
				if (tester_connected(t, j) &&
				    tester_get_state(t, j, &term2, &leader2) &&
				    leader2 && term2 == term)
					tester_fail(t,
						    "term %" PRId64 " has two "
						    "leaders: peers %d and %d",
						    term, j, i);
			}
			if (term > newest) {
				newest = term;
				leader_of_newest = i;
			}
		}
		if (leader_of_newest >= 0)
			return leader_of_newest;
	}
	char terms[256];
	describe_terms(t, terms, sizeof terms);
	tester_fail(t, "expected one leader, got none (%s)", terms);
}

int64_t tester_check_terms(struct tester *t)
{
	check_failure(t);
	int64_t term = -1;
	int first = -1;
	for (int i = 0; i < t->n; i++) {
		int64_t x;
		bool leader;
		if (!tester_connected(t, i) || !tester_get_state(t, i, &x,
								 &leader))
			continue;
		if (first < 0) {
			term = x;
			first = i;
		} else if (x != term) {
			tester_fail(t,
				    "peers disagree on the term: peer %d has "
				    "%" PRId64 ", peer %d has %" PRId64,
				    first, term, i, x);
		}
	}
	return term;
}

void tester_check_no_leader(struct tester *t)
{
	check_failure(t);
	for (int i = 0; i < t->n; i++) {
		int64_t term;
		bool leader;
		if (tester_connected(t, i) &&
		    tester_get_state(t, i, &term, &leader) && leader)
			tester_fail(t,
				    "expected no leader among the connected "
				    "peers, but peer %d thinks it leads in "
				    "term %" PRId64,
				    i, term);
	}
}

int tester_n_committed(struct tester *t, int64_t index,
		       struct codec_buf *value)
{
	check_failure(t);
	int count = 0;
	int first = -1;
	char a[64], b[64];
	bool mismatch = false;
	int other = -1;
	lab_mutex_lock(&t->mu);
	for (int i = 0; i < t->n; i++) {
		struct peer *p = &t->peers[i];
		if (index >= p->logcap || !p->log[index].set)
			continue;
		if (first >= 0 &&
		    !same(&t->peers[first].log[index], p->log[index].data,
			  p->log[index].len) &&
		    !mismatch) {
			mismatch = true;
			other = i;
			describe(a, sizeof a, t->peers[first].log[index].data,
				 t->peers[first].log[index].len);
			describe(b, sizeof b, p->log[index].data,
				 p->log[index].len);
		}
		if (first < 0)
			first = i;
		count++;
	}
	if (value && first >= 0)
		codec_buf_set(value, t->peers[first].log[index].data,
			      t->peers[first].log[index].len);
	else if (value)
		codec_buf_reset(value);
	lab_mutex_unlock(&t->mu);
	if (mismatch)
		tester_fail(t,
			    "committed values do not match at index %" PRId64
			    ": peer %d applied %s, peer %d applied %s",
			    index, first, a, other, b);
	return count;
}

void tester_int_command(int64_t v, uint8_t buf[8])
{
	struct codec_buf b;
	codec_buf_init(&b);
	codec_put_i64(&b, v);
	memcpy(buf, b.data, 8);
	codec_buf_free(&b);
}

int64_t tester_one(struct tester *t, const void *cmd, size_t len,
		   int expected, bool retry)
{
	char what[64];
	describe(what, sizeof what, cmd, len);
	int64_t t0 = lab_now_ms();
	int next = 0;
	int best = 0; /* most peers seen applying it, for the message */
	int64_t tried_index = -1;
	struct codec_buf got;
	codec_buf_init(&got);
	while (lab_now_ms() - t0 < AGREE_LIMIT_MS) {
		check_failure(t);
		/* Offer it to the peers in turn until one accepts. */
		int64_t index = -1, term;
		for (int k = 0; k < t->n && index < 0; k++) {
			int i = next;
			next = (next + 1) % t->n;
			if (tester_connected(t, i) &&
			    !tester_start(t, i, cmd, len, &index, &term))
				index = -1;
		}
		if (index < 0) {
			lab_sleep_ms(50); /* no leader yet */
			continue;
		}
		tried_index = index;
		/* Somebody claimed to be the leader: wait for agreement. */
		int64_t t1 = lab_now_ms();
		while (lab_now_ms() - t1 < ATTEMPT_LIMIT_MS) {
			int nd = tester_n_committed(t, index, &got);
			if (nd > 0 && got.len == len &&
			    memcmp(got.data, cmd, len) == 0) {
				if (nd >= expected) {
					codec_buf_free(&got);
					return index;
				}
				best = nd > best ? nd : best;
			}
			lab_sleep_ms(20);
		}
		if (!retry)
			break;
	}
	if (tried_index < 0)
		tester_fail(t, "one(%s): no peer accepted it as leader within "
			       "%d s",
			    what, AGREE_LIMIT_MS / 1000);
	tester_fail(t,
		    "one(%s) failed to reach agreement: offered at index "
		    "%" PRId64 ", at most %d peers applied it there, wanted %d",
		    what, tried_index, best, expected);
}

int64_t tester_one_int(struct tester *t, int64_t v, int expected, bool retry)
{
	uint8_t cmd[8];
	tester_int_command(v, cmd);
	return tester_one(t, cmd, sizeof cmd, expected, retry);
}

bool tester_wait(struct tester *t, int64_t index, int n, int64_t start_term,
		 int64_t *value)
{
	int64_t sleep_ms = 10;
	for (int iter = 0; iter < 30; iter++) {
		if (tester_n_committed(t, index, NULL) >= n)
			break;
		lab_sleep_ms(sleep_ms);
		if (sleep_ms < 1000)
			sleep_ms *= 2;
		if (start_term < 0)
			continue;
		for (int i = 0; i < t->n; i++) {
			int64_t term;
			bool leader;
			if (tester_get_state(t, i, &term, &leader) &&
			    term > start_term)
				return false; /* Raft moved on */
		}
	}
	struct codec_buf got;
	codec_buf_init(&got);
	int nd = tester_n_committed(t, index, &got);
	if (nd < n)
		tester_fail(t,
			    "only %d peers applied index %" PRId64
			    " in time; wanted %d",
			    nd, index, n);
	if (got.len != 8)
		tester_fail(t, "index %" PRId64 " holds a %zu-byte command; "
			       "expected an integer (8 bytes)",
			    index, got.len);
	struct codec_reader r;
	codec_reader_init(&r, got.data, got.len);
	*value = codec_get_i64(&r);
	codec_buf_free(&got);
	return true;
}

/* ---- figures ---------------------------------------------------------- */

int tester_npeers(struct tester *t)
{
	return t->n;
}

int64_t tester_rpc_total(struct tester *t)
{
	return labrpc_net_total_count(t->net);
}

int64_t tester_bytes_total(struct tester *t)
{
	return labrpc_net_total_bytes(t->net);
}

int64_t tester_rpc_count(struct tester *t, int i)
{
	return labrpc_net_server_count(t->net, t->peers[i].server);
}

size_t tester_log_size(struct tester *t)
{
	size_t most = 0;
	lab_mutex_lock(&t->mu);
	for (int i = 0; i < t->n; i++) {
		size_t s = persister_state_size(t->peers[i].saved);
		most = s > most ? s : most;
	}
	lab_mutex_unlock(&t->mu);
	return most;
}
