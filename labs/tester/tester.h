/*
 * The tester harness: a cluster of Raft peers on a labrpc network, with
 * the faults the tests inject and the checks they make. Every lab's suite
 * is written with these functions.
 *
 * A test builds a cluster, announces itself, drives the cluster, and ends:
 *
 *     struct tester *t = tester_create(3, TESTER_RELIABLE, TESTER_PLAIN);
 *     tester_begin(t, "election", "initial election");
 *     tester_check_one_leader(t);
 *     ...
 *     tester_end(t);        prints "  ... Passed --  3.0  3   42 ..."
 *     tester_destroy(t);
 *
 * Checks that fail end the test at once with a message that says what was
 * expected and what was seen, and the run's seed. A test may call them
 * from threads of its own too (several clients at once): a failure there
 * ends the test's process just the same, naming that thread's line. The
 * tester's own threads (one per peer reads its apply channel and checks
 * every message) never fail the test directly: they record the first
 * problem, and the next check or tester_end fails with it.
 *
 * Peers are numbered 0..n-1. A peer is "connected" when the network lets
 * it talk to the other connected peers, and "alive" when it has a running
 * Raft instance; a crashed peer is neither until tester_restart and
 * tester_connect.
 */
#ifndef LAB_TESTER_H
#define LAB_TESTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

enum tester_net {
	TESTER_RELIABLE,
	TESTER_UNRELIABLE,
};

/* How the tester consumes each peer's apply channel. */
enum tester_apply {
	/* Checks that values agree across peers and arrive in order. */
	TESTER_PLAIN,
	/* Also snapshots every TESTER_SNAPSHOT_EVERY entries with
	 * raft_snapshot, requires exactly-next-index application, and checks
	 * delivered snapshots (the snapshots lab). */
	TESTER_SNAPSHOTS,
};

#define TESTER_SNAPSHOT_EVERY 10

/* The election-timeout allowance the tests wait out, in ms. */
#define TESTER_ELECTION_TIMEOUT_MS 1000

/* Largest persisted Raft state allowed in the snapshots lab, in bytes. */
#define TESTER_MAX_LOG_SIZE 2000

struct tester;

/* A cluster of n peers, all started and connected. Long delays are on, as
 * in every Raft test: calls on a disabled end take up to 7 s to fail. */
struct tester *tester_create(int n, enum tester_net net,
			     enum tester_apply apply);

/* Stops every peer (checking each stops cleanly) and frees everything. */
void tester_destroy(struct tester *t);

/* Prints "Test (<lab>): <description> ..." and starts the counters that
 * tester_end reports. */
void tester_begin(struct tester *t, const char *lab, const char *description);

/* Fails if a tester thread recorded a problem; otherwise prints the pass
 * line: seconds, peers, RPCs, bytes and commands committed since
 * tester_begin. */
void tester_end(struct tester *t);

/* Fails the test now, with the message and the seed. Does not return. */
void tester_fail(struct tester *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Prints a warning line that does not fail the test. */
void tester_warn(struct tester *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- faults --------------------------------------------------------- */

/* Lets peer i talk to every other connected peer, and cuts it off. */
void tester_connect(struct tester *t, int i);
void tester_disconnect(struct tester *t, int i);
bool tester_connected(struct tester *t, int i);

/* Crashes peer i: disconnects it, takes it off the network, kills its Raft
 * instance and checks that every thread of it stopped. What it persisted
 * stays for the next incarnation. Does nothing if i is already down. */
void tester_crash(struct tester *t, int i);

/* Starts a new incarnation of peer i (crashing the old one first) from a
 * copy of what it persisted, with fresh ends. It starts disconnected:
 * call tester_connect. */
void tester_restart(struct tester *t, int i);

bool tester_alive(struct tester *t, int i);

void tester_set_unreliable(struct tester *t, bool unreliable);
void tester_set_long_reordering(struct tester *t, bool on);

/* ---- checks --------------------------------------------------------- */

/* Waits for exactly one connected peer to think it leads in the newest
 * term, polling for up to 5 s. Returns it; fails if a term has two leaders
 * or no connected peer leads. */
int tester_check_one_leader(struct tester *t);

/* Fails unless every connected peer has the same term; returns it. */
int64_t tester_check_terms(struct tester *t);

/* Fails if any connected peer thinks it leads. */
void tester_check_no_leader(struct tester *t);

/* How many peers have applied index. If value is not NULL, it receives a
 * copy of the command they applied (empty if none has). Fails if two
 * peers applied different commands there. */
struct codec_buf;
int tester_n_committed(struct tester *t, int64_t index,
		       struct codec_buf *value);

/* Offers cmd to the peers until one leader accepts it and at least
 * expected peers apply it at the index it was given; returns that index.
 * With retry, offers it again when an attempt stalls. Fails after 10 s. */
int64_t tester_one(struct tester *t, const void *cmd, size_t len,
		   int expected, bool retry);

/* tester_one with the 8-byte encoding of v as the command. */
int64_t tester_one_int(struct tester *t, int64_t v, int expected, bool retry);

/* Waits until at least n peers have applied index, and sets *value to
 * the integer command they applied there (see tester_one_int). Returns
 * false early if start_term is not -1 and some peer's term moved past it:
 * the command may never commit. Fails if fewer than n peers apply it. */
bool tester_wait(struct tester *t, int64_t index, int n, int64_t start_term,
		 int64_t *value);

/* The 8-byte encoding of v that tester_one_int uses, into buf[8]. */
void tester_int_command(int64_t v, uint8_t buf[8]);

/* ---- reaching a peer ------------------------------------------------- */

/* raft_start on peer i if it is alive (connected or not): returns whether
 * it accepted, with its index and term. */
bool tester_start(struct tester *t, int i, const void *cmd, size_t len,
		  int64_t *index, int64_t *term);

/* raft_get_state on peer i; false if it is down. */
bool tester_get_state(struct tester *t, int i, int64_t *term,
		      bool *is_leader);

/* ---- figures -------------------------------------------------------- */

int tester_npeers(struct tester *t);
int64_t tester_rpc_total(struct tester *t);
int64_t tester_bytes_total(struct tester *t);
/* RPCs that reached peer i's current incarnation. */
int64_t tester_rpc_count(struct tester *t, int i);
/* The largest persisted Raft state among the peers, in bytes. */
size_t tester_log_size(struct tester *t);

/* ---- where failures point ------------------------------------------ */

/* Each call above that can fail the test first records the line of the
 * test that made it, so a failure (or a hang past the time limit) names
 * that line, not a line inside the tester. The functions themselves are
 * defined with their names in parentheses, which this does not touch. */
void tester_here(struct lab_site site);

#define tester_fail(t, ...) (tester_here(LAB_SITE), (tester_fail)(t, __VA_ARGS__))
#define tester_create(n, net, apply) (tester_here(LAB_SITE), (tester_create)(n, net, apply))
#define tester_destroy(t) (tester_here(LAB_SITE), (tester_destroy)(t))
#define tester_begin(t, lab, description) (tester_here(LAB_SITE), (tester_begin)(t, lab, description))
#define tester_end(t) (tester_here(LAB_SITE), (tester_end)(t))
#define tester_connect(t, i) (tester_here(LAB_SITE), (tester_connect)(t, i))
#define tester_disconnect(t, i) (tester_here(LAB_SITE), (tester_disconnect)(t, i))
#define tester_crash(t, i) (tester_here(LAB_SITE), (tester_crash)(t, i))
#define tester_restart(t, i) (tester_here(LAB_SITE), (tester_restart)(t, i))
#define tester_check_one_leader(t) (tester_here(LAB_SITE), (tester_check_one_leader)(t))
#define tester_check_terms(t) (tester_here(LAB_SITE), (tester_check_terms)(t))
#define tester_check_no_leader(t) (tester_here(LAB_SITE), (tester_check_no_leader)(t))
#define tester_n_committed(t, index, value) (tester_here(LAB_SITE), (tester_n_committed)(t, index, value))
#define tester_one(t, cmd, len, expected, retry) (tester_here(LAB_SITE), (tester_one)(t, cmd, len, expected, retry))
#define tester_one_int(t, v, expected, retry) (tester_here(LAB_SITE), (tester_one_int)(t, v, expected, retry))
#define tester_wait(t, index, n, start_term, value) (tester_here(LAB_SITE), (tester_wait)(t, index, n, start_term, value))

#endif
