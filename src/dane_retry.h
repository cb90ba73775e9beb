/*
 * dane_retry: when a sender tries again, a parameter of each profile
 * (one row of the table in dane_retry.c, documented in dane-client(1)).
 * A schedule is: the first attempt at 0, the intervals after it (a few
 * given ones, then one repeated), and an expiry: the last attempt is made
 * at the expiry and its failure is final (the 5.x.x non-delivery report).
 *
 *   exchange-online  seed 001: again after 15 minutes, 15 minutes later,
 *                    then every hour; a message still failing 24 hours
 *                    after the first attempt expires. 0, 15 min, 30 min,
 *                    1 h 30, ..., 23 h 30, 24 h: 27 attempts.
 *   rfc7672          RFC 5321 4.5.4.1 (RFC 7672 prescribes none): the
 *                    retry interval SHOULD be at least 30 minutes, and the
 *                    give-up time "generally needs to be at least 4-5
 *                    days". 0, 30 min, 1 h 30, ..., 119 h 30, 5 d: 122
 *                    attempts, every one at least 30 minutes after the one
 *                    before.
 */
#ifndef DANE_RETRY_H
#define DANE_RETRY_H

#include "dane_outcome.h"

#include <stddef.h>
#include <stdint.h>

/* The most attempts of any profile's schedule (rfc7672: 122); a buffer of
 * this many times holds every schedule whole. */
#define DANE_RETRY_MAX 128

/* The name of profile p's schedule ("seed-001", "rfc5321"), and where it
 * comes from ("seed 001", "RFC 5321 4.5.4.1"); static strings. */
const char *dane_retry_name(enum dane_profile p);
const char *dane_retry_source(enum dane_profile p);

/* The offset of profile p's last attempt (its expiry), in seconds. */
int64_t dane_retry_expiry(enum dane_profile p);

/* Offsets in seconds from the first attempt (the first is 0) into times;
 * returns how many (at most max). The last one is the expiry when max is
 * at least dane_retry_attempts(p). */
size_t dane_retry_schedule(enum dane_profile p, int64_t *times, size_t max);

/* How many attempts profile p's schedule makes (at most DANE_RETRY_MAX). */
size_t dane_retry_attempts(enum dane_profile p);

/* The schedule in words into buf (truncated to len): "0, 30 min, then 1 h
 * apart; the last attempt, at 5 d (122 attempts), is final". Returns buf. */
const char *dane_retry_describe(enum dane_profile p, char *buf, size_t len);

/* How a message's attempts ended, for dane_retry_compare. */
enum dane_retry_end {
    DANE_RETRY_END_QUEUED,    /* still queued: no rule about the end */
    DANE_RETRY_END_DELIVERED, /* delivered: fewer attempts than planned */
    DANE_RETRY_END_RETURNED,  /* given up: its last attempt must be the final one */
};

/* The first attempt that departs from a schedule (dane_retry_compare). */
struct dane_retry_deviation {
    size_t attempt;  /* 1-based; 0: none departs */
    int64_t at;      /* its time after the first attempt; -1: it was not made */
    int64_t planned; /* when the schedule plans it; -1: no such attempt planned */
    int64_t sched;   /* the schedule's own time for it (from the first) */
};

/* Compare a sender's attempts with profile p's schedule. `after` holds
 * the n attempts' times in seconds after the first planned one (the first
 * is ideally 0). The schedule is a list of intervals (seed 001: "after 15
 * minutes, then 15 minutes later, then every hour"), so attempt k (k > 1)
 * is planned one interval after the attempt k-1 actually made, within
 * `tolerance` seconds either side; the first is planned at 0. Attempts
 * beyond the schedule's last, and with end RETURNED fewer than it, depart
 * too. Returns 0 when none departs (dev->attempt 0), 1 with dev naming
 * the first that does. */
int dane_retry_compare(enum dane_profile p, const int64_t *after, size_t n, enum dane_retry_end end,
                       int64_t tolerance, struct dane_retry_deviation *dev);

#endif
