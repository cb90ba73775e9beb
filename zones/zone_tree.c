/* zone_tree: declare zones and records, link, sign and write the hierarchy. */
#include "zone_tree.h"

#include "dl_util.h"
#include "zone_inject.h"
#include "zone_key.h"
#include "zone_sign.h"
#include "zone_stamp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_PARENT        ((size_t)-1)
#define DEFAULT_VALIDITY (30u * 86400u)
#define DEFAULT_BACKDATE 3600u
#define DEFAULT_TTL      300u
#define SALT_MAX         255

struct zone {
    struct zone_def def; /* strings below; nsec3_salt is the hex text */
    char *origin;        /* canonical: lower case, absolute */
    char *ns_name;
    char *ns_addr;
    char *salt_hex;
    char *file; /* "good.test.zone", relative to RUN/zones */
    ldns_rdf *apex;
    uint8_t salt[SALT_MAX];
    uint8_t salt_len;
    size_t parent; /* index in zone_tree.zones, NO_PARENT for none */
    /* During a build: */
    ldns_rr_list *rrs;         /* content to sign: declared and generated records */
    zone_keyset *keys;         /* NULL when unsigned */
    zone_keyset *keys2;        /* def.algorithm2's pair, or NULL */
    struct zone_fault *faults; /* on RRsets this zone holds (shallow copies) */
    size_t n_faults;
    struct zone_inject_signing signing; /* after the faults */
};

struct pending_rr {
    ldns_rr *rr;
    char *where; /* "file:line" of the declaration */
};

struct pending_fault {
    struct zone_fault fault; /* owner owned here */
    char *where;
};

struct zone_tree {
    struct zone_tree_opts opts;
    char *run_dir;
    struct zone *zones;
    size_t nzones, zcap;
    struct pending_rr *pending; /* records, assigned to zones at build */
    size_t npending, pcap;
    struct pending_fault *pfaults; /* faults, assigned to zones at build */
    size_t npfaults;
};

/* ---- declarations ---------------------------------------------------- */

zone_tree *zone_tree_new(const struct zone_tree_opts *opts)
{
    zone_tree *t = dl_xcalloc(1, sizeof(*t));
    t->opts = *opts;
    t->run_dir = dl_xstrdup(opts->run_dir != NULL ? opts->run_dir : "run");
    t->opts.run_dir = t->run_dir;
    if (t->opts.now == 0)
        t->opts.now = time(NULL);
    if (t->opts.validity == 0)
        t->opts.validity = DEFAULT_VALIDITY;
    if (t->opts.backdate == 0)
        t->opts.backdate = DEFAULT_BACKDATE;
    if (t->opts.ttl == 0)
        t->opts.ttl = DEFAULT_TTL;
    return t;
}

static void zone_clear_build(struct zone *z)
{
    if (z->rrs != NULL)
        ldns_rr_list_deep_free(z->rrs);
    z->rrs = NULL;
    zone_keyset_free(z->keys);
    z->keys = NULL;
    zone_keyset_free(z->keys2);
    z->keys2 = NULL;
    free(z->faults);
    z->faults = NULL;
    z->n_faults = 0;
}

static void zone_free_fields(struct zone *z)
{
    zone_clear_build(z);
    free(z->origin);
    free(z->ns_name);
    free(z->ns_addr);
    free(z->salt_hex);
    free(z->file);
    ldns_rdf_deep_free(z->apex);
}

void zone_tree_free(zone_tree *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nzones; i++)
        zone_free_fields(&t->zones[i]);
    for (size_t i = 0; i < t->npending; i++) {
        ldns_rr_free(t->pending[i].rr);
        free(t->pending[i].where);
    }
    for (size_t i = 0; i < t->npfaults; i++) {
        ldns_rdf_deep_free(t->pfaults[i].fault.owner);
        free(t->pfaults[i].where);
    }
    free(t->pfaults);
    free(t->zones);
    free(t->pending);
    free(t->run_dir);
    free(t);
}

/* Parse an absolute name into canonical form; the text must be LDH or '_'
 * so that it is safe in file names. *text_out is the canonical text. */
static int name_parse(const char *what, const char *text, ldns_rdf **out, char **text_out,
                      struct dl_error *err)
{
    size_t n = text != NULL ? strlen(text) : 0;
    if (n == 0 || text[n - 1] != '.')
        return dl_error_set(err, "%s '%s' must be an absolute name (ending in '.')", what,
                            text != NULL ? text : "");
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)text[i]) && strchr("-_.", text[i]) == NULL)
            return dl_error_set(err, "%s '%s': only letters, digits, '-', '_' and '.'", what, text);
    if (ldns_str2rdf_dname(out, text) != LDNS_STATUS_OK)
        return dl_error_set(err, "%s '%s' is not a valid domain name", what, text);
    ldns_dname2canonical(*out);
    *text_out = ldns_rdf2str(*out);
    return 0;
}

static int salt_parse(const char *origin, const char *hex, uint8_t *salt, uint8_t *len,
                      struct dl_error *err)
{
    size_t n = hex != NULL ? strlen(hex) : 0;
    *len = 0;
    if (n == 0 || strcmp(hex, "-") == 0)
        return 0;
    if (n % 2 != 0 || n / 2 > SALT_MAX)
        return dl_error_set(err, "zone %s: NSEC3 salt '%s' is not 1 to 255 bytes of hex", origin,
                            hex);
    for (size_t i = 0; i < n; i += 2) {
        unsigned v;
        if (!isxdigit((unsigned char)hex[i]) || !isxdigit((unsigned char)hex[i + 1]) ||
            sscanf(hex + i, "%2x", &v) != 1)
            return dl_error_set(err, "zone %s: NSEC3 salt '%s' is not hex", origin, hex);
        salt[i / 2] = (uint8_t)v;
    }
    *len = (uint8_t)(n / 2);
    return 0;
}

static char *zone_file_name(const char *origin)
{
    size_t n = strlen(origin);
    if (strcmp(origin, ".") == 0)
        return dl_xstrdup("root.zone");
    return dl_xasprintf("%.*s.zone", (int)(n - 1), origin);
}

static int zone_check_def(const struct zone_def *def, struct dl_error *err)
{
    struct in_addr a;
    if (def->is_signed &&
        (!zone_key_algorithm_supported(def->algorithm) ||
         (def->algorithm2 != 0 && !zone_key_algorithm_supported(def->algorithm2))))
        return dl_error_set(
            err, "zone %s: unsupported DNSSEC algorithm %d (use 8, 13, 14, 15 or 16)", def->origin,
            zone_key_algorithm_supported(def->algorithm) ? def->algorithm2 : def->algorithm);
    if (def->algorithm2 != 0 && def->algorithm2 == def->algorithm)
        return dl_error_set(err, "zone %s: its second algorithm %d is its first", def->origin,
                            def->algorithm2);
    if (def->ds_digest != 0 && def->ds_digest != LDNS_SHA1 && def->ds_digest != LDNS_SHA256 &&
        def->ds_digest != LDNS_SHA384)
        return dl_error_set(err, "zone %s: unsupported DS digest type %d (use 1, 2 or 4)",
                            def->origin, def->ds_digest);
    if (def->ns_addr == NULL || inet_pton(AF_INET, def->ns_addr, &a) != 1)
        return dl_error_set(err, "zone %s: name server address '%s' is not an IPv4 address",
                            def->origin, def->ns_addr != NULL ? def->ns_addr : "");
    return 0;
}

static int zone_init(struct zone *z, const struct zone_def *def, struct dl_error *err)
{
    ldns_rdf *ns = NULL;
    memset(z, 0, sizeof(*z));
    z->parent = NO_PARENT;
    if (name_parse("zone origin", def->origin, &z->apex, &z->origin, err) < 0)
        return -1;
    if (zone_check_def(def, err) < 0 ||
        salt_parse(z->origin, def->nsec3_salt, z->salt, &z->salt_len, err) < 0)
        return -1;
    if (name_parse("name server", def->ns_name, &ns, &z->ns_name, err) < 0)
        return dl_error_prefix(err, "zone %s", z->origin);
    ldns_rdf_deep_free(ns);
    z->ns_addr = dl_xstrdup(def->ns_addr);
    z->salt_hex = dl_xstrdup(def->nsec3_salt != NULL ? def->nsec3_salt : "");
    z->file = zone_file_name(z->origin);
    z->def = *def;
    z->def.origin = z->origin;
    z->def.ns_name = z->ns_name;
    z->def.ns_addr = z->ns_addr;
    z->def.nsec3_salt = z->salt_hex;
    return 0;
}

static ssize_t zone_index(const zone_tree *t, const ldns_rdf *apex)
{
    for (size_t i = 0; i < t->nzones; i++)
        if (ldns_dname_compare(t->zones[i].apex, apex) == 0)
            return (ssize_t)i;
    return -1;
}

int zone_tree_add_zone(zone_tree *t, const struct zone_def *def, struct dl_error *err)
{
    struct zone z;
    if (zone_init(&z, def, err) < 0) {
        zone_free_fields(&z);
        return -1;
    }
    if (zone_index(t, z.apex) >= 0) {
        dl_error_set(err, "zone %s is declared twice", z.origin);
        zone_free_fields(&z);
        return -1;
    }
    if (t->nzones == t->zcap) {
        t->zcap = t->zcap ? 2 * t->zcap : 8;
        t->zones = dl_xrealloc(t->zones, t->zcap * sizeof(*t->zones));
    }
    t->zones[t->nzones++] = z;
    return 0;
}

/* Types the builder makes itself: declaring them would clash. */
static bool type_generated(ldns_rr_type type)
{
    return type == LDNS_RR_TYPE_SOA || type == LDNS_RR_TYPE_RRSIG || type == LDNS_RR_TYPE_NSEC ||
           type == LDNS_RR_TYPE_NSEC3 || type == LDNS_RR_TYPE_NSEC3PARAM;
}

static int rr_parse(const zone_tree *t, const char *text, const char *origin, const char *where,
                    ldns_rr **rr, struct dl_error *err)
{
    ldns_rdf *origin_rdf = NULL;
    ldns_status st;
    if (origin != NULL && ldns_str2rdf_dname(&origin_rdf, origin) != LDNS_STATUS_OK)
        return dl_error_set(err, "%s: bad origin '%s'", where, origin);
    st = ldns_rr_new_frm_str(rr, text, t->opts.ttl, origin_rdf, NULL);
    ldns_rdf_deep_free(origin_rdf);
    if (st != LDNS_STATUS_OK)
        return dl_error_set(err, "%s: bad record '%s': %s", where, text,
                            ldns_get_errorstr_by_id(st));
    if (type_generated(ldns_rr_get_type(*rr)) || ldns_rr_get_class(*rr) != LDNS_RR_CLASS_IN) {
        dl_error_set(err, "%s: record '%s': %s records are made by the zone builder", where, text,
                     ldns_rr_get_class(*rr) != LDNS_RR_CLASS_IN ? "non-IN"
                                                                : "SOA, RRSIG and NSEC*");
        ldns_rr_free(*rr);
        return -1;
    }
    ldns_dname2canonical(ldns_rr_owner(*rr));
    return 0;
}

int zone_tree_add_rr(zone_tree *t, const char *text, const char *origin, const char *where,
                     struct dl_error *err)
{
    ldns_rr *rr = NULL;
    if (where == NULL)
        where = "record";
    if (text == NULL)
        return dl_error_set(err, "%s: no record text", where);
    if (rr_parse(t, text, origin, where, &rr, err) < 0)
        return -1;
    if (t->npending == t->pcap) {
        t->pcap = t->pcap ? 2 * t->pcap : 64;
        t->pending = dl_xrealloc(t->pending, t->pcap * sizeof(*t->pending));
    }
    t->pending[t->npending].rr = rr;
    t->pending[t->npending].where = dl_xstrdup(where);
    t->npending++;
    return 0;
}

int zone_tree_add_fault(zone_tree *t, const char *name, const char *owner, uint16_t type,
                        const char *where, struct dl_error *err)
{
    const struct zone_fault_info *info = name ? zone_fault_lookup(name) : NULL;
    struct pending_fault *p;
    ldns_rdf *o = NULL;
    if (where == NULL)
        where = "fault";
    if (info == NULL)
        return dl_error_set(err, "%s: unknown fault '%s'", where, name ? name : "");
    if (owner == NULL || ldns_str2rdf_dname(&o, owner) != LDNS_STATUS_OK)
        return dl_error_set(err, "%s: fault %s: bad owner name '%s'", where, name,
                            owner ? owner : "");
    ldns_dname2canonical(o);
    t->pfaults = dl_xrealloc(t->pfaults, (t->npfaults + 1) * sizeof(*t->pfaults));
    p = &t->pfaults[t->npfaults++];
    p->fault.id = info->id;
    p->fault.owner = o;
    p->fault.type = type;
    p->where = dl_xstrdup(where);
    return 0;
}

/* ---- linking --------------------------------------------------------- */

static int zone_cmp(const void *a, const void *b)
{
    const struct zone *x = a, *y = b;
    uint8_t lx = ldns_dname_label_count(x->apex), ly = ldns_dname_label_count(y->apex);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return ldns_dname_compare(x->apex, y->apex);
}

static bool name_at_or_below(const ldns_rdf *name, const ldns_rdf *apex)
{
    return ldns_dname_compare(name, apex) == 0 || ldns_dname_is_subdomain(name, apex);
}

/* The zone whose apex is `name`, or NO_PARENT: a binary search in the
 * order tree_link sorted the zones (depth, then name; apexes are unique). */
static size_t zone_at(const zone_tree *t, const ldns_rdf *name)
{
    struct zone key = {.apex = (ldns_rdf *)name};
    const struct zone *z = bsearch(&key, t->zones, t->nzones, sizeof(*t->zones), zone_cmp);
    return z ? (size_t)(z - t->zones) : NO_PARENT;
}

/* The deepest zone holding `name` (at or above it), or NO_PARENT: each
 * ancestor of the name, deepest first, looked up by zone_at. The zones
 * must be sorted (tree_link). O(labels x log zones), where a scan of every
 * zone made a build quadratic in the catalogue. */
static size_t zone_owning(const zone_tree *t, const ldns_rdf *name)
{
    ldns_rdf *cur = ldns_rdf_clone(name), *up;
    size_t found = NO_PARENT;
    if (cur == NULL)
        abort();
    /* at most 127 labels: each turn chops one */
    while ((found = zone_at(t, cur)) == NO_PARENT && ldns_dname_label_count(cur) > 0) {
        if ((up = ldns_dname_left_chop(cur)) == NULL)
            abort();
        ldns_rdf_deep_free(cur);
        cur = up;
    }
    ldns_rdf_deep_free(cur);
    return found;
}

/* The deepest zone strictly above zone i, or NO_PARENT. */
static size_t zone_above(const zone_tree *t, size_t i)
{
    const ldns_rdf *apex = t->zones[i].apex;
    ldns_rdf *up;
    size_t found;
    if (ldns_dname_label_count(apex) == 0)
        return NO_PARENT;
    if ((up = ldns_dname_left_chop(apex)) == NULL)
        abort();
    found = zone_owning(t, up);
    ldns_rdf_deep_free(up);
    return found;
}

/* Sort parents before children and link each zone to its parent. */
static void tree_link(zone_tree *t)
{
    qsort(t->zones, t->nzones, sizeof(*t->zones), zone_cmp);
    for (size_t i = 0; i < t->nzones; i++)
        t->zones[i].parent = zone_above(t, i);
}

static void zone_push(struct zone *z, ldns_rr *rr)
{
    if (!ldns_rr_list_push_rr(z->rrs, rr))
        abort();
}

/* A DS at a zone's apex belongs to the parent side of the delegation. */
static int tree_assign_records(zone_tree *t, struct dl_error *err)
{
    for (size_t i = 0; i < t->npending; i++) {
        const struct pending_rr *p = &t->pending[i];
        size_t z = zone_owning(t, ldns_rr_owner(p->rr));
        char *owner;
        if (z != NO_PARENT && ldns_rr_get_type(p->rr) == LDNS_RR_TYPE_DS &&
            ldns_dname_compare(ldns_rr_owner(p->rr), t->zones[z].apex) == 0)
            z = t->zones[z].parent;
        if (z != NO_PARENT) {
            zone_push(&t->zones[z], ldns_rr_clone(p->rr));
            continue;
        }
        owner = ldns_rdf2str(ldns_rr_owner(p->rr));
        dl_error_set(err, "%s: record owner '%s' is in no lab zone%s", p->where, owner,
                     ldns_rr_get_type(p->rr) == LDNS_RR_TYPE_DS ? " with a parent" : "");
        free(owner);
        return -1;
    }
    return 0;
}

static void zone_add_fault(struct zone *z, const struct zone_fault *f)
{
    z->faults = dl_xrealloc(z->faults, (z->n_faults + 1) * sizeof(*z->faults));
    z->faults[z->n_faults++] = *f;
}

/* Each fault goes to the zone holding its RRset (a DS at a zone's apex:
 * the parent); a whole-zone fault must name a zone apex. */
static int tree_assign_faults(zone_tree *t, struct dl_error *err)
{
    for (size_t i = 0; i < t->npfaults; i++) {
        const struct pending_fault *p = &t->pfaults[i];
        size_t z = zone_owning(t, p->fault.owner);
        bool apex = z != NO_PARENT && ldns_dname_compare(p->fault.owner, t->zones[z].apex) == 0;
        char *d;
        if (apex && p->fault.type == LDNS_RR_TYPE_DS)
            z = t->zones[z].parent;
        if (z != NO_PARENT && (p->fault.type != 0 || apex)) {
            zone_add_fault(&t->zones[z], &p->fault);
            continue;
        }
        d = zone_inject_describe(&p->fault);
        dl_error_set(err, "%s: fault %s: %s", p->where, d,
                     z == NO_PARENT ? "its RRset is in no lab zone" : "not a zone apex");
        free(d);
        return -1;
    }
    return 0;
}

/* Parse a generated record; the text is ours, so failure is a bug in the
 * declared names only (already checked), reported with the zone. */
static int zone_add_text(struct zone *z, struct dl_error *err, const char *fmt, ...)
    DL_PRINTF(3, 4);
static int zone_add_text(struct zone *z, struct dl_error *err, const char *fmt, ...)
{
    char *text;
    ldns_rr *rr = NULL;
    ldns_status st;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        abort();
    va_end(ap);
    st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
    if (st != LDNS_STATUS_OK) {
        dl_error_set(err, "zone %s: cannot make record '%s': %s", z->origin, text,
                     ldns_get_errorstr_by_id(st));
        free(text);
        return -1;
    }
    free(text);
    zone_push(z, rr);
    return 0;
}

/* SOA (serial 0 until written: the fingerprint must not depend on it),
 * apex NS. */
static int zone_add_apex(const zone_tree *t, struct zone *z, struct dl_error *err)
{
    uint32_t ttl = t->opts.ttl;
    const char *rname_sep = strcmp(z->origin, ".") == 0 ? "" : z->origin;
    if (zone_add_text(z, err, "%s %u IN SOA %s hostmaster.%s 0 3600 600 1209600 %u", z->origin, ttl,
                      z->ns_name, rname_sep, ttl) < 0)
        return -1;
    return zone_add_text(z, err, "%s %u IN NS %s", z->origin, ttl, z->ns_name);
}

/* The DS records of child `c` in its parent `p`, as their faults make them. */
static void zone_push_ds(struct zone *p, const struct zone *c, uint32_t ttl)
{
    struct zone_fault *on = dl_xcalloc(p->n_faults + 1, sizeof(*on));
    size_t n = 0, pushed = 0;
    int digest = c->def.ds_digest != 0 ? c->def.ds_digest : LDNS_SHA256;
    unsigned which = c->def.ds_algorithms != 0 ? c->def.ds_algorithms : 3u;
    ldns_rr_list *ds;
    for (size_t i = 0; i < p->n_faults; i++)
        if (p->faults[i].type == LDNS_RR_TYPE_DS &&
            ldns_dname_compare(p->faults[i].owner, c->apex) == 0)
            on[n++] = p->faults[i];
    for (int k = 0; k < 2; k++) {
        const zone_keyset *ks = k == 0 ? c->keys : c->keys2;
        if (ks == NULL || (which & (1u << k)) == 0)
            continue;
        ds = zone_inject_ds(on, n, c->faults, c->n_faults, ks, digest, ttl);
        pushed += ldns_rr_list_rr_count(ds);
        for (size_t i = 0; i < ldns_rr_list_rr_count(ds); i++)
            zone_push(p, ldns_rr_list_rr(ds, i));
        ldns_rr_list_free(ds); /* the records moved to the parent */
    }
    /* A stale DS (of the first algorithm the DS names) only beside a
     * published one (not over insecure-delegation). */
    if (c->def.ds_stale && pushed > 0)
        zone_push(p, zone_inject_stale_ds((which & 1u) || c->keys2 == NULL ? c->keys : c->keys2,
                                          digest, ttl));
    free(on);
}

/* The name server's address in the zone owning its name; delegation NS,
 * glue and DS in the parent. */
static int zone_add_links(const zone_tree *t, size_t i, struct dl_error *err)
{
    struct zone *z = &t->zones[i];
    uint32_t ttl = t->opts.ttl;
    ldns_rdf *ns = NULL;
    size_t owner;
    bool in_bailiwick;
    if (ldns_str2rdf_dname(&ns, z->ns_name) != LDNS_STATUS_OK)
        return dl_error_set(err, "zone %s: bad name server '%s'", z->origin, z->ns_name);
    owner = zone_owning(t, ns);
    in_bailiwick = name_at_or_below(ns, z->apex);
    ldns_rdf_deep_free(ns);
    if (owner == NO_PARENT)
        return dl_error_set(err, "zone %s: name server %s is in no lab zone", z->origin,
                            z->ns_name);
    if (zone_add_text(&t->zones[owner], err, "%s %u IN A %s", z->ns_name, ttl, z->ns_addr) < 0)
        return -1;
    /* Below a cut of this very zone (the root's a.root-servers.test.): glue
     * here too, as the real root zone carries its servers' addresses. */
    if (owner != i && in_bailiwick &&
        zone_add_text(z, err, "%s %u IN A %s", z->ns_name, ttl, z->ns_addr) < 0)
        return -1;
    if (z->parent == NO_PARENT)
        return 0;
    if (zone_add_text(&t->zones[z->parent], err, "%s %u IN NS %s", z->origin, ttl, z->ns_name) < 0)
        return -1;
    if (in_bailiwick &&
        zone_add_text(&t->zones[z->parent], err, "%s %u IN A %s", z->ns_name, ttl, z->ns_addr) < 0)
        return -1;
    if (z->keys != NULL && z->def.publish_ds)
        zone_push_ds(&t->zones[z->parent], z, ttl);
    return 0;
}

static int tree_load_keys(zone_tree *t, struct zone_tree_stats *stats, struct dl_error *err)
{
    char *keys_dir = dl_xasprintf("%s/keys", t->run_dir);
    int rc = 0;
    for (size_t i = 0; i < t->nzones && rc == 0; i++) {
        struct zone *z = &t->zones[i];
        unsigned created = 0;
        if (!z->def.is_signed)
            continue;
        z->keys = zone_keyset_load(keys_dir, z->origin, z->def.algorithm, &created, err);
        if (z->keys == NULL)
            rc = -1;
        stats->keys_created += created;
        if (rc == 0 && z->def.algorithm2 != 0) {
            z->keys2 = zone_keyset_load(keys_dir, z->origin, z->def.algorithm2, &created, err);
            rc = z->keys2 == NULL ? -1 : 0;
            stats->keys_created += created;
        }
    }
    free(keys_dir);
    return rc;
}

/* Fresh content lists, declared records, then everything generated. */
static int tree_fill(zone_tree *t, struct zone_tree_stats *stats, struct dl_error *err)
{
    for (size_t i = 0; i < t->nzones; i++) {
        zone_clear_build(&t->zones[i]);
        t->zones[i].rrs = ldns_rr_list_new();
        if (t->zones[i].rrs == NULL)
            abort();
    }
    if (tree_assign_records(t, err) < 0 || tree_assign_faults(t, err) < 0 ||
        tree_load_keys(t, stats, err) < 0)
        return -1;
    for (size_t i = 0; i < t->nzones; i++)
        if (zone_add_apex(t, &t->zones[i], err) < 0 || zone_add_links(t, i, err) < 0)
            return -1;
    return 0;
}

/* ---- signing and writing --------------------------------------------- */

/* Canonical order without duplicates (ldns_dnssec_zone_add_rr ignores a
 * duplicate without freeing it). */
static void rrs_normalise(ldns_rr_list *l)
{
    size_t n = ldns_rr_list_rr_count(l), w = 0;
    ldns_rr_list_sort(l);
    for (size_t r = 0; r < n; r++) {
        ldns_rr *rr = ldns_rr_list_rr(l, r);
        if (w > 0 && ldns_rr_compare(ldns_rr_list_rr(l, w - 1), rr) == 0) {
            ldns_rr_free(rr);
            continue;
        }
        ldns_rr_list_set_rr(l, rr, w++);
    }
    ldns_rr_list_set_rr_count(l, w);
}

/* Everything but the records that decides the zone file's content. */
static char *zone_params(const zone_tree *t, const struct zone *z)
{
    const struct zone_inject_signing *s = &z->signing;
    char *base, *all;
    if (!s->sign)
        base = dl_xstrdup("signed=0");
    else
        base = dl_xasprintf("signed=1 algorithm=%d ksk=%u zsk=%u algorithm2=%d ksk2=%u zsk2=%u "
                            "signs2=%d nsec3=%d optout=%d iterations=%u salt=%s "
                            "validity=%u backdate=%u",
                            zone_keyset_algorithm(z->keys), zone_keyset_ksk_tag(z->keys),
                            zone_keyset_zsk_tag(z->keys), z->def.algorithm2,
                            z->keys2 ? zone_keyset_ksk_tag(z->keys2) : 0,
                            z->keys2 ? zone_keyset_zsk_tag(z->keys2) : 0,
                            z->def.algorithm2_signs ? 1 : 0, s->nsec3 ? 1 : 0,
                            s->nsec3 && z->def.nsec3_optout ? 1 : 0, s->nsec3 ? s->iterations : 0,
                            s->nsec3 ? z->salt_hex : "", t->opts.validity, t->opts.backdate);
    /* Faults change the file in ways the records do not show; those that
     * are relative to the signing time make a rebuild renew them too. */
    for (size_t i = 0; i < z->n_faults; i++) {
        char *d = zone_inject_describe(&z->faults[i]);
        all = dl_xasprintf("%s fault=%s", base, d);
        free(d);
        free(base);
        base = all;
    }
    return base;
}

static void zone_set_serial(struct zone *z, uint32_t serial)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(z->rrs); i++) {
        ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
            ldns_rdf_deep_free(
                ldns_rr_set_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial), 2));
    }
}

static void zone_sign_params_of(const struct zone *z, const struct zone_stamp *st, time_t now,
                                struct zone_sign_params *p)
{
    memset(p, 0, sizeof(*p));
    p->origin = z->origin;
    p->keys = z->signing.sign ? z->keys : NULL;
    p->keys2 = z->signing.sign && z->def.algorithm2_signs ? z->keys2 : NULL;
    p->nsec3_optout = z->def.nsec3_optout;
    p->inception = z->signing.inception ? z->signing.inception : (uint32_t)st->inception;
    p->expiration = z->signing.expiration ? z->signing.expiration : (uint32_t)st->expiration;
    p->nsec3 = z->signing.nsec3;
    p->iterations = z->signing.iterations;
    p->salt = z->salt;
    p->salt_len = z->salt_len;
    p->faults = z->faults;
    p->n_faults = z->n_faults;
    p->now = now;
}

static int zone_write(const struct zone *z, const struct zone_stamp *st, time_t now,
                      const char *path, struct zone_tree_stats *stats, struct dl_error *err)
{
    struct zone_sign_params p;
    struct zone_sign_result res;
    char *text = NULL, *line = zone_stamp_line(st);
    size_t len = 0;
    int rc;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        free(line);
        return dl_error_set(err, "zone %s: open_memstream: %s", z->origin, strerror(errno));
    }
    fputs(line, mem);
    free(line);
    zone_sign_params_of(z, st, now, &p);
    rc = zone_sign_print(z->rrs, &p, mem, &res, err);
    if (rc == 0 && zone_inject_broken(z->faults, z->n_faults))
        fprintf(mem, "$ORIGIN %s\n" ZONE_INJECT_BROKEN_LINE, z->origin);
    if (fclose(mem) != 0 && rc == 0)
        rc = dl_error_set(err, "zone %s: cannot print the zone", z->origin);
    if (rc == 0)
        rc = dl_write_file(path, text, len, 0644, err);
    free(text);
    stats->signatures += res.signatures;
    stats->sign_seconds += res.seconds;
    return rc;
}

static uint32_t next_serial(time_t now, const struct zone_stamp *old)
{
    uint32_t serial = (uint32_t)now;
    if (old != NULL && old->serial >= serial)
        serial = old->serial + 1;
    return serial;
}

static int zone_emit(const zone_tree *t, struct zone *z, struct zone_tree_stats *stats,
                     struct dl_error *err)
{
    char *path = dl_xasprintf("%s/zones/%s", t->run_dir, z->file);
    char *params;
    struct zone_stamp old, st;
    bool have_old, have_old_fresh = true;
    int rc = 0;
    z->signing = (struct zone_inject_signing){
        .sign = z->keys != NULL, .nsec3 = z->def.nsec3, .iterations = z->def.nsec3_iterations};
    zone_inject_signing(z->faults, z->n_faults, t->opts.now, &z->signing);
    zone_inject_records(z->faults, z->n_faults, z->rrs, t->opts.ttl);
    if (z->signing.sign) {
        for (int k = 0; k < 2; k++) {
            const zone_keyset *ks = k == 0 ? z->keys : z->keys2;
            ldns_rr_list *dnskeys;
            if (ks == NULL)
                continue;
            dnskeys = zone_keyset_dnskeys(ks, t->opts.ttl);
            if (!ldns_rr_list_cat(z->rrs, dnskeys))
                abort();
            ldns_rr_list_free(dnskeys); /* the records moved to z->rrs */
        }
    }
    rrs_normalise(z->rrs);
    params = zone_params(t, z);
    zone_stamp_fingerprint(z->rrs, params, st.fingerprint);
    free(params);
    have_old = zone_stamp_read(path, &old);
    /* A signature "not yet valid" a week after the signing time would
     * become valid if the file were re-used a week later: such a zone is
     * re-signed once it was signed more than a day before now (or after
     * it), so its inception stays days beyond any validator's skew. */
    if (have_old && zone_inject_has(z->faults, z->n_faults, ZONE_FAULT_RRSIG_NOT_YET_VALID)) {
        int64_t signed_at = old.inception + t->opts.backdate,
                age = (int64_t)t->opts.now - signed_at;
        if (age < 0 || age > 86400)
            have_old_fresh = false;
    }
    if (have_old && have_old_fresh &&
        zone_stamp_fresh(&old, st.fingerprint, z->signing.sign, t->opts.now, t->opts.validity)) {
        dl_debug("zone %s: %s is up to date", z->origin, path);
        stats->cached++;
    } else {
        st.serial = next_serial(t->opts.now, have_old ? &old : NULL);
        st.inception = z->signing.sign ? (int64_t)t->opts.now - t->opts.backdate : 0;
        st.expiration = z->signing.sign ? (int64_t)t->opts.now + t->opts.validity : 0;
        zone_set_serial(z, st.serial);
        rc = zone_write(z, &st, t->opts.now, path, stats, err);
        stats->signed_now += rc == 0;
    }
    free(path);
    return rc;
}

/* RUN/root.key: the DS of the root's KSK, the lab's trust anchor. Removed
 * when the root is not signed, so that no stale anchor is left behind. */
static int tree_write_anchor(const zone_tree *t, struct dl_error *err)
{
    char *path = dl_xasprintf("%s/root.key", t->run_dir);
    const struct zone *root = t->nzones > 0 ? &t->zones[0] : NULL;
    int rc = 0;
    if (root != NULL && strcmp(root->origin, ".") == 0 && root->keys != NULL) {
        ldns_rr *ds = zone_keyset_ds(root->keys, LDNS_SHA256, t->opts.ttl);
        char *text = ldns_rr2str(ds);
        rc = dl_write_file(path, text, strlen(text), 0644, err);
        free(text);
        ldns_rr_free(ds);
    } else if (unlink(path) < 0 && errno != ENOENT) {
        rc = dl_error_set(err, "%s: %s", path, strerror(errno));
    }
    free(path);
    return rc;
}

/* Children before parents: a parent's DS depends on its child's KSK. */
static int tree_write(zone_tree *t, struct zone_tree_stats *stats, struct dl_error *err)
{
    char *dir = dl_xasprintf("%s/zones", t->run_dir);
    int rc = dl_mkdir_p(dir, 0755, err);
    free(dir);
    for (size_t i = t->nzones; rc == 0 && i-- > 0;)
        rc = zone_emit(t, &t->zones[i], stats, err);
    if (rc == 0)
        rc = tree_write_anchor(t, err);
    return rc;
}

int zone_tree_build(zone_tree *t, struct zone_tree_stats *stats, struct dl_error *err)
{
    struct zone_tree_stats unused;
    int rc;
    if (stats == NULL)
        stats = &unused;
    memset(stats, 0, sizeof(*stats));
    if (t->nzones == 0)
        return dl_error_set(err, "no zones declared");
    tree_link(t);
    stats->zones = (unsigned)t->nzones;
    rc = tree_fill(t, stats, err);
    if (rc == 0)
        rc = tree_write(t, stats, err);
    for (size_t i = 0; i < t->nzones; i++)
        zone_clear_build(&t->zones[i]);
    return rc;
}

/* ---- results --------------------------------------------------------- */

size_t zone_tree_count(const zone_tree *t)
{
    return t->nzones;
}

const char *zone_tree_origin(const zone_tree *t, size_t i)
{
    return i < t->nzones ? t->zones[i].origin : NULL;
}

const char *zone_tree_ns_addr(const zone_tree *t, size_t i)
{
    return i < t->nzones ? t->zones[i].ns_addr : NULL;
}

bool zone_tree_lame(const zone_tree *t, size_t i)
{
    return i < t->nzones && t->zones[i].def.lame;
}

const char *zone_tree_file(const zone_tree *t, size_t i)
{
    return i < t->nzones ? t->zones[i].file : NULL;
}
