/* scen_host: `certificates:`, `mx:` and timeline host changes (see
 * scen_host.h). */
#include "scen_host.h"

#include "dl_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

static const char *const host_keys[] = {"host",
                                        "preference",
                                        "address",
                                        "addresses",
                                        "certificate",
                                        "starttls",
                                        "tls_fault",
                                        "chain",
                                        "reply",
                                        "sni",
                                        "tlsa",
                                        "tlsa_at",
                                        "tlsa_alias",
                                        "tls_min",
                                        "tls_max",
                                        "alt_certificate",
                                        "starttls_inject",
                                        NULL};
static const char *const tlsa_keys[] = {"usage", "selector", "matching", "of", "port", NULL};
static const char *const cert_keys[] = {"key",   "issuer",     "ca",        "pathlen", "permitted",
                                        "names", "not_before", "not_after", NULL};
static const char *const change_keys[] = {"host",  "starttls", "certificate", "tls_fault",
                                          "chain", "tlsa",     NULL};
static const char *const starttls_names[] = {"offer", "none", "reject", "close", NULL};
static const char *const tlsa_at_names[] = {"target", "original", "wildcard", NULL};
static const char *const tls_fault_names[] = {"none", "abort-after-hello", "wrong-key", NULL};
static const char *const chain_names[] = {"served", "leaf", "full", "no-intermediate", NULL};
static const char *const reply_keys[] = {"mail", "rcpt", "data", "dot", NULL};
static const char *const tls_version_names[] = {"any", "1.2", "1.3", NULL};
static const char *const key_names[] = {"ecdsa-p256", "rsa2048", "rsa3072", "ed25519", NULL};

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

const char *scen_tls_version_name(enum scen_tls_version v)
{
    return v > SCEN_TLS_ANY && v <= SCEN_TLS_1_3 ? tls_version_names[v] : NULL;
}

const char *scen_reply_step_name(enum scen_reply_step r)
{
    return (unsigned)r < SCEN_REPLY_COUNT ? reply_keys[r] : NULL;
}

/* ------------------------------------------------------------------ */
/* Certificates                                                       */

static const struct scen_cert *find_cert(const struct scen_cert *certs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (certs[i].name != NULL && strcmp(certs[i].name, name) == 0)
            return &certs[i];
    return NULL;
}

/* Whether `certificates:` (read before mx: and timeline:) names `name`. */
static bool has_cert(const struct scen_parse *c, const char *name)
{
    return find_cert(c->certs, c->n_certs, name) != NULL;
}

/* issuer: must be a key of the certificates mapping (forward references
 * are fine: the mapping is complete). */
static int parse_issuer(struct scen_parse *c, const struct scen_yaml_map *all,
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

static int parse_validity(struct scen_parse *c, const struct scen_yaml_map *m,
                          struct scen_cert *cert)
{
    cert->not_before = -86400;
    cert->not_after = 365 * 86400;
    if (scen_yaml_get_duration(m, "not_before", &cert->not_before, c->err) != 0 ||
        scen_yaml_get_duration(m, "not_after", &cert->not_after, c->err) != 0)
        return -1;
    if (cert->not_after > cert->not_before)
        return 0;
    if (scen_yaml_get(m, "not_after") == NULL) /* then not_before is written */
        return scen_yaml_fail(c->y, scen_yaml_get(m, "not_before"), "not_before", c->err,
                              "must be earlier than not_after (by default 365d)");
    return scen_yaml_fail(c->y, scen_yaml_get(m, "not_after"), "not_after", c->err,
                          "must be later than not_before");
}

/* pathlen: and permitted: (CA only): the constraints a CA puts on the
 * chains below it (RFC 5280 4.2.1.9, 4.2.1.10). */
static int parse_ca_limits(struct scen_parse *c, const struct scen_yaml_map *m,
                           struct scen_cert *cert)
{
    yaml_node_t *pl = scen_yaml_get(m, "pathlen"), *nc = scen_yaml_get(m, "permitted");
    long v = -1;
    if (scen_yaml_get_int(m, "pathlen", 0, SCEN_MAX_CHAIN, &v, c->err) != 0)
        return -1;
    if (pl != NULL && !cert->ca)
        return scen_yaml_fail(c->y, pl, "pathlen", c->err,
                              "only a CA (ca: true) takes a path length");
    cert->limit_path = pl != NULL;
    cert->pathlen = pl != NULL ? (unsigned)v : 0;
    if (nc == NULL)
        return 0;
    if (!cert->ca)
        return scen_yaml_fail(c->y, nc, "permitted", c->err,
                              "only a CA (ca: true) takes name constraints");
    if (scen_parse_strings(c, nc, "permitted", false, SCEN_MAX_NAMES, &cert->permitted,
                           &cert->n_permitted) != 0)
        return -1;
    for (size_t i = 0; i < cert->n_permitted; i++)
        if (strpbrk(cert->permitted[i], ",:*") != NULL || cert->permitted[i][0] == '\0')
            return scen_yaml_fail(c->y, nc, "permitted", c->err,
                                  "'%s' is not a DNS name subtree (no ',', ':' or '*')",
                                  cert->permitted[i]);
    return 0;
}

static int parse_cert(struct scen_parse *c, const struct scen_yaml_map *all,
                      struct scen_cert *certs, size_t i)
{
    struct scen_cert *cert = &certs[i];
    yaml_node_t *name = scen_yaml_map_key(all, i), *names;
    struct scen_yaml_map m;
    const char *token = NULL;
    int key = 0;
    if (scen_parse_token(c, name, "certificates", &token) != 0 ||
        scen_yaml_map_open(c->y, scen_yaml_map_value(all, i), token, "certificate", cert_keys, &m,
                           c->err) != 0)
        return -1;
    cert->name = dl_xstrdup(token);
    cert->loc = scen_parse_loc(c, name);
    if (scen_yaml_get_enum(&m, "key", key_names, &key, c->err) != 0 ||
        scen_yaml_get_bool(&m, "ca", &cert->ca, c->err) != 0 ||
        parse_issuer(c, all, &m, cert) != 0 || parse_validity(c, &m, cert) != 0 ||
        parse_ca_limits(c, &m, cert) != 0)
        return -1;
    cert->key = dl_xstrdup(key_names[key]);
    names = scen_yaml_get(&m, "names");
    if (names == NULL)
        return 0;
    return scen_parse_strings(c, names, "names", false, SCEN_MAX_NAMES, &cert->names,
                              &cert->n_names);
}

/* Every issuer chain must end at a self-signed certificate within
 * SCEN_MAX_CHAIN certificates: at most SCEN_MAX_CERTS * SCEN_MAX_CHAIN
 * lookups for a good file (issuers were checked to exist). A chain that
 * meets more certificates than there are has met one twice: it loops. */
static int check_issuer_chains(struct scen_parse *c, const struct scen_cert *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct scen_cert *x = &certs[i];
        size_t seen = 1; /* certificates of the chain met so far */
        for (; x->issuer != NULL && seen < SCEN_MAX_CHAIN; seen++)
            x = find_cert(certs, n, x->issuer);
        if (x->issuer == NULL)
            continue;
        for (; x->issuer != NULL && seen <= n; seen++)
            x = find_cert(certs, n, x->issuer);
        if (x->issuer != NULL)
            return dl_error_set(c->err, "%s:%u: certificate '%s': issuer chain loops", c->path,
                                certs[i].loc.line, certs[i].name);
        return dl_error_set(c->err,
                            "%s:%u: certificate '%s': issuer chain longer than %d certificates",
                            c->path, certs[i].loc.line, certs[i].name, SCEN_MAX_CHAIN);
    }
    return 0;
}

int scen_host_parse_certs(struct scen_parse *c, yaml_node_t *n, struct scen_cert **out,
                          size_t *n_out)
{
    struct scen_yaml_map all;
    if (n == NULL)
        return 0;
    if (scen_yaml_map_open(c->y, n, "certificates", "certificates", NULL, &all, c->err) != 0)
        return -1;
    if (scen_yaml_map_len(&all) > SCEN_MAX_CERTS)
        return scen_yaml_fail(c->y, n, "certificates", c->err, "more than %d certificates",
                              SCEN_MAX_CERTS);
    *n_out = scen_yaml_map_len(&all);
    *out = dl_xcalloc(*n_out, sizeof(**out));
    for (size_t i = 0; i < *n_out; i++)
        if (parse_cert(c, &all, *out, i) != 0)
            return -1;
    return check_issuer_chains(c, *out, *n_out);
}

void scen_host_default_cert_names(struct scen_cert *certs, size_t n_certs,
                                  const struct scen_host *hosts, size_t n_hosts)
{
    for (size_t i = 0; i < n_certs; i++) {
        struct scen_cert *cert = &certs[i];
        if (cert->n_names > 0 || n_hosts == 0)
            continue;
        free(cert->names);
        cert->names = dl_xcalloc(1, sizeof(*cert->names));
        cert->names[0] = dl_xstrdup(hosts[0].name);
        cert->names[0][strlen(cert->names[0]) - 1] = '\0';
        cert->n_names = 1;
    }
}

void scen_host_free_certs(struct scen_cert *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(certs[i].name);
        free(certs[i].key);
        free(certs[i].issuer);
        scen_parse_free_strings(certs[i].names, certs[i].n_names);
        scen_parse_free_strings(certs[i].permitted, certs[i].n_permitted);
    }
    free(certs);
}

/* ------------------------------------------------------------------ */
/* MX hosts and TLSA                                                  */

size_t scen_host_index(const struct scen_parse *c, const char *name)
{
    size_t i = 0;
    while (i < c->n_hosts && strcmp(c->hosts[i].name, name) != 0)
        i++;
    return i;
}

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

static int parse_tlsa_literal(struct scen_parse *c, const yaml_node_t *n, const char *host,
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

static int parse_tlsa_computed(struct scen_parse *c, yaml_node_t *n, struct scen_tlsa *t)
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
    if (!has_cert(c, cert))
        return scen_yaml_fail(c->y, of, "of", c->err, "no certificate named '%s'", cert);
    t->of = dl_xstrdup(cert);
    t->usage = (int)usage;
    t->selector = (int)selector;
    t->matching = (int)matching;
    t->port = (uint16_t)port;
    return 0;
}

/* The TLSA records of host `host` (an MX host, or a timeline change). */
static int parse_tlsa_list(struct scen_parse *c, const yaml_node_t *n, const char *host,
                           struct scen_tlsa **out, size_t *n_out)
{
    if (n == NULL)
        return 0;
    if ((*out = scen_parse_array(c, n, "tlsa", SCEN_MAX_TLSA, sizeof(**out), n_out)) == NULL)
        return -1;
    for (size_t i = 0; i < *n_out; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        struct scen_tlsa *t = &(*out)[i];
        t->loc = scen_parse_loc(c, item);
        t->port = 25;
        if (item->type == YAML_SCALAR_NODE ? parse_tlsa_literal(c, item, host, t)
                                           : parse_tlsa_computed(c, item, t))
            return -1;
    }
    return 0;
}

/* One address text: `ipv4` or `ipv6` (the lab's plan address of that
 * family), an IPv4 literal in 127.0.0.0/8 or an IPv6 literal in
 * SCEN_ADDR6_PREFIX/48 (kept in RFC 5952 form, so that it compares equal
 * to what sockets report). */
static int parse_addr_text(struct scen_parse *c, const yaml_node_t *n, const char *key,
                           struct scen_addr *a)
{
    const char *s = NULL;
    struct in_addr v4;
    struct in6_addr v6, lab;
    char text[INET6_ADDRSTRLEN];
    if (scen_yaml_str(c->y, n, key, &s, c->err) != 0)
        return -1;
    a->loc = scen_parse_loc(c, n);
    if (strcmp(s, "ipv4") == 0 || strcmp(s, "ipv6") == 0) {
        a->family = s[3] == '4' ? 4 : 6;
        return 0;
    }
    if (inet_pton(AF_INET, s, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) {
        a->family = 4;
        a->literal = dl_xstrdup(s);
        return 0;
    }
    if (inet_pton(AF_INET6, s, &v6) == 1 && inet_pton(AF_INET6, SCEN_ADDR6_PREFIX, &lab) == 1 &&
        memcmp(v6.s6_addr, lab.s6_addr, 6) == 0 &&
        inet_ntop(AF_INET6, &v6, text, sizeof(text)) != NULL) {
        a->family = 6;
        a->literal = dl_xstrdup(text);
        return 0;
    }
    return scen_yaml_fail(c->y, n, key, c->err,
                          "expected ipv4, ipv6, an IPv4 address in 127.0.0.0/8 or an IPv6 "
                          "address in %s/48, got '%s'",
                          SCEN_ADDR6_PREFIX, s);
}

/* An item of `addresses:`: an address text, or {address, starttls,
 * certificate} for a server of its own on that address. */
static int parse_addr_item(struct scen_parse *c, yaml_node_t *n, struct scen_addr *a)
{
    static const char *const keys[] = {"address", "starttls", "certificate", NULL};
    struct scen_yaml_map m;
    yaml_node_t *v;
    const char *cert = NULL;
    int st = 0;
    if (n->type == YAML_SCALAR_NODE)
        return parse_addr_text(c, n, "addresses", a);
    if (scen_yaml_map_open(c->y, n, "addresses", "address", keys, &m, c->err) != 0 ||
        (v = scen_yaml_require(&m, "address", c->err)) == NULL ||
        parse_addr_text(c, v, "address", a) != 0 ||
        scen_yaml_get_enum(&m, "starttls", starttls_names, &st, c->err) != 0 ||
        scen_yaml_get_str(&m, "certificate", &cert, c->err) != 0)
        return -1;
    a->has_starttls = scen_yaml_get(&m, "starttls") != NULL;
    a->starttls = (enum scen_starttls)st;
    if (cert != NULL && !has_cert(c, cert))
        return scen_yaml_fail(c->y, scen_yaml_get(&m, "certificate"), "certificate", c->err,
                              "no certificate named '%s'", cert);
    a->certificate = cert ? dl_xstrdup(cert) : NULL;
    return 0;
}

/* addrs[i] against addrs[0..i-1]: one plan address per family, no
 * literal twice. */
static int check_duplicate_addr(struct scen_parse *c, const yaml_node_t *n,
                                const struct scen_addr *addrs, size_t i)
{
    const struct scen_addr *a = &addrs[i];
    for (size_t j = 0; j < i; j++) {
        const struct scen_addr *b = &addrs[j];
        bool same = a->literal == NULL ? b->literal == NULL && a->family == b->family
                                       : b->literal != NULL && strcmp(a->literal, b->literal) == 0;
        if (same)
            return scen_yaml_fail(c->y, n, "addresses", c->err,
                                  "address '%s' given twice (first at line %u)",
                                  a->literal       ? a->literal
                                  : a->family == 4 ? "ipv4"
                                                   : "ipv6",
                                  b->loc.line);
    }
    return 0;
}

/* `address:` (one) or `addresses:` (1 to SCEN_MAX_ADDRS), not both;
 * neither: the lab's IPv4 address. */
static int parse_addresses(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *one = scen_yaml_get(m, "address"), *list = scen_yaml_get(m, "addresses");
    if (one != NULL && list != NULL)
        return scen_yaml_fail(c->y, list, "addresses", c->err,
                              "give address (one) or addresses (a list), not both");
    if (one != NULL) {
        h->n_addrs = 1;
        return parse_addr_text(c, one, "address", &h->addrs[0]);
    }
    if (list == NULL) {
        h->addrs[0] = (struct scen_addr){.loc = h->loc, .family = 4};
        h->n_addrs = 1;
        return 0;
    }
    if (scen_yaml_seq(c->y, list, "addresses", SCEN_MAX_ADDRS, c->err) != 0)
        return -1;
    if (scen_yaml_seq_len(list) == 0)
        return scen_yaml_fail(c->y, list, "addresses", c->err,
                              "expected at least one address (leave addresses out for the "
                              "lab's IPv4 address)");
    for (size_t i = 0; i < scen_yaml_seq_len(list); i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, list, i);
        h->n_addrs = i + 1; /* the item is freed with the host even if it fails */
        if (parse_addr_item(c, item, &h->addrs[i]) != 0 ||
            check_duplicate_addr(c, item, h->addrs, i) != 0)
            return -1;
    }
    return 0;
}

bool scen_host_has_ipv6(const struct scen_host *h, size_t n)
{
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k < h[j].n_addrs; k++)
            if (h[j].addrs[k].family == 6)
                return true;
    return false;
}

static int parse_host_cert(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(m, "certificate");
    const char *s = NULL;
    if (scen_yaml_str(c->y, n, "certificate", &s, c->err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    if (!has_cert(c, s))
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

static int parse_reply(struct scen_parse *c, const struct scen_yaml_map *hm, struct scen_host *h)
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
static int parse_sni(struct scen_parse *c, const struct scen_yaml_map *hm, struct scen_host *h)
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
        h->sni[i].loc = scen_parse_loc(c, k);
        if (scen_parse_dname(c, k, "sni", c->domain, &h->sni[i].name) != 0 ||
            scen_yaml_str(c->y, v, "sni", &cert, c->err) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(h->sni[j].name, h->sni[i].name) == 0)
                return scen_yaml_fail(c->y, k, "sni", c->err,
                                      "duplicate name '%s' (first at line %u)", h->sni[i].name,
                                      h->sni[j].loc.line);
        if (!has_cert(c, cert))
            return scen_yaml_fail(c->y, v, "sni", c->err, "no certificate named '%s'", cert);
        h->sni[i].certificate = dl_xstrdup(cert);
    }
    return 0;
}

/* The key type of the certificate a host names (NULL: the implicit
 * self-signed one, of the default type). */
static const char *cert_key_of(const struct scen_parse *c, const char *name)
{
    const struct scen_cert *cert = name != NULL ? find_cert(c->certs, c->n_certs, name) : NULL;
    return cert != NULL ? cert->key : key_names[0];
}

/* alt_certificate: a certificate of `certificates:` whose key type differs
 * from the host's certificate and from each sni certificate (OpenSSL keeps
 * one certificate per key type in a context: the same type would replace,
 * not add). */
static int parse_alt_cert(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(m, "alt_certificate");
    const char *alt = NULL, *type;
    if (scen_yaml_str(c->y, n, "alt_certificate", &alt, c->err) != 0)
        return -1;
    if (alt == NULL)
        return 0;
    if (!has_cert(c, alt))
        return scen_yaml_fail(c->y, n, "alt_certificate", c->err, "no certificate named '%s'", alt);
    type = cert_key_of(c, alt);
    for (size_t i = 0; i <= h->n_sni; i++) {
        const char *other = i < h->n_sni ? h->sni[i].certificate : h->certificate;
        if (strcmp(type, cert_key_of(c, other)) == 0)
            return scen_yaml_fail(c->y, n, "alt_certificate", c->err,
                                  "'%s' has the same key type (%s) as '%s': it must differ", alt,
                                  type, other != NULL ? other : "the host's default certificate");
    }
    h->alt_certificate = dl_xstrdup(alt);
    return 0;
}

/* starttls_inject: 1 to 8 lines of printable ASCII, 400 octets in all. */
static int parse_inject(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(m, "starttls_inject");
    const char *text = NULL;
    size_t lines = 1, len;
    if (scen_yaml_str(c->y, n, "starttls_inject", &text, c->err) != 0)
        return -1;
    if (text == NULL)
        return 0;
    len = strlen(text);
    for (const char *p = text; *p; p++) {
        lines += *p == '\n' && p[1] != '\0';
        if ((*p != '\n' && ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)) ||
            (*p == '\n' && (p == text || p[-1] == '\n')))
            return scen_yaml_fail(c->y, n, "starttls_inject", c->err,
                                  "expected lines of printable ASCII, none empty");
    }
    if (len == 0 || len > 400 || lines > 8)
        return scen_yaml_fail(c->y, n, "starttls_inject", c->err,
                              "expected 1 to 8 lines, 1 to 400 octets in all");
    h->starttls_inject = dl_xstrdup(text);
    return 0;
}

/* tls_min, tls_max, alt_certificate, starttls_inject: each needs a
 * handshake, and tls_min must not exceed tls_max. */
static int parse_tls_breadth(struct scen_parse *c, const struct scen_yaml_map *m,
                             struct scen_host *h)
{
    static const char *const keys[] = {"tls_min", "tls_max", "alt_certificate", "starttls_inject",
                                       NULL};
    int lo = 0, hi = 0;
    for (int i = 0; keys[i] != NULL; i++)
        if (scen_yaml_get(m, keys[i]) != NULL && h->starttls != SCEN_STARTTLS_OFFER)
            return scen_yaml_fail(c->y, scen_yaml_get(m, keys[i]), keys[i], c->err,
                                  "needs a handshake: starttls: offer, not '%s'",
                                  starttls_names[h->starttls]);
    if (scen_yaml_get_enum(m, "tls_min", tls_version_names, &lo, c->err) != 0 ||
        scen_yaml_get_enum(m, "tls_max", tls_version_names, &hi, c->err) != 0)
        return -1;
    if (lo != SCEN_TLS_ANY && hi != SCEN_TLS_ANY && lo > hi)
        return scen_yaml_fail(c->y, scen_yaml_get(m, "tls_max"), "tls_max", c->err,
                              "%s is below tls_min %s", tls_version_names[hi],
                              tls_version_names[lo]);
    h->tls_min = (enum scen_tls_version)lo;
    h->tls_max = (enum scen_tls_version)hi;
    if (parse_alt_cert(c, m, h) != 0)
        return -1;
    return parse_inject(c, m, h);
}

/* tls_fault, chain, reply and sni: what the host's server does in TLS. */
static int parse_server(struct scen_parse *c, const struct scen_yaml_map *m, struct scen_host *h)
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
    if (parse_reply(c, m, h) != 0 || parse_sni(c, m, h) != 0)
        return -1;
    return parse_tls_breadth(c, m, h);
}

/* tlsa_alias: NAME, relative to the domain when without a dot: needs TLSA
 * records, all at one port, and the default tlsa_at (the CNAME is at
 * _PORT._tcp.<base>; where NAME lies is checked once the zones are known,
 * scen.c). */
static int parse_tlsa_alias(struct scen_parse *c, const struct scen_yaml_map *m,
                            struct scen_host *h)
{
    yaml_node_t *n = scen_yaml_get(m, "tlsa_alias");
    if (n == NULL)
        return 0;
    h->tlsa_alias_loc = scen_parse_loc(c, n);
    if (scen_parse_dname(c, n, "tlsa_alias", c->domain, &h->tlsa_alias) != 0)
        return -1;
    if (h->n_tlsa == 0)
        return scen_yaml_fail(c->y, n, "tlsa_alias", c->err,
                              "needs the host's TLSA records (tlsa:) to publish at '%s'",
                              h->tlsa_alias);
    for (size_t k = 1; k < h->n_tlsa; k++)
        if (h->tlsa[k].port != h->tlsa[0].port)
            return scen_yaml_fail(c->y, n, "tlsa_alias", c->err,
                                  "the host's TLSA records must share one port (line %u: %u, "
                                  "line %u: %u)",
                                  h->tlsa[0].loc.line, h->tlsa[0].port, h->tlsa[k].loc.line,
                                  h->tlsa[k].port);
    if (h->tlsa_at_original || h->tlsa_at_wildcard)
        return scen_yaml_fail(c->y, n, "tlsa_alias", c->err,
                              "cannot be combined with tlsa_at: %s (the CNAME is the TLSA owner)",
                              h->tlsa_at_original ? "original" : "wildcard");
    return 0;
}

/* hosts[i] against hosts[0..i-1]. */
static int check_duplicate_host(struct scen_parse *c, const yaml_node_t *n,
                                const struct scen_host *hosts, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(hosts[j].name, hosts[i].name) == 0)
            return scen_yaml_fail(c->y, n, "host", c->err,
                                  "duplicate mx host '%s' (first at line %u)", hosts[i].name,
                                  hosts[j].loc.line);
    return 0;
}

static int parse_host(struct scen_parse *c, yaml_node_t *item, struct scen_host *hosts, size_t i)
{
    struct scen_host *h = &hosts[i];
    struct scen_yaml_map m;
    yaml_node_t *name;
    long preference = 10;
    int starttls = 0, tlsa_at = 0;
    h->loc = scen_parse_loc(c, item);
    if (scen_yaml_map_open(c->y, item, "mx", "mx host", host_keys, &m, c->err) != 0 ||
        (name = scen_yaml_require(&m, "host", c->err)) == NULL ||
        scen_parse_dname(c, name, "host", c->domain, &h->name) != 0 ||
        check_duplicate_host(c, name, hosts, i) != 0 ||
        scen_yaml_get_int(&m, "preference", 0, 65535, &preference, c->err) != 0 ||
        parse_addresses(c, &m, h) != 0 || parse_host_cert(c, &m, h) != 0 ||
        scen_yaml_get_enum(&m, "starttls", starttls_names, &starttls, c->err) != 0 ||
        scen_yaml_get_enum(&m, "tlsa_at", tlsa_at_names, &tlsa_at, c->err) != 0)
        return -1;
    h->tlsa_at_original = tlsa_at == 1;
    h->tlsa_at_wildcard = tlsa_at == 2;
    if (scen_yaml_get(&m, "tlsa_at") != NULL)
        h->tlsa_at_loc = scen_parse_loc(c, scen_yaml_get(&m, "tlsa_at"));
    h->preference = (uint16_t)preference;
    h->starttls = (enum scen_starttls)starttls;
    if (parse_server(c, &m, h) != 0 ||
        parse_tlsa_list(c, scen_yaml_get(&m, "tlsa"), h->name, &h->tlsa, &h->n_tlsa) != 0)
        return -1;
    return parse_tlsa_alias(c, &m, h);
}

int scen_host_parse_list(struct scen_parse *c, const yaml_node_t *n, struct scen_host **out,
                         size_t *n_out)
{
    if ((*out = scen_parse_array(c, n, "mx", SCEN_MAX_HOSTS, sizeof(**out), n_out)) == NULL)
        return -1;
    if (*n_out == 0)
        return scen_yaml_fail(c->y, n, "mx", c->err,
                              "expected at least one host (leave mx out for no MX RRset)");
    for (size_t i = 0; i < *n_out; i++)
        if (parse_host(c, scen_yaml_seq_item(c->y, n, i), *out, i) != 0)
            return -1;
    return 0;
}

static void tlsa_free(struct scen_tlsa *t, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        free(t[j].literal);
        free(t[j].of);
    }
    free(t);
}

void scen_host_free_list(struct scen_host *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        for (size_t k = 0; k < h[i].n_addrs; k++) {
            free(h[i].addrs[k].literal);
            free(h[i].addrs[k].certificate);
        }
        free(h[i].certificate);
        free(h[i].tlsa_alias);
        for (int r = 0; r < SCEN_REPLY_COUNT; r++)
            free(h[i].reply[r]);
        for (size_t j = 0; j < h[i].n_sni; j++) {
            free(h[i].sni[j].name);
            free(h[i].sni[j].certificate);
        }
        free(h[i].sni);
        free(h[i].alt_certificate);
        free(h[i].starttls_inject);
        tlsa_free(h[i].tlsa, h[i].n_tlsa);
    }
    free(h);
}

/* ------------------------------------------------------------------ */
/* Timeline changes                                                   */

/* `host:` of a timeline change: an MX host of the scenario, once per step. */
static int parse_change_host(struct scen_parse *c, struct scen_host_change *x, size_t k,
                             const yaml_node_t *n)
{
    const char *name = NULL;
    char *abs;
    size_t j;
    if (scen_yaml_str(c->y, n, "host", &name, c->err) != 0)
        return -1;
    abs = scen_parse_absolute(name, c->domain);
    j = scen_host_index(c, abs);
    if (j == c->n_hosts) {
        scen_yaml_fail(c->y, n, "host", c->err, "no mx host named '%s'", abs);
        free(abs);
        return -1;
    }
    for (size_t e = 0; e < k; e++)
        if (x[e].host == j) {
            scen_yaml_fail(c->y, n, "host", c->err,
                           "mx host '%s' already changed by this step (line %u)", abs,
                           x[e].loc.line);
            free(abs);
            return -1;
        }
    free(abs);
    x[k].host = j;
    return 0;
}

/* starttls, tls_fault, chain: each changes only when given. */
static int parse_change_server(struct scen_parse *c, const struct scen_yaml_map *m,
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
static int parse_change(struct scen_parse *c, struct scen_host_change *x, size_t k,
                        yaml_node_t *item)
{
    struct scen_host_change *h = &x[k];
    struct scen_yaml_map m;
    yaml_node_t *name, *cert = NULL;
    const char *cert_name = NULL;
    h->loc = scen_parse_loc(c, item);
    if (scen_yaml_map_open(c->y, item, "hosts", "timeline host change", change_keys, &m, c->err) !=
            0 ||
        (name = scen_yaml_require(&m, "host", c->err)) == NULL ||
        parse_change_host(c, x, k, name) != 0 || parse_change_server(c, &m, h) != 0)
        return -1;
    if (scen_yaml_map_len(&m) < 2)
        return scen_yaml_fail_at(c->y, item, c->err,
                                 "timeline host change: expected at least one of starttls, "
                                 "certificate, tls_fault, chain, tlsa beside host");
    cert = scen_yaml_get(&m, "certificate");
    if (scen_yaml_str(c->y, cert, "certificate", &cert_name, c->err) != 0)
        return -1;
    if (cert_name != NULL && !has_cert(c, cert_name))
        return scen_yaml_fail(c->y, cert, "certificate", c->err, "no certificate named '%s'",
                              cert_name);
    h->certificate = cert_name ? dl_xstrdup(cert_name) : NULL;
    h->has_tlsa = scen_yaml_get(&m, "tlsa") != NULL;
    return parse_tlsa_list(c, scen_yaml_get(&m, "tlsa"), c->hosts[h->host].name, &h->tlsa,
                           &h->n_tlsa);
}

int scen_host_parse_changes(struct scen_parse *c, const yaml_node_t *n,
                            struct scen_host_change **out, size_t *n_out)
{
    if (n == NULL)
        return 0;
    if ((*out = scen_parse_array(c, n, "hosts", SCEN_MAX_HOSTS, sizeof(**out), n_out)) == NULL)
        return -1;
    if (*n_out == 0)
        return scen_yaml_fail(c->y, n, "hosts", c->err,
                              "expected at least one host change (leave hosts out for none)");
    for (size_t k = 0; k < *n_out; k++)
        if (parse_change(c, *out, k, scen_yaml_seq_item(c->y, n, k)) != 0)
            return -1;
    return 0;
}

void scen_host_free_changes(struct scen_host_change *x, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(x[k].certificate);
        tlsa_free(x[k].tlsa, x[k].n_tlsa);
    }
    free(x);
}

void scen_host_apply(struct scen_host *h, const struct scen_host_change *x)
{
    if (x->certificate != NULL)
        h->certificate = x->certificate;
    if (x->has_starttls)
        h->starttls = x->starttls;
    if (x->has_tls_fault)
        h->tls_fault = x->tls_fault;
    if (x->has_chain)
        h->chain = x->chain;
    if (x->has_tlsa) {
        h->tlsa = x->tlsa;
        h->n_tlsa = x->n_tlsa;
    }
}
