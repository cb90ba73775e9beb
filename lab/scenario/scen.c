/*
 * scen: scenario files and the catalogue (see scen.h and
 * danelab-scenario(5)). The YAML walking is in scen_yaml.c, the readers
 * the sections share in scen_parse.c, and each section of the schema in
 * its own module: scen_zone (zone:, zones:, records:), scen_host
 * (certificates:, mx:), scen_timeline (faults:, timeline:) and scen_expect
 * (expect:). This file reads the top-level mapping, drives the sections
 * and runs the checks across them, and holds the catalogue.
 *
 * Keys are read in a fixed order (name, domain, certificates, mx, ...) so
 * that later keys can refer to earlier ones whatever their order in the
 * file. Every array is allocated at its full length before its items are
 * filled, so scen_free() releases a half-parsed scenario on any error.
 */
#include "scen.h"

#include "dl_util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCEN_MAX_FILE   (1024 * 1024)
#define SCEN_MAX_TLSRPT 1024 /* tlsrpt: text; a TXT RDATA holds some 64 KiB */

static const char *const top_keys[] = {
    "name",   "summary",      "domain",  "tags",        "zone",         "zones",
    "mx",     "certificates", "records", "faults",      "timeline",     "expect",
    "tlsrpt", "rfc",          "clauses", "implicit_mx", "domain_alias", NULL};

/* ------------------------------------------------------------------ */
/* The scenario file                                                  */

/* "dir/good.yaml" holds scenario "good". */
static bool name_matches_file(const char *path, const char *name)
{
    const char *base = strrchr(path, '/');
    size_t n;
    base = base ? base + 1 : path;
    n = strlen(base);
    return n > 5 && strcmp(base + n - 5, ".yaml") == 0 && strlen(name) == n - 5 &&
           strncmp(base, name, n - 5) == 0;
}

static int parse_name(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_require(m, "name", c->err);
    const char *name = NULL;
    if (n == NULL || scen_parse_token(c, n, "name", &name) != 0)
        return -1;
    if (!name_matches_file(c->path, name))
        return scen_yaml_fail(c->y, n, "name", c->err,
                              "scenario '%s' must be in a file named %s.yaml", name, name);
    s->name = dl_xstrdup(name);
    s->loc = scen_parse_loc(c, n);
    return 0;
}

static int parse_summary(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_require(m, "summary", c->err);
    const char *summary = NULL;
    if (n == NULL || scen_yaml_str(c->y, n, "summary", &summary, c->err) != 0)
        return -1;
    if (summary[strspn(summary, " \t")] == '\0')
        return scen_yaml_fail(c->y, n, "summary", c->err, "must not be empty");
    if (strchr(summary, '\n') != NULL)
        return scen_yaml_fail(c->y, n, "summary", c->err, "must be one line");
    s->summary = dl_xstrdup(summary);
    return 0;
}

/* domain: default "<name>.test."; the domain zone's loc is where the
 * domain (or, by default, the name) is written. */
static int parse_domain(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "domain");
    if (n == NULL) {
        s->domain = dl_xasprintf("%s.test.", s->name);
        s->zone.loc = s->loc;
        return 0;
    }
    s->zone.loc = scen_parse_loc(c, n);
    return scen_parse_dname(c, n, "domain", NULL, &s->domain);
}

/* tlsrpt: "none", or the TXT text to publish at _smtp._tls.<domain>
 * (printable ASCII and tabs, kept as written even when malformed: scenarios test
 * clients on broken records); default the lab's reporting address. */
static int parse_tlsrpt(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "tlsrpt");
    const char *text = NULL;
    size_t len = strlen(s->domain);
    s->tlsrpt_loc = s->zone.loc;
    if (n == NULL) {
        s->tlsrpt = dl_xasprintf("v=TLSRPTv1; rua=mailto:tlsrpt@%.*s", (int)(len - 1), s->domain);
        return 0;
    }
    s->tlsrpt_loc = scen_parse_loc(c, n);
    if (scen_yaml_str(c->y, n, "tlsrpt", &text, c->err) != 0)
        return -1;
    if (strcmp(text, "none") == 0)
        return 0;
    for (const char *p = text; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p > 0x7e)
            return scen_yaml_fail(c->y, n, "tlsrpt", c->err,
                                  "expected none or the record's text (printable ASCII), got '%s'",
                                  text);
    if (*text == '\0' || strlen(text) > SCEN_MAX_TLSRPT)
        return scen_yaml_fail(c->y, n, "tlsrpt", c->err,
                              "expected none or the record's text (1 to %d characters), got '%s'",
                              SCEN_MAX_TLSRPT, text);
    s->tlsrpt = dl_xstrdup(text);
    return 0;
}

static int parse_tags(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "tags");
    if (n == NULL)
        return 0;
    return scen_parse_strings(c, n, "tags", true, SCEN_MAX_TAGS, &s->tags, &s->n_tags);
}

/* Whether the absolute name `name` is `origin` or under it. */
static bool name_in(const char *name, const char *origin)
{
    size_t n = strlen(name), o = strlen(origin);
    return n == o ? strcmp(name, origin) == 0
                  : n > o && name[n - o - 1] == '.' && strcmp(name + n - o, origin) == 0;
}

/* A host's tlsa_alias must lie in one of the scenario's zones: the lab
 * serves nothing else (and the TLD zone is the lab's own). */
static int check_tlsa_alias(struct scen_parse *c, const struct scen *s)
{
    for (size_t i = 0; i < s->n_hosts; i++) {
        const struct scen_host *h = &s->hosts[i];
        bool inside;
        if (h->tlsa_alias == NULL)
            continue;
        inside = name_in(h->tlsa_alias, s->domain);
        for (size_t k = 0; k < s->n_zones; k++)
            inside = inside || name_in(h->tlsa_alias, s->zones[k].origin);
        if (!inside)
            return dl_error_set(c->err,
                                "%s:%u: key 'tlsa_alias': '%s' is in none of the scenario's zones "
                                "(the domain or zones:)",
                                h->tlsa_alias_loc.file, h->tlsa_alias_loc.line, h->tlsa_alias);
    }
    return 0;
}

/* implicit_mx: true: no MX RRset, the one mx host is the domain itself
 * (RFC 5321 5.1), so that it can have a server, a certificate and TLSA
 * records at _25._tcp.<domain>. Without mx: it is implied. */
static int parse_implicit_mx(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "implicit_mx");
    bool v = false;
    if (scen_yaml_get_bool(m, "implicit_mx", &v, c->err) != 0)
        return -1;
    if (n == NULL || !v) {
        s->implicit_mx = s->n_hosts == 0;
        return 0;
    }
    if (s->n_hosts != 1 || strcmp(s->hosts[0].name, s->domain) != 0)
        return scen_yaml_fail(c->y, n, "implicit_mx", c->err,
                              "needs exactly one mx host, the domain '%s' itself (host: %s)",
                              s->domain, s->domain);
    s->implicit_mx = true;
    return 0;
}

/* The extra zone holding the absolute name `name`, or NULL. */
static const struct scen_zone *extra_zone_of(const struct scen *s, const char *name)
{
    for (size_t k = 0; k < s->n_zones; k++)
        if (name_in(name, s->zones[k].origin))
            return &s->zones[k];
    return NULL;
}

/* A fault that needs the domain's own zone (its DNSKEY, its DS, the zone,
 * a lame delegation), which a domain_alias scenario does not have. */
static const struct scen_fault *zone_fault_of(const struct scen *s)
{
    for (size_t k = 0; k < s->n_faults; k++) {
        const struct scen_fault *f = &s->faults[k];
        if (strcmp(f->target, "dnskey") == 0 || strcmp(f->target, "ds") == 0 ||
            strcmp(f->target, "zone") == 0)
            return f;
    }
    return NULL;
}

/* domain_alias: NAME: the recipient domain is a CNAME (RFC 5321 5.1: the
 * MX lookup follows it; RFC 7672 2.2.1). Both names lie in extra zones,
 * strictly below their apex for the domain (no CNAME at a zone apex), and
 * the domain has no zone of its own, so `zone:` and zone faults are out.
 * With implicit_mx the one host is the domain, whose address and TLSA
 * records the world puts at NAME (the CNAME-expanded next-hop domain,
 * RFC 7672 2.2.2 and 3.2.2). */
static int parse_domain_alias(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "domain_alias");
    const struct scen_zone *z;
    const struct scen_fault *f;
    if (n == NULL)
        return 0;
    s->domain_alias_loc = scen_parse_loc(c, n);
    if (scen_parse_dname(c, n, "domain_alias", c->domain, &s->domain_alias) != 0)
        return -1;
    z = extra_zone_of(s, s->domain);
    if (z == NULL || strcmp(z->origin, s->domain) == 0)
        return scen_yaml_fail(c->y, n, "domain_alias", c->err,
                              "the domain '%s' must lie below the apex of one of zones: (a "
                              "CNAME cannot sit at a zone apex)",
                              s->domain);
    if (extra_zone_of(s, s->domain_alias) == NULL || strcmp(s->domain_alias, s->domain) == 0)
        return scen_yaml_fail(c->y, n, "domain_alias", c->err,
                              "'%s' must be another name in one of zones:", s->domain_alias);
    if (scen_yaml_get(m, "zone") != NULL)
        return scen_yaml_fail(c->y, n, "domain_alias", c->err,
                              "the domain has no zone of its own: leave zone: out");
    if ((f = zone_fault_of(s)) != NULL)
        return dl_error_set(c->err,
                            "%s:%u: fault %s on '%s' needs the domain's own zone, which "
                            "domain_alias leaves out",
                            f->loc.file, f->loc.line, f->name, f->target);
    return 0;
}

/* The sections in a fixed order, each able to refer to what the earlier
 * ones defined (c->domain, c->certs, c->hosts). */
static int parse_sections(struct scen_parse *c, struct scen *s, const struct scen_yaml_map *m)
{
    yaml_node_t *mx = scen_yaml_get(m, "mx");
    if (scen_zone_parse_domain(c, m, &s->zone) != 0 ||
        scen_zone_parse_extra(c, scen_yaml_get(m, "zones"), &s->zones, &s->n_zones) != 0 ||
        scen_host_parse_certs(c, scen_yaml_get(m, "certificates"), &s->certs, &s->n_certs) != 0)
        return -1;
    c->certs = s->certs;
    c->n_certs = s->n_certs;
    if (mx != NULL && scen_host_parse_list(c, mx, &s->hosts, &s->n_hosts) != 0)
        return -1;
    if (parse_implicit_mx(c, s, m) != 0 || check_tlsa_alias(c, s) != 0)
        return -1;
    c->hosts = s->hosts;
    c->n_hosts = s->n_hosts;
    if (scen_timeline_parse_faults(c, scen_yaml_get(m, "faults"), &s->faults, &s->n_faults) != 0 ||
        scen_timeline_parse(c, scen_yaml_get(m, "timeline"), &s->timeline, &s->n_timeline) != 0 ||
        scen_expect_parse(c, scen_yaml_get(m, "expect"), &s->expect_dnssec, s->expect_dns,
                          s->expect_dns_by, s->expect) != 0 ||
        scen_parse_rfc(c, scen_yaml_get(m, "rfc"), s->rfc, &s->n_rfc) != 0 ||
        scen_clause_parse_refs(c, scen_yaml_get(m, "clauses"), &s->clauses, &s->n_clauses) != 0)
        return -1;
    if (parse_domain_alias(c, s, m) != 0)
        return -1;
    return scen_timeline_check(c, s->faults, s->n_faults, s->timeline, s->n_timeline);
}

static int parse_scen(struct scen_parse *c, struct scen *s)
{
    struct scen_yaml_map m;
    yaml_node_t *root = scen_yaml_root(c->y);
    if (root->type != YAML_MAPPING_NODE)
        return scen_yaml_fail_at(c->y, root, c->err, "expected a mapping at the top level");
    if (scen_yaml_map_open(c->y, root, "scenario", "scenario", top_keys, &m, c->err) != 0 ||
        parse_name(c, s, &m) != 0 || parse_summary(c, s, &m) != 0 || parse_domain(c, s, &m) != 0)
        return -1;
    c->domain = s->domain;
    if (parse_tlsrpt(c, s, &m) != 0 || parse_tags(c, s, &m) != 0 || parse_sections(c, s, &m) != 0)
        return -1;
    if (s->zone.validity != 0 && !scen_has_retry(s))
        return dl_error_set(c->err,
                            "%s:%u: zone validity applies to the runner's timeline builds only: "
                            "it needs a retry expectation (expect: PROFILE: retry:)",
                            s->zone.loc.file, s->zone.loc.line);
    scen_host_default_cert_names(s->certs, s->n_certs, s->hosts, s->n_hosts);
    return 0;
}

/* Messages are one line whatever the file holds (a quoted key or value
 * may contain line breaks): control characters become '?'. */
static void one_line(struct dl_error *err)
{
    if (err == NULL)
        return;
    for (char *p = err->msg; *p; p++)
        if (iscntrl((unsigned char)*p))
            *p = '?';
}

int scen_load(const char *path, struct scen **out, struct dl_error *err)
{
    char *text;
    size_t len;
    int rc;
    if (dl_read_file(path, SCEN_MAX_FILE, &text, &len, err) != 0)
        return -1;
    rc = scen_load_mem(path, text, len, out, err);
    free(text);
    return rc;
}

int scen_load_mem(const char *path, const char *text, size_t len, struct scen **out,
                  struct dl_error *err)
{
    struct scen_yaml y;
    struct scen *s;
    int rc;
    if (len > SCEN_MAX_FILE)
        return dl_error_set(err, "%s: more than %zu bytes", path, (size_t)SCEN_MAX_FILE);
    s = dl_xcalloc(1, sizeof(*s));
    s->path = dl_xstrdup(path);
    rc = scen_yaml_load(&y, s->path, text, len, err);
    if (rc == 0) {
        struct scen_parse c = {.y = &y, .path = s->path, .err = err};
        rc = parse_scen(&c, s);
        scen_yaml_free(&y);
    }
    if (rc != 0) {
        one_line(err);
        scen_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Reading a loaded scenario; freeing                                 */

enum scen_dnssec scen_expected_dnssec(const struct scen *s)
{
    if (s->expect_dnssec != SCEN_DNSSEC_UNSET)
        return s->expect_dnssec;
    return s->zone.is_signed && s->zone.ds ? SCEN_DNSSEC_SECURE : SCEN_DNSSEC_INSECURE;
}

struct scen_verdict scen_expected_dns(const struct scen *s, enum scen_rrset r,
                                      enum scen_validator v)
{
    struct scen_verdict out = s->expect_dns[r];
    if (r == SCEN_RRSET_MX)
        out.verdict = scen_expected_dnssec(s);
    if ((unsigned)v < SCEN_VALIDATOR_COUNT && s->expect_dns_by[v].set &&
        s->expect_dns_by[v].dns[r].verdict != SCEN_DNSSEC_UNSET)
        out = s->expect_dns_by[v].dns[r];
    return out;
}

static bool zone_drops(const struct scen_zone *z)
{
    for (size_t i = 0; i < z->n_misbehave; i++)
        if (z->misbehave[i].answer == SCEN_ANSWER_DROP)
            return true;
    return false;
}

bool scen_has_timeouts(const struct scen *s)
{
    bool drops = zone_drops(&s->zone);
    for (size_t i = 0; i < s->n_zones && !drops; i++)
        drops = zone_drops(&s->zones[i]);
    return drops;
}

bool scen_has_retry(const struct scen *s)
{
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
        if (s->expect[p].retry.set)
            return true;
    return false;
}

const struct scen_fault *scen_faults_at(const struct scen *s, int64_t at, size_t *n, int *index)
{
    const struct scen_fault *f = s->faults;
    *n = s->n_faults;
    *index = -1;
    for (size_t i = 0; i < s->n_timeline && s->timeline[i].at <= at; i++)
        if (s->timeline[i].has_faults) {
            f = s->timeline[i].faults;
            *n = s->timeline[i].n_faults;
            *index = (int)i;
        }
    return f;
}

struct scen_host *scen_hosts_at(const struct scen *s, int index)
{
    return scen_timeline_hosts_at(s->hosts, s->n_hosts, s->timeline, s->n_timeline, index);
}

void scen_free(struct scen *s)
{
    if (s == NULL)
        return;
    free(s->path);
    free(s->name);
    free(s->summary);
    free(s->domain);
    free(s->domain_alias);
    free(s->tlsrpt);
    scen_parse_free_strings(s->tags, s->n_tags);
    scen_zone_clear(&s->zone);
    for (size_t i = 0; i < s->n_zones; i++)
        scen_zone_clear(&s->zones[i]);
    free(s->zones);
    scen_host_free_list(s->hosts, s->n_hosts);
    scen_host_free_certs(s->certs, s->n_certs);
    scen_timeline_free_faults(s->faults, s->n_faults);
    scen_timeline_free(s->timeline, s->n_timeline);
    for (int r = 0; r < SCEN_RRSET_COUNT; r++)
        free(s->expect_dns[r].reason);
    for (int v = 0; v < SCEN_VALIDATOR_COUNT; v++)
        scen_dns_by_clear(&s->expect_dns_by[v]);
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++)
        scen_expect_clear(&s->expect[p]);
    for (size_t i = 0; i < s->n_rfc; i++)
        free(s->rfc[i]);
    scen_clause_free_refs(s->clauses, s->n_clauses);
    free(s);
}

/* ------------------------------------------------------------------ */
/* Catalogue                                                          */

struct scen_catalog {
    struct scen **v;
    size_t n;
};

static bool has_zone(const struct scen *s, const char *origin)
{
    for (size_t i = 0; i < s->n_zones; i++)
        if (strcmp(s->zones[i].origin, origin) == 0)
            return true;
    return false;
}

/* What s claims (name, domain, extra zones) against one loaded scenario. */
static int check_against(const struct scen *s, const struct scen *t, struct dl_error *err)
{
    if (strcmp(s->name, t->name) == 0)
        return dl_error_set(err, "%s:%u: scenario '%s' already defined in %s", s->path, s->loc.line,
                            s->name, t->path);
    if (strcmp(s->domain, t->domain) == 0 || has_zone(t, s->domain))
        return dl_error_set(err, "%s:%u: domain '%s' already used by scenario '%s' in %s", s->path,
                            s->zone.loc.line, s->domain, t->name, t->path);
    for (size_t i = 0; i < s->n_zones; i++)
        if (strcmp(s->zones[i].origin, t->domain) == 0 || has_zone(t, s->zones[i].origin))
            return dl_error_set(err, "%s:%u: zone '%s' already used by scenario '%s' in %s",
                                s->path, s->zones[i].loc.line, s->zones[i].origin, t->name,
                                t->path);
    return 0;
}

static int catalog_add_file(scen_catalog *c, const char *path, struct dl_error *err)
{
    struct scen *s;
    if (scen_load(path, &s, err) != 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        if (check_against(s, c->v[i], err) != 0) {
            scen_free(s);
            return -1;
        }
    }
    c->v = dl_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
    c->v[c->n++] = s;
    return 0;
}

static int is_yaml_entry(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

/* Every *.yaml of dir, in name order so that messages are reproducible. */
static int catalog_add_dir(scen_catalog *c, const char *dir, struct dl_error *err)
{
    struct dirent **list;
    int n = scandir(dir, &list, is_yaml_entry, alphasort), rc = 0;
    if (n < 0)
        return dl_error_set(err, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            char *path = dl_xasprintf("%s/%s", dir, list[i]->d_name);
            rc = catalog_add_file(c, path, err);
            free(path);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    const struct scen *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

int scen_catalog_load(const char *const *paths, size_t n_paths, scen_catalog **out,
                      struct dl_error *err)
{
    scen_catalog *c = dl_xcalloc(1, sizeof(*c));
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        int rc;
        if (stat(paths[i], &st) != 0)
            rc = dl_error_set(err, "%s: %s", paths[i], strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = catalog_add_dir(c, paths[i], err);
        else
            rc = catalog_add_file(c, paths[i], err);
        if (rc != 0) {
            scen_catalog_free(c);
            return -1;
        }
    }
    if (c->n > 1)
        qsort(c->v, c->n, sizeof(*c->v), by_name);
    *out = c;
    return 0;
}

size_t scen_catalog_count(const scen_catalog *c)
{
    return c->n;
}

const struct scen *scen_catalog_get(const scen_catalog *c, size_t i)
{
    return i < c->n ? c->v[i] : NULL;
}

const struct scen *scen_catalog_find(const scen_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i]->name, name) == 0)
            return c->v[i];
    return NULL;
}

void scen_catalog_free(scen_catalog *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        scen_free(c->v[i]);
    free(c->v);
    free(c);
}
