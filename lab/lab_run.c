#include "lab_run.h"

#include "dl_util.h"
#include "lab_deliver.h"
#include "lab_dnscheck.h"
#include "lab_report.h"
#include "lab_timeline.h"
#include "lab_world.h"
#include "scen.h"
#include "zone_tree.h"

#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct run_opts {
    bool json;
    bool keep_up;
    bool tap;    /* --tap: TAP 13 on stdout instead of the table */
    int profile; /* --profile: only this one's delivery expectations; -1: all */
    char **only; /* --scenario NAME, repeatable */
    size_t n_only;
    const char *junit;  /* --junit FILE */
    FILE *junit_f;      /* opened by run before the lab starts */
    const char *tlsrpt; /* --tlsrpt DIR */
    char *tlsrpt_dir;   /* its absolute path, made by run */
    unsigned shard_k;   /* --shard K/N; 0: no sharding */
    unsigned shard_n;
    bool *sel;    /* catalogue index -> selected (--scenario, --shard) */
    size_t n_sel; /* how many */
};

/* "K/N" with 1 <= K <= N. */
static int parse_shard(const char *text, unsigned *k, unsigned *n)
{
    char *end;
    unsigned long a, b;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    a = strtoul(text, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9')
        return -1;
    b = strtoul(end + 1, &end, 10);
    if (*end != '\0' || b < 1 || b > 100000 || a < 1 || a > b)
        return -1;
    *k = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->profile = -1;
    o->only = dl_xcalloc((size_t)argc, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            o->json = true;
        else if (strcmp(argv[i], "--keep-up") == 0)
            o->keep_up = true;
        else if (strcmp(argv[i], "--tap") == 0)
            o->tap = true;
        else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc)
            o->only[o->n_only++] = argv[++i];
        else if (strcmp(argv[i], "--junit") == 0 && i + 1 < argc)
            o->junit = argv[++i];
        else if (strcmp(argv[i], "--tlsrpt") == 0 && i + 1 < argc)
            o->tlsrpt = argv[++i];
        else if (strcmp(argv[i], "--shard") == 0 && i + 1 < argc) {
            if (parse_shard(argv[++i], &o->shard_k, &o->shard_n) != 0) {
                dl_err("run: --shard '%s': expected K/N with 1 <= K <= N", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            if ((o->profile = scen_profile_lookup(argv[++i])) < 0) {
                dl_err("run: --profile '%s': expected rfc7672 or exchange-online", argv[i]);
                return 2;
            }
        } else {
            dl_err("run: unknown argument '%s' (see danelab --help)", argv[i]);
            return 2;
        }
    }
    if (o->json && o->tap) {
        dl_err("run: --json and --tap both print on stdout; choose one");
        return 2;
    }
    return 0;
}

static bool named(const struct run_opts *o, const struct scen *s)
{
    if (o->n_only == 0)
        return true;
    for (size_t i = 0; i < o->n_only; i++)
        if (strcmp(o->only[i], s->name) == 0)
            return true;
    return false;
}

static const scen_catalog *sort_cat;

static int by_name(const void *a, const void *b)
{
    return strcmp(scen_catalog_get(sort_cat, *(const size_t *)a)->name,
                  scen_catalog_get(sort_cat, *(const size_t *)b)->name);
}

/* o->sel: the scenarios named by --scenario (all by default), then with
 * --shard K/N those whose rank in name order, counted from 0, is K-1
 * modulo N: every scenario in exactly one shard, the same on every
 * machine, the shards' sizes within one of each other. */
static void select_scenarios(struct run_opts *o, const scen_catalog *cat)
{
    size_t n = scen_catalog_count(cat), m = 0;
    size_t *idx = dl_xcalloc(n + 1, sizeof(size_t));
    o->sel = dl_xcalloc(n + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++)
        if (named(o, scen_catalog_get(cat, i)))
            idx[m++] = i;
    sort_cat = cat;
    qsort(idx, m, sizeof(size_t), by_name);
    o->n_sel = 0;
    for (size_t r = 0; r < m; r++)
        if (o->shard_n == 0 || r % o->shard_n == o->shard_k - 1) {
            o->sel[idx[r]] = true;
            o->n_sel++;
        }
    free(idx);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The verdict declared for RRset `k` (the MX one derived when unset). */
static struct scen_verdict expected(const struct scen *s, enum scen_rrset k)
{
    struct scen_verdict v = s->expect_dns[k];
    if (k == SCEN_RRSET_MX)
        v.verdict = scen_expected_dnssec(s);
    return v;
}

static const char *mark(bool pass, bool tty)
{
    return pass ? (tty ? "\033[32mok\033[0m  " : "ok  ") : (tty ? "\033[31mFAIL\033[0m" : "FAIL");
}

static json_t *rrset_json(const struct scen *s, enum scen_rrset k,
                          const struct lab_dnscheck_result *r, bool pass)
{
    struct scen_verdict v = expected(s, k);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "rrset", scen_rrset_name(k), "name",
                  r->qname, "type", r->qtype, "expected", scen_dnssec_name(v.verdict), "observed",
                  scen_dnssec_name(r->observed), "rcode", r->rcode, "why", r->why, "pass", pass);
    if (v.reason != NULL)
        json_object_set_new(o, "reason", json_string(v.reason));
    if (r->canonname[0])
        json_object_set_new(o, "canonname", json_string(r->canonname));
    return o;
}

static json_t *result_json(const struct scen *s, const struct lab_dnscheck_result *r,
                           const bool pass[SCEN_RRSET_COUNT], bool all)
{
    const struct lab_dnscheck_result *mx = &r[SCEN_RRSET_MX];
    json_t *sets = json_array();
    for (int k = 0; k < SCEN_RRSET_COUNT; k++)
        if (k == SCEN_RRSET_MX || s->expect_dns[k].verdict != SCEN_DNSSEC_UNSET)
            json_array_append_new(sets, rrset_json(s, (enum scen_rrset)k, &r[k], pass[k]));
    return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:s, s:i, s:s}, s:o, s:b}", "name", s->name,
                     "domain", s->domain, "check", "dnssec", "expected", "dnssec",
                     scen_dnssec_name(scen_expected_dnssec(s)), "observed", "dnssec",
                     scen_dnssec_name(mx->observed), "rcode", mx->rcode, "why", mx->why, "rrsets",
                     sets, "pass", all);
}

/* One line for the scenario (its MX verdict), one more per other RRset
 * declared in `expect: dns:`. */
static void result_text(const struct scen *s, const struct lab_dnscheck_result *r,
                        const bool pass[SCEN_RRSET_COUNT], bool all, bool tty)
{
    printf("%s %-28s expected %-9s observed %-9s %s\n", mark(all, tty), s->name,
           scen_dnssec_name(scen_expected_dnssec(s)), scen_dnssec_name(r[0].observed), r[0].why);
    for (int k = 1; k < SCEN_RRSET_COUNT; k++) {
        struct scen_verdict v = expected(s, (enum scen_rrset)k);
        char want[96];
        if (v.verdict == SCEN_DNSSEC_UNSET)
            continue;
        snprintf(want, sizeof(want), "%s%s%s%s", scen_dnssec_name(v.verdict), v.reason ? " (" : "",
                 v.reason ? v.reason : "", v.reason ? ")" : "");
        printf("     %s %-4s %s %s: expected %s, observed %s: %s\n", mark(pass[k], tty),
               scen_rrset_name((enum scen_rrset)k), r[k].qname, r[k].qtype, want,
               scen_dnssec_name(r[k].observed), r[k].why);
    }
}

/* Check one scenario; returns whether every declared verdict was met. */
static bool check_one(lab_dnscheck *dc, const struct scen *s, struct lab_dnscheck_result *r,
                      bool pass[SCEN_RRSET_COUNT])
{
    struct dl_error err;
    bool all = true;
    if (lab_dnscheck_rrsets(dc, s, r, &err) != 0) {
        for (int k = 0; k < SCEN_RRSET_COUNT; k++)
            if (r[k].why[0] == '\0') {
                r[k].observed = SCEN_DNSSEC_UNSET;
                snprintf(r[k].why, sizeof(r[k].why), "%s", err.msg);
            }
    }
    for (int k = 0; k < SCEN_RRSET_COUNT; k++) {
        struct scen_verdict v = expected(s, (enum scen_rrset)k);
        pass[k] = v.verdict == SCEN_DNSSEC_UNSET || lab_dnscheck_meets(&v, &r[k]);
        all = all && pass[k];
    }
    return all;
}

/* The delivery expectations of the selected profiles, by the reference
 * client; r[p].profile is -1 for a profile not checked. */
static bool checked_profile(const struct scen *s, const struct run_opts *o, int p)
{
    return s->expect[p].set && (o->profile < 0 || o->profile == p);
}

/* Set when a TLS-RPT report could not be written: the run exits 2. */
static bool tlsrpt_failed;

/* With --tlsrpt DIR, the sessions of every profile checked go to the
 * report DIR/DOMAIN.json (DOMAIN without its final dot). */
/* The retry timeline of scenario i under each checked profile with a
 * `retry:` expectation; tr[p].n is 0 for a profile not run. */
static bool timeline_all(lab_timeline *tl, const struct scen *s, size_t i, const bool checked[],
                         struct lab_timeline_result tr[SCEN_PROFILE_COUNT],
                         struct lab_deliver_result r[SCEN_PROFILE_COUNT])
{
    bool all = true;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        struct dl_error err;
        memset(&tr[p], 0, sizeof(tr[p]));
        if (!checked[p] || !s->expect[p].retry.set)
            continue;
        if (lab_timeline_run(tl, i, (enum scen_profile)p, &tr[p], &err) != 0) {
            tr[p].pass = false;
            snprintf(tr[p].mismatch, sizeof(tr[p].mismatch), "%s", err.msg);
        }
        if (!tr[p].pass && r[p].pass) {
            r[p].pass = false;
            snprintf(r[p].mismatch, sizeof(r[p].mismatch), "retry: %s", tr[p].mismatch);
        }
        all = all && tr[p].pass;
    }
    return all;
}

static bool deliver_all(lab_deliver *ld, const struct scen *s, const struct run_opts *o,
                        struct lab_deliver_result r[SCEN_PROFILE_COUNT], bool checked[],
                        double secs[], time_t now)
{
    bool all = true, any = false;
    dane_tlsrpt *rpt = o->tlsrpt_dir ? dane_tlsrpt_new(s->domain) : NULL;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        struct dl_error err;
        double t0 = mono();
        checked[p] = checked_profile(s, o, p);
        if (!checked[p])
            continue;
        any = true;
        if (lab_deliver_check_report(ld, s, (enum scen_profile)p, &r[p], rpt, &err) != 0) {
            r[p].pass = false;
            snprintf(r[p].mismatch, sizeof(r[p].mismatch), "%s", err.msg);
        }
        secs[p] = mono() - t0;
        all = all && r[p].pass;
    }
    if (rpt && any) {
        struct dl_error err;
        size_t n = strlen(s->domain);
        char *path = dl_xasprintf("%s/%.*s.json", o->tlsrpt_dir,
                                  (int)(n > 1 && s->domain[n - 1] == '.' ? n - 1 : n), s->domain);
        if (dane_tlsrpt_write(rpt, path, now, now, &err) != 0) {
            dl_err("run: --tlsrpt: %s", err.msg);
            tlsrpt_failed = true;
        }
        free(path);
    }
    dane_tlsrpt_free(rpt);
    return all;
}

/* "+1h30" */
static const char *offset_text(int64_t at, char *buf, size_t len)
{
    snprintf(buf, len, "+%lldh%02lld", (long long)(at / 3600), (long long)(at % 3600 / 60));
    return buf;
}

/* The attempts of a timeline, on one line per run of equal outcomes. */
static void timeline_text(const struct lab_timeline_result *t)
{
    for (size_t k = 0; k < t->n;) {
        const struct lab_attempt *a = &t->attempts[k];
        size_t j = k + 1;
        char t1[32], t2[32];
        while (j < t->n && strcmp(t->attempts[j].observed.code, a->observed.code) == 0 &&
               t->attempts[j].observed.status == a->observed.status)
            j++;
        if (j - k == 1)
            printf("          attempt %zu at %s: %s %s (%s)\n", k + 1,
                   offset_text(a->at, t1, sizeof(t1)), dane_status_name(a->observed.status),
                   a->observed.code, dane_reason_name(a->observed.reason));
        else
            printf("          attempts %zu-%zu at %s..%s: %s %s (%s)\n", k + 1, j,
                   offset_text(a->at, t1, sizeof(t1)),
                   offset_text(t->attempts[j - 1].at, t2, sizeof(t2)),
                   dane_status_name(a->observed.status), a->observed.code,
                   dane_reason_name(a->observed.reason));
        k = j;
    }
}

static void deliver_text(const struct scen *s, const struct lab_deliver_result r[],
                         const bool checked[], const struct lab_timeline_result tr[], bool tty)
{
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        if (!checked[p])
            continue;
        printf("     %s %-15s %s %s (%s)%s%s\n", mark(r[p].pass, tty),
               scen_profile_name((enum scen_profile)p), dane_status_name(r[p].observed.status),
               r[p].observed.code, dane_reason_name(r[p].observed.reason), r[p].pass ? "" : ": ",
               r[p].pass ? "" : r[p].mismatch);
        if (tr[p].n > 0) {
            const struct lab_attempt *last = &tr[p].attempts[tr[p].n - 1];
            char t1[32];
            printf("          retry: %zu attempt%s, final %s %s at %s%s%s\n", tr[p].n,
                   tr[p].n == 1 ? "" : "s", dane_status_name(last->observed.status),
                   last->observed.code, offset_text(last->at, t1, sizeof(t1)),
                   tr[p].pass ? "" : ": ", tr[p].pass ? "" : tr[p].mismatch);
            timeline_text(&tr[p]);
        }
    }
    (void)s;
}

static json_t *retry_expected_json(const struct scen_retry *e)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s*}", "status", e->status, "code", e->code, "reason", e->reason);
    if (e->attempts)
        json_object_set_new(o, "attempts", json_integer(e->attempts));
    if (e->at >= 0)
        json_object_set_new(o, "at", json_integer(e->at));
    if (e->n_codes) {
        json_t *c = json_array();
        for (size_t k = 0; k < e->n_codes; k++)
            json_array_append_new(c, json_pack("{s:I, s:s}", "at", (json_int_t)e->codes[k].at,
                                               "code", e->codes[k].code));
        json_object_set_new(o, "codes", c);
    }
    return o;
}

/* "timeline": {"expected": {...}, "attempts": [{"at", "status", "code",
 * "reason", "final", "detail"}...], "pass", "mismatch"} */
static json_t *timeline_json(const struct scen_retry *e, const struct lab_timeline_result *t)
{
    json_t *a = json_array();
    for (size_t k = 0; k < t->n; k++) {
        const struct lab_attempt *x = &t->attempts[k];
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:s, s:s*, s:b, s:s}", "at", (json_int_t)x->at, "status",
                         dane_status_name(x->observed.status), "code", x->observed.code, "reason",
                         dane_reason_name(x->observed.reason), "tlsrpt", x->observed.tlsrpt,
                         "final", x->final, "detail", x->detail));
    }
    return json_pack("{s:o, s:o, s:b, s:s*}", "expected", retry_expected_json(e), "attempts", a,
                     "pass", t->pass, "mismatch", t->pass ? NULL : t->mismatch);
}

static json_t *deliver_json(const struct scen *s, const struct lab_deliver_result r[],
                            const bool checked[], const double secs[],
                            const struct lab_timeline_result tr[])
{
    json_t *a = json_array();
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        const struct scen_expect *e = &s->expect[p];
        const struct dane_outcome *o = &r[p].observed;
        if (!checked[p])
            continue;
        json_array_append_new(
            a,
            json_pack("{s:s, s:{s:s, s:s, s:s*, s:s*}, s:{s:s, s:s, s:s, s:s*, s:s}, s:b, "
                      "s:s*}",
                      "profile", scen_profile_name((enum scen_profile)p), "expected", "status",
                      e->status, "code", e->code, "reason", e->reason, "tlsrpt", e->tlsrpt,
                      "observed", "status", dane_status_name(o->status), "code", o->code, "reason",
                      dane_reason_name(o->reason), "tlsrpt", o->tlsrpt, "detail", r[p].detail,
                      "pass", r[p].pass, "mismatch", r[p].pass ? NULL : r[p].mismatch));
        json_object_set_new(json_array_get(a, json_array_size(a) - 1), "seconds",
                            json_real(secs[p]));
        if (e->retry.set)
            json_object_set_new(json_array_get(a, json_array_size(a) - 1), "timeline",
                                timeline_json(&e->retry, &tr[p]));
    }
    return a;
}

/* The number of checks (TAP test points) of the selected scenarios. */
static size_t count_checks(const scen_catalog *cat, const struct run_opts *o)
{
    size_t n = 0;
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        if (!o->sel[i])
            continue;
        n++;
        for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
            n += checked_profile(s, o, p);
    }
    return n;
}

/* The progress line on a terminal: "[12/60] name", overwritten. */
static void progress(bool on, size_t k, size_t n, const char *name)
{
    if (!on)
        return;
    if (name)
        fprintf(stderr, "\r\033[K[%zu/%zu] %s", k, n, name);
    else
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* Inside the lab world (a child process): check every selected scenario
 * and print the report. Exit status 0 all passed, 1 some deviated, 2 error. */
static int check_all(const struct lab_cmd_globals *g, const scen_catalog *cat,
                     const struct run_opts *o)
{
    struct dl_error err;
    lab_dnscheck *dc;
    lab_deliver *ld = NULL;
    lab_timeline *tl = NULL;
    json_t *list = json_array(), *top;
    bool text = !o->json && !o->tap;
    bool tty = text && isatty(STDOUT_FILENO);
    bool on_term = tty && isatty(STDERR_FILENO);
    unsigned passed = 0, failed = 0;
    size_t k = 0, point = 0;
    double t0 = mono();
    int rc;

    if (lab_world_enter(g->run_dir, &err) != 0 ||
        (dc = lab_dnscheck_new(g->run_dir, &err)) == NULL ||
        (ld = lab_deliver_new(g->run_dir, g->now, &err)) == NULL ||
        (tl = lab_timeline_new(g->run_dir, g->now, cat, &err)) == NULL) {
        dl_err("run: %s", err.msg);
        json_decref(list);
        return 2;
    }
    if (o->tap)
        lab_report_tap_plan(stdout, count_checks(cat, o));
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        struct lab_dnscheck_result r[SCEN_RRSET_COUNT];
        struct lab_deliver_result dr[SCEN_PROFILE_COUNT];
        struct lab_timeline_result tr[SCEN_PROFILE_COUNT];
        bool pass[SCEN_RRSET_COUNT], checked[SCEN_PROFILE_COUNT], all;
        double secs[SCEN_PROFILE_COUNT] = {0}, ts = mono();
        json_t *one;
        if (!o->sel[i])
            continue;
        progress(on_term, ++k, o->n_sel, s->name);
        all = check_one(dc, s, r, pass);
        all = deliver_all(ld, s, o, dr, checked, secs, g->now) && all;
        all = timeline_all(tl, s, i, checked, tr, dr) && all;
        all ? passed++ : failed++;
        one = result_json(s, r, pass, all);
        json_object_set_new(one, "delivery", deliver_json(s, dr, checked, secs, tr));
        json_object_set_new(one, "seconds", json_real(mono() - ts));
        if (!all)
            json_object_set_new(one, "trace", lab_report_trace(g->run_dir, s->name, s->domain));
        json_array_append_new(list, one);
        progress(on_term, 0, 0, NULL);
        if (o->tap)
            lab_report_tap_scenario(stdout, one, &point);
        else if (text) {
            result_text(s, r, pass, all, tty);
            deliver_text(s, dr, checked, tr, tty);
            if (!all) {
                json_t *t = json_object_get(one, "trace");
                printf("     see  %s (listener *.%s); %s\n",
                       json_string_value(json_object_get(t, "smtp_log")),
                       json_string_value(json_object_get(t, "domain")),
                       json_string_value(json_object_get(t, "explain")));
            }
        }
    }
    lab_dnscheck_free(dc);
    lab_deliver_free(ld);
    lab_timeline_free(tl);
    top = json_pack("{s:o, s:{s:i, s:i, s:f}}", "scenarios", list, "summary", "passed", passed,
                    "failed", failed, "seconds", mono() - t0);
    if (o->shard_n)
        json_object_set_new(top, "shard",
                            json_pack("{s:i, s:i}", "index", o->shard_k, "count", o->shard_n));
    rc = tlsrpt_failed ? 2 : failed ? 1 : 0;
    if (o->json) {
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
    } else if (o->tap)
        printf("# %u passed, %u failed\n", passed, failed);
    else
        printf("%u passed, %u failed\n", passed, failed);
    if (o->junit_f) {
        if (lab_report_junit(o->junit_f, top) != 0 || fclose(o->junit_f) != 0) {
            dl_err("run: --junit %s: %s", o->junit, strerror(errno));
            rc = 2;
        }
    }
    json_decref(top);
    fflush(stdout);
    return rc;
}

/* Set by SIGINT/SIGTERM while the checker runs, so that run still stops
 * the lab it started: a handler can only tell the waiting loop by a flag. */
static volatile sig_atomic_t run_interrupted;

static void on_interrupt(int sig)
{
    run_interrupted = sig;
}

/* The checker runs in a child: it joins the lab's namespaces, and run
 * itself must stay outside to stop the lab afterwards. */
static int check_in_child(const struct lab_cmd_globals *g, const scen_catalog *cat,
                          const struct run_opts *o)
{
    int status;
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        dl_err("run: fork: %s", strerror(errno));
        return 2;
    }
    if (pid == 0)
        _exit(check_all(g, cat, o));
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            break;
        if (run_interrupted)
            kill(pid, SIGKILL);
    }
    if (run_interrupted)
        return 2;
    if (WIFSIGNALED(status)) {
        dl_err("run: the checker was killed by signal %d", WTERMSIG(status));
        return 2;
    }
    return WEXITSTATUS(status);
}

/* Make sure a lab runs; *started tells whether we started it. */
static int ensure_up(const struct lab_cmd_globals *g, const scen_catalog *cat,
                     const zone_tree *tree, bool *started)
{
    struct lab_status st;
    struct dl_error err;
    *started = false;
    if (lab_world_status(g->run_dir, &st, &err) != 0) {
        dl_err("%s", err.msg);
        return -1;
    }
    if (st.running) {
        dl_info("using the lab already running from %s", g->run_dir);
        return 0;
    }
    if (lab_cmd_start(g, cat, tree) != 0)
        return -1;
    *started = true;
    return 0;
}

int lab_run_main(const struct lab_cmd_globals *g, int argc, char **argv)
{
    struct run_opts o;
    scen_catalog *cat = NULL;
    zone_tree *tree = NULL;
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    struct dl_error err;
    struct stat st;
    bool started = false, was;
    int rc = 2;

    if (parse_opts(argc, argv, &o) != 0)
        goto out;
    if (lab_cmd_load(g, &cat) != 0 || lab_cmd_prepare(g, cat, &tree, o.json || o.tap) != 0)
        goto out;
    for (size_t i = 0; i < o.n_only; i++)
        if (scen_catalog_find(cat, o.only[i]) == NULL) {
            dl_err("run: no scenario named '%s' in the catalogue", o.only[i]);
            goto out;
        }
    select_scenarios(&o, cat);
    if (o.junit && (o.junit_f = fopen(o.junit, "w")) == NULL) {
        dl_err("run: --junit %s: %s", o.junit, strerror(errno));
        goto out;
    }
    if (o.tlsrpt && dl_mkdir_p(o.tlsrpt, 0755, &err) != 0) {
        dl_err("run: --tlsrpt: %s", err.msg);
        goto out;
    }
    if (o.tlsrpt && ((o.tlsrpt_dir = realpath(o.tlsrpt, NULL)) == NULL ||
                     stat(o.tlsrpt_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        dl_err("run: --tlsrpt %s: %s", o.tlsrpt,
               o.tlsrpt_dir == NULL ? strerror(errno) : "not a directory");
        goto out;
    }
    /* From here on SIGINT/SIGTERM only set a flag: the lab we start is
     * always stopped again, whenever the signal comes. */
    run_interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if (ensure_up(g, cat, tree, &started) == 0 && !run_interrupted)
        rc = check_in_child(g, cat, &o);
    if (started && (!o.keep_up || run_interrupted) && lab_world_down(g->run_dir, &was, &err) != 0) {
        dl_err("run: %s", err.msg);
        rc = 2;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (run_interrupted) {
        dl_err("run: interrupted by signal %d%s", (int)run_interrupted,
               started ? "; the lab it started is stopped" : "");
        rc = 2;
    }
out:
    if (o.junit_f)
        fclose(o.junit_f); /* the checker wrote and closed its own copy */
    zone_tree_free(tree);
    scen_catalog_free(cat);
    free(o.tlsrpt_dir);
    free(o.sel);
    free(o.only);
    return rc;
}
