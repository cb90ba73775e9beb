#include "lab_mta_exim.h"

#include "lab_mta_exim_log.h"
#include "lab_mta_exim_rule.h"

#include "dane_retry.h"

#include "dl_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Debian's build: EXIM_USER=ref:Debian-exim. */
#define EXIM_USER "Debian-exim"
/* Whose IDs it gets through nss_wrapper when the machine has no such user. */
#define EXIM_USER_STANDIN "mail"
#define MAX_ENV           16
/* --retry: Exim's own default retry rule (its configure.default, the
 * specification's 32.10 "Retry rules"): every 15 minutes for 2 hours,
 * then intervals growing by 1.5 from 1 hour up to 16 hours, then every 6
 * hours up to 4 days after the first failure, when the address fails. */
#define EXIM_RETRY_DEFAULT "F,2h,15m; G,16h,1h,1.5; F,4d,6h"
#define SENDER_DOMAIN      "mta.danelab.invalid"
#define DUMP_MS            200 /* exim_dumpdb's output is reused this long */

typedef struct lab_exim lab_exim;

struct lab_exim {
    char *base;       /* RUN/mta/exim */
    char *etc, *conf; /* base/etc, base/etc/exim.conf */
    char *spool, *log, *mainlog;
    char *binary;       /* the Exim binary */
    bool ipv6;          /* disable_ipv6 = false (lab_mta_adapter.h, create) */
    char *env[MAX_ENV]; /* NAME=VALUE for env(1): libraries, nss_wrapper */
    size_t n_env;
    uid_t uid; /* the exim user's IDs */
    gid_t gid;
    long offset;      /* how much of the mainlog was read */
    char version[64]; /* "Exim 4.96", from -bV at start */
    char **options;   /* --exim-option lines, kept for ex_retry */
    size_t n_options;
    /* --retry (ex_retry) */
    const struct lab_mta_clock *clock; /* NULL: the lab's short retry rule */
    char *rule;                        /* the retry rule (--exim-retry) */
    bool rule_given;                   /* --exim-retry said it */
    char rule_from[96];                /* where it comes from, for the config */
    char *mail;                        /* base/mail: the sender's maildir */
    char *dumpdb;                      /* exim_dumpdb beside the binary */
    long lifetime;                     /* the rule's last cutoff, seconds */
    struct dl_buf dump_buf;            /* exim_dumpdb's last output */
    const char *dump;                  /* its text, or NULL */
    long dump_offset;                  /* x->offset when it was taken */
    int64_t dump_ms;                   /* dl_mono_ms() then */
};

/* One configuration section: its default lines, then --exim-option. */
struct section {
    const char *driver; /* NULL: the main section */
    const char *head;   /* what precedes its lines */
    const char *indent;
};

static bool executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The Exim to run: given, the fetch-exim cache, exim4/exim on PATH. */
static char *find_binary(const char *given, struct dl_error *err)
{
    const char *path = getenv("PATH");
    char *dirs, *save = NULL;
    if (given) {
        if (executable(given))
            return realpath(given, NULL);
        dl_error_set(err, "--exim-binary %s: not an executable file", given);
        return NULL;
    }
    if (executable(LAB_EXIM_DEFAULT))
        return realpath(LAB_EXIM_DEFAULT, NULL);
    dirs = dl_xstrdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
        for (const char *const *name = (const char *const[]){"exim4", "exim", NULL}; *name;
             name++) {
            char *cand = dl_xasprintf("%s/%s", d, *name);
            if (executable(cand)) {
                char *real = realpath(cand, NULL);
                free(cand);
                free(dirs);
                return real;
            }
            free(cand);
        }
    free(dirs);
    dl_error_set(err,
                 "no Exim: %s is missing and neither exim4 nor exim is on PATH; run "
                 "scripts/fetch-exim (it brings Debian's Exim without installing it) or give "
                 "--exim-binary PATH",
                 LAB_EXIM_DEFAULT);
    return NULL;
}

/* The prefix's library directories (PREFIX/usr/lib/TRIPLET, PREFIX/lib/
 * TRIPLET) when the binary is PREFIX/usr/sbin/NAME with PREFIX not "/",
 * colon-separated, or NULL. */
static char *prefix_libs(const char *binary)
{
    const char *tail = strstr(binary, "/usr/sbin/");
    struct dl_buf b = {0};
    glob_t g;
    if (tail == NULL || tail == binary || strchr(tail + strlen("/usr/sbin/"), '/'))
        return NULL;
    for (const char *const *pat =
             (const char *const[]){"usr/lib/*-linux-gnu*", "lib/*-linux-gnu*", NULL};
         *pat; pat++) {
        char *p = dl_xasprintf("%.*s/%s", (int)(tail - binary), binary, *pat);
        if (glob(p, GLOB_ONLYDIR, NULL, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; i++)
                dl_buf_printf(&b, "%s%s", b.len ? ":" : "", g.gl_pathv[i]);
        globfree(&g);
        free(p);
    }
    if (b.len == 0)
        return NULL;
    dl_buf_append(&b, "", 1);
    return b.data;
}

/* libnss_wrapper.so in the prefix's library directories, else the
 * machine's, or NULL. */
static char *find_nss_wrapper(const char *libs)
{
    char *dirs = dl_xasprintf("%s:/usr/lib/x86_64-linux-gnu:/usr/lib/aarch64-linux-gnu:/usr/lib",
                              libs ? libs : ""),
         *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *cand = dl_xasprintf("%s/libnss_wrapper.so", d);
        if (access(cand, R_OK) == 0) {
            free(dirs);
            return cand;
        }
        free(cand);
    }
    free(dirs);
    return NULL;
}

/* etc/passwd and etc/group for nss_wrapper: the machine's, plus EXIM_USER
 * with the stand-in's IDs. */
static int write_nss_files(lab_exim *x, struct dl_error *err)
{
    const char *src[] = {"/etc/passwd", "/etc/group"};
    for (size_t i = 0; i < 2; i++) {
        char *text = NULL, *path = dl_xasprintf("%s/%s", x->etc, i ? "group" : "passwd");
        size_t len;
        struct dl_buf b = {0};
        int rc;
        if (dl_read_file(src[i], 1 << 22, &text, &len, err) != 0) {
            free(path);
            return -1;
        }
        dl_buf_append(&b, text, len);
        if (len && text[len - 1] != '\n')
            dl_buf_append(&b, "\n", 1);
        if (i == 0)
            dl_buf_printf(&b, EXIM_USER ":x:%u:%u:danelab exim user:/nonexistent:/bin/false\n",
                          (unsigned)x->uid, (unsigned)x->gid);
        else
            dl_buf_printf(&b, EXIM_USER ":x:%u:\n", (unsigned)x->gid);
        rc = dl_write_file(path, b.data, b.len, 0644, err);
        free(text);
        free(path);
        dl_buf_free(&b);
        if (rc != 0)
            return -1;
    }
    x->env[x->n_env++] = dl_xasprintf("NSS_WRAPPER_PASSWD=%s/passwd", x->etc);
    x->env[x->n_env++] = dl_xasprintf("NSS_WRAPPER_GROUP=%s/group", x->etc);
    return 0;
}

/* How to run the binary: its libraries, and EXIM_USER through nss_wrapper
 * when the machine has no such user. Sets uid, gid and env. */
static int setup_env(lab_exim *x, struct dl_error *err)
{
    struct passwd *pw = getpwnam(EXIM_USER);
    char *libs = prefix_libs(x->binary), *nss;
    if (libs)
        x->env[x->n_env++] = dl_xasprintf("LD_LIBRARY_PATH=%s", libs);
    if (pw != NULL) {
        x->uid = pw->pw_uid;
        x->gid = pw->pw_gid;
        free(libs);
        return 0;
    }
    if ((pw = getpwnam(EXIM_USER_STANDIN)) == NULL) {
        free(libs);
        return dl_error_set(err, "neither " EXIM_USER " nor " EXIM_USER_STANDIN
                                 " exists: no user for Exim to run as");
    }
    x->uid = pw->pw_uid;
    x->gid = pw->pw_gid;
    nss = find_nss_wrapper(libs);
    free(libs);
    if (nss == NULL)
        return dl_error_set(err,
                            "%s needs the user " EXIM_USER ", which this machine lacks, and "
                            "libnss_wrapper.so (to show it one) is not there either: run "
                            "scripts/fetch-exim",
                            x->binary);
    x->env[x->n_env++] = dl_xasprintf("LD_PRELOAD=%s", nss);
    free(nss);
    return write_nss_files(x, err);
}

/* Is NAME=VALUE (main) or DRIVER:NAME=VALUE well formed? */
static int check_option(const char *opt, struct dl_error *err)
{
    const char *eq = strchr(opt, '='), *colon = strchr(opt, ':');
    if (colon && eq && colon > eq)
        colon = NULL;
    if (eq == NULL || eq == opt || strchr(opt, '\n') || (colon && colon + 1 == eq) ||
        (colon && strncmp(opt, "dnslookup:", 10) != 0 && strncmp(opt, "remote_smtp:", 12) != 0))
        return dl_error_set(err,
                            "--exim-option '%s': expected NAME=VALUE or "
                            "dnslookup:NAME=VALUE or remote_smtp:NAME=VALUE",
                            opt);
    return 0;
}

/* Append a section's lines, each replaced by an option of the same name
 * (for that driver), then the options' new names. */
static void section(struct dl_buf *b, const struct section *sec, const char *lines,
                    const char **options, size_t n_options)
{
    bool *used = dl_xcalloc(n_options + 1, sizeof(bool));
    const char *line = lines;
    dl_buf_printf(b, "%s", sec->head);
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        size_t nl = strcspn(line, " =\n");
        bool replaced = false;
        for (size_t i = 0; i < n_options; i++) {
            const char *opt = options[i], *colon, *eq, *name = opt;
            if (opt == NULL)
                continue;
            colon = strchr(opt, ':');
            eq = strchr(opt, '=');
            if (colon && colon < eq) {
                if (sec->driver == NULL || strncmp(opt, sec->driver, (size_t)(colon - opt)) != 0 ||
                    sec->driver[colon - opt] != '\0')
                    continue;
                name = colon + 1;
            } else if (sec->driver != NULL)
                continue;
            used[i] = true;
            if ((size_t)(eq - name) == nl && strncmp(line, name, nl) == 0) {
                dl_buf_printf(b, "%s# --exim-option (testing only)\n%s%.*s = %s\n", sec->indent,
                              sec->indent, (int)nl, name, eq + 1);
                replaced = true;
                options[i] = NULL; /* not appended again below */
            }
        }
        if (!replaced)
            dl_buf_printf(b, "%s%.*s\n", sec->indent, (int)len, line);
        line += len + (end != NULL);
    }
    for (size_t i = 0; i < n_options; i++)
        if (used[i] && options[i]) {
            const char *colon = strchr(options[i], ':'), *eq = strchr(options[i], '=');
            const char *name = colon && colon < eq ? colon + 1 : options[i];
            dl_buf_printf(b, "%s# --exim-option (testing only)\n%s%.*s = %s\n", sec->indent,
                          sec->indent, (int)(eq - name), name, eq + 1);
        }
    free(used);
}

/* keep_environment: the names of the variables Exim runs with (x->env),
 * which it must keep for its re-execs of itself. */
static char *keep_env(const lab_exim *x)
{
    struct dl_buf b = {0};
    for (size_t i = 0; i < x->n_env; i++) {
        size_t len = strcspn(x->env[i], "=");
        bool dup = false;
        for (size_t k = 0; k < i; k++)
            dup = dup || (strncmp(x->env[k], x->env[i], len + 1) == 0);
        if (!dup)
            dl_buf_printf(&b, "%s%.*s", b.len ? " : " : "", (int)len, x->env[i]);
    }
    dl_buf_append(&b, "", 1);
    return b.data;
}

static char *config(const lab_exim *x, char *const *options_in, size_t n_options)
{
    static const struct section sec_main = {NULL, "", ""};
    static const struct section sec_router = {"dnslookup", "\nbegin routers\n\ndnslookup:\n", "  "};
    static const struct section sec_router_more = {"dnslookup", "\ndnslookup:\n", "  "};
    static const struct section sec_transport = {"remote_smtp",
                                                 "\nbegin transports\n\nremote_smtp:\n", "  "};
    const char **options = dl_xcalloc(n_options + 1, sizeof(char *));
    struct dl_buf b = {0};
    char *main_lines;
    for (size_t i = 0; i < n_options; i++)
        options[i] = options_in[i];
    dl_buf_printf(&b, "# danelab mta exim: a private instance inside the lab world "
                      "(danelab(1), MTA CONFORMANCE)\n");
    char *keep = keep_env(x);
    main_lines =
        dl_xasprintf("exim_path = %s\n"
                     "primary_hostname = mta.danelab.invalid\n"
                     "qualify_domain = mta.danelab.invalid\n"
                     "spool_directory = %s\n"
                     "log_file_path = %s/%%slog\n"
                     "pid_file_path = %s/exim.pid\n"
                     "keep_environment = %s\n"
                     "deliver_drop_privilege = true\n"
                     "host_lookup =\n"
                     "rfc1413_hosts =\n"
                     "ignore_bounce_errors_after = 0s\n"
                     "timeout_frozen_after = 1h\n"
                     "log_selector = +outgoing_port +smtp_confirmation +tls_certificate_verified "
                     "+tls_peerdn +tls_sni +deliver_time +millisec +received_recipients\n"
                     "dns_dnssec_ok = 1\n"
                     "# both families in the lab's own namespace (fd53::/48), IPv4 on the\n"
                     "# host's loopback (danelab(1), ADDRESS PLAN)\n"
                     "disable_ipv6 = %s\n",
                     x->binary, x->spool, x->log, x->spool, keep, x->ipv6 ? "false" : "true");
    if (x->clock)
        dl_buf_printf(&b, "# --retry: the virtual clock's time zone\ntimezone = UTC\n");
    section(&b, &sec_main, main_lines, options, n_options);
    free(main_lines);
    free(keep);
    if (x->clock)
        dl_buf_printf(&b, "\nbegin routers\n\n"
                          "# --retry: the sender's mailbox, where non-delivery reports land\n"
                          "sender_box:\n  driver = accept\n  domains = " SENDER_DOMAIN "\n"
                          "  transport = sender_box\n");
    section(&b, x->clock ? &sec_router_more : &sec_router,
            "driver = dnslookup\n"
            "transport = remote_smtp\n"
            "dnssec_request_domains = *\n"
            "no_more\n",
            options, n_options);
    section(&b, &sec_transport,
            "driver = smtp\n"
            "dnssec_request_domains = *\n"
            "hosts_try_dane = *\n"
            "connect_timeout = 5s\n"
            "command_timeout = 10s\n"
            "data_timeout = 10s\n"
            "final_timeout = 10s\n",
            options, n_options);
    if (x->clock)
        dl_buf_printf(&b,
                      "\nsender_box:\n  driver = appendfile\n  directory = %s/sender\n"
                      "  maildir_format\n  create_directory\n  user = %u\n  group = %u\n"
                      "\nbegin retry\n\n# --retry: %s\n*  *  %s\n",
                      x->mail, (unsigned)x->uid, (unsigned)x->gid, x->rule_from, x->rule);
    else
        dl_buf_printf(&b, "\nbegin retry\n\n*  *  F,1h,1m\n");
    dl_buf_append(&b, "", 1);
    free(options);
    return b.data;
}

/* Every directory above base must let the exim user through. */
static int check_reachable(const lab_exim *x, struct dl_error *err)
{
    char who[96];
    snprintf(who, sizeof(who), "Exim's deliveries, running as the exim user (uid %u)",
             (unsigned)x->uid);
    return lab_mta_check_reachable(x->base, (unsigned)x->uid, who, err);
}

/* The configuration directory (for reports). */
static const char *ex_where(void *mta)
{
    const lab_exim *x = mta;
    return x->etc;
}

static void ex_stop(void *mta);
static void ex_destroy(void *mta);

/* Write the instance's configuration under RUN/mta/exim (stopping and
 * removing a previous one). `binary`: the Exim to run (NULL: the default
 * search). `options`: extra configuration lines `NAME=VALUE` (main
 * section) or `DRIVER:NAME=VALUE` (DRIVER: dnslookup or remote_smtp),
 * each replacing the default line of that name (--exim-option, to test
 * the runner). */
static lab_exim *exim_new(const char *run_dir, const char *binary, bool ipv6, char *const *options,
                          size_t n_options, const char *rule, struct dl_error *err)
{
    lab_exim *x = dl_xcalloc(1, sizeof(*x));
    char *text;
    struct stat st;
    x->base = dl_xasprintf("%s/mta/exim", run_dir);
    x->mail = dl_xasprintf("%s/mail", x->base);
    x->rule = dl_xstrdup(rule ? rule : EXIM_RETRY_DEFAULT);
    x->rule_given = rule != NULL;
    snprintf(x->rule_from, sizeof(x->rule_from), "%s",
             rule ? "--exim-retry" : "Exim's own default rule");
    x->options = dl_xcalloc(n_options + 1, sizeof(char *));
    x->n_options = n_options;
    memcpy(x->options, options, n_options * sizeof(char *));
    x->ipv6 = ipv6;
    x->etc = dl_xasprintf("%s/etc", x->base);
    x->conf = dl_xasprintf("%s/exim.conf", x->etc);
    x->spool = dl_xasprintf("%s/spool", x->base);
    x->log = dl_xasprintf("%s/log", x->base);
    x->mainlog = dl_xasprintf("%s/mainlog", x->log);
    for (size_t i = 0; i < n_options; i++)
        if (check_option(options[i], err) != 0)
            goto fail;
    if ((x->binary = find_binary(binary, err)) == NULL)
        goto fail;
    if (stat(x->base, &st) == 0) { /* a previous instance: stopped, then removed */
        ex_stop(x);
        lab_mta_rm_tree(x->base);
    }
    if (dl_mkdir_p(x->etc, 0755, err) != 0 || setup_env(x, err) != 0 ||
        check_reachable(x, err) != 0 || dl_mkdir_p(x->spool, 0750, err) != 0 ||
        dl_mkdir_p(x->log, 0750, err) != 0)
        goto fail;
    if (chown(x->spool, x->uid, x->gid) != 0 || chown(x->log, x->uid, x->gid) != 0) {
        dl_error_set(err, "chown %s, %s to the exim user (%u:%u): %s", x->spool, x->log,
                     (unsigned)x->uid, (unsigned)x->gid, strerror(errno));
        goto fail;
    }
    text = config(x, options, n_options);
    if (dl_write_file(x->conf, text, strlen(text), 0644, err) != 0) {
        free(text);
        goto fail;
    }
    free(text);
    return x;
fail:
    ex_destroy(x);
    return NULL;
}

static void ex_destroy(void *mta)
{
    lab_exim *x = mta;
    if (x == NULL)
        return;
    free(x->base);
    free(x->etc);
    free(x->conf);
    free(x->spool);
    free(x->log);
    free(x->mainlog);
    free(x->binary);
    free(x->mail);
    free(x->rule);
    free(x->dumpdb);
    dl_buf_free(&x->dump_buf);
    free(x->options);
    for (size_t i = 0; i < x->n_env; i++)
        free(x->env[i]);
    free(x);
}

/* Run `env VARS... EXIM -C CONF ARGS...`; output into *out. */
static int run_exim(lab_exim *x, const char *const *args, const char *in, struct dl_buf *out,
                    int timeout_ms)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = "env";
    for (size_t i = 0; i < x->n_env; i++)
        argv[n++] = x->env[i];
    argv[n++] = x->binary;
    argv[n++] = "-C";
    argv[n++] = x->conf;
    for (size_t i = 0; args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return lab_mta_run((char *const *)argv, in, out, timeout_ms);
}

/* `exim -C CONF -bV`: checks the binary and the configuration. */
static int ex_start(void *mta, struct dl_error *err)
{
    lab_exim *x = mta;
    const char *args[] = {"-bV", NULL};
    struct dl_buf out = {0};
    int rc = run_exim(x, args, NULL, &out, 30000);
    dl_buf_append(&out, "", 1);
    if (rc != 0)
        dl_error_set(err, "%s -C %s -bV: exit %d: %s", x->binary, x->conf, rc, out.data);
    else if (strstr(out.data, "DANE") == NULL)
        rc = dl_error_set(err, "%s was built without DANE support (-bV: %s)", x->binary, out.data);
    else {
        const char *v = strstr(out.data, "Exim version ");
        if (v)
            snprintf(x->version, sizeof(x->version), "Exim %.*s", (int)strcspn(v + 13, " \n"),
                     v + 13);
    }
    dl_buf_free(&out);
    return rc == 0 ? 0 : -1;
}

/* `exim -C CONF -odb -f <> -i -- RCPT` with a small message carrying
 * m->msgid (with --retry -f the clock's sender, whose mailbox gets the
 * bounce); returns once Exim has spooled it (delivery goes on). */
static int ex_inject(void *mta, const struct lab_mta_msg *m, const char *subject,
                     struct dl_error *err)
{
    lab_exim *x = mta;
    const char *args[] = {"-odb",  "-f", x->clock ? x->clock->sender : "<>", "-i", "--",
                          m->rcpt, NULL};
    struct dl_buf out = {0};
    char *msg = lab_mta_message_text(m, subject, false);
    int rc = run_exim(x, args, msg, &out, 30000);
    free(msg);
    dl_buf_append(&out, "", 1);
    if (rc != 0)
        dl_error_set(err, "exim -C %s -odb: exit %d: %s", x->conf, rc, out.data);
    dl_buf_free(&out);
    return rc == 0 ? 0 : -1;
}

static void log_line(void *ctx, const char *line, struct lab_mta_msg *msgs, size_t n)
{
    const lab_exim *x = ctx;
    if (x->clock)
        lab_exim_log_retry_line(line, msgs, n);
    else
        lab_exim_log_line(line, msgs, n);
}

/* Read what the mainlog gained since the last call and update the
 * messages (lab_exim_log_line). Returns how many are still pending. */
static size_t ex_poll(void *mta, struct lab_mta_msg *msgs, size_t n)
{
    lab_exim *x = mta;
    return lab_mta_log_poll(x->mainlog, &x->offset, log_line, x, msgs, n);
}

/* The last non-empty line of the message's msglog, without its time. */
static void msglog_tail(const lab_exim *x, const char *qid, char *buf, size_t len)
{
    char *path = dl_xasprintf("%s/msglog/%s", x->spool, qid), *text = NULL, *last = NULL;
    size_t tlen;
    buf[0] = '\0';
    if (dl_read_file(path, 1 << 20, &text, &tlen, NULL) == 0) {
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save))
            last = l;
        if (last) {
            const char *p = last;
            for (int field = 0; field < 2 && strchr(p, ' '); field++)
                p = strchr(p, ' ') + 1;
            snprintf(buf, len, "%s", p);
        }
    }
    free(text);
    free(path);
}

/* For messages still pending: `exim -C CONF -bp`, and the last line of
 * each one's msglog, into reason. */
static void ex_reasons(void *mta, struct lab_mta_msg *msgs, size_t n)
{
    lab_exim *x = mta;
    const char *args[] = {"-bp", NULL};
    struct dl_buf out = {0};
    char *line, *save = NULL;
    if (run_exim(x, args, NULL, &out, 30000) != 0) {
        dl_buf_free(&out);
        return;
    }
    dl_buf_append(&out, "", 1);
    /* "AGE SIZE ID <SENDER> [*** frozen ***]" then the recipients */
    for (line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char age[16], size[16], qid[32], last[512];
        struct lab_mta_msg *m;
        if (sscanf(line, " %15s %15s %31s", age, size, qid) != 3 ||
            (m = lab_mta_by_qid(msgs, n, qid, strlen(qid))) == NULL ||
            m->status != LAB_MTA_PENDING || m->reason[0] != '\0')
            continue;
        msglog_tail(x, qid, last, sizeof(last));
        snprintf(m->reason, sizeof(m->reason), "still in the queue%s%s%s",
                 strstr(line, "frozen") ? " (frozen)" : "", last[0] ? ": " : "", last);
    }
    dl_buf_free(&out);
}

/* /proc/PID/cmdline (its size is 0 to stat, so not dl_read_file): up to
 * len - 1 bytes, NUL-separated; returns the length read. */
static size_t read_cmdline(const char *pid, char *buf, size_t len)
{
    char path[64];
    size_t got = 0;
    int fd;
    snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    while (got < len - 1) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return got;
}

struct signalling {
    const lab_exim *x;
    int sig;
    size_t found;
};

/* One process: signalled when its command line has "-C CONF". */
static bool signal_if_ours(void *ctx, int pid, int ppid, char state)
{
    struct signalling *s = ctx;
    char text[4096], name[32];
    size_t len;
    (void)ppid;
    (void)state;
    snprintf(name, sizeof(name), "%d", pid);
    if (pid == (int)getpid() || (len = read_cmdline(name, text, sizeof(text))) == 0)
        return true;
    for (size_t i = 0; i + 3 < len; i += strlen(text + i) + 1)
        if (strcmp(text + i, "-C") == 0 && strcmp(text + i + 3, s->x->conf) == 0) {
            s->found++;
            kill((pid_t)pid, s->sig);
            break;
        }
    return true;
}

/* Processes whose command line has "-C CONF": SIGNAL them; how many. */
static size_t signal_instance(const lab_exim *x, int sig)
{
    struct signalling s = {.x = x, .sig = sig};
    lab_mta_proc_each(signal_if_ours, &s);
    return s.found;
}

/* The stop itself, in a process forked after lab_world_enter: it lives in
 * the lab's PID namespace, where /proc speaks of the same PIDs. Every
 * process of the instance (those whose command line names its
 * configuration): SIGTERM, bounded wait, SIGKILL. */
static void stop_here(const void *arg)
{
    const lab_exim *x = arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    /* Deliveries finishing (retry database, msglog) get up to 1 s to end
     * on their own, then SIGTERM, then after 2 s SIGKILL. */
    for (int i = 0; i < 20 && signal_instance(x, 0) > 0; i++)
        nanosleep(&ts, NULL);
    if (signal_instance(x, SIGTERM) == 0)
        return;
    for (int i = 0; i < 40 && signal_instance(x, 0) > 0; i++)
        nanosleep(&ts, NULL);
    signal_instance(x, SIGKILL);
}

static void ex_stop(void *mta)
{
    lab_mta_in_child(stop_here, mta);
}

/* --retry */

/* The retry rule's last cutoff (the largest time of its "F,TIME,..." or
 * "G,TIME,..." parts, Exim's specification 32.11): when an address that
 * keeps failing is given up. 0, or -1 with err set. */
static int rule_cutoff(const char *rule, long *secs, struct dl_error *err)
{
    const char *p = rule;
    *secs = 0;
    for (int parts = 0; *p && parts < 16; parts++) {
        char item[32];
        size_t len = strcspn(p, ";");
        int64_t t;
        const char *a = p + strspn(p, " \t"), *c1 = memchr(a, ',', len);
        size_t tlen = c1 ? strcspn(c1 + 1, ",;") : 0;
        if (c1 == NULL || (a[0] != 'F' && a[0] != 'G' && a[0] != 'H') || tlen == 0 ||
            tlen >= sizeof(item))
            return dl_error_set(err, "--exim-retry '%s': expected F,TIME,INTERVAL; ...", rule);
        snprintf(item, sizeof(item), "%.*s", (int)tlen, c1 + 1);
        if (dl_parse_duration(item, &t) != 0 || t <= 0)
            return dl_error_set(err, "--exim-retry '%s': '%s' is not a time", rule, item);
        if (t > *secs)
            *secs = (long)t;
        p += len + (p[len] == ';');
    }
    return *p ? dl_error_set(err, "--exim-retry '%s': too many parts", rule) : 0;
}

/* The clock's variables into x->env; its LD_PRELOAD joins nss_wrapper's. */
static int clock_env(lab_exim *x, const char *const *env, struct dl_error *err)
{
    for (const char *const *e = env; e && *e; e++) {
        bool joined = false;
        for (size_t i = 0; i < x->n_env && strncmp(*e, "LD_PRELOAD=", 11) == 0; i++)
            if (strncmp(x->env[i], "LD_PRELOAD=", 11) == 0) {
                char *both = dl_xasprintf("%s:%s", x->env[i], *e + 11);
                free(x->env[i]);
                x->env[i] = both;
                joined = true;
            }
        if (joined)
            continue;
        if (x->n_env >= MAX_ENV)
            return dl_error_set(err, "exim: more than %d environment variables", MAX_ENV);
        x->env[x->n_env++] = dl_xstrdup(*e);
    }
    return 0;
}

/* Configure for the virtual clock: its environment in every Exim process
 * (kept by keep_environment), timezone UTC, the retry rule (Exim's own by
 * default, not the lab's short one), the sender's maildir for the
 * non-delivery reports; exim_dumpdb found beside the binary. */
static int ex_retry(void *mta, const struct lab_mta_clock *c, struct dl_error *err)
{
    lab_exim *x = mta;
    const char *slash = strrchr(x->binary, '/');
    char *text;
    int rc;
    x->clock = c;
    x->dumpdb = dl_xasprintf("%.*s/exim_dumpdb", (int)(slash ? slash - x->binary : 1),
                             slash ? x->binary : ".");
    if (!executable(x->dumpdb))
        return dl_error_set(err,
                            "--retry: %s is missing (Exim's next retry times are read "
                            "with it; scripts/fetch-exim brings it, from exim4-base)",
                            x->dumpdb);
    if (rule_cutoff(x->rule, &x->lifetime, err) != 0 || clock_env(x, c->env, err) != 0 ||
        dl_mkdir_p(x->mail, 0755, err) != 0)
        return -1;
    if (chown(x->mail, x->uid, x->gid) != 0)
        return dl_error_set(err, "chown %s: %s", x->mail, strerror(errno));
    text = config(x, x->options, x->n_options);
    rc = dl_write_file(x->conf, text, strlen(text), 0644, err);
    free(text);
    return rc;
}

/* --schedule: the rule expressing profile p's schedule
 * (lab_mta_exim_rule), unless --exim-retry gave one: then that rule runs
 * and the comparison with the schedule judges it. */
static int ex_schedule(void *mta, enum dane_profile p, struct dl_error *err)
{
    lab_exim *x = mta;
    char rule[256];
    (void)err;
    if (x->rule_given) {
        snprintf(x->rule_from, sizeof(x->rule_from), "--exim-retry, compared with the %s schedule",
                 dane_profile_name(p));
        return 0;
    }
    free(x->rule);
    x->rule = dl_xstrdup(lab_exim_rule_for(p, rule, sizeof(rule)));
    snprintf(x->rule_from, sizeof(x->rule_from), "the %s schedule (%s, --schedule)",
             dane_profile_name(p), dane_retry_source(p));
    return 0;
}

/* `exim_dumpdb SPOOL retry`, at most every DUMP_MS or after the mainlog
 * grew (a delivery ended: its retry record changed). */
static const char *retry_dump(lab_exim *x)
{
    const char *args[] = {x->spool, "retry", NULL};
    const char *argv[MAX_ENV + 8];
    struct dl_buf out = {0};
    size_t n = 0;
    if (x->dump_offset == x->offset && dl_mono_ms() - x->dump_ms < DUMP_MS)
        return x->dump ? x->dump : "";
    argv[n++] = "env";
    for (size_t i = 0; i < x->n_env; i++)
        argv[n++] = x->env[i];
    argv[n++] = x->dumpdb;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    /* It fails while there is no retry database yet, or while a delivery
     * holds its lock: the last output stays, asked again DUMP_MS later. */
    x->dump_ms = dl_mono_ms();
    x->dump_offset = x->offset;
    if (lab_mta_run((char *const *)argv, NULL, &out, 10000) == 0) {
        dl_buf_append(&out, "", 1);
        dl_buf_free(&x->dump_buf);
        x->dump_buf = out;
        x->dump = x->dump_buf.data;
    } else
        dl_buf_free(&out);
    return x->dump ? x->dump : "";
}

/* Exim keeps no time per message: the next try of m's recipient is the
 * earliest next-try time of the retry records of its domain and hosts. */
static int ex_next_try(void *mta, const struct lab_mta_msg *m, time_t *when)
{
    lab_exim *x = mta;
    const char *at = strrchr(m->rcpt, '@');
    return at ? lab_exim_retry_next(retry_dump(x), at + 1, when) : 0;
}

/* `exim -q`: one queue run, waited for; a message whose retry time has
 * not come is skipped by Exim itself. Its failure is no error: the next
 * kick (lab_mta_retry) runs the queue again. */
static int ex_kick(void *mta, struct dl_error *err)
{
    lab_exim *x = mta;
    const char *args[] = {"-q", NULL};
    (void)err;
    run_exim(x, args, NULL, NULL, 60000);
    x->dump_ms = 0;
    return 0;
}

static long ex_lifetime(void *mta)
{
    const lab_exim *x = mta;
    return x->lifetime;
}

static char *ex_bounce(void *mta, const struct lab_mta_msg *m)
{
    const lab_exim *x = mta;
    return lab_mta_sender_report(x->mail, m->msgid);
}

/* The adapter table. */

static void *ex_create(const char *run_dir, bool ipv6, const struct lab_mta_option *opts,
                       size_t n_opts, struct dl_error *err)
{
    char **options = dl_xcalloc(n_opts + 1, sizeof(char *));
    const char *binary = NULL, *rule = NULL;
    size_t n = 0;
    lab_exim *x;
    for (size_t i = 0; i < n_opts; i++)
        if (strcmp(opts[i].flag, "exim-option") == 0)
            options[n++] = (char *)opts[i].value;
        else if (strcmp(opts[i].flag, "exim-binary") == 0)
            binary = opts[i].value;
        else if (strcmp(opts[i].flag, "exim-retry") == 0)
            rule = opts[i].value;
    x = exim_new(run_dir, binary, ipv6, options, n, rule, err);
    free(options);
    return x;
}

static const char *ex_version(void *mta)
{
    const lab_exim *x = mta;
    return x->version[0] ? x->version : NULL;
}

static const char *const ex_flags[] = {"exim-binary", "exim-option", "exim-retry", NULL};

const struct lab_mta_adapter lab_mta_exim = {
    .name = "exim",
    .flags = ex_flags,
    .usage = "--exim-binary PATH (default: scripts/fetch-exim's); --exim-option "
             "[dnslookup:|remote_smtp:]NAME=VALUE (to test the runner); --exim-retry RULE "
             "(with --retry; default \"" EXIM_RETRY_DEFAULT "\", or with --schedule the "
             "schedule's)",
    .create = ex_create,
    .where = ex_where,
    .version = ex_version,
    .start = ex_start,
    .inject = ex_inject,
    .poll = ex_poll,
    .queue_reasons = ex_reasons,
    .retry = ex_retry,
    .schedule = ex_schedule,
    .next_try = ex_next_try,
    .kick = ex_kick,
    .lifetime = ex_lifetime,
    .bounce = ex_bounce,
    .stop = ex_stop,
    .destroy = ex_destroy,
};
