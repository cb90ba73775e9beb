/*
 * lab_model: what the RFC says of each MX host of a scenario, derived from
 * the scenario file alone (never from a client's run): whether a DANE
 * client (RFC 7672) must treat the host as DANE-protected, as requiring
 * TLS, or as opportunistic, and whether it may hand the message to it.
 * `danelab mta` (lab_verdict) uses it to tell a leak from a conforming
 * delivery, so that a defect of the reference client can never make a
 * real MTA's delivery a LEAK.
 *
 * The model reads the world as it is before any timeline step:
 *  - the MX RRset expected bogus or SERVFAIL: no host may be used;
 *  - a host whose A or TLSA RRset is hit by a fault that makes the lookup
 *    fail (bogus signatures, broken denial, tlsa-servfail), or declared
 *    bogus/servfail in `expect: dns:`: must not be used (RFC 7672 2.1.1,
 *    2.2); a fault whose effect the model does not know: cannot tell;
 *    a declared verdict decides over a fault, and behind a validator
 *    with verdicts of its own (lab_model_host_by) its verdicts are the
 *    declared ones;
 *  - MX and address records secure, TLSA records at port 25: usable
 *    records (usages 2 and 3, selectors 0-1, matching types 0-2 with the
 *    right digest length; usages 0 and 1 unusable, RFC 7672 3.1.3, the
 *    MAY this project takes) give a DANE host, unusable ones only a host
 *    requiring TLS (RFC 7672 2.2);
 *  - a DANE host may be used when its certificate (or, with
 *    alt_certificate, its other one), as the scenario writes it, matches
 *    a usable record: DANE-EE(3) computed from that very
 *    certificate (names and dates ignored, RFC 7672 3.1.1), DANE-TA(2)
 *    computed from an issuer on the chain the host serves (or a full
 *    certificate record, RFC 7671 5.2.2), every certificate of the path
 *    within its validity, and the leaf naming the TLSA base domain, the
 *    MX host or the next-hop domain, a wildcard only as the whole
 *    left-most label (RFC 7672 3.2.2, 3.2.3). It must not be used when
 *    every usable record is computed and none matches; with a literal
 *    record the model cannot tell (it does not compute digests).
 */
#ifndef LAB_MODEL_H
#define LAB_MODEL_H

#include "scen.h"

#include <stddef.h>

enum lab_model_policy {
    LAB_MODEL_NOT_USED,      /* the lookups fail: the host is skipped */
    LAB_MODEL_OPPORTUNISTIC, /* no DANE: TLS if offered, else plaintext */
    LAB_MODEL_TLS_REQUIRED,  /* only unusable TLSA records: TLS, no authentication */
    LAB_MODEL_DANE,          /* usable TLSA records: authenticated TLS */
    LAB_MODEL_UNKNOWN,       /* the model cannot tell (see why) */
};

enum lab_model_use {
    LAB_MODEL_MAY_USE,      /* a DANE client may hand the message over */
    LAB_MODEL_MUST_NOT_USE, /* it must not */
    LAB_MODEL_CANNOT_TELL,  /* the model does not decide */
};

struct lab_model_host {
    enum lab_model_policy policy;
    enum lab_model_use use;
    char why[384]; /* in words, with the RFC clause */
};

/* The model of MX host i (i < s->n_hosts) of s, from the scenario's
 * general DNS verdicts. */
void lab_model_host(const struct scen *s, size_t i, struct lab_model_host *out);

/* The same behind validator v: where the scenario states v's own verdicts
 * (`expect: dns: VALIDATOR:`, scen_expected_dns) they replace the general
 * ones; v == SCEN_VALIDATOR_COUNT: the general verdicts alone. */
void lab_model_host_by(const struct scen *s, size_t i, enum scen_validator v,
                       struct lab_model_host *out);

/* The index of the MX host named `name` (absolute or not, any case), or
 * -1. */
int lab_model_find_host(const struct scen *s, const char *name);

#endif
