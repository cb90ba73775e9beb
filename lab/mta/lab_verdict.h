/*
 * lab_verdict: the verdict on one message a real MTA handled (`danelab
 * mta`), from the RFC model alone: the scenario's accepted rfc7672
 * outcomes (every alternative of `any:`) and its per-host model
 * (lab_model). The reference client's per-host results are evidence
 * printed in the why text, never the ground of a LEAK.
 *
 *   leak       the message was stored although no accepted outcome
 *              delivers; or by a host the model says must not be used;
 *              or in plaintext where the host's model requires TLS or
 *              every delivering outcome requires TLS (reason
 *              authenticated or tls-required-unauthenticated);
 *   deviation  the MTA's status is none of the accepted outcomes'; it
 *              says sent and nothing was stored; it did not authenticate
 *              a host the model (or every delivering outcome) says is
 *              DANE; no SNI to a DANE host (RFC 7672 8.1); or it stored
 *              the message at a host the model cannot judge which the
 *              reference client refused;
 *   pass       otherwise.
 *
 * The accepted outcomes are the scenario's rfc7672 ones, behind the
 * validator the MTA asks (the lab's resolver, `--resolver`). Where the
 * scenario states that validator's own DNS verdicts (`expect: dns:
 * VALIDATOR:`, with why and ref) and, judged with them, the model
 * (lab_model_host_by) gives the domain a status none of the rfc7672
 * outcomes has (while with the general verdicts it gives one they have),
 * the outcome that follows from the validator's verdicts replaces them:
 * an MTA trusts its resolver's AD bit and RCODE (RFC 7672 2.1.1, RFC 6698
 * 4.1), so behind a validator that finds a TLSA RRset secure an MTA
 * rightly authenticates with it, and behind one that finds it bogus it
 * rightly defers. The hosts' models (LEAK) are judged behind it too.
 */
#ifndef LAB_VERDICT_H
#define LAB_VERDICT_H

#include "lab_mta_adapter.h"
#include "scen.h"

#include <stdbool.h>
#include <stddef.h>

/* A fakesmtp session that stored the message. */
struct lab_arrival {
    char host[256], address[64], version[32], sni[256], cert[72];
    bool tls;
};

/* What the reference client did with one host (evidence only). */
struct lab_ref_host {
    char name[256], address[64];
    bool tried, ok;
    const char *reason;
};

enum lab_verdict { LAB_VERDICT_PASS, LAB_VERDICT_DEVIATION, LAB_VERDICT_LEAK };
const char *lab_verdict_name(enum lab_verdict v); /* "pass", "deviation", "leak" */

struct lab_verdict_in {
    const struct scen *s;
    const struct lab_mta_msg *msg; /* status, auth, auth_text */
    const struct lab_arrival *arr;
    size_t n_arr;
    const struct lab_ref_host *ref; /* may be NULL */
    size_t n_ref;
    int timeout; /* seconds, for the words */
    /* the validator the MTA asks (the lab's resolver); zero: Unbound */
    enum scen_validator validator;
};

struct lab_verdict_out {
    enum lab_verdict verdict;
    /* The outcomes judged against: the rfc7672 ones (a shallow copy: the
     * scenario owns the strings), or, when own is set, the one that follows
     * from the validator's own verdicts (note: their why, rfc: their ref;
     * the scenario owns those too). */
    struct scen_accept accept;
    bool own;
    int matched; /* the alternative of accept the MTA's status meets, or -1 */
    char why[1024];
};

/* Judge; the scenario must have an rfc7672 expectation. */
void lab_verdict_judge(const struct lab_verdict_in *in, struct lab_verdict_out *out);

#endif
