/*
 * scen_zone: the zones a scenario owns, as the scenario file gives them:
 * the domain's own zone (`zone:` and the top-level `records:`) and the
 * extra (provider) zones of `zones:`, with their signing, denial and
 * records. Records are checked with ldns (syntax, owner inside the zone)
 * and kept as written. Types are public through scen.h; the parsers are
 * for scen.c.
 */
#ifndef SCEN_ZONE_H
#define SCEN_ZONE_H

#include "scen_misbehave.h"
#include "scen_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One DNS record in zone-file syntax, checked with ldns at load time. */
struct scen_record {
    struct scen_loc loc;
    char *text; /* one record; relative owners are relative to its zone's origin */
};

/* A zone the scenario owns: its domain's zone, or an extra (provider) zone. */
struct scen_zone {
    struct scen_loc loc;         /* where its name is written (domain:, else name:) */
    char *origin;                /* "good.test." */
    bool is_signed;              /* default true */
    bool ds;                     /* the parent publishes DS (default: is_signed) */
    int algorithm;               /* DNSSEC algorithm number: 13 (default), 8, 14, 15, 16 */
    int algorithm2;              /* 0, or the second of `algorithm: [A, B]` (a rollover) */
    bool algorithm2_signs;       /* `sign-with` names it (default true) */
    uint8_t ds_algorithms;       /* `ds-algorithm`: bit 0 algorithm, bit 1 algorithm2 (default 3) */
    int ds_digest;               /* `ds-digest`: 1, 2 (default) or 4 */
    bool ds_stale;               /* `ds-stale`: a non-matching DS beside the good one */
    bool nsec3;                  /* denial: nsec (default) or nsec3 */
    bool nsec3_optout;           /* `nsec3: opt-out:` */
    uint16_t nsec3_iterations;   /* default 0 (RFC 9276) */
    char *nsec3_salt;            /* hex, or NULL for none */
    struct scen_record *records; /* extra records for this zone */
    size_t n_records;
    struct scen_misbehave *misbehave; /* `misbehave:` its name server's rules */
    size_t n_misbehave;
    int64_t validity; /* `zone: validity:` RRSIG validity in seconds for the
                         runner's timeline builds; 0: the builder's default */
};

/* The domain's own zone into z: origin c->domain, `zone:` of the top
 * mapping (optional) and the top-level `records:`. z->loc is the caller's. */
int scen_zone_parse_domain(struct scen_parse *c, const struct scen_yaml_map *top,
                           struct scen_zone *z);

/* `zones:` (n, NULL when absent): a new array in *zones, of *n_zones,
 * allocated at its full length before it is filled (free it with
 * scen_zone_clear on each item, then free()). */
int scen_zone_parse_extra(struct scen_parse *c, const yaml_node_t *n, struct scen_zone **zones,
                          size_t *n_zones);

/* Free what z holds (not z itself). */
void scen_zone_clear(struct scen_zone *z);

#endif
