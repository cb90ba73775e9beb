/*
 * lab_run: `danelab run`, the main job. Builds what changed, brings the
 * lab up (or uses the one running from the run directory), checks every
 * selected scenario against its expectations, prints a table (or --json),
 * and brings the lab down again if it started it.
 *
 * Today the check is the DNS one: the in-process validator's verdict on
 * the domain's MX RRset (`expect: dnssec`, or `expect: dns: mx`) and on
 * the first MX host's A and TLSA RRsets when `expect: dns:` declares them
 * (secure, insecure, bogus with a reason keyword, servfail, nxdomain,
 * nodata), one line per scenario plus one per extra RRset.
 * Delivery through the reference client joins it when the client exists.
 */
#ifndef LAB_RUN_H
#define LAB_RUN_H

#include "lab_cmd.h"

int lab_run_main(const struct lab_cmd_globals *g, int argc, char **argv);

#endif
