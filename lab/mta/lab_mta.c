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
#include "lab_refresh.h"
#include "lab_mtareport.h"
#include "lab_report.h"
#include "lab_verdict.h"
#include "lab_world.h"
#include "scen.h"
#include "scen_select.h"
#include "zone_tree.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARRIVALS 4

struct mta_opts {
    const char *adapter;
    const struct lab_mta_adapter *ad;
    bool json, keep_up;
    char **only, **tags;
    size_t n_only, n_tags;
    struct lab_mta_option *aopts; /* the adapter's own options, in order */
    size_t n_aopts;
    unsigned shard_k, shard_n; /* --shard K/N; 0: all */
    const char *junit, *html;
    FILE *junit_f, *html_f;
    const char *known; /* --known FILE */
    int timeout;       /* seconds to wait for the batch */
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
    int matched;         /* the rfc7672 alternative met, or -1 */
    char why[1024];
    const char *known;
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
    "           [--known FILE] [--keep-up] [ADAPTER-OPTIONS]\n"
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

static int parse_opts(int argc, char **argv, struct mta_opts *o)
{
    char names[128];
    memset(o, 0, sizeof(*o));
    o->timeout = 20;
    o->only = dl_xcalloc((size_t)argc, sizeof(char *));
    o->tags = dl_xcalloc((size_t)argc, sizeof(char *));
    o->aopts = dl_xcalloc((size_t)argc, sizeof(*o->aopts));
    adapter_names(names, sizeof(names));
    /* The adapter first: its options are known only once it is. */
    for (int i = 1; i < argc && o->adapter == NULL; i++)
        if (argv[i][0] != '-')
            o->adapter = argv[i];
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(mta_usage, stdout);
            printf("Adapters: %s.\n", names);
            for (size_t k = 0; k < sizeof(adapters) / sizeof(adapters[0]); k++)
                printf("  %-8s %s\n", adapters[k]->name, adapters[k]->usage);
            return 1;
        } else if (strcmp(argv[i], "--json") != 0 && strcmp(argv[i], "--keep-up") != 0)
            i++; /* an option's value */
    if (o->adapter == NULL) {
        dl_err("mta: which MTA? adapters: %s (see danelab mta --help)", names);
        return 2;
    }
    if ((o->ad = find_adapter(o->adapter)) == NULL) {
        dl_err("mta: no adapter '%s'; adapters: %s", o->adapter, names);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], o->adapter) == 0 && argv[i] == o->adapter)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            o->json = true;
        else if (strcmp(argv[i], "--keep-up") == 0)
            o->keep_up = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(mta_usage, stdout);
            printf("Options of %s: %s\n", o->ad->name, o->ad->usage);
            return 1;
        } else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            o->only[o->n_only++] = argv[++i];
        else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
            o->tags[o->n_tags++] = argv[++i];
        else if (strcmp(argv[i], "--junit") == 0 && i + 1 < argc)
            o->junit = argv[++i];
        else if (strcmp(argv[i], "--html") == 0 && i + 1 < argc)
            o->html = argv[++i];
        else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc)
            o->known = argv[++i];
        else if (strcmp(argv[i], "--shard") == 0 && i + 1 < argc) {
            if (scen_select_parse_shard(argv[++i], &o->shard_k, &o->shard_n) != 0) {
                dl_err("mta: --shard '%s': expected K/N with 1 <= K <= N", argv[i]);
                return 2;
            }
        } else if (adapter_flag(o->ad, argv[i]) && i + 1 < argc) {
            o->aopts[o->n_aopts].flag = argv[i] + 2;
            o->aopts[o->n_aopts++].value = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 1 || v > 3600) {
                dl_err("mta: --timeout '%s': expected seconds (1..3600)", argv[i]);
                return 2;
            }
            o->timeout = (int)v;
        } else {
            dl_err("mta: unknown argument '%s' (see danelab mta %s --help)", argv[i], o->adapter);
            return 2;
        }
    }
    return 0;
}

static bool selected(const struct mta_opts *o, const struct scen *s)
{
    bool name_ok = o->n_only == 0;
    if (!s->expect[SCEN_PROFILE_RFC7672].set)
        return false;
    for (size_t i = 0; i < o->n_only; i++)
        name_ok = name_ok || strcmp(o->only[i], s->name) == 0;
    return name_ok && scen_select_has_tag(s, o->tags, o->n_tags);
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

/* The reference client's probe: which hosts it tried and which it
 * accepted (status delivered), and its outcome in words: evidence printed
 * beside a verdict, never its ground (lab_verdict). */
static void reference(struct mta_item *it, const char *run_dir, time_t now, SSL_CTX *tls)
{
    char anchor[PATH_MAX + 16], resolver[32];
    struct dane_dns_opts dns = {
        .trust_anchor = anchor, .resolver = resolver, .has_now = true, .now = now};
    struct dane_client_opts co = {.profile = DANE_PROFILE_RFC7672,
                                  .port = 25,
                                  .timeout_ms = 5000,
                                  .has_now = true,
                                  .now = now};
    struct dane_client_result cr;
    struct dl_error err;
    dane_dns *d;
    it->ref_done = true;
    snprintf(anchor, sizeof(anchor), "%s/root.key", run_dir);
    snprintf(resolver, sizeof(resolver), "%s@%d", LAB_ADDR_RESOLVER, LAB_DNS_PORT);
    if ((d = dane_dns_new(&dns, &err)) == NULL ||
        dane_client_run(d, tls, &co, it->s->domain, &cr, &err) != 0) {
        snprintf(it->ref_outcome, sizeof(it->ref_outcome), "reference client failed: %s", err.msg);
        dane_dns_free(d);
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
    dane_dns_free(d);
}

/* fakesmtp's listeners: name -> maildir, from RUN/etc/fakesmtp.json. */
static json_t *listeners(const char *run_dir)
{
    char *path = dl_xasprintf("%s/etc/fakesmtp.json", run_dir);
    json_t *conf = json_load_file(path, 0, NULL), *map = json_object(), *l;
    size_t i;
    free(path);
    json_array_foreach(json_object_get(conf, "listeners"), i, l)
    {
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
        json_array_foreach(json_object_get(sess, "messages"), k, m)
        {
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

/* The verdict joining the MTA's status and fakesmtp's records
 * (lab_verdict), then the known deviations. */
static void judge(struct mta_item *it, const struct known *known, size_t n_known, int timeout)
{
    struct lab_verdict_in in = {.s = it->s,
                                .msg = &it->msg,
                                .arr = it->arr,
                                .n_arr = it->n_arr,
                                .ref = it->ref,
                                .n_ref = it->n_ref,
                                .timeout = timeout};
    struct lab_verdict_out out;
    if (it->msg.status == LAB_MTA_NO_STATUS)
        snprintf(it->msg.reason, sizeof(it->msg.reason),
                 "witness: fakesmtp and the timeout (no --status): %s",
                 it->n_arr ? "stored, counted as sent"
                           : "nothing stored, counted as not delivered");
    lab_verdict_judge(&in, &out);
    snprintf(it->why, sizeof(it->why), "%s", out.why);
    it->matched = out.matched;
    it->verdict = lab_verdict_name(out.verdict);
    it->known = NULL;
    if (out.verdict != LAB_VERDICT_DEVIATION && out.verdict != LAB_VERDICT_LEAK)
        return;
    /* A LEAK is made known only by an entry that says so ("LEAK: ..."):
     * a documented bug of the MTA (docs/findings.md), reported as known
     * with the LEAK still in its why, never silently as a deviation. */
    for (size_t i = 0; i < n_known; i++)
        if (strcmp(known[i].name, it->s->name) == 0 &&
            (out.verdict == LAB_VERDICT_DEVIATION || strncmp(known[i].reason, "LEAK", 4) == 0)) {
            it->verdict = "known";
            it->known = known[i].reason;
        }
}

static json_t *item_json(const struct mta_item *it)
{
    const struct scen_expect *e = &it->s->expect[SCEN_PROFILE_RFC7672];
    json_t *arr = json_array();
    for (size_t i = 0; i < it->n_arr; i++) {
        const struct lab_arrival *a = &it->arr[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:b, s:s*, s:s*, s:s*}", "host", a->host, "address",
                           a->address, "tls", a->tls, "version", a->tls ? a->version : NULL, "sni",
                           a->sni[0] ? a->sni : NULL, "cert_sha256", a->cert[0] ? a->cert : NULL));
    }
    return json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                     "s:s}, s:{s:o}, s:s, s:s, s:s, s:s*}",
                     "name", it->s->name, "domain", it->s->domain, "expected",
                     lab_report_accept_json(&e->deliver, it->matched), "mta", "status",
                     lab_mta_status_name(it->msg.status), "dsn", it->msg.dsn, "relay",
                     it->msg.relay, "reason", it->msg.reason, "queue_id", it->msg.qid, "message_id",
                     it->msg.msgid, "auth", lab_mta_auth_name(it->msg.auth), "auth_text",
                     it->msg.auth_text, "fakesmtp", "stored", arr, "reference", it->ref_outcome,
                     "verdict", it->verdict, "why", it->why, "known", it->known);
}

/* The accepted statuses: the one met, else "delivered|deferred". */
static void accepted_text(const struct scen_expect *e, int matched, char *buf, size_t len)
{
    size_t l = 0;
    buf[0] = '\0';
    if (matched >= 0) {
        snprintf(buf, len, "%s", e->deliver.alt[matched].status);
        return;
    }
    for (size_t i = 0; i < e->deliver.n_alt && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? "|" : "", e->deliver.alt[i].status);
}

static void item_text(const struct mta_item *it, const char *mta, bool tty)
{
    const struct scen_expect *e = &it->s->expect[SCEN_PROFILE_RFC7672];
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
    accepted_text(e, it->matched, expected, sizeof(expected));
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
}

static volatile sig_atomic_t stop_now;

static void on_stop(int sig)
{
    stop_now = sig;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Inside the lab world (a child): the whole conformance run. */
static int mta_child(const struct lab_globals *g, const scen_catalog *cat, const struct mta_opts *o)
{
    struct sigaction sa = {.sa_handler = on_stop};
    struct dl_error err;
    struct known *known = NULL;
    size_t n_known = 0, n = 0, pending;
    struct mta_item *items;
    const struct lab_mta_adapter *ad = o->ad;
    void *mta = NULL;
    bool started = false, *sel = NULL;
    SSL_CTX *tls = NULL;
    json_t *maildirs = NULL, *list, *top;
    char *kpath = o->known ? dl_xstrdup(o->known) : known_path(o->adapter), *slog;
    unsigned counts[4] = {0}; /* pass, known, deviation, leak */
    long offset;
    double t0 = dl_mono(), deadline;
    int rc = 2;

    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    items = dl_xcalloc(scen_catalog_count(cat) + 1, sizeof(*items));
    if (load_known(kpath, o->known != NULL, &known, &n_known) != 0)
        goto out;
    if (lab_world_enter(g->run_dir, &err) != 0 || (tls = dane_tls_ctx_new(&err)) == NULL ||
        (mta = ad->create(g->run_dir, o->aopts, o->n_aopts, &err)) == NULL) {
        dl_err("mta: %s", err.msg);
        goto out;
    }
    sel = dl_xcalloc(scen_catalog_count(cat) + 1, sizeof(bool));
    for (size_t i = 0; i < scen_catalog_count(cat); i++)
        sel[i] = selected(o, scen_catalog_get(cat, i));
    if (o->shard_n)
        scen_select_shard(cat, sel, o->shard_k, o->shard_n);
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        struct mta_item *it;
        size_t dl = strlen(s->domain);
        if (!sel[i])
            continue;
        it = &items[n++];
        it->s = s;
        snprintf(it->msg.msgid, sizeof(it->msg.msgid), "danelab.%s.%lx.%ld@mta.danelab.invalid",
                 s->name, (unsigned long)time(NULL), (long)getpid());
        snprintf(it->msg.rcpt, sizeof(it->msg.rcpt), "postmaster@%.*s",
                 (int)(dl && s->domain[dl - 1] == '.' ? dl - 1 : dl), s->domain);
    }
    slog = dl_xasprintf("%s/log/fakesmtp.jsonl", g->run_dir);
    offset = file_size(slog);
    free(slog);
    maildirs = listeners(g->run_dir);
    started = true; /* whatever happens, stop is called */
    if (ad->start(mta, &err) != 0) {
        dl_err("mta: %s", err.msg);
        goto out;
    }
    for (size_t i = 0; i < n && !stop_now; i++)
        if (ad->inject(mta, &items[i].msg, items[i].s->name, &err) != 0) {
            dl_err("mta: %s: %s", items[i].s->name, err.msg);
            goto out;
        }
    /* While Postfix delivers, the reference client probes each domain. */
    deadline = dl_mono() + o->timeout;
    pending = n;
    {
        struct lab_mta_msg *msgs = dl_xcalloc(n + 1, sizeof(*msgs));
        size_t r = 0;
        for (size_t i = 0; i < n; i++)
            msgs[i] = items[i].msg;
        for (;;) {
            pending = ad->poll(mta, msgs, n);
            if (stop_now || (pending == 0 && r >= n))
                break;
            if (r < n)
                reference(&items[r++], g->run_dir, g->now, tls);
            else if (dl_mono() > deadline)
                break;
            else
                dl_sleep_ms(200);
        }
        if (pending && ad->queue_reasons)
            ad->queue_reasons(mta, msgs, n);
        for (size_t i = 0; i < n; i++)
            items[i].msg = msgs[i];
        free(msgs);
    }
    /* fakesmtp logs a session when it ends: wait (bounded) until every
     * message Postfix calls sent has its session. */
    for (int tries = 0; tries < 30 && !stop_now; tries++) {
        size_t sent = 0;
        for (size_t i = 0; i < n; i++)
            sent += items[i].msg.status == LAB_MTA_SENT;
        if (collect(g->run_dir, offset, maildirs, items, n) >= sent)
            break;
        dl_sleep_ms(100);
    }
    ad->stop(mta);
    collect(g->run_dir, offset, maildirs, items, n);
    if (stop_now) {
        dl_err("mta: interrupted; the %s instance is stopped", ad->name);
        goto out;
    }
    list = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *v;
        judge(&items[i], known, n_known, o->timeout);
        v = items[i].verdict;
        counts[strcmp(v, "pass") == 0        ? 0
               : strcmp(v, "known") == 0     ? 1
               : strcmp(v, "deviation") == 0 ? 2
                                             : 3]++;
        json_array_append_new(list, item_json(&items[i]));
        if (!o->json)
            item_text(&items[i], ad->name, isatty(STDOUT_FILENO));
    }
    top = json_pack("{s:s, s:s, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:f}}", "mta", o->adapter,
                    "config_directory", ad->where(mta), "scenarios", list, "summary", "scenarios",
                    (int)n, "passed", counts[0], "known", counts[1], "deviations", counts[2],
                    "leaks", counts[3], "seconds", dl_mono() - t0);
    if (o->shard_n)
        json_object_set_new(top, "shard",
                            json_pack("{s:i, s:i}", "index", o->shard_k, "count", o->shard_n));
    if (ad->version && ad->version(mta))
        json_object_set_new(top, "version", json_string(ad->version(mta)));
    if (o->json) {
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
    } else
        printf("%s: %zu scenarios: %u passed, %u known deviations, %u deviations, %u leaks "
               "(%.1f s)\n",
               o->adapter, n, counts[0], counts[1], counts[2], counts[3], dl_mono() - t0);
    rc = counts[2] || counts[3] ? 1 : 0;
    if (o->junit_f && (lab_mtareport_junit(o->junit_f, top) != 0 || fclose(o->junit_f) != 0)) {
        dl_err("mta: --junit %s: %s", o->junit, strerror(errno));
        rc = 2;
    }
    if (o->html_f &&
        (lab_mtareport_html(o->html_f, top, NULL, &err) != 0 || fclose(o->html_f) != 0)) {
        dl_err("mta: --html %s: %s", o->html, strerror(errno));
        rc = 2;
    }
    json_decref(top);
out:
    if (started)
        ad->stop(mta);
    if (mta)
        ad->destroy(mta);
    SSL_CTX_free(tls);
    json_decref(maildirs);
    for (size_t i = 0; i < n_known; i++) {
        free(known[i].name);
        free(known[i].reason);
    }
    free(known);
    free(kpath);
    free(items);
    free(sel);
    fflush(stdout);
    return rc;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
}

int lab_mta_main(const struct lab_globals *g, int argc, char **argv)
{
    struct mta_opts o;
    scen_catalog *cat = NULL;
    zone_tree *tree = NULL;
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    struct lab_status st;
    struct dl_error err;
    bool started = false, was;
    int rc = 2, status;
    pid_t pid;

    if ((rc = parse_opts(argc, argv, &o)) != 0) {
        rc = rc == 1 ? 0 : 2; /* 1: --help was printed */
        goto out;
    }
    rc = 2;
    if (lab_up_load(g, &cat) != 0 || lab_up_prepare(g, cat, &tree, o.json) != 0)
        goto out;
    for (size_t i = 0; i < o.n_only; i++)
        if (scen_catalog_find(cat, o.only[i]) == NULL) {
            dl_err("mta: no scenario named '%s' in the catalogue", o.only[i]);
            goto out;
        }
    if (o.junit && (o.junit_f = fopen(o.junit, "w")) == NULL) {
        dl_err("mta: --junit %s: %s", o.junit, strerror(errno));
        goto out;
    }
    if (o.html && (o.html_f = fopen(o.html, "w")) == NULL) {
        dl_err("mta: --html %s: %s", o.html, strerror(errno));
        goto out;
    }
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (lab_world_status(g->run_dir, &st, &err) != 0) {
        dl_err("%s", err.msg);
        goto restore;
    }
    if (!st.running) {
        if (lab_up_start(g, cat, tree, !o.keep_up) != 0)
            goto restore;
        started = true;
    } else if (lab_up_refresh(g, cat, tree, o.json) != 0)
        goto restore;
    fflush(stdout);
    if ((pid = fork()) < 0) {
        dl_err("mta: fork: %s", strerror(errno));
        goto down;
    }
    if (pid == 0)
        _exit(mta_child(g, cat, &o));
    /* The child stops its Postfix on SIGINT/SIGTERM; it gets the signal
     * too (or is forwarded it), and is killed only when it hangs. */
    for (double t_int = 0;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            status = 2 << 8;
            break;
        }
        if (interrupted && t_int == 0) {
            t_int = dl_mono();
            kill(pid, SIGTERM);
        }
        if (t_int > 0 && dl_mono() - t_int > 20)
            kill(pid, SIGKILL);
        dl_sleep_ms(50);
    }
    rc = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
    if (interrupted)
        rc = 2;
down:
    if (started && (!o.keep_up || interrupted) && lab_world_down(g->run_dir, &was, &err) != 0) {
        dl_err("mta: %s", err.msg);
        rc = 2;
    }
restore:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
out:
    if (o.junit_f)
        fclose(o.junit_f);
    if (o.html_f)
        fclose(o.html_f);
    zone_tree_free(tree);
    scen_catalog_free(cat);
    free(o.only);
    free(o.tags);
    free(o.aopts);
    return rc;
}
