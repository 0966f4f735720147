/*
 * The persister: a peer's "disk", two byte buffers (Raft state and
 * snapshot) behind one lock.
 *
 * One lock guards both buffers, and that is what makes a save atomic: a
 * save copies the new bytes first, then swaps both pointers in a single
 * critical section, so no reader (and no persister_copy) can ever see a
 * new state beside an old snapshot. Nothing slow happens under the lock
 * except copying out for a read, which must see one consistent version.
 *
 * An empty buffer is stored as NULL with length 0, whether nothing was ever
 * saved or an empty one was: to a restarting peer the two look the same.
 */
#include "persister.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

struct persister {
	struct lab_mutex mu; /* guards everything below */
	uint8_t *state;
	size_t state_len;
	uint8_t *snapshot;
	size_t snapshot_len;
};

/* A private copy of len bytes at src, or NULL when len is 0. */
static uint8_t *copy_bytes(const void *src, size_t len)
{
	if (len == 0)
		return NULL;
	uint8_t *p = lab_malloc(len);
	memcpy(p, src, len);
	return p;
}

/* A new persister that takes ownership of the given buffers. */
static struct persister *new_persister(uint8_t *state, size_t state_len,
				       uint8_t *snapshot, size_t snapshot_len)
{
	struct persister *p = lab_malloc(sizeof(*p));
	lab_mutex_init(&p->mu, "persister");
	p->state = state;
	p->state_len = state_len;
	p->snapshot = snapshot;
	p->snapshot_len = snapshot_len;
	return p;
}

struct persister *persister_create(void)
{
	return new_persister(NULL, 0, NULL, 0);
}

struct persister *persister_copy(struct persister *p)
{
	/* Both copies under one lock hold, so the copy is a pair that was
	 * actually saved together. */
	lab_mutex_lock(&p->mu);
	size_t state_len = p->state_len;
	size_t snapshot_len = p->snapshot_len;
	uint8_t *state = copy_bytes(p->state, state_len);
	uint8_t *snapshot = copy_bytes(p->snapshot, snapshot_len);
	lab_mutex_unlock(&p->mu);
	return new_persister(state, state_len, snapshot, snapshot_len);
}

void persister_destroy(struct persister *p)
{
	if (p == NULL)
		return;
	lab_mutex_destroy(&p->mu);
	free(p->state);
	free(p->snapshot);
	free(p);
}

void persister_save(struct persister *p, const void *state, size_t state_len,
		    const void *snapshot, size_t snapshot_len)
{
	assert(state != NULL || state_len == 0);
	assert(snapshot != NULL || snapshot_len == 0);

	/* Copy before locking: a large snapshot should not stall readers. */
	uint8_t *new_state = copy_bytes(state, state_len);
	uint8_t *new_snapshot = copy_bytes(snapshot, snapshot_len);

	lab_mutex_lock(&p->mu);
	uint8_t *old_state = p->state;
	uint8_t *old_snapshot = p->snapshot;
	p->state = new_state;
	p->state_len = state_len;
	p->snapshot = new_snapshot;
	p->snapshot_len = snapshot_len;
	lab_mutex_unlock(&p->mu);

	free(old_state);
	free(old_snapshot);
}

uint8_t *persister_read_state(struct persister *p, size_t *len)
{
	lab_mutex_lock(&p->mu);
	*len = p->state_len;
	uint8_t *copy = copy_bytes(p->state, p->state_len);
	lab_mutex_unlock(&p->mu);
	return copy;
}

uint8_t *persister_read_snapshot(struct persister *p, size_t *len)
{
	lab_mutex_lock(&p->mu);
	*len = p->snapshot_len;
	uint8_t *copy = copy_bytes(p->snapshot, p->snapshot_len);
	lab_mutex_unlock(&p->mu);
	return copy;
}

size_t persister_state_size(struct persister *p)
{
	lab_mutex_lock(&p->mu);
	size_t n = p->state_len;
	lab_mutex_unlock(&p->mu);
	return n;
}

size_t persister_snapshot_size(struct persister *p)
{
	lab_mutex_lock(&p->mu);
	size_t n = p->snapshot_len;
	lab_mutex_unlock(&p->mu);
	return n;
}
