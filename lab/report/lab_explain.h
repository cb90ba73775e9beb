/*
 * lab_explain: `danelab explain NAME`, one paragraph a support engineer
 * can paste into a ticket: what the scenario injects (fault, RRset, how),
 * and what a validating resolver reports for the domain's MX RRset and
 * the first MX host's A and TLSA RRsets, then the TLS-RPT policy the
 * domain publishes and whether a client can read it. The text comes from
 * the fault catalogue (zones/zone_fault.c) and the scenario's `expect: dns`.
 */
#ifndef LAB_EXPLAIN_H
#define LAB_EXPLAIN_H

#include "dane_tlsrpt.h"
#include "lab_up.h"
#include "scen.h"

#include <jansson.h>

/* The owner names the expectations of `s` speak of: MX (the domain), A
 * (the first MX host) and TLSA (_PORT._tcp.<host>, or at the CNAME target
 * for mx-cname). Each is NULL without an MX host; the caller frees them. */
void lab_explain_names(const struct scen *s, char *names[SCEN_RRSET_COUNT]);

/* The paragraph (no trailing newline); the caller frees it. */
char *lab_explain_text(const struct scen *s);

/* The same as JSON: {"name", "domain", "summary", "explain", "faults": [{"fault",
 * "target", "owner", "type", "injected", "verdict"}], "expect": {"mx": {"name",
 * "type", "verdict", "reason"}, ...}, "tlsrpt": lab_explain_tlsrpt_json()}.
 * New reference. */
json_t *lab_explain_json(const struct scen *s);

/* The TLS-RPT policy (RFC 8460 section 3) at _smtp._tls.<domain> as a
 * client finds it: the TXT records the zone publishes there (the
 * scenario's `tlsrpt:`, by default the lab's "v=TLSRPTv1;
 * rua=mailto:tlsrpt@DOMAIN", none for `tlsrpt: none`, and TXT records: at
 * that name), the policy dane_tlsrpt_policy_from_txt() chooses from them,
 * and what a validator says of the lookup: a fault on the whole zone (its
 * DNSKEY, its DS, the zone) gives it the verdict the scenario expects of
 * its MX RRset, as does an MX RRset expected bogus or SERVFAIL with no
 * fault on it; otherwise the zone's own state (secure when signed with a
 * DS, else insecure; nxdomain when nothing is published in a secure zone,
 * bogus or insecure when denial-missing or nsec3-excess-iterations breaks
 * that proof). Bogus and SERVFAIL cannot be read: no report is sent.
 * Timeline steps are not considered (the scenario's own faults only). */
struct lab_explain_tlsrpt {
    char *name;                       /* "_smtp._tls.x.test." */
    char **txt;                       /* the TXT texts published there */
    size_t n_txt;                     /* 0: none */
    struct dane_tlsrpt_policy policy; /* .found: exactly one valid record */
    enum scen_dnssec dnssec;          /* of the TXT lookup */
    const struct scen_fault *cause;   /* the fault behind dnssec, or NULL */
    bool readable;                    /* dnssec is neither bogus nor servfail */
    bool no_session;                  /* null MX only: no session to report */
    bool reports;                     /* readable, a policy and a session: a client reports */
    char why[600];                    /* when !reports: why not, in words */
};
void lab_explain_tlsrpt(const struct scen *s, struct lab_explain_tlsrpt *t);
void lab_explain_tlsrpt_clear(struct lab_explain_tlsrpt *t);

/* The same as JSON: {"name", "record" (the scenario's text, null for
 * none), "records", "policy", "rua", "dnssec", "readable", "reports",
 * "why"?}. New reference. */
json_t *lab_explain_tlsrpt_json(const struct scen *s);

/* danelab explain NAME... [--json] */
int lab_explain_main(const struct lab_globals *g, int argc, char **argv);

#endif
