/*
 * labrpc: how a call travels.
 *
 * The caller's thread does the network's part of the work: it looks up the
 * end and the server under the network's lock, sleeps out any delay, drops
 * the request if the network says so, then queues a job for the server.
 * A pool of worker threads takes jobs and runs their handlers. The caller
 * waits on the job; if meanwhile its end is disabled or deleted, the
 * server deleted or the network closed, it is woken at once and fails the
 * call. Once the reply is in, the caller may still drop it or hold it back
 * to reorder it.
 *
 * Locks: net->mu guards the network (ends, servers, queue, job states);
 * srv->mu guards a server's services and running-handler count. When both
 * are taken, net->mu comes first.
 *
 * Jobs are recycled through a free list, so a long run of calls allocates
 * nothing once it reaches its peak concurrency. A job is shared by caller
 * and worker (refs); the last to let go returns it to the list.
 */
#include "labrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS 100		   /* a waiting call looks around at least
				      this often */
#define KEEP_BUF_BYTES (64 * 1024) /* larger job buffers are not recycled */

struct method {
	char *fullname; /* "Raft.RequestVote" */
	labrpc_handler handler;
	void *ctx;
	bool warned_malformed;
};

struct labrpc_server {
	struct lab_mutex mu;
	struct lab_cond idle; /* active dropped to 0 */
	struct method **methods; /* pointers: a job keeps one while the
				  * array grows */
	size_t nmethods;
	char **services;
	size_t nservices;
	int group;	  /* the lab thread group its handlers run in */
	int active;	  /* handlers running */
	bool dead;	  /* deleted from its network: run nothing more */
	atomic_int refs;  /* the owner's, plus one per call in progress */
	atomic_llong count;
	/* Guarded by the network's lock: */
	struct labrpc_net *net; /* while on a network */
	char *name;
	struct labrpc_server *next;
};

struct labrpc_end {
	struct labrpc_net *net;
	char *name;
	char *servername; /* NULL until connected */
	bool enabled;
	bool deleted;
	struct labrpc_end *next;
};

struct job {
	int refs; /* caller and worker; under net->mu */
	bool done, ok;
	struct method *method;
	struct labrpc_server *srv;
	struct codec_buf args, reply;
	struct lab_cond finished;
	struct job *next; /* in the queue or the free list */
	/* In net->waiting while its caller waits for it. */
	struct job *wprev, *wnext;
};

struct worker {
	struct lab_thread *thread;
	struct worker *next;
};

struct labrpc_net {
	struct lab_mutex mu;
	struct lab_cond changed; /* closing, or an end deleted: delays end */
	struct lab_cond work;	 /* a job was queued, or closing */
	struct lab_cond drained; /* a call left while closing */
	bool reliable, long_reordering, long_delays, closing;
	struct labrpc_end *ends;
	struct labrpc_server *servers;
	struct job *queue_head, *queue_tail;
	int queued, idle, calls;
	struct job *free_jobs;
	struct job *waiting; /* jobs whose callers wait: see wake_callers */
	struct worker *workers;
	atomic_llong total_count, total_bytes;
};

/* Under net->mu. Wakes every caller waiting for a handler, to look again
 * at whether its reply could still reach it: an end was disabled or
 * deleted, a server deleted, or the network is closing. */
static void wake_callers(struct labrpc_net *net)
{
	for (struct job *j = net->waiting; j; j = j->wnext)
		lab_cond_broadcast(&j->finished);
}

const char *labrpc_strerror(enum labrpc_error err)
{
	switch (err) {
#define LABRPC_CASE(code, msg)                                               \
	case code:                                                           \
		return msg;
		LABRPC_ERRORS(LABRPC_CASE)
#undef LABRPC_CASE
	}
	return "unknown error";
}

/* ---- names, for messages ------------------------------------------------ */

/* Appends ", name" (or just name, at the start) to buf, and "..." once the
 * list no longer fits. */
static void list_add(char *buf, size_t size, const char *name)
{
	size_t used = strlen(buf);
	if (used + 4 >= size)
		return;
	int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
			 name);
	if (w < 0 || (size_t)w >= size - used)
		strcpy(buf + size - 4, "...");
}

static void list_ends(struct labrpc_net *net, char *buf, size_t size)
{
	buf[0] = '\0';
	for (struct labrpc_end *e = net->ends; e; e = e->next)
		list_add(buf, size, e->name);
	if (!buf[0])
		snprintf(buf, size, "(none)");
}

static void list_servers(struct labrpc_net *net, char *buf, size_t size)
{
	buf[0] = '\0';
	for (struct labrpc_server *s = net->servers; s; s = s->next)
		list_add(buf, size, s->name);
	if (!buf[0])
		snprintf(buf, size, "(none)");
}

static void list_methods(struct labrpc_server *srv, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < srv->nmethods; i++)
		list_add(buf, size, srv->methods[i]->fullname);
	if (!buf[0])
		snprintf(buf, size, "(none)");
}

/* ---- the network ------------------------------------------------------- */

struct labrpc_net *labrpc_net_create(void)
{
	struct labrpc_net *net = lab_calloc(1, sizeof *net);
	lab_mutex_init(&net->mu, "labrpc net");
	lab_cond_init(&net->changed);
	lab_cond_init(&net->work);
	lab_cond_init(&net->drained);
	net->reliable = true;
	return net;
}

static void job_free(struct job *job)
{
	codec_buf_free(&job->args);
	codec_buf_free(&job->reply);
	lab_cond_destroy(&job->finished);
	free(job);
}

void labrpc_net_destroy(struct labrpc_net *net)
{
	if (net == NULL)
		return;
	lab_mutex_lock(&net->mu);
	net->closing = true;
	lab_cond_broadcast(&net->changed);
	lab_cond_broadcast(&net->work);
	wake_callers(net);
	/* Calls in progress see closing and leave. */
	while (net->calls > 0)
		lab_cond_wait(&net->drained, &net->mu);
	for (struct labrpc_server *s = net->servers; s; s = s->next)
		s->net = NULL;
	lab_mutex_unlock(&net->mu);

	/* Workers finish the handler they are running, then exit. */
	struct worker *w = net->workers;
	while (w) {
		struct worker *next = w->next;
		lab_thread_join(w->thread);
		free(w);
		w = next;
	}
	struct labrpc_server *s = net->servers;
	while (s) {
		struct labrpc_server *next = s->next;
		free(s->name);
		s->name = NULL;
		s = next;
	}
	struct labrpc_end *e = net->ends;
	while (e) {
		struct labrpc_end *next = e->next;
		free(e->name);
		free(e->servername);
		free(e);
		e = next;
	}
	struct job *j = net->free_jobs;
	while (j) {
		struct job *next = j->next;
		job_free(j);
		j = next;
	}
	lab_cond_destroy(&net->drained);
	lab_cond_destroy(&net->work);
	lab_cond_destroy(&net->changed);
	lab_mutex_destroy(&net->mu);
	free(net);
}

void labrpc_net_set_reliable(struct labrpc_net *net, bool reliable)
{
	lab_mutex_lock(&net->mu);
	net->reliable = reliable;
	lab_mutex_unlock(&net->mu);
}

void labrpc_net_set_long_reordering(struct labrpc_net *net, bool on)
{
	lab_mutex_lock(&net->mu);
	net->long_reordering = on;
	lab_mutex_unlock(&net->mu);
}

void labrpc_net_set_long_delays(struct labrpc_net *net, bool on)
{
	lab_mutex_lock(&net->mu);
	net->long_delays = on;
	lab_mutex_unlock(&net->mu);
}

/* ---- ends -------------------------------------------------------------- */

static struct labrpc_end *find_end(struct labrpc_net *net, const char *name)
{
	for (struct labrpc_end *e = net->ends; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static struct labrpc_server *find_server(struct labrpc_net *net,
					 const char *name)
{
	for (struct labrpc_server *s = net->servers; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

struct labrpc_end *labrpc_net_make_end(struct labrpc_net *net,
				       const char *name)
{
	struct labrpc_end *end = NULL;
	char known[256];
	lab_mutex_lock(&net->mu);
	if (find_end(net, name) == NULL) {
		end = lab_calloc(1, sizeof *end);
		end->net = net;
		end->name = lab_strdup(name);
		end->next = net->ends;
		net->ends = end;
	} else {
		list_ends(net, known, sizeof known);
	}
	lab_mutex_unlock(&net->mu);
	if (end == NULL)
		lab_warn("labrpc: an end named \"%s\" already exists; "
			 "end names must be unique (ends: %s)",
			 name, known);
	return end;
}

/* Finds end name, or warns (as caller) with the list of ends. */
static struct labrpc_end *need_end(struct labrpc_net *net, const char *name,
				   const char *caller)
{
	struct labrpc_end *end = find_end(net, name);
	if (end == NULL) {
		char known[256];
		list_ends(net, known, sizeof known);
		lab_warn("labrpc: %s: no end named \"%s\" (ends: %s)", caller,
			 name, known);
	}
	return end;
}

enum labrpc_error labrpc_net_connect(struct labrpc_net *net,
				     const char *endname,
				     const char *servername)
{
	lab_mutex_lock(&net->mu);
	struct labrpc_end *end = need_end(net, endname, "labrpc_net_connect");
	if (end) {
		free(end->servername);
		end->servername = lab_strdup(servername);
	}
	lab_mutex_unlock(&net->mu);
	return end ? LABRPC_OK : LABRPC_ENOTFOUND;
}

enum labrpc_error labrpc_net_enable(struct labrpc_net *net,
				    const char *endname, bool enabled)
{
	lab_mutex_lock(&net->mu);
	struct labrpc_end *end = need_end(net, endname, "labrpc_net_enable");
	if (end) {
		end->enabled = enabled;
		if (!enabled)
			wake_callers(net);
	}
	lab_mutex_unlock(&net->mu);
	return end ? LABRPC_OK : LABRPC_ENOTFOUND;
}

enum labrpc_error labrpc_net_delete_end(struct labrpc_net *net,
					const char *endname)
{
	lab_mutex_lock(&net->mu);
	struct labrpc_end *end = need_end(net, endname, "labrpc_net_delete_end");
	if (end) {
		end->deleted = true;
		end->enabled = false;
		lab_cond_broadcast(&net->changed); /* cut delays short */
		wake_callers(net);
	}
	lab_mutex_unlock(&net->mu);
	return end ? LABRPC_OK : LABRPC_ENOTFOUND;
}

/* ---- servers ----------------------------------------------------------- */

struct labrpc_server *labrpc_server_create(void)
{
	struct labrpc_server *srv = lab_calloc(1, sizeof *srv);
	lab_mutex_init(&srv->mu, "labrpc server");
	lab_cond_init(&srv->idle);
	atomic_init(&srv->refs, 1);
	atomic_init(&srv->count, 0);
	srv->group = lab_group_get();
	return srv;
}

static void server_unref(struct labrpc_server *srv)
{
	if (atomic_fetch_sub(&srv->refs, 1) != 1)
		return;
	for (size_t i = 0; i < srv->nmethods; i++) {
		free(srv->methods[i]->fullname);
		free(srv->methods[i]);
	}
	for (size_t i = 0; i < srv->nservices; i++)
		free(srv->services[i]);
	free(srv->methods);
	free(srv->services);
	lab_cond_destroy(&srv->idle);
	lab_mutex_destroy(&srv->mu);
	free(srv);
}

void labrpc_server_destroy(struct labrpc_server *srv)
{
	if (srv == NULL)
		return;
	/* Still on a network? Take it off first. The network is read under
	 * no lock: only the owner adds and deletes the server. */
	if (srv->net && srv->name)
		labrpc_net_delete_server(srv->net, srv->name);
	/* Now no new handler can start: the delete marked the server dead,
	 * or it was never reachable. Wait out the running ones. */
	lab_mutex_lock(&srv->mu);
	while (srv->active > 0)
		lab_cond_wait(&srv->idle, &srv->mu);
	lab_mutex_unlock(&srv->mu);
	server_unref(srv);
}

enum labrpc_error labrpc_server_add_service(struct labrpc_server *srv,
					    const char *name, void *ctx,
					    const struct labrpc_method *methods,
					    size_t nmethods)
{
	if (name == NULL || (methods == NULL && nmethods > 0)) {
		lab_warn("labrpc_server_add_service: name and methods must "
			 "not be NULL");
		return LABRPC_EINVAL;
	}
	for (size_t i = 0; i < nmethods; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(methods[i].name, methods[j].name) == 0) {
				lab_warn("labrpc: service \"%s\" lists method "
					 "\"%s\" twice; each method needs a "
					 "name of its own",
					 name, methods[i].name);
				return LABRPC_EDUPLICATE;
			}
		}
	}

	enum labrpc_error err = LABRPC_OK;
	char known[256] = "";
	lab_mutex_lock(&srv->mu);
	for (size_t i = 0; i < srv->nservices; i++) {
		list_add(known, sizeof known, srv->services[i]);
		if (strcmp(srv->services[i], name) == 0)
			err = LABRPC_EDUPLICATE;
	}
	if (err == LABRPC_OK) {
		srv->services = lab_realloc(srv->services,
					    (srv->nservices + 1) *
						    sizeof *srv->services);
		srv->services[srv->nservices++] = lab_strdup(name);
		srv->methods = lab_realloc(srv->methods,
					   (srv->nmethods + nmethods) *
						   sizeof *srv->methods);
		for (size_t i = 0; i < nmethods; i++) {
			struct method *m = lab_calloc(1, sizeof *m);
			srv->methods[srv->nmethods++] = m;
			size_t len = strlen(name) + strlen(methods[i].name) + 2;
			m->fullname = lab_malloc(len);
			snprintf(m->fullname, len, "%s.%s", name,
				 methods[i].name);
			m->handler = methods[i].handler;
			m->ctx = ctx;
		}
	}
	lab_mutex_unlock(&srv->mu);
	if (err != LABRPC_OK)
		lab_warn("labrpc: the server already has a service named "
			 "\"%s\" (services: %s)",
			 name, known);
	return err;
}

enum labrpc_error labrpc_net_add_server(struct labrpc_net *net,
					const char *servername,
					struct labrpc_server *srv)
{
	enum labrpc_error err = LABRPC_OK;
	char known[256];
	lab_mutex_lock(&net->mu);
	if (srv->net != NULL) {
		err = LABRPC_EINVAL;
	} else if (find_server(net, servername) != NULL) {
		list_servers(net, known, sizeof known);
		err = LABRPC_EDUPLICATE;
	} else {
		srv->net = net;
		srv->name = lab_strdup(servername);
		srv->next = net->servers;
		net->servers = srv;
	}
	lab_mutex_unlock(&net->mu);
	if (err == LABRPC_EINVAL)
		lab_warn("labrpc: server \"%s\" is already on a network as "
			 "\"%s\"",
			 servername, srv->name);
	else if (err == LABRPC_EDUPLICATE)
		lab_warn("labrpc: a server named \"%s\" is already on the "
			 "network; delete it first (servers: %s)",
			 servername, known);
	return err;
}

enum labrpc_error labrpc_net_delete_server(struct labrpc_net *net,
					   const char *servername)
{
	lab_mutex_lock(&net->mu);
	struct labrpc_server **p = &net->servers;
	while (*p && strcmp((*p)->name, servername) != 0)
		p = &(*p)->next;
	struct labrpc_server *srv = *p;
	if (srv) {
		*p = srv->next;
		lab_mutex_lock(&srv->mu);
		srv->dead = true;
		lab_mutex_unlock(&srv->mu);
		srv->net = NULL;
		free(srv->name);
		srv->name = NULL;
		wake_callers(net);
	}
	lab_mutex_unlock(&net->mu);
	return srv ? LABRPC_OK : LABRPC_ENOTFOUND;
}

/* ---- jobs and workers ------------------------------------------------- */

/* Both under net->mu. */
static struct job *job_get(struct labrpc_net *net)
{
	struct job *job = net->free_jobs;
	if (job) {
		net->free_jobs = job->next;
	} else {
		job = lab_calloc(1, sizeof *job);
		codec_buf_init(&job->args);
		codec_buf_init(&job->reply);
		lab_cond_init(&job->finished);
	}
	job->refs = 2;
	job->done = job->ok = false;
	job->next = NULL;
	return job;
}

static void job_put(struct labrpc_net *net, struct job *job)
{
	if (--job->refs > 0)
		return;
	job->method = NULL;
	job->srv = NULL;
	if (job->args.cap > KEEP_BUF_BYTES)
		codec_buf_free(&job->args);
	if (job->reply.cap > KEEP_BUF_BYTES)
		codec_buf_free(&job->reply);
	job->next = net->free_jobs;
	net->free_jobs = job;
}

static void run_handler(struct job *job)
{
	struct labrpc_server *srv = job->srv;
	lab_mutex_lock(&srv->mu);
	bool run = !srv->dead;
	if (run)
		srv->active++;
	lab_mutex_unlock(&srv->mu);
	if (!run)
		return;

	atomic_fetch_add(&srv->count, 1);
	struct method *m = job->method;
	struct codec_reader args;
	codec_reader_init(&args, job->args.data, job->args.len);
	codec_buf_reset(&job->reply);
	/* While it runs the handler, the worker counts as one of the peer's
	 * threads, and so do threads the handler starts. */
	lab_group_set(srv->group);
	m->handler(m->ctx, &args, &job->reply);
	lab_group_set(0);
	job->ok = codec_reader_finish(&args);

	lab_mutex_lock(&srv->mu);
	bool warn = !job->ok && !m->warned_malformed;
	m->warned_malformed = m->warned_malformed || !job->ok;
	if (--srv->active == 0)
		lab_cond_broadcast(&srv->idle);
	lab_mutex_unlock(&srv->mu);
	if (warn)
		lab_warn("labrpc: %s could not decode its arguments (%s), so "
			 "the call fails; the caller must encode the same "
			 "fields, in the same order, as the handler decodes",
			 m->fullname, codec_reader_error(&args));
}

static void worker_main(void *arg)
{
	struct labrpc_net *net = arg;
	lab_group_set(0); /* workers belong to no peer */
	lab_mutex_lock(&net->mu);
	for (;;) {
		while (net->queue_head == NULL && !net->closing) {
			net->idle++;
			lab_cond_wait(&net->work, &net->mu);
			net->idle--;
		}
		struct job *job = net->queue_head;
		if (job == NULL)
			break; /* closing, and nothing left */
		net->queue_head = job->next;
		if (net->queue_head == NULL)
			net->queue_tail = NULL;
		net->queued--;
		bool closing = net->closing;
		lab_mutex_unlock(&net->mu);

		if (!closing)
			run_handler(job);
		server_unref(job->srv);

		lab_mutex_lock(&net->mu);
		job->done = true;
		lab_cond_signal(&job->finished);
		job_put(net, job);
	}
	lab_mutex_unlock(&net->mu);
}

/* Under net->mu. */
static void submit(struct labrpc_net *net, struct job *job)
{
	if (net->queue_tail)
		net->queue_tail->next = job;
	else
		net->queue_head = job;
	net->queue_tail = job;
	net->queued++;
	if (net->idle >= net->queued) {
		lab_cond_signal(&net->work);
		return;
	}
	/* Every worker is busy (handlers may block), so add one. */
	struct worker *w = lab_malloc(sizeof *w);
	w->thread = lab_thread_create("labrpc-worker", worker_main, net);
	w->next = net->workers;
	net->workers = w;
}

/* ---- calls ------------------------------------------------------------- */

/* Sleeps ms, or less if the network closes or the end is deleted.
 * Returns false in those two cases: the call is over. */
static bool delay(struct labrpc_end *end, int64_t ms)
{
	struct labrpc_net *net = end->net;
	int64_t deadline = lab_now_ms() + ms;
	lab_mutex_lock(&net->mu);
	for (int64_t left = ms; left > 0 && !net->closing && !end->deleted;
	     left = deadline - lab_now_ms())
		lab_cond_timedwait(&net->changed, &net->mu, left);
	bool alive = !net->closing && !end->deleted;
	lab_mutex_unlock(&net->mu);
	return alive;
}

/* Under srv->mu. */
static struct method *find_method(struct labrpc_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->nmethods; i++)
		if (strcmp(srv->methods[i]->fullname, name) == 0)
			return srv->methods[i];
	return NULL;
}

/* Would a reply from srv still reach the end? Under net->mu. */
static bool reachable(struct labrpc_end *end, struct labrpc_server *srv)
{
	return end->enabled && !end->deleted && !srv->dead &&
	       !end->net->closing;
}

/* Queues the call and waits for its handler. Returns whether the handler
 * ran, replied and could still be heard; the reply goes into reply. */
static bool dispatch(struct labrpc_end *end, struct labrpc_server *srv,
		     struct method *m, const struct codec_buf *args,
		     struct codec_buf *reply)
{
	struct labrpc_net *net = end->net;
	lab_mutex_lock(&net->mu);
	struct job *job = job_get(net);
	atomic_fetch_add(&srv->refs, 1); /* the worker's, for the job */
	job->srv = srv;
	job->method = m;
	codec_buf_set(&job->args, args->data, args->len);
	submit(net, job);
	job->wprev = NULL;
	job->wnext = net->waiting;
	if (net->waiting)
		net->waiting->wprev = job;
	net->waiting = job;
	/* The worker signals when the handler returns; wake_callers when
	 * the reply could no longer arrive. The timeout is only a safety
	 * net. */
	while (!job->done && reachable(end, srv))
		lab_cond_timedwait(&job->finished, &net->mu, POLL_MS);
	if (job->wprev)
		job->wprev->wnext = job->wnext;
	else
		net->waiting = job->wnext;
	if (job->wnext)
		job->wnext->wprev = job->wprev;
	bool ok = job->done && job->ok && reachable(end, srv);
	if (ok) {
		/* Swap buffers: the caller's old one goes back to the job. */
		struct codec_buf tmp = *reply;
		*reply = job->reply;
		job->reply = tmp;
	}
	job_put(net, job);
	lab_mutex_unlock(&net->mu);
	return ok;
}

bool labrpc_call_at(struct labrpc_end *end, const char *method,
		    const struct codec_buf *args, struct codec_buf *reply,
		    struct lab_site site)
{
	lab_check_unlocked("labrpc_call", site);
	if (end == NULL || method == NULL || args == NULL || reply == NULL) {
		lab_warn_once(site,
			      "labrpc_call at %s:%d (%s): end, method, args and "
			      "reply must not be NULL; the call fails",
			      site.file, site.line, site.func);
		return false;
	}
	codec_buf_reset(reply);
	struct labrpc_net *net = end->net;

	lab_mutex_lock(&net->mu);
	if (net->closing || end->deleted) {
		lab_mutex_unlock(&net->mu);
		return false;
	}
	atomic_fetch_add(&net->total_count, 1);
	atomic_fetch_add(&net->total_bytes, (long long)args->len);
	struct labrpc_server *srv = NULL;
	if (end->enabled && end->servername)
		srv = find_server(net, end->servername);
	if (srv)
		atomic_fetch_add(&srv->refs, 1);
	bool reliable = net->reliable;
	bool reordering = net->long_reordering;
	bool long_delays = net->long_delays;
	net->calls++;
	lab_mutex_unlock(&net->mu);

	bool ok = false;
	if (srv == NULL) {
		/* Nobody will answer: time out as a real network would. */
		delay(end, lab_rand_int(long_delays ? 7000 : 100));
		goto done;
	}
	if (!reliable) {
		if (!delay(end, lab_rand_int(27)) || lab_rand_int(1000) < 100)
			goto done; /* request lost */
	}

	lab_mutex_lock(&srv->mu);
	struct method *m = find_method(srv, method);
	char known[256];
	if (m == NULL)
		list_methods(srv, known, sizeof known);
	lab_mutex_unlock(&srv->mu);
	if (m == NULL) {
		lab_warn_once(site,
			      "labrpc: unknown method \"%s\" called at %s:%d "
			      "(%s); the server has: %s",
			      method, site.file, site.line, site.func, known);
		goto done;
	}

	if (!dispatch(end, srv, m, args, reply))
		goto done;
	if (!reliable && lab_rand_int(1000) < 100)
		goto done; /* reply lost */
	if (reordering && lab_rand_int(900) < 600 &&
	    !delay(end, 200 + lab_rand_int(1 + lab_rand_int(2000))))
		goto done;
	atomic_fetch_add(&net->total_bytes, (long long)reply->len);
	ok = true;
done:
	if (!ok)
		codec_buf_reset(reply);
	if (srv)
		server_unref(srv);
	lab_mutex_lock(&net->mu);
	if (--net->calls == 0 && net->closing)
		lab_cond_broadcast(&net->drained);
	lab_mutex_unlock(&net->mu);
	return ok;
}

/* ---- counters ---------------------------------------------------------- */

int64_t labrpc_net_server_count(struct labrpc_net *net,
				const char *servername)
{
	lab_mutex_lock(&net->mu);
	struct labrpc_server *srv = find_server(net, servername);
	int64_t n = srv ? atomic_load(&srv->count) : 0;
	lab_mutex_unlock(&net->mu);
	return n;
}

int64_t labrpc_net_total_count(struct labrpc_net *net)
{
	return atomic_load(&net->total_count);
}

int64_t labrpc_net_total_bytes(struct labrpc_net *net)
{
	return atomic_load(&net->total_bytes);
}
