/*
 * dane_retry: when a sender tries again. The exchange-online schedule
 * (seed 001): after a failed attempt, again after 15 minutes, 15 minutes
 * later, then every hour; a message still failing 24 hours after the first
 * attempt expires (non-delivery report with the 5.x.x code). The client
 * makes that last attempt at 24 h, and its failure is final. RFC 7672
 * prescribes no schedule; the rfc7672 profile uses the same one.
 */
#ifndef DANE_RETRY_H
#define DANE_RETRY_H

#include "dane_outcome.h"

#include <stddef.h>
#include <stdint.h>

#define DANE_RETRY_EXPIRY (24 * 3600)

/* Offsets in seconds from the first attempt (the first is 0) into times;
 * returns how many (at most max). The last one is the expiry. */
size_t dane_retry_schedule(enum dane_profile p, int64_t *times, size_t max);

#endif
