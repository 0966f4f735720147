/*
 * The short-lived threads that each make one RPC to one peer.
 *
 * A call can take seconds to fail (a disconnected peer answers nothing),
 * so every RPC runs on a thread of its own, and no peer waits for
 * another. raft_kill must not free rf while one of these threads may
 * still use it, and must not return while one is still running at all:
 * the contract says every thread the instance started has returned.
 *
 * So each thread is joined. A finished thread puts itself on
 * rf->rpc_finished, under rf->mu, as its last touch of rf; the ticker
 * joins the finished ones on each of its turns, so they never pile up;
 * and raft_kill waits for the running ones to finish, then joins the
 * rest. rf->rpc_threads counts the threads still running.
 */
#include <assert.h>
#include <stdlib.h>

#include "raft_internal.h"

/* One RPC thread: its work, and its handle for the join. */
struct rpc_thread {
	struct raft *rf;
	void (*fn)(void *arg);
	void *arg;
	struct lab_thread *thread;
	struct rpc_thread *next; /* on rf->rpc_finished, once done */
};

static void rpc_thread_main(void *p)
{
	struct rpc_thread *rt = p;
	struct raft *rf = rt->rf;
	rt->fn(rt->arg);

	/* The broadcast comes before the unlock: raft_kill may free rf as
	 * soon as it can take the lock and see 0. */
	lab_mutex_lock(&rf->mu);
	rt->next = rf->rpc_finished;
	rf->rpc_finished = rt;
	if (--rf->rpc_threads == 0)
		lab_cond_broadcast(&rf->rpc_threads_done);
	lab_mutex_unlock(&rf->mu);
}

void rpc_thread_spawn(struct raft *rf, const char *name,
		      void (*fn)(void *arg), void *arg)
{
	assert(lab_mutex_held(&rf->mu));
	/* A killed peer sends nothing more: callers check rf->dead first. */
	assert(!rf->dead);
	struct rpc_thread *rt = lab_malloc(sizeof *rt);
	*rt = (struct rpc_thread){.rf = rf, .fn = fn, .arg = arg};
	rf->rpc_threads++;
	/* rt->thread is set before the thread can take rf->mu to put itself
	 * on the finished list, where the joiner reads it. */
	rt->thread = lab_thread_create(name, rpc_thread_main, rt);
}

static void join_all(struct rpc_thread *rt)
{
	while (rt) {
		struct rpc_thread *next = rt->next;
		lab_thread_join(rt->thread);
		free(rt);
		rt = next;
	}
}

void rpc_thread_reap(struct raft *rf)
{
	assert(lab_mutex_held(&rf->mu));
	struct rpc_thread *finished = rf->rpc_finished;
	if (finished == NULL)
		return;
	rf->rpc_finished = NULL;
	/* A join can wait for a thread's last steps out, which need no
	 * lock; but never join with one held. */
	lab_mutex_unlock(&rf->mu);
	join_all(finished);
	lab_mutex_lock(&rf->mu);
}

void rpc_thread_wait_all(struct raft *rf)
{
	lab_mutex_lock(&rf->mu);
	assert(rf->dead);
	while (rf->rpc_threads > 0)
		lab_cond_wait(&rf->rpc_threads_done, &rf->mu);
	struct rpc_thread *finished = rf->rpc_finished;
	rf->rpc_finished = NULL;
	lab_mutex_unlock(&rf->mu);
	join_all(finished);
}
