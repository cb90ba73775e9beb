#include "dane_decide.h"

#include <string.h>

enum dane_mx_decision dane_decide_mx(size_t n_rrs, size_t n_hosts, size_t n_null, const char **why)
{
    if (n_rrs == 0) {
        *why = "no MX records: the domain itself is the mail host (implicit MX, RFC 5321 5.1)";
        return DANE_MX_IMPLICIT;
    }
    if (n_hosts > 0 && n_null > 0) {
        *why = "a null MX beside other MX records: a misconfiguration (RFC 7505 3); the \".\" "
               "entry is ignored, the other hosts are used";
        return DANE_MX_HOSTS_NULL_IGNORED;
    }
    if (n_hosts > 0) {
        *why = "MX hosts by preference";
        return DANE_MX_HOSTS;
    }
    if (n_null > 0) {
        *why = "null MX (RFC 7505): the domain accepts no mail";
        return DANE_MX_NULL;
    }
    *why = "no usable MX record: no mail host, and no fallback to the domain's own address "
           "records (RFC 5321 5.1)";
    return DANE_MX_NO_HOST;
}

size_t dane_decide_mx_keep(const unsigned *pref, size_t n, size_t soft, size_t hard)
{
    size_t keep = n < soft ? n : soft;
    while (keep > 0 && keep < n && keep < hard && pref[keep] == pref[keep - 1])
        keep++;
    return keep < hard ? keep : hard;
}

static bool either(const struct dane_decide_lookup *a, const struct dane_decide_lookup *b,
                   enum dane_dns_verdict v)
{
    return a->verdict == v || b->verdict == v;
}

/* RFC 7672 2.1.1: a bogus or indeterminate answer for the A or AAAA
 * records of a host means the host is not used (bogus) or not used now
 * (failed); it must never turn DANE off. RFC 7672 2.2.2 also lets a client
 * use the secure family alone, with DANE; this client does not: it defers
 * (the strict choice, dane-client(1)). */
void dane_decide_addr(const struct dane_decide_lookup *a4, const struct dane_decide_lookup *a6,
                      struct dane_addr_choice *out)
{
    memset(out, 0, sizeof(*out));
    out->canonname = a4->canonname ? a4->canonname : a6->canonname;
    if (either(a4, a6, DANE_DNS_BOGUS)) {
        out->decision = DANE_ADDR_BOGUS;
        out->why = "an address RRset is bogus (RFC 7672 2.1.1): the host is not used";
    } else if (either(a4, a6, DANE_DNS_FAILED)) {
        out->decision = DANE_ADDR_FAILED;
        out->why = "an address lookup failed or is indeterminate (RFC 7672 2.1.1): the host "
                   "is not used in this attempt, never with less security";
    } else if (a4->count == 0 && a6->count == 0) {
        out->decision = DANE_ADDR_NONE;
        out->why = "no A and no AAAA records: the host has no address";
    } else {
        out->family = a4->count > 0 ? 4 : 6;
        if (a4->verdict == DANE_DNS_SECURE && a6->verdict == DANE_DNS_SECURE) {
            out->decision = DANE_ADDR_SECURE;
            out->why = "A and AAAA answers secure";
        } else {
            out->decision = DANE_ADDR_INSECURE;
            out->why = a4->verdict == a6->verdict
                           ? "A and AAAA answers insecure"
                           : "one family's answer is insecure: DANE applies only when both "
                             "are secure (RFC 7672 2.2.2, this client's choice)";
        }
    }
}

static void plan(struct dane_base_plan *p, enum dane_base_decision d, const char *why)
{
    p->decision = d;
    p->why = why;
}

static void add_base(struct dane_base_plan *p, const char *base, const char *why)
{
    p->base[p->n_base] = base;
    p->base_why[p->n_base++] = why;
}

/* RFC 7672 2.2.2: the insecure address answer went through a CNAME; the
 * first CNAME's own security (a CNAME query for the MX host name) says
 * whether DANE still applies, with the original name as base domain. */
static void first_cname_plan(const char *name, const struct dane_decide_lookup *c,
                             struct dane_base_plan *p)
{
    if (c->verdict == DANE_DNS_BOGUS)
        plan(p, DANE_BASE_BOGUS, "the first CNAME is bogus: the host is not used");
    else if (c->verdict == DANE_DNS_FAILED)
        plan(p, DANE_BASE_FAILED, "the CNAME lookup failed: the host is not used in this attempt");
    else if (c->verdict == DANE_DNS_INSECURE)
        plan(p, DANE_BASE_NO_DANE, "the first CNAME is insecure: no DANE (RFC 7672 2.2.2)");
    else if (c->count == 0)
        plan(p, DANE_BASE_FAILED,
             "no CNAME at the MX host name (secure denial), yet the address answer went "
             "through one: inconsistent answers, the host is not used in this attempt");
    else {
        plan(p, DANE_BASE_LOOKUP,
             "the first CNAME is secure, its target insecure: DANE applies, TLSA at the "
             "original name only (RFC 7672 2.2.2)");
        add_base(p, name, "original name (secure CNAME to insecure target)");
    }
}

void dane_decide_tlsa_base(bool mx_secure, enum dane_addr_decision addr, const char *name,
                           const char *canon, const struct dane_decide_lookup *first_cname,
                           struct dane_base_plan *p)
{
    memset(p, 0, sizeof(*p));
    if (addr == DANE_ADDR_BOGUS || addr == DANE_ADDR_FAILED || addr == DANE_ADDR_NONE)
        plan(p, addr == DANE_ADDR_BOGUS ? DANE_BASE_BOGUS : DANE_BASE_FAILED, "no usable address");
    else if (!mx_secure)
        plan(p, DANE_BASE_NO_DANE,
             "MX RRset insecure: no DANE (RFC 7672 2.2.1; this client does not take the MAY)");
    else if (addr == DANE_ADDR_SECURE && canon != NULL) {
        plan(p, DANE_BASE_LOOKUP,
             "address answer secure through a CNAME chain: TLSA at the expanded name, then "
             "at the original name (RFC 7672 2.2.2, 2.2.3)");
        add_base(p, canon, "expanded name (secure CNAME chain)");
        add_base(p, name, "original name (no TLSA at the secure expansion)");
    } else if (addr == DANE_ADDR_SECURE) {
        plan(p, DANE_BASE_LOOKUP, "address answer secure: TLSA at the MX host name");
        add_base(p, name, "MX host name (secure, no CNAME)");
    } else if (canon == NULL)
        plan(p, DANE_BASE_NO_DANE, "address answer insecure, no CNAME: no DANE (RFC 7672 2.2.2)");
    else if (first_cname == NULL)
        plan(p, DANE_BASE_ASK_CNAME,
             "address answer insecure through a CNAME: is the first CNAME, at the MX host "
             "name, secure? (RFC 7672 2.2.2)");
    else
        first_cname_plan(name, first_cname, p);
}

const char *dane_decide_host_class_name(enum dane_host_class c)
{
    static const char *const names[] = {"took the message", "temporary failure",
                                        "permanent failure", "rejected the message"};
    return names[c];
}

enum dane_host_class dane_decide_host_class(enum dane_profile profile, enum dane_reason reason,
                                            const struct dane_facts *facts)
{
    struct dane_outcome o;
    if (reason == DANE_R_SMTP_REJECTED)
        return DANE_HOST_REJECTED;
    dane_outcome_map(profile, reason, facts, false, &o);
    return o.status == DANE_DELIVERED  ? DANE_HOST_TOOK
           : o.status == DANE_DEFERRED ? DANE_HOST_TEMPORARY
                                       : DANE_HOST_PERMANENT;
}

bool dane_decide_stop(enum dane_host_class c)
{
    return c == DANE_HOST_TOOK || c == DANE_HOST_REJECTED;
}

static bool first_of(const enum dane_host_class *c, size_t n, enum dane_host_class want, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (c[i] == want) {
            *at = i;
            return true;
        }
    return false;
}

size_t dane_decide_outcome(const enum dane_host_class *c, size_t n, const char **why)
{
    size_t at = 0;
    if (first_of(c, n, DANE_HOST_TOOK, &at))
        *why = "the host that took the message";
    else if (first_of(c, n, DANE_HOST_REJECTED, &at))
        *why = "the server that rejected the message (5xx, RFC 5321 4.2.1): the "
               "destination's own answer";
    else if (first_of(c, n, DANE_HOST_TEMPORARY, &at))
        *why = "the most preferred host that failed temporarily: deferred while a host may "
               "still take the message (RFC 7672 2.1.2, RFC 5321 5.1)";
    else
        *why = "every host failed permanently: the most preferred host";
    return at;
}
