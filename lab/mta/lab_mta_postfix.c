#include "lab_mta_postfix.h"

#include "dane_retry.h"

#include "dl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAIL_OWNER "postfix"

typedef struct lab_postfix lab_postfix;

struct lab_postfix {
    char *base; /* RUN/mta/postfix */
    char *conf; /* base/etc */
    char *queue, *data, *log, *maillog;
    bool ipv6;   /* inet_protocols = all (lab_mta_adapter.h, create) */
    long offset; /* how much of the maillog was read */
    char partial[4096];
    bool started;
    char **options; /* --postfix-option lines, kept for pf_retry */
    size_t n_options;
    /* --retry (pf_retry) */
    const struct lab_mta_clock *clock; /* NULL: the lab's short timers */
    char *mail;                        /* base/mail: the sender's mailbox */
    long lifetime;                     /* maximal_queue_lifetime, seconds */
    char version[64];                  /* "Postfix 3.7.11", from postconf after start */
    /* The "... TLS connection established to HOST[ADDR]:PORT" lines seen,
     * by smtp process and endpoint, the newest replacing an older one of
     * the same pair: a delivery line of that process to that relay was
     * made over that connection. A ring: the oldest goes when it is full
     * (far more entries than one run's deliveries in flight). */
    struct tls_seen {
        long pid;
        char endpoint[300];
        enum lab_mta_auth auth;
        char word[16];
    } tls[512];
    size_t tls_next;
};

/* The PID in "postfix/smtp[1234]: ", or -1. */
static long smtp_pid(const char *line)
{
    const char *p = strstr(line, "/smtp[");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

/* "Verified TLS connection established to HOST[ADDR]:PORT: ..." */
static void tls_line(lab_postfix *p, long pid, const char *text)
{
    static const struct {
        const char *word;
        enum lab_mta_auth auth;
    } words[] = {{"Verified", LAB_MTA_AUTH_VERIFIED},
                 {"Trusted", LAB_MTA_AUTH_UNVERIFIED}, /* chain ok, name not checked */
                 {"Untrusted", LAB_MTA_AUTH_UNVERIFIED},
                 {"Anonymous", LAB_MTA_AUTH_UNVERIFIED}};
    const char *to = strstr(text, " TLS connection established to "), *end;
    size_t wl = to ? (size_t)(to - text) : 0, n = sizeof(p->tls) / sizeof(p->tls[0]);
    char endpoint[300];
    struct tls_seen *slot = NULL;
    if (to == NULL)
        return;
    to += strlen(" TLS connection established to ");
    end = strstr(to, ": ");
    snprintf(endpoint, sizeof(endpoint), "%.*s", (int)(end ? end - to : (long)strlen(to)), to);
    for (size_t i = 0; i < n && slot == NULL; i++)
        if (p->tls[i].pid == pid && strcmp(p->tls[i].endpoint, endpoint) == 0)
            slot = &p->tls[i];
    if (slot == NULL)
        slot = &p->tls[p->tls_next++ % n];
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i].word) == wl && strncmp(text, words[i].word, wl) == 0) {
            slot->pid = pid;
            slot->auth = words[i].auth;
            snprintf(slot->word, sizeof(slot->word), "%s", words[i].word);
            snprintf(slot->endpoint, sizeof(slot->endpoint), "%s", endpoint);
        }
}

/* How delivery m (sent by smtp process pid) was made; unknown when no
 * TLS line of that process to that relay was seen (fakesmtp's record
 * still tells a plaintext session). */
static void delivery_auth(const lab_postfix *p, long pid, struct lab_mta_msg *m)
{
    for (size_t i = 0; pid >= 0 && i < sizeof(p->tls) / sizeof(p->tls[0]); i++)
        if (p->tls[i].pid == pid && strcmp(p->tls[i].endpoint, m->relay) == 0) {
            m->auth = p->tls[i].auth;
            snprintf(m->auth_text, sizeof(m->auth_text), "%s TLS connection", p->tls[i].word);
            return;
        }
}

/* smtp and relay keep Postfix's default max_idle whatever main.cf says:
 * under --retry main.cf makes every other daemon wait for ever (retry_cf),
 * while a delivery agent idle for 100 s of virtual time exits, so each
 * attempt after a clock move is a fresh smtp process, with no TLSA RRset
 * cached from the attempt before (Postfix's tls_dane.c keeps them for
 * their TTL), as in a quiet Postfix whose retries are minutes apart. */
static const char master_cf[] =
    "# danelab: a private Postfix instance; chroot column n, no inet listener\n"
    "# smtp, relay: Postfix's default max_idle, whatever main.cf says\n"
    "pickup    unix  n       -       n       60      1       pickup\n"
    "cleanup   unix  n       -       n       -       0       cleanup\n"
    "qmgr      unix  n       -       n       300     1       qmgr\n"
    "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n"
    "rewrite   unix  -       -       n       -       -       trivial-rewrite\n"
    "bounce    unix  -       -       n       -       0       bounce\n"
    "defer     unix  -       -       n       -       0       bounce\n"
    "trace     unix  -       -       n       -       0       bounce\n"
    "verify    unix  -       -       n       -       1       verify\n"
    "flush     unix  n       -       n       1000?   0       flush\n"
    "proxymap  unix  -       -       n       -       -       proxymap\n"
    "proxywrite unix -       -       n       -       1       proxymap\n"
    "smtp      unix  -       -       n       -       -       smtp\n"
    "  -o max_idle=100s\n"
    "relay     unix  -       -       n       -       -       smtp\n"
    "  -o max_idle=100s\n"
    "showq     unix  n       -       n       -       -       showq\n"
    "error     unix  -       -       n       -       -       error\n"
    "retry     unix  -       -       n       -       -       error\n"
    "discard   unix  -       -       n       -       -       discard\n"
    "local     unix  -       n       n       -       -       local\n"
    "anvil     unix  -       -       n       -       1       anvil\n"
    "scache    unix  -       -       n       -       1       scache\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n"
    "virtual   unix  -       n       n       -       -       virtual\n";

/* --retry: Postfix's own timers (its defaults, which the lab's short ones
 * would replace), the virtual clock's environment in every daemon
 * (import_environment NAME=VALUE: the postfix command and master pass it
 * to each process they start), and the sender's mailbox: virtual(8)
 * delivering myhostname's mail into base/mail/sender/ (a maildir).
 * max_idle: a daemon's idle timer runs on the virtual clock, so each
 * clock move (300-4000 s) ended every idle daemon and each attempt
 * started postlogd, the defer service, pickup, cleanup, ... again (0.1-0.2 s
 * of wall time each, most of an attempt's cost); none of them holds
 * anything an attempt depends on. The delivery agents keep Postfix's
 * default (master_cf). */
static void retry_cf(const lab_postfix *p, struct dl_buf *b)
{
    struct passwd *pw = getpwnam(MAIL_OWNER);
    dl_buf_printf(b, "# --retry: Postfix's own retry timers, the lab's virtual clock\n"
                     "max_idle = 3650d\n"
                     "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG LANG=C "
                     "POSTLOG_SERVICE POSTLOG_HOSTNAME");
    for (const char *const *e = p->clock->env; e && *e; e++)
        dl_buf_printf(b, " %s", *e);
    dl_buf_printf(b,
                  "\n"
                  "virtual_mailbox_domains = $myhostname\n"
                  "virtual_mailbox_base = %s\n"
                  "virtual_mailbox_maps = static:sender/\n"
                  "virtual_uid_maps = static:%u\n"
                  "virtual_gid_maps = static:%u\n"
                  "virtual_minimum_uid = 1\n",
                  p->mail, pw ? (unsigned)pw->pw_uid : 0, pw ? (unsigned)pw->pw_gid : 0);
}

static char *main_cf(const lab_postfix *p, char *const *options, size_t n_options)
{
    struct dl_buf b = {0};
    dl_buf_printf(&b,
                  "# danelab mta postfix: a private instance inside the lab world\n"
                  "compatibility_level = 3.6\n"
                  "queue_directory = %s\n"
                  "data_directory = %s\n"
                  "mail_owner = " MAIL_OWNER "\n"
                  "setgid_group = postdrop\n"
                  "myhostname = mta.danelab.invalid\n"
                  "mydomain = danelab.invalid\n"
                  "myorigin = $myhostname\n"
                  "mydestination =\n"
                  "relayhost =\n"
                  "inet_interfaces = 127.0.0.1\n"
                  "# both families in the lab's own namespace (fd53::/48), IPv4 on\n"
                  "# the host's loopback (danelab(1), ADDRESS PLAN)\n"
                  "inet_protocols = %s\n"
                  "mynetworks = 127.0.0.0/8\n"
                  "alias_maps =\n"
                  "alias_database =\n"
                  "local_recipient_maps =\n"
                  "biff = no\n"
                  "maillog_file = %s\n"
                  "maillog_file_prefixes = %s\n"
                  "# DANE, as postconf(5) and TLS_README say\n"
                  "smtp_dns_support_level = dnssec\n"
                  "smtp_tls_security_level = dane\n"
                  "smtp_tls_loglevel = 1\n"
                  "# the lab: short timeouts, one session per message\n"
                  "smtp_connect_timeout = 5s\n"
                  "smtp_helo_timeout = 10s\n"
                  "smtp_starttls_timeout = 10s\n"
                  "smtp_data_done_timeout = 10s\n"
                  "smtp_connection_cache_on_demand = no\n"
                  "default_destination_rate_delay = 0s\n"
                  "in_flow_delay = 0s\n",
                  p->queue, p->data, p->ipv6 ? "all" : "ipv4", p->maillog, p->log);
    if (p->clock)
        retry_cf(p, &b);
    else
        dl_buf_printf(&b, "# the lab: short timers (without --retry)\n"
                          "queue_run_delay = 1s\n"
                          "minimal_backoff_time = 2s\n"
                          "maximal_backoff_time = 4s\n"
                          "maximal_queue_lifetime = 1h\n"
                          "bounce_queue_lifetime = 1h\n");
    dl_buf_append(&b, "", 1);
    /* An option replaces the default line of the same name (Postfix
     * warns about a parameter set twice). */
    for (size_t i = 0; i < n_options; i++) {
        size_t nl = (size_t)(strchr(options[i], '=') - options[i]);
        char *text = (char *)b.data, *line = text;
        while (line && *line) {
            char *next = strchr(line, '\n');
            next = next ? next + 1 : line + strlen(line);
            if (strncmp(line, options[i], nl) == 0 && strncmp(line + nl, " = ", 3) == 0) {
                memmove(line, next, strlen(next) + 1);
                continue;
            }
            line = next;
        }
    }
    b.len = strlen((char *)b.data);
    if (n_options)
        dl_buf_printf(&b, "# --postfix-option (testing only)\n");
    for (size_t i = 0; i < n_options; i++) {
        const char *eq = strchr(options[i], '=');
        dl_buf_printf(&b, "%.*s = %s\n", (int)(eq - options[i]), options[i], eq + 1);
    }
    dl_buf_append(&b, "", 1);
    return (char *)b.data;
}

/* The master's PID from queue/pid/master.pid, or 0. */
static pid_t master_pid(const lab_postfix *p)
{
    char *path = dl_xasprintf("%s/pid/master.pid", p->queue), *text = NULL;
    size_t len;
    long v = 0;
    if (dl_read_file(path, 64, &text, &len, NULL) == 0)
        v = strtol(text, NULL, 10);
    free(text);
    free(path);
    return v > 1 && kill((pid_t)v, 0) == 0 ? (pid_t)v : 0;
}

/* The configuration directory (for reports). */
static const char *pf_where(void *mta)
{
    const lab_postfix *p = mta;
    return p->conf;
}

static void pf_stop(void *mta);
static void pf_destroy(void *mta);

/* Write the instance's configuration under RUN/mta/postfix (removing a
 * previous one, stopping it first when it still runs). `options` are extra
 * main.cf lines NAME=VALUE appended last (--postfix-option, for testing). */
static lab_postfix *postfix_new(const char *run_dir, bool ipv6, char *const *options,
                                size_t n_options, struct dl_error *err)
{
    lab_postfix *p = dl_xcalloc(1, sizeof(*p));
    struct passwd *pw = getpwnam(MAIL_OWNER);
    char *text, *path;
    struct stat st;
    p->base = dl_xasprintf("%s/mta/postfix", run_dir);
    p->ipv6 = ipv6;
    p->conf = dl_xasprintf("%s/etc", p->base);
    p->queue = dl_xasprintf("%s/queue", p->base);
    p->data = dl_xasprintf("%s/data", p->base);
    p->log = dl_xasprintf("%s/log", p->base);
    p->maillog = dl_xasprintf("%s/log/maillog", p->base);
    p->mail = dl_xasprintf("%s/mail", p->base);
    p->options = dl_xcalloc(n_options + 1, sizeof(char *));
    p->n_options = n_options;
    memcpy(p->options, options, n_options * sizeof(char *));
    for (size_t i = 0; i < n_options; i++) {
        const char *eq = strchr(options[i], '=');
        if (eq == NULL || eq == options[i] || strchr(options[i], '\n')) {
            dl_error_set(err, "--postfix-option '%s': expected NAME=VALUE", options[i]);
            goto fail;
        }
    }
    if (pw == NULL) {
        dl_error_set(err, "no user '" MAIL_OWNER "': is Postfix installed?");
        goto fail;
    }
    if (access("/usr/sbin/postfix", X_OK) != 0) {
        dl_error_set(err, "/usr/sbin/postfix: %s (install the postfix package)", strerror(errno));
        goto fail;
    }
    if (lab_mta_check_reachable(p->base, (unsigned)pw->pw_uid,
                                "Postfix's daemons, running as " MAIL_OWNER, err) != 0)
        goto fail;
    if (stat(p->base, &st) == 0) { /* a previous instance: stopped, then removed */
        if (master_pid(p) > 0)
            pf_stop(p);
        lab_mta_rm_tree(p->base);
    }
    if (dl_mkdir_p(p->conf, 0755, err) != 0 || dl_mkdir_p(p->queue, 0755, err) != 0 ||
        dl_mkdir_p(p->data, 0700, err) != 0 || dl_mkdir_p(p->log, 0755, err) != 0)
        goto fail;
    if (chown(p->data, pw->pw_uid, pw->pw_gid) != 0) {
        dl_error_set(err, "chown %s: %s", p->data, strerror(errno));
        goto fail;
    }
    text = main_cf(p, options, n_options);
    path = dl_xasprintf("%s/main.cf", p->conf);
    if (dl_write_file(path, text, strlen(text), 0644, err) != 0) {
        free(path);
        free(text);
        goto fail;
    }
    free(path);
    free(text);
    path = dl_xasprintf("%s/master.cf", p->conf);
    if (dl_write_file(path, master_cf, strlen(master_cf), 0644, err) != 0) {
        free(path);
        goto fail;
    }
    free(path);
    return p;
fail:
    pf_destroy(p);
    return NULL;
}

static void pf_destroy(void *mta)
{
    lab_postfix *p = mta;
    if (p == NULL)
        return;
    free(p->base);
    free(p->conf);
    free(p->queue);
    free(p->data);
    free(p->log);
    free(p->maillog);
    free(p->mail);
    free(p->options);
    free(p);
}

/* `postfix -c DIR start`. */
static int pf_start(void *mta, struct dl_error *err)
{
    lab_postfix *p = mta;
    char cmd[64];
    char *argv[] = {(char *)lab_mta_sbin("postfix", cmd, sizeof(cmd)), "-c", p->conf, "start",
                    NULL};
    struct dl_buf out = {0};
    int rc;
    p->started = true; /* whatever happens, stop tries */
    rc = lab_mta_run(argv, NULL, &out, 30000);
    dl_buf_append(&out, "", 1);
    if (rc != 0) {
        dl_error_set(err, "postfix -c %s start: exit %d: %s", p->conf, rc, (char *)out.data);
        dl_buf_free(&out);
        return -1;
    }
    dl_buf_free(&out);
    {
        char *vargv[] = {(char *)lab_mta_sbin("postconf", cmd, sizeof(cmd)),
                         "-c",
                         p->conf,
                         "-h",
                         "mail_version",
                         NULL};
        struct dl_buf v = {0};
        if (lab_mta_run(vargv, NULL, &v, 10000) == 0) {
            dl_buf_append(&v, "", 1);
            snprintf(p->version, sizeof(p->version), "Postfix %.*s",
                     (int)strcspn((char *)v.data, "\n"), (char *)v.data);
        }
        dl_buf_free(&v);
    }
    return 0;
}

/* `sendmail -C DIR -f <> -i RCPT` with a small message carrying m->msgid
 * (with --retry -f the clock's sender, whose mailbox gets the bounce). */
static int pf_inject(void *mta, const struct lab_mta_msg *m, const char *subject,
                     struct dl_error *err)
{
    lab_postfix *p = mta;
    char cmd[64];
    char *argv[] = {(char *)lab_mta_sbin("sendmail", cmd, sizeof(cmd)),
                    "-C",
                    p->conf,
                    "-f",
                    (char *)(p->clock ? p->clock->sender : ""),
                    "-i",
                    "--",
                    (char *)m->rcpt,
                    NULL};
    struct dl_buf out = {0};
    char *msg = lab_mta_message_text(m, subject, false);
    int rc = lab_mta_run(argv, msg, &out, 30000);
    free(msg);
    dl_buf_append(&out, "", 1);
    if (rc != 0)
        dl_error_set(err, "sendmail -C %s: exit %d: %s", p->conf, rc, (char *)out.data);
    dl_buf_free(&out);
    return rc == 0 ? 0 : -1;
}

/* "KEY=VALUE, " in a log line: the value into buf (up to ", " or end). */
static void field(const char *line, const char *key, char *buf, size_t len)
{
    const char *v = strstr(line, key), *end;
    buf[0] = '\0';
    if (v == NULL)
        return;
    v += strlen(key);
    end = strstr(v, ", ");
    if (end == NULL)
        end = v + strlen(v);
    snprintf(buf, len, "%.*s", (int)(end - v), v);
}

/* --retry: the attempt a status line reports, appended to m->att (its
 * time from the line's stamp; a sent one's TLS from the connection line
 * of its smtp process, as for the first attempt). */
static void record_attempt(const lab_postfix *pf, const char *line, long pid, struct lab_mta_msg *m)
{
    struct lab_mta_attempt a = {.status = m->status, .auth = LAB_MTA_AUTH_UNKNOWN};
    a.at = lab_mta_log_time(line, *pf->clock->now);
    snprintf(a.dsn, sizeof(a.dsn), "%s", m->dsn);
    snprintf(a.relay, sizeof(a.relay), "%s", m->relay);
    snprintf(a.reason, sizeof(a.reason), "%s", m->reason);
    for (size_t i = 0; pid >= 0 && i < sizeof(pf->tls) / sizeof(pf->tls[0]); i++)
        if (pf->tls[i].pid == pid && strcmp(pf->tls[i].endpoint, m->relay) == 0)
            a.auth = pf->tls[i].auth;
    if (a.auth == LAB_MTA_AUTH_UNKNOWN && m->status == LAB_MTA_SENT)
        a.auth = m->auth;
    lab_mta_attempt_add(m, &a);
}

/* --retry: qmgr's "QID: from=<...>, status=expired, returned to sender"
 * (the queue lifetime is over: m is bounced) and bounce's "QID: sender
 * non-delivery notification: QID2". Whether the line was one of them. */
static bool retry_line(const lab_postfix *pf, const char *line, const char *text,
                       struct lab_mta_msg *m)
{
    const char *ndn = "sender non-delivery notification: ";
    if (m == NULL)
        return false;
    if (strncmp(text, "from=<", 6) == 0 && strstr(text, ", status=expired") != NULL) {
        m->status = LAB_MTA_BOUNCED;
        m->expired = lab_mta_log_time(line, *pf->clock->now);
        return true;
    }
    if (strncmp(text, ndn, strlen(ndn)) == 0) {
        snprintf(m->bounce_qid, sizeof(m->bounce_qid), "%.*s",
                 (int)strcspn(text + strlen(ndn), " \n"), text + strlen(ndn));
        return true;
    }
    return false;
}

/* One maillog line: "... postfix/PROG[PID]: QID: text". */
static void log_line(void *ctx, const char *line, struct lab_mta_msg *msgs, size_t n)
{
    lab_postfix *pf = ctx;
    const char *p = strstr(line, "]: "), *q, *mid, *st;
    struct lab_mta_msg *m;
    long pid = smtp_pid(line);
    size_t qlen;
    if (p == NULL)
        return;
    p += 3;
    if (pid >= 0 && strstr(p, " TLS connection established to ") != NULL) {
        tls_line(pf, pid, p);
        return;
    }
    if ((q = strstr(p, ": ")) == NULL)
        return;
    qlen = (size_t)(q - p);
    if (qlen == 0 || qlen >= sizeof(msgs[0].qid) ||
        strspn(p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZbcdfghjklmnpqrstvwxyz") < qlen)
        return;
    q += 2;
    if ((mid = strstr(q, "message-id=<")) == q) {
        mid += strlen("message-id=<");
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(msgs[i].msgid);
            if (msgs[i].qid[0] == '\0' && strncmp(mid, msgs[i].msgid, l) == 0 && mid[l] == '>')
                snprintf(msgs[i].qid, sizeof(msgs[i].qid), "%.*s", (int)qlen, p);
        }
        return;
    }
    if (pf->clock && retry_line(pf, line, q, lab_mta_by_qid(msgs, n, p, qlen)))
        return;
    if (strncmp(q, "to=<", 4) != 0 || (m = lab_mta_by_qid(msgs, n, p, qlen)) == NULL ||
        !(m->status == LAB_MTA_PENDING || (pf->clock && m->status == LAB_MTA_DEFERRED)) ||
        (st = strstr(q, ", status=")) == NULL)
        return;
    st += strlen(", status=");
    if (strncmp(st, "sent ", 5) == 0)
        m->status = LAB_MTA_SENT;
    else if (strncmp(st, "deferred ", 9) == 0)
        m->status = LAB_MTA_DEFERRED;
    else if (strncmp(st, "bounced ", 8) == 0 || strncmp(st, "expired ", 8) == 0)
        m->status = LAB_MTA_BOUNCED;
    else
        return;
    field(q, "dsn=", m->dsn, sizeof(m->dsn));
    field(q, "relay=", m->relay, sizeof(m->relay));
    if (m->status == LAB_MTA_SENT)
        delivery_auth(pf, pid, m);
    if ((st = strchr(st, '(')) != NULL) {
        size_t l = strlen(st + 1);
        snprintf(m->reason, sizeof(m->reason), "%.*s", (int)(l && st[l] == ')' ? l - 1 : l),
                 st + 1);
    }
    if (pf->clock)
        record_attempt(pf, line, pid, m);
}

/* Read what the maillog gained since the last call and update the
 * messages (queue ID by Message-ID, then the first final or deferred
 * status of each). Returns how many are still pending. */
static size_t pf_poll(void *mta, struct lab_mta_msg *msgs, size_t n)
{
    lab_postfix *p = mta;
    return lab_mta_log_poll(p->maillog, &p->offset, log_line, p, msgs, n);
}

/* For messages still pending: their queue and delay reason from
 * `postqueue -c DIR -j`, into reason. */
static void pf_reasons(void *mta, struct lab_mta_msg *msgs, size_t n)
{
    lab_postfix *p = mta;
    char cmd[64];
    char *argv[] = {(char *)lab_mta_sbin("postqueue", cmd, sizeof(cmd)), "-c", p->conf, "-j", NULL};
    struct dl_buf out = {0};
    char *line, *save = NULL;
    if (lab_mta_run(argv, NULL, &out, 30000) != 0) {
        dl_buf_free(&out);
        return;
    }
    dl_buf_append(&out, "", 1);
    for (line = strtok_r((char *)out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL), *r0;
        const char *qid = json_string_value(json_object_get(j, "queue_id"));
        const char *queue = json_string_value(json_object_get(j, "queue_name"));
        const char *why;
        struct lab_mta_msg *m;
        r0 = json_array_get(json_object_get(j, "recipients"), 0);
        why = json_string_value(json_object_get(r0, "delay_reason"));
        if (qid && (m = lab_mta_by_qid(msgs, n, qid, strlen(qid))) != NULL &&
            m->status == LAB_MTA_PENDING && m->reason[0] == '\0')
            snprintf(m->reason, sizeof(m->reason), "still in the %s queue%s%s", queue ? queue : "?",
                     why ? ": " : "", why ? why : "");
        json_decref(j);
    }
    dl_buf_free(&out);
}

/* The stop itself, in a process forked after lab_world_enter: it lives in
 * the lab's PID namespace, where master.pid and /proc speak of the same
 * PIDs (the caller itself stays in the host's). `postfix -c DIR stop`,
 * then wait (bounded) for the master to exit and kill what is left of it
 * (the master and its children, by PID). */
static void stop_here(const void *arg)
{
    const lab_postfix *p = arg;
    char cmd[64];
    char *argv[] = {(char *)lab_mta_sbin("postfix", cmd, sizeof(cmd)), "-c", p->conf, "stop", NULL};
    pid_t master = master_pid(p);
    if (master == 0)
        return;
    lab_mta_run(argv, NULL, NULL, 30000);
    for (int i = 0; i < 100 && kill(master, 0) == 0; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (kill(master, 0) == 0)
        lab_mta_kill_tree(master);
}

static void pf_stop(void *mta)
{
    lab_postfix *p = mta;
    lab_mta_in_child(stop_here, p);
    p->started = false;
}

/* --retry: Postfix's own timers, the virtual clock, the sender's mailbox
 * (retry_cf); main.cf rewritten, then its queue lifetime read back. */
static int pf_retry(void *mta, const struct lab_mta_clock *c, struct dl_error *err)
{
    lab_postfix *p = mta;
    struct passwd *pw = getpwnam(MAIL_OWNER);
    char *text, *path, cmd[64];
    char *argv[] = {(char *)lab_mta_sbin("postconf", cmd, sizeof(cmd)),
                    "-c",
                    p->conf,
                    "-h",
                    "maximal_queue_lifetime",
                    NULL};
    struct dl_buf out = {0};
    int64_t secs = 0;
    int rc;
    p->clock = c;
    if (pw == NULL || dl_mkdir_p(p->mail, 0755, err) != 0)
        return pw ? -1 : dl_error_set(err, "no user '" MAIL_OWNER "'");
    if (chown(p->mail, pw->pw_uid, pw->pw_gid) != 0)
        return dl_error_set(err, "chown %s: %s", p->mail, strerror(errno));
    text = main_cf(p, p->options, p->n_options);
    path = dl_xasprintf("%s/main.cf", p->conf);
    rc = dl_write_file(path, text, strlen(text), 0644, err);
    free(path);
    free(text);
    if (rc != 0)
        return -1;
    if (lab_mta_run(argv, NULL, &out, 10000) != 0) {
        dl_buf_free(&out);
        return dl_error_set(err, "postconf -c %s -h maximal_queue_lifetime failed", p->conf);
    }
    dl_buf_append(&out, "", 1);
    ((char *)out.data)[strcspn((char *)out.data, "\n")] = '\0';
    rc = dl_parse_duration((char *)out.data, &secs);
    if (rc != 0)
        dl_error_set(err, "maximal_queue_lifetime '%s': not a duration", (char *)out.data);
    p->lifetime = (long)secs;
    dl_buf_free(&out);
    return rc;
}

/* Where queue file qid is: its path under queue/NAME (hashed one level
 * deep, as Postfix's hash_queue_names), or NULL. */
static char *queue_file(const lab_postfix *p, const char *name, const char *qid)
{
    char *path = dl_xasprintf("%s/%s/%c/%s", p->queue, name, qid[0], qid);
    if (access(path, F_OK) == 0)
        return path;
    free(path);
    path = dl_xasprintf("%s/%s/%s", p->queue, name, qid);
    if (access(path, F_OK) == 0)
        return path;
    free(path);
    return NULL;
}

/* Postfix writes a deferred message's next attempt time as its queue
 * file's modification time (on the virtual clock: the daemons set it). */
static int pf_next_try(void *mta, const struct lab_mta_msg *m, time_t *when)
{
    lab_postfix *p = mta;
    char *path = m->qid[0] ? queue_file(p, "deferred", m->qid) : NULL;
    struct stat st;
    int rc = path && stat(path, &st) == 0 ? 1 : 0;
    if (rc)
        *when = st.st_mtime;
    free(path);
    return rc;
}

/* qmgr's trigger, as postkick(1) sends it (`postkick -c DIR public qmgr
 * D`) without a process per kick (about 60 ms each under load, one per
 * attempt): connect to queue/public/qmgr, write the request "D" (scan the
 * deferred queue now instead of at its next queue_run_delay tick) and a
 * null byte, and wait (bounded) until qmgr has read it and closed the
 * connection. A file whose time has not come stays deferred. A failure
 * is returned and the runner asks again (lab_mta_retry). */
#define KICK_WAIT_MS 5000
static int pf_kick(void *mta, struct dl_error *err)
{
    lab_postfix *p = mta;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct pollfd pfd = {.events = POLLIN};
    int64_t deadline = dl_mono_ms() + KICK_WAIT_MS;
    char buf[64];
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/public/qmgr", p->queue);
    if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
        return dl_error_set(err, "qmgr's socket %s/public/qmgr: path too long", p->queue);
    if ((pfd.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return dl_error_set(err, "socket: %s", strerror(errno));
    if (connect(pfd.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        send(pfd.fd, "D", 2, MSG_NOSIGNAL) != 2) { /* "D" and its null byte */
        dl_error_set(err, "qmgr's trigger %s: %s", sa.sun_path, strerror(errno));
        close(pfd.fd);
        return -1;
    }
    for (;;) { /* until qmgr closes: it has read the request */
        int wait = (int)(deadline - dl_mono_ms());
        ssize_t r;
        if (wait <= 0) {
            close(pfd.fd);
            return dl_error_set(err, "qmgr's trigger %s: not read within %d ms", sa.sun_path,
                                KICK_WAIT_MS);
        }
        if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
            break;
        if (pfd.revents && ((r = read(pfd.fd, buf, sizeof(buf))) == 0 || (r < 0 && errno != EINTR)))
            break;
    }
    close(pfd.fd);
    return 0;
}

/* The first `n` attempt times of Postfix's closest approximation of a
 * schedule into buf: qmgr defers a message by its age (now minus its
 * arrival) clamped to minimal_backoff_time..maximal_backoff_time, here the
 * schedule's first and its longest interval. */
static void backoff_times(const int64_t *t, size_t m, size_t n, char *buf, size_t len)
{
    int64_t lo = t[1] - t[0], hi = lo, at = 0;
    size_t used = 0;
    for (size_t k = 1; k + 1 < m; k++)
        hi = t[k + 1] - t[k] > hi ? t[k + 1] - t[k] : hi;
    for (size_t k = 0; k < n && used < len; k++) {
        int64_t delay = at < lo ? lo : at > hi ? hi : at;
        used += (size_t)snprintf(buf + used, len - used, "%s%lldm", k ? ", " : "",
                                 (long long)(at / 60));
        at += delay;
    }
}

/* --schedule: refused. Postfix's backoff is not a list of intervals: its
 * attempts drift away from the schedule's (exchange-online: 0, 15, 30,
 * 60, 120 minutes against 0, 15, 30, 90, 150), and a comparison would
 * only report that. The message shows both. */
static int pf_schedule(void *mta, enum dane_profile p, struct dl_error *err)
{
    int64_t t[DANE_RETRY_MAX];
    size_t m = dane_retry_schedule(p, t, DANE_RETRY_MAX), used = 0;
    char approx[128], want[128];
    (void)mta;
    want[0] = '\0';
    for (size_t k = 0; k < 5 && k < m && used < sizeof(want); k++)
        used += (size_t)snprintf(want + used, sizeof(want) - used, "%s%lldm", k ? ", " : "",
                                 (long long)(t[k] / 60));
    backoff_times(t, m, 5, approx, sizeof(approx));
    return dl_error_set(err,
                        "--schedule %s: Postfix cannot express it: qmgr defers a message by its "
                        "age clamped to minimal_backoff_time..maximal_backoff_time, not by a list "
                        "of intervals; its closest setting gives attempts at %s ..., the schedule "
                        "at %s ... (use mta exim --schedule, whose retry rules can)",
                        dane_profile_name(p), approx, want);
}

static long pf_lifetime(void *mta)
{
    const lab_postfix *p = mta;
    return p->lifetime;
}

/* The sender's maildir file holding m's non-delivery report. */
static char *pf_bounce(void *mta, const struct lab_mta_msg *m)
{
    const lab_postfix *p = mta;
    return lab_mta_sender_report(p->mail, m->msgid);
}

/* The adapter table. */

static void *pf_create(const char *run_dir, bool ipv6, const struct lab_mta_option *opts,
                       size_t n_opts, struct dl_error *err)
{
    char **options = dl_xcalloc(n_opts + 1, sizeof(char *));
    size_t n = 0;
    lab_postfix *p;
    for (size_t i = 0; i < n_opts; i++)
        if (strcmp(opts[i].flag, "postfix-option") == 0)
            options[n++] = (char *)opts[i].value;
    p = postfix_new(run_dir, ipv6, options, n, err);
    free(options);
    return p;
}

static const char *pf_version(void *mta)
{
    const lab_postfix *p = mta;
    return p->version[0] ? p->version : NULL;
}

static const char *const pf_flags[] = {"postfix-option", NULL};

const struct lab_mta_adapter lab_mta_postfix = {
    .name = "postfix",
    .flags = pf_flags,
    .usage = "--postfix-option NAME=VALUE (an extra main.cf line, to test the runner)",
    .create = pf_create,
    .where = pf_where,
    .version = pf_version,
    .start = pf_start,
    .inject = pf_inject,
    .poll = pf_poll,
    .queue_reasons = pf_reasons,
    .retry = pf_retry,
    .schedule = pf_schedule,
    .next_try = pf_next_try,
    .kick = pf_kick,
    .lifetime = pf_lifetime,
    .bounce = pf_bounce,
    .stop = pf_stop,
    .destroy = pf_destroy,
};
