/*
 * zone_inject: the transformations behind the fault catalogue
 * (zone_fault.h), applied while a zone is built and signed:
 *
 *   zone_inject_records()  before signing: the zone's records (denial
 *                          faults leave the target RRset out)
 *   zone_inject_signing()  the signing parameters (unsigned, NSEC3,
 *                          signature times of a whole zone)
 *   zone_inject_ds()       the DS records the parent publishes for a child
 *   zone_inject_signed()   after signing, on the ldns_dnssec_zone (RRSIGs
 *                          re-made, corrupted or dropped; NSEC stripped...)
 *
 * Each takes the faults of one zone: those whose target RRset the zone
 * holds (a DS target lives in the parent, whole-zone faults in the zone).
 */
#ifndef ZONE_INJECT_H
#define ZONE_INJECT_H

#include "dl_error.h"
#include "zone_fault.h"
#include "zone_key.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* One fault on one RRset. */
struct zone_fault {
    enum zone_fault_id id;
    ldns_rdf *owner; /* canonical absolute owner of the target RRset */
    uint16_t type;   /* its type (LDNS_RR_TYPE_*); 0: the whole zone at `owner` */
};

/* Whether fault `id` is among f[0..n). */
bool zone_inject_has(const struct zone_fault *f, size_t n, enum zone_fault_id id);

/* Before signing: drop the target RRsets of denial faults from `rrs` (and,
 * for nodata-nsec, add a TXT record keeping the owner name). */
void zone_inject_records(const struct zone_fault *f, size_t n, ldns_rr_list *rrs, uint32_t ttl);

/* Signing parameters a zone's faults change. On entry the zone's own. */
struct zone_inject_signing {
    bool sign;           /* false: served unsigned (ds-without-dnskey) */
    bool nsec3;          /* NSEC3 forced by nxdomain-nsec3 and nsec3-excess-iterations */
    uint16_t iterations; /* NSEC3 iterations */
    uint32_t inception;  /* RRSIG times of the whole zone (zone-expired) */
    uint32_t expiration;
};
void zone_inject_signing(const struct zone_fault *f, size_t n, time_t now,
                         struct zone_inject_signing *s);

/* The DS RRset the parent publishes for the child whose keys are `ks`:
 * `parent_f` are the parent's faults on that DS (insecure-delegation,
 * ds-*), `child_f` the child's own (unsupported-algorithm); `digest` the
 * DS digest type (LDNS_SHA1, LDNS_SHA256, LDNS_SHA384). A new list
 * (possibly empty); the caller deep-frees it. */
ldns_rr_list *zone_inject_ds(const struct zone_fault *parent_f, size_t parent_n,
                             const struct zone_fault *child_f, size_t child_n,
                             const zone_keyset *ks, int digest, uint32_t ttl);

/* A stale DS for the child whose keys are `ks`: the DS (digest type
 * `digest`) of a key the child does not publish (its KSK with one bit
 * flipped), as a parent keeps it after a key rollover. The caller frees it. */
ldns_rr *zone_inject_stale_ds(const zone_keyset *ks, int digest, uint32_t ttl);

/* After signing `dz` with `ks` at `now`: the RRSIG, NSEC and algorithm
 * faults. Returns 0, or -1 with `err` naming the zone and the fault (a
 * target RRset that does not exist, NSEC faults in an NSEC3 zone...). */
int zone_inject_signed(const struct zone_fault *f, size_t n, ldns_dnssec_zone *dz, zone_keyset *ks,
                       time_t now, const char *origin, struct dl_error *err);

/* Whether the zone file must fail to load (tlsa-servfail): the zone
 * builder appends a record no server can parse, so that the server
 * answers SERVFAIL for the zone. */
bool zone_inject_broken(const struct zone_fault *f, size_t n);
#define ZONE_INJECT_BROKEN_LINE                                                                    \
    "; danelab fault tlsa-servfail: the next line does not parse, so the name server\n"            \
    "; cannot load this zone and answers SERVFAIL for it\n"                                        \
    "@ 300 IN TLSA broken\n"

/* "rrsig-expired@_25._tcp.mx1.a.test./TLSA" for fingerprints and
 * messages; the caller frees it. */
char *zone_inject_describe(const struct zone_fault *f);

#endif
