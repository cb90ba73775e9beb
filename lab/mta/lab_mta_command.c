#include "lab_mta_command.h"

#include "dl_util.h"
#include "lab_conf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FROM          "danelab@mta.danelab.invalid"
#define OUT_MAX       (64 * 1024) /* output of one command kept (the rest dropped) */
#define TMPL_MAX      (64 * 1024)
#define POLL_EVERY    0.5  /* seconds at least between two rounds of status commands */
#define POLL_BUDGET   2.0  /* seconds of status commands in one poll */
#define STOP_GRACE_MS 5000 /* after --stop, for what it started to exit */
#define TERM_GRACE_MS 2000 /* after SIGTERM, before SIGKILL */
#define MAX_PROCS     8192

enum { REQ_RUN = 1, REQ_FINISH = 2 };

struct lab_command {
    char *dir, *run;
    const char *tmpl[4]; /* start, inject, status, stop (from argv) */
    int timeout_ms;
    pid_t keeper;     /* 0: none */
    int sock;         /* to the keeper */
    double next_poll; /* no round of status commands before (monotonic s) */
    size_t cursor;    /* where the next round of status commands begins */
    struct qid {
        char msgid[256], qid[32];
    } * qids; /* queue IDs the inject command printed */
    size_t n_qids;
};

enum { T_START, T_INJECT, T_STATUS, T_STOP };
static const char *const tmpl_flags[] = {"start", "inject", "status", "stop", NULL};

/* Placeholders and expansion */

static void quote(struct dl_buf *b, const char *v)
{
    dl_buf_append(b, "'", 1);
    for (; v && *v; v++)
        if (*v == '\'')
            dl_buf_append(b, "'\\''", 4);
        else
            dl_buf_append(b, v, 1);
    dl_buf_append(b, "'", 1);
}

char *lab_command_expand(const char *tmpl, const struct lab_command_vars *v)
{
    const struct {
        const char *name, *value;
    } ph[] = {{"rcpt", v->rcpt}, {"msgid", v->msgid}, {"from", v->from}, {"scenario", v->scenario},
              {"qid", v->qid},   {"dir", v->dir},     {"run", v->run},   {"resolver", v->resolver}};
    struct dl_buf b = {0};
    while (*tmpl) {
        size_t k, n = sizeof(ph) / sizeof(ph[0]);
        if (*tmpl == '{')
            for (k = 0; k < n; k++) {
                size_t l = strlen(ph[k].name);
                if (strncmp(tmpl + 1, ph[k].name, l) == 0 && tmpl[l + 1] == '}') {
                    quote(&b, ph[k].value);
                    tmpl += l + 2;
                    break;
                }
            }
        else
            k = n;
        if (k == n)
            dl_buf_append(&b, tmpl++, 1);
    }
    dl_buf_append(&b, "", 1);
    return b.data;
}

/* Parsing what the commands print */

static bool is_dsn(const char *w, size_t len)
{
    int parts = 0;
    size_t i = 0;
    if (len < 5 || (w[0] != '2' && w[0] != '4' && w[0] != '5'))
        return false;
    while (i < len) {
        size_t d = 0;
        while (i < len && isdigit((unsigned char)w[i]) && d < 4)
            i++, d++;
        if (d == 0 || d > 3)
            return false;
        parts++;
        if (i < len && w[i++] != '.')
            return false;
        if (i == len && w[len - 1] == '.')
            return false;
    }
    return parts == 3;
}

/* One status line into the buffers; false when its first word is not a
 * status. */
static bool status_line(const char *line, size_t len, enum lab_mta_status *st, char *dsn,
                        size_t dsn_len, char *reason, size_t reason_len)
{
    static const char *const words[] = {"pending", "sent", "deferred", "bounced"};
    size_t w = 0, r = 0, i;
    while (w < len && line[w] != ' ' && line[w] != '\t')
        w++;
    for (i = 0; i < 4; i++)
        if (strlen(words[i]) == w && strncmp(line, words[i], w) == 0)
            break;
    if (i == 4)
        return false;
    *st = i == 0 ? LAB_MTA_PENDING : lab_mta_status_parse(words[i]);
    line += w, len -= w;
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    for (w = 0; w < len && line[w] != ' ' && line[w] != '\t';)
        w++;
    dsn[0] = '\0';
    if (w && is_dsn(line, w)) {
        snprintf(dsn, dsn_len, "%.*s", (int)w, line);
        line += w, len -= w;
        while (len && (*line == ' ' || *line == '\t'))
            line++, len--;
    }
    while (len && isspace((unsigned char)line[len - 1]))
        len--;
    for (i = 0; i < len && r + 1 < reason_len; i++)
        reason[r++] = (unsigned char)line[i] < 0x20 || line[i] == 0x7f ? '?' : line[i];
    if (reason_len)
        reason[r] = '\0';
    return true;
}

int lab_command_parse_status(const char *out, enum lab_mta_status *st, char *dsn, size_t dsn_len,
                             char *reason, size_t reason_len)
{
    for (int n = 0; out && *out && n < 64; n++) {
        size_t len = strcspn(out, "\n");
        if (status_line(out, len, st, dsn, dsn_len, reason, reason_len))
            return 0;
        out += len + (out[len] == '\n');
    }
    return -1;
}

void lab_command_parse_qid(const char *out, char *qid, size_t len)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    size_t l = out ? strcspn(out, "\n") : 0, w = out ? strspn(out, ok) : 0;
    if (l && out[l - 1] == '\r')
        l--;
    qid[0] = '\0';
    if (l > 0 && l <= 31 && w == l && l < len)
        snprintf(qid, len, "%.*s", (int)l, out);
}

/* Talking to the keeper: length-prefixed frames on a stream socket. */

/* Read exactly len bytes before the deadline (0: none). */
static int read_full(int fd, void *data, size_t len, double deadline)
{
    char *p = data;
    while (len > 0) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int wait = deadline > 0 ? (int)((deadline - dl_mono()) * 1000) : -1;
        ssize_t r;
        if (deadline > 0 && wait <= 0)
            return -1;
        if (poll(&pf, 1, wait) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (pf.revents == 0)
            continue;
        r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

static int send_frame(int fd, const uint32_t head[4], const char *a, const char *b)
{
    if (dl_write_all(fd, head, 4 * sizeof(uint32_t)) != 0 ||
        (head[2] && dl_write_all(fd, a, head[2]) != 0) ||
        (head[3] && dl_write_all(fd, b, head[3]) != 0))
        return -1;
    return 0;
}

/* The keeper (a child in the lab world) */

/* Every live process below `root` (as this PID namespace's /proc shows
 * them), at most max; zombies are left to their parents. */
struct proc_table {
    pid_t *pid, *ppid;
    size_t n;
};

/* One live process into the table; false once it is full. */
static bool note_proc(void *ctx, int pid, int ppid, char state)
{
    struct proc_table *t = ctx;
    if (state != 'Z') {
        t->pid[t->n] = (pid_t)pid;
        t->ppid[t->n++] = (pid_t)ppid;
    }
    return t->n < MAX_PROCS;
}

static size_t descendants(pid_t root, pid_t *out, size_t max)
{
    /* Static rather than 64 KiB of stack: the keeper (a single-threaded
     * process) is their only user, again every 20 ms while it waits. */
    static pid_t pid[MAX_PROCS], ppid[MAX_PROCS];
    struct proc_table t = {.pid = pid, .ppid = ppid};
    size_t n, found = 0;
    lab_mta_proc_each(note_proc, &t);
    n = t.n;
    /* Breadth first: out[] grows with the children of what it holds. */
    for (size_t i = 0; i < n && found < max; i++)
        if (ppid[i] == root)
            out[found++] = pid[i];
    for (size_t k = 0; k < found; k++)
        for (size_t i = 0; i < n && found < max; i++)
            if (ppid[i] == out[k])
                out[found++] = pid[i];
    return found;
}

static void reap(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

/* Wait up to ms for every descendant to be gone; returns how many remain. */
static size_t wait_gone(pid_t self, pid_t *buf, long ms)
{
    double end = dl_mono() + ms / 1000.0;
    size_t n;
    for (;;) {
        reap();
        n = descendants(self, buf, MAX_PROCS);
        if (n == 0 || dl_mono() >= end)
            return n;
        dl_sleep_ms(20);
    }
}

/* After --stop: grace, SIGTERM, SIGKILL. Returns how many processes were
 * still there after the grace period. */
static uint32_t finish(long grace_ms)
{
    static pid_t buf[MAX_PROCS]; /* not 32 KiB of stack; the keeper alone uses it */
    pid_t self = getpid();
    size_t left = wait_gone(self, buf, grace_ms), n = left;
    for (size_t i = 0; i < n; i++)
        kill(buf[i], SIGTERM);
    n = n ? wait_gone(self, buf, TERM_GRACE_MS) : 0;
    for (int round = 0; n > 0 && round < 100; round++) {
        for (size_t i = 0; i < n; i++)
            kill(buf[i], SIGKILL);
        n = wait_gone(self, buf, 50);
    }
    reap();
    return (uint32_t)left;
}

/* Serve requests until REQ_FINISH or the socket closes (the runner died:
 * then clean up all the same). */
static void keeper(int sock)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (sock != 3) {
        dup2(sock, 3);
        close(sock);
        sock = 3;
    }
    close_range(4, ~0U, 0); /* the runner's files are not the commands' business */
    for (;;) {
        struct pollfd pf = {.fd = sock, .events = POLLIN};
        uint32_t head[4], reply[2];
        char *cmd, *in;
        struct dl_buf out = {0};
        int rc;
        reap();
        if (poll(&pf, 1, 200) <= 0)
            continue;
        if (read_full(sock, head, sizeof(head), 0) != 0) {
            finish(0);
            _exit(0);
        }
        if (head[0] == REQ_FINISH) {
            reply[0] = finish(head[1]);
            dl_write_all(sock, reply, sizeof(reply[0]));
            _exit(0);
        }
        if (head[2] > TMPL_MAX + 8192 || head[3] > 1 << 20) {
            finish(0);
            _exit(1);
        }
        cmd = dl_xcalloc(head[2] + 1, 1);
        in = dl_xcalloc(head[3] + 1, 1);
        if (read_full(sock, cmd, head[2], 0) != 0 || read_full(sock, in, head[3], 0) != 0) {
            finish(0);
            _exit(1);
        }
        {
            char *argv[] = {"/bin/sh", "-c", cmd, NULL};
            rc = lab_mta_run(argv, head[3] ? in : NULL, &out, (int)head[1]);
        }
        if (out.len > OUT_MAX)
            out.len = OUT_MAX;
        reply[0] = (uint32_t)rc;
        reply[1] = (uint32_t)out.len;
        if (dl_write_all(sock, reply, sizeof(reply)) != 0 ||
            (out.len && dl_write_all(sock, out.data, out.len) != 0)) {
            finish(0);
            _exit(1);
        }
        dl_buf_free(&out);
        free(cmd);
        free(in);
    }
}

/* Run one expanded command through the keeper: its exit status (-1: not
 * run, killed, timed out) and its output, NUL-terminated, into *out. */
static int run_cmd(struct lab_command *c, const char *cmd, const char *in, char **out)
{
    uint32_t head[4] = {REQ_RUN, (uint32_t)c->timeout_ms, (uint32_t)strlen(cmd),
                        in ? (uint32_t)strlen(in) : 0};
    uint32_t reply[2];
    double deadline = dl_mono() + c->timeout_ms / 1000.0 + 5;
    *out = NULL;
    if (c->keeper == 0 || send_frame(c->sock, head, cmd, in) != 0 ||
        read_full(c->sock, reply, sizeof(reply), deadline) != 0 || reply[1] > OUT_MAX) {
        *out = dl_xstrdup("(the command keeper is gone)");
        return -1;
    }
    *out = dl_xcalloc(reply[1] + 1, 1);
    if (read_full(c->sock, *out, reply[1], deadline) != 0) {
        free(*out);
        *out = dl_xstrdup("(the command keeper is gone)");
        return -1;
    }
    return (int)(int32_t)reply[0];
}

/* The first line of a command's output, for messages (at most 300 bytes). */
static void first_line(const char *out, char *buf, size_t len)
{
    size_t l = strcspn(out, "\n");
    snprintf(buf, len, "%.*s%s", (int)(l > 300 ? 300 : l), out,
             out[l] == '\n' && out[l + 1] ? " ..." : "");
}

/* "--FLAG `CMD`: exit status N: OUTPUT" (or killed / timed out). */
static void cmd_error(struct dl_error *err, const char *flag, const char *cmd, int rc,
                      const char *out)
{
    size_t l;
    out += strspn(out, " \t\r\n");
    l = strlen(out);
    while (l && isspace((unsigned char)out[l - 1]))
        l--;
    if (rc < 0)
        dl_error_set(err, "--%s `%s`: could not run, killed or timed out%s%.*s", flag, cmd,
                     l ? ": " : "", (int)l, out);
    else
        dl_error_set(err, "--%s `%s`: exit status %d%s%.*s", flag, cmd, rc, l ? ": " : "", (int)l,
                     out);
}

static void vars_of(const struct lab_command *c, struct lab_command_vars *v)
{
    memset(v, 0, sizeof(*v));
    v->from = FROM;
    v->dir = c->dir;
    v->run = c->run;
    v->resolver = LAB_ADDR_RESOLVER;
}

/* The adapter */

static void cmd_destroy(void *mta);

static void *cmd_create(const char *run_dir, bool ipv6, const struct lab_mta_option *opts,
                        size_t n_opts, struct dl_error *err)
{
    (void)ipv6; /* the command configures its MTA itself */
    struct lab_command *c = dl_xcalloc(1, sizeof(*c));
    struct stat st;
    c->timeout_ms = 30000;
    c->sock = -1;
    c->dir = dl_xasprintf("%s/mta/command", run_dir);
    c->run = dl_xstrdup(run_dir);
    for (size_t i = 0; i < n_opts; i++) {
        size_t k = 0;
        if (strcmp(opts[i].flag, "command-timeout") == 0) {
            char *end;
            long v = strtol(opts[i].value, &end, 10);
            if (*end != '\0' || v < 1 || v > 3600) {
                dl_error_set(err, "--command-timeout '%s': expected seconds (1..3600)",
                             opts[i].value);
                goto fail;
            }
            c->timeout_ms = (int)v * 1000;
            continue;
        }
        while (tmpl_flags[k] && strcmp(tmpl_flags[k], opts[i].flag) != 0)
            k++;
        if (tmpl_flags[k] == NULL)
            continue;
        if (c->tmpl[k]) {
            dl_error_set(err, "--%s given twice", opts[i].flag);
            goto fail;
        }
        if (opts[i].value[strspn(opts[i].value, " \t\n")] == '\0' ||
            strlen(opts[i].value) > TMPL_MAX) {
            dl_error_set(err, "--%s: expected a command (1 to %d bytes)", opts[i].flag, TMPL_MAX);
            goto fail;
        }
        c->tmpl[k] = opts[i].value;
    }
    if (c->tmpl[T_START] == NULL || c->tmpl[T_INJECT] == NULL) {
        dl_error_set(err, "command: --start CMD and --inject CMD are required (see danelab(1), "
                          "MTA CONFORMANCE)");
        goto fail;
    }
    /* A previous instance's processes ended with its keeper. */
    if (stat(c->dir, &st) == 0)
        lab_mta_rm_tree(c->dir);
    if (stat(c->dir, &st) == 0) {
        dl_error_set(err, "cannot remove the previous instance %s", c->dir);
        goto fail;
    }
    if (dl_mkdir_p(c->dir, 0755, err) != 0)
        goto fail;
    return c;
fail:
    cmd_destroy(c);
    return NULL;
}

static const char *cmd_where(void *mta)
{
    return ((struct lab_command *)mta)->dir;
}

static int cmd_start(void *mta, struct dl_error *err)
{
    struct lab_command *c = mta;
    struct lab_command_vars v;
    char *cmd, *out;
    int sv[2], rc;
    pid_t pid;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return dl_error_set(err, "command: socketpair: %s", strerror(errno));
    fflush(NULL);
    if ((pid = fork()) < 0) {
        close(sv[0]);
        close(sv[1]);
        return dl_error_set(err, "command: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        keeper(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    c->keeper = pid;
    c->sock = sv[0];
    vars_of(c, &v);
    cmd = lab_command_expand(c->tmpl[T_START], &v);
    rc = run_cmd(c, cmd, NULL, &out);
    if (rc != 0)
        cmd_error(err, "start", cmd, rc, out);
    free(cmd);
    free(out);
    return rc == 0 ? 0 : -1;
}

static int cmd_inject(void *mta, const struct lab_mta_msg *m, const char *subject,
                      struct dl_error *err)
{
    struct lab_command *c = mta;
    struct lab_command_vars v;
    char *msg = lab_mta_message_text(m, subject, true), *cmd, *out;
    int rc;
    vars_of(c, &v);
    v.rcpt = m->rcpt;
    v.msgid = m->msgid;
    v.scenario = subject;
    cmd = lab_command_expand(c->tmpl[T_INJECT], &v);
    rc = run_cmd(c, cmd, msg, &out);
    if (rc != 0)
        cmd_error(err, "inject", cmd, rc, out);
    else {
        struct qid *q;
        c->qids = dl_xrealloc(c->qids, (c->n_qids + 1) * sizeof(*c->qids));
        q = &c->qids[c->n_qids++];
        snprintf(q->msgid, sizeof(q->msgid), "%s", m->msgid);
        lab_command_parse_qid(out, q->qid, sizeof(q->qid));
    }
    free(out);
    free(cmd);
    free(msg);
    return rc == 0 ? 0 : -1;
}

/* One status command for m; its answer into m. */
static void status_of(struct lab_command *c, struct lab_mta_msg *m)
{
    struct lab_command_vars v;
    enum lab_mta_status st;
    char dsn[sizeof(m->dsn)], reason[sizeof(m->reason)], line[400], *cmd, *out;
    int rc;
    vars_of(c, &v);
    v.rcpt = m->rcpt;
    v.msgid = m->msgid;
    v.qid = m->qid;
    cmd = lab_command_expand(c->tmpl[T_STATUS], &v);
    rc = run_cmd(c, cmd, NULL, &out);
    if (rc != 0) {
        first_line(out, line, sizeof(line));
        snprintf(m->reason, sizeof(m->reason), "--status: exit %d: %s", rc, line);
    } else if (lab_command_parse_status(out, &st, dsn, sizeof(dsn), reason, sizeof(reason)) != 0) {
        first_line(out, line, sizeof(line));
        snprintf(m->reason, sizeof(m->reason), "--status printed no status line: %s",
                 line[0] ? line : "(nothing)");
    } else {
        m->status = st;
        snprintf(m->dsn, sizeof(m->dsn), "%s", dsn);
        snprintf(m->reason, sizeof(m->reason), "%s", reason);
    }
    free(out);
    free(cmd);
}

static size_t cmd_poll(void *mta, struct lab_mta_msg *msgs, size_t n)
{
    struct lab_command *c = mta;
    size_t k;
    double t0 = dl_mono();
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c->n_qids && msgs[i].qid[0] == '\0'; j++)
            if (strcmp(c->qids[j].msgid, msgs[i].msgid) == 0)
                snprintf(msgs[i].qid, sizeof(msgs[i].qid), "%s", c->qids[j].qid);
    if (c->tmpl[T_STATUS] && n && t0 >= c->next_poll) {
        double took;
        /* A round from the cursor, within the budget: a slow command
         * delays the others by one round at most. */
        for (k = 0; k < n && dl_mono() - t0 < POLL_BUDGET; k++) {
            struct lab_mta_msg *m = &msgs[(c->cursor + k) % n];
            if (m->status == LAB_MTA_PENDING)
                status_of(c, m);
        }
        c->cursor = (c->cursor + k) % n;
        /* Rounds take half of the time at most: the runner's own work
         * (the reference client's probes) goes on between them. */
        took = dl_mono() - t0;
        c->next_poll = dl_mono() + (took > POLL_EVERY ? took : POLL_EVERY);
    }
    return lab_mta_pending(msgs, n);
}

static void cmd_reasons(void *mta, struct lab_mta_msg *msgs, size_t n)
{
    struct lab_command *c = mta;
    if (c->tmpl[T_STATUS])
        return; /* the status commands' last words are in reason already */
    for (size_t i = 0; i < n; i++)
        if (msgs[i].status == LAB_MTA_PENDING)
            msgs[i].status = LAB_MTA_NO_STATUS;
}

static void cmd_stop(void *mta)
{
    struct lab_command *c = mta;
    uint32_t head[4] = {REQ_FINISH, c->tmpl[T_STOP] ? STOP_GRACE_MS : 0, 0, 0}, left = 0;
    bool answered;
    if (c->keeper == 0)
        return;
    if (c->tmpl[T_STOP]) {
        struct lab_command_vars v;
        char *cmd, *out;
        int rc;
        vars_of(c, &v);
        cmd = lab_command_expand(c->tmpl[T_STOP], &v);
        if ((rc = run_cmd(c, cmd, NULL, &out)) != 0) {
            struct dl_error err;
            cmd_error(&err, "stop", cmd, rc, out);
            dl_warn("mta command: %s", err.msg);
        }
        free(cmd);
        free(out);
    }
    answered = send_frame(c->sock, head, NULL, NULL) == 0 &&
               read_full(c->sock, &left, sizeof(left),
                         dl_mono() + (STOP_GRACE_MS + TERM_GRACE_MS) / 1000.0 + 10) == 0;
    close(c->sock);
    c->sock = -1;
    if (!answered) {
        dl_warn("mta command: the command keeper did not answer; killing it");
        kill(c->keeper, SIGKILL);
    } else if (left && c->tmpl[T_STOP])
        dl_warn("mta command: %u process%s still running after --stop; terminated", left,
                left == 1 ? " was" : "es were");
    while (waitpid(c->keeper, NULL, 0) < 0 && errno == EINTR)
        ;
    c->keeper = 0;
}

static void cmd_destroy(void *mta)
{
    struct lab_command *c = mta;
    if (c == NULL)
        return;
    cmd_stop(c);
    free(c->qids);
    free(c->dir);
    free(c->run);
    free(c);
}

static const char *const cmd_flags[] = {"start", "inject",          "status",
                                        "stop",  "command-timeout", NULL};

const struct lab_mta_adapter lab_mta_command = {
    .name = "command",
    .flags = cmd_flags,
    .usage = "--start CMD --inject CMD [--status CMD] [--stop CMD] [--command-timeout SECS] "
             "(templates with {rcpt} {msgid} {from} {scenario} {qid} {dir} {run} {resolver})",
    .create = cmd_create,
    .where = cmd_where,
    .start = cmd_start,
    .inject = cmd_inject,
    .poll = cmd_poll,
    .queue_reasons = cmd_reasons,
    .stop = cmd_stop,
    .destroy = cmd_destroy,
};
