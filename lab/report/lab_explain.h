/*
 * lab_explain: `danelab explain NAME`, one paragraph a support engineer
 * can paste into a ticket: what the scenario injects (fault, RRset, how),
 * and what a validating resolver reports for the domain's MX RRset and
 * the first MX host's A and TLSA RRsets, then the TLS-RPT policy the
 * domain publishes and whether a client can read it. The text comes from
 * the fault catalogue (zones/zone_fault.c) and the scenario's `expect: dns`.
 * With --json, one object per scenario: {"name", "domain", "summary",
 * "explain", "faults": [...], "expect": {...}, "tlsrpt": {...}}.
 * What the validators observed in the last run is added when a report
 * has the scenario (--report FILE, a `run --json` report, else
 * RUN/validators.json of `run --resolvers`): each validator's verdict
 * per RRset with the EDE code and its RFC 8914 name ("EDE 6 (DNSSEC
 * Bogus)") where the resolver gave one; --json: "observed": {"report",
 * "validators": {NAME: [{"rrset", "type", "observed", "ede",
 * "ede_name", "ede_text"}]}}.
 */
#ifndef LAB_EXPLAIN_H
#define LAB_EXPLAIN_H

#include "lab_up.h"
#include "scen.h"

/* The owner names the expectations of `s` speak of: MX (the domain), A
 * (the first MX host) and TLSA (_PORT._tcp.<host>, or at the CNAME target
 * for mx-cname). Each is NULL without an MX host; the caller frees them. */
void lab_explain_names(const struct scen *s, char *names[SCEN_RRSET_COUNT]);

/* The paragraph (no trailing newline); the caller frees it. */
char *lab_explain_text(const struct scen *s);

/* danelab explain NAME... [--json] [--report FILE] */
int lab_explain_main(const struct lab_globals *g, int argc, char **argv);

#endif
