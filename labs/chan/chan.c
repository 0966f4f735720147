/*
 * Channels: a ring buffer of fixed-size slots under one lab mutex, with one
 * condition variable for "something changed". A channel of capacity 0 uses
 * a single slot plus a count of values taken, so a sender can wait for the
 * receiver to take its own value.
 */
#include "chan.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

struct chan {
	struct lab_mutex mu;
	struct lab_cond changed; /* a value went in or out, or closed */
	size_t elem_size;
	size_t capacity; /* as asked for; 0 means rendezvous */
	size_t nslots;	 /* max(capacity, 1) */
	size_t head;	 /* next slot to receive from */
	size_t count;	 /* values waiting */
	uint64_t taken;	 /* values received so far, ever */
	uint64_t put;	 /* values sent so far, ever */
	bool closed;
	unsigned char *slots;
};

struct chan *chan_create(size_t elem_size, size_t capacity)
{
	if (elem_size == 0) {
		fprintf(stderr, "chan_create: elem_size must be positive\n");
		abort();
	}
	struct chan *ch = lab_calloc(1, sizeof *ch);
	lab_mutex_init(&ch->mu, "chan");
	lab_cond_init(&ch->changed);
	ch->elem_size = elem_size;
	ch->capacity = capacity;
	ch->nslots = capacity ? capacity : 1;
	ch->slots = lab_calloc(ch->nslots, elem_size);
	return ch;
}

void chan_destroy(struct chan *ch)
{
	if (ch == NULL)
		return;
	lab_cond_destroy(&ch->changed);
	lab_mutex_destroy(&ch->mu);
	free(ch->slots);
	free(ch);
}

static unsigned char *slot(struct chan *ch, size_t i)
{
	return ch->slots + (i % ch->nslots) * ch->elem_size;
}

enum chan_result chan_send_at(struct chan *ch, const void *elem,
			      struct lab_site site)
{
	lab_check_unlocked("chan_send", site);
	lab_mutex_lock(&ch->mu);
	while (!ch->closed && ch->count == ch->nslots)
		lab_cond_wait(&ch->changed, &ch->mu);
	if (ch->closed) {
		lab_mutex_unlock(&ch->mu);
		return CHAN_CLOSED;
	}
	memcpy(slot(ch, ch->head + ch->count), elem, ch->elem_size);
	ch->count++;
	uint64_t mine = ++ch->put;
	lab_cond_broadcast(&ch->changed);

	enum chan_result res = CHAN_OK;
	if (ch->capacity == 0) {
		/* Rendezvous: wait until a receiver has taken value `mine`. */
		while (!ch->closed && ch->taken < mine)
			lab_cond_wait(&ch->changed, &ch->mu);
		if (ch->taken < mine) {
			/* Closed first: take the value back, undelivered. */
			ch->count--;
			ch->put--;
			res = CHAN_CLOSED;
		}
	}
	lab_mutex_unlock(&ch->mu);
	return res;
}

static enum chan_result recv(struct chan *ch, void *elem, bool timed,
			     int64_t ms)
{
	int64_t deadline = timed ? lab_now_ms() + ms : 0;
	lab_mutex_lock(&ch->mu);
	while (ch->count == 0 && !ch->closed) {
		if (!timed) {
			lab_cond_wait(&ch->changed, &ch->mu);
			continue;
		}
		int64_t left = deadline - lab_now_ms();
		if (left <= 0) {
			lab_mutex_unlock(&ch->mu);
			return CHAN_TIMEOUT;
		}
		lab_cond_timedwait(&ch->changed, &ch->mu, left);
	}
	/* A closed rendezvous channel holds nothing to drain: its sender
	 * takes its value back. */
	if (ch->count == 0 || (ch->closed && ch->capacity == 0)) {
		lab_mutex_unlock(&ch->mu);
		return CHAN_CLOSED;
	}
	memcpy(elem, slot(ch, ch->head), ch->elem_size);
	ch->head = (ch->head + 1) % ch->nslots;
	ch->count--;
	ch->taken++;
	lab_cond_broadcast(&ch->changed);
	lab_mutex_unlock(&ch->mu);
	return CHAN_OK;
}

enum chan_result chan_recv(struct chan *ch, void *elem)
{
	return recv(ch, elem, false, 0);
}

enum chan_result chan_recv_timeout(struct chan *ch, void *elem, int64_t ms)
{
	return recv(ch, elem, true, ms);
}

void chan_close(struct chan *ch)
{
	lab_mutex_lock(&ch->mu);
	ch->closed = true;
	lab_cond_broadcast(&ch->changed);
	lab_mutex_unlock(&ch->mu);
}

size_t chan_len(struct chan *ch)
{
	lab_mutex_lock(&ch->mu);
	size_t n = ch->capacity ? ch->count : 0;
	lab_mutex_unlock(&ch->mu);
	return n;
}
