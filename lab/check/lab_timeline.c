#include "lab_timeline.h"

#include "dane_client.h"
#include "dane_retry.h"
#include "dl_util.h"
#include "lab_conf.h"
#include "lab_state.h"
#include "lab_world.h"
#include "zone_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKEW_MAX   (86400 + 3600) /* Unbound's val-sig-skew-max, and an hour */
#define EVENTS_MAX 4096

/* Where an attempt's outcome may change within one world state: each a
 * span [lo, hi] (UNIX seconds) known to contain the moment. A validator
 * accepts a signature from inception - skew to expiration + skew, with a
 * skew it picks up to val-sig-skew-max: an inception gives [inc - SKEW_MAX,
 * inc], an expiration [exp, exp + SKEW_MAX]; a certificate's notBefore or
 * notAfter is exact (X509 verification has no skew). Distinct spans. */
struct events {
    int64_t lo[EVENTS_MAX], hi[EVENTS_MAX];
    size_t n;
    bool full; /* more than EVENTS_MAX: nothing may be reused */
};

struct lab_timeline {
    char *run_dir;
    time_t now;
    const scen_catalog *cat;
    struct lab_state_env env; /* its certificates built on first use */
    SSL_CTX *tls;
    char *anchor, *hints, *config; /* config: RUN/LAB_CLIENT_UB_CONF */
    bool exact;                    /* lab_timeline_set_exact */
};

static void events_add(struct events *e, int64_t lo, int64_t hi)
{
    for (size_t k = 0; k < e->n; k++)
        if (e->lo[k] == lo && e->hi[k] == hi)
            return;
    if (e->n == EVENTS_MAX) {
        e->full = true;
        return;
    }
    e->lo[e->n] = lo;
    e->hi[e->n++] = hi;
}

/* "YYYYMMDDHHmmSS" (or plain seconds) as an RRSIG writes its times. */
static bool rrsig_time(const char *p, int64_t *out)
{
    struct tm tm = {0};
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end - p == 14 && sscanf(p, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *out = (int64_t)timegm(&tm);
        return true;
    }
    if (end > p && end - p <= 10) {
        *out = v;
        return true;
    }
    return false;
}

/* The inception and expiration of every RRSIG in a zone file (as ldns
 * writes them: OWNER TTL CLASS RRSIG COVERED ALG LABELS OTTL EXP INC ...). */
static void events_scan(struct events *e, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    while (f && fgets(line, sizeof(line), f)) {
        char *p = strstr(line, "\tRRSIG\t"), *save = NULL, *tok;
        int64_t t;
        int field = 0;
        if (p == NULL)
            continue;
        for (tok = strtok_r(p + 7, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
            if (++field == 5 && rrsig_time(tok, &t)) /* expiration */
                events_add(e, t, t + SKEW_MAX);
            else if (field == 6 && rrsig_time(tok, &t)) /* inception */
                events_add(e, t - SKEW_MAX, t);
            else if (field > 6)
                break;
    }
    if (f)
        fclose(f);
    else
        e->full = true; /* unreadable: assume the worst */
}

/* Whether an event lies near enough to (from, to] to change an outcome. */
static bool events_between(const struct events *e, int64_t from, int64_t to)
{
    if (e->full)
        return true;
    for (size_t k = 0; k < e->n; k++)
        if (e->hi[k] > from && e->lo[k] <= to)
            return true;
    return false;
}

void lab_timeline_set_exact(lab_timeline *tl, bool exact)
{
    tl->exact = exact;
}

lab_timeline *lab_timeline_new(const char *run_dir, time_t now, const scen_catalog *cat,
                               struct dl_error *err)
{
    lab_timeline *tl = dl_xcalloc(1, sizeof(*tl));
    tl->run_dir = dl_xstrdup(run_dir);
    tl->now = now;
    tl->cat = cat;
    tl->env.run_dir = tl->run_dir;
    tl->env.now = now;
    tl->env.cat = cat;
    tl->anchor = dl_xasprintf("%s/root.key", run_dir);
    tl->hints = dl_xasprintf("%s/etc/root.hints", run_dir);
    tl->config = dl_xasprintf("%s/" LAB_CLIENT_UB_CONF, run_dir);
    if ((tl->tls = dane_tls_ctx_new(err)) == NULL) {
        lab_timeline_free(tl);
        return NULL;
    }
    return tl;
}

void lab_timeline_free(lab_timeline *tl)
{
    if (tl == NULL)
        return;
    lab_smtp_free(tl->env.smtp);
    SSL_CTX_free(tl->tls);
    free(tl->anchor);
    free(tl->hints);
    free(tl->config);
    free(tl->run_dir);
    free(tl);
}

static int attempt(lab_timeline *tl, const struct scen *s, enum scen_profile p, int64_t at,
                   bool final, struct lab_attempt *a, struct dl_error *err)
{
    time_t when = tl->now + (time_t)at;
    struct dane_dns_opts dns = {.trust_anchor = tl->anchor,
                                .root_hints = tl->hints,
                                .config = tl->config,
                                .has_now = true,
                                .now = when};
    struct dane_client_opts co = {.profile = scen_profile_client(p),
                                  .port = 25,
                                  .timeout_ms = LAB_ATTEMPT_TIMEOUT_MS,
                                  .has_now = true,
                                  .now = when,
                                  .final = final};
    struct dane_client_result cr;
    dane_dns *resolver;
    memset(a, 0, sizeof(*a));
    a->at = at;
    a->final = final;
    if ((resolver = dane_dns_new(&dns, err)) == NULL)
        return -1;
    if (dane_client_run(resolver, tl->tls, &co, s->domain, &cr, err) != 0) {
        dane_dns_free(resolver);
        return -1;
    }
    a->observed = cr.outcome;
    snprintf(a->detail, sizeof(a->detail), "%s", cr.detail);
    dane_client_result_clear(&cr);
    dane_dns_free(resolver);
    return 0;
}

static void hm(int64_t secs, char *buf, size_t len)
{
    snprintf(buf, len, "%lldh%02lld", (long long)(secs / 3600), (long long)(secs % 3600 / 60));
}

/* Judge attempts against a retry expectation (sets r->pass, r->mismatch). */
static void judge(const struct scen_retry *e, struct lab_timeline_result *r)
{
    const struct lab_attempt *last = r->n ? &r->attempts[r->n - 1] : NULL;
    char t1[32], t2[32];
    r->pass = false;
    if (last == NULL) {
        snprintf(r->mismatch, sizeof(r->mismatch), "no attempt was made");
        return;
    }
    if (strcmp(e->status, dane_status_name(last->observed.status)) != 0 ||
        strcmp(e->code, last->observed.code) != 0) {
        snprintf(r->mismatch, sizeof(r->mismatch), "expected final %s %s, observed %s %s",
                 e->status, e->code, dane_status_name(last->observed.status), last->observed.code);
        return;
    }
    if (e->reason && strcmp(e->reason, dane_reason_name(last->observed.reason)) != 0) {
        snprintf(r->mismatch, sizeof(r->mismatch), "expected final reason %s, observed %s",
                 e->reason, dane_reason_name(last->observed.reason));
        return;
    }
    if (e->attempts && e->attempts != r->n) {
        snprintf(r->mismatch, sizeof(r->mismatch), "expected %u attempts, observed %zu",
                 e->attempts, r->n);
        return;
    }
    if (e->at >= 0 && e->at != last->at) {
        hm(e->at, t1, sizeof(t1));
        hm(last->at, t2, sizeof(t2));
        snprintf(r->mismatch, sizeof(r->mismatch), "expected the last attempt at +%s, observed +%s",
                 t1, t2);
        return;
    }
    for (size_t k = 0; k < e->n_codes; k++) {
        const struct lab_attempt *a = NULL;
        for (size_t j = 0; j < r->n && a == NULL; j++)
            if (r->attempts[j].at == e->codes[k].at)
                a = &r->attempts[j];
        hm(e->codes[k].at, t1, sizeof(t1));
        if (a == NULL) {
            snprintf(r->mismatch, sizeof(r->mismatch),
                     "expected an attempt at +%s with %s, none made", t1, e->codes[k].code);
            return;
        }
        if (strcmp(a->observed.code, e->codes[k].code) != 0) {
            snprintf(r->mismatch, sizeof(r->mismatch), "expected %s at +%s, observed %s",
                     e->codes[k].code, t1, a->observed.code);
            return;
        }
    }
    r->pass = true;
}

/* Whether zone `origin` ("a.test.", "." for the root) contains `name` or
 * is named by it, label-aligned. */
static bool zone_holds(const char *origin, const char *name)
{
    size_t lo = strlen(origin), ln = strlen(name);
    if (strcmp(origin, ".") == 0)
        return true;
    if (ln < lo || strcasecmp(name + ln - lo, origin) != 0)
        return false;
    return ln == lo || name[ln - lo - 1] == '.';
}

/* Whether the zone file `file` (RUN/zones: "root.zone", "a.test.zone")
 * may take part in resolving the scenario's names: its domain and MX
 * hosts (their zones, the parents', the root). */
static bool relevant_zone(const struct scen *s, const char *file)
{
    char origin[512];
    size_t n = strlen(file);
    if (n < 6 || strcmp(file + n - 5, ".zone") != 0 || n - 5 + 2 > sizeof(origin))
        return false;
    if (strcmp(file, "root.zone") == 0)
        return true;
    snprintf(origin, sizeof(origin), "%.*s.", (int)(n - 5), file);
    if (zone_holds(origin, s->domain))
        return true;
    for (size_t h = 0; h < s->n_hosts; h++)
        if (zone_holds(origin, s->hosts[h].name))
            return true;
    return false;
}

/* The events of the installed world state: the RRSIG times of every zone
 * file in RUN/zones that takes part in resolving the scenario's names
 * (the state's own files are installed there), and the validity bounds of
 * the scenario's certificates. Other scenarios' zones (some carry expired
 * or future signatures on purpose) are not consulted. */
static void state_events(lab_timeline *tl, const struct scen *s, struct events *ev)
{
    char *dir = dl_xasprintf("%s/zones", tl->run_dir);
    DIR *d = opendir(dir);
    struct dirent *de;
    memset(ev, 0, sizeof(*ev));
    ev->full = d == NULL;
    while (d && (de = readdir(d)) != NULL) {
        char *path;
        if (!relevant_zone(s, de->d_name))
            continue;
        path = dl_xasprintf("%s/%s", dir, de->d_name);
        events_scan(ev, path);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    for (size_t c = 0; c < s->n_certs; c++) {
        int64_t nb = (int64_t)tl->now + s->certs[c].not_before;
        int64_t na = (int64_t)tl->now + s->certs[c].not_after;
        events_add(ev, nb, nb);
        events_add(ev, na, na + 1); /* valid through notAfter itself */
    }
}

/* Attempt k of profile p in the installed state: run, or reused from
 * the attempt before when nothing can differ (see lab_timeline.h). */
static int step_profile(lab_timeline *tl, const struct scen *s, enum scen_profile p,
                        const int64_t *times, size_t k, size_t n, bool fresh,
                        const struct events *ev, struct lab_timeline_result *r,
                        struct dl_error *err)
{
    struct lab_attempt *a = &r->attempts[r->n];
    if (!tl->exact && !fresh && k + 1 < n &&
        !events_between(ev, tl->now + times[k - 1], tl->now + times[k])) {
        *a = r->attempts[r->n - 1];
        a->at = times[k];
        a->reused = true;
    } else if (attempt(tl, s, p, times[k], k + 1 == n, a, err) != 0)
        return -1;
    r->n++;
    return 0;
}

/* Each profile's schedule (dane_retry.h): its times, how many, and the
 * next attempt's index. */
struct schedule {
    int64_t times[LAB_TIMELINE_MAX];
    size_t n, k;
};

/* The earliest next attempt of the active profiles, or -1: none left. */
static int64_t next_time(const struct schedule sc[], const bool active[])
{
    int64_t t = -1;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
        if (active[p] && sc[p].k < sc[p].n && (t < 0 || sc[p].times[sc[p].k] < t))
            t = sc[p].times[sc[p].k];
    return t;
}

int lab_timeline_run_all(lab_timeline *tl, size_t i, const bool want[SCEN_PROFILE_COUNT],
                         struct lab_timeline_result r[SCEN_PROFILE_COUNT], struct dl_error *err)
{
    const struct scen *s = scen_catalog_get(tl->cat, i);
    struct schedule *sc = dl_xcalloc(SCEN_PROFILE_COUNT, sizeof(*sc));
    struct lab_state in;
    bool active[SCEN_PROFILE_COUNT], fresh[SCEN_PROFILE_COUNT];
    struct events *ev = dl_xcalloc(1, sizeof(*ev));
    int64_t at;
    int rc = 0;
    lab_state_init(&in);
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        memset(&r[p], 0, sizeof(r[p]));
        active[p] = want[p];
        fresh[p] = true;
        sc[p].n = dane_retry_schedule(scen_profile_client((enum scen_profile)p), sc[p].times,
                                      LAB_TIMELINE_MAX);
    }
    /* One pass over the merged schedules of every profile, in time order:
     * each world state is built, installed and reloaded once, not once
     * per profile. A profile takes part at its own attempt times only. */
    while (rc == 0 && (at = next_time(sc, active)) >= 0) {
        int index = lab_state_at(s, at);
        if (index != in.state) {
            if ((rc = lab_state_install(&tl->env, i, index, &in, err)) != 0)
                break;
            for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
                fresh[p] = true;
            if (!tl->exact)
                state_events(tl, s, ev);
        }
        for (int p = 0; rc == 0 && p < SCEN_PROFILE_COUNT; p++) {
            struct schedule *x = &sc[p];
            if (!active[p] || x->k >= x->n || x->times[x->k] != at)
                continue;
            rc = step_profile(tl, s, (enum scen_profile)p, x->times, x->k, x->n, fresh[p], ev,
                              &r[p], err);
            fresh[p] = false;
            x->k++;
            if (rc == 0 &&
                (r[p].attempts[r[p].n - 1].observed.status != DANE_DEFERRED || x->k == x->n))
                active[p] = false;
        }
    }
    {
        struct dl_error e2;
        if (lab_state_restore(&tl->env, i, &in, &e2) != 0 && rc == 0) {
            *err = e2;
            rc = -1;
        }
    }
    free(ev);
    free(sc);
    if (rc != 0)
        return -1;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
        if (want[p])
            judge(&s->expect[p].retry, &r[p]);
    return 0;
}
