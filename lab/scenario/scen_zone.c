/* scen_zone: `zone:`, `zones:` and `records:` (see scen_zone.h). */
#include "scen_zone.h"

#include "dl_util.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_KEYS "signed", "ds", "algorithm", "denial", "nsec3", "records", "misbehave"

static const char *const zone_keys[] = {ZONE_KEYS, "validity", NULL};
static const char *const extra_zone_keys[] = {"name", ZONE_KEYS, NULL};
static const char *const nsec3_keys[] = {"iterations", "salt", NULL};
static const char *const algorithm_names[] = {
    "ecdsap256sha256", "rsasha256", "ed25519", "13", "8", "15", NULL};
static const int algorithm_numbers[] = {13, 8, 15, 13, 8, 15};
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

static int parse_signing(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_zone *z)
{
    yaml_node_t *ds = scen_yaml_get(m, "ds");
    int alg = 0;
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
    if (scen_yaml_get_enum(m, "algorithm", algorithm_names, &alg, c->err) != 0)
        return -1;
    z->algorithm = algorithm_numbers[alg];
    return 0;
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
