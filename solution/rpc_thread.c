/*
 * The short-lived threads that each make one RPC to one peer.
 *
 * A call can take seconds to fail (a disconnected peer answers nothing),
 * so every RPC runs on a thread of its own, and no peer waits for
 * another. These threads use rf until their last step, so raft_kill must
 * not free rf while one still runs: each is counted in rf->rpc_threads,
 * and the count's decrement, under rf->mu, is the thread's last touch of
 * rf. raft_kill waits for the count to reach 0.
 */
#include <assert.h>
#include <stdlib.h>

#include "raft_internal.h"

/* What the wrapper thread needs: the peer, and the work to run. */
struct rpc_job {
	struct raft *rf;
	void (*fn)(void *arg);
	void *arg;
};

static void rpc_thread_main(void *p)
{
	struct rpc_job job = *(struct rpc_job *)p;
	free(p);

	job.fn(job.arg);

	/* The broadcast comes before the unlock: raft_kill may free rf as
	 * soon as it can take the lock and see 0. */
	lab_mutex_lock(&job.rf->mu);
	if (--job.rf->rpc_threads == 0)
		lab_cond_broadcast(&job.rf->rpc_threads_done);
	lab_mutex_unlock(&job.rf->mu);
}

void rpc_thread_spawn(struct raft *rf, const char *name,
		      void (*fn)(void *arg), void *arg)
{
	assert(lab_mutex_held(&rf->mu));
	/* A killed peer sends nothing more: callers check rf->dead first. */
	assert(!rf->dead);
	struct rpc_job *job = lab_malloc(sizeof *job);
	*job = (struct rpc_job){.rf = rf, .fn = fn, .arg = arg};
	rf->rpc_threads++;
	lab_thread_spawn(name, rpc_thread_main, job);
}

void rpc_thread_wait_all(struct raft *rf)
{
	lab_mutex_lock(&rf->mu);
	assert(rf->dead);
	while (rf->rpc_threads > 0)
		lab_cond_wait(&rf->rpc_threads_done, &rf->mu);
	lab_mutex_unlock(&rf->mu);
}
