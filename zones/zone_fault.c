/* zone_fault: the fault catalogue (see zone_fault.h). */
#include "zone_fault.h"

#include <string.h>

#define T(x)     ZONE_TARGET_BIT(ZONE_TARGET_##x)
#define SIGNABLE (T(TLSA) | T(MX) | T(A) | T(AAAA) | T(DNSKEY) | T(DS))
#define NAMED    (T(TLSA) | T(MX) | T(A) | T(AAAA))

static const char *const target_names[ZONE_TARGET_COUNT] = {"tlsa", "mx",   "a",   "dnskey",
                                                            "ds",   "zone", "aaaa"};

/* Names from the DNS fault catalogue (issue "The DNS fault catalogue"),
 * in its order; zone_inject.c builds every one of them. */
static const struct zone_fault_info faults[ZONE_FAULT_COUNT] = {
    {ZONE_FAULT_DS_NO_MATCHING_KEY, "ds-no-matching-key",
     "parent DS names a key the child does not publish", T(DS), ZONE_TARGET_DS,
     "The parent publishes, instead of the DS of the zone's KSK, the DS of a key the zone does "
     "not publish (the KSK's public key with one bit flipped: another key tag, another digest), "
     "so the chain of trust breaks at the delegation.",
     "bogus: no DNSKEY of the zone matches the DS in the parent"},
    {ZONE_FAULT_DS_DIGEST_MISMATCH, "ds-digest-mismatch", "DS key tag right, digest wrong", T(DS),
     ZONE_TARGET_DS,
     "The parent's DS names the zone's KSK (right key tag, algorithm and digest type) but its "
     "SHA-256 digest has its last byte changed.",
     "bogus: the DS digest does not match the DNSKEY"},
    {ZONE_FAULT_DS_ALGORITHM_MISMATCH, "ds-algorithm-mismatch",
     "DS key tag and digest right, algorithm number wrong", T(DS), ZONE_TARGET_DS,
     "The parent's DS names the zone's KSK (right key tag, right SHA-256 digest of the key) but "
     "its algorithm field says 8 (RSASHA256) while the key is 13 (ECDSAP256SHA256), or 13 for a "
     "RSASHA256 zone: the wrong entry of a registrar's algorithm menu.",
     "bogus: no DNSKEY of the DS's algorithm and key tag, so the DS matches no key"},
    {ZONE_FAULT_DS_UNKNOWN_DIGEST, "ds-unknown-digest",
     "the only DS uses an unassigned digest type", T(DS), ZONE_TARGET_DS,
     "The parent's only DS for the zone uses digest type 200, which no standard assigns, so a "
     "validator cannot check it.",
     "insecure: a DS with no supported digest is treated as no DS (RFC 4035 section 5.2)"},
    {ZONE_FAULT_DS_WITHOUT_DNSKEY, "ds-without-dnskey", "DS in the parent, child zone unsigned",
     T(ZONE), ZONE_TARGET_ZONE,
     "The parent keeps the DS of the zone's KSK but the zone itself is served unsigned: no "
     "DNSKEY, no RRSIG, no NSEC.",
     "bogus: the DS promises a signed zone whose DNSKEY RRset is missing"},
    {ZONE_FAULT_RRSIG_EXPIRED, "rrsig-expired", "signature expiration in the past", SIGNABLE,
     ZONE_TARGET_TLSA,
     "The RRSIG of the target RRset is re-made by the right key with an expiration one week "
     "before the signing time (inception five weeks before), beyond any clock-skew allowance.",
     "bogus: signature expired"},
    {ZONE_FAULT_RRSIG_NOT_YET_VALID, "rrsig-not-yet-valid", "signature inception in the future",
     SIGNABLE, ZONE_TARGET_TLSA,
     "The RRSIG of the target RRset is re-made by the right key with an inception one week "
     "after the signing time, beyond any clock-skew allowance.",
     "bogus: signature not yet valid"},
    {ZONE_FAULT_RRSIG_BAD_SIGNATURE, "rrsig-bad-signature", "signature bytes corrupted", SIGNABLE,
     ZONE_TARGET_TLSA,
     "The signature field of the target RRset's RRSIG has bytes flipped; key tag, times and "
     "signer are unchanged.",
     "bogus: signature crypto failed"},
    {ZONE_FAULT_RRSIG_MISSING, "rrsig-missing", "RRset served without RRSIG", SIGNABLE,
     ZONE_TARGET_TLSA,
     "The target RRset is served without any RRSIG while the rest of the zone stays signed.",
     "bogus: no signatures"},
    {ZONE_FAULT_RRSIG_UNKNOWN_KEY, "rrsig-unknown-key",
     "RRSIG by a key tag not in the DNSKEY RRset", SIGNABLE, ZONE_TARGET_TLSA,
     "The RRSIG of the target RRset names a key tag that no DNSKEY of the zone has.",
     "bogus: no DNSKEY matches the signature's key tag"},
    {ZONE_FAULT_RRSIG_LABELS_WRONG, "rrsig-labels-wrong",
     "RRSIG labels field above the owner's label count", SIGNABLE, ZONE_TARGET_TLSA,
     "The RRSIG of the target RRset is re-made by the right key with its Labels field one more "
     "than the owner name's label count (RFC 4035 section 5.3.1 forbids it); the signature is "
     "computed over that RRSIG, so the Labels field is the only thing wrong.",
     "bogus: the signature's label count exceeds the owner name's"},
    {ZONE_FAULT_RRSIG_ORIGINAL_TTL_EXCEEDED, "rrsig-original-ttl-exceeded",
     "RRset served with a TTL above its RRSIG's Original TTL (tolerated)", SIGNABLE,
     ZONE_TARGET_TLSA,
     "The target RRset and its RRSIG are served with a TTL of one day while the RRSIG's Original "
     "TTL field, which the signature covers, keeps the zone's TTL (300 s): the TTL was raised "
     "after signing. The signature is still valid.",
     "secure: the signature is checked over the Original TTL, and a validator keeps the RRset "
     "no longer than that (RFC 4035 section 5.3.3)"},
    {ZONE_FAULT_DNSKEY_RRSIG_EXPIRED, "dnskey-rrsig-expired",
     "only the DNSKEY RRset's signature expired", T(DNSKEY), ZONE_TARGET_DNSKEY,
     "The KSK's RRSIG over the zone's DNSKEY RRset is re-made with an expiration one week before "
     "the signing time; every other signature is valid, yet nothing in the zone can be trusted.",
     "bogus: the DNSKEY RRset's signature expired"},
    {ZONE_FAULT_DNSKEY_REVOKED, "dnskey-revoked",
     "the only KSK published revoked (RFC 5011), parent DS unchanged", T(DNSKEY),
     ZONE_TARGET_DNSKEY,
     "The zone's only KSK is published with the REVOKE bit set (flags 385, RFC 5011) and signs "
     "the DNSKEY RRset as the revoked key, under its new key tag (the flags are part of the key "
     "tag and of the DS digest); the parent's DS is still the one of the key before revocation "
     "(flags 257). The ZSK and every other signature are unchanged.",
     "bogus: no DNSKEY matches the DS in the parent (the REVOKE bit changed the key's tag "
     "and digest)"},
    {ZONE_FAULT_ZONE_EXPIRED, "zone-expired", "every signature in the zone expired", T(ZONE),
     ZONE_TARGET_ZONE,
     "The whole zone is signed with an expiration one week before the signing time (the "
     "operator's re-signing stopped).",
     "bogus: signature expired"},
    {ZONE_FAULT_UNSUPPORTED_ALGORITHM, "unsupported-algorithm",
     "child signed only with a private algorithm", T(ZONE), ZONE_TARGET_ZONE,
     "The zone's DNSKEYs, RRSIGs and the parent's DS carry the private algorithm number 253 "
     "(PRIVATEDNS), which no validator implements; key tags and the DS digest match the "
     "rewritten keys.",
     "insecure: a zone signed only with unsupported algorithms is treated as unsigned "
     "(RFC 4035 section 5.2)"},
    {ZONE_FAULT_INSECURE_DELEGATION, "insecure-delegation", "no DS at all", T(DS), ZONE_TARGET_DS,
     "The zone is signed but the parent publishes no DS for it (the DS upload was forgotten); "
     "the parent's NSEC proves the DS absent.",
     "insecure: provably unsigned delegation"},
    {ZONE_FAULT_DENIAL_MISSING, "denial-missing", "TLSA absent and the NSEC/NSEC3 proof stripped",
     NAMED, ZONE_TARGET_TLSA,
     "The target RRset is left out and every NSEC/NSEC3 record (with its RRSIG) is stripped from "
     "the zone, so the negative answer comes without a proof.",
     "bogus: negative answer without NSEC/NSEC3 proof"},
    {ZONE_FAULT_DENIAL_WRONG, "denial-wrong",
     "TLSA absent and an NSEC that does not cover the name", NAMED, ZONE_TARGET_TLSA,
     "The target RRset is left out and the NSEC that should cover its name is shortened (next "
     "name just after its owner) and signed again: a valid signature over a proof that does not "
     "cover the name.",
     "bogus: the NSEC does not prove the name absent"},
    {ZONE_FAULT_NODATA_NSEC, "nodata-nsec", "TLSA absent, valid NSEC NODATA proof", NAMED,
     ZONE_TARGET_TLSA,
     "The target RRset is left out and a TXT record keeps its owner name in the zone, so the "
     "validly signed NSEC at that name proves NODATA.",
     "secure NODATA (no TLSA records: the host is not DANE-protected, provably)"},
    {ZONE_FAULT_NSEC_TYPE_BITMAP_LIES, "nsec-type-bitmap-lies",
     "TLSA absent, the NSEC at its name lists TLSA", NAMED, ZONE_TARGET_TLSA,
     "The target RRset is left out and a TXT record keeps its owner name in the zone (as "
     "nodata-nsec); the NSEC at that name then gets the target's type added to its type bitmap "
     "and is signed again by the ZSK: a valid signature over an NSEC that says the RRset "
     "exists, served as the proof that it does not.",
     "bogus: the NODATA answer's NSEC lists the type asked for, so it proves nothing"},
    {ZONE_FAULT_NXDOMAIN_NSEC3, "nxdomain-nsec3", "TLSA name absent, valid NSEC3 proof",
     T(TLSA) | T(A), ZONE_TARGET_TLSA,
     "The target RRset is left out and the zone is signed with NSEC3 (SHA-1, no opt-out), so the "
     "name is proven absent by NSEC3 records.",
     "secure NXDOMAIN"},
    {ZONE_FAULT_NSEC3_EXCESS_ITERATIONS, "nsec3-excess-iterations",
     "NSEC3 iterations above what validators accept", NAMED, ZONE_TARGET_TLSA,
     "The target RRset is left out and the zone is signed with NSEC3 using 200 extra iterations, "
     "above the 150 that validators still accept (RFC 9276).",
     "insecure: a denial proof with too many NSEC3 iterations is treated as insecure"},
    {ZONE_FAULT_TLSA_SERVFAIL, "tlsa-servfail", "the TLSA query is answered SERVFAIL", T(TLSA),
     ZONE_TARGET_TLSA,
     "_tcp.<mx host> is delegated (with DS) to the lab's name server, whose copy of that zone "
     "deliberately fails to load, so it answers SERVFAIL for the TLSA query.",
     "SERVFAIL for the TLSA query; MX and A stay secure"},
    {ZONE_FAULT_LAME_DELEGATION, "lame-delegation", "the domain's NS does not answer for it",
     T(ZONE), ZONE_TARGET_ZONE,
     "The parent delegates the zone (with DS) to the lab's name server for scenario zones, "
     "which is not configured for it and answers REFUSED: a lame delegation. (Silence, a "
     "server that never answers, gives the same verdict after some 30 s of retries per "
     "query, too slow for the lab.)",
     "SERVFAIL for every query"},
    {ZONE_FAULT_MX_HOST_INSECURE, "mx-host-insecure", "MX host in an unsigned provider zone", T(A),
     ZONE_TARGET_A,
     "The zone holding the MX host (a provider's zone) is served unsigned, without DS in its "
     "parent, while the domain's own zone stays signed.",
     "MX secure; the host's A and TLSA insecure (no DANE for that host)"},
    {ZONE_FAULT_MX_CNAME, "mx-cname", "MX host is a CNAME into a signed provider zone", T(A),
     ZONE_TARGET_A,
     "The MX host name is a CNAME to a host of the same first label in the scenario's provider "
     "zone, which holds the A and TLSA records (RFC 7672 section 2.2.3: the TLSA base domain is "
     "the CNAME target).",
     "secure through the CNAME, TLSA found at the target"},
    {ZONE_FAULT_MX_CNAME_INSECURE, "mx-cname-insecure", "MX host is a CNAME into an unsigned zone",
     T(A), ZONE_TARGET_A, "As mx-cname, but the provider zone is served unsigned.",
     "MX secure; the host's A and TLSA insecure at the CNAME target"},
    {ZONE_FAULT_MX_DNAME, "mx-dname", "MX host reached through a DNAME into a signed provider zone",
     T(A), ZONE_TARGET_A,
     "The MX host is named below a subdomain of the domain (mx1.mail.<domain>) that is a DNAME to "
     "the scenario's provider zone, which holds the A and TLSA records of the host of the same "
     "first label; a resolver answers with the DNAME and the CNAME synthesised from it (RFC 6672 "
     "section 3.1), so the TLSA base domain is the expanded name (RFC 7672 section 2.2.3).",
     "secure through the DNAME and its synthesised CNAME, TLSA found at the target"},
    {ZONE_FAULT_WILDCARD_PROOF_MISSING, "wildcard-proof-missing",
     "wildcard-synthesised TLSA served without the proof that the name does not exist", T(TLSA),
     ZONE_TARGET_TLSA,
     "The target RRset stays (for a host with tlsa_at: wildcard, the TLSA records at "
     "*._tcp.<host>) and every NSEC/NSEC3 record (with its RRSIG) is stripped from the zone, so "
     "a wildcard-synthesised answer comes without the NSEC/NSEC3 that proves the name asked for "
     "does not exist (RFC 4035 section 5.3.4, RFC 5155 section 8.8).",
     "bogus: a wildcard expansion without the proof that the query name does not exist"},
};

const struct zone_fault_info *zone_fault_lookup(const char *name)
{
    for (size_t i = 0; i < ZONE_FAULT_COUNT; i++)
        if (strcmp(faults[i].name, name) == 0)
            return &faults[i];
    return NULL;
}

const struct zone_fault_info *zone_fault_get(enum zone_fault_id id)
{
    return (unsigned)id < ZONE_FAULT_COUNT ? &faults[id] : NULL;
}

const struct zone_fault_info *zone_fault_all(size_t *n)
{
    *n = ZONE_FAULT_COUNT;
    return faults;
}

const char *zone_fault_target_name(enum zone_fault_target t)
{
    return (unsigned)t < ZONE_TARGET_COUNT ? target_names[t] : NULL;
}

int zone_fault_target_lookup(const char *name)
{
    for (int i = 0; i < ZONE_TARGET_COUNT; i++)
        if (strcmp(target_names[i], name) == 0)
            return i;
    return -1;
}
