/*
 * scen: scenario files and the catalogue (see scen.h and
 * danelab-scenario(5)). The YAML walking is in scen_yaml.c; this file
 * holds the schema: which keys each mapping takes, their types, defaults
 * and the checks across keys (references to certificates and hosts,
 * records parsed with ldns, fault names checked against zone_fault.h).
 *
 * Keys are read in a fixed order (name, domain, certificates, mx, ...) so
 * that later keys can refer to earlier ones whatever their order in the
 * file. Every array is allocated at its full length before its items are
 * filled, so scen_free() releases a half-parsed scenario on any error.
 */
#include "scen.h"

#include "dane_retry.h"
#include "dl_util.h"
#include "scen_yaml.h"
#include "zone_fault.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCEN_MAX_FILE   (1024 * 1024)
#define SCEN_MAX_TOKEN  63
#define SCEN_RECORD_TTL 300
#define SCEN_MAX_TLSRPT 1024 /* tlsrpt: text; a TXT RDATA holds some 64 KiB */
#define SCEN_MAX_NOTE   512  /* note: and each rfc: clause */

/* One file being parsed. */
struct ctx {
    const struct scen_yaml *y;
    struct scen *s;
    struct dl_error *err;
};

#define ZONE_KEYS "signed", "ds", "algorithm", "denial", "nsec3", "records"

static const char *const top_keys[] = {"name",     "summary", "domain",       "tags",    "zone",
                                       "zones",    "mx",      "certificates", "records", "faults",
                                       "timeline", "expect",  "tlsrpt",       "rfc",     NULL};
static const char *const zone_keys[] = {ZONE_KEYS, "validity", NULL};
static const char *const extra_zone_keys[] = {"name", ZONE_KEYS, NULL};
static const char *const nsec3_keys[] = {"iterations", "salt", NULL};
static const char *const host_keys[] = {"host",     "preference", "address", "certificate",
                                        "starttls", "tls_fault",  "chain",   "reply",
                                        "sni",      "tlsa",       "tlsa_at", NULL};
static const char *const tlsa_keys[] = {"usage", "selector", "matching", "of", "port", NULL};
static const char *const cert_keys[] = {"key",        "issuer",    "ca", "names",
                                        "not_before", "not_after", NULL};
static const char *const fault_keys[] = {"fault", "target", "host", NULL};
static const char *const step_keys[] = {"at", "note", "faults", "hosts", NULL};
static const char *const change_keys[] = {"host",  "starttls", "certificate", "tls_fault",
                                          "chain", "tlsa",     NULL};
static const char *const expect_keys[] = {"dnssec", "dns", "rfc7672", "exchange-online", NULL};
static const char *const dns_keys[] = {"mx", "a", "tlsa", "aaaa", NULL};
static const char *const verdict_keys[] = {"verdict", "reason", NULL};
#define ALT_KEYS "status", "code", "reason", "tlsrpt", "note"
static const char *const outcome_keys[] = {ALT_KEYS, "any", "rfc", "probe", "retry", NULL};
static const char *const probe_keys[] = {ALT_KEYS, "any", "rfc", NULL};
static const char *const alt_keys[] = {ALT_KEYS, NULL};
static const char *const retry_keys[] = {"status", "code",  "reason", "attempts",
                                         "at",     "codes", NULL};
static const char *const attempt_keys[] = {"at", "code", NULL};

static const char *const profile_names[] = {"rfc7672", "exchange-online", NULL};
static const char *const dnssec_names[] = {"secure",   "insecure", "bogus", "servfail",
                                           "nxdomain", "nodata",   NULL};
static const char *const starttls_names[] = {"offer", "none", "reject", "close", NULL};
static const char *const tlsa_at_names[] = {"target", "original", NULL};
static const char *const tls_fault_names[] = {"none", "abort-after-hello", "wrong-key", NULL};
static const char *const chain_names[] = {"served", "leaf", "full", "no-intermediate", NULL};
static const char *const reply_keys[] = {"mail", "rcpt", "data", "dot", NULL};
static const char *const algorithm_names[] = {
    "ecdsap256sha256", "rsasha256", "ed25519", "13", "8", "15", NULL};
static const int algorithm_numbers[] = {13, 8, 15, 13, 8, 15};
static const char *const denial_names[] = {"nsec", "nsec3", NULL};
static const char *const key_names[] = {"ecdsa-p256", "rsa2048", "rsa3072", "ed25519", NULL};
static const char *const status_names[] = {"delivered", "deferred", "bounced", NULL};
static const char status_class[] = {'2', '4', '5'};
/* RFC 8460 section 4.3 result types. */
static const char *const tlsrpt_names[] = {"starttls-not-supported", "certificate-host-mismatch",
                                           "certificate-expired",    "certificate-not-trusted",
                                           "validation-failure",     "tlsa-invalid",
                                           "dnssec-invalid",         "dane-required",
                                           "sts-policy-fetch-error", "sts-policy-invalid",
                                           "sts-webpki-invalid",     NULL};

/* ------------------------------------------------------------------ */
/* Names and small helpers                                             */

const char *scen_profile_name(enum scen_profile p)
{
    if ((int)p < 0 || p >= SCEN_PROFILE_COUNT)
        return NULL;
    return profile_names[p];
}

enum dane_profile scen_profile_client(enum scen_profile p)
{
    return p == SCEN_PROFILE_EXCHANGE_ONLINE ? DANE_PROFILE_EXCHANGE_ONLINE : DANE_PROFILE_RFC7672;
}

int scen_profile_lookup(const char *name)
{
    for (int i = 0; i < SCEN_PROFILE_COUNT; i++)
        if (strcmp(profile_names[i], name) == 0)
            return i;
    return -1;
}

const char *scen_dnssec_name(enum scen_dnssec d)
{
    if (d == SCEN_DNSSEC_UNSET)
        return "unset";
    if (d > SCEN_DNSSEC_NODATA)
        return NULL;
    return dnssec_names[d - 1];
}

const char *scen_rrset_name(enum scen_rrset r)
{
    return (unsigned)r < SCEN_RRSET_COUNT ? dns_keys[r] : NULL;
}

const char *scen_starttls_name(enum scen_starttls st)
{
    if ((int)st < 0 || st > SCEN_STARTTLS_CLOSE)
        return NULL;
    return starttls_names[st];
}

const char *scen_tls_fault_name(enum scen_tls_fault f)
{
    if ((int)f < 0 || f > SCEN_TLS_FAULT_WRONG_KEY)
        return NULL;
    return tls_fault_names[f];
}

const char *scen_chain_name(enum scen_chain ch)
{
    if ((int)ch < 0 || ch > SCEN_CHAIN_NO_INTERMEDIATE)
        return NULL;
    return chain_names[ch];
}

const char *scen_reply_step_name(enum scen_reply_step r)
{
    return (unsigned)r < SCEN_REPLY_COUNT ? reply_keys[r] : NULL;
}

enum scen_dnssec scen_expected_dnssec(const struct scen *s)
{
    if (s->expect_dnssec != SCEN_DNSSEC_UNSET)
        return s->expect_dnssec;
    return s->zone.is_signed && s->zone.ds ? SCEN_DNSSEC_SECURE : SCEN_DNSSEC_INSECURE;
}

static struct scen_loc loc_of(const struct ctx *c, const yaml_node_t *n)
{
    struct scen_loc loc = {c->s->path, scen_yaml_line(n)};
    return loc;
}

/* [a-z0-9] then [a-z0-9-]*, at most SCEN_MAX_TOKEN characters; with
 * any_start the first character may be '-' too. */
static bool valid_token(const char *s, bool any_start)
{
    size_t n = strlen(s);
    if (n == 0 || n > SCEN_MAX_TOKEN || (!any_start && s[0] == '-'))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* A token-valued string key; NULL node: absent (returns 0). */
static int get_token(struct ctx *c, const yaml_node_t *n, const char *key, const char **out)
{
    const char *s = NULL;
    if (scen_yaml_str(c->y, n, key, &s, c->err) != 0)
        return -1;
    if (s != NULL && !valid_token(s, false))
        return scen_yaml_fail(c->y, n, key, c->err, "expected [a-z0-9][a-z0-9-]*, got '%s'", s);
    if (s != NULL)
        *out = s;
    return 0;
}

static char *lower_dup(const char *s)
{
    char *d = dl_xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* Absolute lower-case name: "mx1" (no dot) is relative to origin (when
 * origin is not NULL), "a.b" gets a trailing dot, "a.b." is kept. */
static char *absolute_name(const char *name, const char *origin)
{
    size_t n = strlen(name);
    char *abs;
    if (n > 0 && name[n - 1] == '.')
        abs = dl_xstrdup(name);
    else if (origin != NULL && strchr(name, '.') == NULL)
        abs = dl_xasprintf("%s.%s", name, origin);
    else
        abs = dl_xasprintf("%s.", name);
    for (char *p = abs; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return abs;
}

/* Host-name syntax (letters, digits, '-', '_'), labels of 1-63 octets,
 * at most 253 octets, then ldns's own check. abs is absolute. */
static bool valid_dname(const char *abs)
{
    size_t n = strlen(abs), label = 0;
    ldns_rdf *rdf;
    if (n < 2 || n > 254 || strspn(abs, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        label = abs[i] == '.' ? 0 : label + 1;
        if (label > 63 || (abs[i] == '.' && (i == 0 || abs[i - 1] == '.')))
            return false;
    }
    rdf = ldns_dname_new_frm_str(abs);
    ldns_rdf_deep_free(rdf);
    return rdf != NULL;
}

/* True when abs is a name strictly under "test." */
static bool under_test(const char *abs)
{
    size_t n = strlen(abs);
    return n > 6 && strcmp(abs + n - 6, ".test.") == 0;
}

/* Read a DNS name at key (required when present): made absolute against
 * origin, checked to lie under test. The caller frees *out. */
static int get_dname(struct ctx *c, const yaml_node_t *n, const char *key, const char *origin,
                     char **out)
{
    const char *s = NULL;
    char *abs;
    if (scen_yaml_str(c->y, n, key, &s, c->err) != 0)
        return -1;
    abs = absolute_name(s, origin);
    if (!valid_dname(abs)) {
        free(abs);
        return scen_yaml_fail(c->y, n, key, c->err, "expected a DNS name, got '%s'", s);
    }
    if (!under_test(abs)) {
        scen_yaml_fail(c->y, n, key, c->err, "'%s' is not under the reserved TLD test.", abs);
        free(abs);
        return -1;
    }
    *out = abs;
    return 0;
}

/* A list of strings at key: a newly allocated array of copies. */
static int get_string_list(struct ctx *c, const yaml_node_t *n, const char *key, bool tokens,
                           size_t max, char ***out, size_t *n_out)
{
    size_t len;
    if (scen_yaml_seq(c->y, n, key, max, c->err) != 0)
        return -1;
    len = scen_yaml_seq_len(n);
    *out = dl_xcalloc(len, sizeof(**out));
    *n_out = len;
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        const char *s = NULL;
        if (scen_yaml_str(c->y, item, key, &s, c->err) != 0)
            return -1;
        if (tokens && !valid_token(s, true))
            return scen_yaml_fail(c->y, item, key, c->err, "expected [a-z0-9-]+, got '%s'", s);
        (*out)[i] = lower_dup(s);
    }
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ------------------------------------------------------------------ */
/* Records                                                             */

/* Parse one record with ldns and check its owner lies in the zone. */
static int check_record(struct ctx *c, unsigned line, const char *text, const char *origin)
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
        return dl_error_set(c->err, "%s:%u: bad record '%s': %s", c->s->path, line, text,
                            ldns_get_errorstr_by_id(st));
    if (!inside)
        return dl_error_set(c->err, "%s:%u: record '%s' is outside zone '%s'", c->s->path, line,
                            text, origin);
    return 0;
}

static int add_record(struct ctx *c, struct scen_zone *z, unsigned line, const char *text)
{
    if (z->n_records >= SCEN_MAX_RECORDS)
        return dl_error_set(c->err, "%s:%u: zone '%s': more than %d records", c->s->path, line,
                            z->origin, SCEN_MAX_RECORDS);
    z->records = dl_xrealloc(z->records, (z->n_records + 1) * sizeof(*z->records));
    z->records[z->n_records].loc.file = c->s->path;
    z->records[z->n_records].loc.line = line;
    z->records[z->n_records].text = dl_xstrdup(text);
    z->n_records++;
    return 0;
}

/* One scalar of records: one record a line, blank and ';' lines skipped.
 * A literal block's text starts on the line after its '|'. */
static int add_record_lines(struct ctx *c, const yaml_node_t *n, struct scen_zone *z)
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

static int add_records_scalar(struct ctx *c, const yaml_node_t *n, struct scen_zone *z)
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
static int parse_records(struct ctx *c, const yaml_node_t *n, struct scen_zone *z)
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

static int parse_nsec3(struct ctx *c, yaml_node_t *n, struct scen_zone *z)
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
    z->nsec3_salt = lower_dup(s);
    return 0;
}

static int parse_signing(struct ctx *c, const struct scen_yaml_map *m, struct scen_zone *z)
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
static int parse_zone_keys(struct ctx *c, const struct scen_yaml_map *m, struct scen_zone *z)
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
    return parse_records(c, scen_yaml_get(m, "records"), z);
}

/* The domain's own zone: `zone:` (optional) plus top-level `records:`. */
static int parse_domain_zone(struct ctx *c, const struct scen_yaml_map *top)
{
    yaml_node_t *n = scen_yaml_get(top, "zone");
    struct scen_yaml_map m;
    struct scen_zone *z = &c->s->zone;
    z->origin = dl_xstrdup(c->s->domain);
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

static int check_extra_zone(struct ctx *c, const yaml_node_t *n, size_t i)
{
    const struct scen_zone *z = &c->s->zones[i];
    if (strcmp(z->origin, c->s->domain) == 0)
        return scen_yaml_fail(c->y, n, "name", c->err, "'%s' is the scenario's own domain",
                              z->origin);
    for (size_t j = 0; j < i; j++)
        if (strcmp(c->s->zones[j].origin, z->origin) == 0)
            return scen_yaml_fail(c->y, n, "name", c->err, "zone '%s' already defined at line %u",
                                  z->origin, c->s->zones[j].loc.line);
    return 0;
}

static int parse_extra_zone(struct ctx *c, yaml_node_t *item, size_t i)
{
    struct scen_yaml_map m;
    struct scen_zone *z = &c->s->zones[i];
    yaml_node_t *name;
    if (scen_yaml_map_open(c->y, item, "zones", "zone", extra_zone_keys, &m, c->err) != 0 ||
        (name = scen_yaml_require(&m, "name", c->err)) == NULL ||
        get_dname(c, name, "name", NULL, &z->origin) != 0)
        return -1;
    z->loc = loc_of(c, name);
    if (check_extra_zone(c, name, i) != 0)
        return -1;
    return parse_zone_keys(c, &m, z);
}

static int parse_extra_zones(struct ctx *c, const yaml_node_t *n)
{
    if (n == NULL)
        return 0;
    if (scen_yaml_seq(c->y, n, "zones", SCEN_MAX_ZONES, c->err) != 0)
        return -1;
    c->s->n_zones = scen_yaml_seq_len(n);
    c->s->zones = dl_xcalloc(c->s->n_zones, sizeof(*c->s->zones));
    for (size_t i = 0; i < c->s->n_zones; i++)
        if (parse_extra_zone(c, scen_yaml_seq_item(c->y, n, i), i) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Certificates                                                        */

static const struct scen_cert *find_cert(const struct scen *s, const char *name)
{
    for (size_t i = 0; i < s->n_certs; i++)
        if (s->certs[i].name != NULL && strcmp(s->certs[i].name, name) == 0)
            return &s->certs[i];
    return NULL;
}

/* issuer: must be a key of the certificates mapping (forward references
 * are fine: the mapping is complete). */
static int parse_issuer(struct ctx *c, const struct scen_yaml_map *all,
                        const struct scen_yaml_map *m, struct scen_cert *cert)
{
    yaml_node_t *n = scen_yaml_get(m, "issuer");
    const char *issuer = NULL;
    if (scen_yaml_str(c->y, n, "issuer", &issuer, c->err) != 0)
        return -1;
    if (issuer == NULL)
        return 0;
    if (scen_yaml_get(all, issuer) == NULL)
        return scen_yaml_fail(c->y, n, "issuer", c->err, "no certificate named '%s'", issuer);
    cert->issuer = dl_xstrdup(issuer);
    return 0;
}

static int parse_validity(struct ctx *c, const struct scen_yaml_map *m, struct scen_cert *cert)
{
    cert->not_before = -86400;
    cert->not_after = 365 * 86400;
    if (scen_yaml_get_duration(m, "not_before", &cert->not_before, c->err) != 0 ||
        scen_yaml_get_duration(m, "not_after", &cert->not_after, c->err) != 0)
        return -1;
    if (cert->not_after <= cert->not_before)
        return scen_yaml_fail(c->y, scen_yaml_get(m, "not_after"), "not_after", c->err,
                              "must be later than not_before");
    return 0;
}

static int parse_cert(struct ctx *c, const struct scen_yaml_map *all, size_t i)
{
    struct scen_cert *cert = &c->s->certs[i];
    yaml_node_t *name = scen_yaml_map_key(all, i), *names;
    struct scen_yaml_map m;
    const char *token = NULL;
    int key = 0;
    if (get_token(c, name, "certificates", &token) != 0 ||
        scen_yaml_map_open(c->y, scen_yaml_map_value(all, i), token, "certificate", cert_keys, &m,
                           c->err) != 0)
        return -1;
    cert->name = dl_xstrdup(token);
    cert->loc = loc_of(c, name);
    if (scen_yaml_get_enum(&m, "key", key_names, &key, c->err) != 0 ||
        scen_yaml_get_bool(&m, "ca", &cert->ca, c->err) != 0 ||
        parse_issuer(c, all, &m, cert) != 0 || parse_validity(c, &m, cert) != 0)
        return -1;
    cert->key = dl_xstrdup(key_names[key]);
    names = scen_yaml_get(&m, "names");
    if (names == NULL)
        return 0;
    return get_string_list(c, names, "names", false, SCEN_MAX_NAMES, &cert->names, &cert->n_names);
}

/* Every issuer chain must end at a self-signed certificate within
 * SCEN_MAX_CHAIN certificates: at most SCEN_MAX_CERTS * SCEN_MAX_CHAIN
 * lookups for a good file (issuers were checked to exist). A chain that
 * meets more certificates than there are has met one twice: it loops. */
static int check_issuer_chains(struct ctx *c)
{
    const struct scen *s = c->s;
    for (size_t i = 0; i < s->n_certs; i++) {
        const struct scen_cert *x = &s->certs[i];
        size_t seen = 1; /* certificates of the chain met so far */
        for (; x->issuer != NULL && seen < SCEN_MAX_CHAIN; seen++)
            x = find_cert(s, x->issuer);
        if (x->issuer == NULL)
            continue;
        for (; x->issuer != NULL && seen <= s->n_certs; seen++)
            x = find_cert(s, x->issuer);
        if (x->issuer != NULL)
            return dl_error_set(c->err, "%s:%u: certificate '%s': issuer chain loops", s->path,
                                s->certs[i].loc.line, s->certs[i].name);
        return dl_error_set(c->err,
                            "%s:%u: certificate '%s': issuer chain longer than %d certificates",
                            s->path, s->certs[i].loc.line, s->certs[i].name, SCEN_MAX_CHAIN);
    }
    return 0;
}

static int parse_certs(struct ctx *c, yaml_node_t *n)
{
    struct scen_yaml_map all;
    if (n == NULL)
        return 0;
    if (scen_yaml_map_open(c->y, n, "certificates", "certificates", NULL, &all, c->err) != 0)
        return -1;
    if (scen_yaml_map_len(&all) > SCEN_MAX_CERTS)
        return scen_yaml_fail(c->y, n, "certificates", c->err, "more than %d certificates",
                              SCEN_MAX_CERTS);
    c->s->n_certs = scen_yaml_map_len(&all);
    c->s->certs = dl_xcalloc(c->s->n_certs, sizeof(*c->s->certs));
    for (size_t i = 0; i < c->s->n_certs; i++)
        if (parse_cert(c, &all, i) != 0)
            return -1;
    return check_issuer_chains(c);
}

/* Certificates without names: the first MX host, as in a certificate
 * (no trailing dot). Runs after the hosts are known. */
static void default_cert_names(struct scen *s)
{
    for (size_t i = 0; i < s->n_certs; i++) {
        struct scen_cert *cert = &s->certs[i];
        if (cert->n_names > 0 || s->n_hosts == 0)
            continue;
        free(cert->names);
        cert->names = dl_xcalloc(1, sizeof(*cert->names));
        cert->names[0] = dl_xstrdup(s->hosts[0].name);
        cert->names[0][strlen(cert->names[0]) - 1] = '\0';
        cert->n_names = 1;
    }
}

/* ------------------------------------------------------------------ */
/* MX hosts and TLSA                                                   */

/* Three numbers 0-255 then an even, non-zero count of hex digits
 * (ldns alone accepts 300 as 44 and pads odd hex). */
static bool strict_tlsa_rdata(const char *p)
{
    size_t hex = 0;
    for (int field = 0; field < 3; field++) {
        char *end;
        long v;
        p += strspn(p, " \t");
        if (*p < '0' || *p > '9')
            return false;
        v = strtol(p, &end, 10);
        if (v > 255 || end - p > 3 || (*end != ' ' && *end != '\t'))
            return false;
        p = end;
    }
    for (; *p; p++) {
        if (isxdigit((unsigned char)*p))
            hex++;
        else if (*p != ' ' && *p != '\t')
            return false;
    }
    return hex > 0 && hex % 2 == 0;
}

static int parse_tlsa_literal(struct ctx *c, const yaml_node_t *n, const char *host,
                              struct scen_tlsa *t)
{
    const char *text = scen_yaml_scalar(n);
    char *rrtext = dl_xasprintf("_25._tcp.%s %d IN TLSA %s", host, SCEN_RECORD_TTL, text);
    ldns_rr *rr = NULL;
    ldns_status st = ldns_rr_new_frm_str(&rr, rrtext, SCEN_RECORD_TTL, NULL, NULL);
    free(rrtext);
    if (st != LDNS_STATUS_OK)
        return scen_yaml_fail_at(c->y, n, c->err, "bad TLSA record '%s': %s", text,
                                 ldns_get_errorstr_by_id(st));
    t->usage = ldns_rdf2native_int8(ldns_rr_rdf(rr, 0));
    t->selector = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
    t->matching = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
    ldns_rr_free(rr);
    if (!strict_tlsa_rdata(text))
        return scen_yaml_fail_at(c->y, n, c->err,
                                 "bad TLSA record '%s': expected USAGE SELECTOR MATCHING (0-255) "
                                 "and an even number of hex digits",
                                 text);
    t->literal = dl_xstrdup(text);
    return 0;
}

static int parse_tlsa_computed(struct ctx *c, yaml_node_t *n, struct scen_tlsa *t)
{
    struct scen_yaml_map m;
    yaml_node_t *of;
    const char *cert = NULL;
    long usage = 3, selector = 1, matching = 1, port = 25;
    if (scen_yaml_map_open(c->y, n, "tlsa", "tlsa", tlsa_keys, &m, c->err) != 0 ||
        scen_yaml_get_int(&m, "usage", 0, 255, &usage, c->err) != 0 ||
        scen_yaml_get_int(&m, "selector", 0, 255, &selector, c->err) != 0 ||
        scen_yaml_get_int(&m, "matching", 0, 255, &matching, c->err) != 0 ||
        scen_yaml_get_int(&m, "port", 1, 65535, &port, c->err) != 0 ||
        (of = scen_yaml_require(&m, "of", c->err)) == NULL ||
        scen_yaml_str(c->y, of, "of", &cert, c->err) != 0)
        return -1;
    if (find_cert(c->s, cert) == NULL)
        return scen_yaml_fail(c->y, of, "of", c->err, "no certificate named '%s'", cert);
    t->of = dl_xstrdup(cert);
    t->usage = (int)usage;
    t->selector = (int)selector;
    t->matching = (int)matching;
    t->port = (uint16_t)port;
    return 0;
}

/* The TLSA records of host `host` (an MX host, or a timeline change). */
static int parse_tlsa_list(struct ctx *c, const yaml_node_t *n, const char *host,
                           struct scen_tlsa **out, size_t *n_out)
{
    if (n == NULL)
        return 0;
    if (scen_yaml_seq(c->y, n, "tlsa", SCEN_MAX_TLSA, c->err) != 0)
        return -1;
    *n_out = scen_yaml_seq_len(n);
    *out = dl_xcalloc(*n_out, sizeof(**out));
    for (size_t i = 0; i < *n_out; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        struct scen_tlsa *t = &(*out)[i];
        t->loc = loc_of(c, item);
        t->port = 25;
        if (item->type == YAML_SCALAR_NODE ? parse_tlsa_literal(c, item, host, t)
                                           : parse_tlsa_computed(c, item, t))
            return -1;
    }
    return 0;
}

static int parse_address(struct ctx *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(m, "address");
    const char *s = NULL;
    struct in_addr a;
    if (scen_yaml_str(c->y, n, "address", &s, c->err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    if (inet_pton(AF_INET, s, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
        return scen_yaml_fail(c->y, n, "address", c->err,
                              "expected an IPv4 address in 127.0.0.0/8, got '%s'", s);
    h->address = dl_xstrdup(s);
    return 0;
}

static int parse_host_cert(struct ctx *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(m, "certificate");
    const char *s = NULL;
    if (scen_yaml_str(c->y, n, "certificate", &s, c->err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    if (find_cert(c->s, s) == NULL)
        return scen_yaml_fail(c->y, n, "certificate", c->err, "no certificate named '%s'", s);
    h->certificate = dl_xstrdup(s);
    return 0;
}

/* "550 5.7.1 text": a 4xx or 5xx code, a space, printable ASCII text. */
static bool valid_reply(const char *r)
{
    size_t n = strlen(r);
    if (n < 5 || n > 400 || (r[0] != '4' && r[0] != '5') || !isdigit((unsigned char)r[1]) ||
        !isdigit((unsigned char)r[2]) || r[3] != ' ')
        return false;
    for (size_t i = 4; i < n; i++)
        if (r[i] < 0x20 || r[i] > 0x7e)
            return false;
    return r[4] != ' ';
}

static int parse_reply(struct ctx *c, const struct scen_yaml_map *hm, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(hm, "reply");
    struct scen_yaml_map m;
    if (n == NULL)
        return 0;
    if (scen_yaml_map_open(c->y, n, "reply", "reply", reply_keys, &m, c->err) != 0)
        return -1;
    for (int r = 0; r < SCEN_REPLY_COUNT; r++) {
        yaml_node_t *v = scen_yaml_get(&m, reply_keys[r]);
        const char *text = NULL;
        if (scen_yaml_str(c->y, v, reply_keys[r], &text, c->err) != 0)
            return -1;
        if (text == NULL)
            continue;
        if (!valid_reply(text))
            return scen_yaml_fail(c->y, v, reply_keys[r], c->err,
                                  "expected a 4xx or 5xx reply such as \"550 5.7.1 text\" "
                                  "(printable ASCII), got '%s'",
                                  text);
        h->reply[r] = dl_xstrdup(text);
    }
    return 0;
}

/* sni: {NAME: CERT}: names relative to the domain when without a dot. */
static int parse_sni(struct ctx *c, const struct scen_yaml_map *hm, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(hm, "sni");
    struct scen_yaml_map m;
    if (n == NULL)
        return 0;
    if (scen_yaml_map_open(c->y, n, "sni", "sni", NULL, &m, c->err) != 0)
        return -1;
    if (scen_yaml_map_len(&m) == 0)
        return scen_yaml_fail(c->y, n, "sni", c->err,
                              "expected at least one NAME: CERTIFICATE (leave sni out for none)");
    if (scen_yaml_map_len(&m) > SCEN_MAX_SNI)
        return scen_yaml_fail(c->y, n, "sni", c->err, "more than %d names", SCEN_MAX_SNI);
    h->n_sni = scen_yaml_map_len(&m);
    h->sni = dl_xcalloc(h->n_sni, sizeof(*h->sni));
    for (size_t i = 0; i < h->n_sni; i++) {
        yaml_node_t *k = scen_yaml_map_key(&m, i), *v = scen_yaml_map_value(&m, i);
        const char *cert = NULL;
        h->sni[i].loc = loc_of(c, k);
        if (get_dname(c, k, "sni", c->s->domain, &h->sni[i].name) != 0 ||
            scen_yaml_str(c->y, v, "sni", &cert, c->err) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(h->sni[j].name, h->sni[i].name) == 0)
                return scen_yaml_fail(c->y, k, "sni", c->err,
                                      "duplicate name '%s' (first at line %u)", h->sni[i].name,
                                      h->sni[j].loc.line);
        if (find_cert(c->s, cert) == NULL)
            return scen_yaml_fail(c->y, v, "sni", c->err, "no certificate named '%s'", cert);
        h->sni[i].certificate = dl_xstrdup(cert);
    }
    return 0;
}

/* tls_fault, chain, reply and sni: what the host's server does in TLS. */
static int parse_server(struct ctx *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *fault = scen_yaml_get(m, "tls_fault");
    int f = 0, ch = 0;
    if (scen_yaml_get_enum(m, "tls_fault", tls_fault_names, &f, c->err) != 0 ||
        scen_yaml_get_enum(m, "chain", chain_names, &ch, c->err) != 0)
        return -1;
    h->tls_fault = (enum scen_tls_fault)f;
    h->chain = (enum scen_chain)ch;
    if (h->tls_fault != SCEN_TLS_FAULT_NONE && h->starttls != SCEN_STARTTLS_OFFER)
        return scen_yaml_fail(c->y, fault, "tls_fault", c->err,
                              "needs a handshake: starttls: offer, not '%s'",
                              starttls_names[h->starttls]);
    if (parse_reply(c, m, h) != 0)
        return -1;
    return parse_sni(c, m, h);
}

static int check_duplicate_host(struct ctx *c, const yaml_node_t *n, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(c->s->hosts[j].name, c->s->hosts[i].name) == 0)
            return scen_yaml_fail(c->y, n, "host", c->err,
                                  "duplicate mx host '%s' (first at line %u)", c->s->hosts[i].name,
                                  c->s->hosts[j].loc.line);
    return 0;
}

static int parse_host(struct ctx *c, yaml_node_t *item, size_t i)
{
    struct scen_host *h = &c->s->hosts[i];
    struct scen_yaml_map m;
    yaml_node_t *name;
    long preference = 10;
    int starttls = 0, tlsa_at = 0;
    h->loc = loc_of(c, item);
    if (scen_yaml_map_open(c->y, item, "mx", "mx host", host_keys, &m, c->err) != 0 ||
        (name = scen_yaml_require(&m, "host", c->err)) == NULL ||
        get_dname(c, name, "host", c->s->domain, &h->name) != 0 ||
        check_duplicate_host(c, name, i) != 0 ||
        scen_yaml_get_int(&m, "preference", 0, 65535, &preference, c->err) != 0 ||
        parse_address(c, &m, h) != 0 || parse_host_cert(c, &m, h) != 0 ||
        scen_yaml_get_enum(&m, "starttls", starttls_names, &starttls, c->err) != 0 ||
        scen_yaml_get_enum(&m, "tlsa_at", tlsa_at_names, &tlsa_at, c->err) != 0)
        return -1;
    h->tlsa_at_original = tlsa_at == 1;
    if (scen_yaml_get(&m, "tlsa_at") != NULL)
        h->tlsa_at_loc = loc_of(c, scen_yaml_get(&m, "tlsa_at"));
    h->preference = (uint16_t)preference;
    h->starttls = (enum scen_starttls)starttls;
    if (parse_server(c, &m, h) != 0)
        return -1;
    return parse_tlsa_list(c, scen_yaml_get(&m, "tlsa"), h->name, &h->tlsa, &h->n_tlsa);
}

static int parse_hosts(struct ctx *c, const yaml_node_t *n)
{
    if (n == NULL) {
        c->s->implicit_mx = true;
        return 0;
    }
    if (scen_yaml_seq(c->y, n, "mx", SCEN_MAX_HOSTS, c->err) != 0)
        return -1;
    if (scen_yaml_seq_len(n) == 0)
        return scen_yaml_fail(c->y, n, "mx", c->err,
                              "expected at least one host (leave mx out for no MX RRset)");
    c->s->n_hosts = scen_yaml_seq_len(n);
    c->s->hosts = dl_xcalloc(c->s->n_hosts, sizeof(*c->s->hosts));
    for (size_t i = 0; i < c->s->n_hosts; i++)
        if (parse_host(c, scen_yaml_seq_item(c->y, n, i), i) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Faults and timeline                                                 */

static int check_fault_name(struct ctx *c, const yaml_node_t *n, const char *name)
{
    if (zone_fault_lookup(name) == NULL)
        return scen_yaml_fail_at(c->y, n, c->err, "unknown fault '%s'", name);
    return 0;
}

static int parse_fault_host(struct ctx *c, const struct scen_yaml_map *m, struct scen_fault *f)
{
    yaml_node_t *n = scen_yaml_get(m, "host");
    const char *s = NULL;
    if (scen_yaml_str(c->y, n, "host", &s, c->err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    f->host = absolute_name(s, c->s->domain);
    for (size_t i = 0; i < c->s->n_hosts; i++)
        if (strcmp(c->s->hosts[i].name, f->host) == 0)
            return 0;
    return scen_yaml_fail(c->y, n, "host", c->err, "no mx host named '%s'", f->host);
}

/* target: one of zone_fault.h's target names; *target is its enum value. */
static int get_target(struct ctx *c, const struct scen_yaml_map *m, int *target)
{
    const char *names[ZONE_TARGET_COUNT + 1];
    for (int t = 0; t < ZONE_TARGET_COUNT; t++)
        names[t] = zone_fault_target_name((enum zone_fault_target)t);
    names[ZONE_TARGET_COUNT] = NULL;
    return scen_yaml_get_enum(m, "target", names, target, c->err);
}

static int parse_fault_map(struct ctx *c, yaml_node_t *item, struct scen_fault *f,
                           yaml_node_t **name, yaml_node_t **target_node, int *target)
{
    struct scen_yaml_map m;
    if (scen_yaml_map_open(c->y, item, "faults", "fault", fault_keys, &m, c->err) != 0 ||
        (*name = scen_yaml_require(&m, "fault", c->err)) == NULL || get_target(c, &m, target) != 0)
        return -1;
    *target_node = scen_yaml_get(&m, "target");
    return parse_fault_host(c, &m, f);
}

/* The targets a fault accepts, for messages: "tlsa, mx, a". */
static void target_list(unsigned bits, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int t = 0; t < ZONE_TARGET_COUNT; t++)
        if ((bits & ZONE_TARGET_BIT(t)) && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                                     zone_fault_target_name((enum zone_fault_target)t));
}

/* A fault: "name" or {fault: name, target: ..., host: ...}. Without a
 * target, the fault's own default (zone_fault.h). */
static int parse_fault(struct ctx *c, yaml_node_t *item, struct scen_fault *f)
{
    yaml_node_t *name = item, *target_node = NULL;
    const struct zone_fault_info *info;
    const char *s = NULL;
    int target = -1;
    char allowed[64];
    f->loc = loc_of(c, item);
    if (item->type != YAML_SCALAR_NODE &&
        parse_fault_map(c, item, f, &name, &target_node, &target) != 0)
        return -1;
    if (scen_yaml_str(c->y, name, "fault", &s, c->err) != 0 || check_fault_name(c, name, s) != 0)
        return -1;
    info = zone_fault_lookup(s);
    if (target_node == NULL)
        target = (int)info->default_target;
    else if (!(info->targets & ZONE_TARGET_BIT(target))) {
        target_list(info->targets, allowed, sizeof(allowed));
        return scen_yaml_fail(c->y, target_node, "target", c->err,
                              "fault '%s' cannot hit '%s' (it takes: %s)", s,
                              zone_fault_target_name((enum zone_fault_target)target), allowed);
    }
    f->name = dl_xstrdup(s);
    f->target = dl_xstrdup(zone_fault_target_name((enum zone_fault_target)target));
    return 0;
}

static int parse_faults(struct ctx *c, const yaml_node_t *n, struct scen_fault **out, size_t *n_out)
{
    if (n == NULL)
        return 0;
    if (scen_yaml_seq(c->y, n, "faults", SCEN_MAX_FAULTS, c->err) != 0)
        return -1;
    *n_out = scen_yaml_seq_len(n);
    *out = dl_xcalloc(*n_out, sizeof(**out));
    for (size_t i = 0; i < *n_out; i++)
        if (parse_fault(c, scen_yaml_seq_item(c->y, n, i), &(*out)[i]) != 0)
            return -1;
    return 0;
}

/* `host:` of a timeline change: an MX host of the scenario, once per step. */
static int parse_change_host(struct ctx *c, const struct scen_step *step, size_t k,
                             const yaml_node_t *n)
{
    const char *name = NULL;
    char *abs;
    size_t j = 0;
    if (scen_yaml_str(c->y, n, "host", &name, c->err) != 0)
        return -1;
    abs = absolute_name(name, c->s->domain);
    while (j < c->s->n_hosts && strcmp(c->s->hosts[j].name, abs) != 0)
        j++;
    if (j == c->s->n_hosts) {
        scen_yaml_fail(c->y, n, "host", c->err, "no mx host named '%s'", abs);
        free(abs);
        return -1;
    }
    for (size_t e = 0; e < k; e++)
        if (step->hosts[e].host == j) {
            scen_yaml_fail(c->y, n, "host", c->err,
                           "mx host '%s' already changed by this step (line %u)", abs,
                           step->hosts[e].loc.line);
            free(abs);
            return -1;
        }
    free(abs);
    step->hosts[k].host = j;
    return 0;
}

/* starttls, tls_fault, chain: each changes only when given. */
static int parse_change_server(struct ctx *c, const struct scen_yaml_map *m,
                               struct scen_host_change *h)
{
    int starttls = 0, fault = 0, chain = 0;
    if (scen_yaml_get_enum(m, "starttls", starttls_names, &starttls, c->err) != 0 ||
        scen_yaml_get_enum(m, "tls_fault", tls_fault_names, &fault, c->err) != 0 ||
        scen_yaml_get_enum(m, "chain", chain_names, &chain, c->err) != 0)
        return -1;
    h->has_starttls = scen_yaml_get(m, "starttls") != NULL;
    h->has_tls_fault = scen_yaml_get(m, "tls_fault") != NULL;
    h->has_chain = scen_yaml_get(m, "chain") != NULL;
    h->starttls = (enum scen_starttls)starttls;
    h->tls_fault = (enum scen_tls_fault)fault;
    h->chain = (enum scen_chain)chain;
    return 0;
}

/* One item of a step's `hosts:`: {host: NAME, and what changes}. */
static int parse_change(struct ctx *c, struct scen_step *step, size_t k, yaml_node_t *item)
{
    struct scen_host_change *h = &step->hosts[k];
    struct scen_yaml_map m;
    yaml_node_t *name, *cert = NULL;
    const char *cert_name = NULL;
    h->loc = loc_of(c, item);
    if (scen_yaml_map_open(c->y, item, "hosts", "timeline host change", change_keys, &m, c->err) !=
            0 ||
        (name = scen_yaml_require(&m, "host", c->err)) == NULL ||
        parse_change_host(c, step, k, name) != 0 || parse_change_server(c, &m, h) != 0)
        return -1;
    if (scen_yaml_map_len(&m) < 2)
        return scen_yaml_fail_at(c->y, item, c->err,
                                 "timeline host change: expected at least one of starttls, "
                                 "certificate, tls_fault, chain, tlsa beside host");
    cert = scen_yaml_get(&m, "certificate");
    if (scen_yaml_str(c->y, cert, "certificate", &cert_name, c->err) != 0)
        return -1;
    if (cert_name != NULL && find_cert(c->s, cert_name) == NULL)
        return scen_yaml_fail(c->y, cert, "certificate", c->err, "no certificate named '%s'",
                              cert_name);
    h->certificate = cert_name ? dl_xstrdup(cert_name) : NULL;
    h->has_tlsa = scen_yaml_get(&m, "tlsa") != NULL;
    return parse_tlsa_list(c, scen_yaml_get(&m, "tlsa"), c->s->hosts[h->host].name, &h->tlsa,
                           &h->n_tlsa);
}

static int parse_changes(struct ctx *c, struct scen_step *step, const yaml_node_t *n)
{
    if (n == NULL)
        return 0;
    if (scen_yaml_seq(c->y, n, "hosts", SCEN_MAX_HOSTS, c->err) != 0)
        return -1;
    if (scen_yaml_seq_len(n) == 0)
        return scen_yaml_fail(c->y, n, "hosts", c->err,
                              "expected at least one host change (leave hosts out for none)");
    step->n_hosts = scen_yaml_seq_len(n);
    step->hosts = dl_xcalloc(step->n_hosts, sizeof(*step->hosts));
    for (size_t k = 0; k < step->n_hosts; k++)
        if (parse_change(c, step, k, scen_yaml_seq_item(c->y, n, k)) != 0)
            return -1;
    return 0;
}

static int parse_step(struct ctx *c, yaml_node_t *item, size_t i)
{
    struct scen_step *step = &c->s->timeline[i];
    struct scen_yaml_map m;
    yaml_node_t *at;
    const char *note = NULL;
    step->loc = loc_of(c, item);
    if (scen_yaml_map_open(c->y, item, "timeline", "timeline step", step_keys, &m, c->err) != 0 ||
        (at = scen_yaml_require(&m, "at", c->err)) == NULL ||
        scen_yaml_duration(c->y, at, "at", &step->at, c->err) != 0)
        return -1;
    if (step->at < 0)
        return scen_yaml_fail(c->y, at, "at", c->err, "expected a duration >= 0, got '%s'",
                              scen_yaml_scalar(at));
    if (i > 0 && step->at <= c->s->timeline[i - 1].at)
        return scen_yaml_fail(c->y, at, "at", c->err, "not later than the previous step (line %u)",
                              c->s->timeline[i - 1].loc.line);
    if (scen_yaml_get_str(&m, "note", &note, c->err) != 0)
        return -1;
    step->note = note ? dl_xstrdup(note) : NULL;
    step->has_faults = scen_yaml_get(&m, "faults") != NULL;
    if (parse_faults(c, scen_yaml_get(&m, "faults"), &step->faults, &step->n_faults) != 0)
        return -1;
    return parse_changes(c, step, scen_yaml_get(&m, "hosts"));
}

/* What a host does after each step must make sense as the scenario's own
 * hosts must (parse_server): a TLS fault needs a handshake. */
static int check_timeline_hosts(struct ctx *c)
{
    for (size_t i = 0; i < c->s->n_timeline; i++) {
        const struct scen_step *step = &c->s->timeline[i];
        struct scen_host *hosts;
        int rc = 0;
        if (step->n_hosts == 0)
            continue;
        hosts = scen_hosts_at(c->s, (int)i);
        for (size_t k = 0; rc == 0 && k < step->n_hosts; k++) {
            const struct scen_host *h = &hosts[step->hosts[k].host];
            if (h->tls_fault != SCEN_TLS_FAULT_NONE && h->starttls != SCEN_STARTTLS_OFFER)
                rc = dl_error_set(c->err,
                                  "%s:%u: mx host '%s' after this step: tls_fault %s needs a "
                                  "handshake: starttls: offer, not '%s'",
                                  step->hosts[k].loc.file, step->hosts[k].loc.line, h->name,
                                  tls_fault_names[h->tls_fault], starttls_names[h->starttls]);
        }
        free(hosts);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Faults a timeline step may add or remove: those acting inside the
 * scenario's own zones. The runner rebuilds only those zones, so a fault
 * in the parent (DS), or one that changes which zones exist or who serves
 * them, cannot change on the timeline. */
static bool fault_in_own_zones(const struct scen_fault *f)
{
    static const char *const shape[] = {"lame-delegation",   "tlsa-servfail",     "mx-cname",
                                        "mx-cname-insecure", "ds-without-dnskey", NULL};
    if (strcmp(f->target, "ds") == 0)
        return false;
    for (size_t i = 0; shape[i] != NULL; i++)
        if (strcmp(f->name, shape[i]) == 0)
            return false;
    return true;
}

/* `tlsa_at: original` only means something for a host that is a CNAME
 * (mx-cname, mx-cname-insecure). */
static int check_tlsa_at(struct ctx *c)
{
    for (size_t i = 0; i < c->s->n_hosts; i++) {
        const struct scen_host *h = &c->s->hosts[i];
        bool alias = false;
        if (!h->tlsa_at_original)
            continue;
        for (size_t k = 0; k < c->s->n_faults; k++) {
            const struct scen_fault *f = &c->s->faults[k];
            const char *fh = f->host ? f->host : c->s->hosts[0].name;
            alias = alias || (strncmp(f->name, "mx-cname", 8) == 0 && strcmp(fh, h->name) == 0);
        }
        if (!alias)
            return dl_error_set(c->err,
                                "%s:%u: key 'tlsa_at': host '%s' is no CNAME (tlsa_at: original "
                                "needs the fault mx-cname or mx-cname-insecure on it)",
                                h->tlsa_at_loc.file, h->tlsa_at_loc.line, h->name);
    }
    return 0;
}

static int check_timeline_faults(struct ctx *c)
{
    bool changes = false; /* a state other than the scenario's own: its zones rebuilt */
    for (size_t i = 0; i < c->s->n_timeline; i++)
        changes = changes || c->s->timeline[i].has_faults || c->s->timeline[i].n_hosts > 0;
    if (!changes)
        return 0;
    for (size_t i = 0; i < c->s->n_faults; i++)
        if (!fault_in_own_zones(&c->s->faults[i]))
            return dl_error_set(c->err,
                                "%s:%u: fault %s on '%s' cannot change on the timeline (it acts "
                                "on the parent or on which zones exist); timeline steps may only "
                                "change faults inside the scenario's own zones",
                                c->s->faults[i].loc.file, c->s->faults[i].loc.line,
                                c->s->faults[i].name, c->s->faults[i].target);
    for (size_t i = 0; i < c->s->n_timeline; i++)
        for (size_t k = 0; k < c->s->timeline[i].n_faults; k++) {
            const struct scen_fault *f = &c->s->timeline[i].faults[k];
            if (!fault_in_own_zones(f))
                return dl_error_set(c->err,
                                    "%s:%u: fault %s on '%s' cannot be set by a timeline step (it "
                                    "acts on the parent or on which zones exist)",
                                    f->loc.file, f->loc.line, f->name, f->target);
        }
    return 0;
}

static int parse_timeline(struct ctx *c, const yaml_node_t *n)
{
    if (n == NULL)
        return 0;
    if (scen_yaml_seq(c->y, n, "timeline", SCEN_MAX_STEPS, c->err) != 0)
        return -1;
    c->s->n_timeline = scen_yaml_seq_len(n);
    c->s->timeline = dl_xcalloc(c->s->n_timeline, sizeof(*c->s->timeline));
    for (size_t i = 0; i < c->s->n_timeline; i++)
        if (parse_step(c, scen_yaml_seq_item(c->y, n, i), i) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Expectations                                                        */

/* [245].[0-9]{1,3}.[0-9]{1,3} */
static bool valid_code(const char *s)
{
    const char *p = s + 2;
    size_t n;
    if (s[0] == '\0' || strchr("245", s[0]) == NULL || s[1] != '.')
        return false;
    n = strspn(p, "0123456789");
    if (n < 1 || n > 3 || p[n] != '.')
        return false;
    p += n + 1;
    n = strspn(p, "0123456789");
    return n >= 1 && n <= 3 && p[n] == '\0';
}

static int parse_code(struct ctx *c, const struct scen_yaml_map *m, int status, char **out)
{
    yaml_node_t *n = scen_yaml_require(m, "code", c->err);
    const char *code = NULL;
    if (n == NULL || scen_yaml_str(c->y, n, "code", &code, c->err) != 0)
        return -1;
    if (!valid_code(code))
        return scen_yaml_fail(c->y, n, "code", c->err,
                              "expected an enhanced status code such as 4.7.324, got '%s'", code);
    if (code[0] != status_class[status])
        return scen_yaml_fail(c->y, n, "code", c->err, "status '%s' needs a %c.x.x code, got '%s'",
                              status_names[status], status_class[status], code);
    *out = dl_xstrdup(code);
    return 0;
}

/* An attempt time `at` of key `key` (node n) within profile p's schedule:
 * from 0 to its expiry (dane_retry_expiry). */
static int check_retry_at(struct ctx *c, yaml_node_t *n, const char *key, enum scen_profile p,
                          int64_t at)
{
    int64_t expiry = dane_retry_expiry(scen_profile_client(p));
    if (at >= 0 && at <= expiry)
        return 0;
    return scen_yaml_fail(c->y, n, key, c->err,
                          "expected a duration from 0 to %lldh (the %s schedule's last attempt), "
                          "got '%s'",
                          (long long)(expiry / 3600), scen_profile_name(p), scen_yaml_scalar(n));
}

static int parse_retry_codes(struct ctx *c, yaml_node_t *n, enum scen_profile p,
                             struct scen_retry *r)
{
    if (n == NULL)
        return 0;
    if (scen_yaml_seq(c->y, n, "codes", SCEN_MAX_CODES, c->err) != 0)
        return -1;
    r->n_codes = scen_yaml_seq_len(n);
    r->codes = dl_xcalloc(r->n_codes ? r->n_codes : 1, sizeof(*r->codes));
    for (size_t i = 0; i < r->n_codes; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i), *at, *code;
        struct scen_attempt *a = &r->codes[i];
        struct scen_yaml_map m;
        const char *text = NULL;
        a->loc = loc_of(c, item);
        if (scen_yaml_map_open(c->y, item, "codes", "attempt", attempt_keys, &m, c->err) != 0 ||
            (at = scen_yaml_require(&m, "at", c->err)) == NULL ||
            scen_yaml_duration(c->y, at, "at", &a->at, c->err) != 0 ||
            (code = scen_yaml_require(&m, "code", c->err)) == NULL ||
            scen_yaml_str(c->y, code, "code", &text, c->err) != 0)
            return -1;
        if (check_retry_at(c, at, "at", p, a->at) != 0)
            return -1;
        if (i > 0 && a->at <= r->codes[i - 1].at)
            return scen_yaml_fail(c->y, at, "at", c->err,
                                  "not later than the previous attempt (line %u)",
                                  r->codes[i - 1].loc.line);
        if (!valid_code(text))
            return scen_yaml_fail(c->y, code, "code", c->err,
                                  "expected an enhanced status code such as 4.7.324, got '%s'",
                                  text);
        a->code = dl_xstrdup(text);
    }
    return 0;
}

/* retry: {status: delivered|bounced, code, reason?, attempts?, at?, codes?}
 * under profile p: attempts and times bounded by p's schedule. */
static int parse_retry(struct ctx *c, yaml_node_t *n, enum scen_profile p, struct scen_retry *r)
{
    struct scen_yaml_map m;
    yaml_node_t *status, *at;
    const char *reason = NULL;
    long attempts = 0;
    int st = 0;
    r->at = -1;
    if (n == NULL)
        return 0;
    r->loc = loc_of(c, n);
    r->set = true;
    if (scen_yaml_map_open(c->y, n, "retry", "retry expectation", retry_keys, &m, c->err) != 0 ||
        (status = scen_yaml_require(&m, "status", c->err)) == NULL ||
        scen_yaml_enum(c->y, status, "status", status_names, &st, c->err) != 0)
        return -1;
    if (strcmp(status_names[st], "deferred") == 0)
        return scen_yaml_fail(c->y, status, "status", c->err,
                              "a final disposition is delivered or bounced (a message still "
                              "deferred at the schedule's last attempt bounces), got 'deferred'");
    if (parse_code(c, &m, st, &r->code) != 0)
        return -1;
    r->status = dl_xstrdup(status_names[st]);
    if (get_token(c, scen_yaml_get(&m, "reason"), "reason", &reason) != 0 ||
        scen_yaml_get_int(&m, "attempts", 1, (long)dane_retry_attempts(scen_profile_client(p)),
                          &attempts, c->err) != 0)
        return -1;
    r->reason = reason ? dl_xstrdup(reason) : NULL;
    r->attempts = (unsigned)attempts;
    at = scen_yaml_get(&m, "at");
    if (at != NULL) {
        if (scen_yaml_duration(c->y, at, "at", &r->at, c->err) != 0 ||
            check_retry_at(c, at, "at", p, r->at) != 0)
            return -1;
    }
    return parse_retry_codes(c, scen_yaml_get(&m, "codes"), p, r);
}

/* A free text (note:, an rfc: clause): one line, 1 to SCEN_MAX_NOTE
 * printable characters. */
static int get_text(struct ctx *c, const yaml_node_t *n, const char *key, char **out)
{
    const char *text = NULL;
    size_t len;
    if (n == NULL)
        return 0;
    if (scen_yaml_str(c->y, n, key, &text, c->err) != 0)
        return -1;
    len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if (iscntrl((unsigned char)text[i]))
            len = 0;
    if (len == 0 || len > SCEN_MAX_NOTE)
        return scen_yaml_fail(c->y, n, key, c->err,
                              "expected one line of 1 to %d printable characters", SCEN_MAX_NOTE);
    *out = dl_xstrdup(text);
    return 0;
}

/* rfc: "RFC 7672 2.2.2" or a list of such clauses (at most SCEN_MAX_RFC). */
static int parse_rfc(struct ctx *c, yaml_node_t *n, char **rfc, size_t *n_rfc)
{
    size_t len;
    if (n == NULL)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE) {
        *n_rfc = 1;
        return get_text(c, n, "rfc", &rfc[0]);
    }
    len = scen_yaml_seq_len(n);
    if (len == 0 || len > SCEN_MAX_RFC)
        return scen_yaml_fail(c->y, n, "rfc", c->err, "expected 1 to %d clauses, got %zu",
                              SCEN_MAX_RFC, len);
    for (size_t i = 0; i < len; i++) {
        if (get_text(c, scen_yaml_seq_item(c->y, n, i), "rfc", &rfc[i]) != 0)
            return -1;
        *n_rfc = i + 1;
    }
    return 0;
}

/* One outcome: {status, code, reason?, tlsrpt?, note?} read from m. */
static int parse_alt(struct ctx *c, yaml_node_t *n, const struct scen_yaml_map *m,
                     struct scen_outcome *o)
{
    yaml_node_t *status = scen_yaml_require(m, "status", c->err);
    const char *reason = NULL;
    int st = 0, tlsrpt = -1;
    if (status == NULL)
        return -1;
    o->loc = loc_of(c, n);
    /* `status: [delivered, deferred]` is refused: one code cannot have
     * both classes, and pairing a list of statuses with a list of codes
     * by position is easy to misread; any: says which code goes with
     * which status. */
    if (status->type == YAML_SEQUENCE_NODE)
        return scen_yaml_fail(c->y, status, "status", c->err,
                              "a list of statuses is ambiguous with one code: write "
                              "any: [{status: S1, code: C1}, {status: S2, code: C2}]");
    if (scen_yaml_enum(c->y, status, "status", status_names, &st, c->err) != 0 ||
        parse_code(c, m, st, &o->code) != 0 ||
        get_token(c, scen_yaml_get(m, "reason"), "reason", &reason) != 0 ||
        scen_yaml_get_enum(m, "tlsrpt", tlsrpt_names, &tlsrpt, c->err) != 0 ||
        get_text(c, scen_yaml_get(m, "note"), "note", &o->note) != 0)
        return -1;
    o->status = dl_xstrdup(status_names[st]);
    o->reason = reason ? dl_xstrdup(reason) : NULL;
    o->tlsrpt = tlsrpt >= 0 ? dl_xstrdup(tlsrpt_names[tlsrpt]) : NULL;
    return 0;
}

/* any: [{status, code, ...}, ...], 1 to SCEN_MAX_ALTERNATIVES outcomes. */
static int parse_any(struct ctx *c, yaml_node_t *n, struct scen_accept *a)
{
    size_t len;
    if (scen_yaml_seq(c->y, n, "any", SCEN_YAML_MAX_PAIRS, c->err) != 0)
        return -1;
    len = scen_yaml_seq_len(n);
    if (len == 0)
        return scen_yaml_fail(c->y, n, "any", c->err, "expected at least one outcome");
    if (len > SCEN_MAX_ALTERNATIVES)
        return scen_yaml_fail(c->y, scen_yaml_seq_item(c->y, n, SCEN_MAX_ALTERNATIVES), "any",
                              c->err, "at most %d alternative outcomes, got %zu",
                              SCEN_MAX_ALTERNATIVES, len);
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        struct scen_yaml_map m;
        a->n_alt = i + 1;
        if (scen_yaml_map_open(c->y, item, "any", "alternative outcome", alt_keys, &m, c->err) !=
                0 ||
            parse_alt(c, item, &m, &a->alt[i]) != 0)
            return -1;
    }
    return 0;
}

/* The single form or any:, and rfc:, from the opened mapping m of n. */
static int parse_accept(struct ctx *c, yaml_node_t *n, const struct scen_yaml_map *m,
                        struct scen_accept *a)
{
    yaml_node_t *any = scen_yaml_get(m, "any");
    a->loc = loc_of(c, n);
    a->set = true;
    if (parse_rfc(c, scen_yaml_get(m, "rfc"), a->rfc, &a->n_rfc) != 0)
        return -1;
    if (any == NULL) {
        a->n_alt = 1;
        return parse_alt(c, n, m, &a->alt[0]);
    }
    for (size_t k = 0; alt_keys[k] != NULL; k++) {
        yaml_node_t *v = scen_yaml_get(m, alt_keys[k]);
        if (v != NULL)
            return scen_yaml_fail(c->y, v, alt_keys[k], c->err,
                                  "not beside any: (line %u): give each outcome's %s inside it",
                                  scen_yaml_line(any), alt_keys[k]);
    }
    return parse_any(c, any, a);
}

static int parse_outcome(struct ctx *c, yaml_node_t *n, enum scen_profile p, struct scen_expect *e)
{
    struct scen_yaml_map m, pm;
    yaml_node_t *probe;
    if (scen_yaml_map_open(c->y, n, profile_names[p], "expected outcome", outcome_keys, &m,
                           c->err) != 0 ||
        parse_accept(c, n, &m, &e->deliver) != 0)
        return -1;
    e->loc = loc_of(c, n);
    e->set = true;
    probe = scen_yaml_get(&m, "probe");
    if (probe != NULL && (scen_yaml_map_open(c->y, probe, "probe", "probe expectation", probe_keys,
                                             &pm, c->err) != 0 ||
                          parse_accept(c, probe, &pm, &e->probe) != 0))
        return -1;
    return parse_retry(c, scen_yaml_get(&m, "retry"), p, &e->retry);
}

/* mx: secure, or tlsa: {verdict: bogus, reason: expired}. A bogus verdict
 * needs the keyword; other verdicts take none. */
static int parse_verdict(struct ctx *c, yaml_node_t *n, const char *key, struct scen_verdict *v)
{
    struct scen_yaml_map m;
    yaml_node_t *vn = n, *rn = NULL;
    const char *reason = NULL;
    int d = -1;
    v->loc = loc_of(c, n);
    if (n->type == YAML_MAPPING_NODE) {
        if (scen_yaml_map_open(c->y, n, key, "verdict", verdict_keys, &m, c->err) != 0 ||
            (vn = scen_yaml_require(&m, "verdict", c->err)) == NULL)
            return -1;
        rn = scen_yaml_get(&m, "reason");
        if (scen_yaml_str(c->y, rn, "reason", &reason, c->err) != 0)
            return -1;
    }
    if (scen_yaml_enum(c->y, vn, key, dnssec_names, &d, c->err) != 0)
        return -1;
    v->verdict = (enum scen_dnssec)(d + 1);
    if (v->verdict == SCEN_DNSSEC_BOGUS && (reason == NULL || *reason == '\0'))
        return scen_yaml_fail(c->y, n, key, c->err,
                              "a bogus verdict needs the keyword the validator's reason must "
                              "contain: {verdict: bogus, reason: WORD}");
    if (v->verdict != SCEN_DNSSEC_BOGUS && reason != NULL)
        return scen_yaml_fail(c->y, rn, "reason", c->err, "only a bogus verdict takes a reason");
    v->reason = reason ? dl_xstrdup(reason) : NULL;
    return 0;
}

static int parse_dns_expect(struct ctx *c, yaml_node_t *n, const yaml_node_t *dnssec)
{
    struct scen_yaml_map m;
    if (scen_yaml_map_open(c->y, n, "dns", "dns", dns_keys, &m, c->err) != 0)
        return -1;
    for (int r = 0; r < SCEN_RRSET_COUNT; r++) {
        yaml_node_t *v = scen_yaml_get(&m, dns_keys[r]);
        if (v == NULL)
            continue;
        if (r == SCEN_RRSET_MX && dnssec != NULL)
            return scen_yaml_fail(c->y, v, "mx", c->err,
                                  "the MX verdict is already given by 'dnssec' (line %u)",
                                  scen_yaml_line(dnssec));
        if (r != SCEN_RRSET_MX && c->s->n_hosts == 0)
            return scen_yaml_fail(c->y, v, dns_keys[r], c->err,
                                  "needs an MX host (the verdict is about the first one's)");
        if (parse_verdict(c, v, dns_keys[r], &c->s->expect_dns[r]) != 0)
            return -1;
    }
    if (c->s->expect_dns[SCEN_RRSET_MX].verdict != SCEN_DNSSEC_UNSET)
        c->s->expect_dnssec = c->s->expect_dns[SCEN_RRSET_MX].verdict;
    return 0;
}

static int parse_expect(struct ctx *c, yaml_node_t *n)
{
    struct scen_yaml_map m;
    yaml_node_t *dns;
    int dnssec = -1;
    if (n == NULL)
        return 0;
    if (scen_yaml_map_open(c->y, n, "expect", "expect", expect_keys, &m, c->err) != 0 ||
        scen_yaml_get_enum(&m, "dnssec", dnssec_names, &dnssec, c->err) != 0)
        return -1;
    c->s->expect_dnssec = (enum scen_dnssec)(dnssec + 1);
    c->s->expect_dns[SCEN_RRSET_MX].verdict = c->s->expect_dnssec;
    dns = scen_yaml_get(&m, "dns");
    if (dns != NULL && parse_dns_expect(c, dns, scen_yaml_get(&m, "dnssec")) != 0)
        return -1;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        yaml_node_t *o = scen_yaml_get(&m, profile_names[p]);
        if (o != NULL && parse_outcome(c, o, (enum scen_profile)p, &c->s->expect[p]) != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The scenario                                                        */

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

static int parse_name(struct ctx *c, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_require(m, "name", c->err);
    const char *name = NULL;
    if (n == NULL || get_token(c, n, "name", &name) != 0)
        return -1;
    if (!name_matches_file(c->s->path, name))
        return scen_yaml_fail(c->y, n, "name", c->err,
                              "scenario '%s' must be in a file named %s.yaml", name, name);
    c->s->name = dl_xstrdup(name);
    c->s->loc = loc_of(c, n);
    return 0;
}

static int parse_summary(struct ctx *c, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_require(m, "summary", c->err);
    const char *summary = NULL;
    if (n == NULL || scen_yaml_str(c->y, n, "summary", &summary, c->err) != 0)
        return -1;
    if (summary[strspn(summary, " \t")] == '\0')
        return scen_yaml_fail(c->y, n, "summary", c->err, "must not be empty");
    if (strchr(summary, '\n') != NULL)
        return scen_yaml_fail(c->y, n, "summary", c->err, "must be one line");
    c->s->summary = dl_xstrdup(summary);
    return 0;
}

/* domain: default "<name>.test."; the domain zone's loc is where the
 * domain (or, by default, the name) is written. */
static int parse_domain(struct ctx *c, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "domain");
    if (n == NULL) {
        c->s->domain = dl_xasprintf("%s.test.", c->s->name);
        c->s->zone.loc = c->s->loc;
        return 0;
    }
    c->s->zone.loc = loc_of(c, n);
    return get_dname(c, n, "domain", NULL, &c->s->domain);
}

/* tlsrpt: "none", or the TXT text to publish at _smtp._tls.<domain>
 * (printable ASCII and tabs, kept as written even when malformed: scenarios test
 * clients on broken records); default the lab's reporting address. */
static int parse_tlsrpt(struct ctx *c, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "tlsrpt");
    const char *text = NULL;
    size_t len = strlen(c->s->domain);
    c->s->tlsrpt_loc = c->s->zone.loc;
    if (n == NULL) {
        c->s->tlsrpt =
            dl_xasprintf("v=TLSRPTv1; rua=mailto:tlsrpt@%.*s", (int)(len - 1), c->s->domain);
        return 0;
    }
    c->s->tlsrpt_loc = loc_of(c, n);
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
    c->s->tlsrpt = dl_xstrdup(text);
    return 0;
}

static int parse_tags(struct ctx *c, const struct scen_yaml_map *m)
{
    yaml_node_t *n = scen_yaml_get(m, "tags");
    if (n == NULL)
        return 0;
    return get_string_list(c, n, "tags", true, SCEN_MAX_TAGS, &c->s->tags, &c->s->n_tags);
}

static int parse_scen(struct ctx *c)
{
    struct scen_yaml_map m;
    yaml_node_t *root = scen_yaml_root(c->y);
    if (root->type != YAML_MAPPING_NODE)
        return scen_yaml_fail_at(c->y, root, c->err, "expected a mapping at the top level");
    if (scen_yaml_map_open(c->y, root, "scenario", "scenario", top_keys, &m, c->err) != 0 ||
        parse_name(c, &m) != 0 || parse_summary(c, &m) != 0 || parse_domain(c, &m) != 0 ||
        parse_tlsrpt(c, &m) != 0 || parse_tags(c, &m) != 0 || parse_domain_zone(c, &m) != 0 ||
        parse_extra_zones(c, scen_yaml_get(&m, "zones")) != 0 ||
        parse_certs(c, scen_yaml_get(&m, "certificates")) != 0 ||
        parse_hosts(c, scen_yaml_get(&m, "mx")) != 0 ||
        parse_faults(c, scen_yaml_get(&m, "faults"), &c->s->faults, &c->s->n_faults) != 0 ||
        parse_timeline(c, scen_yaml_get(&m, "timeline")) != 0 ||
        parse_expect(c, scen_yaml_get(&m, "expect")) != 0 ||
        parse_rfc(c, scen_yaml_get(&m, "rfc"), c->s->rfc, &c->s->n_rfc) != 0 ||
        check_timeline_faults(c) != 0 || check_timeline_hosts(c) != 0 || check_tlsa_at(c) != 0)
        return -1;
    if (c->s->zone.validity != 0 && !scen_has_retry(c->s))
        return dl_error_set(c->err,
                            "%s:%u: zone validity applies to the runner's timeline builds only: "
                            "it needs a retry expectation (expect: PROFILE: retry:)",
                            c->s->zone.loc.file, c->s->zone.loc.line);
    default_cert_names(c->s);
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
    struct scen_yaml y;
    struct scen *s;
    char *text;
    size_t len;
    int rc;
    if (dl_read_file(path, SCEN_MAX_FILE, &text, &len, err) != 0)
        return -1;
    s = dl_xcalloc(1, sizeof(*s));
    s->path = dl_xstrdup(path);
    rc = scen_yaml_load(&y, s->path, text, len, err);
    free(text);
    if (rc == 0) {
        struct ctx c = {&y, s, err};
        rc = parse_scen(&c);
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
/* Freeing                                                             */

static void zone_clear(struct scen_zone *z)
{
    free(z->origin);
    free(z->nsec3_salt);
    for (size_t i = 0; i < z->n_records; i++)
        free(z->records[i].text);
    free(z->records);
}

static void faults_free(struct scen_fault *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].name);
        free(f[i].target);
        free(f[i].host);
    }
    free(f);
}

static void hosts_free(struct scen_host *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].address);
        free(h[i].certificate);
        for (int r = 0; r < SCEN_REPLY_COUNT; r++)
            free(h[i].reply[r]);
        for (size_t j = 0; j < h[i].n_sni; j++) {
            free(h[i].sni[j].name);
            free(h[i].sni[j].certificate);
        }
        free(h[i].sni);
        for (size_t j = 0; j < h[i].n_tlsa; j++) {
            free(h[i].tlsa[j].literal);
            free(h[i].tlsa[j].of);
        }
        free(h[i].tlsa);
    }
    free(h);
}

static void certs_free(struct scen_cert *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(certs[i].name);
        free(certs[i].key);
        free(certs[i].issuer);
        free_strings(certs[i].names, certs[i].n_names);
    }
    free(certs);
}

static void retry_clear(struct scen_retry *r)
{
    free(r->status);
    free(r->code);
    free(r->reason);
    for (size_t i = 0; i < r->n_codes; i++)
        free(r->codes[i].code);
    free(r->codes);
}

static void accept_clear(struct scen_accept *a)
{
    for (size_t i = 0; i < a->n_alt; i++) {
        free(a->alt[i].status);
        free(a->alt[i].code);
        free(a->alt[i].reason);
        free(a->alt[i].tlsrpt);
        free(a->alt[i].note);
    }
    for (size_t i = 0; i < a->n_rfc; i++)
        free(a->rfc[i]);
}

static bool same(const char *want, const char *seen)
{
    return want == NULL || (seen != NULL && strcmp(want, seen) == 0);
}

/* What differs between one outcome and what was observed; "" if none. */
static void alt_mismatch(const struct scen_outcome *o, const char *status, const char *code,
                         const char *reason, const char *tlsrpt, char *why, size_t len)
{
    why[0] = '\0';
    if (strcmp(o->status, status) != 0 || strcmp(o->code, code) != 0)
        snprintf(why, len, "expected %s %s, observed %s %s", o->status, o->code, status, code);
    else if (!same(o->reason, reason))
        snprintf(why, len, "expected reason %s, observed %s", o->reason, reason ? reason : "none");
    else if (!same(o->tlsrpt, tlsrpt))
        snprintf(why, len, "expected TLS-RPT %s, observed %s", o->tlsrpt, tlsrpt ? tlsrpt : "none");
}

int scen_accept_match(const struct scen_accept *a, const char *status, const char *code,
                      const char *reason, const char *tlsrpt, char *why, size_t len)
{
    size_t l;
    for (size_t i = 0; i < a->n_alt; i++) {
        alt_mismatch(&a->alt[i], status, code, reason, tlsrpt, why, len);
        if (why[0] == '\0')
            return (int)i;
    }
    if (a->n_alt <= 1)
        return -1;
    l = (size_t)snprintf(why, len, "expected one of");
    for (size_t i = 0; i < a->n_alt && l < len; i++) {
        const struct scen_outcome *o = &a->alt[i];
        l += (size_t)snprintf(why + l, len - l, "%s%s %s%s%s%s", i ? " | " : " ", o->status,
                              o->code, o->reason ? " (" : "", o->reason ? o->reason : "",
                              o->reason ? ")" : "");
    }
    if (l < len)
        snprintf(why + l, len - l, ", observed %s %s (%s)", status, code,
                 reason ? reason : "no reason");
    return -1;
}

bool scen_accept_allows(const struct scen_accept *a, const char *status)
{
    for (size_t i = 0; i < a->n_alt; i++)
        if (strcmp(a->alt[i].status, status) == 0)
            return true;
    return false;
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
    struct scen_host *h;
    if (s->n_hosts == 0)
        return NULL;
    h = dl_xcalloc(s->n_hosts, sizeof(*h));
    memcpy(h, s->hosts, s->n_hosts * sizeof(*h));
    for (int i = 0; i <= index && (size_t)i < s->n_timeline; i++)
        for (size_t k = 0; k < s->timeline[i].n_hosts; k++) {
            const struct scen_host_change *x = &s->timeline[i].hosts[k];
            struct scen_host *t = &h[x->host];
            if (x->certificate != NULL)
                t->certificate = x->certificate;
            if (x->has_starttls)
                t->starttls = x->starttls;
            if (x->has_tls_fault)
                t->tls_fault = x->tls_fault;
            if (x->has_chain)
                t->chain = x->chain;
            if (x->has_tlsa) {
                t->tlsa = x->tlsa;
                t->n_tlsa = x->n_tlsa;
            }
        }
    return h;
}

static void tlsa_free(struct scen_tlsa *t, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        free(t[j].literal);
        free(t[j].of);
    }
    free(t);
}

static void timeline_free(struct scen_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(steps[i].note);
        faults_free(steps[i].faults, steps[i].n_faults);
        for (size_t k = 0; k < steps[i].n_hosts; k++) {
            free(steps[i].hosts[k].certificate);
            tlsa_free(steps[i].hosts[k].tlsa, steps[i].hosts[k].n_tlsa);
        }
        free(steps[i].hosts);
    }
    free(steps);
}

void scen_free(struct scen *s)
{
    if (s == NULL)
        return;
    free(s->path);
    free(s->name);
    free(s->summary);
    free(s->domain);
    free(s->tlsrpt);
    free_strings(s->tags, s->n_tags);
    zone_clear(&s->zone);
    for (size_t i = 0; i < s->n_zones; i++)
        zone_clear(&s->zones[i]);
    free(s->zones);
    hosts_free(s->hosts, s->n_hosts);
    certs_free(s->certs, s->n_certs);
    faults_free(s->faults, s->n_faults);
    timeline_free(s->timeline, s->n_timeline);
    for (int r = 0; r < SCEN_RRSET_COUNT; r++)
        free(s->expect_dns[r].reason);
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        accept_clear(&s->expect[p].deliver);
        accept_clear(&s->expect[p].probe);
        retry_clear(&s->expect[p].retry);
    }
    for (size_t i = 0; i < s->n_rfc; i++)
        free(s->rfc[i]);
    free(s);
}

/* ------------------------------------------------------------------ */
/* Catalogue                                                           */

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
