/*
 * lab_deliver: the reference client (src/dane_client) run in-process
 * against one scenario under one profile, judged against the scenario's
 * `expect: PROFILE:` expectation. The client delivers a message (as an
 * MTA does: fakesmtp stores it) and its outcome must meet one of the
 * profile's accepted outcomes; when the profile also has a `probe:`
 * expectation, a second run that quits before MAIL FROM must meet that
 * one. The checks of one process (a `run --jobs` worker) share one
 * resolver context, pointed at the lab's validating Unbound with the lab
 * trust anchor and the same options for every scenario (the run's
 * validation time): each scenario has zones of its own, so what one
 * leaves in the cache (the root's and the TLD's keys, validated once) is
 * what the next would have validated the same way. Its memo (dane_dns.h)
 * holds one scenario's answers: the scenario's checks ask each question
 * of libunbound once, and after bogus records each keeps the validator's
 * first reason (asked again, libunbound would say "key ... is marked as
 * invalid"). The context is made at the first check, so a worker makes
 * its own after the fork (dane_ub.h). Must run inside the lab world
 * (lab_world_enter() first).
 *
 * One observation for both profiles: the client observes the same world
 * whatever its profile, which only maps what it saw to outcomes. A
 * scenario's second profile therefore reuses the first profile's run
 * (delivering, and probing) wherever every choice of that run holds under
 * it (dane_client_same_path: the same addresses, hosts and messages);
 * where one differs (Exchange Online defers an authenticated session
 * with an expired certificate, so tries the next host), the client runs
 * again. lab_deliver_set_exact() runs it for every profile.
 */
#ifndef LAB_DELIVER_H
#define LAB_DELIVER_H

#include "dane_dns.h"
#include "dane_outcome.h"
#include "dane_tlsrpt.h"
#include "dl_error.h"
#include "scen.h"

#include <stdbool.h>
#include <time.h>

typedef struct lab_deliver lab_deliver;

lab_deliver *lab_deliver_new(const char *run_dir, time_t now, struct dl_error *err);
void lab_deliver_free(lab_deliver *d);

/* Run the client for every profile, never reusing another profile's run
 * (run --exact-profiles). */
void lab_deliver_set_exact(lab_deliver *d, bool exact);

/* The resolver context the checks of s use, for lookups of the same
 * scenario made before its delivery (lab_dnscheck): the delivery then
 * finds their answers in its memo. NULL on error (err set). */
dane_dns *lab_deliver_resolver(lab_deliver *d, const struct scen *s, struct dl_error *err);

/* One run of the client judged against one expectation. */
struct lab_deliver_check {
    bool pass;
    bool reused; /* the other profile's run, mapped again (not run) */
    int matched; /* the alternative met, or -1 */
    struct dane_outcome observed;
    char detail[512];   /* the client's one-line reason */
    char mismatch[512]; /* what differs, when !pass */
};

struct lab_deliver_result {
    enum scen_profile profile;
    bool pass;   /* the delivery and (when expected) the probe passed */
    bool reused; /* the delivering run is the other profile's, mapped again */
    int matched;
    struct dane_outcome observed; /* the delivering run */
    char detail[512];
    char mismatch[512]; /* what differs, when !pass ("probe: ..." for the probe) */
    bool probed;        /* the profile has a probe: expectation */
    struct lab_deliver_check probe;
};

/* Deliver to the scenario's domain under profile p (and probe it when
 * the profile has a probe: expectation) and compare. Returns 0 (the
 * result says pass or not), -1 when the client could not run (err set).
 * When `rpt` is not NULL, the delivering run's sessions are counted in
 * the TLS-RPT report `rpt` (dane_tlsrpt_add) and the domain's TLS-RPT
 * policy (_smtp._tls TXT, RFC 8460 section 3) looked up through the lab
 * resolver and recorded in it (dane_tlsrpt_set_policy; once per report),
 * so that dane_tlsrpt_write() returns 1 and writes nothing for a domain
 * that publishes no valid policy. */
int lab_deliver_check_report(lab_deliver *d, const struct scen *s, enum scen_profile p,
                             struct lab_deliver_result *r, dane_tlsrpt *rpt, struct dl_error *err);

#endif
