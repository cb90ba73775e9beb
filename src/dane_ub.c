#include "dane_ub.h"

#include "dl_util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>
#include <unistd.h>

/* One lookup's answer, set by on_answer() inside ub_process(). */
struct pending {
    bool done;
    int err;
    struct ub_result *res;
};

static void on_answer(void *arg, int err, struct ub_result *res)
{
    struct pending *p = arg;
    p->done = true;
    p->err = err;
    p->res = res;
}

enum ub_mode {
    UB_MODE_UNDECIDED, /* no lookup yet */
    UB_MODE_THREAD,    /* ub_resolve_async() on the background thread */
    UB_MODE_SYNC,      /* ub_resolve(): this process cannot start a thread */
};

struct dane_ub {
    struct ub_ctx *ctx;
    enum ub_mode mode;
    pid_t owner; /* the process whose thread it is (UB_MODE_THREAD) */
};

static void *probe_thread(void *arg)
{
    return arg;
}

/* Whether this process can start a thread now: one started and joined,
 * as libunbound would start its own (pthread_create(), default
 * attributes), with every signal blocked. The kernel's answer, not a
 * guess from /proc (dane_ub.h). */
static bool thread_starts(void)
{
    sigset_t all, old;
    pthread_t t;
    int rc;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&t, NULL, probe_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return false;
    pthread_join(t, NULL);
    return true;
}

dane_ub *dane_ub_new(struct dl_error *err)
{
    dane_ub *u = dl_xcalloc(1, sizeof(*u));
    int rc;
    if ((u->ctx = ub_ctx_create()) == NULL) {
        free(u);
        dl_error_set(err, "libunbound: cannot create a context");
        return NULL;
    }
    /* A thread, not a forked process (ub_ctx_async(ctx, 0)): a thread dies
     * with its process, whatever kills it, so SIGINT, SIGTERM and SIGKILL
     * leave nothing to reap; libunbound's forked worker would be one more
     * process, holding every descriptor of ours (a run worker's result
     * pipe among them) until it noticed its parent's death, and it leaves
     * with exit(), running our atexit handlers (the sanitizers' among
     * them) in a copy of our process. Said now, before the settings are
     * final; no thread starts unless ub_resolve_async() is called, which
     * the first lookup decides (see dane_ub.h). */
    if ((rc = ub_ctx_async(u->ctx, 1)) != 0) {
        dl_error_set(err, "libunbound: background thread: %s", ub_strerror(rc));
        dane_ub_free(u);
        return NULL;
    }
    return u;
}

void dane_ub_free(dane_ub *u)
{
    if (u == NULL)
        return;
    /* Waits for the thread's goodbye and joins it, when libunbound started
     * one: only ever after thread_starts() said it could. */
    ub_ctx_delete(u->ctx);
    free(u);
}

struct ub_ctx *dane_ub_ctx(dane_ub *u)
{
    return u->ctx;
}

bool dane_ub_threaded(const dane_ub *u)
{
    return u->mode == UB_MODE_THREAD;
}

static const char *type_name(int type, char *buf, size_t len)
{
    static const struct {
        int type;
        const char *name;
    } names[] = {{1, "A"},   {2, "NS"},      {5, "CNAME"}, {6, "SOA"},
                 {15, "MX"}, {16, "TXT"},    {28, "AAAA"}, {39, "DNAME"},
                 {43, "DS"}, {48, "DNSKEY"}, {52, "TLSA"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].type == type)
            return names[i].name;
    snprintf(buf, len, "TYPE%d", type);
    return buf;
}

/* Hand the query to the context's thread. The first call starts the
 * thread, with every signal blocked, so that it never takes one meant
 * for this thread's poll(). */
static int submit(struct ub_ctx *ctx, const char *name, int type, struct pending *p, int *id)
{
    sigset_t all, old;
    int rc;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = ub_resolve_async(ctx, name, type, 1 /* IN */, p, on_answer, id);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Wait for p until the deadline (dl_mono_ms()): 0 answered (or failed
 * inside libunbound: p->err), 1 no answer in time, -1 poll() or
 * ub_process() failed (*why set). */
static int await(struct ub_ctx *ctx, struct pending *p, int64_t deadline, const char **why)
{
    struct pollfd pf = {.fd = ub_fd(ctx), .events = POLLIN};
    int rc;
    while (!p->done) {
        int64_t left = deadline - dl_mono_ms();
        if (left <= 0)
            return 1;
        pf.revents = 0;
        if ((rc = poll(&pf, 1, (int)left)) < 0 && errno != EINTR) {
            *why = strerror(errno);
            return -1;
        }
        if (rc > 0 && (rc = ub_process(ctx)) != 0) {
            *why = ub_strerror(rc);
            return -1;
        }
    }
    return 0;
}

int dane_ub_resolve(dane_ub *u, const char *name, int type, int timeout_ms, const char *via,
                    struct ub_result **res, struct dl_error *err)
{
    struct pending p = {0};
    const char *why = NULL;
    char tbuf[16];
    const char *t = type_name(type, tbuf, sizeof(tbuf));
    int64_t deadline = dl_mono_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    int id = 0, rc;
    *res = NULL;
    if (u->mode == UB_MODE_UNDECIDED) {
        u->mode = thread_starts() ? UB_MODE_THREAD : UB_MODE_SYNC;
        u->owner = getpid();
    }
    if (u->mode == UB_MODE_SYNC) {
        /* No thread possible here (dane_ub.h): libunbound's synchronous
         * lookup, bounded only by libunbound's own retries. */
        if ((rc = ub_resolve(u->ctx, name, type, 1 /* IN */, res)) != 0)
            return dl_error_set(err, "%s %s via %s: %s", name, t, via, ub_strerror(rc));
        return 0;
    }
    if (getpid() != u->owner)
        return dl_error_set(err,
                            "%s %s via %s: the context's thread is in process %ld, not in "
                            "this one (%ld): make the context after fork()",
                            name, t, via, (long)u->owner, (long)getpid());
    if ((rc = submit(u->ctx, name, type, &p, &id)) != 0)
        return dl_error_set(err, "%s %s via %s: %s", name, t, via, ub_strerror(rc));
    if ((rc = await(u->ctx, &p, deadline, &why)) != 0) {
        /* Cancelled, on_answer() is never called with &p (on our stack). */
        ub_cancel(u->ctx, id);
        if (rc > 0)
            return dl_error_set(err, "%s %s via %s: no answer within %d ms", name, t, via,
                                timeout_ms);
        return dl_error_set(err, "%s %s via %s: %s", name, t, via, why);
    }
    if (p.err != 0) {
        if (p.res != NULL)
            ub_resolve_free(p.res);
        return dl_error_set(err, "%s %s via %s: %s", name, t, via, ub_strerror(p.err));
    }
    *res = p.res;
    return 0;
}
