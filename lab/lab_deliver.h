/*
 * lab_deliver: the reference client (src/dane_client) run in-process
 * against one scenario under one profile, judged against the scenario's
 * `expect: PROFILE: {status, code, reason, tlsrpt}`. Each check uses a
 * fresh resolver context (nothing cached from another scenario) pointed at
 * the lab's validating Unbound, with the lab trust anchor. Must run inside
 * the lab world (lab_world_enter() first).
 */
#ifndef LAB_DELIVER_H
#define LAB_DELIVER_H

#include "dane_outcome.h"
#include "dane_tlsrpt.h"
#include "dl_error.h"
#include "scen.h"

#include <stdbool.h>
#include <time.h>

typedef struct lab_deliver lab_deliver;

lab_deliver *lab_deliver_new(const char *run_dir, time_t now, struct dl_error *err);
void lab_deliver_free(lab_deliver *d);

struct lab_deliver_result {
    enum scen_profile profile;
    bool pass;
    struct dane_outcome observed;
    char detail[512];   /* the client's one-line reason */
    char mismatch[256]; /* what differs, when !pass */
};

/* Probe the scenario's domain under profile p and compare. Returns 0 (the
 * result says pass or not), -1 when the client could not run (err set). */
int lab_deliver_check(lab_deliver *d, const struct scen *s, enum scen_profile p,
                      struct lab_deliver_result *r, struct dl_error *err);

/* The same, and, when `rpt` is not NULL, the client's sessions counted in
 * the TLS-RPT report `rpt` (dane_tlsrpt_add) and the domain's TLS-RPT
 * policy (_smtp._tls TXT, RFC 8460 section 3) looked up through the lab
 * resolver and recorded in it (dane_tlsrpt_set_policy; once per report),
 * so that dane_tlsrpt_write() returns 1 and writes nothing for a domain
 * that publishes no valid policy. */
int lab_deliver_check_report(lab_deliver *d, const struct scen *s, enum scen_profile p,
                             struct lab_deliver_result *r, dane_tlsrpt *rpt, struct dl_error *err);

#endif
