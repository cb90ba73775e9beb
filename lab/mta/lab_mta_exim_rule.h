/*
 * lab_mta_exim_rule: a profile's retry schedule (dane_retry.h) as an Exim
 * retry rule, for `danelab mta exim --retry --schedule PROFILE`.
 *
 * Exim (its specification, 32.11 "Retry rule parameters", and retry.c)
 * keeps per destination the time of its first failure; after each failed
 * attempt it takes the first rule part whose cutoff is not below the time
 * failing so far, and an F part sets the next try its interval after
 * that attempt. Once the time failing passes the last part's cutoff, the
 * attempt just made was the last: the address fails ("retry timeout
 * exceeded") and is returned.
 *
 * The schedule's intervals (0, 15 min, 30 min, 1 h 30 ... 23 h 30, 24 h
 * for exchange-online: 15 min twice, 1 h 23 times, 30 min once) become
 * one F part per run of equal intervals. Each part's cutoff lies halfway
 * through the last interval of its run, between the attempt that starts
 * it and the next: the schedule's times may then drift by up to half an
 * interval (an attempt's own duration, a late queue run) without another
 * part applying. The last part's cutoff lies halfway through the last
 * interval, so the attempt at the schedule's expiry is the final one.
 * exchange-online: "F,1350s,15m; F,23h,1h; F,1425m,30m". Times are
 * written in one unit each (the largest that divides them).
 */
#ifndef LAB_MTA_EXIM_RULE_H
#define LAB_MTA_EXIM_RULE_H

#include "dane_outcome.h"

#include <stddef.h>

/* The rule for profile p's schedule into buf (truncated to len): the
 * part after "*  *" of a retry section line. Returns buf. */
const char *lab_exim_rule_for(enum dane_profile p, char *buf, size_t len);

#endif
