/*
 * labrpc: an RPC bus inside one process that behaves like a bad network.
 *
 * Raft peers in the tests are threads in one process. They talk only through
 * labrpc, which copies every request and reply as bytes (peers never share
 * memory) and can lose, delay and reorder them, cut peers off, and count
 * every RPC and byte, so the tests can judge your Raft by what it sends.
 *
 * The pieces:
 *   - a network (struct labrpc_net) holds everything below;
 *   - a client end (struct labrpc_end) is one peer's way to call one other
 *     peer: peers[j] in raft_make is an end that leads to server j;
 *   - a server (struct labrpc_server) holds services; a service is a name
 *     ("Raft"), a context pointer (your struct raft) and a table of methods,
 *     each a name ("RequestVote") and a handler. A call names the method as
 *     "Raft.RequestVote".
 *
 * labrpc_call is synchronous and always returns, so you need no timeouts of
 * your own: true means the handler ran and its reply came back; false means
 * the request or the reply was lost, the end is disabled, or the server is
 * gone. A false may take a while (up to seconds, as a real timeout would),
 * so call from a thread of your own, never while holding your lock.
 *
 * Handlers run on the network's threads, never on the caller's, and many may
 * run at once, so a handler must take your lock like any other thread.
 *
 * Names (of ends, servers, services and methods) are strings, copied.
 * Misuse, such as an unknown method or a duplicate name, prints a message
 * that lists the names that do exist, and fails.
 */
#ifndef LAB_LABRPC_H
#define LAB_LABRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "runtime.h"

/* Results of the setup functions. */
#define LABRPC_ERRORS(X)                                                     \
	X(LABRPC_OK, "ok")                                                   \
	X(LABRPC_EDUPLICATE, "a thing of that name already exists")          \
	X(LABRPC_ENOTFOUND, "no thing of that name exists")                  \
	X(LABRPC_EINVAL, "invalid argument")

enum labrpc_error {
#define LABRPC_ENUM(code, msg) code,
	LABRPC_ERRORS(LABRPC_ENUM)
#undef LABRPC_ENUM
};

/* A short description of err. */
const char *labrpc_strerror(enum labrpc_error err);

struct labrpc_net;
struct labrpc_end;
struct labrpc_server;

/* ---- the network ----------------------------------------------------- */

/* A new network: reliable, no long delays, no reordering. Free with
 * labrpc_net_destroy. */
struct labrpc_net *labrpc_net_create(void);

/* Fails every call in progress (they return false promptly), waits for
 * running handlers to return, and frees the network with its ends. No
 * thread may use the network or its ends once this starts, so stop every
 * peer first. Servers are the caller's to destroy, before or after.
 * Accepts NULL. */
void labrpc_net_destroy(struct labrpc_net *net);

/* Unreliable: each request is delayed 0-26 ms, then 10% of requests and
 * 10% of replies are dropped. */
void labrpc_net_set_reliable(struct labrpc_net *net, bool reliable);

/* Long reordering: about 2 in 3 replies are held back 200-2200 ms. */
void labrpc_net_set_long_reordering(struct labrpc_net *net, bool on);

/* Long delays: a call on a disabled end, or to a missing server, fails
 * after a random 0-7000 ms instead of 0-100 ms, like a real timeout. */
void labrpc_net_set_long_delays(struct labrpc_net *net, bool on);

/* ---- client ends ----------------------------------------------------- */

/* A new end named name, disabled and connected to nothing. The network
 * owns it: it lives until labrpc_net_destroy. Returns NULL, with a message,
 * if an end of that name exists. */
struct labrpc_end *labrpc_net_make_end(struct labrpc_net *net,
				       const char *name);

/* Connects end endname to server servername, which need not exist yet. */
enum labrpc_error labrpc_net_connect(struct labrpc_net *net,
				     const char *endname,
				     const char *servername);

/* Enables or disables an end. Calls on a disabled end fail; so do calls
 * in progress on it. */
enum labrpc_error labrpc_net_enable(struct labrpc_net *net,
				    const char *endname, bool enabled);

/* Retires an end for good, as when the peer that owned it crashed: calls
 * in progress on it fail promptly (within about 100 ms), even those
 * waiting out a long delay, and later calls fail at once without being
 * counted. This lets a crashed peer's threads finish
 * promptly. The end's memory stays valid until labrpc_net_destroy, and its
 * name stays taken. */
enum labrpc_error labrpc_net_delete_end(struct labrpc_net *net,
					const char *endname);

/* ---- servers --------------------------------------------------------- */

/* Handles one call: read the arguments from args, write the reply into
 * reply (empty on entry). ctx is the service's context pointer. If the
 * arguments turn out malformed, leave args in error (any failed codec_get
 * does): the call then fails instead of replying, and labrpc warns once
 * per method. Leaving bytes unread counts as malformed too.
 *
 * args and reply belong to labrpc and are valid only until the handler
 * returns: copy what you keep (codec_get_bytes copies; a pointer from
 * codec_get_bytes_view does not outlive the handler). */
typedef void (*labrpc_handler)(void *ctx, struct codec_reader *args,
			       struct codec_buf *reply);

struct labrpc_method {
	const char *name; /* "RequestVote" */
	labrpc_handler handler;
};

/* An empty server. Its handlers run in the creator's lab thread group
 * (see lab_group_set), so that a test can tell a peer's threads by group.
 * Free with labrpc_server_destroy. */
struct labrpc_server *labrpc_server_create(void);

/* Deletes the server from its network if it is still on one (see
 * labrpc_net_delete_server), waits for its running handlers to return,
 * then frees it. After this returns none of its handlers runs again, so
 * their contexts may be freed. Accepts NULL. */
void labrpc_server_destroy(struct labrpc_server *srv);

/* Adds a service: the methods in methods[0..nmethods) (copied) will be
 * called as "<name>.<method>" with ctx (borrowed: must outlive the server).
 * Fails with LABRPC_EDUPLICATE if the server has a service of that name,
 * or the table names a method twice. */
enum labrpc_error labrpc_server_add_service(struct labrpc_server *srv,
					    const char *name, void *ctx,
					    const struct labrpc_method *methods,
					    size_t nmethods);

/* Puts srv on the network as servername (borrowed: srv must stay alive
 * until deleted). Fails if a server of that name is on the network. */
enum labrpc_error labrpc_net_add_server(struct labrpc_net *net,
					const char *servername,
					struct labrpc_server *srv);

/* Takes server servername off the network, as if it crashed: calls to it
 * fail from now on, calls in progress fail promptly (within about 100 ms),
 * no reply it makes is delivered, and queued requests never reach it. A
 * handler already running goes on; labrpc_server_destroy waits for it. */
enum labrpc_error labrpc_net_delete_server(struct labrpc_net *net,
					   const char *servername);

/* ---- calls ----------------------------------------------------------- */

/* Calls method ("Service.Method") on the server at the other side of end,
 * with the bytes of args (copied). reply must be an initialised buffer
 * (codec_buf_init); on true the handler ran and reply holds its reply, on
 * false reply is empty. Either way reply's old contents are gone, and its
 * storage may have been swapped for another: still free it with
 * codec_buf_free. Safe from any thread.
 *
 * An unknown method fails like a lost message, after a warning (once per
 * call site) that lists the methods the server has. Warns too if the
 * caller holds a lab mutex. */
#define labrpc_call(end, method, args, reply)                                \
	labrpc_call_at((end), (method), (args), (reply), LAB_SITE)
bool labrpc_call_at(struct labrpc_end *end, const char *method,
		    const struct codec_buf *args, struct codec_buf *reply,
		    struct lab_site site);

/* ---- counters -------------------------------------------------------- */

/* RPCs that reached the server now on the network as servername (0 if
 * there is none; a deleted server's count goes with it). */
int64_t labrpc_net_server_count(struct labrpc_net *net,
				const char *servername);

/* Every call made on the network, delivered or not. */
int64_t labrpc_net_total_count(struct labrpc_net *net);

/* Bytes of every request sent, plus bytes of every reply delivered. */
int64_t labrpc_net_total_bytes(struct labrpc_net *net);

#endif
