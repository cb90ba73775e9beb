/*
 * lab_run: `danelab run`, the main job. Builds what changed, brings the
 * lab up (or uses the one running from the run directory), checks every
 * selected scenario against its expectations, prints a table (or --json),
 * and brings the lab down again if it started it (also on SIGINT/SIGTERM).
 *
 * Two checks per scenario: the DNS one (the validator's verdict on the MX,
 * A and TLSA RRsets against `expect: dns` / `dnssec`, lab_dnscheck) and
 * the delivery one (the reference client in-process under each profile
 * with an expectation, against status, code, reason and TLS-RPT type,
 * lab_deliver). A scenario passes when every check does.
 */
#ifndef LAB_RUN_H
#define LAB_RUN_H

#include "lab_up.h"

int lab_run_main(const struct lab_globals *g, int argc, char **argv);

#endif
