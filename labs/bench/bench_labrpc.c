/*
 * labrpc benchmarks, run by `make bench`. Each prints what it measured and
 * how, and whether it met the kit's target:
 *
 *   latency     one client, sequential 21-byte calls on a reliable network:
 *               median microseconds per round trip over 100,000 calls
 *   throughput  8 client threads calling 3 servers: calls per second
 *   bandwidth   sequential calls with 5,000-byte arguments: MB/s moved
 *   memory      peak resident memory after 100,000 and 1,000,000 calls:
 *               it must not grow with the number of calls
 *
 * Exits non-zero if a target is missed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "labrpc.h"

#define LATENCY_CALLS 100000
#define LATENCY_TARGET_US 5.0
#define THROUGHPUT_CLIENTS 8
#define THROUGHPUT_SERVERS 3
#define THROUGHPUT_CALLS_EACH 100000
#define THROUGHPUT_TARGET 150000.0
#define BANDWIDTH_BYTES 5000
#define BANDWIDTH_CALLS 100000

/* Replies with the first argument plus one. */
static void handle_inc(void *ctx, struct codec_reader *args,
		       struct codec_buf *reply)
{
	(void)ctx;
	uint64_t v = codec_get_u64(args);
	size_t len;
	codec_get_bytes_view(args, &len);
	codec_put_u64(reply, v + 1);
}

static const struct labrpc_method bench_methods[] = {
	{"Inc", handle_inc},
};

struct cluster {
	struct labrpc_net *net;
	struct labrpc_server *servers[THROUGHPUT_SERVERS];
	int nservers;
};

static void cluster_start(struct cluster *c, int nservers)
{
	c->net = labrpc_net_create();
	c->nservers = nservers;
	for (int i = 0; i < nservers; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		c->servers[i] = labrpc_server_create();
		labrpc_server_add_service(c->servers[i], "Bench", NULL,
					  bench_methods, 1);
		labrpc_net_add_server(c->net, name, c->servers[i]);
	}
}

static struct labrpc_end *cluster_end(struct cluster *c, const char *name,
				      int server)
{
	char sname[16];
	snprintf(sname, sizeof sname, "s%d", server);
	struct labrpc_end *end = labrpc_net_make_end(c->net, name);
	labrpc_net_connect(c->net, name, sname);
	labrpc_net_enable(c->net, name, true);
	return end;
}

static void cluster_stop(struct cluster *c)
{
	labrpc_net_destroy(c->net);
	for (int i = 0; i < c->nservers; i++)
		labrpc_server_destroy(c->servers[i]);
}

/* One call of the given argument size; exits if it fails, as a reliable
 * network must deliver every call. */
static void call_once(struct labrpc_end *end, struct codec_buf *args,
		      struct codec_buf *reply, uint64_t v, size_t pad)
{
	static const uint8_t zeros[BANDWIDTH_BYTES];
	codec_buf_reset(args);
	codec_put_u64(args, v);
	codec_put_bytes(args, zeros, pad);
	if (!labrpc_call(end, "Bench.Inc", args, reply)) {
		fprintf(stderr, "bench: a call failed on a reliable network\n");
		exit(1);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool bench_latency(void)
{
	struct cluster c;
	cluster_start(&c, 1);
	struct labrpc_end *end = cluster_end(&c, "client", 0);
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	int64_t *ns = lab_malloc(LATENCY_CALLS * sizeof *ns);
	/* u64 (8) + bytes length (4) + 9 bytes of padding = 21 bytes. */
	for (int i = 0; i < LATENCY_CALLS; i++) {
		int64_t t0 = lab_now_ns();
		call_once(end, &args, &reply, (uint64_t)i, 9);
		ns[i] = lab_now_ns() - t0;
	}
	size_t sent = args.len;
	double mean = 0;
	for (int i = 0; i < LATENCY_CALLS; i++)
		mean += (double)ns[i] / 1e3 / LATENCY_CALLS;
	qsort(ns, LATENCY_CALLS, sizeof *ns, cmp_i64);
	double median = (double)ns[LATENCY_CALLS / 2] / 1e3;
	double p99 = (double)ns[LATENCY_CALLS * 99 / 100] / 1e3;
	bool met = median <= LATENCY_TARGET_US;
	printf("latency     %d sequential %zu-byte calls, 1 client, reliable: "
	       "median %.2f us, p99 %.2f us, mean %.2f us per round trip "
	       "(target: median <= %.0f us) %s\n",
	       LATENCY_CALLS, sent, median, p99, mean, LATENCY_TARGET_US,
	       met ? "ok" : "MISSED");
	free(ns);
	codec_buf_free(&args);
	codec_buf_free(&reply);
	cluster_stop(&c);
	return met;
}

struct client {
	struct labrpc_end *end;
	int calls;
};

static void client_main(void *arg)
{
	struct client *cl = arg;
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	for (int i = 0; i < cl->calls; i++)
		call_once(cl->end, &args, &reply, (uint64_t)i, 9);
	codec_buf_free(&args);
	codec_buf_free(&reply);
}

static bool bench_throughput(void)
{
	struct cluster c;
	cluster_start(&c, THROUGHPUT_SERVERS);
	struct client clients[THROUGHPUT_CLIENTS];
	struct lab_thread *threads[THROUGHPUT_CLIENTS];
	for (int i = 0; i < THROUGHPUT_CLIENTS; i++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", i);
		clients[i].end = cluster_end(&c, name, i % THROUGHPUT_SERVERS);
		clients[i].calls = THROUGHPUT_CALLS_EACH;
	}
	int64_t t0 = lab_now_ns();
	for (int i = 0; i < THROUGHPUT_CLIENTS; i++)
		threads[i] = lab_thread_create("bench-client", client_main,
					       &clients[i]);
	for (int i = 0; i < THROUGHPUT_CLIENTS; i++)
		lab_thread_join(threads[i]);
	double secs = (double)(lab_now_ns() - t0) / 1e9;
	double rate = THROUGHPUT_CLIENTS * THROUGHPUT_CALLS_EACH / secs;
	bool met = rate >= THROUGHPUT_TARGET;
	printf("throughput  %d clients x %d calls to %d servers in %.2f s: "
	       "%.0f calls/s (target: >= %.0f) %s\n",
	       THROUGHPUT_CLIENTS, THROUGHPUT_CALLS_EACH, THROUGHPUT_SERVERS,
	       secs, rate, THROUGHPUT_TARGET, met ? "ok" : "MISSED");
	cluster_stop(&c);
	return met;
}

static void bench_bandwidth(void)
{
	struct cluster c;
	cluster_start(&c, 1);
	struct labrpc_end *end = cluster_end(&c, "client", 0);
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	int64_t t0 = lab_now_ns();
	for (int i = 0; i < BANDWIDTH_CALLS; i++)
		call_once(end, &args, &reply, (uint64_t)i, BANDWIDTH_BYTES);
	double secs = (double)(lab_now_ns() - t0) / 1e9;
	double mb = (double)labrpc_net_total_bytes(c.net) / 1e6;
	printf("bandwidth   %d sequential calls with %d-byte arguments: "
	       "%.1f MB (requests + replies) in %.2f s = %.0f MB/s\n",
	       BANDWIDTH_CALLS, BANDWIDTH_BYTES, mb, secs, mb / secs);
	codec_buf_free(&args);
	codec_buf_free(&reply);
	cluster_stop(&c);
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static bool bench_memory(void)
{
	struct cluster c;
	cluster_start(&c, 1);
	struct labrpc_end *end = cluster_end(&c, "client", 0);
	struct codec_buf args, reply;
	codec_buf_init(&args);
	codec_buf_init(&reply);
	long kb[2];
	int marks[2] = {100000, 1000000};
	int done = 0;
	for (int m = 0; m < 2; m++) {
		for (; done < marks[m]; done++)
			call_once(end, &args, &reply, (uint64_t)done, 9);
		kb[m] = peak_rss_kb();
	}
	/* Allow 1 MB for the allocator's noise. */
	bool met = kb[1] <= kb[0] + 1024;
	printf("memory      peak resident set after %d calls: %ld KB; after "
	       "%d calls: %ld KB (target: no growth) %s\n",
	       marks[0], kb[0], marks[1], kb[1], met ? "ok" : "MISSED");
	codec_buf_free(&args);
	codec_buf_free(&reply);
	cluster_stop(&c);
	return met;
}

int main(void)
{
	lab_seed(); /* prints the seed first */
	printf("labrpc benchmarks\n");
	bool ok = bench_memory();
	ok = bench_latency() && ok;
	ok = bench_throughput() && ok;
	bench_bandwidth();
	return ok ? 0 : 1;
}
