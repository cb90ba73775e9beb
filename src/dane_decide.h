/*
 * dane_decide: the reference client's host-selection decisions, as pure
 * functions of lookup results (no I/O), so that every combination can be
 * tested: which MX records are kept (RFC 5321 5.1, RFC 7505), whether a
 * host's addresses allow it to be used and whether DANE applies (RFC 7672
 * 2.1.1, 2.2.2), where its TLSA records are looked up (RFC 7672 2.2.2,
 * 2.2.3), and which host decides the attempt's outcome (RFC 7672 2.1.2,
 * 2.2; RFC 5321 5.1). dane_client does the lookups and asks these.
 *
 * Every decision comes with a `why`: static text for the client's trace.
 */
#ifndef DANE_DECIDE_H
#define DANE_DECIDE_H

#include "dane_dns.h"
#include "dane_outcome.h"

#include <stdbool.h>
#include <stddef.h>

/* --- MX records ----------------------------------------------------------- */

enum dane_mx_decision {
    DANE_MX_IMPLICIT,           /* no MX RRset: the domain itself, preference 0 (RFC 5321 5.1) */
    DANE_MX_HOSTS,              /* the MX hosts */
    DANE_MX_HOSTS_NULL_IGNORED, /* the MX hosts; a null MX beside them is ignored */
    DANE_MX_NULL,               /* a null MX alone (RFC 7505): no mail, 5.1.2 */
    DANE_MX_NO_HOST,            /* an MX RRset naming no usable host: no mail, no fallback */
};

/* What an MX RRset of n_rrs records, of which n_hosts name a host and
 * n_null are null MX ("."), makes of the domain (RFC 5321 5.1, RFC 7505
 * 3, 4). An MX RRset never falls back to the domain's own addresses. A
 * null MX beside other MX records violates RFC 7505 3 ("MUST NOT advertise
 * any other MX RR"); the others still name hosts that may take mail, so
 * this client ignores the "." entry and uses them (a sender that treats
 * the domain as accepting no mail also conforms). */
enum dane_mx_decision dane_decide_mx(size_t n_rrs, size_t n_hosts, size_t n_null, const char **why);

/* How many of n MX preferences, sorted ascending, are tried: the first
 * `soft` ones, and after them every one of the same preference as the last
 * kept (hosts of equal preference are all tried, RFC 7672 2.2.1), but
 * never more than `hard`. */
size_t dane_decide_mx_keep(const unsigned *pref, size_t n, size_t soft, size_t hard);

/* --- one lookup, as the decisions need it ---------------------------------- */

struct dane_decide_lookup {
    enum dane_dns_verdict verdict; /* FAILED also when no lookup could be made */
    size_t count;                  /* records in the answer (0: NODATA, NXDOMAIN) */
    const char *canonname;         /* after CNAMEs, or NULL: no CNAME followed */
};

/* --- a host's addresses (A and AAAA) -------------------------------------- */

enum dane_addr_decision {
    DANE_ADDR_SECURE,   /* an address; every family's answer secure: DANE may apply */
    DANE_ADDR_INSECURE, /* an address; some family's answer insecure: no DANE */
    DANE_ADDR_BOGUS,    /* a family is bogus: host not used (dnssec-bogus) */
    DANE_ADDR_FAILED,   /* a family failed or is indeterminate: host not used now
                           (dns-failed, temporary) */
    DANE_ADDR_NONE,     /* both answered, no address at all: no-mail-host */
};

struct dane_addr_choice {
    enum dane_addr_decision decision;
    int family;            /* 4 or 6: the family tried first (IPv4 when it has one); 0: none */
    const char *canonname; /* the CNAME-expanded name, or NULL */
    const char *why;
};

/* The strict choice (RFC 7672 2.1.1, 2.2.2): any bogus family makes the
 * host unusable, any failed one defers it, never a downgrade to
 * opportunistic TLS; DANE applies only when both families' answers (data
 * or denial) are secure. Every address is then tried in turn, IPv4 ones
 * first (dane_client.h). */
void dane_decide_addr(const struct dane_decide_lookup *a4, const struct dane_decide_lookup *a6,
                      struct dane_addr_choice *out);

/* --- the TLSA base domain -------------------------------------------------- */

enum dane_base_decision {
    DANE_BASE_NO_DANE,   /* no DANE for this host: opportunistic TLS */
    DANE_BASE_LOOKUP,    /* TLSA at base[0]; when none there, at base[1] */
    DANE_BASE_ASK_CNAME, /* ask the first CNAME's own security, decide again */
    DANE_BASE_BOGUS,     /* host not used: dnssec-bogus */
    DANE_BASE_FAILED,    /* host not used for this attempt: dns-failed */
};

struct dane_base_plan {
    enum dane_base_decision decision;
    const char *base[2];     /* candidate TLSA base domains, in order */
    const char *base_why[2]; /* why each one is */
    size_t n_base;
    const char *why;
};

/* Where the host's TLSA records are looked up (RFC 7672 2.2.2, 2.2.3).
 * `mx_secure`: the MX RRset (or the implicit MX's denial) is secure;
 * `addr`: dane_decide_addr()'s verdict (SECURE or INSECURE); `name`: the
 * MX host name; `canon`: its CNAME expansion, NULL when none;
 * `first_cname`: the answer to a CNAME query for `name` (whose security is
 * the first CNAME's own), NULL while not asked. The plan's names point
 * into `name` and `canon`. */
void dane_decide_tlsa_base(bool mx_secure, enum dane_addr_decision addr, const char *name,
                           const char *canon, const struct dane_decide_lookup *first_cname,
                           struct dane_base_plan *out);

/* --- the attempt's outcome over several hosts ------------------------------ */

enum dane_host_class {
    DANE_HOST_TOOK,      /* took the message (or would have, probing) */
    DANE_HOST_TEMPORARY, /* 4.x.x: DNS failure, bogus, TLS/DANE failure, no answer, 4xx */
    DANE_HOST_PERMANENT, /* 5.x.x before any SMTP answer: no such host (NXDOMAIN, NODATA) */
    DANE_HOST_REJECTED,  /* the server itself answered 5xx to the message */
};
const char *dane_decide_host_class_name(enum dane_host_class c);

/* A host's class from its reason, as `profile` maps it (not final). */
enum dane_host_class dane_decide_host_class(enum dane_profile profile, enum dane_reason reason,
                                            const struct dane_facts *facts);

/* Whether trying further hosts stops after a host of this class. */
bool dane_decide_stop(enum dane_host_class c);

/* Which of the n hosts tried (n >= 1, in preference order) decides the
 * attempt (RFC 7672 2.1.2, 2.2; RFC 5321 5.1): the host that took the
 * message; else a host that rejected it (the destination's own answer);
 * else the most preferred host that failed temporarily (deferred), so that
 * a host without an address never decides over one that may work later;
 * else the most preferred host (every one failed permanently: bounced).
 * Returns its index; *why says which rule chose it. */
size_t dane_decide_outcome(const enum dane_host_class *c, size_t n, const char **why);

#endif
