/*
 * Log replication, from the leader's side (§5.3). The leader sends each
 * follower the entries from its nextIndex on, with the entry just before
 * them (prevLogIndex, prevLogTerm) so the follower can check that its log
 * agrees up to there. A round to every follower goes out at each
 * heartbeat and whenever there are new entries (ticker.c decides when);
 * with nothing new it is the heartbeat, "empty AppendEntries" (§5.2).
 *
 * nextIndex moves past entries as they are sent. Each request runs on its
 * own thread, which handles the reply: on success it moves the follower's
 * matchIndex forward and sees whether a new entry is committed (and if
 * so, asks for a round at once, to tell the followers); on a mismatch it
 * moves nextIndex back and tries again at once. The follower's side is
 * in recv_append_entries.c.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "raft_internal.h"

/* One AppendEntries to one peer: the request, encoded, and what the reply
 * will be judged against. */
struct append_call {
	struct raft *rf;
	int peer;
	int64_t term; /* the leader's current_term when it sent */
	int64_t prev_log_index;
	int64_t n_entries;
	int64_t leader_commit;
	struct codec_buf request;
};

static void append_entries_main(void *arg);

/* Under rf->mu, as the leader: sends peer what its nextIndex says it
 * lacks, as entries, or as the snapshot if they are gone from the log. */
static void send_append_entries(struct raft *rf, int peer)
{
	int64_t next = rf->next_index[peer];
	if (next <= log_base_index(&rf->log)) {
		/* The entries it needs are in the snapshot now (§7). */
		snapshot_send(rf, peer);
		return;
	}
	struct append_entries_args args = {
		.term = rf->current_term,
		.leader_id = rf->me,
		.prev_log_index = next - 1,
		.prev_log_term = log_term_at(&rf->log, next - 1),
		.leader_commit = rf->commit_index,
	};
	/* Figure 2, Leaders: "If last log index ≥ nextIndex for a follower:
	 * send AppendEntries RPC with log entries starting at nextIndex". */
	args.entries = log_entries_from(&rf->log, next, &args.n_entries);

	struct append_call *call = lab_malloc(sizeof *call);
	*call = (struct append_call){
		.rf = rf,
		.peer = peer,
		.term = args.term,
		.prev_log_index = args.prev_log_index,
		.n_entries = args.n_entries,
	};
	/* nextIndex is the "index of the next log entry to send": these are
	 * on their way, so the next request starts after them and no round
	 * sends them twice. If this one is lost, the follower rejects the
	 * next, and its reply moves nextIndex back. */
	rf->next_index[peer] = next + args.n_entries;
	call->leader_commit = args.leader_commit;
	replication_sending(rf, peer);
	/* Encoded now, under the lock: the entries are borrowed from the
	 * log, which may change as soon as the lock is released. */
	codec_buf_init(&call->request);
	append_entries_args_encode(&call->request, &args);

	char name[32];
	snprintf(name, sizeof name, "append-%d", peer);
	rpc_thread_spawn(rf, name, append_entries_main, call);
}

void replication_sending(struct raft *rf, int peer)
{
	rf->in_flight[peer]++;
	rf->sent_ms[peer] = lab_now_ms();
}

/* Whether peer should hear from the leader before its heartbeat: there
 * are entries it has not been sent, and fewer than PIPELINE requests to
 * it are on their way; or a commit it has not been told of, and none is
 * (the answer to one would be the time to send it). */
static bool has_news(const struct raft *rf, int peer)
{
	if (rf->next_index[peer] <= log_last_index(&rf->log))
		return rf->in_flight[peer] < PIPELINE;
	return rf->commit_known[peer] < rf->commit_index &&
	       rf->in_flight[peer] == 0;
}

void replication_returned(struct raft *rf, int peer, int64_t term,
			  int64_t first, int64_t last, bool ok)
{
	rf->in_flight[peer]--;
	if (rf->dead || rf->role != LEADER || rf->current_term != term)
		return;
	/* Lost on the way, or its answer was: the entries may not be
	 * there. Unless a later request has carried the follower past
	 * them, send them again. */
	if (!ok && last >= first && rf->in_flight[peer] == 0 &&
	    rf->next_index[peer] == last + 1)
		rf->next_index[peer] = first;
	/* At most PIPELINE requests at a time carry news to a follower:
	 * what arrived meanwhile goes now. A follower that cannot be reached
	 * holds only those, each taking as long to fail as the network
	 * makes it, beside its heartbeats. */
	if (has_news(rf, peer))
		send_append_entries(rf, peer);
}

int64_t replication_send_due(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu) && rf->role == LEADER);
	int64_t now = lab_now_ms();
	int64_t next = now + HEARTBEAT_INTERVAL_MS;
	for (int j = 0; j < rf->npeers; j++) {
		if (j == rf->me)
			continue;
		/* A follower that does not answer, perhaps cut off, gets a
		 * heartbeat each interval all the same, but news only when
		 * its last request is answered: requests to it would pile
		 * up, each with a thread, until it came back. */
		bool heartbeat = now - rf->sent_ms[j] >= HEARTBEAT_INTERVAL_MS;
		if (heartbeat || has_news(rf, j))
			send_append_entries(rf, j);
		if (rf->sent_ms[j] + HEARTBEAT_INTERVAL_MS < next)
			next = rf->sent_ms[j] + HEARTBEAT_INTERVAL_MS;
	}
	return next;
}

static bool held_by_majority(const struct raft *rf, int64_t index)
{
	int holders = 0;
	for (int j = 0; j < rf->npeers; j++)
		if (rf->match_index[j] >= index)
			holders++;
	return 2 * holders > rf->npeers;
}

/* The highest N of the rule in replication_advance_commit, or
 * commit_index if there is none. Searching down from the last entry finds
 * it first. */
static int64_t committable_index(const struct raft *rf)
{
	const struct raft_log *l = &rf->log;
	for (int64_t n = log_last_index(l); n > rf->commit_index; n--) {
		if (log_term_at(l, n) != rf->current_term)
			break; /* terms only fall from here down */
		if (held_by_majority(rf, n))
			return n;
	}
	return rf->commit_index;
}

void replication_advance_commit(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu) && rf->role == LEADER);
	/* Figure 2, Leaders: "If there exists an N such that N >
	 * commitIndex, a majority of matchIndex[i] ≥ N, and log[N].term ==
	 * currentTerm: set commitIndex = N (§5.3, §5.4)". Entries of earlier
	 * terms are never committed by counting replicas, only along with
	 * one of the current term (§5.4.2, Figure 8). */
	int64_t n = committable_index(rf);
	if (n == rf->commit_index)
		return;
	lab_debug("commit", "S%d T%" PRId64 ": commits up to %" PRId64,
		  rf->me, rf->current_term, n);
	rf->commit_index = n;
	lab_cond_signal(&rf->apply_cond);

	/* Followers apply an entry once they learn it is committed: tell
	 * them now, rather than at the next heartbeat. */
	lab_cond_broadcast(&rf->wake);
}

void replication_answered(struct raft *rf, int peer)
{
	assert(lab_mutex_held(&rf->mu) && rf->role == LEADER);
	rf->answered_ms[peer] = lab_now_ms();
}

bool replication_majority_answers(const struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu) && rf->role == LEADER);
	int64_t since = lab_now_ms() - LEADER_QUORUM_TIMEOUT_MS;
	int answers = 1; /* our own */
	for (int j = 0; j < rf->npeers; j++)
		if (j != rf->me && rf->answered_ms[j] >= since)
			answers++;
	return 2 * answers > rf->npeers;
}

/* Where to resume after a follower found no match at prevLogIndex. The
 * paper backs up one entry per round trip; the follower's conflict
 * fields let the leader skip a whole term at once (end of §5.3). */
static int64_t
next_index_after_conflict(const struct raft *rf,
			  const struct append_entries_reply *reply)
{
	/* The follower's log ends before prevLogIndex: go on from its end. */
	if (reply->conflict_term == -1)
		return reply->conflict_index;
	/* The follower holds an entry of conflict_term there. If the leader
	 * has entries of that term too, the logs may agree up to the last
	 * of them; if it has none, none of the follower's can stay. */
	int64_t last = log_term_last_index(&rf->log, reply->conflict_term);
	return last != -1 ? last + 1 : reply->conflict_index;
}

/* Under rf->mu: the reply to call arrived. */
static void handle_reply(struct raft *rf, const struct append_call *call,
			 const struct append_entries_reply *reply)
{
	if (rf->dead || convert_if_newer_term(rf, reply->term))
		return;
	/* The answer to a request of an earlier term, or of a leader that
	 * has since stepped down: nothing in it holds any more. */
	if (rf->role != LEADER || rf->current_term != call->term)
		return;
	int peer = call->peer;
	replication_answered(rf, peer);

	if (reply->success) {
		/* Figure 2, Leaders: "If successful: update nextIndex and
		 * matchIndex for follower (§5.3)". Replies can arrive out of
		 * order, and matchIndex "increases monotonically": an older
		 * reply must not move it back. */
		int64_t match = call->prev_log_index + call->n_entries;
		if (call->leader_commit > rf->commit_known[peer])
			rf->commit_known[peer] = call->leader_commit;
		if (match > rf->match_index[peer]) {
			rf->match_index[peer] = match;
			replication_advance_commit(rf);
		}
		if (match + 1 > rf->next_index[peer])
			rf->next_index[peer] = match + 1;
		return;
	}

	/* Figure 2, Leaders: "If AppendEntries fails because of log
	 * inconsistency: decrement nextIndex and retry (§5.3)". Never back
	 * past what the follower is known to hold; and a reply to an older
	 * request, overtaken by newer ones, may ask for no move at all. */
	int64_t next = next_index_after_conflict(rf, reply);
	if (next <= rf->match_index[peer])
		next = rf->match_index[peer] + 1;
	if (next >= rf->next_index[peer])
		return;
	lab_debug("append",
		  "S%d T%" PRId64 ": S%d has no match at %" PRId64
		  ", nextIndex %" PRId64 " -> %" PRId64,
		  rf->me, rf->current_term, peer, call->prev_log_index,
		  rf->next_index[peer], next);
	rf->next_index[peer] = next;
	send_append_entries(rf, peer);
}

static void append_entries_main(void *arg)
{
	struct append_call *call = arg;
	struct raft *rf = call->rf;
	struct codec_buf rep;
	codec_buf_init(&rep);

	struct append_entries_reply reply;
	bool ok = labrpc_call(rf->peers[call->peer], "Raft.AppendEntries",
			      &call->request, &rep) &&
		  append_entries_reply_decode(&rep, &reply);
	codec_buf_free(&rep);

	lab_mutex_lock(&rf->mu);
	if (ok)
		handle_reply(rf, call, &reply);
	replication_returned(rf, call->peer, call->term,
			     call->prev_log_index + 1,
			     call->prev_log_index + call->n_entries, ok);
	lab_mutex_unlock(&rf->mu);
	codec_buf_free(&call->request);
	free(call);
}
