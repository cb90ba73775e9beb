/*
 * zone_fault: the catalogue of DNS faults the zone builder can inject
 * (see the DNS fault issue and danelab-scenario(5)). This table is the one
 * place a fault's name lives; the scenario parser checks names against it,
 * zone_inject.c applies them, `danelab explain` quotes their text.
 *
 * A fault hits one RRset (its *target*): the TLSA RRset of an MX host, the
 * domain's MX RRset, a host's A RRset, a zone's DNSKEY RRset, the DS RRset
 * of a delegation in the parent, or a whole zone. Each fault says which
 * targets it accepts and which it takes by default.
 *
 * To add a fault: a row here (id, name, texts, targets), its
 * transformation in zone_inject.c, a unit test in check_zone_fault*.c, a
 * scenario lab/scenarios/dns-<fault>.yaml with its expectations, and the
 * list in danelab-scenario(5).
 */
#ifndef ZONE_FAULT_H
#define ZONE_FAULT_H

#include <stddef.h>

enum zone_fault_id {
    ZONE_FAULT_DS_NO_MATCHING_KEY,
    ZONE_FAULT_DS_DIGEST_MISMATCH,
    ZONE_FAULT_DS_ALGORITHM_MISMATCH,
    ZONE_FAULT_DS_UNKNOWN_DIGEST,
    ZONE_FAULT_DS_WITHOUT_DNSKEY,
    ZONE_FAULT_RRSIG_EXPIRED,
    ZONE_FAULT_RRSIG_NOT_YET_VALID,
    ZONE_FAULT_RRSIG_BAD_SIGNATURE,
    ZONE_FAULT_RRSIG_MISSING,
    ZONE_FAULT_RRSIG_UNKNOWN_KEY,
    ZONE_FAULT_RRSIG_LABELS_WRONG,
    ZONE_FAULT_RRSIG_ORIGINAL_TTL_EXCEEDED,
    ZONE_FAULT_DNSKEY_RRSIG_EXPIRED,
    ZONE_FAULT_DNSKEY_REVOKED,
    ZONE_FAULT_ZONE_EXPIRED,
    ZONE_FAULT_UNSUPPORTED_ALGORITHM,
    ZONE_FAULT_INSECURE_DELEGATION,
    ZONE_FAULT_DENIAL_MISSING,
    ZONE_FAULT_DENIAL_WRONG,
    ZONE_FAULT_NODATA_NSEC,
    ZONE_FAULT_NSEC_TYPE_BITMAP_LIES,
    ZONE_FAULT_NXDOMAIN_NSEC3,
    ZONE_FAULT_NSEC3_EXCESS_ITERATIONS,
    ZONE_FAULT_TLSA_SERVFAIL,
    ZONE_FAULT_LAME_DELEGATION,
    ZONE_FAULT_MX_HOST_INSECURE,
    ZONE_FAULT_MX_CNAME,
    ZONE_FAULT_MX_CNAME_INSECURE,
    ZONE_FAULT_MX_DNAME,
    ZONE_FAULT_WILDCARD_PROOF_MISSING,
    ZONE_FAULT_COUNT
};

/* What a fault hits (bits of zone_fault_info.targets). */
enum zone_fault_target {
    ZONE_TARGET_TLSA,   /* _PORT._tcp.<mx host> TLSA */
    ZONE_TARGET_MX,     /* <domain> MX */
    ZONE_TARGET_A,      /* <mx host> A */
    ZONE_TARGET_DNSKEY, /* <zone apex> DNSKEY */
    ZONE_TARGET_DS,     /* <zone apex> DS, in the parent */
    ZONE_TARGET_ZONE,   /* the whole zone */
    ZONE_TARGET_AAAA,   /* <mx host> AAAA (records: the lab publishes none itself) */
    ZONE_TARGET_COUNT
};

#define ZONE_TARGET_BIT(t) (1u << (t))

/* Seconds by which "expired" and "not yet valid" signatures miss the
 * signing time: a week, beyond any validator's clock-skew allowance
 * (Unbound: at most val-sig-skew-max, 1 day). */
#define ZONE_FAULT_SHIFT (7u * 86400u)
/* NSEC3 iterations for nsec3-excess-iterations: above the 150 that
 * Unbound 1.17 and BIND 9.18 still validate (RFC 9276 section 3.2). */
#define ZONE_FAULT_EXCESS_ITERATIONS 200
/* The private algorithm number of unsupported-algorithm (PRIVATEDNS). */
#define ZONE_FAULT_PRIVATE_ALGORITHM 253
/* The unassigned DS digest type of ds-unknown-digest. */
#define ZONE_FAULT_UNKNOWN_DIGEST 200
/* The algorithm the DS of ds-algorithm-mismatch claims: RSASHA256, or
 * ECDSAP256SHA256 when the zone itself is RSASHA256; both are implemented
 * by every validator, so the DS is not ignored as unsupported. */
#define ZONE_FAULT_DS_ALGORITHM     8
#define ZONE_FAULT_DS_ALGORITHM_ALT 13
/* The TTL served by rrsig-original-ttl-exceeded (a day), above the
 * Original TTL its RRSIG carries (the zone's TTL, 300 by default). */
#define ZONE_FAULT_RAISED_TTL 86400u
/* The KSK's flags under dnskey-revoked: ZONE (256) | REVOKE (128) | SEP (1),
 * RFC 5011 section 3. */
#define ZONE_FAULT_REVOKED_FLAGS 385u

struct zone_fault_info {
    enum zone_fault_id id;
    const char *name;    /* "rrsig-expired" */
    const char *summary; /* one line for `danelab list` and the man page */
    unsigned targets;    /* ZONE_TARGET_BIT()s it accepts */
    enum zone_fault_target default_target;
    /* What the builder does, in a sentence a support engineer can paste
     * ("The RRSIGs of the target RRset are re-made with ..."). */
    const char *injected;
    /* What an RFC 4035 validator reports for the target. */
    const char *verdict;
};

/* The fault named `name`, or NULL. */
const struct zone_fault_info *zone_fault_lookup(const char *name);
/* The fault with id `id` (id < ZONE_FAULT_COUNT). */
const struct zone_fault_info *zone_fault_get(enum zone_fault_id id);
/* All faults, in documentation order. */
const struct zone_fault_info *zone_fault_all(size_t *n);

/* "tlsa", "mx", "a", "dnskey", "ds", "zone"; NULL out of range. */
const char *zone_fault_target_name(enum zone_fault_target t);
/* The target named `name`, or -1. */
int zone_fault_target_lookup(const char *name);

#endif
