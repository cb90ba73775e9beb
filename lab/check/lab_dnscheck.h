/*
 * lab_dnscheck: what a validating resolver says about each scenario's
 * domain. With Unbound as the lab's resolver, runs libunbound in-process
 * as an iterator from the lab root hints with the lab trust anchor (so
 * bogus answers keep libunbound's own reason, why_bogus); with BIND,
 * Knot Resolver or PowerDNS Recursor (danelab up --resolver), asks that
 * resolver directly (lab_dnsask: AD bit, RCODE, a CD retry after
 * SERVFAIL, the RFC 8914 EDE). Must run inside the lab world
 * (lab_world_enter() first).
 */
#ifndef LAB_DNSCHECK_H
#define LAB_DNSCHECK_H

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

/* A validator for the lab in run_dir (RUN/etc/root.hints, RUN/root.key),
 * or a client of its resolver when that is not Unbound (RUN/etc/resolver). */
lab_dnscheck *lab_dnscheck_new(const char *run_dir, struct dl_error *err);
void lab_dnscheck_free(lab_dnscheck *c);

/* Which validator gives the verdicts: the lab's resolver (whose own
 * verdicts a scenario may state, scen_expected_dns). */
enum scen_validator lab_dnscheck_validator(const lab_dnscheck *c);

/* Look up the RRsets of `expect: dns:` (scen.h): the scenario's MX RRset
 * (its A RRset for an implicit MX), the first MX
 * host's A RRset, and its TLSA RRset at _PORT._tcp.<host> or, when the A
 * lookup followed a CNAME, at the CNAME target (RFC 7672 section 2.2.3).
 * r[SCEN_RRSET_A] and r[SCEN_RRSET_TLSA] stay SCEN_DNSSEC_UNSET without an
 * MX host. Returns -1 only when a lookup could not be made. */
int lab_dnscheck_rrsets(lab_dnscheck *c, const struct scen *s,
                        struct lab_dnscheck_result r[SCEN_RRSET_COUNT], struct dl_error *err);

/* Whether observed result `r` meets the declared verdict `v` (for bogus,
 * when r->own_reason: the reason contains v->reason, case-insensitively). */
bool lab_dnscheck_meets(const struct scen_verdict *v, const struct lab_dnscheck_result *r);

#endif
