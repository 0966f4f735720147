/* HOSTILE: crash_handler. Each peer serves one more RPC, Crash.Now, whose
 * handler writes through a null pointer, and calls it on the next peer
 * from the moment it is made: the crash happens on a labrpc worker
 * thread, not on the test's thread, and takes the whole test process with
 * it.
 *
 * Expected grade: 0, with Check's "Received signal 11 (Segmentation
 * fault)". */

static void crash_now(void *ctx, struct codec_reader *in, struct codec_buf *out)
{
	(void)in;
	(void)out;
	struct raft *rf = ctx;
	volatile int *volatile nowhere = NULL;
	*nowhere = rf->me;
}

static const struct labrpc_method crash_methods[] = {{"Now", crash_now}};

enum labrpc_error raft_register_rpcs(struct raft *rf, struct labrpc_server *srv)
{
	enum labrpc_error err = skeleton_raft_register_rpcs(rf, srv);
	if (err != LABRPC_OK)
		return err;
	return labrpc_server_add_service(srv, "Crash", rf, crash_methods, 1);
}

/* Calls Crash.Now on the next peer until the call goes through (the
 * tester may not have connected the peers yet). */
static void call_crash(void *arg)
{
	struct raft *rf = arg;
	for (;;) {
		lab_mutex_lock(&rf->mu);
		bool dead = rf->dead;
		lab_mutex_unlock(&rf->mu);
		if (dead)
			return;
		struct codec_buf req, rep;
		codec_buf_init(&req);
		codec_buf_init(&rep);
		labrpc_call(rf->peers[(rf->me + 1) % rf->npeers], "Crash.Now",
			    &req, &rep);
		codec_buf_free(&req);
		codec_buf_free(&rep);
		lab_sleep_ms(50);
	}
}

struct raft *raft_make(struct labrpc_end **peers, int npeers, int me,
		       struct persister *persister, struct chan *apply_ch)
{
	struct raft *rf =
		skeleton_raft_make(peers, npeers, me, persister, apply_ch);
	lab_mutex_lock(&rf->mu);
	spawn_rpc_thread(rf, "crash", call_crash, rf);
	lab_mutex_unlock(&rf->mu);
	return rf;
}
