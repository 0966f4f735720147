/*
 * What the service above Raft calls (in the labs, the tester): offer a
 * command, and ask for the term and whether this peer leads. Each returns
 * at once: neither waits for an RPC or for agreement. Committed commands
 * come back to the service on the apply channel (applier.c). The
 * service's third call, raft_snapshot, is in snapshot.c.
 */
#include <inttypes.h>

#include "raft_internal.h"

bool raft_start(struct raft *rf, const void *command, size_t len,
		int64_t *index, int64_t *term)
{
	lab_mutex_lock(&rf->mu);
	if (rf->dead || rf->role != LEADER) {
		lab_mutex_unlock(&rf->mu);
		return false;
	}
	/* Figure 2, Leaders: "If command received from client: append entry
	 * to local log, respond after entry applied to state machine
	 * (§5.3)". Here the answer is only "accepted, at this index"; the
	 * apply channel says when it is applied. */
	*index = log_append(&rf->log, rf->current_term, command, len);
	*term = rf->current_term;
	persist(rf);
	rf->match_index[rf->me] = *index;
	rf->next_index[rf->me] = *index + 1;
	replication_advance_commit(rf); /* a cluster of one needs no one */
	lab_debug("append", "S%d T%" PRId64 ": starts %" PRId64 " (%zu bytes)",
		  rf->me, rf->current_term, *index, len);

	/* Send it now rather than at the next heartbeat. The ticker sends,
	 * so commands started in a burst share one round. */
	lab_cond_broadcast(&rf->wake);
	lab_mutex_unlock(&rf->mu);
	return true;
}

void raft_get_state(struct raft *rf, int64_t *term, bool *is_leader)
{
	lab_mutex_lock(&rf->mu);
	*term = rf->current_term;
	*is_leader = rf->role == LEADER;
	lab_mutex_unlock(&rf->mu);
}
