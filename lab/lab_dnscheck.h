/*
 * lab_dnscheck: what a validating resolver says about each scenario's
 * domain. Runs libunbound in-process as an iterator from the lab root
 * hints with the lab trust anchor (so bogus answers keep libunbound's own
 * reason, why_bogus), and must run inside the lab world
 * (lab_world_enter() first).
 */
#ifndef LAB_DNSCHECK_H
#define LAB_DNSCHECK_H

#include "dl_error.h"
#include "scen.h"

struct lab_dnscheck_result {
    enum scen_dnssec observed;
    int rcode;     /* DNS RCODE of the answer */
    int n_answers; /* records in the answer */
    char why[512]; /* libunbound's why_bogus, or a short note */
};

typedef struct lab_dnscheck lab_dnscheck;

/* A validator for the lab in run_dir (RUN/etc/root.hints, RUN/root.key). */
lab_dnscheck *lab_dnscheck_new(const char *run_dir, struct dl_error *err);
void lab_dnscheck_free(lab_dnscheck *c);

/* Look up the scenario's MX RRset (its A RRset for an implicit MX) and
 * classify the answer. Returns -1 only when the lookup could not be made. */
int lab_dnscheck_domain(lab_dnscheck *c, const struct scen *s, struct lab_dnscheck_result *r,
                        struct dl_error *err);

#endif
