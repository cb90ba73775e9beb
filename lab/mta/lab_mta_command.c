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
#define MAX_LINES     4096 /* lines of one status output read under --retry */

enum { REQ_RUN = 1, REQ_FINISH = 2 };

struct lab_command {
    char *dir, *run;
    const char *tmpl[5]; /* start, inject, status, stop, kick (from argv) */
    int timeout_ms;
    pid_t keeper;     /* 0: none */
    int sock;         /* to the keeper */
    double next_poll; /* no round of status commands before (monotonic s) */
    size_t cursor;    /* where the next round of status commands begins */
    struct qid {
        char msgid[256], qid[32];
        time_t next; /* --retry: its `next` line (0: none, in flight) */
    } * qids;        /* one per injected message */
    size_t n_qids;
    /* --retry (cmd_retry) */
    const struct lab_mta_clock *clock; /* NULL: not on the virtual clock */
    char *mail;                        /* dir/mail: the sender's maildir is mail/sender */
    int64_t lifetime;                  /* --queue-lifetime, seconds (0: not said) */
};

enum { T_START, T_INJECT, T_STATUS, T_STOP, T_KICK };
static const char *const tmpl_flags[] = {"start", "inject", "status", "stop", "kick", NULL};

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

/* The first word of the len bytes at *p (after blanks), its length
 * returned and *p, *len moved to it. */
static size_t first_word(const char **p, size_t *len)
{
    size_t w = 0;
    while (*len && (**p == ' ' || **p == '\t'))
        (*p)++, (*len)--;
    while (w < *len && (*p)[w] != ' ' && (*p)[w] != '\t')
        w++;
    return w;
}

enum lab_command_line lab_command_parse_retry_line(const char *line, size_t len,
                                                   struct lab_mta_attempt *a, time_t *when)
{
    static const char *const kinds[] = {"attempt", "next", "returned"};
    static const enum lab_command_line kind_of[] = {LAB_COMMAND_ATTEMPT, LAB_COMMAND_NEXT,
                                                    LAB_COMMAND_RETURNED};
    char stamp[40];
    size_t w = first_word(&line, &len), k;
    for (k = 0; k < 3; k++)
        if (strlen(kinds[k]) == w && strncmp(line, kinds[k], w) == 0)
            break;
    if (k == 3)
        return LAB_COMMAND_OTHER;
    line += w, len -= w;
    w = first_word(&line, &len);
    if (w == 0 || w >= sizeof(stamp))
        return LAB_COMMAND_OTHER;
    snprintf(stamp, sizeof(stamp), "%.*s", (int)w, line);
    if (dl_parse_time(stamp, when) != 0)
        return LAB_COMMAND_OTHER;
    if (kind_of[k] != LAB_COMMAND_ATTEMPT)
        return kind_of[k];
    line += w, len -= w;
    first_word(&line, &len);
    memset(a, 0, sizeof(*a));
    a->at = *when;
    a->auth = LAB_MTA_AUTH_UNKNOWN;
    if (!status_line(line, len, &a->status, a->dsn, sizeof(a->dsn), a->reason, sizeof(a->reason)) ||
        a->status == LAB_MTA_PENDING)
        return LAB_COMMAND_OTHER;
    return LAB_COMMAND_ATTEMPT;
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

/* The environment every command runs with, the keeper's own (danelab(1),
 * The command adapter): DANELAB_DIR, DANELAB_RUN, DANELAB_RESOLVER, and
 * with --retry the clock's variables (lab_vclock_env), so that the MTA
 * the start command launches runs on the virtual clock, and all of them
 * again in DANELAB_CLOCK_ENV as NAME=VALUE words, for an MTA that filters
 * its daemons' environment (Postfix's import_environment, Exim's
 * keep_environment). */
static void command_env(const struct lab_command *c)
{
    struct dl_buf words = {0};
    setenv("DANELAB_DIR", c->dir, 1);
    setenv("DANELAB_RUN", c->run, 1);
    setenv("DANELAB_RESOLVER", LAB_ADDR_RESOLVER, 1);
    unsetenv("DANELAB_CLOCK_ENV");
    for (const char *const *e = c->clock ? c->clock->env : NULL; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char *name;
        if (eq == NULL)
            continue;
        name = dl_xasprintf("%.*s", (int)(eq - *e), *e);
        setenv(name, eq + 1, 1);
        free(name);
        dl_buf_printf(&words, "%s%s", words.len ? " " : "", *e);
    }
    if (words.len) {
        dl_buf_append(&words, "", 1);
        setenv("DANELAB_CLOCK_ENV", (char *)words.data, 1);
    }
    dl_buf_free(&words);
}

/* Serve requests until REQ_FINISH or the socket closes (the runner died:
 * then clean up all the same). */
static void keeper(const struct lab_command *c, int sock)
{
    command_env(c);
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
    v->from = c->clock ? c->clock->sender : FROM;
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
    c->mail = dl_xasprintf("%s/mail", c->dir);
    for (size_t i = 0; i < n_opts; i++) {
        size_t k = 0;
        if (strcmp(opts[i].flag, "queue-lifetime") == 0) {
            if (dl_parse_duration(opts[i].value, &c->lifetime) != 0 || c->lifetime < 0) {
                dl_error_set(err, "--queue-lifetime '%s': expected a duration (5d, 3600s)",
                             opts[i].value);
                goto fail;
            }
            continue;
        }
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
        keeper(c, sv[1]);
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
        memset(q, 0, sizeof(*q));
        snprintf(q->msgid, sizeof(q->msgid), "%s", m->msgid);
        lab_command_parse_qid(out, q->qid, sizeof(q->qid));
    }
    free(out);
    free(cmd);
    free(msg);
    return rc == 0 ? 0 : -1;
}

/* The status command for m: 0 with its output in *out (the caller
 * frees it), or -1 with the failure in m->reason. */
static int run_status(struct lab_command *c, struct lab_mta_msg *m, char **out)
{
    struct lab_command_vars v;
    char line[400], *cmd;
    int rc;
    vars_of(c, &v);
    v.rcpt = m->rcpt;
    v.msgid = m->msgid;
    v.qid = m->qid;
    cmd = lab_command_expand(c->tmpl[T_STATUS], &v);
    rc = run_cmd(c, cmd, NULL, out);
    free(cmd);
    if (rc == 0)
        return 0;
    first_line(*out, line, sizeof(line));
    snprintf(m->reason, sizeof(m->reason), "--status: exit %d: %s", rc, line);
    free(*out);
    *out = NULL;
    return -1;
}

/* One status command for m; its answer into m. */
static void status_of(struct lab_command *c, struct lab_mta_msg *m)
{
    enum lab_mta_status st;
    char dsn[sizeof(m->dsn)], reason[sizeof(m->reason)], line[400], *out;
    if (run_status(c, m, &out) != 0)
        return;
    if (lab_command_parse_status(out, &st, dsn, sizeof(dsn), reason, sizeof(reason)) != 0) {
        first_line(out, line, sizeof(line));
        snprintf(m->reason, sizeof(m->reason), "--status printed no status line: %s",
                 line[0] ? line : "(nothing)");
    } else {
        m->status = st;
        snprintf(m->dsn, sizeof(m->dsn), "%s", dsn);
        snprintf(m->reason, sizeof(m->reason), "%s", reason);
    }
    free(out);
}

/* The record of the message with this Message-ID (made at inject). */
static struct qid *find_qid(const struct lab_command *c, const char *msgid)
{
    for (size_t i = 0; i < c->n_qids; i++)
        if (strcmp(c->qids[i].msgid, msgid) == 0)
            return &c->qids[i];
    return NULL;
}

/* --retry: one status command for m, its lines (lab_command_parse_retry_line)
 * read in order: the attempts beyond those m has appended, its state that
 * of the last one (a bounced attempt or a returned line: given up then),
 * its next try kept for cmd_next_try (none: in flight). */
static void status_retry(struct lab_command *c, struct lab_mta_msg *m)
{
    struct qid *q = find_qid(c, m->msgid);
    struct lab_mta_attempt a;
    time_t when, next = 0, returned = 0;
    size_t k = 0;
    char line[400], *out, *p;
    if (run_status(c, m, &out) != 0) {
        if (q)
            q->next = 0;
        return;
    }
    p = out;
    for (int n = 0; *p && n < MAX_LINES; n++) {
        size_t len = strcspn(p, "\n");
        switch (lab_command_parse_retry_line(p, len, &a, &when)) {
        case LAB_COMMAND_ATTEMPT:
            if (k++ >= m->n_att)
                lab_mta_attempt_add(m, &a);
            break;
        case LAB_COMMAND_NEXT:
            next = when;
            break;
        case LAB_COMMAND_RETURNED:
            returned = when;
            break;
        case LAB_COMMAND_OTHER:
            break;
        }
        p += len + (p[len] == '\n');
    }
    if (q)
        q->next = next;
    if (m->n_att) {
        const struct lab_mta_attempt *last = &m->att[m->n_att - 1];
        m->status = last->status;
        snprintf(m->dsn, sizeof(m->dsn), "%s", last->dsn);
        snprintf(m->reason, sizeof(m->reason), "%s", last->reason);
        if (last->status == LAB_MTA_BOUNCED)
            m->expired = last->at;
    } else {
        first_line(out, line, sizeof(line));
        snprintf(m->reason, sizeof(m->reason), "--status: no attempt yet: %s",
                 line[0] ? line : "(nothing)");
    }
    if (returned) {
        m->status = LAB_MTA_BOUNCED;
        m->expired = returned;
    }
    free(out);
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
            if (c->clock && m->status != LAB_MTA_SENT && m->status != LAB_MTA_BOUNCED)
                status_retry(c, m);
            else if (c->clock == NULL && m->status == LAB_MTA_PENDING)
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
    free(c->mail);
    free(c->dir);
    free(c->run);
    free(c);
}

/* --retry */

/* The contract of --retry (danelab(1), The command adapter): the lab
 * passes the clock's environment to every command (command_env), asks for
 * queue runs with --kick, and learns everything else from --status, run
 * for each unfinished message: one `attempt TIME STATUS [DSN] [REASON]`
 * line per delivery attempt so far, oldest first, and `next TIME` while
 * the message waits in the queue (`returned TIME` once given up without
 * an attempt). The simplest a real MTA's author can write: every MTA logs
 * its attempts (the status template of the first-attempt runs already
 * reads that log: the same reader, printing every line instead of the
 * first), and every MTA keeps a next-try time it can show (Postfix: the
 * deferred queue file's modification time; Exim: its retry database);
 * one command per message, no protocol to keep open, nothing to parse but
 * lines. Without a `next` line the message counts as in flight: the lab
 * waits (bounded by --timeout), never moves the clock past an attempt. */
static int cmd_retry(void *mta, const struct lab_mta_clock *clk, struct dl_error *err)
{
    struct lab_command *c = mta;
    if (c->tmpl[T_STATUS] == NULL || c->tmpl[T_KICK] == NULL)
        return dl_error_set(err, "command --retry: --status CMD (printing attempt and next "
                                 "lines) and --kick CMD are required (see danelab(1), The "
                                 "command adapter)");
    c->clock = clk;
    return 0;
}

/* The `next` line of m's last status output. */
static int cmd_next_try(void *mta, const struct lab_mta_msg *m, time_t *when)
{
    const struct qid *q = find_qid(mta, m->msgid);
    if (q == NULL || q->next == 0)
        return 0;
    *when = q->next;
    return 1;
}

/* --kick, waited for (bounded by --command-timeout); -1 with err set
 * when it fails (lab_mta_retry: asked again, and named when a due
 * message is not taken). */
static int cmd_kick(void *mta, struct dl_error *err)
{
    struct lab_command *c = mta;
    struct lab_command_vars v;
    char *cmd, *out;
    int rc;
    vars_of(c, &v);
    cmd = lab_command_expand(c->tmpl[T_KICK], &v);
    if ((rc = run_cmd(c, cmd, NULL, &out)) != 0)
        cmd_error(err, "kick", cmd, rc, out);
    free(cmd);
    free(out);
    return rc == 0 ? 0 : -1;
}

static long cmd_lifetime(void *mta)
{
    const struct lab_command *c = mta;
    return (long)c->lifetime;
}

/* The sender's non-delivery report for m, from the maildir the MTA
 * delivers the sender's mail to: dir/mail/sender. */
static char *cmd_bounce(void *mta, const struct lab_mta_msg *m)
{
    const struct lab_command *c = mta;
    return lab_mta_sender_report(c->mail, m->msgid);
}

static const char *const cmd_flags[] = {"start", "inject",         "status",          "stop",
                                        "kick",  "queue-lifetime", "command-timeout", NULL};

const struct lab_mta_adapter lab_mta_command = {
    .name = "command",
    .flags = cmd_flags,
    .usage = "--start CMD --inject CMD [--status CMD] [--stop CMD] [--command-timeout SECS] "
             "(templates with {rcpt} {msgid} {from} {scenario} {qid} {dir} {run} {resolver}); "
             "with --retry also --kick CMD [--queue-lifetime TIME], the commands run with "
             "the virtual clock's environment (LD_PRELOAD, FAKETIME_*, TZ, DANELAB_CLOCK_ENV) "
             "and --status prints `attempt TIME STATUS [DSN] [REASON]` per attempt and "
             "`next TIME` while queued (TIME @UNIX or YYYY-MM-DDTHH:MM:SSZ)",
    .create = cmd_create,
    .where = cmd_where,
    .start = cmd_start,
    .inject = cmd_inject,
    .poll = cmd_poll,
    .queue_reasons = cmd_reasons,
    .retry = cmd_retry,
    .next_try = cmd_next_try,
    .kick = cmd_kick,
    .lifetime = cmd_lifetime,
    .bounce = cmd_bounce,
    .stop = cmd_stop,
    .destroy = cmd_destroy,
};
