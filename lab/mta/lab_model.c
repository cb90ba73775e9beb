#include "lab_model.h"

#include "dane_tlsa.h"

#include "dl_util.h"
#include "zone_fault.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MODEL_MAX_DEPTH 8 /* issuer links followed */

static void set(struct lab_model_host *h, enum lab_model_policy p, enum lab_model_use u,
                const char *fmt, ...) DL_PRINTF(4, 5);
static void set(struct lab_model_host *h, enum lab_model_policy p, enum lab_model_use u,
                const char *fmt, ...)
{
    va_list ap;
    h->policy = p;
    h->use = u;
    va_start(ap, fmt);
    vsnprintf(h->why, sizeof(h->why), fmt, ap);
    va_end(ap);
}

/* Names equal, ignoring case and a final dot on either side. */
static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* Whether `name` lies at or under `zone` (both absolute). */
static bool under(const char *name, const char *zone)
{
    return dl_name_under(name, zone);
}

int lab_model_find_host(const struct scen *s, const char *name)
{
    for (size_t i = 0; i < s->n_hosts; i++)
        if (same_name(s->hosts[i].name, name))
            return (int)i;
    return -1;
}

/* 1: the host's address records are secure, 0: insecure, -1: the model
 * does not know the zone they live in. */
static int zone_secure(const struct scen *s, const char *host)
{
    const struct scen_zone *best = NULL;
    if (under(host, s->zone.origin))
        best = &s->zone;
    for (size_t i = 0; i < s->n_zones; i++)
        if (under(host, s->zones[i].origin) &&
            (best == NULL || strlen(s->zones[i].origin) > strlen(best->origin)))
            best = &s->zones[i];
    if (best == NULL)
        return -1;
    return best->is_signed && best->ds;
}

/* Faults after which the hit RRset's lookup fails (bogus or SERVFAIL).
 * Not rrsig-original-ttl-exceeded: a validator caps the TTL and the data
 * stays secure (RFC 4035 5.3.3). */
static bool fault_fails_lookup(enum zone_fault_id id)
{
    switch (id) {
    case ZONE_FAULT_RRSIG_EXPIRED:
    case ZONE_FAULT_RRSIG_NOT_YET_VALID:
    case ZONE_FAULT_RRSIG_BAD_SIGNATURE:
    case ZONE_FAULT_RRSIG_MISSING:
    case ZONE_FAULT_RRSIG_UNKNOWN_KEY:
    case ZONE_FAULT_RRSIG_LABELS_WRONG:
    case ZONE_FAULT_TLSA_SERVFAIL:
    case ZONE_FAULT_WILDCARD_PROOF_MISSING:
        return true;
    default:
        return false;
    }
}

/* The verdict validator v gives RRset r (scen_expected_dns: its own where
 * the scenario states them, else the general one). */
static enum scen_dnssec verdict(const struct scen *s, enum scen_rrset r, enum scen_validator v)
{
    return scen_expected_dns(s, r, v).verdict;
}

/* Whether `expect: dns:` declares a verdict on host i's RRset `target`
 * ("a", "tlsa"): only the first host's are declared. */
static bool declared(const struct scen *s, size_t i, const char *target, enum scen_validator v)
{
    enum scen_rrset r = strcmp(target, "a") == 0 ? SCEN_RRSET_A : SCEN_RRSET_TLSA;
    return i == 0 && verdict(s, r, v) != SCEN_DNSSEC_UNSET;
}

/* A fault on host i's A or TLSA RRset whose verdict the scenario does
 * not declare (a declared one decides): true with h set. */
static bool host_fault(const struct scen *s, size_t i, enum scen_validator v,
                       struct lab_model_host *h)
{
    for (size_t k = 0; k < s->n_faults; k++) {
        const struct scen_fault *f = &s->faults[k];
        const struct zone_fault_info *info = zone_fault_lookup(f->name);
        const char *host = f->host ? f->host : s->hosts[0].name;
        if ((strcmp(f->target, "a") != 0 && strcmp(f->target, "tlsa") != 0) ||
            !same_name(host, s->hosts[i].name) || info == NULL || declared(s, i, f->target, v))
            continue;
        if (fault_fails_lookup(info->id))
            set(h, LAB_MODEL_NOT_USED, LAB_MODEL_MUST_NOT_USE,
                "fault %s on its %s RRset: the lookup fails, so the host is skipped, never "
                "downgraded (RFC 7672 2.1.1, 2.2)",
                f->name, f->target);
        else
            set(h, LAB_MODEL_UNKNOWN, LAB_MODEL_CANNOT_TELL,
                "fault %s on its %s RRset: the model does not derive its effect", f->name,
                f->target);
        return true;
    }
    return false;
}

/* A declared verdict on the first host's A or TLSA RRset that fails. A
 * failed TLSA lookup for a host whose address answer is declared insecure
 * is no reason to skip it: DANE does not apply to that host (RFC 7672
 * 2.2.2), and a TLSA lookup failure there, as unsigned zones' legacy name
 * servers give (ns-tlsa-*-unsigned), must not block mail (RFC 7672 2.2). */
static bool declared_failure(const struct scen *s, size_t i, enum scen_validator by,
                             struct lab_model_host *h)
{
    bool insecure = verdict(s, SCEN_RRSET_A, by) == SCEN_DNSSEC_INSECURE;
    for (int r = SCEN_RRSET_A; i == 0 && r <= SCEN_RRSET_TLSA; r++) {
        enum scen_dnssec v = verdict(s, (enum scen_rrset)r, by);
        if (r == SCEN_RRSET_TLSA && insecure)
            continue;
        if (v == SCEN_DNSSEC_BOGUS || v == SCEN_DNSSEC_SERVFAIL) {
            set(h, LAB_MODEL_NOT_USED, LAB_MODEL_MUST_NOT_USE,
                "its %s RRset is declared %s: the host is skipped (RFC 7672 2.1.1, 2.2)",
                scen_rrset_name((enum scen_rrset)r), scen_dnssec_name(v));
            return true;
        }
    }
    return false;
}

static const struct scen_cert *find_cert(const struct scen *s, const char *name)
{
    for (size_t i = 0; name && i < s->n_certs; i++)
        if (strcmp(s->certs[i].name, name) == 0)
            return &s->certs[i];
    return NULL;
}

/* The certificate the host presents to a client sending SNI = its name. */
static const struct scen_cert *presented(const struct scen *s, const struct scen_host *h)
{
    for (size_t i = 0; i < h->n_sni; i++)
        if (same_name(h->sni[i].name, h->name))
            return find_cert(s, h->sni[i].certificate);
    return find_cert(s, h->certificate);
}

/* Usage 2-3, selector 0-1, matching 0-2 for a computed record (RFC 7672
 * 3.1.3, RFC 7671 4); a literal record is classified as the reference
 * client classifies it (dane_tlsa: digest lengths, Full data that must be
 * a certificate or SPKI, as OpenSSL's SSL_dane_tlsa_add judges it).
 * *literal: the record is literal (the model cannot match it). */
static bool usable(const struct scen_tlsa *t, bool *literal)
{
    struct dane_tlsa rec;
    bool ok;
    *literal = t->literal != NULL;
    if (t->literal == NULL)
        return t->usage >= 2 && t->usage <= 3 && t->selector <= 1 && t->matching <= 2;
    if (dane_tlsa_from_text(t->literal, &rec) != 0)
        return false;
    ok = rec.unusable == NULL;
    dane_tlsa_clear(&rec);
    return ok;
}

/* Whether cert `c` is in the chain a host serves (enum scen_chain). */
static bool served(const struct scen_cert *leaf, const struct scen_cert *c, enum scen_chain ch)
{
    bool root = c->issuer == NULL;
    if (c == leaf)
        return true;
    switch (ch) {
    case SCEN_CHAIN_LEAF:
        return false;
    case SCEN_CHAIN_FULL:
        return true;
    case SCEN_CHAIN_NO_INTERMEDIATE:
        return root;
    default:
        return !root;
    }
}

static bool within_validity(const struct scen_cert *c)
{
    return c->not_before <= 0 && c->not_after >= 0;
}

/* A certificate name (maybe "*.x.test") against a reference identifier:
 * a wildcard only as the whole left-most label (RFC 7672 3.2.3). */
static bool name_matches(const char *pattern, const char *ref)
{
    const char *dot = strchr(ref, '.');
    if (strncmp(pattern, "*.", 2) == 0)
        return dot != NULL && dot != ref && same_name(pattern + 2, dot + 1);
    return same_name(pattern, ref);
}

/* The leaf names the TLSA base domain (= the MX host here), the MX host,
 * the next-hop domain or its CNAME expansion (RFC 7672 3.2.2). */
static bool names_ok(const struct scen *s, const struct scen_host *h, const struct scen_cert *c)
{
    for (size_t i = 0; i < c->n_names; i++)
        if (name_matches(c->names[i], h->name) || name_matches(c->names[i], s->domain) ||
            (s->domain_alias != NULL && name_matches(c->names[i], s->domain_alias)))
            return true;
    return false;
}

/* DANE-TA(2) computed from `ta`: the path leaf .. ta served (ta itself
 * may be absent for a full-certificate record), each within validity,
 * the leaf's names right. */
static bool ta_matches(const struct scen *s, const struct scen_host *h,
                       const struct scen_cert *leaf, const struct scen_tlsa *t,
                       const struct scen_cert *ta)
{
    const struct scen_cert *c = leaf;
    for (int depth = 0; c != NULL && depth < MODEL_MAX_DEPTH; depth++) {
        bool absent_ok = c == ta && t->selector == 0 && t->matching == 0;
        if ((!served(leaf, c, h->chain) && !absent_ok) || !within_validity(c))
            return false;
        if (c == ta)
            return names_ok(s, h, leaf);
        c = find_cert(s, c->issuer);
    }
    return false;
}

static bool record_matches(const struct scen *s, const struct scen_host *h,
                           const struct scen_cert *leaf, const struct scen_tlsa *t)
{
    const struct scen_cert *of = find_cert(s, t->of);
    if (of == NULL)
        return false;
    if (t->usage == 3)
        return of == leaf;
    return ta_matches(s, h, leaf, t, of);
}

/* Whether host i's TLSA RRset is insecure although its address records
 * are secure: a declared verdict on the first host's decides; else a
 * tlsa_alias whose target lies in an unsigned zone (the CNAME chain is as
 * secure as its last link). */
static bool tlsa_insecure(const struct scen *s, size_t i, enum scen_validator v)
{
    const struct scen_host *h = &s->hosts[i];
    enum scen_dnssec d = verdict(s, SCEN_RRSET_TLSA, v);
    if (i == 0 && d != SCEN_DNSSEC_UNSET)
        return d == SCEN_DNSSEC_INSECURE;
    return h->tlsa_alias != NULL && zone_secure(s, h->tlsa_alias) == 0;
}

/* The host's certificates, as a client that sends SNI = its name may get
 * them: the one presented and, with alt_certificate, the other key type's
 * (which one depends on the client's signature algorithms). */
static size_t candidates(const struct scen *s, const struct scen_host *h,
                         const struct scen_cert *out[2])
{
    size_t n = 0;
    if ((out[n] = presented(s, h)) != NULL)
        n++;
    if (h->alt_certificate != NULL && (out[n] = find_cert(s, h->alt_certificate)) != NULL)
        n++;
    return n;
}

/* Whether one of the host's certificates matches usable record t;
 * *which gets it. */
static bool any_matches(const struct scen *s, const struct scen_host *h, const struct scen_tlsa *t,
                        const struct scen_cert **which)
{
    const struct scen_cert *c[2];
    size_t n = candidates(s, h, c);
    for (size_t j = 0; j < n; j++)
        if (record_matches(s, h, c[j], t)) {
            *which = c[j];
            return true;
        }
    return false;
}

/* MX and address records secure: the host's TLSA records decide. A host
 * with two certificates may be used when either matches: a client whose
 * signature algorithms select the matching one conforms (RFC 7671 8 asks
 * the operator to match both; the scenario's `any:` says the rest). */
static void tlsa_model(const struct scen *s, size_t i, struct lab_model_host *out)
{
    const struct scen_host *h = &s->hosts[i];
    const struct scen_cert *leaf = presented(s, h), *matched = NULL;
    size_t n25 = 0, n_usable = 0, n_literal = 0;
    for (size_t k = 0; k < h->n_tlsa; k++) {
        const struct scen_tlsa *t = &h->tlsa[k];
        bool literal;
        if (t->port != 25)
            continue;
        n25++;
        if (!usable(t, &literal))
            continue;
        n_usable++;
        if (literal)
            n_literal++;
        else if (any_matches(s, h, t, &matched)) {
            set(out, LAB_MODEL_DANE, LAB_MODEL_MAY_USE,
                "its certificate %s matches its TLSA record %zu (usage %d, RFC 7672 3.1)",
                matched->name, k + 1, t->usage);
            return;
        }
    }
    if (n25 == 0)
        set(out, LAB_MODEL_OPPORTUNISTIC, LAB_MODEL_MAY_USE,
            "secure, without TLSA records: opportunistic TLS (RFC 7672 2.2)");
    else if (n_usable == 0)
        set(out, LAB_MODEL_TLS_REQUIRED, LAB_MODEL_MAY_USE,
            "only unusable TLSA records: TLS required, no authentication (RFC 7672 2.2, 3.1.3)");
    else if (n_literal > 0 || leaf == NULL)
        set(out, LAB_MODEL_DANE, LAB_MODEL_CANNOT_TELL,
            "usable TLSA records the model cannot match (%s)",
            leaf ? "literal records" : "no certificate named");
    else
        set(out, LAB_MODEL_DANE, LAB_MODEL_MUST_NOT_USE,
            "its certificate %s matches none of its usable TLSA records as the scenario "
            "writes them: authentication fails and the host is skipped (RFC 7672 2.2, 3)",
            leaf->name);
}

void lab_model_host(const struct scen *s, size_t i, struct lab_model_host *out)
{
    lab_model_host_by(s, i, SCEN_VALIDATOR_COUNT, out);
}

void lab_model_host_by(const struct scen *s, size_t i, enum scen_validator v,
                       struct lab_model_host *out)
{
    enum scen_dnssec mx = verdict(s, SCEN_RRSET_MX, v), a = verdict(s, SCEN_RRSET_A, v);
    int secure;
    if (mx == SCEN_DNSSEC_BOGUS || mx == SCEN_DNSSEC_SERVFAIL) {
        set(out, LAB_MODEL_NOT_USED, LAB_MODEL_MUST_NOT_USE,
            "the MX RRset is %s: the domain is delayed, never downgraded (RFC 7672 2.2.1)",
            scen_dnssec_name(mx));
        return;
    }
    if (declared_failure(s, i, v, out) || host_fault(s, i, v, out))
        return;
    if (mx != SCEN_DNSSEC_SECURE) {
        set(out, LAB_MODEL_OPPORTUNISTIC, LAB_MODEL_MAY_USE,
            "the MX RRset is %s: no DANE, opportunistic TLS (RFC 7672 2.2.1)",
            scen_dnssec_name(mx));
        return;
    }
    secure = zone_secure(s, s->hosts[i].name);
    if (i == 0 && a != SCEN_DNSSEC_UNSET)
        secure = a == SCEN_DNSSEC_SECURE;
    if (secure < 0)
        set(out, LAB_MODEL_UNKNOWN, LAB_MODEL_CANNOT_TELL,
            "its address records are in a zone the scenario does not describe");
    else if (secure == 0)
        set(out, LAB_MODEL_OPPORTUNISTIC, LAB_MODEL_MAY_USE,
            "its address records are insecure: no DANE, opportunistic TLS (RFC 7672 2.2.2)");
    else if (tlsa_insecure(s, i, v))
        set(out, LAB_MODEL_OPPORTUNISTIC, LAB_MODEL_MAY_USE,
            "its TLSA RRset is insecure (an alias into an unsigned zone): no DANE, "
            "opportunistic TLS (RFC 7672 2.2)");
    else
        tlsa_model(s, i, out);
}
