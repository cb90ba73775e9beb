/* scen_zone: `zone:`, `zones:` and `records:` (see scen_zone.h). */
#include "scen_zone.h"

#include "dl_util.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_KEYS                                                                                  \
    "signed", "ds", "algorithm", "sign-with", "ds-algorithm", "ds-digest", "ds-stale", "denial",   \
        "nsec3", "records", "misbehave"
#define MAX_ALGORITHMS 2 /* a zone in an algorithm rollover has two */

static const char *const zone_keys[] = {ZONE_KEYS, "validity", NULL};
static const char *const extra_zone_keys[] = {"name", ZONE_KEYS, NULL};
static const char *const nsec3_keys[] = {"iterations", "salt", "opt-out", NULL};
static const char *const algorithm_names[] = {"ecdsap256sha256",
                                              "rsasha256",
                                              "ecdsap384sha384",
                                              "ed25519",
                                              "ed448",
                                              "13",
                                              "8",
                                              "14",
                                              "15",
                                              "16",
                                              NULL};
static const int algorithm_numbers[] = {13, 8, 14, 15, 16, 13, 8, 14, 15, 16};
static const char *const digest_names[] = {"sha256", "sha1", "sha384", "2", "1", "4", NULL};
static const int digest_numbers[] = {2, 1, 4, 2, 1, 4};
static const char *const denial_names[] = {"nsec", "nsec3", NULL};

/* ------------------------------------------------------------------ */
/* Records                                                             */

/* Parse one record with ldns and check its owner lies in the zone. */
static int check_record(struct scen_parse *c, unsigned line, const char *text, const char *origin)
{
    ldns_rdf *org = ldns_dname_new_frm_str(origin);
    ldns_rr *rr = NULL;
    ldns_status st = ldns_rr_new_frm_str(&rr, text, SCEN_RECORD_TTL, org, NULL);
    bool inside = false;
    if (st == LDNS_STATUS_OK) {
        inside = ldns_dname_compare(ldns_rr_owner(rr), org) == 0 ||
                 ldns_dname_is_subdomain(ldns_rr_owner(rr), org);
        ldns_rr_free(rr);
    }
    ldns_rdf_deep_free(org);
    if (st != LDNS_STATUS_OK)
        return dl_error_set(c->err, "%s:%u: bad record '%s': %s", c->path, line, text,
                            ldns_get_errorstr_by_id(st));
    if (!inside)
        return dl_error_set(c->err, "%s:%u: record '%s' is outside zone '%s'", c->path, line, text,
                            origin);
    return 0;
}

static int add_record(struct scen_parse *c, struct scen_zone *z, unsigned line, const char *text)
{
    if (z->n_records >= SCEN_MAX_RECORDS)
        return dl_error_set(c->err, "%s:%u: zone '%s': more than %d records", c->path, line,
                            z->origin, SCEN_MAX_RECORDS);
    z->records = dl_xrealloc(z->records, (z->n_records + 1) * sizeof(*z->records));
    z->records[z->n_records].loc.file = c->path;
    z->records[z->n_records].loc.line = line;
    z->records[z->n_records].text = dl_xstrdup(text);
    z->n_records++;
    return 0;
}

/* One scalar of records: one record a line, blank and ';' lines skipped.
 * A literal block's text starts on the line after its '|'. */
static int add_record_lines(struct scen_parse *c, const yaml_node_t *n, struct scen_zone *z)
{
    bool block = n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE;
    unsigned line = scen_yaml_line(n) + (block ? 1 : 0);
    char *copy = dl_xstrdup(scen_yaml_scalar(n)), *next = copy;
    int rc = 0;
    for (char *cur = copy; rc == 0 && cur != NULL; cur = next, line++) {
        size_t len;
        next = strchr(cur, '\n');
        if (next != NULL)
            *next++ = '\0';
        cur += strspn(cur, " \t\r");
        len = strlen(cur);
        while (len > 0 && strchr(" \t\r", cur[len - 1]) != NULL)
            cur[--len] = '\0';
        if (len == 0 || cur[0] == ';')
            continue;
        rc = check_record(c, line, cur, z->origin);
        if (rc == 0)
            rc = add_record(c, z, line, cur);
    }
    free(copy);
    return rc;
}

static int add_records_scalar(struct scen_parse *c, const yaml_node_t *n, struct scen_zone *z)
{
    if (n->type != YAML_SCALAR_NODE)
        return scen_yaml_fail(c->y, n, "records", c->err,
                              "expected a string or a list of strings, got %s",
                              n->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping");
    if (n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
        return scen_yaml_fail(c->y, n, "records", c->err,
                              "use a literal block (|), not a folded one (>)");
    return add_record_lines(c, n, z);
}

/* records: a block string or a list of strings (NULL: absent). */
static int parse_records(struct scen_parse *c, const yaml_node_t *n, struct scen_zone *z)
{
    if (n == NULL)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE)
        return add_records_scalar(c, n, z);
    if (scen_yaml_seq(c->y, n, "records", SCEN_MAX_RECORDS, c->err) != 0)
        return -1;
    for (size_t i = 0; i < scen_yaml_seq_len(n); i++)
        if (add_records_scalar(c, scen_yaml_seq_item(c->y, n, i), z) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Zones                                                               */

static bool valid_salt(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n % 2 == 0 && n <= 510 && strspn(s, "0123456789abcdefABCDEF") == n;
}

static int parse_nsec3(struct scen_parse *c, yaml_node_t *n, struct scen_zone *z)
{
    struct scen_yaml_map m;
    yaml_node_t *salt;
    const char *s = "-";
    long iterations = 0;
    if (scen_yaml_map_open(c->y, n, "nsec3", "nsec3", nsec3_keys, &m, c->err) != 0 ||
        scen_yaml_get_int(&m, "iterations", 0, 65535, &iterations, c->err) != 0)
        return -1;
    z->nsec3_iterations = (uint16_t)iterations;
    if (scen_yaml_get_bool(&m, "opt-out", &z->nsec3_optout, c->err) != 0)
        return -1;
    salt = scen_yaml_get(&m, "salt");
    if (scen_yaml_str(c->y, salt, "salt", &s, c->err) != 0)
        return -1;
    if (strcmp(s, "-") == 0)
        return 0;
    if (!valid_salt(s))
        return scen_yaml_fail(c->y, salt, "salt", c->err,
                              "expected '-' or an even number of hex digits (at most 510), "
                              "got '%s'",
                              s);
    z->nsec3_salt = scen_parse_lower(s);
    return 0;
}

/* One algorithm name or number, or a list of at most MAX_ALGORITHMS
 * different ones, into out[] (*n of them; NULL node: *n is 0). */
static int parse_algorithms(struct scen_parse *c, const yaml_node_t *n, const char *key,
                            int out[MAX_ALGORITHMS], size_t *count)
{
    size_t len = 1;
    *count = 0;
    if (n == NULL)
        return 0;
    if (n->type == YAML_SEQUENCE_NODE) {
        if (scen_yaml_seq(c->y, n, key, MAX_ALGORITHMS, c->err) != 0)
            return -1;
        len = scen_yaml_seq_len(n);
        if (len == 0)
            return scen_yaml_fail(c->y, n, key, c->err, "expected at least one algorithm");
    }
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *item =
            n->type == YAML_SEQUENCE_NODE ? scen_yaml_seq_item(c->y, n, i) : n;
        int idx = 0;
        if (scen_yaml_enum(c->y, item, key, algorithm_names, &idx, c->err) != 0)
            return -1;
        out[i] = algorithm_numbers[idx];
        if (i == 1 && out[1] == out[0])
            return scen_yaml_fail(c->y, item, key, c->err, "algorithm %d is named twice", out[1]);
    }
    *count = len;
    return 0;
}

/* `sign-with` or `ds-algorithm`: a subset of the zone's algorithms, as a
 * mask (bit 0 algorithm, bit 1 algorithm2); absent: all of them. */
static int parse_algorithm_subset(struct scen_parse *c, const struct scen_yaml_map *m,
                                  const char *key, const struct scen_zone *z, uint8_t *mask)
{
    yaml_node_t *n = scen_yaml_get(m, key);
    int algs[MAX_ALGORITHMS];
    size_t count;
    *mask = z->algorithm2 != 0 ? 3 : 1;
    if (n != NULL && !z->is_signed)
        return scen_yaml_fail(c->y, n, key, c->err, "only allowed in a signed zone");
    if (parse_algorithms(c, n, key, algs, &count) != 0)
        return -1;
    if (count > 0)
        *mask = 0;
    for (size_t i = 0; i < count; i++) {
        if (algs[i] != z->algorithm && algs[i] != z->algorithm2)
            return scen_yaml_fail(c->y, n, key, c->err,
                                  "algorithm %d is not one of the zone's (key 'algorithm')",
                                  algs[i]);
        *mask |= algs[i] == z->algorithm ? 1 : 2;
    }
    return 0;
}

/* `sign-with`: the first algorithm always signs (RFC 6840 5.11: a zone
 * in a rollover signs with the old algorithm until its DS is gone); the
 * second may be published only, the broken rollover of a zone whose DS
 * names the new key before anything is signed with it. */
static int parse_sign_with(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_zone *z)
{
    uint8_t mask;
    if (parse_algorithm_subset(c, m, "sign-with", z, &mask) != 0)
        return -1;
    if ((mask & 1) == 0)
        return scen_yaml_fail(c->y, scen_yaml_get(m, "sign-with"), "sign-with", c->err,
                              "the first algorithm of 'algorithm' always signs");
    z->algorithm2_signs = (mask & 2) != 0;
    return 0;
}

/* ds-algorithm, ds-digest, ds-stale: what the parent's DS RRset holds. */
static int parse_ds_form(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_zone *z)
{
    static const char *const keys[] = {"ds-algorithm", "ds-digest", "ds-stale"};
    int digest = 0;
    for (size_t i = 0; i < 3; i++)
        if (scen_yaml_get(m, keys[i]) != NULL && !z->ds)
            return scen_yaml_fail(c->y, scen_yaml_get(m, keys[i]), keys[i], c->err,
                                  "only allowed when the parent publishes a DS ('ds')");
    if (parse_algorithm_subset(c, m, "ds-algorithm", z, &z->ds_algorithms) != 0 ||
        scen_yaml_get_enum(m, "ds-digest", digest_names, &digest, c->err) != 0 ||
        scen_yaml_get_bool(m, "ds-stale", &z->ds_stale, c->err) != 0)
        return -1;
    z->ds_digest = digest_numbers[digest];
    return 0;
}

static int parse_signing(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_zone *z)
{
    yaml_node_t *ds = scen_yaml_get(m, "ds");
    int algs[MAX_ALGORITHMS];
    size_t count;
    z->is_signed = true;
    if (scen_yaml_get_bool(m, "signed", &z->is_signed, c->err) != 0)
        return -1;
    z->ds = z->is_signed;
    if (scen_yaml_bool(c->y, ds, "ds", &z->ds, c->err) != 0)
        return -1;
    if (z->ds && !z->is_signed)
        return scen_yaml_fail(c->y, ds, "ds", c->err,
                              "a DS needs a signed zone (a DS over an unsigned zone is "
                              "the fault ds-without-dnskey)");
    if (parse_algorithms(c, scen_yaml_get(m, "algorithm"), "algorithm", algs, &count) != 0)
        return -1;
    z->algorithm = count > 0 ? algs[0] : 13;
    z->algorithm2 = count > 1 ? algs[1] : 0;
    return parse_sign_with(c, m, z) != 0 ? -1 : parse_ds_form(c, m, z);
}

/* The keys shared by `zone:` and the items of `zones:`. */
static int parse_zone_keys(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_zone *z)
{
    yaml_node_t *nsec3 = scen_yaml_get(m, "nsec3");
    int denial = 0;
    if (parse_signing(c, m, z) != 0 ||
        scen_yaml_get_enum(m, "denial", denial_names, &denial, c->err) != 0)
        return -1;
    z->nsec3 = denial == 1;
    if (nsec3 != NULL && !z->nsec3)
        return scen_yaml_fail(c->y, nsec3, "nsec3", c->err, "only allowed with denial: nsec3");
    if (nsec3 != NULL && parse_nsec3(c, nsec3, z) != 0)
        return -1;
    if (scen_misbehave_parse(c, scen_yaml_get(m, "misbehave"), &z->misbehave, &z->n_misbehave) != 0)
        return -1;
    return parse_records(c, scen_yaml_get(m, "records"), z);
}

int scen_zone_parse_domain(struct scen_parse *c, const struct scen_yaml_map *top,
                           struct scen_zone *z)
{
    yaml_node_t *n = scen_yaml_get(top, "zone");
    struct scen_yaml_map m;
    z->origin = dl_xstrdup(c->domain);
    z->is_signed = z->ds = true;
    z->algorithm = 13;
    z->ds_digest = 2;
    z->ds_algorithms = 1;
    z->algorithm2_signs = false;
    if (n != NULL && (scen_yaml_map_open(c->y, n, "zone", "zone", zone_keys, &m, c->err) != 0 ||
                      parse_zone_keys(c, &m, z) != 0 ||
                      scen_yaml_get_duration(&m, "validity", &z->validity, c->err) != 0))
        return -1;
    if (n != NULL && scen_yaml_get(&m, "validity") != NULL &&
        (z->validity < 600 || z->validity > 366 * 86400))
        return scen_yaml_fail(c->y, scen_yaml_get(&m, "validity"), "validity", c->err,
                              "expected a duration from 10m to 366d, got '%s'",
                              scen_yaml_scalar(scen_yaml_get(&m, "validity")));
    return parse_records(c, scen_yaml_get(top, "records"), z);
}

/* zones[i] against the domain and zones[0..i-1]. */
static int check_extra_zone(struct scen_parse *c, const yaml_node_t *n,
                            const struct scen_zone *zones, size_t i)
{
    const struct scen_zone *z = &zones[i];
    if (strcmp(z->origin, c->domain) == 0)
        return scen_yaml_fail(c->y, n, "name", c->err, "'%s' is the scenario's own domain",
                              z->origin);
    for (size_t j = 0; j < i; j++)
        if (strcmp(zones[j].origin, z->origin) == 0)
            return scen_yaml_fail(c->y, n, "name", c->err, "zone '%s' already defined at line %u",
                                  z->origin, zones[j].loc.line);
    return 0;
}

static int parse_extra_zone(struct scen_parse *c, yaml_node_t *item, struct scen_zone *zones,
                            size_t i)
{
    struct scen_yaml_map m;
    struct scen_zone *z = &zones[i];
    yaml_node_t *name;
    if (scen_yaml_map_open(c->y, item, "zones", "zone", extra_zone_keys, &m, c->err) != 0 ||
        (name = scen_yaml_require(&m, "name", c->err)) == NULL ||
        scen_parse_dname(c, name, "name", NULL, &z->origin) != 0)
        return -1;
    z->loc = scen_parse_loc(c, name);
    if (check_extra_zone(c, name, zones, i) != 0)
        return -1;
    return parse_zone_keys(c, &m, z);
}

int scen_zone_parse_extra(struct scen_parse *c, const yaml_node_t *n, struct scen_zone **zones,
                          size_t *n_zones)
{
    if (n == NULL)
        return 0;
    if ((*zones = scen_parse_array(c, n, "zones", SCEN_MAX_ZONES, sizeof(**zones), n_zones)) ==
        NULL)
        return -1;
    for (size_t i = 0; i < *n_zones; i++)
        if (parse_extra_zone(c, scen_yaml_seq_item(c->y, n, i), *zones, i) != 0)
            return -1;
    return 0;
}

void scen_zone_clear(struct scen_zone *z)
{
    free(z->origin);
    free(z->nsec3_salt);
    for (size_t i = 0; i < z->n_records; i++)
        free(z->records[i].text);
    free(z->records);
    free(z->misbehave);
}
