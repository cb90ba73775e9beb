#include "lab_plan.h"

#include "dl_util.h"
#include "lab_addr.h"
#include "lab_conf.h"
#include "zone_fault.h"

#include <ldns/ldns.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLAN_TTL 300

/* The fault `name` of scenario s on host h (NULL: on any), or NULL. */
static const struct scen_fault *find_fault(const struct scen *s, const struct scen_host *h,
                                           const char *name)
{
    for (size_t k = 0; k < s->n_faults; k++) {
        const struct scen_fault *f = &s->faults[k];
        bool on_h = h == NULL || (f->host ? strcmp(f->host, h->name) == 0 : h == &s->hosts[0]);
        if (strcmp(f->name, name) == 0 && on_h)
            return f;
    }
    return NULL;
}

char *lab_plan_cname_target(const struct scen *s, const struct scen_host *h)
{
    size_t label;
    if (s->n_zones == 0 ||
        (find_fault(s, h, "mx-cname") == NULL && find_fault(s, h, "mx-cname-insecure") == NULL &&
         find_fault(s, h, "mx-dname") == NULL))
        return NULL;
    label = strcspn(h->name, ".");
    return dl_xasprintf("%.*s.%s", (int)label, h->name, s->zones[0].origin);
}

char *lab_plan_records_at(const struct scen *s, const struct scen_host *h)
{
    char *target = lab_plan_cname_target(s, h);
    if (target != NULL)
        return target;
    return dl_xstrdup(s->implicit_mx && s->domain_alias ? s->domain_alias : h->name);
}

/* Zone z of catalogue scenario i; its name server is the lab's (NSD) or,
 * when z has `misbehave:` rules, fakedns in front of it (lab_addr_fakedns,
 * lab_fakedns.h). */
static int add_zone_at(zone_tree *t, const struct scen_zone *z, size_t i, bool lame,
                       struct dl_error *err)
{
    char fake[16];
    char *ns = dl_xasprintf("ns1.%s", z->origin);
    struct zone_def d = {
        .origin = z->origin,
        .is_signed = z->is_signed,
        .publish_ds = z->ds,
        .algorithm = z->algorithm,
        .algorithm2 = z->algorithm2,
        .algorithm2_signs = z->algorithm2_signs,
        .ds_algorithms = z->ds_algorithms,
        .ds_digest = z->ds_digest,
        .ds_stale = z->ds_stale,
        .nsec3 = z->nsec3,
        .nsec3_optout = z->nsec3_optout,
        .nsec3_iterations = z->nsec3_iterations,
        .nsec3_salt = z->nsec3_salt,
        .ns_name = ns,
        .ns_addr = z->n_misbehave > 0 ? lab_addr_fakedns(i, fake) : LAB_ADDR_CHILD,
        .lame = lame,
    };
    int rc = zone_tree_add_zone(t, &d, err);
    free(ns);
    if (rc != 0)
        return dl_error_prefix(err, "%s:%u", z->loc.file, z->loc.line);
    return 0;
}

/* Add one generated record, attributed to the scenario line it comes from. */
static int add_rr(zone_tree *t, const struct scen_loc *loc, struct dl_error *err, const char *fmt,
                  ...) DL_PRINTF(4, 5);

static int add_rr(zone_tree *t, const struct scen_loc *loc, struct dl_error *err, const char *fmt,
                  ...)
{
    char where[512], *text;
    va_list ap;
    int rc;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    if (text == NULL)
        return dl_error_set(err, "out of memory");
    snprintf(where, sizeof(where), "%s:%u", loc->file, loc->line);
    rc = zone_tree_add_rr(t, text, ".", where, err);
    free(text);
    return rc;
}

static int add_records(zone_tree *t, const struct scen_record *r, size_t n, const char *origin,
                       struct dl_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char where[512];
        snprintf(where, sizeof(where), "%s:%u", r[i].loc.file, r[i].loc.line);
        if (zone_tree_add_rr(t, r[i].text, origin, where, err) != 0)
            return -1;
    }
    return 0;
}

/* tlsa-servfail: _tcp.<host> delegated (with DS) to the child server,
 * whose copy of the zone fails to load. */
static int add_servfail_zone(zone_tree *t, const struct scen *s, const struct scen_host *h,
                             struct dl_error *err)
{
    char *origin = dl_xasprintf("_tcp.%s", h->name), *ns = dl_xasprintf("ns1.%s", s->domain);
    struct zone_def d = {.origin = origin,
                         .is_signed = true,
                         .publish_ds = true,
                         .algorithm = s->zone.algorithm,
                         .ns_name = ns,
                         .ns_addr = LAB_ADDR_CHILD};
    int rc = zone_tree_add_zone(t, &d, err);
    free(origin);
    free(ns);
    return rc;
}

/* Where host h's TLSA records for `port` are published, base being the
 * host's name or its CNAME target (the caller frees it): the host's
 * tlsa_alias, *._tcp.<base> for tlsa_at: wildcard, else _PORT._tcp.<base>. */
static char *tlsa_owner(const struct scen_host *h, const char *base, unsigned port)
{
    if (h->tlsa_alias != NULL)
        return dl_xstrdup(h->tlsa_alias);
    if (h->tlsa_at_wildcard)
        return dl_xasprintf("*._tcp.%s", base);
    return dl_xasprintf("_%u._tcp.%s", port, base);
}

/* tlsa_alias: the CNAME at _PORT._tcp.<base> (one port: scen_host). */
static int add_tlsa_alias(zone_tree *t, const struct scen_host *h, const char *base,
                          struct dl_error *err)
{
    if (h->tlsa_alias == NULL)
        return 0;
    return add_rr(t, &h->tlsa_alias_loc, err, "_%u._tcp.%s %d IN CNAME %s", h->tlsa[0].port, base,
                  PLAN_TTL, h->tlsa_alias);
}

/* The host's TLSA records: literal, or computed from a certificate the
 * scenario's certificate set holds; at tlsa_owner. */
static int add_tlsa(zone_tree *t, const struct lab_plan_opts *o, size_t i,
                    const struct scen_host *h, const char *base, struct dl_error *err)
{
    if (h->n_tlsa > 0 && add_tlsa_alias(t, h, base, err) != 0)
        return -1;
    for (size_t k = 0; k < h->n_tlsa; k++) {
        const struct scen_tlsa *x = &h->tlsa[k];
        char *computed = NULL, *owner;
        int rc;
        if (x->literal == NULL && o->smtp == NULL)
            return dl_error_set(err,
                                "%s:%u: TLSA computed from certificate '%s' without the "
                                "scenario's certificates",
                                x->loc.file, x->loc.line, x->of);
        if (x->literal == NULL && (computed = lab_smtp_tlsa(o->smtp, i, x, err)) == NULL)
            return -1;
        owner = tlsa_owner(h, base, x->port);
        rc = add_rr(t, &x->loc, err, "%s %d IN TLSA %s", owner, PLAN_TTL,
                    computed ? computed : x->literal);
        free(owner);
        free(computed);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* mx-cname: the host name is a CNAME to `target`; mx-dname: the name
 * above the host's first label (mx1.mail.<domain> -> mail.<domain>),
 * which must lie below the domain, is a DNAME to the provider zone, and a
 * resolver synthesises the host's CNAME to `target` (RFC 6672 3.1). */
static int add_alias(zone_tree *t, const struct scen *s, const struct scen_host *h,
                     const char *target, struct dl_error *err)
{
    const char *owner = strchr(h->name, '.') + 1; /* scen_timeline_check: below the domain */
    if (find_fault(s, h, "mx-dname") == NULL)
        return add_rr(t, &h->loc, err, "%s %d IN CNAME %s", h->name, PLAN_TTL, target);
    return add_rr(t, &h->loc, err, "%s %d IN DNAME %s", owner, PLAN_TTL, s->zones[0].origin);
}

/* Where the MX RRset is: the domain, or its alias target (domain_alias). */
static const char *mx_owner(const struct scen *s)
{
    return s->domain_alias ? s->domain_alias : s->domain;
}

/* Host j's A and AAAA records at `owner`, one per address. */
static int add_addresses(zone_tree *t, const scen_catalog *cat, size_t i, size_t j,
                         const char *owner, struct dl_error *err)
{
    const struct scen_host *h = &scen_catalog_get(cat, i)->hosts[j];
    char addr[LAB_ADDR_LEN];
    for (size_t k = 0; k < h->n_addrs; k++)
        if (add_rr(t, &h->addrs[k].loc, err, "%s %d IN %s %s", owner, PLAN_TTL,
                   h->addrs[k].family == 6 ? "AAAA" : "A", lab_addr_host(cat, i, j, k, addr)) != 0)
            return -1;
    return 0;
}

static int add_hosts(zone_tree *t, const struct lab_plan_opts *o, const scen_catalog *cat,
                     const struct scen *s, size_t i, struct dl_error *err)
{
    for (size_t j = 0; j < s->n_hosts; j++) {
        const struct scen_host *h = &s->hosts[j];
        char *target = lab_plan_cname_target(s, h), *base = lab_plan_records_at(s, h);
        const char *tlsa_base = h->tlsa_at_original ? h->name : base;
        /* implicit_mx: the host is the domain itself, no MX RRset. */
        int rc = s->implicit_mx ? 0
                                : add_rr(t, &h->loc, err, "%s %d IN MX %u %s", mx_owner(s),
                                         PLAN_TTL, h->preference, h->name);
        /* mx-cname, mx-dname: the host name is an alias, its records at
         * the target. */
        if (rc == 0 && target != NULL)
            rc = add_alias(t, s, h, target, err);
        if (rc == 0)
            rc = add_addresses(t, cat, i, j, base, err);
        if (rc == 0)
            rc = add_tlsa(t, o, i, h, tlsa_base, err);
        if (rc == 0 && find_fault(s, h, "tlsa-servfail") != NULL)
            rc = add_servfail_zone(t, s, h, err);
        free(target);
        free(base);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static const struct scen_host *fault_host(const struct scen *s, const struct scen_fault *f)
{
    for (size_t j = 0; f->host != NULL && j < s->n_hosts; j++)
        if (strcmp(s->hosts[j].name, f->host) == 0)
            return &s->hosts[j];
    return s->n_hosts > 0 ? &s->hosts[0] : NULL;
}

char *lab_plan_fault_owner(const struct scen *s, const struct scen_fault *f, uint16_t *type)
{
    const struct scen_host *h = fault_host(s, f);
    int target = zone_fault_target_lookup(f->target);
    bool needs_host =
        target == ZONE_TARGET_TLSA || target == ZONE_TARGET_A || target == ZONE_TARGET_AAAA;
    *type = 0;
    if (needs_host && h == NULL)
        return NULL;
    if (strcmp(f->name, "tlsa-servfail") == 0)
        return dl_xasprintf("_tcp.%s", h->name); /* the zone that fails */
    if (strcmp(f->name, "mx-cname") == 0 || strcmp(f->name, "mx-cname-insecure") == 0 ||
        strcmp(f->name, "mx-dname") == 0) {
        *type = LDNS_RR_TYPE_A; /* the target's A: in the provider zone */
        return lab_plan_cname_target(s, h);
    }
    switch (target) {
    case ZONE_TARGET_TLSA: /* where the records are: the alias target, the wildcard */
        *type = LDNS_RR_TYPE_TLSA;
        return tlsa_owner(h, h->name, h->n_tlsa > 0 ? h->tlsa[0].port : 25);
    case ZONE_TARGET_MX:
        *type = LDNS_RR_TYPE_MX;
        return dl_xstrdup(mx_owner(s));
    case ZONE_TARGET_A:
        *type = LDNS_RR_TYPE_A;
        return dl_xstrdup(h->name);
    case ZONE_TARGET_AAAA:
        *type = LDNS_RR_TYPE_AAAA;
        return dl_xstrdup(h->name);
    case ZONE_TARGET_DNSKEY:
        *type = LDNS_RR_TYPE_DNSKEY;
        return dl_xstrdup(s->domain);
    case ZONE_TARGET_DS:
        *type = LDNS_RR_TYPE_DS;
        return dl_xstrdup(s->domain);
    default:
        return dl_xstrdup(s->domain);
    }
}

static int add_faults(zone_tree *t, const struct scen *s, struct dl_error *err)
{
    for (size_t k = 0; k < s->n_faults; k++) {
        const struct scen_fault *f = &s->faults[k];
        char where[512], *owner;
        uint16_t type;
        int rc;
        snprintf(where, sizeof(where), "%s:%u", f->loc.file, f->loc.line);
        owner = lab_plan_fault_owner(s, f, &type);
        if (owner == NULL)
            return dl_error_set(
                err, "%s: fault %s on '%s' needs an MX host%s", where, f->name, f->target,
                strncmp(f->name, "mx-cname", 8) == 0 || strcmp(f->name, "mx-dname") == 0
                    ? " and a provider zone (zones:) for the alias target"
                    : "");
        rc = zone_tree_add_fault(t, f->name, owner, type, where, err);
        free(owner);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The TLS-RPT policy (RFC 8460) at _smtp._tls.<domain>: the scenario's
 * text as one TXT record, in character-strings of at most 255 octets. */
static int add_tlsrpt(zone_tree *t, const struct scen *s, struct dl_error *err)
{
    struct dl_buf b = {0};
    int rc;
    for (size_t i = 0; s->tlsrpt[i] != '\0'; i++) {
        if (i % 255 == 0)
            dl_buf_printf(&b, "%s\"", i ? "\" " : "");
        if (s->tlsrpt[i] == '\t')
            dl_buf_printf(&b, "\\009");
        else
            dl_buf_printf(&b, "%s%c", strchr("\"\\", s->tlsrpt[i]) ? "\\" : "", s->tlsrpt[i]);
    }
    rc =
        add_rr(t, &s->tlsrpt_loc, err, "_smtp._tls.%s %d IN TXT %s\"", s->domain, PLAN_TTL, b.data);
    dl_buf_free(&b);
    return rc;
}

/* Scenario s, catalogue entry i (s is that entry, or a copy of it with
 * other faults). */
static int add_scenario(zone_tree *t, const struct lab_plan_opts *o, const scen_catalog *cat,
                        const struct scen *s, size_t i, struct dl_error *err)
{
    /* lame-delegation: the domain's name server does not serve it.
     * domain_alias: no zone of its own, a CNAME in an extra zone. */
    if (s->domain_alias == NULL &&
        add_zone_at(t, &s->zone, i, find_fault(s, NULL, "lame-delegation") != NULL, err) != 0)
        return -1;
    for (size_t k = 0; k < s->n_zones; k++)
        if (add_zone_at(t, &s->zones[k], i, false, err) != 0)
            return -1;
    if (add_records(t, s->zone.records, s->zone.n_records, s->domain, err) != 0)
        return -1;
    if (s->domain_alias != NULL && add_rr(t, &s->domain_alias_loc, err, "%s %d IN CNAME %s",
                                          s->domain, PLAN_TTL, s->domain_alias) != 0)
        return -1;
    if (s->tlsrpt != NULL && add_tlsrpt(t, s, err) != 0)
        return -1;
    for (size_t k = 0; k < s->n_zones; k++)
        if (add_records(t, s->zones[k].records, s->zones[k].n_records, s->zones[k].origin, err) !=
            0)
            return -1;
    if (add_hosts(t, o, cat, s, i, err) != 0)
        return -1;
    return add_faults(t, s, err);
}

/* The lab root and TLD: signed with the default algorithm, NSEC. */
static int add_top(zone_tree *t, struct dl_error *err)
{
    struct zone_def root = {.origin = ".",
                            .is_signed = true,
                            .publish_ds = true,
                            .algorithm = 13,
                            .ns_name = LAB_ROOT_NS,
                            .ns_addr = LAB_ADDR_PARENT};
    struct zone_def tld = root;
    tld.origin = "test.";
    tld.ns_name = LAB_TLD_NS;
    if (zone_tree_add_zone(t, &root, err) != 0 || zone_tree_add_zone(t, &tld, err) != 0)
        return -1;
    return 0;
}

int lab_plan_build(const scen_catalog *cat, const struct lab_plan_opts *o, zone_tree **out,
                   struct zone_tree_stats *stats, struct dl_error *err)
{
    struct zone_tree_opts zo = {.run_dir = o->run_dir, .now = o->now};
    zone_tree *t = zone_tree_new(&zo);
    int rc = add_top(t, err);
    for (size_t i = 0; rc == 0 && i < scen_catalog_count(cat); i++)
        rc = add_scenario(t, o, cat, scen_catalog_get(cat, i), i, err);
    if (rc == 0)
        rc = zone_tree_build(t, stats, err);
    if (rc != 0) {
        zone_tree_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int lab_plan_build_scenario(const scen_catalog *cat, size_t i, const struct lab_plan_opts *o,
                            const struct scen_fault *faults, size_t n_faults,
                            const struct scen_host *hosts, uint32_t validity, const char *dir,
                            zone_tree **out, struct dl_error *err)
{
    struct zone_tree_opts zo = {.run_dir = dir, .now = o->now, .validity = validity};
    struct scen copy = *scen_catalog_get(cat, i);
    char *keys = dl_xasprintf("%s/keys", dir), *lab_keys = dl_xasprintf("%s/keys", o->run_dir);
    zone_tree *t;
    int rc = dl_mkdir_p(dir, 0755, err);
    if (rc == 0 && symlink(lab_keys, keys) != 0 && errno != EEXIST)
        rc = dl_error_set(err, "%s: %s", keys, strerror(errno));
    free(keys);
    free(lab_keys);
    if (rc != 0)
        return -1;
    copy.faults = (struct scen_fault *)faults;
    copy.n_faults = n_faults;
    if (hosts != NULL)
        copy.hosts = (struct scen_host *)hosts;
    t = zone_tree_new(&zo);
    rc = add_top(t, err);
    if (rc == 0)
        rc = add_scenario(t, o, cat, &copy, i, err);
    if (rc == 0)
        rc = zone_tree_build(t, NULL, err);
    if (rc != 0) {
        zone_tree_free(t);
        return -1;
    }
    *out = t;
    return 0;
}
