/*
 * lab_mta: `danelab mta ADAPTER` (danelab(1), MTA CONFORMANCE): a real
 * MTA put in the lab world, one message per scenario, and a verdict that
 * joins two witnesses: the MTA's own status (its log and queue) and
 * fakesmtp's session records (which MX host stored the message, over TLS
 * or not, which SNI, which certificate). Expectations come from each
 * scenario's `rfc7672` outcome; the reference client (dane_client) is run
 * beside it to tell which MX hosts a DANE client may deliver to, so that a
 * message stored where it should not be is reported as a LEAK.
 *
 * Adapters: postfix (lab_mta_postfix), exim (lab_mta_exim), command
 * (lab_mta_command: any MTA from the user's command templates; without a
 * status command fakesmtp is the only witness). Known deviations per adapter:
 * lab/mta/ADAPTER/known-deviations, one `SCENARIO  REASON` a line.
 */
#ifndef LAB_MTA_H
#define LAB_MTA_H

#include "lab_up.h"

int lab_mta_main(const struct lab_globals *g, int argc, char **argv);

#endif
