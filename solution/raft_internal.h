/*
 * The reference Raft's private header: struct raft, which every file of
 * this folder shares, and the functions one file offers the others.
 * Nothing here is part of the contract (labs/raft/raft.h); the tester
 * never sees it.
 *
 * Where things live, one concern per file:
 *
 *   raft.c                   raft_make, raft_register_rpcs, raft_kill: the
 *                            life of an instance
 *   service.c                raft_start, raft_get_state
 *   convert.c                becoming follower, candidate or leader
 *   ticker.c                 the thread that starts elections and paces
 *                            the leader's rounds of AppendEntries
 *   election.c               a candidate asks for votes and counts them
 *   recv_request_vote.c      the RequestVote handler
 *   replication.c            a leader sends AppendEntries and acts on the
 *                            replies
 *   recv_append_entries.c    the AppendEntries handler
 *   snapshot.c               raft_snapshot; a leader sends InstallSnapshot
 *                            to a follower that lags behind its log
 *   recv_install_snapshot.c  the InstallSnapshot handler
 *   applier.c                the thread that delivers committed entries
 *                            (and installed snapshots) to the service
 *   log.c                    the log, reached only through its functions
 *   persist.c                saving and restoring currentTerm, votedFor,
 *                            the log and the snapshot
 *   message.c                the RPC arguments and replies as bytes
 *   rpc_thread.c             the short-lived threads that each make one
 *                            RPC
 *
 * Locking: one mutex, rf->mu, guards every field of struct raft that
 * changes after raft_make. A function whose comment says "Under rf->mu"
 * must be called with it held. Nothing holds it across labrpc_call,
 * chan_send, lab_sleep_ms or lab_thread_join.
 *
 * Quotes in comments are from the extended Raft paper (Ongaro and
 * Ousterhout, "In Search of an Understandable Consensus Algorithm"),
 * mostly its Figure 2 and, for snapshots, Figure 13.
 */
#ifndef RAFT_INTERNAL_H
#define RAFT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "codec.h"
#include "labrpc.h"
#include "persister.h"
#include "raft.h"
#include "runtime.h"

/* ---- timing -------------------------------------------------------------- */

/* A leader sends a round of AppendEntries this often when it has nothing
 * new to send. The tests allow at most 10 heartbeats per second, and
 * count RPCs: slower heartbeats leave room under their limits. */
#define HEARTBEAT_INTERVAL_MS 140

/* How many requests carrying new entries may be on their way to one
 * follower at once. Commands that arrive while that many are out wait for
 * an answer, and then go together; a follower that cannot be reached
 * holds no more than these, beside its heartbeats. With one, commands
 * started together wait a round trip more (the unreliable agreement test
 * took 1.8 s instead of 1.6). */
#define PIPELINE 4

/* Each election timeout is drawn at random from this range. The low end
 * is more than two heartbeat intervals, so a follower may lose one
 * heartbeat to an unreliable network without standing for election. The
 * spread, 200 ms, is long beside an RPC's round trip, so one candidate
 * usually asks for votes before another's timer runs out, and split votes
 * are rare (§5.2). The high end keeps a new leader well within the 5 s the
 * tests allow after a failure, even after a split vote or two. */
#define ELECTION_TIMEOUT_MIN_MS 300
#define ELECTION_TIMEOUT_MAX_MS 500

/* A leader that has had no answer from a majority for this long steps
 * down (§6.2 of Ongaro's dissertation): it is likely cut off from them,
 * and they are about to elect, or have elected, another. Meanwhile, as
 * leader, it would accept commands that can never commit. As long as the
 * longest election timeout, so that a leader that loses only some
 * heartbeats or replies to an unreliable network keeps its place. */
#define LEADER_QUORUM_TIMEOUT_MS ELECTION_TIMEOUT_MAX_MS

/* ---- the log (log.c) ----------------------------------------------------- */

/* "each entry contains command for state machine, and term when entry was
 * received by leader" (Figure 2). */
struct log_entry {
	int64_t term;
	uint8_t *command; /* owned by the log: len bytes */
	size_t len;
};

/* The log holds the entries with indexes base_index .. last. The entry at
 * base_index carries no command: it stands for everything up to it, and
 * keeps only its term, which the consistency check of AppendEntries
 * needs. On a first start the base is the index 0 of term 0 that comes
 * before the first entry ("first index is 1"); once a snapshot has
 * replaced a prefix, the base is the last entry the snapshot includes
 * (its "lastIncludedIndex" and "lastIncludedTerm", §7). Only log.c looks
 * inside. */
struct raft_log {
	struct log_entry *entries; /* entries[i] has index base_index + i */
	int64_t base_index;
	int64_t count; /* entries in use, the base included: at least 1 */
	int64_t cap;
};

/* An empty log: only the base, index 0 and term 0. Free with log_free. */
void log_init(struct raft_log *l);
void log_free(struct raft_log *l);

/* Empties the log down to a new base of the given index and term. */
void log_reset(struct raft_log *l, int64_t base_index, int64_t base_term);

/* The base's index and term (0 and 0 until there is a snapshot). */
int64_t log_base_index(const struct raft_log *l);
int64_t log_base_term(const struct raft_log *l);

/* The last entry's index and term (the base's, if the log is empty). */
int64_t log_last_index(const struct raft_log *l);
int64_t log_last_term(const struct raft_log *l);

/* True if the log holds index: base_index <= index <= last. */
bool log_has(const struct raft_log *l, int64_t index);

/* The term of the entry at index, which the log must hold. */
int64_t log_term_at(const struct raft_log *l, int64_t index);

/* The entry at index, which must be past the base (the base has no
 * command). Borrowed: valid until the log next changes. */
const struct log_entry *log_entry_at(const struct raft_log *l, int64_t index);

/* The entries from index (base_index < index <= last + 1) to the end, in
 * one array, and their number in *n. Borrowed: valid until the log next
 * changes. */
const struct log_entry *log_entries_from(const struct raft_log *l,
					 int64_t index, int64_t *n);

/* Appends an entry of term with a copy of len bytes of command, and
 * returns its index. */
int64_t log_append(struct raft_log *l, int64_t term, const void *command,
		   size_t len);

/* Deletes the entry at index and all that follow it. Requires
 * base_index < index. */
void log_truncate(struct raft_log *l, int64_t index);

/* Discards the entries up to index, which the log must hold past its
 * base: the entry at index becomes the new base. For a snapshot that
 * includes them (§7). */
void log_compact(struct raft_log *l, int64_t index);

/* The first index of the run of entries that share the term of the entry
 * at index (never below base_index + 1). */
int64_t log_term_first_index(const struct raft_log *l, int64_t index);

/* The index of the last entry of term, or -1 if the log has none. */
int64_t log_term_last_index(const struct raft_log *l, int64_t term);

/* ---- struct raft --------------------------------------------------------- */

/* "At any given time each server is in one of three states: leader,
 * follower, or candidate" (§5.1). */
enum role {
	FOLLOWER,
	CANDIDATE,
	LEADER,
};

struct raft {
	struct lab_mutex mu;
	/* Wakes the ticker: the peer was killed, or as leader has news to
	 * send now. */
	struct lab_cond wake;
	/* Wakes the applier: commit_index moved, or the peer was killed. */
	struct lab_cond apply_cond;

	/* Set by raft_make, never changed: read them without the lock. */
	struct labrpc_end **peers;   /* our copy; the ends are borrowed */
	int npeers;		     /* the cluster's size, me included */
	int me;			     /* this peer's index in peers[] */
	struct persister *persister; /* borrowed */
	struct chan *apply_ch;	     /* borrowed */

	/* Persistent state on all servers (Figure 2): "Updated on stable
	 * storage before responding to RPCs". Whoever changes one calls
	 * persist() before unlocking. */
	int64_t current_term; /* "latest term server has seen" */
	int64_t voted_for;    /* "candidateId that received vote in current
				 term", or -1 for "null" */
	struct raft_log log;

	/* Volatile state on all servers (Figure 2). */
	int64_t commit_index; /* "index of highest log entry known to be
				 committed" */
	int64_t last_applied; /* "index of highest log entry applied to
				 state machine" */

	/* Volatile state on leaders, "reinitialized after election"
	 * (Figure 2). Arrays of npeers. */
	int64_t *next_index;  /* "for each server, index of the next log
				 entry to send to that server": it moves
				 on as entries are sent */
	int64_t *match_index; /* "for each server, index of highest log
				 entry known to be replicated on server" */
	int *in_flight;	      /* for each server, our AppendEntries and
				 InstallSnapshot requests whose answers
				 have not come back */
	int64_t *commit_known; /* for each server, the leaderCommit of the
				  latest request it accepted */
	int64_t *sent_ms;     /* for each server, when we last sent it one
				 (lab_now_ms): its heartbeat is due
				 HEARTBEAT_INTERVAL_MS later */
	int64_t *answered_ms; /* for each server, when it last answered one
				 of our requests of this term (lab_now_ms):
				 to tell whether a majority still hears
				 us */

	/* Elections (§5.2), each after a pre-vote (election.c). */
	enum role role;
	int votes; /* a candidate's votes in current_term, its own included */
	int pre_votes;	     /* the same, in the pre-vote under way */
	int64_t pre_vote_round; /* counts pre-votes: tells a late reply to
				   an earlier one from a reply to this one */
	int64_t election_deadline_ms; /* when a follower or candidate stands
					 for election (lab_now_ms) */
	int64_t leader_heard_ms; /* when the leader of current_term last
				    reached us (lab_now_ms); 0 if never */

	/* The latest snapshot, of every entry up to the log's base: len
	 * bytes, owned; NULL and 0 until there is one. persist() saves it
	 * beside the state, so a save never loses it. */
	uint8_t *snapshot;
	size_t snapshot_len;
	/* A snapshot from the leader (InstallSnapshot) that the applier has
	 * yet to deliver to the service. */
	bool snapshot_pending;

	/* Threads. */
	bool dead; /* set by raft_kill: every thread stops */
	struct lab_thread *ticker;
	struct lab_thread *applier;
	/* RPC threads (rpc_thread.c): how many still run, and a signal for
	 * when none does. */
	int rpc_threads;
	struct lab_cond rpc_threads_done;
};

/* ---- convert.c: roles ---------------------------------------------------- */

/* Under rf->mu. Figure 2, Rules for Servers, All Servers: "If RPC request
 * or response contains term T > currentTerm: set currentTerm = T, convert
 * to follower (§5.1)". Returns true if term was newer, and so it did. */
bool convert_if_newer_term(struct raft *rf, int64_t term);

/* Under rf->mu. Becomes a follower in current_term. */
void convert_to_follower(struct raft *rf);

/* Under rf->mu. Becomes a candidate in a new term, voting for itself. */
void convert_to_candidate(struct raft *rf);

/* Under rf->mu. Becomes the leader of current_term. */
void convert_to_leader(struct raft *rf);

/* Under rf->mu. The leader of current_term has reached us with an
 * AppendEntries or InstallSnapshot: follow it, and restart the election
 * timer. */
void convert_on_leader_contact(struct raft *rf);

/* ---- election.c ---------------------------------------------------------- */

/* Under rf->mu. Starts a new election timeout, drawn at random, counted
 * from now. */
void election_reset_timer(struct raft *rf);

/* Under rf->mu. The election timeout ran out: asks every other peer
 * whether it would vote for us in the next term (a pre-vote), and stands
 * for election only if a majority would. */
void election_start(struct raft *rf);

/* ---- replication.c ------------------------------------------------------- */

/* Under rf->mu, as the leader. Sends an AppendEntries, with the entries
 * it lacks (none, for a heartbeat), to every other peer that is due one:
 * its heartbeat is due, or there is news for it (entries or a commit) and
 * no request to it is on its way. Returns when the next heartbeat falls
 * due (lab_now_ms). */
int64_t replication_send_due(struct raft *rf);

/* Under rf->mu, as the leader: a request to peer is about to go. */
void replication_sending(struct raft *rf, int peer);

/* Under rf->mu: a request of term to peer, which sent the entries from
 * first to last (last < first if none), came back with an answer (ok),
 * which the caller has handled, or failed. A failed request's entries go
 * again. If the leader has news for the peer (entries it lacks, or a
 * commit it has not heard of), and nothing else is on its way to it, the
 * news goes now. */
void replication_returned(struct raft *rf, int peer, int64_t term,
			  int64_t first, int64_t last, bool ok);

/* Under rf->mu, as the leader. Moves commit_index to the highest entry of
 * the current term that a majority holds. */
void replication_advance_commit(struct raft *rf);

/* Under rf->mu, as the leader: peer answered a request of the current
 * term (AppendEntries or InstallSnapshot). */
void replication_answered(struct raft *rf, int peer);

/* Under rf->mu, as the leader. True if a majority, the leader included,
 * answered within LEADER_QUORUM_TIMEOUT_MS. */
bool replication_majority_answers(const struct raft *rf);

/* ---- snapshot.c ---------------------------------------------------------- */

/* Under rf->mu, as the leader. Sends peer the snapshot, as its nextIndex
 * falls at or before the log's base: the entries it needs are gone. */
void snapshot_send(struct raft *rf, int peer);

/* Under rf->mu. Makes a copy of len bytes at data the current snapshot. */
void snapshot_replace(struct raft *rf, const void *data, size_t len);

/* ---- the RPC handlers ---------------------------------------------------- */

/* labrpc handlers; ctx is the struct raft. */
void recv_request_vote(void *ctx, struct codec_reader *args,
		       struct codec_buf *reply);
void recv_append_entries(void *ctx, struct codec_reader *args,
			 struct codec_buf *reply);
void recv_install_snapshot(void *ctx, struct codec_reader *args,
			   struct codec_buf *reply);

/* ---- threads ------------------------------------------------------------- */

/* The long-lived threads raft_make starts; arg is the struct raft. */
void ticker_main(void *arg);
void applier_main(void *arg);

/* Under rf->mu. Runs fn(arg) on a new thread called name, for one RPC to
 * one peer, so that a slow or unreachable peer holds up no one else. fn
 * takes ownership of arg. Never once rf->dead is set: a killed peer sends
 * nothing more. */
void rpc_thread_spawn(struct raft *rf, const char *name,
		      void (*fn)(void *arg), void *arg);

/* Waits until every RPC thread has finished with rf. Call it without
 * rf->mu, after setting rf->dead. */
void rpc_thread_wait_all(struct raft *rf);

/* ---- persist.c ----------------------------------------------------------- */

/* Under rf->mu. Saves currentTerm, votedFor and the log, with the current
 * snapshot beside them. */
void persist(struct raft *rf);

/* Before any thread starts. Restores what persist() saved, if anything:
 * state and snapshot. Aborts with a message if the saved state cannot be
 * read. */
void persist_restore(struct raft *rf);

/* ---- message.c: the RPCs' arguments and replies -------------------------- */

/* "Invoked by candidates to gather votes (§5.2)." */
struct request_vote_args {
	int64_t term;		/* "candidate's term" */
	int64_t candidate_id;	/* "candidate requesting vote" */
	int64_t last_log_index; /* "index of candidate's last log entry" */
	int64_t last_log_term;	/* "term of candidate's last log entry" */
	/* Not Figure 2's: true asks only whether the peer would vote for
	 * us in term, which we have not yet entered. The peer changes
	 * nothing: not its term, not its vote. */
	bool pre_vote;
};

struct request_vote_reply {
	int64_t term;	   /* "currentTerm, for candidate to update itself" */
	bool vote_granted; /* "true means candidate received vote" */
};

/* "Invoked by leader to replicate log entries (§5.3); also used as
 * heartbeat (§5.2)." */
struct append_entries_args {
	int64_t term;		/* "leader's term" */
	int64_t leader_id;	/* "so follower can redirect clients" */
	int64_t prev_log_index; /* "index of log entry immediately preceding
				   new ones" */
	int64_t prev_log_term;	/* "term of prevLogIndex entry" */
	int64_t leader_commit;	/* "leader's commitIndex" */
	/* "log entries to store (empty for heartbeat; may send more than
	 * one for efficiency)": n_entries of them. When sending, borrowed
	 * from the leader's log under rf->mu. When received, an array that
	 * append_entries_args_decode allocates, whose commands point into the
	 * request: valid until the handler returns. */
	const struct log_entry *entries;
	int64_t n_entries;
};

/* success and term are Figure 2's. The conflict fields let a leader skip
 * back over a whole term of mismatched entries in one round trip, instead
 * of one entry per round trip (the optimization sketched at the end of
 * §5.3). */
struct append_entries_reply {
	int64_t term;	/* "currentTerm, for leader to update itself" */
	bool success;	/* "true if follower contained entry matching
			   prevLogIndex and prevLogTerm" */
	int64_t conflict_term;	/* on failure: the term of the follower's
				   entry at prevLogIndex, or -1 if it has no
				   entry there */
	int64_t conflict_index; /* on failure: the first index of that term
				   in the follower's log, or its last index
				   + 1 if conflict_term is -1 */
};

/* "Invoked by leader to send chunks of a snapshot to a follower"
 * (Figure 13). Here a snapshot always travels whole, in one request, so
 * Figure 13's offset and done fields are left out. */
struct install_snapshot_args {
	int64_t term;		     /* "leader's term" */
	int64_t leader_id;	     /* "so follower can redirect clients" */
	int64_t last_included_index; /* "the snapshot replaces all entries
					up through and including this
					index" */
	int64_t last_included_term;  /* "term of lastIncludedIndex" */
	/* "raw bytes of the snapshot": len of them. When received, they
	 * point into the request, valid until the handler returns. */
	const uint8_t *data;
	size_t len;
};

struct install_snapshot_reply {
	int64_t term; /* "currentTerm, for leader to update itself" */
};

/* Each encoder writes the fields in order; its decoder reads them back.
 * Decoders of arguments leave the reader in error on bad bytes (and
 * labrpc then fails the call); decoders of replies return false. */
void request_vote_args_encode(struct codec_buf *b,
			      const struct request_vote_args *a);
void request_vote_args_decode(struct codec_reader *r,
			      struct request_vote_args *a);
void request_vote_reply_encode(struct codec_buf *b,
			       const struct request_vote_reply *rep);
bool request_vote_reply_decode(const struct codec_buf *b,
			       struct request_vote_reply *rep);

void append_entries_args_encode(struct codec_buf *b,
				const struct append_entries_args *a);
/* Sets a->entries to a new array, and returns it for the caller to free
 * with free() (NULL, if there are no entries or the bytes are bad). */
struct log_entry *append_entries_args_decode(struct codec_reader *r,
				struct append_entries_args *a);
void append_entries_reply_encode(struct codec_buf *b,
				 const struct append_entries_reply *rep);
bool append_entries_reply_decode(const struct codec_buf *b,
				 struct append_entries_reply *rep);

void install_snapshot_args_encode(struct codec_buf *b,
				  const struct install_snapshot_args *a);
void install_snapshot_args_decode(struct codec_reader *r,
				  struct install_snapshot_args *a);
void install_snapshot_reply_encode(struct codec_buf *b,
				   const struct install_snapshot_reply *rep);
bool install_snapshot_reply_decode(const struct codec_buf *b,
				   struct install_snapshot_reply *rep);

#endif
