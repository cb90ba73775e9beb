/*
 * lab_dnscheck: what a validating resolver says about each scenario's
 * domain. With Unbound as the lab's resolver, libunbound validates
 * in-process, with the lab trust anchor at the run's time, the answers
 * of the lab's Unbound (asked with CD: the data, bogus or not), so bogus
 * answers keep libunbound's own reason (why_bogus). The lookups go
 * through the resolver context the caller gives, the reference client's
 * (lab_deliver_resolver): its delivery then finds the scenario's records
 * validated once, not again. With BIND, Knot Resolver or PowerDNS
 * Recursor (danelab up --resolver), asks that resolver directly
 * (lab_dnsask: AD bit, RCODE, a CD retry after SERVFAIL, the RFC 8914
 * EDE). Must run inside the lab world (lab_world_enter() first).
 */
#ifndef LAB_DNSCHECK_H
#define LAB_DNSCHECK_H

#include "dane_dns.h"
#include "dl_error.h"
#include "scen.h"

#include <stdbool.h>

struct lab_dnscheck_result {
    enum scen_dnssec observed;
    int rcode;           /* DNS RCODE of the answer */
    int n_answers;       /* records in the answer */
    char why[512];       /* libunbound's why_bogus, or a short note */
    char qname[256];     /* what was asked ("_25._tcp.mx1.good.test.") */
    char qtype[16];      /* "MX", "A", "TLSA" */
    char canonname[256]; /* the name the answer is for after CNAMEs, or "" */
    bool own_reason;     /* why is libunbound's why_bogus (a bogus verdict's
                            keyword is looked for in it); false for a
                            resolver asked directly, which gives no reason
                            beyond its EDE */
    int ede;             /* RFC 8914 INFO-CODE the resolver gave, or -1 */
    char ede_text[200];  /* its EXTRA-TEXT, or "" */
};

typedef struct lab_dnscheck lab_dnscheck;

/* The check for the lab in run_dir: its resolver (RUN/etc/resolver)
 * asked directly when that is not Unbound. */
lab_dnscheck *lab_dnscheck_new(const char *run_dir, struct dl_error *err);

/* Whether the verdicts are the in-process validator's (the lab's
 * resolver is Unbound): lab_dnscheck_rrsets() then needs `via`. */
bool lab_dnscheck_validates(const lab_dnscheck *c);
void lab_dnscheck_free(lab_dnscheck *c);

/* Which validator gives the verdicts: the lab's resolver (whose own
 * verdicts a scenario may state, scen_expected_dns). */
enum scen_validator lab_dnscheck_validator(const lab_dnscheck *c);

/* Every result empty: UNSET, no EDE. */
void lab_dnscheck_results_init(struct lab_dnscheck_result r[SCEN_RRSET_COUNT]);

/* Look up the RRsets of `expect: dns:` (scen.h): the scenario's MX RRset
 * (its A RRset for an implicit MX), the first MX
 * host's A RRset, and its TLSA RRset at _PORT._tcp.<host> or, when the A
 * lookup followed a CNAME, at the CNAME target (RFC 7672 section 2.2.3).
 * r[SCEN_RRSET_A] and r[SCEN_RRSET_TLSA] stay SCEN_DNSSEC_UNSET without an
 * MX host. `via`: the validating context to look up through when
 * lab_dnscheck_validates(c), else unused (NULL). Returns -1 only when a
 * lookup could not be made. */
int lab_dnscheck_rrsets(lab_dnscheck *c, dane_dns *via, const struct scen *s,
                        struct lab_dnscheck_result r[SCEN_RRSET_COUNT], struct dl_error *err);

/* Whether observed result `r` meets the declared verdict `v` (for bogus,
 * when r->own_reason: the reason contains v->reason, case-insensitively). */
bool lab_dnscheck_meets(const struct scen_verdict *v, const struct lab_dnscheck_result *r);

#endif
