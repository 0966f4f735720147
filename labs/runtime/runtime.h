/*
 * The lab runtime: threads, locks, condition variables, sleeping, clocks,
 * randomness and debug logging for everything in the kit.
 *
 * Nothing outside this file's .c calls pthreads, sleep, the clock or rand
 * directly: not labrpc, not the tester, not your Raft. `make test` checks it.
 * Going through one runtime lets the kit teach while you work:
 *
 *   - it knows which lab mutexes each thread holds, and warns (once per call
 *     site) when a thread sleeps or makes an RPC while holding one;
 *   - it knows every thread by name, so a crashed peer whose threads did not
 *     stop can be named in a test failure;
 *   - one seed (LAB_SEED) drives all randomness, and is printed at start so a
 *     failing run can be tried again with the same choices.
 *
 * Errors that can only be bugs (a pthread call failing, memory exhausted)
 * print a message and abort: there is nothing a caller could do about them.
 */
#ifndef LAB_RUNTIME_H
#define LAB_RUNTIME_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a call was made from, for warnings. LAB_SITE fills one in. */
struct lab_site {
	const char *file;
	int line;
	const char *func;
};

#define LAB_SITE ((struct lab_site){__FILE__, __LINE__, __func__})

/* ---- memory ---------------------------------------------------------- */

/* malloc, calloc and realloc that never return NULL: on exhaustion they
 * print "out of memory" with the size asked for and abort. Free with free(). */
void *lab_malloc(size_t size);
void *lab_calloc(size_t count, size_t size);
void *lab_realloc(void *ptr, size_t size);

/* A copy of the NUL-terminated string s. Caller frees with free(). */
char *lab_strdup(const char *s);

/* ---- threads --------------------------------------------------------- */

struct lab_thread;

/* Starts a thread that runs fn(arg). The name (copied; keep it short, like
 * "ticker" or "applier") appears in warnings, debug logs and test failures.
 * The new thread belongs to the same group as its creator (see
 * lab_group_set). Returns a handle that must be passed to lab_thread_join
 * exactly once. */
struct lab_thread *lab_thread_create(const char *name, void (*fn)(void *arg),
				     void *arg);

/* Waits for t to return from its function, then frees t. Warns if the
 * caller holds a lab mutex: if t needs that lock to finish, both wait
 * forever. */
#define lab_thread_join(t) lab_thread_join_at((t), LAB_SITE)
void lab_thread_join_at(struct lab_thread *t, struct lab_site site);

/* Starts a thread that nobody joins: it cleans up after itself when fn
 * returns. Use it for short-lived work such as one RPC to one peer. You
 * still must make sure it has finished before you free what it uses. */
void lab_thread_spawn(const char *name, void (*fn)(void *arg), void *arg);

/* The calling thread's name: the one given at creation, or "main" for a
 * thread the runtime did not start. Borrowed; valid while the thread runs. */
const char *lab_thread_name(void);

/* Groups let a test find the threads of one Raft peer. A thread starts in
 * its creator's group; group 0 is "no group". lab_group_set changes the
 * calling thread's group (and so that of the threads it creates later). */
void lab_group_set(int group);
int lab_group_get(void);

/* How many threads started by the runtime are still running in group g
 * (or in any group, for g = -1).
 * If names is non-NULL, writes up to size bytes of their names, separated by
 * ", " and NUL-terminated, for a failure message. */
int lab_group_threads(int group, char *names, size_t size);

/* Waits up to ms milliseconds for every thread of group g to finish, and
 * returns how many still run. A thread that has signalled "done" to the
 * code that waits for it may still be returning from its function; this
 * waits that moment out. */
int lab_group_wait(int group, int64_t ms);

/* ---- mutexes and condition variables --------------------------------- */

/* A mutex with a name (borrowed: use a string literal), used in warnings.
 * Caller owns the struct: lab_mutex_init, then lab_mutex_destroy.
 *
 * Holding a lab mutex for LAB_LONG_HOLD_MS or more prints a warning (once
 * per mutex): a lock held that long stalls every thread that needs it, and
 * usually means a sleep, an RPC or a blocking send inside the lock. */
#define LAB_LONG_HOLD_MS 500

struct lab_mutex {
	pthread_mutex_t m;
	const char *name;
	int64_t locked_at; /* ms, coarse; for the long-hold warning */
	atomic_bool warned_long;
};

void lab_mutex_init(struct lab_mutex *mu, const char *name);
void lab_mutex_destroy(struct lab_mutex *mu);
void lab_mutex_lock(struct lab_mutex *mu);
void lab_mutex_unlock(struct lab_mutex *mu);

/* True if the calling thread holds mu (for assertions in your own code). */
bool lab_mutex_held(const struct lab_mutex *mu);

/* A condition variable. Use it the usual way, always in a loop:
 *
 *     lab_mutex_lock(&mu);
 *     while (!ready)
 *         lab_cond_wait(&cv, &mu);
 *
 * Waits may wake without a signal; the loop handles that. A waiter spins
 * for a few microseconds before it sleeps, which makes hand-offs between
 * threads (an RPC and its reply) fast. Caller owns the struct. */
struct lab_cond {
	pthread_mutex_t m;
	pthread_cond_t c;
	atomic_uint seq;
	int sleepers;
};

void lab_cond_init(struct lab_cond *cv);
void lab_cond_destroy(struct lab_cond *cv);

/* Releases mu (which the caller must hold), waits for a signal, then takes
 * mu again before returning. */
void lab_cond_wait(struct lab_cond *cv, struct lab_mutex *mu);

/* Like lab_cond_wait, but gives up after ms milliseconds. Returns false if
 * it timed out, true if it was woken (which may be spurious). */
bool lab_cond_timedwait(struct lab_cond *cv, struct lab_mutex *mu, int64_t ms);

/* Wakes at least one waiter / every waiter. The caller need not hold the
 * mutex, but must have changed the condition under it. */
void lab_cond_signal(struct lab_cond *cv);
void lab_cond_broadcast(struct lab_cond *cv);

/* ---- time ------------------------------------------------------------ */

/* Sleeps for ms milliseconds. Warns if the caller holds a lab mutex: while
 * you sleep, every other thread that needs that lock waits too. */
#define lab_sleep_ms(ms) lab_sleep_ms_at((ms), LAB_SITE)
void lab_sleep_ms_at(int64_t ms, struct lab_site site);

/* Milliseconds and nanoseconds on a monotonic clock, counted from the
 * runtime's start: never jumps, never goes backwards. */
int64_t lab_now_ms(void);
int64_t lab_now_ns(void);

/* ---- randomness ------------------------------------------------------ */

/* The seed of this run: LAB_SEED from the environment if set, otherwise
 * chosen at random. The runtime prints it once, at its first use, as
 * "lab: seed N (LAB_SEED=N repeats this run's random choices)". Each thread
 * draws from its own stream derived from the seed. */
uint64_t lab_seed(void);

/* A uniformly random 64-bit value. */
uint64_t lab_rand_u64(void);

/* A uniformly random integer in [0, n). n must be positive. */
int64_t lab_rand_int(int64_t n);

/* A random integer in [lo, hi], both included. Requires lo <= hi. */
int64_t lab_rand_range(int64_t lo, int64_t hi);

/* ---- logging and warnings -------------------------------------------- */

/* Debug logging by topic. LAB_DEBUG selects topics: a comma-separated list
 * ("vote,append"; spaces around names are ignored), or "all". Each line
 * shows the time in ms since start, the topic and the thread:
 *
 *     001234 vote     ticker       S2 starts election for term 3
 *
 * When LAB_DEBUG is unset a call costs a few instructions. */
bool lab_debug_enabled(const char *topic);
void lab_debug(const char *topic, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "warning: <message>" through the warning handler (stderr unless
 * a handler is set). Use lab_warn_once for warnings about a call site, so
 * that a loop does not flood the output. The runtime remembers up to 256
 * sites; warnings from sites beyond those are dropped, with one notice. */
void lab_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_warn_once(struct lab_site site, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Where warnings go: fn(message, arg) instead of stderr, or back to stderr
 * when fn is NULL. For tests and the tester, which keep warnings to show
 * with a failure. fn may be called from any thread, one call at a time. */
typedef void (*lab_warn_fn)(const char *message, void *arg);
void lab_set_warn_handler(lab_warn_fn fn, void *arg);

/* Warns, once per call site, if the calling thread holds any lab mutex:
 * "<what> while holding lock <name> in thread <thread> at <file:line>
 * (<func>)". labrpc_call and lab_sleep_ms use it; so can you, before any
 * call that may block for long. */
void lab_check_unlocked(const char *what, struct lab_site site);

#endif
