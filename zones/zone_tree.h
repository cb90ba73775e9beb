/*
 * zone_tree: the lab's signed DNS hierarchy, built with ldns.
 *
 * The caller declares zones (root ".", the TLD "test.", scenario and
 * provider zones) and records; zone_tree_build() links each zone to its
 * parent (the deepest declared zone above it), adds apex NS, the NS
 * server's address record, delegation NS and glue in the parent and, for
 * signed zones with `publish_ds`, the DS of the child's KSK (SHA-256
 * unless ds_digest says otherwise; for a zone with two algorithms, of the
 * KSKs ds_algorithms names; plus a stale DS with ds_stale).
 * It then signs every zone (KSK signs DNSKEY, ZSK the rest; NSEC or NSEC3)
 * children first, writes NSD zone files to RUN/zones/ and the trust
 * anchor (DS of the root KSK) to RUN/root.key.
 *
 * Faults (zone_tree_add_fault, zone_inject.h) change what is built: DS
 * records in the parent, the records signed, signing parameters, and the
 * signed zone before it is printed.
 *
 * Keys are cached in RUN/keys/ (private keys 0600) and re-used; a zone is
 * re-signed only when its content, keys or parameters changed, or when its
 * signatures are not valid at `now` with at least half their validity left.
 */
#ifndef ZONE_TREE_H
#define ZONE_TREE_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct zone_tree_opts {
    const char *run_dir; /* RUN: keys/, zones/ and root.key go below it */
    time_t now;          /* signing time (virtual or real) */
    uint32_t validity;   /* seconds from now to RRSIG expiration (default 30d) */
    uint32_t backdate;   /* seconds before now for RRSIG inception (default 1h) */
    uint32_t ttl;        /* default TTL of generated records (default 300) */
};

struct zone_def {
    const char *origin;    /* absolute: ".", "test.", "good.test." */
    bool is_signed;        /* false: served unsigned */
    bool publish_ds;       /* the parent carries DS (ignored when unsigned) */
    int algorithm;         /* zone_key_algorithm_supported(): 8, 13, 14, 15, 16 */
    int algorithm2;        /* 0, or a second algorithm (a rollover in progress): its
                              KSK and ZSK are published beside the first pair */
    bool algorithm2_signs; /* every RRset is signed with algorithm2 as well
                              (RFC 6840 5.11); false: its keys sign nothing */
    uint8_t ds_algorithms; /* the keys the parent's DS names: bit 0 the
                              algorithm's KSK, bit 1 algorithm2's; 0: all */
    int ds_digest;         /* DS digest type 1, 2 or 4; 0: 2 (SHA-256) */
    bool ds_stale;         /* one more DS, of a key the zone does not publish */
    bool nsec3;            /* NSEC3 (RFC 5155) instead of NSEC */
    bool nsec3_optout;     /* NSEC3 opt-out (RFC 5155 6): no NSEC3 for an
                              unsigned delegation, the Opt-Out flag set */
    uint16_t nsec3_iterations;
    const char *nsec3_salt; /* hex or NULL */
    const char *ns_name;    /* absolute name of the zone's name server */
    const char *ns_addr;    /* its IPv4 address */
    bool lame;              /* delegated to ns_addr, which must not serve it */
};

struct zone_tree_stats {
    unsigned zones;      /* zones in the tree */
    unsigned signed_now; /* zones (re)signed by this build */
    unsigned cached;     /* zones whose files were still good */
    unsigned keys_created;
    unsigned signatures; /* RRSIGs made by this build */
    double sign_seconds; /* time spent signing (CPU-bound part) */
};

typedef struct zone_tree zone_tree;

zone_tree *zone_tree_new(const struct zone_tree_opts *opts);
void zone_tree_free(zone_tree *t);

/* Declare a zone (copied). Fails for a duplicate or malformed origin. */
int zone_tree_add_zone(zone_tree *t, const struct zone_def *def, struct dl_error *err);

/* Add one record in zone-file syntax; relative names are relative to
 * `origin`. It goes into the deepest declared zone holding its owner.
 * `where` ("file:line") prefixes any error message. */
int zone_tree_add_rr(zone_tree *t, const char *text, const char *origin, const char *where,
                     struct dl_error *err);

/* Declare a fault (zone_fault.h) on the RRset `owner` (absolute) `type`
 * (an LDNS_RR_TYPE_* number; 0: the whole zone whose apex is `owner`).
 * It is applied to the zone holding that RRset (for a DS at a zone's
 * apex: the parent) while it is built. Unknown names fail here; an owner
 * in no zone, or an RRset a fault cannot act on, fails at build time with
 * `where` ("file:line") in the message. */
int zone_tree_add_fault(zone_tree *t, const char *name, const char *owner, uint16_t type,
                        const char *where, struct dl_error *err);

/* Link, sign and write everything (see above). */
int zone_tree_build(zone_tree *t, struct zone_tree_stats *stats, struct dl_error *err);

/* After a successful build: the zones, parents before children. */
size_t zone_tree_count(const zone_tree *t);
const char *zone_tree_origin(const zone_tree *t, size_t i);
const char *zone_tree_ns_addr(const zone_tree *t, size_t i);
/* Whether zone i is declared lame (no server may load it). */
bool zone_tree_lame(const zone_tree *t, size_t i);
/* Path of the zone file relative to RUN/zones ("root.zone", "good.test.zone"). */
const char *zone_tree_file(const zone_tree *t, size_t i);

#endif
