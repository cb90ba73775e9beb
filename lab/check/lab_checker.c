#include "lab_checker.h"

#include "dane_retry.h"
#include "dl_util.h"
#include "lab_deliver.h"
#include "lab_dnscheck.h"
#include "lab_html.h"
#include "lab_pool.h"
#include "lab_report.h"
#include "lab_timeline.h"
#include "lab_world.h"
#include "scen.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The verdict declared for RRset `k` (the MX one derived when unset),
 * validator val's own where the scenario states one. */
static struct scen_verdict expected(const struct scen *s, enum scen_rrset k,
                                    enum scen_validator val)
{
    return scen_expected_dns(s, k, val);
}

static json_t *rrset_json(const struct scen *s, enum scen_rrset k,
                          const struct lab_dnscheck_result *r, bool pass, enum scen_validator val)
{
    struct scen_verdict v = expected(s, k, val);
    const struct scen_dns_by *by = &s->expect_dns_by[val];
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:b}", "rrset", scen_rrset_name(k), "name",
                  r->qname, "type", r->qtype, "expected", scen_dnssec_name(v.verdict), "observed",
                  scen_dnssec_name(r->observed), "rcode", r->rcode, "why", r->why, "pass", pass);
    if (v.reason != NULL)
        json_object_set_new(o, "reason", json_string(v.reason));
    if (r->canonname[0])
        json_object_set_new(o, "canonname", json_string(r->canonname));
    if (r->ede >= 0) { /* RFC 8914, from a resolver asked directly */
        json_object_set_new(o, "ede", json_integer(r->ede));
        json_object_set_new(o, "ede_text", json_string(r->ede_text));
    }
    if (by->set && by->dns[k].verdict != SCEN_DNSSEC_UNSET) /* this validator's own verdict */
        json_object_set_new(o, "validator_own",
                            json_pack("{s:s, s:s}", "why", by->why, "ref", by->ref));
    return o;
}

static json_t *result_json(const struct scen *s, const struct lab_dnscheck_result *r,
                           const bool pass[SCEN_RRSET_COUNT], bool all, enum scen_validator val)
{
    const struct lab_dnscheck_result *mx = &r[SCEN_RRSET_MX];
    json_t *sets = json_array();
    for (int k = 0; k < SCEN_RRSET_COUNT; k++)
        if (k == SCEN_RRSET_MX || expected(s, (enum scen_rrset)k, val).verdict != SCEN_DNSSEC_UNSET)
            json_array_append_new(sets, rrset_json(s, (enum scen_rrset)k, &r[k], pass[k], val));
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:i, s:s}, s:o, s:b}", "name", s->name,
                     "domain", s->domain, "check", "dnssec", "validator", scen_validator_name(val),
                     "expected", "dnssec",
                     scen_dnssec_name(expected(s, SCEN_RRSET_MX, val).verdict), "observed",
                     "dnssec", scen_dnssec_name(mx->observed), "rcode", mx->rcode, "why", mx->why,
                     "rrsets", sets, "pass", all);
}

/* "validator_dns" (run --resolvers): every RRset looked up, with an
 * expectation or not, {"validator", "rrsets": [rrset_json...], "pass"}:
 * what lab_valmatrix compares between validators. */
static json_t *validator_json(const struct scen *s, const struct lab_dnscheck_result *r,
                              const bool pass[SCEN_RRSET_COUNT], enum scen_validator val)
{
    json_t *sets = json_array();
    bool all = true;
    for (int k = 0; k < SCEN_RRSET_COUNT; k++) {
        if (r[k].qname[0] == '\0') /* no MX host: not looked up */
            continue;
        json_array_append_new(sets, rrset_json(s, (enum scen_rrset)k, &r[k], pass[k], val));
        all = all && pass[k];
    }
    return json_pack("{s:s, s:o, s:b}", "validator", scen_validator_name(val), "rrsets", sets,
                     "pass", all);
}

/* The first infrastructure error met while checking a scenario: a check
 * that could not be made (a server that did not confirm a world change in
 * its bounded wait, a resolver that could not be set up). It makes the
 * scenario an error, never a verdict: the run exits 2. */
struct infra {
    char msg[512];
};

static void infra_note(struct infra *e, const char *what, const char *msg)
{
    if (e->msg[0] == '\0')
        snprintf(e->msg, sizeof(e->msg), "%s%s", what, msg);
}

/* The DNS check of one scenario, through the reference client's resolver
 * context when the verdicts are the in-process validator's (its memo
 * then holds the answers for the delivery: lab_deliver.h); returns
 * whether every declared verdict was met. */
static bool check_one(lab_dnscheck *dc, lab_deliver *ld, const struct scen *s,
                      struct lab_dnscheck_result *r, bool pass[SCEN_RRSET_COUNT],
                      struct infra *infra)
{
    struct dl_error err;
    dane_dns *via = NULL;
    bool all = true;
    lab_dnscheck_results_init(r); /* also when the context cannot be made */
    if ((lab_dnscheck_validates(dc) && (via = lab_deliver_resolver(ld, s, &err)) == NULL) ||
        lab_dnscheck_rrsets(dc, via, s, r, &err) != 0) {
        infra_note(infra, "dns: ", err.msg);
        for (int k = 0; k < SCEN_RRSET_COUNT; k++)
            if (r[k].why[0] == '\0') {
                r[k].observed = SCEN_DNSSEC_UNSET;
                snprintf(r[k].why, sizeof(r[k].why), "%s", err.msg);
            }
    }
    for (int k = 0; k < SCEN_RRSET_COUNT; k++) {
        struct scen_verdict v = expected(s, (enum scen_rrset)k, lab_dnscheck_validator(dc));
        pass[k] = v.verdict == SCEN_DNSSEC_UNSET || lab_dnscheck_meets(&v, &r[k]);
        all = all && pass[k];
    }
    return all;
}

/* The delivery expectations of the selected profiles, by the reference
 * client; r[p].profile is -1 for a profile not checked. */
static bool checked_profile(const struct scen *s, const struct lab_checker_opts *o, int p)
{
    return s->expect[p].set && (o->profile < 0 || o->profile == p);
}

/* The retry timeline of scenario i under each checked profile with a
 * `retry:` expectation; tr[p].n is 0 for a profile not run. */
static bool timeline_all(lab_timeline *tl, const struct scen *s, size_t i, const bool checked[],
                         struct lab_timeline_result tr[SCEN_PROFILE_COUNT],
                         struct lab_deliver_result r[SCEN_PROFILE_COUNT], struct infra *infra)
{
    bool all = true, want[SCEN_PROFILE_COUNT], any = false;
    struct dl_error err;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        memset(&tr[p], 0, sizeof(tr[p]));
        want[p] = checked[p] && s->expect[p].retry.set;
        any = any || want[p];
    }
    if (!any)
        return true;
    if (lab_timeline_run_all(tl, i, want, tr, &err) != 0) {
        infra_note(infra, "retry: ", err.msg);
        for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
            tr[p].pass = false;
            snprintf(tr[p].mismatch, sizeof(tr[p].mismatch), "%s", err.msg);
        }
    }
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        if (!want[p])
            continue;
        if (!tr[p].pass && r[p].pass) {
            r[p].pass = false;
            snprintf(r[p].mismatch, sizeof(r[p].mismatch), "retry: %s", tr[p].mismatch);
        }
        all = all && tr[p].pass;
    }
    return all;
}

/* With --tlsrpt: the report of the sessions of every profile checked,
 * DIR/DOMAIN.json (DOMAIN without its final dot), written only when the
 * domain publishes a valid TLSRPT policy (RFC 8460 section 3). Returns the
 * scenario's "tlsrpt" object {"domain", "rua", "file" (or null), "why"}
 * for the index, or NULL. */
static json_t *write_tlsrpt(const dane_tlsrpt *rpt, const struct lab_checker_opts *o, time_t now,
                            bool *failed)
{
    struct dl_error err;
    const char *domain = dane_tlsrpt_domain(rpt);
    char *file = dl_xasprintf("%s.json", domain), *path;
    json_t *rua = json_array(), *info;
    int rc;
    path = dl_xasprintf("%s/%s", o->tlsrpt_dir, file);
    rc = dane_tlsrpt_write(rpt, path, now, now, &err);
    for (const char *const *u = dane_tlsrpt_rua(rpt); *u; u++)
        json_array_append_new(rua, json_string(*u));
    info =
        json_pack("{s:s, s:o, s:s?}", "domain", domain, "rua", rua, "file", rc == 0 ? file : NULL);
    if (rc < 0) {
        dl_err("run: --tlsrpt: %s", err.msg);
        *failed = true;
    } else if (rc == 1) {
        dl_info("run: --tlsrpt: %s: no report: %s", domain, err.msg);
        json_object_set_new(info, "why", json_string(err.msg));
    }
    free(path);
    free(file);
    return info;
}

static bool deliver_all(lab_deliver *ld, const struct scen *s, const struct lab_checker_opts *o,
                        struct lab_deliver_result r[SCEN_PROFILE_COUNT], bool checked[],
                        double secs[], time_t now, json_t **tlsrpt, bool *tlsrpt_failed,
                        struct infra *infra)
{
    bool all = true, any = false;
    dane_tlsrpt *rpt = o->tlsrpt_dir ? dane_tlsrpt_new(s->domain, 25) : NULL;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        struct dl_error err;
        double t0 = dl_mono();
        checked[p] = checked_profile(s, o, p);
        if (!checked[p])
            continue;
        any = true;
        if (lab_deliver_check_report(ld, s, (enum scen_profile)p, &r[p], rpt, &err) != 0) {
            infra_note(infra, "delivery: ", err.msg);
            r[p].pass = false;
            snprintf(r[p].mismatch, sizeof(r[p].mismatch), "%s", err.msg);
        }
        secs[p] = dl_mono() - t0;
        all = all && r[p].pass;
    }
    *tlsrpt = rpt && any ? write_tlsrpt(rpt, o, now, tlsrpt_failed) : NULL;
    dane_tlsrpt_free(rpt);
    return all;
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

/* "timeline": {"schedule", "expected": {...}, "attempts": [{"at", "status",
 * "code", "reason", "final", "detail"}...], "pass", "mismatch"}; schedule:
 * the name of profile p's retry schedule (dane_retry.h). */
static json_t *timeline_json(enum scen_profile p, const struct scen_retry *e,
                             const struct lab_timeline_result *t)
{
    json_t *a = json_array();
    for (size_t k = 0; k < t->n; k++) {
        const struct lab_attempt *x = &t->attempts[k];
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:s, s:s*, s:b, s:s}", "at", (json_int_t)x->at, "status",
                         dane_status_name(x->observed.status), "code", x->observed.code, "reason",
                         dane_reason_name(x->observed.reason), "tlsrpt", x->observed.tlsrpt,
                         "final", x->final, "detail", x->detail));
        if (x->reused)
            json_object_set_new(json_array_get(a, k), "reused", json_true());
    }
    return json_pack("{s:s, s:o, s:o, s:b, s:s*}", "schedule",
                     dane_retry_name(scen_profile_client(p)), "expected", retry_expected_json(e),
                     "attempts", a, "pass", t->pass, "mismatch", t->pass ? NULL : t->mismatch);
}

/* "probe": {"expected", "observed", "pass", "mismatch"} */
static json_t *probe_json(const struct scen_accept *e, const struct lab_deliver_check *c)
{
    const struct dane_outcome *o = &c->observed;
    json_t *j = json_pack("{s:o, s:{s:s, s:s, s:s, s:s*, s:s}, s:b, s:s*}", "expected",
                          lab_report_accept_json(e, c->matched), "observed", "status",
                          dane_status_name(o->status), "code", o->code, "reason",
                          dane_reason_name(o->reason), "tlsrpt", o->tlsrpt, "detail", c->detail,
                          "pass", c->pass, "mismatch", c->pass ? NULL : c->mismatch);
    if (c->reused)
        json_object_set_new(j, "reused", json_true());
    return j;
}

static json_t *deliver_json(const struct scen *s, const struct lab_deliver_result r[],
                            const bool checked[], const double secs[],
                            const struct lab_timeline_result tr[])
{
    json_t *a = json_array();
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        const struct scen_expect *e = &s->expect[p];
        const struct dane_outcome *o = &r[p].observed;
        json_t *d;
        if (!checked[p])
            continue;
        d = json_pack("{s:s, s:o, s:{s:s, s:s, s:s, s:s*, s:s}, s:b, s:s*}", "profile",
                      scen_profile_name((enum scen_profile)p), "expected",
                      lab_report_accept_json(&e->deliver, r[p].matched), "observed", "status",
                      dane_status_name(o->status), "code", o->code, "reason",
                      dane_reason_name(o->reason), "tlsrpt", o->tlsrpt, "detail", r[p].detail,
                      "pass", r[p].pass, "mismatch", r[p].pass ? NULL : r[p].mismatch);
        json_object_set_new(d, "seconds", json_real(secs[p]));
        if (r[p].reused)
            json_object_set_new(d, "reused", json_true());
        if (r[p].probed)
            json_object_set_new(d, "probe", probe_json(&e->probe, &r[p].probe));
        if (e->retry.set)
            json_object_set_new(d, "timeline",
                                timeline_json((enum scen_profile)p, &e->retry, &tr[p]));
        json_array_append_new(a, d);
    }
    return a;
}

/* The number of checks (TAP test points) of the selected scenarios. */
static size_t count_checks(const scen_catalog *cat, const struct lab_checker_opts *o)
{
    size_t n = 0;
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        if (!o->s->sel[i])
            continue;
        n++;
        for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
            n += checked_profile(s, o, p);
    }
    return n;
}

/* --tlsrpt DIR: DIR/index.json, {DOMAIN: {"rua": [...], "file": NAME or
 * null, "why": (when no report)}} over the scenarios' "tlsrpt" objects
 * (each made in whichever worker ran the scenario). */
static int write_tlsrpt_index(const struct lab_checker_opts *o, const json_t *top)
{
    json_t *index = json_object(), *scen;
    struct dl_error err;
    size_t i;
    char *text, *path = dl_xasprintf("%s/index.json", o->tlsrpt_dir);
    int rc;
    json_array_foreach(json_object_get(top, "scenarios"), i, scen) {
        json_t *t = json_object_get(scen, "tlsrpt"), *e;
        if (t == NULL)
            continue;
        e = json_deep_copy(t);
        json_object_del(e, "domain");
        json_object_set_new(index, json_string_value(json_object_get(t, "domain")), e);
    }
    text = json_dumps(index, JSON_INDENT(2) | JSON_SORT_KEYS);
    rc = dl_write_file(path, text, strlen(text), 0644, &err);
    if (rc != 0)
        dl_err("run: --tlsrpt: %s", err.msg);
    free(text);
    free(path);
    json_decref(index);
    return rc;
}

/* --html: the page for the whole report, written to the file run opened. */
static int write_html(const struct lab_globals *g, const scen_catalog *cat,
                      const struct lab_checker_opts *o, const json_t *top)
{
    struct lab_html_opts ho = {.run_dir = g->run_dir, .html_path = o->html_abs, .cat = cat};
    struct dl_error err;
    int rc = lab_html_write(o->s->html_f, top, &ho, &err);
    if (fclose(o->s->html_f) != 0 && rc == 0)
        rc = dl_error_set(&err, "%s", strerror(errno));
    if (rc != 0)
        dl_err("run: --html %s: %s", o->s->html, err.msg);
    return rc;
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

/* Two workers per online CPU, and up to four per CPU (at most 8 in all)
 * as the catalogue grows: one per 50 scenarios. A worker spends much of
 * a check waiting on the lab's servers (its lookups through the lab's
 * resolver, each SMTP round trip, a name server that never answers), and
 * the others work in that time; but each worker pays for its start (its
 * validator's first lookups validate the root's and the TLD's keys
 * again: about 50 ms of CPU), which only a long run earns back. Measured
 * on 2 CPUs, warm runs (bench/README.md): 1,000 generated scenarios
 * 4.68-4.82 s with 8 workers against 5.03-5.18 s with 4, for the same CPU
 * time; 100 generated scenarios 0.94-0.95 s with 4, 1.01-1.05 s with 2,
 * 0.93-1.13 s with 8; the catalogue (205) 3.90 s with 4, 3.99 s with 6,
 * 4.03-4.05 s with 8. */
static unsigned default_jobs(size_t n_scenarios)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t c = cpus < 1 ? 1 : (size_t)cpus, most = 4 * c > 8 ? 8 : 4 * c,
           want = n_scenarios / 50 > 2 * c ? n_scenarios / 50 : 2 * c;
    return (unsigned)(want < most ? want : most);
}

/* The checker: in one process (--jobs 1) or in each worker (lab_pool),
 * the lab_* contexts; in the process that prints, the results. */
struct checker {
    const struct lab_globals *g;
    const scen_catalog *cat;
    const struct lab_checker_opts *o;
    lab_dnscheck *dc;
    lab_deliver *ld;
    lab_timeline *tl;
    json_t **results;    /* by catalogue index, as they arrive */
    size_t *order;       /* the selected scenarios in catalogue order */
    size_t next, n_done; /* the next of order to print; how many arrived */
    bool text, tty, on_term;
    unsigned passed, failed, errors; /* errors: scenarios that could not be checked */
    size_t point;                    /* TAP test points printed */
    bool tlsrpt_failed;              /* a TLS-RPT report could not be written: exit 2 */
};

static int checker_setup(void *ctx)
{
    struct checker *c = ctx;
    struct dl_error err;
    if ((c->dc = lab_dnscheck_new(c->g->run_dir, &err)) == NULL ||
        (c->ld = lab_deliver_new(c->g->run_dir, c->g->now, &err)) == NULL ||
        (!c->o->dns_only &&
         (c->tl = lab_timeline_new(c->g->run_dir, c->g->now, c->cat, &err)) == NULL)) {
        dl_err("run: %s", err.msg);
        return -1;
    }
    if (c->tl)
        lab_timeline_set_exact(c->tl, c->o->exact);
    lab_deliver_set_exact(c->ld, c->o->exact_profiles);
    return 0;
}

/* Frees the contexts; the exit status of a worker (2: a TLS-RPT report
 * could not be written). */
static int checker_teardown(void *ctx)
{
    struct checker *c = ctx;
    lab_dnscheck_free(c->dc);
    lab_deliver_free(c->ld);
    lab_timeline_free(c->tl);
    c->dc = NULL;
    c->ld = NULL;
    c->tl = NULL;
    return c->tlsrpt_failed ? 2 : 0;
}

/* Every check of scenario i: the scenario object of the report. */
static json_t *check_scenario(void *ctx, size_t i)
{
    struct checker *c = ctx;
    const struct scen *s = scen_catalog_get(c->cat, i);
    struct lab_dnscheck_result r[SCEN_RRSET_COUNT];
    struct lab_deliver_result dr[SCEN_PROFILE_COUNT];
    struct lab_timeline_result tr[SCEN_PROFILE_COUNT];
    bool pass[SCEN_RRSET_COUNT], checked[SCEN_PROFILE_COUNT], all;
    double secs[SCEN_PROFILE_COUNT] = {0}, ts = dl_mono();
    struct infra infra = {{0}};
    json_t *one, *tlsrpt;
    all = check_one(c->dc, c->ld, s, r, pass, &infra);
    memset(checked, 0, sizeof(checked));
    tlsrpt = NULL;
    if (!c->o->dns_only) {
        all = deliver_all(c->ld, s, c->o, dr, checked, secs, c->g->now, &tlsrpt, &c->tlsrpt_failed,
                          &infra) &&
              all;
        all = timeline_all(c->tl, s, i, checked, tr, dr, &infra) && all;
    }
    one = result_json(s, r, pass, all && infra.msg[0] == '\0', lab_dnscheck_validator(c->dc));
    if (c->o->report_path)
        json_object_set_new(one, "validator_dns",
                            validator_json(s, r, pass, lab_dnscheck_validator(c->dc)));
    if (infra.msg[0] != '\0')
        json_object_set_new(one, "error", json_string(infra.msg));
    json_object_set_new(one, "delivery", deliver_json(s, dr, checked, secs, tr));
    json_object_set_new(one, "seconds", json_real(dl_mono() - ts));
    if (tlsrpt)
        json_object_set_new(one, "tlsrpt", tlsrpt);
    if (!all)
        json_object_set_new(one, "trace", lab_report_trace(c->g->run_dir, s->name, s->domain));
    return one;
}

/* Print (table or TAP) and count one scenario's result. */
static void emit(struct checker *c, const json_t *one)
{
    bool pass = json_is_true(json_object_get(one, "pass"));
    const char *error = json_string_value(json_object_get(one, "error"));
    if (error)
        c->errors++;
    else
        pass ? c->passed++ : c->failed++;
    progress(c->on_term, 0, 0, NULL);
    if (c->o->tap)
        lab_report_tap_scenario(stdout, one, &c->point);
    else if (c->text) {
        if (error)
            lab_report_error_line(stdout, one);
        else
            lab_report_scenario_text(stdout, one, c->tty);
    }
    fflush(stdout);
}

/* A result arrived (NULL: its worker died): keep it, print those now in
 * catalogue order. */
static void on_done(void *ctx, size_t i, const json_t *r)
{
    struct checker *c = ctx;
    const struct scen *s = scen_catalog_get(c->cat, i);
    c->results[i] =
        r ? json_deep_copy(r)
          : json_pack("{s:s, s:s, s:b, s:s, s:[]}", "name", s->name, "domain", s->domain, "pass",
                      false, "error", "no result: the worker checking it died", "delivery");
    c->n_done++;
    while (c->next < c->o->s->n_sel && c->results[c->order[c->next]])
        emit(c, c->results[c->order[c->next++]]);
    if (c->next < c->o->s->n_sel)
        progress(c->on_term, c->n_done, c->o->s->n_sel, s->name);
}

/* 2: its checks wait on timeouts; 1: a retry timeline; 0: neither. */
static int slowness(const struct scen *s)
{
    return scen_has_timeouts(s) ? 2 : scen_has_retry(s) ? 1 : 0;
}

/* Run the checks, serially or in workers; returns 0, or 2 on an error
 * (a worker died, a report could not be written). */
static int check_selected(struct checker *c)
{
    size_t n = scen_catalog_count(c->cat), m = 0;
    size_t *slow_first = dl_xcalloc(c->o->s->n_sel + 1, sizeof(size_t));
    struct dl_error err;
    int rc = 0;
    /* The slow ones first: those whose name servers drop queries (a
     * check waits about 3 s for its resolver to time out), then the retry
     * timelines, then the rest, so that a worker waiting on a slow one
     * leaves the others the rest. */
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < n; i++)
            if (c->o->s->sel[i] && slowness(scen_catalog_get(c->cat, i)) == 2 - pass)
                slow_first[m++] = i;
    /* Always in forked workers, --jobs 1 too: this process joined the
     * lab's PID namespace with setns(), and such a process cannot start
     * a thread (clone(2): EINVAL), which the checkers' libunbound
     * contexts want (dane_ub.h: without one every lookup sets up a whole
     * libunbound worker); its children live in that namespace and can. */
    struct lab_pool_ops ops = {.setup = checker_setup,
                               .work = check_scenario,
                               .teardown = checker_teardown,
                               .done = on_done};
    int w =
        lab_pool_run(slow_first, m, c->o->jobs > 0 ? c->o->jobs : default_jobs(m), &ops, c, &err);
    if (w < 0)
        dl_err("%s", err.msg);
    if (w != 0)
        rc = 2;
    progress(c->on_term, 0, 0, NULL);
    free(slow_first);
    return rc;
}

/* "N passed, N failed[, N errors][, N skipped (why)]" after prefix, on
 * standard output. */
static void summary_line(const char *prefix, const struct checker *c)
{
    printf("%s%u passed, %u failed", prefix, c->passed, c->failed);
    if (c->errors)
        printf(", %u error%s", c->errors, c->errors == 1 ? "" : "s");
    if (c->o->s->n_skipped)
        printf(", %zu skipped (%s)", c->o->s->n_skipped, c->o->s->skip_why);
    putchar('\n');
}

/* The skipped scenarios (lab_session), when there are any, as "skipped":
 * [{name, reason}] and summary.skipped. A skip is neither a pass nor a
 * failure. */
static void add_skipped(json_t *top, const struct checker *c)
{
    json_t *list = json_array();
    for (size_t i = 0; i < scen_catalog_count(c->cat); i++)
        if (c->o->s->skipped && c->o->s->skipped[i])
            json_array_append_new(list,
                                  json_pack("{s:s, s:s}", "name", scen_catalog_get(c->cat, i)->name,
                                            "reason", c->o->s->skip_why));
    if (json_array_size(list) == 0) {
        json_decref(list);
        return;
    }
    json_object_set_new(json_object_get(top, "summary"), "skipped",
                        json_integer((json_int_t)json_array_size(list)));
    json_object_set_new(top, "skipped", list);
}

int lab_checker_main(const struct lab_globals *g, const struct lab_checker_opts *o)
{
    const scen_catalog *cat = o->s->cat;
    struct checker c = {.g = g, .cat = cat, .o = o};
    struct dl_error err;
    json_t *list = json_array(), *top;
    double t0 = dl_mono();
    int rc;

    c.text = !o->s->json && !o->tap && o->report_path == NULL;
    c.tty = c.text && isatty(STDOUT_FILENO);
    c.on_term = c.tty && isatty(STDERR_FILENO);
    if (lab_world_enter(g->run_dir, &err) != 0) {
        dl_err("run: %s", err.msg);
        json_decref(list);
        return 2;
    }
    c.results = dl_xcalloc(scen_catalog_count(cat) + 1, sizeof(json_t *));
    c.order = dl_xcalloc(o->s->n_sel + 1, sizeof(size_t));
    for (size_t i = 0, k = 0; i < scen_catalog_count(cat); i++)
        if (o->s->sel[i])
            c.order[k++] = i;
    if (o->tap)
        lab_report_tap_plan(stdout, count_checks(cat, o));
    rc = check_selected(&c);
    for (size_t k = 0; k < o->s->n_sel; k++)
        if (c.results[c.order[k]])
            json_array_append(list, c.results[c.order[k]]);
    top = json_pack("{s:o, s:{s:i, s:i, s:i, s:f}}", "scenarios", list, "summary", "passed",
                    c.passed, "failed", c.failed, "errors", c.errors, "seconds", dl_mono() - t0);
    add_skipped(top, &c);
    if (o->s->shard_n)
        json_object_set_new(
            top, "shard", json_pack("{s:i, s:i}", "index", o->s->shard_k, "count", o->s->shard_n));
    if (rc == 0)
        rc = c.tlsrpt_failed || c.errors ? 2 : c.failed ? 1 : 0;
    if (o->report_path) {
        if (json_dump_file(top, o->report_path, JSON_INDENT(2)) != 0) {
            dl_err("run: cannot write %s: %s", o->report_path, strerror(errno));
            rc = 2;
        }
    } else if (o->s->json) {
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
    } else
        summary_line(o->tap ? "# " : "", &c);
    if (c.errors)
        dl_err("run: %u scenario%s could not be checked (a server did not confirm a change in "
               "time, or the lab failed): an error, not a verdict; see ERROR above",
               c.errors, c.errors == 1 ? "" : "s");
    if (o->s->junit_f) {
        if (lab_report_junit(o->s->junit_f, top) != 0 || fclose(o->s->junit_f) != 0) {
            dl_err("run: --junit %s: %s", o->s->junit, strerror(errno));
            rc = 2;
        }
    }
    if (o->s->html && write_html(g, cat, o, top) != 0)
        rc = 2;
    if (o->tlsrpt_dir && write_tlsrpt_index(o, top) != 0)
        rc = 2;
    json_decref(top);
    for (size_t i = 0; i < scen_catalog_count(cat); i++)
        json_decref(c.results[i]);
    free(c.results);
    free(c.order);
    fflush(stdout);
    return rc;
}
