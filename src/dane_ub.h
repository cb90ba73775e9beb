/*
 * dane_ub: libunbound contexts that keep one background worker for their
 * whole life, and lookups on them that never wait without a bound.
 *
 * Why: libunbound's synchronous ub_resolve() sets up a whole worker for
 * each query (an event base, its outgoing sockets, and a random state
 * seeded with 1,500 SHA-256 rounds) and frees it again: about half of a
 * `danelab run` worker's CPU (bench/README.md). A dane_ub context starts
 * one background thread at its first lookup (ub_ctx_async(ctx, 1)); every
 * lookup is handed to it with ub_resolve_async() and its answer collected
 * by poll() on ub_fd() and ub_process(), with a deadline: a lookup not
 * answered in time is cancelled and reported as an error, never as an
 * answer.
 *
 * Thread or not, decided once per context, at its first lookup and
 * before its first ub_resolve_async(): dane_ub starts a thread of its own
 * there (pthread_create(), the call libunbound makes, with the same
 * attributes) and joins it at once. When that fails, the context never
 * calls ub_resolve_async(): every lookup is libunbound's synchronous
 * ub_resolve(), bounded only by libunbound's own retries. Why the kernel
 * is asked rather than guessed: libunbound cannot report a thread it
 * failed to start (its ub_thread_create() only logs), believes the thread
 * runs, and ub_ctx_delete() then waits on a pipe for a thread that does
 * not exist: forever. A process that joined another PID namespace with
 * setns() is such a process (clone(2): CLONE_THREAD gives EINVAL; danelab
 * mta's reference check runs in one), and /proc cannot tell it: after it
 * joined the lab's mount namespace too, /proc is the lab's, where it has
 * no PID and /proc/self does not exist. RLIMIT_NPROC or a seccomp filter
 * would be others.
 *
 * The rules that come with the thread:
 * - Make the context in the process that uses it, after any fork(): a
 *   child forked after the first lookup has the context's memory but not
 *   its thread; its lookups fail at once (an error naming both
 *   processes), and freeing the context there leaves the parent's thread
 *   alone (libunbound's ub_ctx_delete() sees the other process).
 * - Do not setns()/unshare() a user or mount namespace between the first
 *   lookup and dane_ub_free(): the kernel refuses both to a process with
 *   more than one thread. A process that joins a PID namespace before its
 *   first lookup gets the synchronous lookups (above).
 * - The thread blocks every signal (it is started with all of them
 *   blocked), so SIGINT and SIGTERM reach the thread that waits in poll().
 * - dane_ub_free() stops and joins the thread; a process that exits or is
 *   killed takes the thread with it, so nothing is left to reap.
 */
#ifndef DANE_UB_H
#define DANE_UB_H

#include "dl_error.h"

#include <stdbool.h>

struct ub_ctx;
struct ub_result;

typedef struct dane_ub dane_ub;

/* A new context, or NULL (err set). Configure its libunbound context
 * (dane_ub_ctx()) as any other, then look up with dane_ub_resolve();
 * free with dane_ub_free() (which frees the libunbound context too). */
dane_ub *dane_ub_new(struct dl_error *err);
void dane_ub_free(dane_ub *u);

/* The libunbound context, to configure before the first lookup; never
 * to ub_ctx_delete() or to look up on directly. */
struct ub_ctx *dane_ub_ctx(dane_ub *u);

/* Whether the lookups go to a background thread: false before the first
 * lookup, and in a process that cannot start a thread (above). */
bool dane_ub_threaded(const dane_ub *u);

/* Look up name/type (class IN) and wait at most timeout_ms (> 0) for the
 * answer. Returns 0 with *res set (the caller's to ub_resolve_free()),
 * or -1 with *res NULL and err set, naming `via` (where the context asks:
 * "127.53.0.53@53", "root hints"), the name and the type: libunbound's
 * error, or no answer within timeout_ms (the query is cancelled). */
int dane_ub_resolve(dane_ub *u, const char *name, int type, int timeout_ms, const char *via,
                    struct ub_result **res, struct dl_error *err);

#endif
