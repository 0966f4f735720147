/*
 * The three roles, and the moves between them (§5.1, Figure 4). A
 * follower that hears from no leader becomes a candidate; a candidate
 * that wins a majority becomes the leader; anyone who sees a newer term,
 * and a candidate that hears from the leader of its own term, becomes a
 * follower.
 *
 * Every change of role goes through this file, so the debug topic "role"
 * (LAB_DEBUG=role) tells a peer's whole story.
 */
#include <assert.h>
#include <inttypes.h>

#include "raft_internal.h"

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

bool convert_if_newer_term(struct raft *rf, int64_t term)
{
	assert(lab_mutex_held(&rf->mu));
	if (term <= rf->current_term)
		return false;
	lab_debug("role", "S%d T%" PRId64 ": sees term %" PRId64 " as %s",
		  rf->me, rf->current_term, term, role_name(rf->role));
	rf->current_term = term;
	/* votedFor is the "candidateId that received vote in current term":
	 * in a term just begun, no one has. */
	rf->voted_for = -1;
	persist(rf);
	convert_to_follower(rf);
	return true;
}

void convert_to_follower(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	if (rf->role == FOLLOWER)
		return;
	lab_debug("role", "S%d T%" PRId64 ": %s becomes follower", rf->me,
		  rf->current_term, role_name(rf->role));
	if (rf->role == LEADER) {
		/* A leader runs no election timer. A deposed one starts a
		 * whole timeout afresh, like a server that has just booted,
		 * so that it hears from the new leader before it stands
		 * again. */
		election_reset_timer(rf);
	}
	rf->role = FOLLOWER;
}

void convert_to_candidate(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	/* Figure 2, Candidates: "On conversion to candidate, start election:
	 * Increment currentTerm; Vote for self; Reset election timer". The
	 * RequestVotes are election_start's. */
	rf->role = CANDIDATE;
	rf->current_term++;
	rf->voted_for = rf->me;
	rf->votes = 1;
	persist(rf);
	election_reset_timer(rf);
	lab_debug("role", "S%d T%" PRId64 ": becomes candidate", rf->me,
		  rf->current_term);
}

void convert_to_leader(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	assert(rf->role == CANDIDATE);
	rf->role = LEADER;
	/* Figure 2: nextIndex is "initialized to leader last log index + 1",
	 * matchIndex "initialized to 0". The leader's own slot counts
	 * towards a majority, and it holds its whole log. */
	int64_t last = log_last_index(&rf->log);
	for (int j = 0; j < rf->npeers; j++) {
		rf->next_index[j] = last + 1;
		rf->match_index[j] = 0;
		/* Those who voted for us just answered; the others get as
		 * long to answer our first heartbeat. */
		rf->answered_ms[j] = lab_now_ms();
		rf->sent_ms[j] = 0; /* a heartbeat is due at once */
	}
	rf->match_index[rf->me] = last;
	lab_debug("role",
		  "S%d T%" PRId64 ": becomes leader, last index %" PRId64,
		  rf->me, rf->current_term, last);

	/* Figure 2, Leaders: "Upon election: send initial empty
	 * AppendEntries RPCs (heartbeat) to each server". The ticker sends
	 * every round; wake it to send this one now. */
	lab_cond_broadcast(&rf->wake);
}

void convert_on_leader_contact(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	/* Figure 2, Candidates: "If AppendEntries RPC received from new
	 * leader: convert to follower"; Followers: the election timeout
	 * counts time "without receiving AppendEntries RPC from current
	 * leader". */
	convert_to_follower(rf);
	election_reset_timer(rf);
	rf->leader_heard_ms = lab_now_ms();
}
