/*
 * dane_ub: libunbound contexts that keep one background worker for their
 * whole life, and lookups on them that never wait without a bound.
 *
 * Why: libunbound's synchronous ub_resolve() sets up a whole worker for
 * each query (an event base, its outgoing sockets, and a random state
 * seeded with 1,500 SHA-256 rounds) and frees it again: about half of a
 * `danelab run` worker's CPU (bench/README.md). A context made by
 * dane_ub_ctx_new() starts one background thread at its first lookup
 * (ub_ctx_async(ctx, 1)); every lookup is handed to it with
 * ub_resolve_async() and its answer collected by poll() on ub_fd() and
 * ub_process(), with a deadline: a lookup not answered in time is
 * cancelled and reported as an error, never as an answer.
 *
 * The rules that come with the thread (each broke a previous attempt):
 * - Make the context in the process that uses it, after any fork(): a
 *   child forked after the first lookup has the context's memory but not
 *   its thread, and its lookups would never be answered (they fail here
 *   at the deadline, but they fail).
 * - Do not setns()/unshare() a user or mount namespace between the first
 *   lookup and dane_ub_ctx_free(): the kernel refuses both to a process
 *   with more than one thread.
 * - A process that joined another PID namespace with setns() cannot start
 *   a thread at all (clone(2): EINVAL; its children can): there lookups
 *   fall back to libunbound's synchronous ub_resolve(), bounded only by
 *   libunbound's own retries. Look up in a child forked after the join
 *   (danelab run's workers do, --jobs 1 too).
 * - The thread blocks every signal (it is started with all of them
 *   blocked), so SIGINT and SIGTERM reach the thread that waits in poll().
 * - dane_ub_ctx_free() stops and joins the thread; a process that exits
 *   or is killed takes the thread with it, so nothing is left to reap.
 */
#ifndef DANE_UB_H
#define DANE_UB_H

#include "dl_error.h"

struct ub_ctx;
struct ub_result;

/* A new context with a background thread (not started until the first
 * lookup), or NULL (err set). Configure it as any libunbound context,
 * then look up with dane_ub_resolve(); free with dane_ub_ctx_free(). */
struct ub_ctx *dane_ub_ctx_new(struct dl_error *err);
void dane_ub_ctx_free(struct ub_ctx *ctx);

/* Look up name/type (class IN) and wait at most timeout_ms (> 0) for the
 * answer. Returns 0 with *res set (the caller's to ub_resolve_free()),
 * or -1 with *res NULL and err set, naming `via` (where the context asks:
 * "127.53.0.53@53", "root hints"), the name and the type: libunbound's
 * error, or no answer within timeout_ms (the query is cancelled). */
int dane_ub_resolve(struct ub_ctx *ctx, const char *name, int type, int timeout_ms, const char *via,
                    struct ub_result **res, struct dl_error *err);

#endif
