/* fsmtp_guard: descriptor and memory limits of fakesmtp (see fsmtp_guard.h). */
#include "fsmtp_guard.h"

#include "dl_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct fsmtp_guard {
    size_t max_buffered; /* 0: unbounded */
    size_t buffered, peak;
};

struct fsmtp_guard *fsmtp_guard_new(size_t max_buffered)
{
    struct fsmtp_guard *g = dl_xcalloc(1, sizeof(*g));
    g->max_buffered = max_buffered;
    return g;
}

void fsmtp_guard_free(struct fsmtp_guard *g)
{
    free(g);
}

/* The soft descriptor limit after raising it toward the hard one. */
static rlim_t nofile_soft(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024; /* the usual default: assume it */
    if (rl.rlim_cur < FSMTP_GUARD_NOFILE_MAX && rl.rlim_cur < rl.rlim_max) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max < FSMTP_GUARD_NOFILE_MAX ? rl.rlim_max : FSMTP_GUARD_NOFILE_MAX;
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = up.rlim_cur;
        else
            dl_debug("RLIMIT_NOFILE: cannot raise to %llu: %s", (unsigned long long)up.rlim_cur,
                     strerror(errno));
    }
    return rl.rlim_cur;
}

int fsmtp_guard_session_cap(int wanted, size_t n_listeners, char *why, size_t len)
{
    rlim_t soft = nofile_soft();
    rlim_t keep = FSMTP_GUARD_FD_RESERVE + (rlim_t)n_listeners;
    long room = soft > keep ? (long)(soft - keep) : 1;
    why[0] = '\0';
    if (room >= wanted)
        return wanted;
    snprintf(why, len,
             "max_sessions %d lowered to %ld: the descriptor limit (RLIMIT_NOFILE) is %llu, %llu "
             "kept for listeners and files",
             wanted, room, (unsigned long long)soft, (unsigned long long)keep);
    return (int)room;
}

bool fsmtp_guard_reserve(void *ctx, size_t n)
{
    struct fsmtp_guard *g = ctx;
    if (g->max_buffered != 0 && (n > g->max_buffered || g->buffered > g->max_buffered - n))
        return false;
    g->buffered += n;
    if (g->buffered > g->peak)
        g->peak = g->buffered;
    return true;
}

void fsmtp_guard_release(void *ctx, size_t n)
{
    struct fsmtp_guard *g = ctx;
    g->buffered = n < g->buffered ? g->buffered - n : 0;
}

size_t fsmtp_guard_buffered(const struct fsmtp_guard *g)
{
    return g->buffered;
}

size_t fsmtp_guard_buffered_peak(const struct fsmtp_guard *g)
{
    return g->peak;
}
