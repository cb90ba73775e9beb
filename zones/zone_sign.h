/*
 * zone_sign: one zone's records to zone-file text, signed with its keyset
 * by ldns (KSK signs the DNSKEY RRset, ZSK everything else, with each
 * algorithm's pair when there are two; NSEC, or NSEC3 with or without
 * opt-out) or left unsigned. Delegation NS and glue stay unsigned,
 * as RFC 4035 wants.
 */
#ifndef ZONE_SIGN_H
#define ZONE_SIGN_H

#include "dl_error.h"
#include "zone_inject.h"
#include "zone_key.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct zone_sign_params {
    const char *origin; /* for error messages */
    zone_keyset *keys;  /* NULL: the zone is written unsigned */
    zone_keyset *keys2; /* a second algorithm's pair that signs too, or NULL */
    uint32_t inception; /* RRSIG inception and expiration (unix time) */
    uint32_t expiration;
    bool nsec3;          /* NSEC3 (SHA-1) instead of NSEC */
    bool nsec3_optout;   /* the Opt-Out flag; no NSEC3 for unsigned delegations */
    uint16_t iterations; /* NSEC3 iterations */
    const uint8_t *salt; /* NSEC3 salt (salt_len bytes) */
    uint8_t salt_len;
    const struct zone_fault *faults; /* applied after signing (zone_inject_signed) */
    size_t n_faults;
    time_t now; /* the signing time the faults are relative to */
};

struct zone_sign_result {
    unsigned signatures; /* RRSIGs made */
    double seconds;      /* wall time spent in ldns signing */
};

/* Print the zone made of `rrs` (the SOA among them; not consumed; DNSKEYs
 * included when signed) to `out`, signing it first when p->keys is set.
 * The faults of p->faults that act on a signed zone are applied before
 * printing. Returns 0, or -1 with `err` naming the zone. */
int zone_sign_print(const ldns_rr_list *rrs, const struct zone_sign_params *p, FILE *out,
                    struct zone_sign_result *res, struct dl_error *err);

#endif
