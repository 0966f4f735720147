/*
 * Tests for labrpc: the scenarios of the network's contract (calls, faults,
 * counting, deletion, teardown) and its handling of misuse. Each test builds
 * its own network from the helpers below, with a "Test" service whose
 * handlers echo, add, or block until told to go on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labrpc.h"
#include "selftest.h"

/* ---- a service to call ---------------------------------------------------- */

/* What the handlers share: a gate that Block waits at, and counters. */
struct service {
	struct lab_mutex mu;
	struct lab_cond changed;
	bool open;   /* Block returns once this is set */
	int blocked; /* handlers waiting at the gate */
	int running; /* handlers inside any method */
	int64_t slow_ms;
};

static void service_init(struct service *s)
{
	memset(s, 0, sizeof *s);
	lab_mutex_init(&s->mu, "test service");
	lab_cond_init(&s->changed);
}

static void service_destroy(struct service *s)
{
	lab_cond_destroy(&s->changed);
	lab_mutex_destroy(&s->mu);
}

static void enter(struct service *s)
{
	lab_mutex_lock(&s->mu);
	s->running++;
	lab_cond_broadcast(&s->changed);
	lab_mutex_unlock(&s->mu);
}

static void leave(struct service *s)
{
	lab_mutex_lock(&s->mu);
	s->running--;
	lab_cond_broadcast(&s->changed);
	lab_mutex_unlock(&s->mu);
}

/* Echo: replies with the byte string it was sent. */
static void handle_echo(void *ctx, struct codec_reader *args,
			struct codec_buf *reply)
{
	enter(ctx);
	size_t len;
	const uint8_t *data = codec_get_bytes_view(args, &len);
	if (data)
		codec_put_bytes(reply, data, len);
	leave(ctx);
}

/* Mixed: one value of every codec type in, each transformed, out. */
static void handle_mixed(void *ctx, struct codec_reader *args,
			 struct codec_buf *reply)
{
	(void)ctx;
	uint8_t a = codec_get_u8(args);
	uint32_t b = codec_get_u32(args);
	uint64_t c = codec_get_u64(args);
	int64_t d = codec_get_i64(args);
	bool e = codec_get_bool(args);
	char *f = codec_get_str(args);
	if (!codec_reader_ok(args))
		return;
	codec_put_u8(reply, (uint8_t)(a + 1));
	codec_put_u32(reply, b * 2);
	codec_put_u64(reply, c - 1);
	codec_put_i64(reply, -d);
	codec_put_bool(reply, !e);
	codec_put_str(reply, strlen(f) > 3 ? f + 3 : "");
	free(f);
}

/* Block: waits until the gate opens. */
static void handle_block(void *ctx, struct codec_reader *args,
			 struct codec_buf *reply)
{
	struct service *s = ctx;
	(void)args;
	lab_mutex_lock(&s->mu);
	s->running++;
	s->blocked++;
	lab_cond_broadcast(&s->changed);
	while (!s->open)
		lab_cond_wait(&s->changed, &s->mu);
	s->blocked--;
	s->running--;
	lab_cond_broadcast(&s->changed);
	lab_mutex_unlock(&s->mu);
	codec_put_u8(reply, 1);
}

/* Slow: takes slow_ms to answer, as a handler doing real work would. */
static void handle_slow(void *ctx, struct codec_reader *args,
			struct codec_buf *reply)
{
	struct service *s = ctx;
	(void)args;
	enter(s);
	lab_sleep_ms(s->slow_ms);
	codec_put_u8(reply, 1);
	leave(s);
}

static const struct labrpc_method test_methods[] = {
	{"Echo", handle_echo},
	{"Mixed", handle_mixed},
	{"Block", handle_block},
	{"Slow", handle_slow},
};

#define NMETHODS (sizeof test_methods / sizeof test_methods[0])

static void open_gate(struct service *s)
{
	lab_mutex_lock(&s->mu);
	s->open = true;
	lab_cond_broadcast(&s->changed);
	lab_mutex_unlock(&s->mu);
}

/* Waits until n handlers are blocked at the gate. */
static void wait_blocked(struct service *s, int n)
{
	lab_mutex_lock(&s->mu);
	while (s->blocked < n)
		lab_cond_wait(&s->changed, &s->mu);
	lab_mutex_unlock(&s->mu);
}

/* ---- a network to call it on --------------------------------------------- */

#define MAX_SERVERS 4

struct fixture {
	struct labrpc_net *net;
	struct labrpc_server *srv[MAX_SERVERS];
	struct service svc[MAX_SERVERS];
	int nservers;
	int nends;
};

static void fixture_start(struct fixture *f, int nservers)
{
	memset(f, 0, sizeof *f);
	f->net = labrpc_net_create();
	f->nservers = nservers;
	for (int i = 0; i < nservers; i++) {
		char name[24];
		snprintf(name, sizeof name, "server%d", i);
		service_init(&f->svc[i]);
		f->srv[i] = labrpc_server_create();
		ck_assert_int_eq(labrpc_server_add_service(f->srv[i], "Test",
							   &f->svc[i],
							   test_methods,
							   NMETHODS),
				 LABRPC_OK);
		ck_assert_int_eq(labrpc_net_add_server(f->net, name, f->srv[i]),
				 LABRPC_OK);
	}
}

/* A new enabled end to server i, named "end<k>". */
static struct labrpc_end *fixture_end(struct fixture *f, int i)
{
	char name[24], sname[24];
	snprintf(name, sizeof name, "end%d", f->nends++);
	snprintf(sname, sizeof sname, "server%d", i);
	struct labrpc_end *end = labrpc_net_make_end(f->net, name);
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(labrpc_net_connect(f->net, name, sname), LABRPC_OK);
	ck_assert_int_eq(labrpc_net_enable(f->net, name, true), LABRPC_OK);
	return end;
}

static void fixture_stop(struct fixture *f)
{
	for (int i = 0; i < f->nservers; i++)
		open_gate(&f->svc[i]);
	labrpc_net_destroy(f->net);
	for (int i = 0; i < f->nservers; i++) {
		labrpc_server_destroy(f->srv[i]);
		service_destroy(&f->svc[i]);
	}
}

/* Calls Test.Echo with text; returns whether it succeeded, and checks that
 * a successful reply is the same text. */
static bool echo(struct labrpc_end *end, const char *text)
{
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	codec_put_bytes(&args, text, strlen(text));
	bool ok = labrpc_call(end, "Test.Echo", &args, &reply);
	if (ok) {
		struct codec_reader r;
		codec_reader_init(&r, reply.data, reply.len);
		size_t len;
		const uint8_t *back = codec_get_bytes_view(&r, &len);
		ck_assert_msg(codec_reader_finish(&r), "echo reply: %s",
			      codec_reader_error(&r));
		ck_assert_msg(len == strlen(text) &&
				      memcmp(back, text, len) == 0,
			      "echo of \"%s\" came back as \"%.*s\"", text,
			      (int)len, (const char *)back);
	} else {
		ck_assert_msg(reply.len == 0,
			      "a failed call left %zu bytes in the reply",
			      reply.len);
	}
	codec_buf_free(&args);
	codec_buf_free(&reply);
	return ok;
}

/* Calls a method without arguments; returns whether it succeeded. */
static bool call_plain(struct labrpc_end *end, const char *method)
{
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	bool ok = labrpc_call(end, method, &args, &reply);
	codec_buf_free(&args);
	codec_buf_free(&reply);
	return ok;
}

/* ---- threads that make calls -------------------------------------------- */

struct caller {
	struct labrpc_end *end;
	const char *method; /* NULL: Echo */
	int calls;
	int ok;		  /* calls that succeeded */
	int64_t took_ms;  /* for the whole run */
};

static void caller_main(void *arg)
{
	struct caller *c = arg;
	int64_t t0 = lab_now_ms();
	for (int i = 0; i < c->calls; i++) {
		bool ok = c->method ? call_plain(c->end, c->method)
				    : echo(c->end, "hello");
		c->ok += ok;
	}
	c->took_ms = lab_now_ms() - t0;
}

static struct lab_thread *start_caller(struct caller *c,
				       struct labrpc_end *end,
				       const char *method, int calls)
{
	memset(c, 0, sizeof *c);
	c->end = end;
	c->method = method;
	c->calls = calls;
	return lab_thread_create("test-caller", caller_main, c);
}

/* ---- warnings ------------------------------------------------------------ */

struct warnings {
	int count;
	char text[2048];
};

static void keep_warning(const char *msg, void *arg)
{
	struct warnings *w = arg;
	w->count++;
	size_t used = strlen(w->text);
	snprintf(w->text + used, sizeof w->text - used, "%s\n", msg);
}

static void expect_in(const struct warnings *w, const char *needle)
{
	ck_assert_msg(strstr(w->text, needle) != NULL,
		      "expected the warning to mention \"%s\"; it said: %s",
		      needle, w->text[0] ? w->text : "(nothing)");
}

/* ---- the scenarios ----------------------------------------------------- */

START_TEST(test_basic_call)
{
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	ck_assert_msg(echo(end, "hello, raft"),
		      "a call on a reliable network failed");
	fixture_stop(&f);
}
END_TEST

START_TEST(test_argument_types)
{
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	codec_put_u8(&args, 254);
	codec_put_u32(&args, 0x40000000u);
	codec_put_u64(&args, 1);
	codec_put_i64(&args, INT64_MIN + 1);
	codec_put_bool(&args, true);
	codec_put_str(&args, "RequestVote");
	ck_assert(labrpc_call(end, "Test.Mixed", &args, &reply));

	struct codec_reader r;
	codec_reader_init(&r, reply.data, reply.len);
	ck_assert_uint_eq(codec_get_u8(&r), 255);
	ck_assert_uint_eq(codec_get_u32(&r), 0x80000000u);
	ck_assert_uint_eq(codec_get_u64(&r), 0);
	ck_assert(codec_get_i64(&r) == INT64_MAX);
	ck_assert(codec_get_bool(&r) == false);
	char *s = codec_get_str(&r);
	ck_assert_str_eq(s, "uestVote");
	free(s);
	ck_assert_msg(codec_reader_finish(&r), "reply: %s",
		      codec_reader_error(&r));
	codec_buf_free(&args);
	codec_buf_free(&reply);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_disconnect)
{
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = labrpc_net_make_end(f.net, "e");
	labrpc_net_connect(f.net, "e", "server0");
	ck_assert_msg(!echo(end, "x"), "a call on a new (disabled) end "
				       "succeeded");
	labrpc_net_enable(f.net, "e", true);
	ck_assert_msg(echo(end, "x"), "a call on an enabled end failed");
	labrpc_net_enable(f.net, "e", false);
	ck_assert_msg(!echo(end, "x"), "a call on a disabled end succeeded");
	labrpc_net_connect(f.net, "e", "nobody");
	labrpc_net_enable(f.net, "e", true);
	ck_assert_msg(!echo(end, "x"), "a call to a missing server succeeded");
	fixture_stop(&f);
}
END_TEST

START_TEST(test_counts)
{
	struct fixture f;
	fixture_start(&f, 2);
	struct labrpc_end *end = fixture_end(&f, 1);
	for (int i = 0; i < 17; i++)
		ck_assert(echo(end, "count me"));
	ck_assert_int_eq(labrpc_net_server_count(f.net, "server1"), 17);
	ck_assert_int_eq(labrpc_net_server_count(f.net, "server0"), 0);
	ck_assert_int_eq(labrpc_net_server_count(f.net, "nobody"), 0);
	ck_assert_int_eq(labrpc_net_total_count(f.net), 17);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_bytes)
{
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	/* Echo's request and reply are the same: 4 bytes of length plus
	 * the text. */
	int64_t want = 0;
	for (int i = 0; i < 17; i++) {
		char text[64];
		snprintf(text, sizeof text, "%0*d", 1 + i * 3, i);
		ck_assert(echo(end, text));
		want += 2 * (4 + (int64_t)strlen(text));
	}
	ck_assert_int_eq(labrpc_net_total_bytes(f.net), want);

	/* A failed call counts its request, not a reply. */
	labrpc_net_enable(f.net, "end0", false);
	ck_assert(!echo(end, "0123456789"));
	ck_assert_int_eq(labrpc_net_total_bytes(f.net), want + 14);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_concurrent_clients)
{
	enum { NCLIENTS = 20, NCALLS = 10 };
	struct fixture f;
	fixture_start(&f, 1);
	struct caller callers[NCLIENTS];
	struct lab_thread *t[NCLIENTS];
	for (int i = 0; i < NCLIENTS; i++)
		t[i] = start_caller(&callers[i], fixture_end(&f, 0), NULL,
				    NCALLS);
	for (int i = 0; i < NCLIENTS; i++) {
		lab_thread_join(t[i]);
		ck_assert_int_eq(callers[i].ok, NCALLS);
	}
	ck_assert_int_eq(labrpc_net_server_count(f.net, "server0"),
			 NCLIENTS * NCALLS);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_unreliable)
{
	enum { NCLIENTS = 300 };
	struct fixture f;
	fixture_start(&f, 1);
	labrpc_net_set_reliable(f.net, false);
	struct caller *callers = lab_calloc(NCLIENTS, sizeof *callers);
	struct lab_thread **t = lab_calloc(NCLIENTS, sizeof *t);
	for (int i = 0; i < NCLIENTS; i++)
		t[i] = start_caller(&callers[i], fixture_end(&f, 0), NULL, 1);
	int ok = 0;
	for (int i = 0; i < NCLIENTS; i++) {
		lab_thread_join(t[i]);
		ok += callers[i].ok;
	}
	/* 10% of requests and 10% of replies are lost: expect about 81%. */
	ck_assert_msg(ok > 0 && ok < NCLIENTS,
		      "expected some but not all of %d unreliable calls to "
		      "succeed; %d did",
		      NCLIENTS, ok);
	ck_assert_msg(ok > NCLIENTS / 2,
		      "expected about 81%% of unreliable calls to succeed; "
		      "only %d of %d did",
		      ok, NCLIENTS);
	free(callers);
	free(t);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_concurrent_one_end)
{
	enum { NTHREADS = 20, NCALLS = 20 };
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	struct caller callers[NTHREADS];
	struct lab_thread *t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		t[i] = start_caller(&callers[i], end, NULL, NCALLS);
	for (int i = 0; i < NTHREADS; i++) {
		lab_thread_join(t[i]);
		ck_assert_int_eq(callers[i].ok, NCALLS);
	}
	ck_assert_int_eq(labrpc_net_server_count(f.net, "server0"),
			 NTHREADS * NCALLS);
	fixture_stop(&f);
}
END_TEST

/* A call that is waiting out a long delay on a disabled end must not hold
 * up calls made after the end is enabled again. */
START_TEST(test_disabled_delay_does_not_block_later_calls)
{
	struct fixture f;
	fixture_start(&f, 1);
	labrpc_net_set_long_delays(f.net, true);
	struct labrpc_end *end = fixture_end(&f, 0);
	labrpc_net_enable(f.net, "end0", false);
	struct caller slow;
	struct lab_thread *t = start_caller(&slow, end, NULL, 5);
	labrpc_net_enable(f.net, "end0", true);
	int64_t t0 = lab_now_ms();
	for (int i = 0; i < 20; i++)
		ck_assert(echo(end, "later"));
	int64_t took = lab_now_ms() - t0;
	ck_assert_msg(took < 1000,
		      "20 calls on a re-enabled end took %lld ms; a delayed "
		      "call must not hold up later ones",
		      (long long)took);
	lab_thread_join(t);
	fixture_stop(&f);
}
END_TEST

/* A handler that never returns must not keep its caller waiting once the
 * server is deleted. */
START_TEST(test_stuck_handler_fails_after_delete)
{
	struct fixture f;
	fixture_start(&f, 1);
	struct caller c;
	struct lab_thread *t = start_caller(&c, fixture_end(&f, 0),
					    "Test.Block", 1);
	wait_blocked(&f.svc[0], 1);
	int64_t t0 = lab_now_ms();
	ck_assert_int_eq(labrpc_net_delete_server(f.net, "server0"), LABRPC_OK);
	lab_thread_join(t);
	int64_t waited = lab_now_ms() - t0;
	ck_assert_msg(c.ok == 0, "a call to a deleted server succeeded");
	ck_assert_msg(waited < 1000,
		      "a call stuck in a handler returned %lld ms after its "
		      "server was deleted; expected about 100 ms",
		      (long long)waited);
	/* No positive reply escapes, even once the handler finishes. */
	open_gate(&f.svc[0]);
	fixture_stop(&f);
}
END_TEST

/* A reply made after the server was deleted is not delivered. */
START_TEST(test_no_reply_from_deleted_server)
{
	struct fixture f;
	fixture_start(&f, 1);
	f.svc[0].slow_ms = 300;
	struct caller c;
	struct lab_thread *t = start_caller(&c, fixture_end(&f, 0),
					    "Test.Slow", 1);
	lab_mutex_lock(&f.svc[0].mu);
	while (f.svc[0].running == 0)
		lab_cond_wait(&f.svc[0].changed, &f.svc[0].mu);
	lab_mutex_unlock(&f.svc[0].mu);
	labrpc_net_delete_server(f.net, "server0");
	lab_thread_join(t);
	ck_assert_msg(c.ok == 0, "a deleted server's reply was delivered");
	fixture_stop(&f);
}
END_TEST

/* Deleting and destroying a server while calls stream in and handlers
 * run: everything returns, destroy waits for the handlers, and nothing
 * touches the server or its context afterwards (ASan and TSan watch). */
START_TEST(test_delete_server_under_load)
{
	enum { NCALLERS = 8 };
	struct fixture f;
	fixture_start(&f, 1);
	/* A second server whose context is on the heap, freed right after
	 * labrpc_server_destroy: a handler running later would be a
	 * use-after-free. */
	struct service *ctx = lab_malloc(sizeof *ctx);
	service_init(ctx);
	ctx->slow_ms = 2;
	struct labrpc_server *victim = labrpc_server_create();
	labrpc_server_add_service(victim, "Test", ctx, test_methods, NMETHODS);
	labrpc_net_add_server(f.net, "victim", victim);

	struct caller callers[NCALLERS];
	struct lab_thread *t[NCALLERS];
	for (int i = 0; i < NCALLERS; i++) {
		char name[16];
		snprintf(name, sizeof name, "v%d", i);
		struct labrpc_end *end = labrpc_net_make_end(f.net, name);
		labrpc_net_connect(f.net, name, "victim");
		labrpc_net_enable(f.net, name, true);
		t[i] = start_caller(&callers[i], end,
				    i % 2 ? "Test.Slow" : NULL, 200);
	}
	/* Wait until handlers are running, then pull the server. */
	while (labrpc_net_server_count(f.net, "victim") < 50)
		lab_sleep_ms(1);
	labrpc_net_delete_server(f.net, "victim");
	labrpc_server_destroy(victim);
	ck_assert_int_eq(ctx->running, 0);
	service_destroy(ctx);
	free(ctx);

	int ok = 0;
	for (int i = 0; i < NCALLERS; i++) {
		lab_thread_join(t[i]);
		ok += callers[i].ok;
	}
	/* 50 handlers ran before the delete, but a call whose handler ran
	 * may still fail if the delete came before its reply: so only "some
	 * succeeded" can be asserted, and "not all". */
	ck_assert_msg(ok > 0 && ok < NCALLERS * 200,
		      "expected calls to succeed before the delete and fail "
		      "after; %d of %d succeeded",
		      ok, NCALLERS * 200);
	fixture_stop(&f);
}
END_TEST

/* Destroying the network fails the calls in progress promptly, whatever
 * they are waiting for: a long delay on a disabled end, a slow handler, or
 * a reply held back for reordering. */
START_TEST(test_destroy_with_calls_pending)
{
	enum { NCALLERS = 6 };
	struct fixture f;
	fixture_start(&f, 1);
	f.svc[0].slow_ms = 200;
	labrpc_net_set_long_delays(f.net, true);
	labrpc_net_set_long_reordering(f.net, true);
	struct caller callers[NCALLERS];
	struct lab_thread *t[NCALLERS];
	for (int i = 0; i < NCALLERS; i++) {
		struct labrpc_end *end = fixture_end(&f, 0);
		if (i < 2) {
			char name[16];
			snprintf(name, sizeof name, "end%d", f.nends - 1);
			labrpc_net_enable(f.net, name, false);
		}
		t[i] = start_caller(&callers[i], end,
				    i < 4 ? NULL : "Test.Slow", 1);
	}
	lab_sleep_ms(100); /* let the calls get under way */
	int64_t t0 = lab_now_ms();
	labrpc_net_destroy(f.net);
	for (int i = 0; i < NCALLERS; i++)
		lab_thread_join(t[i]);
	int64_t took = lab_now_ms() - t0;
	ck_assert_msg(took < 1500,
		      "destroying the network and seeing its calls return took "
		      "%lld ms; calls in progress should fail promptly",
		      (long long)took);
	for (int i = 0; i < f.nservers; i++) {
		labrpc_server_destroy(f.srv[i]);
		service_destroy(&f.svc[i]);
	}
}
END_TEST

/* A crashed peer's ends are deleted: its calls, even one waiting out a
 * long delay, end at once, so its threads can stop. */
START_TEST(test_delete_end)
{
	struct fixture f;
	fixture_start(&f, 1);
	labrpc_net_set_long_delays(f.net, true);
	struct labrpc_end *end = fixture_end(&f, 0);
	ck_assert(echo(end, "before"));
	labrpc_net_enable(f.net, "end0", false);
	/* Several calls, so that some draw a delay of seconds. */
	struct caller c[4];
	struct lab_thread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = start_caller(&c[i], end, NULL, 1);
	lab_sleep_ms(50);
	int64_t t0 = lab_now_ms();
	ck_assert_int_eq(labrpc_net_delete_end(f.net, "end0"), LABRPC_OK);
	for (int i = 0; i < 4; i++) {
		lab_thread_join(t[i]);
		ck_assert_int_eq(c[i].ok, 0);
	}
	int64_t took = lab_now_ms() - t0;
	ck_assert_msg(took < 1000,
		      "calls on a deleted end took %lld ms to return; "
		      "expected them to end at once",
		      (long long)took);

	/* Later calls fail at once, are not counted, and re-enabling does
	 * not bring the end back. */
	int64_t before = labrpc_net_total_count(f.net);
	labrpc_net_enable(f.net, "end0", true);
	ck_assert(!echo(end, "after"));
	ck_assert_int_eq(labrpc_net_total_count(f.net), before);
	struct warnings w = {0};
	lab_set_warn_handler(keep_warning, &w);
	ck_assert_int_eq(labrpc_net_delete_end(f.net, "nope"),
			 LABRPC_ENOTFOUND);
	lab_set_warn_handler(NULL, NULL);
	expect_in(&w, "no end named \"nope\" (ends: end0)");
	fixture_stop(&f);
}
END_TEST

START_TEST(test_long_reordering)
{
	enum { NCALLERS = 20 };
	struct fixture f;
	fixture_start(&f, 1);
	labrpc_net_set_long_reordering(f.net, true);
	struct caller callers[NCALLERS];
	struct lab_thread *t[NCALLERS];
	for (int i = 0; i < NCALLERS; i++)
		t[i] = start_caller(&callers[i], fixture_end(&f, 0), NULL, 1);
	int held = 0;
	for (int i = 0; i < NCALLERS; i++) {
		lab_thread_join(t[i]);
		ck_assert_msg(callers[i].ok == 1, "a reordered call was lost");
		held += callers[i].took_ms >= 200;
	}
	/* About 2 in 3 are held back 200 ms or more. */
	ck_assert_msg(held > 0 && held < NCALLERS,
		      "expected some but not all replies held back >= 200 ms; "
		      "%d of %d were",
		      held, NCALLERS);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_unknown_method)
{
	struct warnings w = {0};
	lab_set_warn_handler(keep_warning, &w);
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(!call_plain(end, "Test.Ech"),
			      "a call to an unknown method succeeded");
	lab_set_warn_handler(NULL, NULL);
	ck_assert_msg(w.count == 1, "expected one warning for three calls "
				    "from one place; got %d: %s",
		      w.count, w.text);
	expect_in(&w, "Test.Ech");
	expect_in(&w, "Test.Echo, Test.Mixed, Test.Block, Test.Slow");
	fixture_stop(&f);
}
END_TEST

START_TEST(test_duplicate_names)
{
	struct warnings w = {0};
	lab_set_warn_handler(keep_warning, &w);
	struct fixture f;
	fixture_start(&f, 2);

	ck_assert_int_eq(labrpc_server_add_service(f.srv[0], "Test", NULL,
						   test_methods, NMETHODS),
			 LABRPC_EDUPLICATE);
	expect_in(&w, "services: Test");

	static const struct labrpc_method twice[] = {
		{"Vote", handle_echo},
		{"Vote", handle_echo},
	};
	ck_assert_int_eq(labrpc_server_add_service(f.srv[0], "Raft", NULL,
						   twice, 2),
			 LABRPC_EDUPLICATE);
	expect_in(&w, "\"Vote\" twice");

	struct labrpc_server *extra = labrpc_server_create();
	ck_assert_int_eq(labrpc_net_add_server(f.net, "server1", extra),
			 LABRPC_EDUPLICATE);
	expect_in(&w, "servers: ");
	expect_in(&w, "server0");
	labrpc_server_destroy(extra);

	fixture_end(&f, 0);
	ck_assert_ptr_null(labrpc_net_make_end(f.net, "end0"));
	expect_in(&w, "ends: end0");
	ck_assert_int_eq(labrpc_net_enable(f.net, "nope", true),
			 LABRPC_ENOTFOUND);
	expect_in(&w, "no end named \"nope\"");

	lab_set_warn_handler(NULL, NULL);
	ck_assert_int_eq(w.count, 5);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_call_holding_lock_warns)
{
	struct warnings w = {0};
	lab_set_warn_handler(keep_warning, &w);
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	struct lab_mutex mu;
	lab_mutex_init(&mu, "raft state");
	lab_mutex_lock(&mu);
	for (int i = 0; i < 3; i++)
		ck_assert(echo(end, "with lock"));
	lab_mutex_unlock(&mu);
	ck_assert(echo(end, "without lock"));
	lab_mutex_destroy(&mu);
	lab_set_warn_handler(NULL, NULL);
	ck_assert_msg(w.count == 1, "expected one warning for one call site; "
				    "got %d: %s",
		      w.count, w.text);
	expect_in(&w, "labrpc_call while holding lock raft state");
	expect_in(&w, "thread main");
	expect_in(&w, "test_labrpc.c");
	fixture_stop(&f);
}
END_TEST

START_TEST(test_malformed_arguments)
{
	struct warnings w = {0};
	lab_set_warn_handler(keep_warning, &w);
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	/* Mixed wants six fields; send one. */
	codec_put_u8(&args, 7);
	ck_assert_msg(!labrpc_call(end, "Test.Mixed", &args, &reply),
		      "a call with truncated arguments succeeded");
	/* Echo wants one byte string; send it plus trailing bytes. */
	codec_buf_reset(&args);
	codec_put_bytes(&args, "hi", 2);
	codec_put_u32(&args, 42);
	ck_assert_msg(!labrpc_call(end, "Test.Echo", &args, &reply),
		      "a call with extra argument bytes succeeded");
	/* Garbage: a length prefix far past the end. */
	codec_buf_set(&args, "\xff\xff\xff\x7f", 4);
	ck_assert(!labrpc_call(end, "Test.Echo", &args, &reply));
	lab_set_warn_handler(NULL, NULL);
	expect_in(&w, "Test.Mixed could not decode its arguments");
	expect_in(&w, "Test.Echo could not decode its arguments");
	ck_assert(echo(end, "still fine"));
	codec_buf_free(&args);
	codec_buf_free(&reply);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_null_arguments)
{
	struct warnings w = {0};
	lab_set_warn_handler(keep_warning, &w);
	struct codec_buf buf;
	codec_buf_init(&buf);
	ck_assert(!labrpc_call(NULL, "Test.Echo", &buf, &buf));
	lab_set_warn_handler(NULL, NULL);
	expect_in(&w, "must not be NULL");
	labrpc_net_destroy(NULL);
	labrpc_server_destroy(NULL);
}
END_TEST

/* A server deleted and replaced under the same name (a restarted peer)
 * gets calls again, counted afresh. */
START_TEST(test_replace_server)
{
	struct fixture f;
	fixture_start(&f, 1);
	struct labrpc_end *end = fixture_end(&f, 0);
	ck_assert(echo(end, "one"));
	labrpc_net_delete_server(f.net, "server0");
	ck_assert(!echo(end, "gone"));
	labrpc_server_destroy(f.srv[0]);
	f.srv[0] = labrpc_server_create();
	labrpc_server_add_service(f.srv[0], "Test", &f.svc[0], test_methods,
				  NMETHODS);
	ck_assert_int_eq(labrpc_net_add_server(f.net, "server0", f.srv[0]),
			 LABRPC_OK);
	ck_assert(echo(end, "back"));
	ck_assert_int_eq(labrpc_net_server_count(f.net, "server0"), 1);
	fixture_stop(&f);
}
END_TEST

Suite *labrpc_suite(void)
{
	Suite *s = suite_create("labrpc");
	selftest_add(s, test_basic_call, 60);
	selftest_add(s, test_argument_types, 60);
	selftest_add(s, test_disconnect, 60);
	selftest_add(s, test_counts, 60);
	selftest_add(s, test_bytes, 60);
	selftest_add(s, test_concurrent_clients, 60);
	selftest_add(s, test_unreliable, 60);
	selftest_add(s, test_concurrent_one_end, 60);
	selftest_add(s, test_disabled_delay_does_not_block_later_calls, 60);
	selftest_add(s, test_stuck_handler_fails_after_delete, 60);
	selftest_add(s, test_no_reply_from_deleted_server, 60);
	selftest_add(s, test_delete_server_under_load, 60);
	selftest_add(s, test_destroy_with_calls_pending, 60);
	selftest_add(s, test_delete_end, 60);
	selftest_add(s, test_long_reordering, 60);
	selftest_add(s, test_unknown_method, 60);
	selftest_add(s, test_duplicate_names, 60);
	selftest_add(s, test_call_holding_lock_warns, 60);
	selftest_add(s, test_malformed_arguments, 60);
	selftest_add(s, test_null_arguments, 60);
	selftest_add(s, test_replace_server, 60);
	return s;
}
