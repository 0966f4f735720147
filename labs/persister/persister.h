/*
 * The persister stands in for a peer's disk. A Raft peer saves its state
 * (currentTerm, votedFor, the log) and its latest snapshot here, and reads
 * them back when it restarts.
 *
 * Both are saved together in one call, atomically: a reader sees either the
 * old pair or the new pair, never one of each. Everything going in or out is
 * copied, so the caller keeps its buffers and the persister keeps its own.
 *
 * The tester crashes a peer by throwing away the Raft instance and giving
 * the next incarnation persister_copy() of this one: the dead instance can
 * go on writing to the old persister, and the new one will never see it.
 * All functions are safe to call from any thread.
 */
#ifndef LAB_PERSISTER_H
#define LAB_PERSISTER_H

#include <stddef.h>
#include <stdint.h>

struct persister;

/* An empty persister: both sizes are 0. Free with persister_destroy. */
struct persister *persister_create(void);

/* A new persister holding copies of p's state and snapshot. */
struct persister *persister_copy(struct persister *p);

/* Frees p. Accepts NULL. */
void persister_destroy(struct persister *p);

/* Replaces both the Raft state and the snapshot with copies of the given
 * bytes, as one atomic step. A NULL pointer with length 0 saves an empty
 * one. Pass the current snapshot again to keep it (Raft must: a save
 * without it would throw the snapshot away). */
void persister_save(struct persister *p, const void *state, size_t state_len,
		    const void *snapshot, size_t snapshot_len);

/* A copy of the saved Raft state / snapshot, *len bytes long. Caller frees
 * with free(). Returns NULL with *len = 0 when nothing has been saved, as on
 * a peer's very first start. */
uint8_t *persister_read_state(struct persister *p, size_t *len);
uint8_t *persister_read_snapshot(struct persister *p, size_t *len);

/* The sizes in bytes of what is saved, without copying it. */
size_t persister_state_size(struct persister *p);
size_t persister_snapshot_size(struct persister *p);

#endif
