/*
 * fsmtp_guard: the limits that keep fakesmtp up under hostile clients,
 * apart from the event loop that applies them.
 *
 * - Descriptors: fsmtp_guard_session_cap() raises the soft RLIMIT_NOFILE
 *   toward the hard one and bounds the number of sessions below it, so
 *   accept() does not run out of descriptors in normal operation (a
 *   session holds one socket; storing a message opens one file more, one
 *   session at a time, since the loop is single-threaded).
 * - Message bytes: every byte of message text a session holds in memory is
 *   reserved here first (fsmtp_guard_reserve); past max_buffered bytes in
 *   all sessions together a reservation fails and the session refuses that
 *   message with 452 4.3.1 instead of growing. What a session reserved is
 *   released when its transaction ends (fsmtp_guard_release).
 *
 * Not thread-safe: one guard per event loop.
 */
#ifndef FSMTP_GUARD_H
#define FSMTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Descriptors kept apart from sessions: listeners, the session log, the
 * PID file, the maildir file being written, libevent's own, stdio. */
#define FSMTP_GUARD_FD_RESERVE 32
/* The soft RLIMIT_NOFILE is raised to at most this. */
#define FSMTP_GUARD_NOFILE_MAX 65536

struct fsmtp_guard;

/* A guard allowing max_buffered bytes of message text in memory (0: no
 * bound). The caller frees it with fsmtp_guard_free(). */
struct fsmtp_guard *fsmtp_guard_new(size_t max_buffered);
void fsmtp_guard_free(struct fsmtp_guard *g);

/* The number of sessions allowed: `wanted`, or fewer when the descriptor
 * limit (after raising the soft limit as far as the hard one allows, up
 * to FSMTP_GUARD_NOFILE_MAX) leaves room for fewer, keeping
 * FSMTP_GUARD_FD_RESERVE + n_listeners descriptors apart. When it caps,
 * why says so (for the log); else why is "". Never below 1. */
int fsmtp_guard_session_cap(int wanted, size_t n_listeners, char *why, size_t len);

/* Reserve n bytes of message text (ctx: the guard). false when that would
 * pass max_buffered: nothing is reserved then. */
bool fsmtp_guard_reserve(void *ctx, size_t n);
/* Give back n bytes reserved earlier (ctx: the guard). */
void fsmtp_guard_release(void *ctx, size_t n);

/* Bytes reserved now, and the most ever reserved at once. */
size_t fsmtp_guard_buffered(const struct fsmtp_guard *g);
size_t fsmtp_guard_buffered_peak(const struct fsmtp_guard *g);

#endif
