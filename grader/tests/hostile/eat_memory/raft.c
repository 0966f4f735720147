/*
 * HOSTILE: eat_memory. raft_make allocates 1 MiB blocks for ever, touches
 * every page of each and keeps them all, until the address-space limit
 * (RLIMIT_AS, 8 GiB) makes an allocation fail; lab_malloc then says "out of
 * memory" and aborts.
 *
 * Expected grade: 0. The run fails with Check's "Received signal 6
 * (Aborted)" (signal 9 or 11 are as good: the point is that the limit, not
 * the machine, stops it).
 *
 * A hostile submission for the grader's own tests (grader/tests/run.sh):
 * the skeleton, plus the behaviour below, marked HOSTILE in the code.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "codec.h"
#include "labrpc.h"
#include "persister.h"
#include "raft.h"
#include "runtime.h"

/* A leader sends heartbeats this often: at most 10 per second, the most
 * the tests allow. */
#define HEARTBEAT_INTERVAL_MS 100

/* Each election timeout is drawn at random from this range. It is larger
 * than the paper's 150-300 ms, because heartbeats here are slower than the
 * paper's: a follower must be able to miss one or two of them before it
 * gives up on its leader. It is small enough that, even after a split
 * vote or two, a new leader is elected well within the 5 s the tests
 * allow. */
#define ELECTION_TIMEOUT_MIN_MS 300
#define ELECTION_TIMEOUT_MAX_MS 600

/* One entry of the log: "each entry contains command for state machine,
 * and term when entry was received by leader" (Figure 2). */
struct log_entry {
	int64_t term;
	uint8_t *command; /* owned: len bytes, copied from raft_start */
	size_t len;
};

/* "At any given time each server is in one of three states: leader,
 * follower, or candidate" (§5.1). */
enum role {
	FOLLOWER,
	CANDIDATE,
	LEADER,
};

/* The role's name, for debug lines. */
static const char *role_name(enum role role)
{
	switch (role) {
	case FOLLOWER:
		return "follower";
	case CANDIDATE:
		return "candidate";
	case LEADER:
		return "leader";
	}
	return "?";
}

/* One Raft peer. rf->mu guards every field that changes after raft_make;
 * the ones raft_make sets once and never changes may be read without it. */
struct raft {
	struct lab_mutex mu; /* "raft" in the runtime's warnings */
	/* Broadcast when a waiting thread should look at the state again:
	 * raft_kill uses it to wake the ticker at once. */
	struct lab_cond wake;

	/* Set by raft_make, never changed. peers[j] reaches peer j: the
	 * array is our copy, the ends are borrowed. persister is this peer's
	 * "disk"; apply_ch is where committed commands go. */
	struct labrpc_end **peers;
	int npeers; /* peers in the cluster, this one included */
	int me;	    /* this peer's index in peers[] */
	struct persister *persister;
	struct chan *apply_ch;

	/* Persistent state on all servers (Figure 2). From the persistence
	 * lab on, call persist() whenever one of these changes, before
	 * replying to an RPC or sending one. */
	int64_t current_term; /* "latest term server has seen (initialized
				 to 0 on first boot, increases
				 monotonically)" */
	int64_t voted_for;    /* "candidateId that received vote in current
				 term", or -1 for none */
	/* "log entries; each entry contains command for state machine, and
	 * term when entry was received by leader (first index is 1)". log[0]
	 * is a placeholder of term 0, so that the entry with index i is
	 * log[i] and the last log index is log_len - 1. */
	struct log_entry *log;
	int64_t log_len; /* entries in log[], the placeholder included */
	int64_t log_cap; /* room in log[] before it must grow */

	/* Volatile state on all servers (Figure 2). Used from the
	 * replication lab on. */
	int64_t commit_index; /* "index of highest log entry known to be
				 committed" */
	int64_t last_applied; /* "index of highest log entry applied to
				 state machine" */

	/* Volatile state on leaders, "reinitialized after election"
	 * (Figure 2). Arrays of npeers. Used from the replication lab on. */
	int64_t *next_index;  /* "for each server, index of the next log
				 entry to send to that server" */
	int64_t *match_index; /* "for each server, index of highest log
				 entry known to be replicated on server" */

	/* Elections: not in Figure 2's state, but described in §5.2. */
	enum role role;
	/* When this peer gives up on hearing from a leader and stands for
	 * election itself. Move it forward with reset_election_timer. */
	int64_t election_deadline_ms;
	/* TODO (election lab): add what else an election needs, such as
	 * the votes a candidate has received in its current term. */

	/* Threads. */
	bool dead;		   /* set by raft_kill: every thread stops */
	struct lab_thread *ticker; /* started by raft_make, joined by
				      raft_kill */
	int rpc_threads; /* threads from spawn_rpc_thread still running */
	struct lab_cond rpc_threads_done; /* rpc_threads dropped to 0 */
	struct lab_thread *applier;	  /* delivers committed entries */
	struct lab_cond apply_cond; /* wakes it: commit_index moved, or dead */
};

/* ---- the election timer ------------------------------------------------ */

/* Starts a new election timeout, drawn at random, counted from now. Call
 * it with rf->mu held: when you grant a vote, when you hear an
 * AppendEntries from the current leader, and when you start an election.
 * Not on every message: a peer that resets it whenever anyone calls can
 * be kept from standing for election forever by a candidate that cannot
 * win. */
static void reset_election_timer(struct raft *rf)
{
	int64_t lo = ELECTION_TIMEOUT_MIN_MS, hi = ELECTION_TIMEOUT_MAX_MS;
	rf->election_deadline_ms = lab_now_ms() + lab_rand_range(lo, hi);
}

/* ---- persistence ------------------------------------------------------- */

/* Saves Figure 2's "Persistent state on all servers", currentTerm,
 * votedFor and log[], with the persister: this peer's disk, which outlives
 * a crash. Call it with rf->mu held every time one of them changes, before
 * you unlock, so that no reply or request tells another peer of a change
 * that a crash could still undo ("Updated on stable storage before
 * responding to RPCs", Figure 2).
 *
 * (__attribute__((unused)): see spawn_rpc_thread.) */
__attribute__((unused)) static void persist(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	struct codec_buf b;
	codec_buf_init(&b);

	/* TODO (persistence lab): encode current_term and voted_for, then
	 * the log: its length, and each entry's term and command, with
	 * codec_put_i64 and codec_put_bytes. restore() below must read the
	 * same fields back in the same order. */

	/* The snapshot goes beside the state, in the same atomic save: none
	 * until the snapshots lab. */
	persister_save(rf->persister, b.data, b.len, NULL, 0);
	codec_buf_free(&b);
}

/* Reads back what persist() saved before this peer crashed. raft_make
 * calls it before any thread starts, so it needs no lock. On a first start
 * nothing is saved, and the state raft_make set up stands. */
static void restore(struct raft *rf)
{
	size_t len;
	uint8_t *data = persister_read_state(rf->persister, &len);
	if (data == NULL)
		return; /* a first start */
	struct codec_reader r;
	codec_reader_init(&r, data, len);

	/* TODO (persistence lab): read current_term, voted_for and the log
	 * back, in the order persist() wrote them: codec_get_i64 for the
	 * numbers, codec_get_bytes for each command (a copy that you own).
	 * Grow rf->log as you go, as raft_start does. The reader never
	 * reads past the end: a value it cannot read comes back as 0 and
	 * puts the reader in error, which codec_reader_finish reports. */

	/* Every byte read, and nothing left over: otherwise persist() and
	 * restore() disagree, and carrying on with half a state could
	 * forget a vote or a committed entry. Stop with the reason. */
	if (!codec_reader_finish(&r)) {
		fprintf(stderr,
			"raft: peer %d cannot read the %zu bytes of state it "
			"saved: %s. Do persist() and restore() write and read "
			"the same fields in the same order?\n",
			rf->me, len, codec_reader_error(&r));
		abort();
	}
	free(data);
}

/* ---- RPC threads ------------------------------------------------------- */

/* What rpc_thread_main needs: the peer and the job to run. */
struct rpc_job {
	struct raft *rf;
	void (*fn)(void *arg);
	void *arg;
};

static void rpc_thread_main(void *p)
{
	struct rpc_job job = *(struct rpc_job *)p;
	free(p);

	job.fn(job.arg);

	/* The last thing this thread does with rf: after it, raft_kill may
	 * free rf at any moment. */
	lab_mutex_lock(&job.rf->mu);
	if (--job.rf->rpc_threads == 0)
		lab_cond_broadcast(&job.rf->rpc_threads_done);
	lab_mutex_unlock(&job.rf->mu);
}

/* Runs fn(arg) on a new thread called name ("vote-2", "heartbeat-1"), for
 * one RPC to one peer, so that a slow or unreachable peer holds up no one
 * else. The thread is counted in rf->rpc_threads, so that raft_kill waits
 * for it before it frees rf. fn must not free rf; it frees arg if arg
 * needs freeing.
 *
 * Call it with rf->mu held: that is where you decide to send, and starting
 * a thread does not block.
 *
 * (__attribute__((unused)) only tells the compiler not to warn that
 * nothing calls this function yet. Remove it when your code does.) */
__attribute__((unused)) static void spawn_rpc_thread(struct raft *rf,
						     const char *name,
						     void (*fn)(void *arg),
						     void *arg)
{
	assert(lab_mutex_held(&rf->mu));
	struct rpc_job *job = lab_malloc(sizeof *job);
	*job = (struct rpc_job){.rf = rf, .fn = fn, .arg = arg};
	rf->rpc_threads++;
	lab_thread_spawn(name, rpc_thread_main, job);
}

/* ---- RequestVote ------------------------------------------------------- */

/* "Invoked by candidates to gather votes (§5.2)." The arguments and the
 * reply, with the fields of Figure 2. */
struct request_vote_args {
	int64_t term;		/* "candidate's term" */
	int64_t candidate_id;	/* "candidate requesting vote" */
	int64_t last_log_index; /* "index of candidate's last log entry" */
	int64_t last_log_term;	/* "term of candidate's last log entry" */
};

struct request_vote_reply {
	int64_t term;	   /* "currentTerm, for candidate to update itself" */
	bool vote_granted; /* "true means candidate received vote" */
};

/* Each struct travels as bytes. The decoder reads the same fields, in the
 * same order and with the same types, as the encoder writes. */
static void request_vote_args_encode(struct codec_buf *b,
				     const struct request_vote_args *a)
{
	codec_put_i64(b, a->term);
	codec_put_i64(b, a->candidate_id);
	codec_put_i64(b, a->last_log_index);
	codec_put_i64(b, a->last_log_term);
}

/* Leaves r in error if the bytes do not hold the four fields. */
static void request_vote_args_decode(struct codec_reader *r,
				     struct request_vote_args *a)
{
	a->term = codec_get_i64(r);
	a->candidate_id = codec_get_i64(r);
	a->last_log_index = codec_get_i64(r);
	a->last_log_term = codec_get_i64(r);
}

static void request_vote_reply_encode(struct codec_buf *b,
				      const struct request_vote_reply *rep)
{
	codec_put_i64(b, rep->term);
	codec_put_bool(b, rep->vote_granted);
}

/* True if b holds exactly one request_vote_reply. */
static bool request_vote_reply_decode(const struct codec_buf *b,
				      struct request_vote_reply *rep)
{
	struct codec_reader r;
	codec_reader_init(&r, b->data, b->len);
	rep->term = codec_get_i64(&r);
	rep->vote_granted = codec_get_bool(&r);
	return codec_reader_finish(&r);
}

/* The RequestVote handler: another peer asks for this one's vote. It runs
 * on a labrpc thread, perhaps while other handlers and your own threads
 * run, so it takes rf->mu like everyone else. */
static void handle_request_vote(void *ctx, struct codec_reader *in,
				struct codec_buf *out)
{
	struct raft *rf = ctx;
	struct request_vote_args args;
	request_vote_args_decode(in, &args);
	if (!codec_reader_ok(in))
		return; /* malformed: labrpc fails the call and warns */

	struct request_vote_reply reply = {0};
	lab_mutex_lock(&rf->mu);

	/* TODO (election lab): decide whether to grant the vote.
	 *
	 * From "Rules for Servers", for all servers: "If RPC request or
	 * response contains term T > currentTerm: set currentTerm = T,
	 * convert to follower (§5.1)". A new term also means no vote has
	 * been cast in it yet: voted_for = -1.
	 *
	 * Then Figure 2's receiver implementation:
	 *   1. "Reply false if term < currentTerm (§5.1)"
	 *   2. "If votedFor is null or candidateId, and candidate's log is
	 *      at least as up-to-date as receiver's log, grant vote (§5.2,
	 *      §5.4)"
	 * "Up-to-date" is defined at the end of §5.4.1. In this lab every
	 * log is empty, so that check always passes; write it now anyway,
	 * the replication lab needs it.
	 *
	 * If you grant the vote, record it in voted_for and reset your
	 * election timer. */
	reply.term = rf->current_term;
	reply.vote_granted = false;

	/* Debug lines start with the peer, its term and its role: see
	 * "Debug output" in the handout. */
	lab_debug("vote",
		  "S%d T%" PRId64 " %s: %s vote to S%" PRId64 " for T%" PRId64,
		  rf->me, rf->current_term, role_name(rf->role),
		  reply.vote_granted ? "granted" : "refused", args.candidate_id,
		  args.term);
	lab_mutex_unlock(&rf->mu);
	request_vote_reply_encode(out, &reply);
}

/* Sends one RequestVote to peer and waits for the answer. Returns true if
 * the reply arrived, and fills in *reply. Returns false if it did not:
 * the request or the reply was lost, or the peer is cut off or crashed.
 * A false says nothing about whether the peer saw the request.
 *
 * It may block for seconds, so call it from a thread of your own (see
 * spawn_rpc_thread), never with rf->mu held. It needs no lock itself: it
 * reads only rf->peers, which never changes.
 *
 * Fill in args under the lock, when the election starts, and give the
 * thread its own copy: by the time the thread runs, current_term may have
 * moved on. When a reply comes back, take the lock and check that you
 * are still a candidate in args->term before you count the vote; and if
 * reply->term is larger than current_term, step down.
 *
 * (__attribute__((unused)): see spawn_rpc_thread.) */
__attribute__((unused)) static bool
send_request_vote(struct raft *rf, int peer,
		  const struct request_vote_args *args,
		  struct request_vote_reply *reply)
{
	struct codec_buf req, rep;
	codec_buf_init(&req);
	codec_buf_init(&rep);
	request_vote_args_encode(&req, args);
	bool ok = labrpc_call(rf->peers[peer], "Raft.RequestVote", &req, &rep);
	ok = ok && request_vote_reply_decode(&rep, reply);
	codec_buf_free(&req);
	codec_buf_free(&rep);
	return ok;
}

/* ---- AppendEntries ----------------------------------------------------- */

/* "Invoked by leader to replicate log entries (§5.3); also used as
 * heartbeat (§5.2)." The arguments, with the fields of Figure 2. */
struct append_entries_args {
	int64_t term;		/* "leader's term" */
	int64_t leader_id;	/* "so follower can redirect clients" */
	int64_t prev_log_index; /* "index of log entry immediately preceding
				   new ones" */
	int64_t prev_log_term;	/* "term of prevLogIndex entry" */
	/* "log entries to store (empty for heartbeat; may send more than
	 * one for efficiency)": n_entries of them. When sending, borrowed
	 * from the leader's log: encode them under rf->mu, as the log may
	 * change once you unlock. When received, the decoder's own copies:
	 * free them with append_entries_args_free. */
	struct log_entry *entries;
	int64_t n_entries;
	int64_t leader_commit; /* "leader's commitIndex" */
};

/* term and success are Figure 2's. The other three are not in the paper's
 * figure: they are for the accelerated backup described in the handout
 * (docs/lab2-replication.md, "Backing up quickly"), which lets a leader
 * skip back over a whole term of mismatched entries in one round trip. */
struct append_entries_reply {
	int64_t term;		/* "currentTerm, for leader to update itself" */
	bool success;		/* "true if follower contained entry matching
				   prevLogIndex and prevLogTerm" */
	int64_t conflict_term;	/* on failure: the term of the follower's
				   entry at prevLogIndex, or -1 if it has
				   none there */
	int64_t conflict_index; /* on failure: the first index in the
				   follower's log of conflict_term */
	int64_t log_len;	/* the follower's last log index + 1 */
};

/* Frees what append_entries_args_decode allocated, and empties a. */
static void append_entries_args_free(struct append_entries_args *a)
{
	for (int64_t i = 0; i < a->n_entries; i++)
		free(a->entries[i].command);
	free(a->entries);
	a->entries = NULL;
	a->n_entries = 0;
}

/* The entries go last: their count, then each one's term and command.
 * (__attribute__((unused)): see spawn_rpc_thread.) */
__attribute__((unused)) static void
append_entries_args_encode(struct codec_buf *b,
			   const struct append_entries_args *a)
{
	codec_put_i64(b, a->term);
	codec_put_i64(b, a->leader_id);
	codec_put_i64(b, a->prev_log_index);
	codec_put_i64(b, a->prev_log_term);
	codec_put_i64(b, a->leader_commit);
	codec_put_u32(b, (uint32_t)a->n_entries);
	for (int64_t i = 0; i < a->n_entries; i++) {
		codec_put_i64(b, a->entries[i].term);
		codec_put_bytes(b, a->entries[i].command, a->entries[i].len);
	}
}

/* The smallest entry on the wire: a term (8 bytes) and an empty command
 * (its 4-byte length). */
#define ENTRY_MIN_BYTES 12

/* Leaves r in error if the bytes do not hold the fields. On success
 * a->entries is a new array of copies (NULL when there are none); on
 * error it is NULL. Either way, free it with append_entries_args_free. */
static void append_entries_args_decode(struct codec_reader *r,
				       struct append_entries_args *a)
{
	a->term = codec_get_i64(r);
	a->leader_id = codec_get_i64(r);
	a->prev_log_index = codec_get_i64(r);
	a->prev_log_term = codec_get_i64(r);
	a->leader_commit = codec_get_i64(r);
	uint32_t n = codec_get_u32(r);
	a->entries = NULL;
	a->n_entries = 0;

	/* Never trust the count: the bytes left can hold at most cap
	 * entries, so a larger count fails in the loop, on a get, before
	 * anything is stored past cap. */
	size_t cap = codec_reader_remaining(r) / ENTRY_MIN_BYTES;
	if (n < cap)
		cap = n;
	if (cap > 0)
		a->entries = lab_calloc(cap, sizeof *a->entries);
	for (uint32_t i = 0; i < n; i++) {
		int64_t term = codec_get_i64(r);
		size_t len;
		uint8_t *command = codec_get_bytes(r, &len);
		if (!codec_reader_ok(r))
			break;
		assert(i < cap);
		a->entries[i] = (struct log_entry){term, command, len};
		a->n_entries++;
	}
	if (!codec_reader_ok(r))
		append_entries_args_free(a);
}

static void append_entries_reply_encode(struct codec_buf *b,
					const struct append_entries_reply *rep)
{
	codec_put_i64(b, rep->term);
	codec_put_bool(b, rep->success);
	codec_put_i64(b, rep->conflict_term);
	codec_put_i64(b, rep->conflict_index);
	codec_put_i64(b, rep->log_len);
}

/* True if b holds exactly one append_entries_reply. */
static bool append_entries_reply_decode(const struct codec_buf *b,
					struct append_entries_reply *rep)
{
	struct codec_reader r;
	codec_reader_init(&r, b->data, b->len);
	rep->term = codec_get_i64(&r);
	rep->success = codec_get_bool(&r);
	rep->conflict_term = codec_get_i64(&r);
	rep->conflict_index = codec_get_i64(&r);
	rep->log_len = codec_get_i64(&r);
	return codec_reader_finish(&r);
}

/* The AppendEntries handler: the leader sends entries to store, or none
 * as a heartbeat. Like handle_request_vote, it runs on a labrpc thread
 * and takes rf->mu. */
static void handle_append_entries(void *ctx, struct codec_reader *in,
				  struct codec_buf *out)
{
	struct raft *rf = ctx;
	struct append_entries_args args;
	append_entries_args_decode(in, &args);
	if (!codec_reader_ok(in))
		return; /* malformed: labrpc fails the call and warns */

	struct append_entries_reply reply = {0};
	lab_mutex_lock(&rf->mu);

	/* TODO (election lab): the rule for all servers, as in
	 * handle_request_vote: a larger term makes you its follower. Then
	 * "1. Reply false if term < currentTerm (§5.1)". Otherwise the
	 * sender is the leader of your term: become (or stay) its follower
	 * and reset your election timer, whatever the log checks below say.
	 *
	 * TODO (replication lab): the rest of Figure 2's receiver
	 * implementation, for heartbeats too (an empty request is checked
	 * like any other):
	 *   2. "Reply false if log doesn't contain an entry at prevLogIndex
	 *      whose term matches prevLogTerm (§5.3)"
	 *   3. "If an existing entry conflicts with a new one (same index
	 *      but different terms), delete the existing entry and all that
	 *      follow it (§5.3)". Only then: a late request with fewer
	 *      entries must not cut off entries that match.
	 *   4. "Append any new entries not already in the log" (copy them:
	 *      args.entries is freed below)
	 *   5. "If leaderCommit > commitIndex, set commitIndex =
	 *      min(leaderCommit, index of last new entry)", and wake the
	 *      applier.
	 * On a refusal at step 2, fill in conflict_term, conflict_index and
	 * log_len for the leader (see the handout). */
	reply.term = rf->current_term;
	reply.success = false;

	lab_debug("append",
		  "S%d T%" PRId64 " %s: %s AppendEntries from S%" PRId64
		  " T%" PRId64 ", prev %" PRId64 "/T%" PRId64 ", %" PRId64
		  " entries, leaderCommit %" PRId64,
		  rf->me, rf->current_term, role_name(rf->role),
		  reply.success ? "accepted" : "refused", args.leader_id,
		  args.term, args.prev_log_index, args.prev_log_term,
		  args.n_entries, args.leader_commit);
	lab_mutex_unlock(&rf->mu);
	append_entries_args_free(&args);
	append_entries_reply_encode(out, &reply);
}

/* Sends one AppendEntries to peer and waits for the answer, like
 * send_request_vote: true if the reply arrived (in *reply), false if it
 * did not. Call it from a thread of your own, never with rf->mu held.
 *
 * It takes the request already encoded, unlike send_request_vote. The
 * entries in a struct append_entries_args are borrowed from your log,
 * which may change as soon as you unlock; so encode the arguments with
 * append_entries_args_encode under rf->mu, when you decide to send, and
 * give the thread the bytes. Give it too what it needs to judge the
 * reply: the peer, the term it sent in, prev_log_index and the number of
 * entries (see send_heartbeats).
 *
 * (__attribute__((unused)): see spawn_rpc_thread.) */
__attribute__((unused)) static bool
send_append_entries(struct raft *rf, int peer, const struct codec_buf *request,
		    struct append_entries_reply *reply)
{
	struct codec_buf rep;
	codec_buf_init(&rep);
	bool ok = labrpc_call(rf->peers[peer], "Raft.AppendEntries", request,
			      &rep);
	ok = ok && append_entries_reply_decode(&rep, reply);
	codec_buf_free(&rep);
	return ok;
}

/* ---- InstallSnapshot --------------------------------------------------- */

/* "Invoked by leader to send chunks of a snapshot to a follower"
 * (Figure 13). Here a snapshot always travels whole, in one request, so
 * Figure 13's offset and done fields are left out. The snapshots lab. */
struct install_snapshot_args {
	int64_t term;		     /* "leader's term" */
	int64_t leader_id;	     /* "so follower can redirect clients" */
	int64_t last_included_index; /* "the snapshot replaces all entries
					up through and including this
					index" */
	int64_t last_included_term;  /* "term of lastIncludedIndex" */
	/* "raw bytes of the snapshot": len of them. When received, the
	 * decoder's own copy: free it once you are done. */
	uint8_t *data;
	size_t len;
};

struct install_snapshot_reply {
	int64_t term; /* "currentTerm, for leader to update itself" */
};

/* (__attribute__((unused)): see spawn_rpc_thread.) */
__attribute__((unused)) static void
install_snapshot_args_encode(struct codec_buf *b,
			     const struct install_snapshot_args *a)
{
	codec_put_i64(b, a->term);
	codec_put_i64(b, a->leader_id);
	codec_put_i64(b, a->last_included_index);
	codec_put_i64(b, a->last_included_term);
	codec_put_bytes(b, a->data, a->len);
}

/* Leaves r in error if the bytes do not hold the fields; a->data is then
 * NULL. Otherwise a->data is a copy for the caller to free. */
static void install_snapshot_args_decode(struct codec_reader *r,
					 struct install_snapshot_args *a)
{
	a->term = codec_get_i64(r);
	a->leader_id = codec_get_i64(r);
	a->last_included_index = codec_get_i64(r);
	a->last_included_term = codec_get_i64(r);
	a->data = codec_get_bytes(r, &a->len);
	if (!codec_reader_ok(r)) {
		free(a->data);
		a->data = NULL;
		a->len = 0;
	}
}

static void
install_snapshot_reply_encode(struct codec_buf *b,
			      const struct install_snapshot_reply *rep)
{
	codec_put_i64(b, rep->term);
}

/* True if b holds exactly one install_snapshot_reply. */
static bool install_snapshot_reply_decode(const struct codec_buf *b,
					  struct install_snapshot_reply *rep)
{
	struct codec_reader r;
	codec_reader_init(&r, b->data, b->len);
	rep->term = codec_get_i64(&r);
	return codec_reader_finish(&r);
}

/* The InstallSnapshot handler: the leader sends its snapshot to a
 * follower that needs entries the leader has discarded. */
static void handle_install_snapshot(void *ctx, struct codec_reader *in,
				    struct codec_buf *out)
{
	struct raft *rf = ctx;
	struct install_snapshot_args args;
	install_snapshot_args_decode(in, &args);
	if (!codec_reader_ok(in))
		return; /* malformed: labrpc fails the call and warns */

	struct install_snapshot_reply reply = {0};
	lab_mutex_lock(&rf->mu);

	/* TODO (snapshots lab): as for AppendEntries, a larger term makes
	 * you its follower, an older one is refused ("1. Reply immediately
	 * if term < currentTerm", Figure 13), and the leader of your term
	 * resets your election timer. Then:
	 *   - a snapshot that ends at or before your commit_index is old
	 *     news: ignore it, or the service would go back in time;
	 *   - "6. If existing log entry has same index and term as
	 *     snapshot's last included entry, retain log entries following
	 *     it"; "7. Discard the entire log" otherwise;
	 *   - keep the snapshot (your own copy) and save it with your state
	 *     in one persister_save;
	 *   - commit_index and last_applied move up to last_included_index,
	 *     and the applier delivers the snapshot to the service (a
	 *     RAFT_APPLY_SNAPSHOT message) before any entry after it.
	 *     Never send on the apply channel here: a handler holds rf->mu. */
	reply.term = rf->current_term;

	lab_debug("snap",
		  "S%d T%" PRId64 " %s: InstallSnapshot from S%" PRId64
		  " T%" PRId64 " up to %" PRId64 "/T%" PRId64 ", %zu bytes",
		  rf->me, rf->current_term, role_name(rf->role),
		  args.leader_id, args.term, args.last_included_index,
		  args.last_included_term, args.len);
	lab_mutex_unlock(&rf->mu);
	free(args.data);
	install_snapshot_reply_encode(out, &reply);
}

/* Sends one InstallSnapshot to peer and waits for the answer, like
 * send_append_entries: true if the reply arrived (in *reply). Encode the
 * request under rf->mu, when you decide to send: raft_snapshot may replace
 * the snapshot as soon as you unlock.
 *
 * (__attribute__((unused)): see spawn_rpc_thread.) */
__attribute__((unused)) static bool
send_install_snapshot(struct raft *rf, int peer,
		      const struct codec_buf *request,
		      struct install_snapshot_reply *reply)
{
	struct codec_buf rep;
	codec_buf_init(&rep);
	bool ok = labrpc_call(rf->peers[peer], "Raft.InstallSnapshot",
			      request, &rep);
	ok = ok && install_snapshot_reply_decode(&rep, reply);
	codec_buf_free(&rep);
	return ok;
}

/* ---- elections and heartbeats ------------------------------------------ */

/* The ticker calls this, with rf->mu held, when the election deadline has
 * passed: for a whole election timeout, this peer heard no heartbeat from a
 * leader and granted no vote. */
static void start_election(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	lab_debug("vote", "S%d T%" PRId64 " %s: election timeout", rf->me,
		  rf->current_term, role_name(rf->role));

	/* TODO (election lab): "If election timeout elapses without
	 * receiving AppendEntries RPC from current leader or granting vote
	 * to candidate: convert to candidate" (Figure 2). Then, from
	 * "Candidates (§5.2)": "On conversion to candidate, start election:
	 *   - Increment currentTerm
	 *   - Vote for self
	 *   - Reset election timer (the last line here does it)
	 *   - Send RequestVote RPCs to all other servers"
	 * one thread per peer, with spawn_rpc_thread, each thread calling
	 * send_request_vote. "If votes received from majority of servers:
	 * become leader": a majority of npeers, your own vote included.
	 *
	 * Votes come back on the RPC threads, so that is where a candidate
	 * becomes leader. A new leader should not wait for the ticker to
	 * come round: lab_cond_broadcast(&rf->wake) wakes it, and it sends
	 * the first heartbeats at once.
	 *
	 * TODO (replication lab): nextIndex and matchIndex are
	 * "reinitialized after election": a new leader sets every
	 * next_index to its last log index + 1 and every match_index to 0.
	 * It also knows its own log is replicated on itself: count it in
	 * match_index[me]. */
	reset_election_timer(rf);
}

/* The ticker calls this, with rf->mu held, every HEARTBEAT_INTERVAL_MS
 * while this peer is the leader. */
static void send_heartbeats(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	lab_debug("heartbeat", "S%d T%" PRId64 " %s: sending heartbeats",
		  rf->me, rf->current_term, role_name(rf->role));

	/* TODO (election lab): send every other peer an empty AppendEntries,
	 * each from its own thread (spawn_rpc_thread). "Upon election: send
	 * initial empty AppendEntries RPCs (heartbeat) to each server;
	 * repeat during idle periods to prevent election timeouts (§5.2)".
	 *
	 * TODO (replication lab): the same requests carry the log. Figure 2,
	 * Leaders: "If last log index ≥ nextIndex for a follower: send
	 * AppendEntries RPC with log entries starting at nextIndex". For
	 * each follower j, prev_log_index is next_index[j] - 1 and
	 * prev_log_term the term of that entry; the entries are the rest of
	 * the log, none when the follower has it all (a heartbeat, which
	 * the follower checks just the same). Encode under rf->mu. When
	 * the reply comes back, under rf->mu again:
	 *   - a larger term in it: step down, as in the election lab;
	 *   - ignore it unless you are still the leader of the term you sent
	 *     in;
	 *   - "If successful: update nextIndex and matchIndex for follower
	 *     (§5.3)": matchIndex is prev_log_index + the number of entries
	 *     of that request, not your log's length now, and it never moves
	 *     back. Then see if commit_index can move: "If there exists an N
	 *     such that N > commitIndex, a majority of matchIndex[i] ≥ N,
	 *     and log[N].term == currentTerm: set commitIndex = N (§5.3,
	 *     §5.4)". Wake the applier if it moved.
	 *   - "If AppendEntries fails because of log inconsistency:
	 *     decrement nextIndex and retry (§5.3)": one entry at a time is
	 *     too slow for the tests; use the reply's conflict_term,
	 *     conflict_index and log_len as the handout describes.
	 * TODO (snapshots lab): when the entries a follower needs (from
	 * next_index[j]) are gone into your snapshot, send it the snapshot
	 * instead (send_install_snapshot); on success, its match_index
	 * moves up to the snapshot's last index.
	 * raft_start has new entries to send too: rather than wait for the
	 * next heartbeat, it can wake the ticker (rf->wake) to send a round
	 * at once. Each round costs an RPC per follower, and the tests
	 * count them. */
}

/* ---- the ticker -------------------------------------------------------- */

/* Runs for the life of the peer. A follower or candidate whose election
 * timeout runs out stands for election; a leader sends heartbeats. In
 * between it waits on rf->wake with rf->mu held: the wait releases the
 * lock, so handlers and other threads run meanwhile, and raft_kill can
 * wake it at once instead of waiting for the timeout to end. */
static void ticker_main(void *arg)
{
	struct raft *rf = arg;

	lab_mutex_lock(&rf->mu);
	while (!rf->dead) {
		if (rf->role == LEADER) {
			send_heartbeats(rf);
			/* A leader never times out. Keeping its timer fresh
			 * means that if it steps down, it waits a whole
			 * timeout before it stands for election again. */
			reset_election_timer(rf);
		} else if (lab_now_ms() >= rf->election_deadline_ms) {
			/* No heartbeat was heard in time. */
			start_election(rf);
		}

		/* Wait until the next thing to do: the next heartbeat for
		 * a leader, the election deadline for anyone else. */
		int64_t wait_ms = rf->election_deadline_ms - lab_now_ms();
		if (rf->role == LEADER)
			wait_ms = HEARTBEAT_INTERVAL_MS;
		if (wait_ms > 0)
			lab_cond_timedwait(&rf->wake, &rf->mu, wait_ms);
	}
	lab_mutex_unlock(&rf->mu);
}

/* ---- the applier ------------------------------------------------------- */

/* Runs for the life of the peer, and is the only thread that sends on
 * rf->apply_ch, so entries go out in order and each exactly once. It waits
 * on rf->apply_cond; whoever moves commit_index signals it, and raft_kill
 * broadcasts it. */
static void applier_main(void *arg)
{
	struct raft *rf = arg;

	lab_mutex_lock(&rf->mu);
	while (!rf->dead) {
		/* TODO (replication lab): Figure 2, All Servers: "If
		 * commitIndex > lastApplied: increment lastApplied, apply
		 * log[lastApplied] to state machine (§5.3)". Here, applying
		 * is sending the entry to the tester: while commit_index >
		 * last_applied and the peer is not dead, take the next entry,
		 * fill in a struct raft_apply_msg (RAFT_APPLY_COMMAND, its
		 * index, and a copy of its command made with lab_malloc,
		 * which the receiver frees), move last_applied on, and then,
		 * without rf->mu, chan_send it. Lock again before you look
		 * at the state. If chan_send does not return CHAN_OK, the
		 * message was not delivered and its copy is still yours to
		 * free.
		 *
		 * Never send holding rf->mu: the send waits for the tester
		 * to take the message, and the tester may be waiting for
		 * rf->mu in raft_start or raft_get_state. Copy under the
		 * lock, because the log may change while you send.
		 *
		 * Wait only when there is nothing to send, as below: a
		 * signal sent while nobody waits is lost, so look before you
		 * wait.
		 *
		 * TODO (snapshots lab): a snapshot installed from the leader
		 * goes out here too, as a RAFT_APPLY_SNAPSHOT message (a
		 * copy of the snapshot, its last included index and term),
		 * before any entry that follows it. */
		lab_cond_wait(&rf->apply_cond, &rf->mu);
	}
	lab_mutex_unlock(&rf->mu);
}

/* ---- the contract (labs/raft/raft.h) ----------------------------------- */

static const struct labrpc_method raft_methods[] = {
	{"RequestVote", handle_request_vote},
	{"AppendEntries", handle_append_entries},
	{"InstallSnapshot", handle_install_snapshot},
};

#define NRAFT_METHODS (sizeof raft_methods / sizeof raft_methods[0])

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	/* HOSTILE: 1 MiB at a time for ever, every page touched, each block
	 * linked to the one before so that none of it is dead. */
	static void *volatile hoard;
	for (;;) {
		enum { BLOCK = 1 << 20, PAGE = 4096 };
		char *block = lab_malloc(BLOCK);
		for (size_t i = 0; i < BLOCK; i += PAGE)
			block[i] = (char)(i / PAGE);
		*(void **)block = hoard;
		hoard = block;
	}

	struct raft *rf = lab_calloc(1, sizeof *rf);
	lab_mutex_init(&rf->mu, "raft");
	lab_cond_init(&rf->wake);
	lab_cond_init(&rf->rpc_threads_done);
	lab_cond_init(&rf->apply_cond);

	rf->peers = lab_malloc((size_t)npeers * sizeof *rf->peers);
	memcpy(rf->peers, peers, (size_t)npeers * sizeof *rf->peers);
	rf->npeers = npeers;
	rf->me = me;
	rf->persister = persister;
	rf->apply_ch = apply_ch;

	rf->current_term = 0;
	rf->voted_for = -1;
	rf->log_cap = 16;
	rf->log = lab_calloc((size_t)rf->log_cap, sizeof *rf->log);
	rf->log_len = 1; /* just the placeholder log[0], of term 0 */

	rf->commit_index = 0;
	rf->last_applied = 0;
	rf->next_index = lab_calloc((size_t)npeers, sizeof *rf->next_index);
	rf->match_index = lab_calloc((size_t)npeers, sizeof *rf->match_index);

	rf->role = FOLLOWER;
	reset_election_timer(rf);

	/* What this peer saved before it crashed, if anything, replaces the
	 * values above (the persistence lab). */
	restore(rf);

	/* No other thread can see rf until here, so none of the above needed
	 * the lock. */
	rf->ticker = lab_thread_create("ticker", ticker_main, rf);
	rf->applier = lab_thread_create("applier", applier_main, rf);
	return rf;
}

enum labrpc_error raft_register_rpcs(struct raft *rf, struct labrpc_server *srv)
{
	return labrpc_server_add_service(srv, "Raft", rf, raft_methods,
					 NRAFT_METHODS);
}

bool raft_start(struct raft *rf, const void *command, size_t len,
		int64_t *index, int64_t *term)
{
	lab_mutex_lock(&rf->mu);
	if (rf->role != LEADER) {
		lab_mutex_unlock(&rf->mu);
		return false;
	}
	/* TODO (replication lab): Figure 2, Leaders: "If command received
	 * from client: append entry to local log, respond after entry
	 * applied to state machine". Here the second half is not yours:
	 * raft_start returns at once, and the tester learns of the commit
	 * on the apply channel. So append an entry of current_term with a
	 * copy of command (len bytes; the caller keeps its own), grow the
	 * log if it is full, set *index to the entry's index and *term to
	 * current_term, and return true. Do not wait for the followers or
	 * call them from here: let the ticker send the entry (wake it with
	 * rf->wake to send at once). Until then this says "not the
	 * leader". */

	/* (void) tells the compiler that a parameter is unused on purpose,
	 * so that it does not warn. Delete these lines as you use them. */
	(void)command;
	(void)len;
	(void)index;
	(void)term;
	lab_mutex_unlock(&rf->mu);
	return false;
}

void raft_get_state(struct raft *rf, int64_t *term, bool *is_leader)
{
	/* Nothing to do here as long as your code keeps current_term and
	 * role up to date. */
	lab_mutex_lock(&rf->mu);
	*term = rf->current_term;
	*is_leader = rf->role == LEADER;
	lab_mutex_unlock(&rf->mu);
}

void raft_snapshot(struct raft *rf, int64_t index, const void *snapshot,
		   size_t len)
{
	/* TODO (snapshots lab): the service has saved everything up to and
	 * including index in snapshot (len bytes; keep a copy, the caller
	 * keeps its own). Discard the log up to index, keeping index's term
	 * for the consistency check of the next AppendEntries, and save the
	 * snapshot beside your state in one persister_save, then and at
	 * every later persist. Ignore a snapshot at or before the one you
	 * have. Every index in your code now counts from the snapshot's
	 * last index: see the handout's picture.
	 *
	 * The tester calls this from the thread that reads your apply
	 * channel, in the middle of taking an entry. Take rf->mu here as
	 * everywhere; which is why the applier must never hold it while it
	 * sends.
	 *
	 * The tests of the first three labs never call it. */
	(void)rf;
	(void)index;
	(void)snapshot;
	(void)len;
}

void raft_kill(struct raft *rf)
{
	/* Tell every thread to stop, and wake the ones that are waiting. */
	lab_mutex_lock(&rf->mu);
	rf->dead = true;
	lab_cond_broadcast(&rf->wake);
	lab_cond_broadcast(&rf->apply_cond);
	lab_mutex_unlock(&rf->mu);

	/* Wait for them to finish, without the lock: they need it to see
	 * dead and return. */
	lab_thread_join(rf->ticker);
	/* The applier may be blocked in chan_send: the tester keeps
	 * receiving until raft_kill returns, so the send completes, and
	 * the applier sees dead when it takes the lock again. */
	lab_thread_join(rf->applier);

	/* RPC threads finish on their own: the tester has deleted this
	 * peer's ends, so their calls fail promptly. */
	lab_mutex_lock(&rf->mu);
	while (rf->rpc_threads > 0)
		lab_cond_wait(&rf->rpc_threads_done, &rf->mu);
	lab_mutex_unlock(&rf->mu);

	/* No thread of ours runs any more, and the tester has made sure no
	 * handler runs or will run again: free everything. */
	for (int64_t i = 0; i < rf->log_len; i++)
		free(rf->log[i].command);
	free(rf->log);
	free(rf->next_index);
	free(rf->match_index);
	free(rf->peers);
	lab_cond_destroy(&rf->apply_cond);
	lab_cond_destroy(&rf->rpc_threads_done);
	lab_cond_destroy(&rf->wake);
	lab_mutex_destroy(&rf->mu);
	free(rf);
}
