/*
 * A channel passes fixed-size values from threads that send to threads that
 * receive, in order, like a Go channel. The tester hands each Raft peer one
 * to deliver apply messages on.
 *
 * A channel of capacity N holds up to N values: a send blocks only while it
 * is full. A channel of capacity 0 holds none: a send waits until a receiver
 * has taken its value (a rendezvous), so the sender knows it was received.
 *
 * Closing a channel says no more values will come. Sends on a closed
 * channel fail at once; receives first drain what the channel still holds,
 * then report that it is closed. Values are copied in and out with memcpy:
 * to pass something that owns memory, pass a pointer, and let the receiver
 * take ownership.
 */
#ifndef LAB_CHAN_H
#define LAB_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

enum chan_result {
	CHAN_OK,      /* the value was sent or received */
	CHAN_CLOSED,  /* the channel is closed (and, for a receive, empty) */
	CHAN_TIMEOUT, /* chan_recv_timeout only: nothing arrived in time */
};

struct chan;

/* A channel of values elem_size bytes each (elem_size > 0), holding up to
 * capacity values. Free with chan_destroy. */
struct chan *chan_create(size_t elem_size, size_t capacity);

/* Frees ch. Accepts NULL. No thread may be using ch, or use it after. */
void chan_destroy(struct chan *ch);

/* Copies elem_size bytes from elem into the channel. Blocks while the
 * channel is full; with capacity 0, until a receiver has taken the value.
 * Returns CHAN_OK, or CHAN_CLOSED if the channel is or gets closed before
 * the value is taken (the value is then not delivered).
 *
 * Warns if the caller holds a lab mutex: a send may block until the
 * receiver gets round to it, and if the receiver needs that lock first
 * (as the tester does when it calls raft_snapshot), neither moves again. */
#define chan_send(ch, elem) chan_send_at((ch), (elem), LAB_SITE)
enum chan_result chan_send_at(struct chan *ch, const void *elem,
			      struct lab_site site);

/* Copies the next value into elem. Blocks until there is one. Returns
 * CHAN_OK, or CHAN_CLOSED once the channel is closed and empty. */
enum chan_result chan_recv(struct chan *ch, void *elem);

/* Like chan_recv, but waits at most ms milliseconds: CHAN_TIMEOUT if
 * nothing arrived in that time. */
enum chan_result chan_recv_timeout(struct chan *ch, void *elem, int64_t ms);

/* Closes ch and wakes every blocked sender and receiver. Closing twice is
 * harmless. */
void chan_close(struct chan *ch);

/* The number of values waiting in the channel. */
size_t chan_len(struct chan *ch);

#endif
