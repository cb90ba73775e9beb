/*
 * zone_stamp: the first line of every zone file the builder writes,
 *
 *   ; danelab-zone fingerprint=<sha256 hex> inception=<unix> expiration=<unix> serial=<n>
 *
 * The fingerprint covers everything that decides a zone's content except
 * the signing time (records, keys, signing parameters); inception and
 * expiration are those of the zone's RRSIGs (0 when unsigned; faults such
 * as zone-expired shift the signatures, not the stamp); serial is
 * the SOA serial written. A build re-uses a file whose stamp is fresh.
 */
#ifndef ZONE_STAMP_H
#define ZONE_STAMP_H

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define ZONE_STAMP_HEX 65 /* 64 hex digits and a NUL */

struct zone_stamp {
    char fingerprint[ZONE_STAMP_HEX];
    int64_t inception, expiration;
    uint32_t serial;
};

/* SHA-256 over the presentation form of `rrs` (in list order) and then
 * `params`, as lower-case hex. */
void zone_stamp_fingerprint(const ldns_rr_list *rrs, const char *params, char out[ZONE_STAMP_HEX]);

/* Read the stamp of the zone file at `path`. Returns false when the file
 * is missing or does not start with a stamp. */
bool zone_stamp_read(const char *path, struct zone_stamp *st);

/* The stamp line, newline included; the caller frees it. */
char *zone_stamp_line(const struct zone_stamp *st);

/* Whether a file with stamp `old` can be kept: same fingerprint and, when
 * signed, valid at `now` with at least validity/2 seconds left. */
bool zone_stamp_fresh(const struct zone_stamp *old, const char *fingerprint, bool is_signed,
                      time_t now, uint32_t validity);

#endif
