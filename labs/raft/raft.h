/*
 * The contract between your Raft and the tester. You implement these five
 * functions (in skeleton/raft.c, or your own files beside it); the tester
 * calls them. Do not change this file: the grader builds your code against
 * its own copy.
 *
 * A Raft instance is one peer of a cluster of npeers. It talks to the
 * others only through labrpc, keeps what must survive a crash in its
 * persister, and reports each committed command to its service (here, the
 * tester) on the apply channel, in log order.
 *
 * Every function may be called from any thread, at any time, concurrently
 * with the others and with your own threads, so each must take your lock.
 * raft_make, raft_start, raft_get_state and raft_snapshot must return
 * promptly: never wait in them for an RPC or for agreement.
 */
#ifndef LAB_RAFT_H
#define LAB_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "labrpc.h"
#include "persister.h"

/* What Raft sends on the apply channel: either a command that has been
 * committed, or (in the snapshots lab) a snapshot the service should
 * install in place of its state. */
enum raft_apply_kind {
	RAFT_APPLY_COMMAND = 1,
	RAFT_APPLY_SNAPSHOT = 2,
};

struct raft_apply_msg {
	enum raft_apply_kind kind;
	/* COMMAND: the command's log index (the first is 1).
	 * SNAPSHOT: the index of the last entry the snapshot covers. */
	int64_t index;
	/* SNAPSHOT: the term of that last entry. COMMAND: 0. */
	int64_t term;
	/* The command's or the snapshot's bytes, len of them: a new
	 * allocation (lab_malloc) that the receiver takes ownership of and
	 * frees with free(). data may be NULL only when len is 0. */
	uint8_t *data;
	size_t len;
};

struct raft;

/* Creates the peer with index me of a cluster of npeers, and starts its
 * threads. peers[j] is the labrpc end that reaches peer j (peers[me] is
 * your own and goes unused); the array is copied, the ends are borrowed
 * from the network and stay valid until raft_kill returns. persister holds
 * what this peer saved before it crashed (nothing, on a first start):
 * restore from it here. apply_ch is a channel of struct raft_apply_msg on
 * which to deliver committed commands in log order, each exactly once,
 * with chan_send. persister and apply_ch are borrowed: the tester keeps
 * them alive until raft_kill returns.
 *
 * Returns at once: long-running work (elections, heartbeats, applying)
 * belongs in threads this function starts. The tester then calls
 * raft_register_rpcs, so that other peers' calls reach this one. */
struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch);

/* Registers this peer's RPC handlers (the "Raft" service) on srv, with rf
 * as their context. The tester calls it right after raft_make, before
 * putting srv on the network. Return what labrpc_server_add_service
 * returns. */
enum labrpc_error raft_register_rpcs(struct raft *rf,
				     struct labrpc_server *srv);

/* Asks the peer to append command (len bytes; copied) to the log. If this
 * peer is not the leader, returns false and changes nothing. Otherwise
 * appends the command, sets *index to the index it will have if it is ever
 * committed and *term to the current term, and returns true at once,
 * without waiting for the command to be replicated or committed: there is
 * no guarantee it ever will be, as the leader may fail or lose an
 * election. */
bool raft_start(struct raft *rf, const void *command, size_t len,
		int64_t *index, int64_t *term);

/* Sets *term to the peer's currentTerm and *is_leader to whether it
 * believes it is the leader. */
void raft_get_state(struct raft *rf, int64_t *term, bool *is_leader);

/* Snapshots lab: the service has taken a snapshot (len bytes; copied) that
 * includes every command up to and including index. Raft may now discard
 * its log up to index, and must keep the snapshot in the persister beside
 * its state. Called from the thread that receives from the apply channel,
 * so it must never wait for that thread. */
void raft_snapshot(struct raft *rf, int64_t index, const void *snapshot,
		   size_t len);

/* Stops the peer, as if its machine were switched off: when raft_kill
 * returns, every thread the instance started has returned, it sends nothing
 * more on the network or the apply channel, it no longer touches peers,
 * persister or apply_ch, and all its memory is freed, rf included.
 *
 * The tester deletes the peer's ends and its server from the network
 * before calling raft_kill, so RPCs in progress fail promptly and no
 * handler of this peer is running or will run again. It keeps receiving
 * from apply_ch until raft_kill returns, so a blocked send completes. */
void raft_kill(struct raft *rf);

#endif
