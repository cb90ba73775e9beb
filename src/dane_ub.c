#include "dane_ub.h"

#include "dl_util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
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

/* Whether this process may start a thread: not after it joined another
 * PID namespace with setns() (its own namespace then differs from its
 * children's, and clone(2) refuses CLONE_THREAD with EINVAL). True when
 * /proc cannot tell. */
static bool can_thread(void)
{
    char own[64], children[64];
    ssize_t a = readlink("/proc/self/ns/pid", own, sizeof(own) - 1);
    ssize_t b = readlink("/proc/self/ns/pid_for_children", children, sizeof(children) - 1);
    if (a <= 0 || b <= 0)
        return true;
    own[a] = children[b] = '\0';
    return strcmp(own, children) == 0;
}

struct ub_ctx *dane_ub_ctx_new(struct dl_error *err)
{
    struct ub_ctx *ctx = ub_ctx_create();
    int rc;
    if (ctx == NULL) {
        dl_error_set(err, "libunbound: cannot create a context");
        return NULL;
    }
    /* A thread, not a forked process (ub_ctx_async(ctx, 0)): a thread dies
     * with its process, whatever kills it, so SIGINT, SIGTERM and SIGKILL
     * leave nothing to reap; libunbound's forked worker would be one more
     * process, holding every descriptor of ours (a run worker's result
     * pipe among them) until it noticed its parent's death, and it leaves
     * with exit(), running our atexit handlers (the sanitizers' among
     * them) in a copy of our process. The thread is started by the first
     * lookup, in the process that looks up (see dane_ub.h). */
    if (can_thread() && (rc = ub_ctx_async(ctx, 1)) != 0) {
        dl_error_set(err, "libunbound: background thread: %s", ub_strerror(rc));
        ub_ctx_delete(ctx);
        return NULL;
    }
    return ctx;
}

void dane_ub_ctx_free(struct ub_ctx *ctx)
{
    if (ctx != NULL)
        ub_ctx_delete(ctx); /* stops the thread and joins it */
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

int dane_ub_resolve(struct ub_ctx *ctx, const char *name, int type, int timeout_ms, const char *via,
                    struct ub_result **res, struct dl_error *err)
{
    struct pending p = {0};
    const char *why = NULL;
    char tbuf[16];
    const char *t = type_name(type, tbuf, sizeof(tbuf));
    int64_t deadline = dl_mono_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    int id = 0, rc;
    *res = NULL;
    if (!can_thread()) {
        /* No thread possible here (see above): libunbound's synchronous
         * lookup, bounded only by libunbound's own retries. */
        if ((rc = ub_resolve(ctx, name, type, 1 /* IN */, res)) != 0)
            return dl_error_set(err, "%s %s via %s: %s", name, t, via, ub_strerror(rc));
        return 0;
    }
    if ((rc = submit(ctx, name, type, &p, &id)) != 0)
        return dl_error_set(err, "%s %s via %s: %s", name, t, via, ub_strerror(rc));
    if ((rc = await(ctx, &p, deadline, &why)) != 0) {
        /* Cancelled, on_answer() is never called with &p (on our stack). */
        ub_cancel(ctx, id);
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
