/*
 * lab_checker: the checks of `danelab run` (lab_run) inside the lab
 * world. Per selected scenario the DNS check (lab_dnscheck: the
 * validator's verdict on the MX, A and TLSA RRsets against `expect: dns`
 * / `dnssec`), the delivery check under each profile with an expectation
 * (lab_deliver: the reference client in-process against status, code,
 * reason and TLS-RPT type, with --tlsrpt the RFC 8460 report of its
 * sessions) and the retry timelines (lab_timeline). A scenario passes
 * when every check does. In --jobs worker processes (lab_pool; one
 * with --jobs 1: see dane_ub.h on threads after setns()), retry
 * timelines (the slow ones) first; the results are
 * printed in catalogue order as they arrive.
 */
#ifndef LAB_CHECKER_H
#define LAB_CHECKER_H

#include "lab_session.h"

#include <stdbool.h>

struct lab_checker_opts {
    const struct lab_session *s; /* catalogue, selection, --json, --shard, --junit, --html */
    bool tap;                    /* --tap: TAP 13 on stdout instead of the table */
    int profile;                 /* --profile: only this one's delivery expectations; -1: all */
    unsigned jobs;               /* --jobs N: worker processes; 0: the default
                                    for the scenarios selected (lab_checker.c) */
    bool exact;                  /* --exact-timelines: run every retry attempt */
    bool exact_profiles;         /* --exact-profiles: a client run per profile */
    const char *tlsrpt_dir;      /* --tlsrpt DIR, absolute; NULL: no reports */
    const char *html_abs;        /* --html FILE, absolute (the page's relative links) */
    /* One validator's pass of `run --resolvers` (lab_resolvers): the
     * report goes to this file instead of stdout (nothing is printed),
     * and each scenario object carries "validator_dns" (every RRset
     * looked up, expected or not: lab_valmatrix compares them). NULL: a
     * plain run. */
    const char *report_path;
    bool dns_only; /* the DNS check only: no delivery, no retry timeline */
};

/* Inside a child process: join the lab world, check every selected
 * scenario and print the report (a table, --json or --tap); write
 * --junit, --html and --tlsrpt's index.json, closing the files the
 * session opened. Exit status: 0 all passed, 1 some deviated, 2 error. */
int lab_checker_main(const struct lab_globals *g, const struct lab_checker_opts *o);

#endif
