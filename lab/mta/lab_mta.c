#include "lab_mta.h"

#include "dane_client.h"
#include "dane_dns.h"
#include "dane_tls.h"
#include "dl_log.h"
#include "dl_util.h"
#include "lab_conf.h"
#include "lab_mta_adapter.h"
#include "lab_mta_exim.h"
#include "lab_mta_command.h"
#include "lab_mta_postfix.h"
#include "lab_mta_retry.h"
#include "lab_mtareport.h"
#include "lab_report.h"
#include "lab_resconf.h"
#include "lab_verdict.h"
#include "lab_interrupt.h"
#include "lab_session.h"
#include "lab_world.h"
#include "scen.h"
#include "zone_tree.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARRIVALS 4

/* mta's options: the session's common ones, then its own. */
struct mta_opts {
    struct lab_session s;
    const struct lab_globals *g;
    const char *adapter;
    const struct lab_mta_adapter *ad;
    struct lab_mta_option *aopts; /* the adapter's own options, in order */
    size_t n_aopts;
    const char *known; /* --known FILE */
    int timeout;       /* seconds to wait for the batch */
    bool retry;        /* --retry: on the virtual clock (lab_mta_retry) */
    int schedule;      /* --schedule PROFILE: its dane_profile, or -1 */
    bool timeout_set;
};

/* One known deviation: `SCENARIO  REASON`. */
struct known {
    char *name, *reason;
};

struct mta_item {
    const struct scen *s;
    struct lab_mta_msg msg;
    bool ref_done;
    struct lab_ref_host ref[DANE_CLIENT_MAX_HOSTS];
    size_t n_ref;
    char ref_outcome[600];
    struct lab_arrival arr[MAX_ARRIVALS];
    size_t n_arr;
    const char *verdict; /* "pass", "known", "deviation", "leak" */
    /* the outcomes judged against (lab_verdict_out.accept): rfc7672's, or
     * with own set the one the validator's own DNS verdicts give */
    struct scen_accept accept;
    bool own;
    int matched; /* the alternative of accept met, or -1 */
    char why[1024];
    const char *known;
    size_t index;  /* in the catalogue */
    json_t *retry; /* --retry: the attempts (lab_mta_retry_json) */
    /* --schedule: whether the attempts departed from it, and how */
    bool sched_dev;
    char sched_why[512];
};

/* The adapters `danelab mta` knows. */
static const struct lab_mta_adapter *const adapters[] = {
    &lab_mta_postfix,
    &lab_mta_exim,
    &lab_mta_command,
};

static const struct lab_mta_adapter *find_adapter(const char *name)
{
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++)
        if (strcmp(adapters[i]->name, name) == 0)
            return adapters[i];
    return NULL;
}

static void adapter_names(char *buf, size_t len)
{
    size_t l = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]) && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? ", " : "", adapters[i]->name);
}

static const char mta_usage[] =
    "usage: danelab [GLOBAL-OPTIONS] mta ADAPTER [--scenario NAME]... [--tag T]...\n"
    "           [--shard K/N] [--json] [--junit FILE] [--html FILE] [--timeout SECS]\n"
    "           [--known FILE] [--keep-up] [--resolver R] [--retry [--schedule PROFILE]]\n"
    "           [ADAPTER-OPTIONS]\n"
    "Runs the MTA in the lab, one message per scenario (see danelab(1), MTA CONFORMANCE).\n";

/* Is argv[i] one of the adapter's own options (--FLAG VALUE)? */
static bool adapter_flag(const struct lab_mta_adapter *ad, const char *arg)
{
    if (ad == NULL || strncmp(arg, "--", 2) != 0)
        return false;
    for (const char *const *f = ad->flags; f && *f; f++)
        if (strcmp(arg + 2, *f) == 0)
            return true;
    return false;
}

/* mta's own options; 1 taken, 0 unknown, -1 a bad value (printed). */
static int mta_option(void *ctx, int argc, char **argv, int *i)
{
    struct mta_opts *o = ctx;
    const char *a = argv[*i];
    bool value = *i + 1 < argc;
    if (a == o->adapter)
        return 1; /* the adapter's name, found first */
    if (strcmp(a, "--known") == 0 && value)
        o->known = argv[++*i];
    else if (strcmp(a, "--retry") == 0)
        o->retry = true;
    else if (strcmp(a, "--schedule") == 0 && value) {
        if ((o->schedule = dane_profile_lookup(argv[++*i])) < 0) {
            dl_err("mta: --schedule '%s': expected exchange-online or rfc7672", argv[*i]);
            return -1;
        }
    } else if (adapter_flag(o->ad, a) && value) {
        o->aopts[o->n_aopts].flag = a + 2;
        o->aopts[o->n_aopts++].value = argv[++*i];
    } else if (strcmp(a, "--timeout") == 0 && value) {
        char *end;
        long v = strtol(argv[++*i], &end, 10);
        if (*end != '\0' || v < 1 || v > 3600) {
            dl_err("mta: --timeout '%s': expected seconds (1..3600)", argv[*i]);
            return -1;
        }
        o->timeout = (int)v;
        o->timeout_set = true;
    } else
        return 0;
    return 1;
}

/* The adapter first: its options are known only once it is. 0, 1 when
 * --help was printed, 2 on a usage error (printed). */
static int find_adapter_arg(int argc, char **argv, struct mta_opts *o)
{
    char names[128];
    adapter_names(names, sizeof(names));
    for (int i = 1; i < argc && o->adapter == NULL; i++)
        if (argv[i][0] != '-')
            o->adapter = argv[i];
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(mta_usage, stdout);
            printf("Adapters: %s.\n", names);
            for (size_t k = 0; k < sizeof(adapters) / sizeof(adapters[0]); k++)
                printf("  %-8s %s\n", adapters[k]->name, adapters[k]->usage);
            return 1;
        } else if (strcmp(argv[i], "--json") != 0 && strcmp(argv[i], "--keep-up") != 0 &&
                   strcmp(argv[i], "--retry") != 0)
            i++; /* an option's value */
    if (o->adapter == NULL) {
        dl_err("mta: which MTA? adapters: %s (see danelab mta --help)", names);
        return 2;
    }
    if ((o->ad = find_adapter(o->adapter)) == NULL) {
        dl_err("mta: no adapter '%s'; adapters: %s", o->adapter, names);
        return 2;
    }
    return 0;
}

/* 0, 1 when --help was printed, 2 on a usage error (printed). */
static int parse_opts(int argc, char **argv, struct mta_opts *o)
{
    char help[128];
    int rc;
    memset(o, 0, sizeof(*o));
    lab_session_init(&o->s, "mta", argc);
    o->timeout = 20;
    o->schedule = -1;
    o->aopts = dl_xcalloc((size_t)argc, sizeof(*o->aopts));
    if ((rc = find_adapter_arg(argc, argv, o)) != 0)
        return rc;
    snprintf(help, sizeof(help), "danelab mta %s --help", o->adapter);
    rc = lab_session_parse(&o->s, argc, argv, mta_option, o, help);
    if (rc == 1) {
        fputs(mta_usage, stdout);
        printf("Options of %s: %s\n", o->ad->name, o->ad->usage);
    }
    if (rc != 0)
        return rc;
    o->s.quiet = o->s.json;
    if (o->schedule >= 0 && !o->retry) {
        dl_err("mta: --schedule needs --retry (the schedule runs on the virtual clock)");
        return 2;
    }
    if (o->retry && !o->timeout_set)
        o->timeout = 120; /* days of virtual time, not one attempt */
    return 0;
}

#ifndef DANELAB_DATADIR
#define DANELAB_DATADIR "/usr/local/share/danelab" /* the Makefile passes its DATADIR */
#endif

/* The default known-deviations file of the adapter: beside the binary in
 * a source tree, else the installed data directory. */
static char *known_path(const char *adapter)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        const char *ups[] = {"..", "../.."};
        char *dir;
        exe[n] = '\0';
        dir = dirname(exe);
        for (size_t i = 0; i < 2; i++) {
            char *cand = dl_xasprintf("%s/%s/lab/mta/%s/known-deviations", dir, ups[i], adapter);
            if (access(cand, R_OK) == 0)
                return cand;
            free(cand);
        }
    }
    return dl_xasprintf("%s/mta/%s/known-deviations", DANELAB_DATADIR, adapter);
}

/* `SCENARIO  REASON` lines; # comments and blank lines ignored. */
static int load_known(const char *path, bool must, struct known **out, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[2048];
    unsigned ln = 0;
    *out = NULL;
    *n = 0;
    if (f == NULL) {
        if (!must && errno == ENOENT)
            return 0;
        dl_err("mta: %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *name, *reason;
        size_t l = strlen(line);
        ln++;
        while (l && (line[l - 1] == '\n' || line[l - 1] == ' ' || line[l - 1] == '\t'))
            line[--l] = '\0';
        p += strspn(p, " \t");
        if (*p == '\0' || *p == '#')
            continue;
        name = p;
        p += strcspn(p, " \t");
        if (*p == '\0') {
            dl_err("%s:%u: expected 'SCENARIO  REASON'", path, ln);
            fclose(f);
            return -1;
        }
        *p++ = '\0';
        reason = p + strspn(p, " \t");
        *out = dl_xrealloc(*out, (*n + 1) * sizeof(**out));
        (*out)[*n].name = dl_xstrdup(name);
        (*out)[(*n)++].reason = dl_xstrdup(reason);
    }
    fclose(f);
    return 0;
}

/* One run of the reference client (rfc7672) for `domain` at `now`,
 * through the lab's resolver. 0, or -1 with err set. */
static int ref_run(const char *run_dir, time_t now, SSL_CTX *tls, const char *domain,
                   struct dane_client_result *cr, struct dl_error *err)
{
    char anchor[PATH_MAX + 16], resolver[32];
    struct dane_dns_opts dns = {
        .trust_anchor = anchor, .resolver = resolver, .has_now = true, .now = now};
    struct dane_client_opts co = {.profile = DANE_PROFILE_RFC7672,
                                  .port = 25,
                                  .timeout_ms = 5000,
                                  .has_now = true,
                                  .now = now};
    dane_dns *d;
    int rc;
    snprintf(anchor, sizeof(anchor), "%s/root.key", run_dir);
    snprintf(resolver, sizeof(resolver), "%s@%d", LAB_ADDR_RESOLVER, LAB_DNS_PORT);
    if ((d = dane_dns_new(&dns, err)) == NULL)
        return -1;
    rc = dane_client_run(d, tls, &co, domain, cr, err);
    dane_dns_free(d);
    return rc;
}

/* The reference client's probe: which hosts it tried and which it
 * accepted (status delivered), and its outcome in words: evidence printed
 * beside a verdict, never its ground (lab_verdict). */
static void reference(struct mta_item *it, const char *run_dir, time_t now, SSL_CTX *tls)
{
    struct dane_client_result cr;
    struct dl_error err;
    it->ref_done = true;
    if (ref_run(run_dir, now, tls, it->s->domain, &cr, &err) != 0) {
        snprintf(it->ref_outcome, sizeof(it->ref_outcome), "reference client failed: %s", err.msg);
        return;
    }
    snprintf(it->ref_outcome, sizeof(it->ref_outcome), "%s %s (%s): %s",
             dane_status_name(cr.outcome.status), cr.outcome.code,
             dane_reason_name(cr.outcome.reason), cr.detail);
    for (size_t i = 0; i < cr.n_hosts && i < DANE_CLIENT_MAX_HOSTS; i++) {
        struct lab_ref_host *r = &it->ref[it->n_ref++];
        const struct dane_host_result *h = &cr.hosts[i];
        snprintf(r->name, sizeof(r->name), "%s", h->name);
        snprintf(r->address, sizeof(r->address), "%s", h->address);
        r->tried = h->tried;
        r->ok = r->tried && h->outcome.status == DANE_DELIVERED;
        r->reason = dane_reason_name(h->reason);
    }
    dane_client_result_clear(&cr);
}

/* fakesmtp's listeners: name -> maildir, from RUN/etc/fakesmtp.json. */
static json_t *listeners(const char *run_dir)
{
    char *path = dl_xasprintf("%s/etc/fakesmtp.json", run_dir);
    json_t *conf = json_load_file(path, 0, NULL), *map = json_object(), *l;
    size_t i;
    free(path);
    json_array_foreach(json_object_get(conf, "listeners"), i, l) {
        const char *name = json_string_value(json_object_get(l, "name"));
        json_t *md = json_object_get(l, "maildir");
        if (name && md)
            json_object_set(map, name, md);
    }
    json_decref(conf);
    return map;
}

/* Whether the maildir file holds "Message-ID: <msgid>". */
static bool file_has(const char *path, const char *msgid)
{
    char *text = NULL, *needle;
    size_t len;
    bool found = false;
    if (dl_read_file(path, 1 << 20, &text, &len, NULL) != 0)
        return false;
    needle = dl_xasprintf("<%s>", msgid);
    found = strstr(text, needle) != NULL;
    free(needle);
    free(text);
    return found;
}

static void copy(char *dst, size_t len, json_t *v)
{
    snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Read fakesmtp's session log from `offset` and record, for each item,
 * the sessions that stored its message. Returns how many sessions stored
 * one of ours. */
static size_t collect(const char *run_dir, long offset, json_t *maildirs, struct mta_item *items,
                      size_t n)
{
    char *path = dl_xasprintf("%s/log/fakesmtp.jsonl", run_dir), line[1 << 16];
    FILE *f = fopen(path, "r");
    size_t found = 0;
    for (size_t i = 0; i < n; i++)
        items[i].n_arr = 0;
    free(path);
    if (f == NULL || fseek(f, offset, SEEK_SET) != 0) {
        if (f)
            fclose(f);
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        json_t *sess = json_loads(line, 0, NULL), *m, *tls;
        const char *lname = json_string_value(json_object_get(sess, "listener"));
        const char *md = lname ? json_string_value(json_object_get(maildirs, lname)) : NULL;
        size_t k;
        tls = json_object_get(sess, "tls");
        json_array_foreach(json_object_get(sess, "messages"), k, m) {
            const char *file = json_string_value(json_object_get(m, "file"));
            char *fp;
            if (file == NULL || md == NULL)
                continue;
            fp = dl_xasprintf("%s/new/%s", md, file);
            for (size_t i = 0; i < n; i++) {
                struct lab_arrival *a;
                if (items[i].n_arr >= MAX_ARRIVALS || !file_has(fp, items[i].msg.msgid))
                    continue;
                a = &items[i].arr[items[i].n_arr++];
                found++;
                copy(a->host, sizeof(a->host), json_object_get(sess, "listener"));
                copy(a->address, sizeof(a->address), json_object_get(sess, "address"));
                a->tls = json_is_true(json_object_get(sess, "starttls")) && json_is_object(tls);
                copy(a->version, sizeof(a->version), json_object_get(tls, "version"));
                copy(a->sni, sizeof(a->sni), json_object_get(tls, "sni"));
                copy(a->cert, sizeof(a->cert), json_object_get(tls, "cert_sha256"));
                break;
            }
            free(fp);
        }
        json_decref(sess);
    }
    fclose(f);
    return found;
}

/* The known deviations: an entry named `prefix` + the scenario's name
 * ("retry:" for --retry) makes a deviation known. A LEAK is made known
 * only by an entry that says so ("LEAK: ..."): a documented bug of the
 * MTA (docs/findings.md), reported as known with the LEAK still in its
 * why, never silently as a deviation. */
static void apply_known(struct mta_item *it, enum lab_verdict v, const struct known *known,
                        size_t n_known, const char *prefix)
{
    size_t pl = strlen(prefix);
    it->known = NULL;
    if (v != LAB_VERDICT_DEVIATION && v != LAB_VERDICT_LEAK)
        return;
    for (size_t i = 0; i < n_known; i++)
        if (strncmp(known[i].name, prefix, pl) == 0 &&
            strcmp(known[i].name + pl, it->s->name) == 0 &&
            (v == LAB_VERDICT_DEVIATION || strncmp(known[i].reason, "LEAK", 4) == 0)) {
            it->verdict = "known";
            it->known = known[i].reason;
        }
}

/* The verdict joining the MTA's status and fakesmtp's records
 * (lab_verdict), then the known deviations. */
static void judge(struct mta_item *it, const struct known *known, size_t n_known, int timeout,
                  enum scen_validator validator)
{
    struct lab_verdict_in in = {.s = it->s,
                                .msg = &it->msg,
                                .arr = it->arr,
                                .n_arr = it->n_arr,
                                .ref = it->ref,
                                .n_ref = it->n_ref,
                                .timeout = timeout,
                                .validator = validator};
    struct lab_verdict_out out;
    if (it->msg.status == LAB_MTA_NO_STATUS)
        snprintf(it->msg.reason, sizeof(it->msg.reason),
                 "witness: fakesmtp and the timeout (no --status): %s",
                 it->n_arr ? "stored, counted as sent"
                           : "nothing stored, counted as not delivered");
    lab_verdict_judge(&in, &out);
    snprintf(it->why, sizeof(it->why), "%s", out.why);
    it->accept = out.accept;
    it->own = out.own;
    it->matched = out.matched;
    it->verdict = lab_verdict_name(out.verdict);
    apply_known(it, out.verdict, known, n_known, "");
}

static json_t *item_json(const struct mta_item *it, enum scen_validator validator)
{
    /* judged outcomes; with --retry (judged attempt by attempt, never by
     * judge()) the scenario's rfc7672 ones */
    const struct scen_accept *acc =
        it->accept.n_alt > 0 ? &it->accept : &it->s->expect[SCEN_PROFILE_RFC7672].deliver;
    json_t *arr = json_array(), *j;
    for (size_t i = 0; i < it->n_arr; i++) {
        const struct lab_arrival *a = &it->arr[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:b, s:s*, s:s*, s:s*}", "host", a->host, "address",
                           a->address, "tls", a->tls, "version", a->tls ? a->version : NULL, "sni",
                           a->sni[0] ? a->sni : NULL, "cert_sha256", a->cert[0] ? a->cert : NULL));
    }
    j = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                  "s:s}, s:{s:o}, s:s, s:s, s:s, s:s*, s:O*}",
                  "name", it->s->name, "domain", it->s->domain, "expected",
                  lab_report_accept_json(acc, it->matched), "mta", "status",
                  lab_mta_status_name(it->msg.status), "dsn", it->msg.dsn, "relay", it->msg.relay,
                  "reason", it->msg.reason, "queue_id", it->msg.qid, "message_id", it->msg.msgid,
                  "auth", lab_mta_auth_name(it->msg.auth), "auth_text", it->msg.auth_text,
                  "fakesmtp", "stored", arr, "reference", it->ref_outcome, "verdict", it->verdict,
                  "why", it->why, "known", it->known, "retry", it->retry);
    /* as run's JSON marks an RRset judged by the validator's own verdict */
    if (it->own)
        json_object_set_new(j, "validator_own",
                            json_pack("{s:s, s:s, s:s}", "validator",
                                      scen_validator_name(validator), "why", it->accept.alt[0].note,
                                      "ref", it->accept.rfc[0]));
    return j;
}

/* The accepted statuses: the one met, else "delivered|deferred". */
static void accepted_text(const struct scen_accept *a, int matched, char *buf, size_t len)
{
    size_t l = 0;
    buf[0] = '\0';
    if (matched >= 0) {
        snprintf(buf, len, "%s", a->alt[matched].status);
        return;
    }
    for (size_t i = 0; i < a->n_alt && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? "|" : "", a->alt[i].status);
}

static void item_text(const struct mta_item *it, const char *mta, bool tty)
{
    const char *v = it->verdict, *col = "";
    char seen[512] = "nothing stored", expected[128];
    if (tty)
        col = strcmp(v, "pass") == 0    ? "\033[32m"
              : strcmp(v, "known") == 0 ? "\033[33m"
                                        : "\033[31m";
    for (size_t i = 0, l = 0; i < it->n_arr && l < sizeof(seen); i++)
        l += (size_t)snprintf(seen + l, sizeof(seen) - l, "%s%s %s%s%s", i ? ", " : "",
                              it->arr[i].host, it->arr[i].tls ? it->arr[i].version : "plaintext",
                              it->arr[i].sni[0] ? " sni=" : "", it->arr[i].sni);
    accepted_text(&it->accept, it->matched, expected, sizeof(expected));
    printf("%s%-9s%s %-34s expected %-9s %s %-8s %-6s fakesmtp: %s\n", col,
           strcmp(v, "pass") == 0    ? "pass"
           : strcmp(v, "known") == 0 ? "known"
           : strcmp(v, "leak") == 0  ? "LEAK"
                                     : "DEVIATION",
           tty ? "\033[0m" : "", it->s->name, expected, mta, lab_mta_status_name(it->msg.status),
           it->msg.dsn[0] ? it->msg.dsn : "-", seen);
    if (strcmp(v, "pass") != 0) {
        if (it->msg.reason[0])
            printf("          %s: %s\n", mta, it->msg.reason);
        printf("          why: %s\n", it->why);
        if (it->known)
            printf("          known: %s\n", it->known);
    } else if (it->msg.status == LAB_MTA_NO_STATUS)
        printf("          %s\n", it->msg.reason);
    else if (it->own)
        printf("          %s\n", it->why);
    if (it->sched_why[0])
        printf("          schedule: %s: %s\n", it->sched_dev ? "DEVIATION" : "pass", it->sched_why);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* One conformance run inside the lab world (mta_child). */
struct mta_run {
    const struct lab_globals *g;
    const struct mta_opts *o;
    const struct lab_mta_adapter *ad;
    void *mta;    /* the adapter's instance */
    SSL_CTX *tls; /* the reference client's */
    struct mta_item *items;
    size_t n;
    struct known *known;
    size_t n_known;
    enum scen_validator validator; /* the lab's resolver, which the MTA asks */
    json_t *maildirs;              /* fakesmtp's listeners: name -> maildir */
    long offset;                   /* where fakesmtp's session log stood before the run */
    double t0;
};

/* One item per selected scenario: its message's ID and recipient. */
static void make_items(struct mta_run *r)
{
    const scen_catalog *cat = r->o->s.cat;
    r->items = dl_xcalloc(scen_catalog_count(cat) + 1, sizeof(*r->items));
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        struct mta_item *it;
        size_t dl = strlen(s->domain);
        if (!r->o->s.sel[i])
            continue;
        it = &r->items[r->n++];
        it->s = s;
        it->index = i;
        snprintf(it->msg.msgid, sizeof(it->msg.msgid), "danelab.%s.%lx.%ld@mta.danelab.invalid",
                 s->name, (unsigned long)time(NULL), (long)getpid());
        snprintf(it->msg.rcpt, sizeof(it->msg.rcpt), "postmaster@%.*s",
                 (int)(dl && s->domain[dl - 1] == '.' ? dl - 1 : dl), s->domain);
    }
}

/* Hand every message to the MTA, then poll it until nothing is pending
 * or --timeout passes; meanwhile the reference client probes each
 * domain. 0, or -1 when a message could not be injected (printed). */
static int deliver(struct mta_run *r)
{
    struct lab_mta_msg *msgs;
    struct dl_error err;
    double deadline;
    size_t pending, k = 0;
    for (size_t i = 0; i < r->n && !lab_interrupted(); i++)
        if (r->ad->inject(r->mta, &r->items[i].msg, r->items[i].s->name, &err) != 0) {
            dl_err("mta: %s: %s", r->items[i].s->name, err.msg);
            return -1;
        }
    deadline = dl_mono() + r->o->timeout;
    msgs = dl_xcalloc(r->n + 1, sizeof(*msgs));
    for (size_t i = 0; i < r->n; i++)
        msgs[i] = r->items[i].msg;
    for (;;) {
        pending = r->ad->poll(r->mta, msgs, r->n);
        if (lab_interrupted() || (pending == 0 && k >= r->n))
            break;
        if (k < r->n)
            reference(&r->items[k++], r->g->run_dir, r->g->now, r->tls);
        else if (dl_mono() > deadline)
            break;
        else
            dl_sleep_ms(200);
    }
    if (pending && r->ad->queue_reasons)
        r->ad->queue_reasons(r->mta, msgs, r->n);
    for (size_t i = 0; i < r->n; i++)
        r->items[i].msg = msgs[i];
    free(msgs);
    return 0;
}

/* fakesmtp logs a session when it ends: wait (bounded) until every
 * message the MTA calls sent has its session. */
static void await_sessions(struct mta_run *r)
{
    for (int tries = 0; tries < 30 && !lab_interrupted(); tries++) {
        size_t sent = 0;
        for (size_t i = 0; i < r->n; i++)
            sent += r->items[i].msg.status == LAB_MTA_SENT;
        if (collect(r->g->run_dir, r->offset, r->maildirs, r->items, r->n) >= sent)
            break;
        dl_sleep_ms(100);
    }
}

/* Judge every item, print the report (text or --json), write --junit
 * and --html. The exit status: 0, 1 (a deviation or a leak), 2. */
static int report(struct mta_run *r)
{
    const struct mta_opts *o = r->o;
    unsigned counts[4] = {0}; /* pass, known, deviation, leak */
    unsigned sched_devs = 0;  /* --schedule: departures from it */
    json_t *list = json_array(), *top;
    struct dl_error err;
    bool bad_json = false;
    int rc;
    for (size_t i = 0; i < r->n; i++) {
        const char *v;
        if (!o->retry)
            judge(&r->items[i], r->known, r->n_known, o->timeout, r->validator);
        v = r->items[i].verdict;
        sched_devs += r->items[i].sched_dev;
        counts[strcmp(v, "pass") == 0        ? 0
               : strcmp(v, "known") == 0     ? 1
               : strcmp(v, "deviation") == 0 ? 2
                                             : 3]++;
        json_t *ij = item_json(&r->items[i], r->validator);
        if (ij == NULL) { /* never a scenario silently missing from the report */
            dl_err("mta: %s: its JSON could not be made", r->items[i].s->name);
            bad_json = true;
        }
        json_array_append_new(list, ij);
        if (!o->s.json)
            item_text(&r->items[i], r->ad->name, isatty(STDOUT_FILENO));
    }
    top = json_pack("{s:s, s:s, s:s, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:f}}", "mta", o->adapter,
                    "resolver", scen_validator_name(r->validator), "config_directory",
                    r->ad->where(r->mta), "scenarios", list, "summary", "scenarios", (int)r->n,
                    "passed", counts[0], "known", counts[1], "deviations", counts[2], "leaks",
                    counts[3], "seconds", dl_mono() - r->t0);
    if (o->schedule >= 0)
        json_object_set_new(json_object_get(top, "summary"), "schedule_deviations",
                            json_integer(sched_devs));
    if (o->s.shard_n)
        json_object_set_new(top, "shard",
                            json_pack("{s:i, s:i}", "index", o->s.shard_k, "count", o->s.shard_n));
    if (r->ad->version && r->ad->version(r->mta))
        json_object_set_new(top, "version", json_string(r->ad->version(r->mta)));
    if (o->s.json) {
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
    } else
        printf("%s%s%s: %zu scenarios: %u passed, %u known deviations, %u deviations, %u leaks "
               "(%.1f s)\n",
               o->adapter, r->validator == SCEN_VALIDATOR_UNBOUND ? "" : " behind ",
               r->validator == SCEN_VALIDATOR_UNBOUND ? "" : scen_validator_name(r->validator),
               r->n, counts[0], counts[1], counts[2], counts[3], dl_mono() - r->t0);
    if (!o->s.json && o->schedule >= 0)
        printf("%s: the %s schedule: %u of %zu scenarios departed from it\n", o->adapter,
               dane_profile_name((enum dane_profile)o->schedule), sched_devs, r->n);
    rc = bad_json ? 2 : counts[2] || counts[3] || sched_devs ? 1 : 0;
    if (o->s.junit_f &&
        (lab_mtareport_junit(o->s.junit_f, top) != 0 || fclose(o->s.junit_f) != 0)) {
        dl_err("mta: --junit %s: %s", o->s.junit, strerror(errno));
        rc = 2;
    }
    if (o->s.html_f &&
        (lab_mtareport_html(o->s.html_f, top, NULL, &err) != 0 || fclose(o->s.html_f) != 0)) {
        dl_err("mta: --html %s: %s", o->s.html, strerror(errno));
        rc = 2;
    }
    json_decref(top);
    return rc;
}

/* The known deviations, the lab world joined, the reference client's TLS
 * context and the adapter's instance. 0, or -1 (printed). */
static int setup(struct mta_run *r)
{
    const struct mta_opts *o = r->o;
    char *kpath = o->known ? dl_xstrdup(o->known) : known_path(o->adapter), *slog;
    struct dl_error err;
    int rc = load_known(kpath, o->known != NULL, &r->known, &r->n_known);
    free(kpath);
    if (rc != 0)
        return -1;
    if (lab_world_enter(r->g->run_dir, &err) != 0 || (r->tls = dane_tls_ctx_new(&err)) == NULL ||
        (r->mta = r->ad->create(r->g->run_dir, r->g->netns, o->aopts, o->n_aopts, &err)) == NULL) {
        dl_err("mta: %s", err.msg);
        return -1;
    }
    /* same order as scen_validator (lab_resconf.c) */
    r->validator = (enum scen_validator)lab_resconf_current(r->g->run_dir);
    slog = dl_xasprintf("%s/log/fakesmtp.jsonl", r->g->run_dir);
    r->offset = file_size(slog);
    free(slog);
    r->maildirs = listeners(r->g->run_dir);
    return 0;
}

static void teardown(struct mta_run *r)
{
    if (r->mta)
        r->ad->destroy(r->mta);
    SSL_CTX_free(r->tls);
    json_decref(r->maildirs);
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].msg.att);
        json_decref(r->items[i].retry);
    }
    for (size_t i = 0; i < r->n_known; i++) {
        free(r->known[i].name);
        free(r->known[i].reason);
    }
    free(r->known);
    free(r->items);
}

/* --retry: the reference client's outcome at an attempt's time. */
static void retry_ref(void *ctx, const struct scen *s, time_t when, struct lab_mta_attempt *a)
{
    const struct mta_run *r = ctx;
    struct dane_client_result cr;
    struct dl_error err;
    if (ref_run(r->g->run_dir, when, r->tls, s->domain, &cr, &err) != 0) {
        snprintf(a->ref_code, sizeof(a->ref_code), "error");
        snprintf(a->ref_reason, sizeof(a->ref_reason), "%.39s", err.msg);
        return;
    }
    a->ref_delivers = cr.outcome.status == DANE_DELIVERED;
    snprintf(a->ref_code, sizeof(a->ref_code), "%s", cr.outcome.code);
    snprintf(a->ref_reason, sizeof(a->ref_reason), "%s", dane_reason_name(cr.outcome.reason));
    dane_client_result_clear(&cr);
}

/* --retry: inject every message, then drive the MTA along the virtual
 * clock (lab_mta_retry); each item judged and its attempts kept. 0, or -1
 * (printed). */
static int retry_deliver(struct mta_run *r, struct lab_mta_retry *rt, struct lab_mta_retry_item *ri)
{
    struct dl_error err;
    for (size_t i = 0; i < r->n && !lab_interrupted(); i++)
        if (r->ad->inject(r->mta, &r->items[i].msg, r->items[i].s->name, &err) != 0) {
            dl_err("mta: %s: %s", r->items[i].s->name, err.msg);
            return -1;
        }
    if (lab_mta_retry_drive(rt, ri, r->n, &err) != 0) {
        dl_err("mta: %s", err.msg);
        return -1;
    }
    return 0;
}

/* --retry's judgement, after fakesmtp's sessions are collected; the
 * known deviations named "retry:SCENARIO" apply. */
static void retry_judge(struct mta_run *r, const struct lab_mta_retry *rt,
                        struct lab_mta_retry_item *ri)
{
    for (size_t i = 0; i < r->n; i++) {
        struct mta_item *it = &r->items[i];
        enum lab_verdict v =
            lab_mta_retry_judge(rt, &ri[i], it->arr, it->n_arr, it->why, sizeof(it->why));
        it->verdict = lab_verdict_name(v);
        it->matched = -1;
        apply_known(it, v, r->known, r->n_known, "retry:");
        if (rt->scheduled)
            it->sched_dev =
                lab_mta_retry_schedule(rt, &ri[i], it->sched_why, sizeof(it->sched_why));
        it->retry = lab_mta_retry_json(rt, &ri[i]);
    }
}

/* The whole --retry run once set up (mta_child). */
static int retry_child(struct mta_run *r)
{
    struct lab_mta_retry rt = {
        .ad = r->ad,
        .mta = r->mta,
        .env = {.run_dir = r->g->run_dir, .now = r->g->now, .cat = r->o->s.cat},
        .ref = retry_ref,
        .ref_ctx = r,
        .timeout_s = r->o->timeout,
        .scheduled = r->o->schedule >= 0,
        .schedule = r->o->schedule >= 0 ? (enum dane_profile)r->o->schedule : DANE_PROFILE_RFC7672};
    struct lab_mta_retry_item *ri = dl_xcalloc(r->n + 1, sizeof(*ri));
    struct dl_error err;
    int rc = 2;
    for (size_t i = 0; i < r->n; i++) {
        ri[i].s = r->items[i].s;
        ri[i].index = r->items[i].index;
        ri[i].msg = &r->items[i].msg;
    }
    if (lab_mta_retry_prepare(&rt, ri, r->n, &err) != 0 || r->ad->start(r->mta, &err) != 0)
        dl_err("mta: %s", err.msg);
    else if (retry_deliver(r, &rt, ri) == 0) {
        await_sessions(r);
        r->ad->stop(r->mta);
        collect(r->g->run_dir, r->offset, r->maildirs, r->items, r->n);
        retry_judge(r, &rt, ri);
        rc = lab_interrupted() ? 2 : report(r);
    }
    r->ad->stop(r->mta);
    if (lab_mta_retry_finish(&rt, ri, r->n, &err) != 0) {
        dl_err("mta: --retry: putting the lab back: %s", err.msg);
        rc = 2;
    }
    free(ri);
    return rc;
}

/* Inside the lab world (a child of the session): the whole conformance
 * run. SIGINT/SIGTERM (the handler of lab_session, kept across the fork)
 * end the waits early; the MTA is stopped on every path once started. */
static int mta_child(void *ctx)
{
    struct mta_run r = {.o = ctx, .t0 = dl_mono()};
    struct dl_error err;
    int rc = 2;
    r.g = r.o->g;
    r.ad = r.o->ad;
    make_items(&r);
    if (setup(&r) != 0)
        goto out;
    if (r.o->retry) {
        rc = retry_child(&r);
        goto out;
    }
    if (r.ad->start(r.mta, &err) != 0)
        dl_err("mta: %s", err.msg);
    else if (deliver(&r) == 0) {
        await_sessions(&r);
        r.ad->stop(r.mta);
        collect(r.g->run_dir, r.offset, r.maildirs, r.items, r.n);
        if (lab_interrupted())
            dl_err("mta: interrupted; the %s instance is stopped", r.ad->name);
        else
            rc = report(&r);
    }
    r.ad->stop(r.mta); /* idempotent; whatever happened after start */
out:
    teardown(&r);
    fflush(stdout);
    return rc;
}

/* The scenarios `mta` can check: those with an rfc7672 expectation. */
static bool has_rfc7672(const struct scen *s)
{
    return s->expect[SCEN_PROFILE_RFC7672].set;
}

int lab_mta_main(const struct lab_globals *g, int argc, char **argv)
{
    struct mta_opts o;
    /* The child stops its MTA on SIGINT/SIGTERM (it gets the signal too,
     * or is sent SIGTERM), and is killed only when it hangs. */
    struct lab_session_child child = {
        .main = mta_child, .ctx = &o, .what = "the MTA run", .grace_s = 20, .record = false};
    int rc = parse_opts(argc, argv, &o);

    o.g = g;
    if (rc != 0) {
        rc = rc == 1 ? 0 : 2; /* 1: --help was printed */
        goto out;
    }
    rc = 2;
    if (lab_session_prepare(&o.s, g, has_rfc7672) != 0 || lab_session_open_outputs(&o.s) != 0)
        goto out;
    rc = lab_session_run(&o.s, g, &child);
out:
    lab_session_free(&o.s);
    free(o.aopts);
    return rc;
}
