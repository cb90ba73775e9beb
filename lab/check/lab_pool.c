#include "lab_pool.h"

#include "dl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOBS    64
#define MAX_LINE    (64u << 20) /* one scenario's result; a bound, never near */
#define TASK_BUFFER (1 << 20)   /* the task pipe holds every item at once */

struct worker {
    pid_t pid;
    int fd; /* its results; -1 once closed */
    struct dl_buf in;
    int status;
};

/* The worker: items from `tasks` until it is empty, results to `out`. */
static int work_loop(int tasks, int out, const struct lab_pool_ops *ops, void *ctx)
{
    uint32_t item;
    ssize_t r;
    if (ops->setup && ops->setup(ctx) != 0)
        return 2;
    /* Every write to the task pipe was 4 bytes and made before any worker
     * started, so each 4-byte read takes exactly one item. */
    while ((r = read(tasks, &item, sizeof(item))) == (ssize_t)sizeof(item) ||
           (r < 0 && errno == EINTR)) {
        json_t *res;
        char *text, head[32];
        int bad;
        if (r < 0)
            continue;
        res = ops->work(ctx, item);
        text = res ? json_dumps(res, JSON_COMPACT) : NULL;
        json_decref(res);
        if (text == NULL)
            return 2;
        snprintf(head, sizeof(head), "%u\t", (unsigned)item);
        bad = dl_write_all(out, head, strlen(head)) || dl_write_all(out, text, strlen(text)) ||
              dl_write_all(out, "\n", 1);
        free(text);
        if (bad)
            return 2;
    }
    return ops->teardown ? ops->teardown(ctx) : 0;
}

/* One line `ITEM<TAB>JSON` from worker w. */
static int take_line(const char *line, size_t len, const bool *want, size_t n_want, bool *got,
                     const struct lab_pool_ops *ops, void *ctx, struct dl_error *err)
{
    char *end;
    unsigned long item = strtoul(line, &end, 10);
    json_error_t je;
    json_t *res;
    if (end == line || *end != '\t' || item >= n_want || !want[item] || got[item])
        return dl_error_set(err, "run: a worker answered for an item it was not given: %.40s",
                            line);
    res = json_loadb(end + 1, len - (size_t)(end + 1 - line), 0, &je);
    if (res == NULL)
        return dl_error_set(err, "run: a worker's result for item %lu: %s", item, je.text);
    got[item] = true;
    ops->done(ctx, item, res);
    json_decref(res);
    return 0;
}

/* Read what worker w sent; returns -1 on a malformed result. */
static int drain(struct worker *w, const bool *want, size_t n_want, bool *got,
                 const struct lab_pool_ops *ops, void *ctx, struct dl_error *err)
{
    char buf[65536];
    ssize_t r = read(w->fd, buf, sizeof(buf));
    size_t start = 0;
    if (r < 0 && errno == EINTR)
        return 0;
    if (r <= 0) {
        close(w->fd);
        w->fd = -1;
        return 0;
    }
    dl_buf_append(&w->in, buf, (size_t)r);
    for (size_t i = 0; i < w->in.len; i++)
        if (w->in.data[i] == '\n') {
            if (take_line(w->in.data + start, i - start, want, n_want, got, ops, ctx, err) != 0)
                return -1;
            start = i + 1;
        }
    memmove(w->in.data, w->in.data + start, w->in.len - start);
    w->in.len -= start;
    if (w->in.len > MAX_LINE)
        return dl_error_set(err, "run: a worker's result is longer than %u bytes", MAX_LINE);
    return 0;
}

static int start_workers(struct worker *ws, unsigned jobs, int tasks,
                         const struct lab_pool_ops *ops, void *ctx, struct dl_error *err)
{
    for (unsigned k = 0; k < jobs; k++) {
        int p[2];
        if (pipe(p) != 0)
            return dl_error_set(err, "run: pipe: %s", strerror(errno));
        fflush(NULL);
        if ((ws[k].pid = fork()) < 0) {
            close(p[0]);
            close(p[1]);
            return dl_error_set(err, "run: fork: %s", strerror(errno));
        }
        if (ws[k].pid == 0) {
            /* (No getppid() check after it: in the lab's PID namespace,
             * which the caller joined with setns, the parent is 0.) */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (unsigned j = 0; j < k; j++)
                close(ws[j].fd);
            close(p[0]);
            _exit(work_loop(tasks, p[1], ops, ctx));
        }
        close(p[1]);
        ws[k].fd = p[0];
    }
    return 0;
}

/* The task pipe, filled with every item, its write end closed. */
static int fill_tasks(const size_t *items, size_t n, int *tasks, struct dl_error *err)
{
    int p[2];
    if (n > TASK_BUFFER / sizeof(uint32_t))
        return dl_error_set(err, "run: %zu items are too many for --jobs", n);
    if (pipe(p) != 0)
        return dl_error_set(err, "run: pipe: %s", strerror(errno));
    if ((size_t)fcntl(p[1], F_GETPIPE_SZ) < n * sizeof(uint32_t))
        fcntl(p[1], F_SETPIPE_SZ, TASK_BUFFER);
    for (size_t i = 0; i < n; i++) {
        uint32_t item = (uint32_t)items[i];
        if (items[i] > UINT32_MAX || dl_write_all(p[1], (const char *)&item, sizeof(item)) != 0) {
            close(p[0]);
            close(p[1]);
            return dl_error_set(err, "run: the task pipe: %s", strerror(errno));
        }
    }
    close(p[1]);
    *tasks = p[0];
    return 0;
}

/* Wait for every worker; the highest exit status, or -1 when one was
 * killed (err set). */
static int reap(struct worker *ws, unsigned jobs, struct dl_error *err)
{
    int worst = 0;
    for (unsigned k = 0; k < jobs; k++) {
        int status = 0;
        if (ws[k].pid <= 0)
            continue;
        while (waitpid(ws[k].pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFSIGNALED(status)) {
            dl_error_set(err, "run: worker %u (pid %ld) was killed by signal %d", k + 1,
                         (long)ws[k].pid, WTERMSIG(status));
            worst = -1;
        } else if (worst >= 0 && WEXITSTATUS(status) > worst)
            worst = WEXITSTATUS(status);
    }
    return worst;
}

int lab_pool_run(const size_t *items, size_t n, unsigned jobs, const struct lab_pool_ops *ops,
                 void *ctx, struct dl_error *err)
{
    struct worker ws[MAX_JOBS];
    size_t n_want = 0;
    bool *want, *got;
    int tasks = -1, rc = 0, reaped;
    for (size_t i = 0; i < n; i++)
        n_want = items[i] + 1 > n_want ? items[i] + 1 : n_want;
    jobs = jobs > MAX_JOBS ? MAX_JOBS : jobs > n ? (unsigned)n : jobs;
    if (jobs == 0)
        return 0;
    want = dl_xcalloc(n_want + 1, sizeof(bool));
    got = dl_xcalloc(n_want + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++)
        want[items[i]] = true;
    memset(ws, 0, sizeof(ws));
    for (unsigned k = 0; k < MAX_JOBS; k++)
        ws[k].fd = -1;
    if (fill_tasks(items, n, &tasks, err) != 0 ||
        start_workers(ws, jobs, tasks, ops, ctx, err) != 0)
        rc = -1;
    if (tasks >= 0)
        close(tasks);
    for (;;) {
        struct pollfd pf[MAX_JOBS];
        unsigned m = 0;
        for (unsigned k = 0; k < jobs; k++)
            if (ws[k].fd >= 0)
                pf[m++] = (struct pollfd){.fd = ws[k].fd, .events = POLLIN};
        if (m == 0)
            break;
        if (poll(pf, m, -1) < 0 && errno != EINTR) {
            rc = dl_error_set(err, "run: poll: %s", strerror(errno));
            break;
        }
        for (unsigned k = 0; k < jobs; k++)
            for (unsigned j = 0; j < m; j++)
                if (ws[k].fd >= 0 && pf[j].fd == ws[k].fd && pf[j].revents &&
                    drain(&ws[k], want, n_want, got, ops, ctx, err) != 0) {
                    rc = -1;
                    kill(ws[k].pid, SIGKILL);
                    close(ws[k].fd);
                    ws[k].fd = -1;
                }
    }
    reaped = reap(ws, jobs, rc == 0 ? err : &(struct dl_error){0});
    for (size_t i = 0; i < n; i++)
        if (!got[items[i]]) {
            ops->done(ctx, items[i], NULL);
            if (rc == 0 && reaped >= 0)
                rc = dl_error_set(err, "run: no result for item %zu: its worker gave up", items[i]);
            if (reaped < 0)
                rc = -1;
        }
    for (unsigned k = 0; k < jobs; k++)
        dl_buf_free(&ws[k].in);
    free(want);
    free(got);
    return rc < 0 ? -1 : reaped;
}
