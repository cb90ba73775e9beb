#include "imp_import.h"

#include "imp_certs.h"
#include "imp_evidence.h"
#include "imp_fromtext.h"
#include "imp_text.h"
#include "dl_json.h"
#include "dl_log.h"
#include "scen.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct imp {
    const json_t *ev;
    struct dl_buf *y, notes, faults, zone_extra, records;
    bool zone_bogus; /* the domain's DNSKEY RRset is bogus: one fault says why */
    struct imp_certs certs;
    char *domain; /* mapped */
    /* the current host: which servers present a certificate of their own */
    bool own_cert[IMP_EVIDENCE_MAX_SERVERS];
    bool per_address; /* its addresses: items say how each server differs */
};

static void not_reproduced(struct imp *m, const char *fmt, ...) DL_PRINTF(2, 3);
static void not_reproduced(struct imp *m, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (char *p = buf; *p; p++)
        if (*p == '\n' || (unsigned char)*p < ' ')
            *p = ' ';
    dl_buf_printf(&m->notes, "#   - %s\n", buf);
}

static const json_t *rrs(const json_t *rrset)
{
    return json_object_get(rrset, "records");
}

/* A YAML double-quoted scalar of printable ASCII (others escaped). */
static void quoted(struct dl_buf *b, const char *s)
{
    dl_buf_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            dl_buf_printf(b, "\\%c", c);
        else if (c < ' ' || c > '~')
            dl_buf_printf(b, "\\x%02x", c);
        else
            dl_buf_printf(b, "%c", c);
    }
    dl_buf_printf(b, "\"");
}

/* --- zones --------------------------------------------------------------- */

static const char *alg_name(long a)
{
    switch (a) {
    case 8:
        return "rsasha256";
    case 13:
        return "ecdsap256sha256";
    case 14:
        return "ecdsap384sha384";
    case 15:
        return "ed25519";
    case 16:
        return "ed448";
    default:
        return NULL;
    }
}

struct key {
    unsigned flags, alg, tag;
};

/* The zone's DNSKEYs (flags, algorithm, key tag computed by ldns). */
static size_t keys(const json_t *z, struct key *k, size_t max)
{
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rrs(json_object_get(z, "dnskey")), i, r) {
        ldns_rr *rr = NULL;
        char *line =
            dl_xasprintf("k. 300 IN DNSKEY %s", json_string_value(r) ? json_string_value(r) : "");
        if (n < max && ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) == LDNS_STATUS_OK) {
            k[n].flags = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
            k[n].alg = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
            k[n].tag = ldns_calc_keytag(rr);
            n++;
        }
        ldns_rr_free(rr);
        free(line);
    }
    return n;
}

/* The distinct DNSKEY algorithms, in order of appearance. */
static size_t algorithms(const struct key *k, size_t n, unsigned *alg)
{
    size_t na = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < na && alg[j] != k[i].alg)
            j++;
        if (j == na && na < 4)
            alg[na++] = k[i].alg;
    }
    return na;
}

static const json_t *find_zone(const json_t *ev, const char *name)
{
    size_t i;
    json_t *z;
    json_array_foreach(json_object_get(ev, "zones"), i, z)
        if (strcasecmp(dl_json_str(z, "name"), name) == 0)
            return z;
    return NULL;
}

static void fault(struct imp *m, const char *name, const char *target, const char *host)
{
    dl_buf_printf(&m->faults, "  - {fault: %s, target: %s%s%s}\n", name, target,
                  host ? ", host: " : "", host ? host : "");
}

/* Why the DNSKEY RRset is bogus, as a fault of the zone or its DS. */
static void dnskey_fault(struct imp *m, const json_t *z, const struct key *k, size_t nk)
{
    const char *why = dl_json_str(json_object_get(z, "dnskey"), "why");
    size_t i;
    json_t *d;
    if (nk == 0 && strstr(why, "no keys have a DS")) {
        /* the keys are unknown (a resolver's SERVFAIL hid them, as dig
         * shows it), Unbound's words name the break: no key for the DS */
        fault(m, "ds-no-matching-key", "ds", NULL);
        return;
    }
    if (nk == 0) {
        fault(m, "ds-without-dnskey", "zone", NULL);
        return;
    }
    if (strstr(why, "expired")) {
        fault(m,
              strcmp(dl_json_str(json_object_get(m->ev, "mx"), "status"), "bogus") == 0 &&
                      strstr(dl_json_str(json_object_get(m->ev, "mx"), "why"), "expired")
                  ? "zone-expired"
                  : "dnskey-rrsig-expired",
              strstr(why, "expired") ? "zone" : "dnskey", NULL);
        return;
    }
    for (i = 0; i < nk; i++)
        if (k[i].flags & 0x80) {
            fault(m, "dnskey-revoked", "dnskey", NULL);
            return;
        }
    json_array_foreach(rrs(json_object_get(z, "ds")), i, d) {
        unsigned tag, alg;
        if (sscanf(json_string_value(d) ? json_string_value(d) : "", "%u %u", &tag, &alg) != 2)
            continue;
        for (size_t j = 0; j < nk; j++)
            if (k[j].tag == tag) {
                fault(m, k[j].alg == alg ? "ds-digest-mismatch" : "ds-algorithm-mismatch", "ds",
                      NULL);
                return;
            }
    }
    fault(m, "ds-no-matching-key", "ds", NULL);
}

/* The DS digest type the parent uses; an unknown one is a fault. */
static void ds_digest(struct imp *m, const json_t *z, struct dl_buf *b, bool domain)
{
    unsigned tag, alg, dt = 0;
    const char *first = json_string_value(json_array_get(rrs(json_object_get(z, "ds")), 0));
    if (first == NULL || sscanf(first, "%u %u %u", &tag, &alg, &dt) != 3 || dt == 2)
        return;
    if (dt == 1 || dt == 4)
        dl_buf_printf(b, "  ds-digest: %s\n", dt == 1 ? "sha1" : "sha384");
    else if (domain)
        fault(m, "ds-unknown-digest", "ds", NULL);
    else
        not_reproduced(m, "zone %s: DS digest type %u", dl_json_str(z, "name"), dt);
}

static void denial(struct imp *m, const json_t *z, struct dl_buf *b)
{
    const char *p = json_string_value(json_array_get(rrs(json_object_get(z, "nsec3param")), 0));
    unsigned alg, flags, iter;
    char salt[600];
    if (p == NULL)
        return;
    if (sscanf(p, "%u %u %u %599s", &alg, &flags, &iter, salt) != 4) {
        not_reproduced(m, "zone %s: NSEC3PARAM '%s' not understood", dl_json_str(z, "name"), p);
        return;
    }
    dl_buf_printf(b, "  denial: nsec3\n  nsec3: {iterations: %u, salt: \"%s\"}\n", iter, salt);
    not_reproduced(m, "zone %s: NSEC3 opt-out is not captured (the scenario has none)",
                   dl_json_str(z, "name"));
}

/* The ZONE KEYS of a captured zone into b (two-space indented). */
static void zone_keys(struct imp *m, const json_t *z, struct dl_buf *b, bool domain)
{
    struct key k[16];
    unsigned alg[4];
    size_t nk = keys(z, k, 16), na = algorithms(k, nk, alg);
    const char *ks = dl_json_str(json_object_get(z, "dnskey"), "status");
    bool has_ds = json_array_size(rrs(json_object_get(z, "ds"))) > 0;
    if (nk == 0 && !(domain && has_ds && strcmp(ks, "bogus") == 0)) {
        dl_buf_printf(b, "  signed: false\n");
        if (has_ds)
            fault(m, "ds-without-dnskey", "zone", NULL);
        return;
    }
    if (!has_ds)
        dl_buf_printf(b, "  ds: false\n");
    if (na == 1 && alg[0] == 253 && domain)
        fault(m, "unsupported-algorithm", "zone", NULL);
    else if (na == 1 && alg_name(alg[0]) && alg[0] != 13)
        dl_buf_printf(b, "  algorithm: %s\n", alg_name(alg[0]));
    else if (na == 2 && alg_name(alg[0]) && alg_name(alg[1]))
        dl_buf_printf(b, "  algorithm: [%s, %s]\n", alg_name(alg[0]), alg_name(alg[1]));
    else if (na != 1 || alg[0] != 13)
        not_reproduced(m, "zone %s: DNSKEY algorithms not reproduced (%zu of them, first %u)",
                       dl_json_str(z, "name"), na, na ? alg[0] : 0);
    ds_digest(m, z, b, domain);
    denial(m, z, b);
    if (domain && strcmp(ks, "bogus") == 0)
        dnskey_fault(m, z, k, nk);
}

/* --- RRset faults ------------------------------------------------------- */

static const struct {
    const char *words, *fault;
} why_faults[] = {
    {"signature expired", "rrsig-expired"},
    {"signature before inception", "rrsig-not-yet-valid"},
    {"not yet valid", "rrsig-not-yet-valid"},
    {"signature crypto failed", "rrsig-bad-signature"},
    {"signature verification failed", "rrsig-bad-signature"},
    {"signatures from unknown keys", "rrsig-unknown-key"},
    {"no dnssec records", "denial-missing"},
    {"no signatures", "rrsig-missing"},
    {"label", "rrsig-labels-wrong"},
    {"no keys", "rrsig-unknown-key"},
    {"wildcard", "wildcard-proof-missing"},
    {"no nsec", "denial-missing"},
    {"nodata proof failed", "nsec-type-bitmap-lies"},
    {"nxdomain proof failed", "denial-wrong"},
    {"denial", "denial-wrong"},
};

/* A bogus RRset's fault, from the validator's words. */
static void rrset_fault(struct imp *m, const json_t *rrset, const char *target, const char *host)
{
    const char *why = dl_json_str(rrset, "why");
    char low[512];
    size_t i;
    if (strcmp(dl_json_str(rrset, "status"), "bogus") != 0 || strstr(why, "marked as invalid") ||
        m->zone_bogus)
        return;
    for (i = 0; i < sizeof(low) - 1 && why[i]; i++)
        low[i] = (char)tolower((unsigned char)why[i]);
    low[i] = '\0';
    for (i = 0; i < sizeof(why_faults) / sizeof(why_faults[0]); i++)
        if (strstr(low, why_faults[i].words)) {
            /* a missing denial proof has no AAAA target: the zone loses them all */
            bool any = strcmp(why_faults[i].fault, "denial-missing") == 0;
            fault(m, why_faults[i].fault, any ? "tlsa" : target, host);
            return;
        }
    not_reproduced(m, "%s %s bogus for a reason the lab has no fault for: %s", target,
                   host ? host : "", why);
}

/* --- hosts -------------------------------------------------------------- */

/* What a server does with STARTTLS, as the scenario says it. */
static const char *starttls_of(const json_t *srv, bool *handshake_failed)
{
    const json_t *kw = json_object_get(json_object_get(srv, "ehlo"), "keywords"), *st;
    size_t i;
    json_t *k;
    bool offered = false;
    *handshake_failed = false;
    json_array_foreach(kw, i, k)
        offered = offered ||
                  strcasecmp(json_string_value(k) ? json_string_value(k) : "", "STARTTLS") == 0;
    if (!offered)
        return "none";
    st = json_object_get(srv, "starttls");
    if (!json_is_integer(json_object_get(st, "code")))
        return "close";
    if (json_integer_value(json_object_get(st, "code")) != 220)
        return "reject";
    *handshake_failed = json_object_get(srv, "tls") == NULL;
    return "offer";
}

static void host_certs(struct imp *m, const json_t *h, const json_t *srv, size_t i,
                       const char *mapped)
{
    const json_t *tls = json_object_get(srv, "tls"), *wo = json_object_get(srv, "without_sni");
    char leaf[64], chain[32], wleaf[64], wchain[32];
    struct dl_buf *y = m->y;
    (void)h;
    if (imp_certs_add(&m->certs, json_object_get(tls, "certificates"), i, "", leaf, sizeof(leaf),
                      chain, sizeof(chain)) != 0) {
        snprintf(leaf, sizeof(leaf), "h%zu-c0", i + 1);
        dl_buf_printf(&m->certs.yaml, "  %s: {names: [\"%s\"]}\n", leaf, mapped);
        chain[0] = '\0';
        if (tls)
            not_reproduced(m, "host %s: no certificate could be read; the lab's default stands in",
                           mapped);
    }
    if (wo && json_object_get(wo, "certificates") &&
        imp_certs_add(&m->certs, json_object_get(wo, "certificates"), i, "nosni", wleaf,
                      sizeof(wleaf), wchain, sizeof(wchain)) == 0) {
        dl_buf_printf(y, "    certificate: %s\n    sni: {\"%s\": %s}\n", wleaf, mapped, leaf);
        if (strcmp(wchain, chain) != 0)
            not_reproduced(m, "host %s: the chains with and without SNI differ in shape", mapped);
    } else
        dl_buf_printf(y, "    certificate: %s\n", leaf);
    if (chain[0] && strcmp(chain, "served") != 0)
        dl_buf_printf(y, "    chain: %s\n", chain);
    if (strcmp(dl_json_str(tls, "version"), "TLSv1.2") == 0)
        dl_buf_printf(y, "    tls_max: \"1.2\"\n");
}

/* The TLSA owner is a CNAME (RFC 7671 7, RFC 7672 2.2.3): published the
 * same way, its target in the captured zone of the target. */
static void tlsa_alias(struct imp *m, const json_t *t)
{
    const json_t *c = json_array_get(json_object_get(t, "chain"), 0);
    char *target;
    if (c == NULL)
        return;
    if (strcmp(dl_json_str(c, "type"), "CNAME") != 0 ||
        strcasecmp(dl_json_str(c, "owner"), dl_json_str(t, "name")) != 0 ||
        json_array_size(json_object_get(t, "chain")) > 1) {
        not_reproduced(m, "TLSA %s: an alias chain other than one CNAME", dl_json_str(t, "name"));
        return;
    }
    target = imp_map_name(dl_json_str(c, "target"));
    dl_buf_printf(m->y, "    tlsa_alias: %s\n", target);
    free(target);
}

static void host_tlsa(struct imp *m, const json_t *h, const json_t *srv, size_t i)
{
    const json_t *t = json_object_get(h, "tlsa_expanded");
    const json_t *certs = json_object_get(json_object_get(srv, "tls"), "certificates");
    size_t k;
    json_t *r;
    if (json_array_size(rrs(t)) == 0)
        t = json_object_get(h, "tlsa");
    if (json_array_size(rrs(t)) == 0 && (strcmp(dl_json_str(t, "status"), "failed") == 0 ||
                                         strcmp(dl_json_str(t, "status"), "bogus") == 0)) {
        /* the records are unknown: the query failed, or a resolver's
         * SERVFAIL hid the bogus data; one stands in */
        dl_buf_printf(m->y, "    tlsa: [{of: h%zu-c0}]\n", i + 1);
        not_reproduced(m,
                       "host %zu: the TLSA lookup was %s without records, which are unknown; a "
                       "DANE-EE record of the lab's certificate stands in",
                       i + 1, dl_json_str(t, "status"));
        return;
    }
    if (json_array_size(rrs(t)) == 0)
        return;
    if (t == json_object_get(h, "tlsa"))
        tlsa_alias(m, t);
    dl_buf_printf(m->y, "    tlsa:\n");
    json_array_foreach(rrs(t), k, r) {
        const char *rr = json_string_value(r) ? json_string_value(r) : "";
        /* tied to a certificate of the first server, else of another one */
        char *item = imp_certs_tlsa_match(certs, i, "", rr);
        for (size_t a = 1; a < IMP_EVIDENCE_MAX_SERVERS && item == NULL; a++) {
            char tag[16];
            const json_t *other = json_array_get(json_object_get(h, "servers"), a);
            snprintf(tag, sizeof(tag), "a%zu", a + 1);
            if (m->own_cert[a])
                item = imp_certs_tlsa_match(
                    json_object_get(json_object_get(other, "tls"), "certificates"), i, tag, rr);
        }
        if (item == NULL)
            item = imp_certs_tlsa(&m->certs, certs, i, rr);
        dl_buf_printf(m->y, "      - %s\n", item);
        free(item);
    }
}

/* The leaf PEM a server presented, or "". */
static const char *leaf_pem(const json_t *srv)
{
    const json_t *certs = json_object_get(json_object_get(srv, "tls"), "certificates");
    return dl_json_str(json_array_get(certs, 0), "pem");
}

/* One server per family whose second differs from the first in its
 * certificate or STARTTLS: `addresses:` items of their own (the lab's
 * per-address servers). Returns whether it wrote them. */
static bool per_address(struct imp *m, const json_t *h, size_t i, const char *mapped)
{
    const json_t *srvs = json_object_get(h, "servers"), *s0 = json_array_get(srvs, 0);
    const json_t *s1 = json_array_get(srvs, 1);
    bool f0, f1, six0 = strchr(dl_json_str(s0, "address"), ':') != NULL;
    const char *st0, *st1;
    char leaf[64], chain[32], tag[8] = "a2";
    if (json_array_size(srvs) != 2 || six0 == (strchr(dl_json_str(s1, "address"), ':') != NULL) ||
        !json_object_get(s0, "banner") || !json_object_get(s1, "banner"))
        return false;
    st0 = starttls_of(s0, &f0);
    st1 = starttls_of(s1, &f1);
    if (strcmp(st0, st1) == 0 && strcmp(leaf_pem(s0), leaf_pem(s1)) == 0)
        return false;
    dl_buf_printf(m->y, "    addresses:\n      - %s\n      - {address: %s", six0 ? "ipv6" : "ipv4",
                  six0 ? "ipv4" : "ipv6");
    if (strcmp(st0, st1) != 0)
        dl_buf_printf(m->y, ", starttls: %s", st1);
    if (*leaf_pem(s1) && strcmp(leaf_pem(s0), leaf_pem(s1)) != 0 &&
        imp_certs_add(&m->certs, json_object_get(json_object_get(s1, "tls"), "certificates"), i,
                      tag, leaf, sizeof(leaf), chain, sizeof(chain)) == 0) {
        dl_buf_printf(m->y, ", certificate: %s", leaf);
        m->own_cert[1] = true;
        if (strcmp(chain, "served") != 0)
            not_reproduced(m, "host %s: the chain shape of address %s is the host's", mapped,
                           dl_json_str(s1, "address"));
    }
    dl_buf_printf(m->y, "}\n");
    m->per_address = true;
    if (f0 != f1)
        not_reproduced(m, "host %s: a handshake failing on one address only", mapped);
    return true;
}

static void host_addresses(struct imp *m, const json_t *h, size_t i, const char *mapped)
{
    bool v4 = json_array_size(rrs(json_object_get(h, "a"))) > 0;
    bool v6 = json_array_size(rrs(json_object_get(h, "aaaa"))) > 0;
    if (v4 && v6 && !per_address(m, h, i, mapped))
        dl_buf_printf(m->y, "    addresses: [ipv4, ipv6]\n");
    else if (v6 && !v4)
        dl_buf_printf(m->y, "    address: ipv6\n");
    else if (!v4 && !v6)
        not_reproduced(m, "host %s has no address record; the lab gives it one", mapped);
    if (json_array_size(rrs(json_object_get(h, "a"))) > 1 ||
        json_array_size(rrs(json_object_get(h, "aaaa"))) > 1)
        not_reproduced(m, "host %s: several addresses of one family become one", mapped);
}

/* The first captured zone that is neither the domain's nor above it: the
 * scenario's provider zone (zones[0]). */
static const char *provider_zone(const struct imp *m)
{
    const char *domain = dl_json_str(m->ev, "domain");
    size_t i;
    json_t *z;
    json_array_foreach(json_object_get(m->ev, "zones"), i, z)
        if (strcasecmp(dl_json_str(z, "name"), domain) != 0 &&
            !dl_name_under(domain, dl_json_str(z, "name")))
            return dl_json_str(z, "name");
    return "";
}

/* The host name is a CNAME: to a host of the same first label in the
 * provider zone, the lab's mx-cname (mx-cname-insecure when the address
 * answer is insecure), with tlsa_at: original when the TLSA records were
 * found at the original name only; any other alias is listed. */
static void host_alias(struct imp *m, const json_t *h, const char *mapped)
{
    const json_t *a = json_object_get(h, "a"), *c = json_array_get(json_object_get(a, "chain"), 0);
    const char *name = dl_json_str(h, "name"), *target = dl_json_str(c, "target");
    const char *dot = strchr(target, '.');
    size_t label = strcspn(name, ".");
    if (c == NULL)
        return;
    if (json_array_size(json_object_get(a, "chain")) == 1 &&
        strcmp(dl_json_str(c, "type"), "CNAME") == 0 &&
        strcasecmp(dl_json_str(c, "owner"), name) == 0 && dot && (size_t)(dot - target) == label &&
        strncasecmp(name, target, label) == 0 && strcasecmp(dot + 1, provider_zone(m)) == 0) {
        fault(m,
              strcmp(dl_json_str(a, "status"), "insecure") == 0 ? "mx-cname-insecure" : "mx-cname",
              "a", NULL);
        /* the records at the original name, none at the target (RFC 7672 2.2.2) */
        if (json_array_size(rrs(json_object_get(h, "tlsa_expanded"))) == 0 &&
            json_array_size(rrs(json_object_get(h, "tlsa"))) > 0)
            dl_buf_printf(m->y, "    tlsa_at: original\n");
        return;
    }
    not_reproduced(m, "host %s is an alias (CNAME/DNAME): published as a plain host", mapped);
}

/* A host whose names provably have no address (no A, no AAAA, neither
 * bogus nor failed): published as an MX record alone. */
static bool no_address(const json_t *h)
{
    const json_t *a = json_object_get(h, "a"), *aaaa = json_object_get(h, "aaaa");
    const char *sa = dl_json_str(a, "status"), *s6 = dl_json_str(aaaa, "status");
    return json_array_size(rrs(a)) == 0 && json_array_size(rrs(aaaa)) == 0 &&
           (strcmp(sa, "secure") == 0 || strcmp(sa, "insecure") == 0) &&
           (strcmp(s6, "secure") == 0 || strcmp(s6, "insecure") == 0) &&
           !json_is_true(json_object_get(h, "implicit"));
}

static void host(struct imp *m, const json_t *h, size_t i)
{
    char *mapped = imp_map_name(dl_json_str(h, "name"));
    const json_t *srvs = json_object_get(h, "servers"), *srv = json_array_get(srvs, 0);
    bool failed = false;
    /* a server that never answered says nothing of STARTTLS: the lab's offers it */
    const char *st = srv && json_object_get(srv, "banner") ? starttls_of(srv, &failed) : "offer";
    if (no_address(h)) {
        dl_buf_printf(&m->records, "  - \"@ MX %lld %s.\"\n",
                      (long long)json_integer_value(json_object_get(h, "preference")), mapped);
        free(mapped);
        return;
    }
    dl_buf_printf(m->y, "  - host: %s\n    preference: %lld\n", mapped,
                  (long long)json_integer_value(json_object_get(h, "preference")));
    memset(m->own_cert, 0, sizeof(m->own_cert));
    m->per_address = false;
    host_addresses(m, h, i, mapped);
    if (srv == NULL || json_object_get(srv, "banner") == NULL)
        not_reproduced(m, "host %s: no SMTP server answered (%s); the lab's server answers", mapped,
                       srv ? dl_json_str(srv, "error") : "no address");
    if (strcmp(st, "offer") != 0)
        dl_buf_printf(m->y, "    starttls: %s\n", st);
    if (failed)
        dl_buf_printf(m->y, "    tls_fault: abort-after-hello\n");
    for (size_t k = 1; k < json_array_size(srvs) && !m->per_address; k++) {
        bool f2;
        if (strcmp(starttls_of(json_array_get(srvs, k), &f2), st) != 0 || f2 != failed)
            not_reproduced(m, "host %s: address %s behaves unlike the first", mapped,
                           dl_json_str(json_array_get(srvs, k), "address"));
    }
    host_certs(m, h, srv, i, mapped);
    host_tlsa(m, h, srv, i);
    host_alias(m, h, mapped);
    rrset_fault(m, json_object_get(h, "a"), "a", mapped);
    rrset_fault(m, json_object_get(h, "aaaa"), "aaaa", mapped);
    rrset_fault(m, json_object_get(h, "tlsa"), "tlsa", mapped);
    if (strcmp(dl_json_str(json_object_get(h, "tlsa"), "status"), "failed") == 0)
        dl_buf_printf(&m->zone_extra, "  misbehave:\n    - {type: TLSA, answer: servfail}\n");
    free(mapped);
}

/* The MX RRset holds a null MX, "0 ." (RFC 7505). */
static bool null_mx(const json_t *ev)
{
    size_t i;
    json_t *r;
    json_array_foreach(rrs(json_object_get(ev, "mx")), i, r)
        if (json_string_value(r) && strcmp(json_string_value(r), "0 .") == 0)
            return true;
    return false;
}

/* --- the scenario -------------------------------------------------------- */

static void tlsrpt(struct imp *m)
{
    size_t i;
    json_t *r;
    json_array_foreach(rrs(json_object_get(m->ev, "tlsrpt")), i, r) {
        const char *s = json_string_value(r) ? json_string_value(r) : "";
        struct dl_buf t = {0};
        for (; *s; s++)
            if (*s != '"')
                dl_buf_append(&t, s, 1);
        if (strncmp(dl_buf_str(&t), "v=TLSRPTv1", 10) == 0) {
            dl_buf_printf(m->y, "tlsrpt: ");
            quoted(m->y, dl_buf_str(&t));
            dl_buf_printf(m->y, "\n");
            dl_buf_free(&t);
            return;
        }
        dl_buf_free(&t);
    }
    dl_buf_printf(m->y, "tlsrpt: none\n");
}

static const char *verdict(const json_t *rrset)
{
    const char *s = dl_json_str(rrset, "status");
    bool secure = strcmp(s, "secure") == 0;
    if (secure && json_is_true(json_object_get(rrset, "nxdomain")))
        return "nxdomain";
    if (secure && json_array_size(rrs(rrset)) == 0)
        return "nodata";
    if (strcmp(s, "failed") == 0 || strcmp(s, "error") == 0)
        return "servfail";
    return s;
}

static int expect(struct imp *m, struct dl_error *err)
{
    (void)err;
    static const char *const profiles[] = {"rfc7672", "exchange-online"};
    const json_t *out = json_object_get(m->ev, "outcome");
    const json_t *mx = json_object_get(m->ev, "mx"),
                 *h0 = json_array_get(json_object_get(m->ev, "hosts"), 0);
    const char *v = verdict(mx);
    /* the lab checks a null MX as no MX, and the A RRset of an implicit MX */
    if (null_mx(m->ev))
        v = "nodata";
    if (json_is_true(json_object_get(h0, "implicit")))
        v = verdict(mx = json_object_get(h0, "a"));
    dl_buf_printf(m->y, "expect:\n");
    /* a bogus verdict names a word of the validator's reason */
    if (strcmp(v, "bogus") != 0)
        dl_buf_printf(m->y, "  dns: {mx: %s}\n", v);
    else if (strstr(dl_json_str(mx, "why"), "validation failure"))
        dl_buf_printf(m->y, "  dns: {mx: {verdict: bogus, reason: \"validation failure\"}}\n");
    else
        dl_buf_printf(m->y, "  dns: {mx: {verdict: bogus, reason: \"validation failure\"}}\n");
    for (size_t p = 0; p < 2; p++) {
        const json_t *o = json_object_get(out, profiles[p]);
        if (!json_is_string(json_object_get(o, "status")) ||
            !json_is_string(json_object_get(o, "code"))) {
            /* a capture whose probe failed, or text that holds no outcome */
            not_reproduced(m,
                           "the outcome under %s is unknown (%s): expect has none, the run "
                           "checks DNS only",
                           profiles[p], dl_json_str(o, "error"));
            continue;
        }
        dl_buf_printf(m->y, "  %s: {status: %s, code: %s", profiles[p], dl_json_str(o, "status"),
                      dl_json_str(o, "code"));
        if (*dl_json_str(o, "reason"))
            dl_buf_printf(m->y, ", reason: %s", dl_json_str(o, "reason"));
        if (json_is_string(json_object_get(o, "tlsrpt")))
            dl_buf_printf(m->y, ", tlsrpt: %s", dl_json_str(o, "tlsrpt"));
        dl_buf_printf(m->y, ", note: \"observed at capture\"}\n");
    }
    return 0;
}

/* The scenario's name: imported-DOMAIN with dots as dashes. */
static void scen_name(const char *domain, char *out, size_t len)
{
    size_t o = (size_t)snprintf(out, len, "imported-");
    for (const char *p = domain; *p && o + 1 < len && o < 63; p++)
        out[o++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '-';
    while (o > 0 && out[o - 1] == '-')
        o--;
    out[o] = '\0';
}

static void header(struct imp *m, const char *source)
{
    size_t i;
    json_t *z, *h;
    dl_buf_printf(m->y,
                  "# Imported by danelab import from %s (danelab-evidence %lld),\n"
                  "# captured %s through resolver %s.\n"
                  "# Names: each captured name NAME is NAME.test here:\n"
                  "#   %s -> %s\n",
                  source, (long long)json_integer_value(json_object_get(m->ev, "version")),
                  dl_json_str(m->ev, "captured_at"), dl_json_str(m->ev, "resolver"),
                  dl_json_str(m->ev, "domain"), m->domain);
    json_array_foreach(json_object_get(m->ev, "hosts"), i, h) {
        char *n = imp_map_name(dl_json_str(h, "name"));
        dl_buf_printf(m->y, "#   %s -> %s\n", dl_json_str(h, "name"), n);
        free(n);
    }
    json_array_foreach(json_object_get(m->ev, "zones"), i, z) {
        char *n = imp_map_name(dl_json_str(z, "name"));
        dl_buf_printf(m->y, "#   zone %s -> %s\n", dl_json_str(z, "name"), n);
        free(n);
    }
}

/* The extra zones: the hosts' zones that are neither the domain's nor
 * above it (those are the lab's own, test. and the root). */
static void extra_zones(struct imp *m)
{
    const char *domain = dl_json_str(m->ev, "domain");
    size_t i;
    json_t *z;
    bool any = false;
    json_array_foreach(json_object_get(m->ev, "zones"), i, z) {
        const char *name = dl_json_str(z, "name");
        char *mapped;
        struct dl_buf keys = {0};
        if (strcasecmp(name, domain) == 0)
            continue;
        if (dl_name_under(domain, name)) {
            not_reproduced(m, "zone %s above the domain: the lab's own test. stands in", name);
            continue;
        }
        mapped = imp_map_name(name);
        zone_keys(m, z, &keys, false);
        dl_buf_printf(m->y, "%s  - name: %s\n", any ? "" : "zones:\n", mapped);
        any = true;
        for (const char *p = dl_buf_str(&keys); *p;) {
            size_t n = strcspn(p, "\n");
            dl_buf_printf(m->y, "  %.*s\n", (int)n, p);
            p += n + (p[n] == '\n');
        }
        dl_buf_free(&keys);
        free(mapped);
    }
}

/* No host was captured: a null MX, or an MX lookup that failed (the
 * domain's name servers do not answer: a lame delegation, the only fault
 * that fails every query). */
static void no_hosts(struct imp *m, struct dl_buf *mx)
{
    if (null_mx(m->ev))
        return;
    not_reproduced(m, "the MX lookup failed (%s); host mx1 stands in, behind a lame delegation",
                   dl_json_str(json_object_get(m->ev, "mx"), "why"));
    dl_buf_printf(mx, "  - host: mx1.%s\n", m->domain);
    fault(m, "lame-delegation", "zone", NULL);
}

static void body(struct imp *m)
{
    const json_t *hosts = json_object_get(m->ev, "hosts"), *dz;
    struct dl_buf zone = {0}, mx = {0};
    struct dl_buf *top = m->y;
    size_t i;
    json_t *h;
    dz = find_zone(m->ev, dl_json_str(m->ev, "domain"));
    m->zone_bogus =
        dz && strcmp(dl_json_str(json_object_get(dz, "dnskey"), "status"), "bogus") == 0;
    if (dz)
        zone_keys(m, dz, &zone, true);
    else
        not_reproduced(m, "the domain is no zone apex; the scenario gives it a signed zone");
    rrset_fault(m, json_object_get(m->ev, "mx"), "mx", NULL);
    m->y = &mx;
    json_array_foreach(hosts, i, h)
        host(m, h, i);
    if (json_array_size(hosts) == 0)
        no_hosts(m, &mx);
    m->y = top;
    tlsrpt(m);
    if (zone.len || m->zone_extra.len)
        dl_buf_printf(m->y, "zone:\n%s%s", dl_buf_str(&zone), dl_buf_str(&m->zone_extra));
    extra_zones(m);
    if (json_is_true(json_object_get(json_array_get(hosts, 0), "implicit")))
        dl_buf_printf(m->y, "implicit_mx: true\n");
    if (m->certs.yaml.len)
        dl_buf_printf(m->y, "certificates:\n%s", dl_buf_str(&m->certs.yaml));
    if (null_mx(m->ev))
        dl_buf_printf(&m->records, "  - \"@ MX 0 .\"\n");
    if (m->records.len)
        dl_buf_printf(m->y, "records:\n%s", dl_buf_str(&m->records));
    if (mx.len)
        dl_buf_printf(m->y, "mx:\n%s", dl_buf_str(&mx));
    if (m->faults.len)
        dl_buf_printf(m->y, "faults:\n%s", dl_buf_str(&m->faults));
    dl_buf_free(&zone);
    dl_buf_free(&mx);
}

int imp_scenario(const json_t *ev, const char *source, struct dl_buf *yaml, struct dl_buf *notes,
                 struct dl_error *err)
{
    struct imp m = {.ev = ev};
    struct dl_buf y = {0};
    struct tm tm = {0};
    char name[80];
    int rc;
    const char *end = strptime(dl_json_str(ev, "captured_at"), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0')
        return dl_error_set(err, "evidence: captured_at is not YYYY-MM-DDTHH:MM:SSZ");
    if (json_array_size(json_object_get(ev, "hosts")) == 0 && !null_mx(ev) &&
        strcmp(dl_json_str(json_object_get(ev, "mx"), "status"), "failed") != 0)
        return dl_error_set(err,
                            "evidence: no MX host was captured (%s MX: %s); nothing to "
                            "reproduce",
                            dl_json_str(ev, "domain"),
                            dl_json_str(json_object_get(ev, "mx"), "status"));
    m.certs.captured = timegm(&tm);
    m.domain = imp_map_name(dl_json_str(ev, "domain"));
    m.y = &y;
    scen_name(dl_json_str(ev, "domain"), name, sizeof(name));
    header(&m, source);
    dl_buf_printf(&y, "name: %s\nsummary: ", name);
    {
        char *s = dl_xasprintf("%s as captured at %s", dl_json_str(ev, "domain"),
                               dl_json_str(ev, "captured_at"));
        quoted(&y, s);
        free(s);
    }
    dl_buf_printf(&y, "\ndomain: %s\n", m.domain);
    {
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(ev, "notes"), i, n)
            not_reproduced(&m, "%s", json_string_value(n) ? json_string_value(n) : "");
    }
    body(&m);
    rc = expect(&m, err);
    dl_buf_append(&m.notes, dl_buf_str(&m.certs.notes), m.certs.notes.len);
    if (rc == 0) {
        if (m.notes.len)
            dl_buf_printf(yaml, "%s# Not reproduced:\n%s", dl_buf_str(&y), dl_buf_str(&m.notes));
        else
            dl_buf_printf(yaml, "%s# Not reproduced: nothing.\n", dl_buf_str(&y));
        /* the header first, then the rest: move the notes above the body */
        dl_buf_append(notes, dl_buf_str(&m.notes), m.notes.len);
    }
    dl_buf_free(&y);
    dl_buf_free(&m.notes);
    dl_buf_free(&m.faults);
    dl_buf_free(&m.zone_extra);
    dl_buf_free(&m.records);
    imp_certs_free(&m.certs);
    free(m.domain);
    return rc;
}

/* Load the scenario as `danelab lint` would: written to `path`. */
static int check_scenario(const char *path, struct dl_error *err)
{
    struct scen *s;
    if (scen_load(path, &s, err) != 0)
        return -1;
    scen_free(s);
    return 0;
}

static const char usage[] =
    "usage: danelab import EVIDENCE.json [-o SCENARIO.yaml]\n"
    "       danelab import EVIDENCE.json... -d DIR\n"
    "       danelab import [--dig FILE]... [--s-client [HOST=]FILE]...\n"
    "                      [--expect [PROFILE=]STATUS:CODE[:REASON]]...\n"
    "                      [--evidence-out FILE] [-o SCENARIO.yaml | -d DIR]\n"
    "A scenario under test. that reproduces a danelab capture evidence file, or\n"
    "the text of dig +dnssec [+multi] and openssl s_client -starttls smtp -showcerts\n"
    "(--expect: the outcome the senders report, which neither text holds);\n"
    "what cannot be reproduced is listed in it and on stderr.\n"
    "  -o, --output FILE      the scenario (default: stdout)\n"
    "  -d, --output-dir DIR   each scenario as DIR/NAME.yaml: a catalogue for -s DIR\n"
    "  --evidence-out FILE    also write the evidence made of the texts\n";

/* Lint the scenario as DIR/NAME.yaml in a fresh temporary directory (the
 * parser wants the file named after the scenario), then write it to `out`,
 * to OUTDIR/NAME.yaml (`written`: the names this command wrote there, one
 * a line; a name twice is refused), or stdout. */
static int write_out(const char *out, const char *outdir, struct dl_buf *written,
                     struct dl_buf *yaml, struct dl_error *err)
{
    char dir[] = "/tmp/danelab-import-XXXXXX", name[80] = "", *path;
    const char *at = strstr(dl_buf_str(yaml), "\nname: ");
    int rc;
    if (at == NULL || sscanf(at, "\nname: %79[a-z0-9-]", name) != 1)
        return dl_error_set(err, "import: the scenario has no name");
    if (mkdtemp(dir) == NULL)
        return dl_error_set(err, "import: temporary directory: %s", strerror(errno));
    path = dl_xasprintf("%s/%s.yaml", dir, name);
    rc = dl_write_file(path, yaml->data, yaml->len, 0644, err);
    if (rc == 0 && (rc = check_scenario(path, err)) != 0)
        dl_error_prefix(err, "import: the scenario made does not load (a bug of import)");
    unlink(path);
    rmdir(dir);
    free(path);
    if (rc != 0)
        return -1;
    if (outdir) {
        char *line = dl_xasprintf("\n%s\n", name);
        path = dl_xasprintf("%s/%s.yaml", outdir, name);
        rc = strstr(dl_buf_str(written), line)
                 ? dl_error_set(err, "scenario %s twice: two evidence files of one domain", name)
                 : dl_write_file(path, yaml->data, yaml->len, 0644, err);
        if (rc == 0)
            dl_buf_printf(written, "%s%s\n", written->len ? "" : "\n", name);
        free(line);
        free(path);
        return rc;
    }
    if (out)
        return dl_write_file(out, yaml->data, yaml->len, 0644, err);
    fwrite(yaml->data, 1, yaml->len, stdout);
    return 0;
}

/* Each note line of `notes` into the evidence's notes. */
static void notes_into(json_t *ev, const struct dl_buf *notes)
{
    json_t *a = json_object_get(ev, "notes");
    const char *p = notes->data ? notes->data : "";
    while (*p && json_array_size(a) < 1000) {
        size_t n = strcspn(p, "\n");
        char *line = dl_xasprintf("%.*s", (int)n, p);
        json_array_append_new(a, json_string(line));
        free(line);
        p += n + (p[n] == '\n');
    }
}

static int text_file(const char *path, char **data, size_t *len, struct dl_error *err)
{
    return dl_read_file(path, IMP_TEXT_MAX_BYTES, data, len, err);
}

/* --dig and --s-client: the evidence, checked as an evidence file is. */
static json_t *from_text(struct imp_fromtext *in, const char *const *dig, size_t n_dig,
                         const char *const *sc, size_t n_sc, struct dl_error *err)
{
    struct dl_buf notes = {0};
    json_t *ev = NULL;
    char *data = NULL, *text;
    size_t len;
    int rc = 0;
    for (size_t i = 0; i < n_dig && rc == 0; i++) {
        rc = text_file(dig[i], &data, &len, err) == 0
                 ? imp_dig_parse(&in->dig, dig[i], data, len, &notes, err)
                 : -1;
        free(data);
        data = NULL;
    }
    for (size_t i = 0; i < n_sc && rc == 0; i++) {
        const char *eq = strchr(sc[i], '='), *path = eq ? eq + 1 : sc[i];
        rc = text_file(path, &data, &len, err) == 0
                 ? imp_sclient_parse(path, data, len, &in->sc[in->n_sc], &notes, err)
                 : -1;
        free(data);
        data = NULL;
        if (rc == 0 && eq)
            snprintf(in->sc[in->n_sc].host, sizeof(in->sc[in->n_sc].host), "%.*s",
                     (int)(eq - sc[i]), sc[i]);
        in->n_sc += rc == 0;
    }
    if (rc == 0 && (ev = imp_fromtext_evidence(in, &notes, err)) != NULL) {
        notes_into(ev, &notes);
        text = json_dumps(ev, JSON_COMPACT);
        json_decref(ev);
        ev = text ? imp_evidence_parse(text, strlen(text), err) : NULL;
        free(text);
    }
    dl_buf_free(&notes);
    return ev;
}

struct imp_args {
    const char *out, *dir, *evidence_out, *dig[16], *sc[IMP_FROMTEXT_MAX_SCLIENT];
    size_t n_dig, n_sc;
    char **files; /* the evidence files (none with --dig, --s-client) */
    size_t n_files;
    struct dl_buf written; /* the names written to -d DIR ("\nNAME\n"...) */
};

/* The combinations args() refuses: a message, or NULL. */
static const char *args_conflict(const struct imp_args *a)
{
    bool text = a->n_dig + a->n_sc > 0;
    if (a->out && a->dir)
        return "-o and -d exclude each other";
    if (!text && a->n_files == 0)
        return "no EVIDENCE.json, --dig or --s-client given";
    if (text && a->n_files > 0)
        return "an evidence file and --dig/--s-client exclude each other";
    if (a->n_files > 1 && a->dir == NULL)
        return "several evidence files: give -d DIR (-o names one file)";
    if (a->evidence_out && !text)
        return "--evidence-out: only with --dig or --s-client";
    return NULL;
}

/* The options; -1: exit with *rc. */
static int args(int argc, char **argv, struct imp_args *a, struct imp_fromtext *in, int *rc)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"dig", required_argument, NULL, 'g'},
        {"s-client", required_argument, NULL, 's'},
        {"expect", required_argument, NULL, 'e'},
        {"output-dir", required_argument, NULL, 'd'},
        {"evidence-out", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct dl_error err;
    const char *bad;
    int c;
    optind = 0; /* glibc: start again, permuting (main stopped at the command) */
    while ((c = getopt_long(argc, argv, "o:d:h", opts, NULL)) != -1) {
        if (c == 'o')
            a->out = optarg;
        else if (c == 'd')
            a->dir = optarg;
        else if (c == 'E')
            a->evidence_out = optarg;
        else if (c == 'g' && a->n_dig < 16)
            a->dig[a->n_dig++] = optarg;
        else if (c == 's' && a->n_sc < IMP_FROMTEXT_MAX_SCLIENT)
            a->sc[a->n_sc++] = optarg;
        else if (c == 'e' && imp_fromtext_expect(in, optarg, &err) != 0) {
            dl_err("import: %s", err.msg);
            *rc = 2;
            return -1;
        } else if (c == 'g' || c == 's') {
            dl_err("import: at most 16 --dig and %d --s-client files", IMP_FROMTEXT_MAX_SCLIENT);
            *rc = 2;
            return -1;
        } else if (c != 'e') {
            fputs(usage, c == 'h' ? stdout : stderr);
            *rc = c == 'h' ? 0 : 2;
            return -1;
        }
    }
    a->files = argv + optind;
    a->n_files = (size_t)(argc - optind);
    if ((bad = args_conflict(a)) != NULL) {
        dl_err("import: %s", bad);
        fputs(usage, stderr);
        *rc = 2;
        return -1;
    }
    if (a->dir && dl_mkdir_p(a->dir, 0755, &err) != 0) {
        dl_err("import: -d: %s", err.msg);
        *rc = 2;
        return -1;
    }
    return 0;
}

/* The scenario of `ev` (read from `source`) to -o, -d or stdout, what is
 * not reproduced on stderr (naming the source when there are several).
 * 0, or 2 after saying why. */
static int import_one(struct imp_args *a, const json_t *ev, const char *source)
{
    struct dl_buf yaml = {0}, notes = {0};
    struct dl_error err;
    int rc = 2;
    if (imp_scenario(ev, source, &yaml, &notes, &err) != 0 ||
        write_out(a->out, a->dir, &a->written, &yaml, &err) != 0)
        dl_err("import%s%s: %s", a->n_files > 1 ? " " : "", a->n_files > 1 ? source : "", err.msg);
    else {
        if (notes.len)
            fprintf(stderr, "danelab import: not reproduced%s%s:\n%s",
                    a->n_files > 1 ? " from " : "", a->n_files > 1 ? source : "",
                    dl_buf_str(&notes));
        rc = 0;
    }
    dl_buf_free(&yaml);
    dl_buf_free(&notes);
    return rc;
}

/* Each evidence file to its scenario; 0 when all were imported, else 2
 * (the others are written). */
static int import_files(struct imp_args *a)
{
    size_t failed = 0;
    for (size_t i = 0; i < a->n_files; i++) {
        struct dl_error err;
        json_t *ev = imp_evidence_load(a->files[i], &err);
        if (ev == NULL)
            dl_err("import: %s", err.msg);
        failed += ev == NULL || import_one(a, ev, a->files[i]) != 0;
        json_decref(ev);
    }
    if (a->n_files > 1)
        printf("%zu of %zu evidence files imported into %s\n", a->n_files - failed, a->n_files,
               a->dir);
    return failed ? 2 : 0;
}

/* --dig and --s-client: one scenario (and the evidence, --evidence-out). */
static int import_text(struct imp_args *a, struct imp_fromtext *in)
{
    struct dl_buf source = {0};
    struct dl_error err;
    json_t *ev;
    int rc = 2;
    for (size_t i = 0; i < a->n_dig; i++)
        dl_buf_printf(&source, "%sdig %s", i ? ", " : "", a->dig[i]);
    for (size_t i = 0; i < a->n_sc; i++)
        dl_buf_printf(&source, "%ss_client %s", source.len ? ", " : "", a->sc[i]);
    if ((ev = from_text(in, a->dig, a->n_dig, a->sc, a->n_sc, &err)) == NULL)
        dl_err("import: %s", err.msg);
    else if (a->evidence_out && json_dump_file(ev, a->evidence_out, JSON_INDENT(2)) != 0)
        dl_err("import: --evidence-out %s: cannot write it", a->evidence_out);
    else
        rc = import_one(a, ev, dl_buf_str(&source));
    json_decref(ev);
    dl_buf_free(&source);
    return rc;
}

int imp_main(int argc, char **argv)
{
    struct imp_args a = {0};
    struct imp_fromtext in = {0};
    int rc = 2;
    if (args(argc, argv, &a, &in, &rc) == 0)
        rc = a.n_files > 0 ? import_files(&a) : import_text(&a, &in);
    imp_fromtext_free(&in);
    dl_buf_free(&a.written);
    return rc;
}
