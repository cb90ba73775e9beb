#include "zone_fault.h"

#include <string.h>

/* Names from the DNS fault catalogue; each becomes implemented when the zone
 * builder can inject it (issue "The DNS fault catalogue"). */
static const struct zone_fault_info faults[] = {
    {"ds-no-matching-key", "parent DS names a key the child does not publish", false},
    {"ds-digest-mismatch", "DS key tag right, digest wrong", false},
    {"ds-unknown-digest", "the only DS uses an unassigned digest type", false},
    {"ds-without-dnskey", "DS in the parent, child zone unsigned", false},
    {"rrsig-expired", "signature expiration in the past", false},
    {"rrsig-not-yet-valid", "signature inception in the future", false},
    {"rrsig-bad-signature", "signature bytes corrupted", false},
    {"rrsig-missing", "RRset served without RRSIG", false},
    {"rrsig-unknown-key", "RRSIG by a key tag not in the DNSKEY RRset", false},
    {"dnskey-rrsig-expired", "only the DNSKEY RRset's signature expired", false},
    {"zone-expired", "every signature in the zone expired", false},
    {"unsupported-algorithm", "child signed only with a private algorithm", false},
    {"insecure-delegation", "no DS at all", false},
    {"denial-missing", "TLSA absent and the NSEC/NSEC3 proof stripped", false},
    {"denial-wrong", "TLSA absent and an NSEC that does not cover the name", false},
    {"nodata-nsec", "TLSA absent, valid NSEC NODATA proof", false},
    {"nxdomain-nsec3", "TLSA name absent, valid NSEC3 proof", false},
    {"nsec3-excess-iterations", "NSEC3 iterations above what validators accept", false},
    {"tlsa-servfail", "the TLSA query is answered SERVFAIL", false},
    {"lame-delegation", "the domain's NS answers nothing", false},
    {"mx-host-insecure", "MX host in an unsigned provider zone", false},
    {"mx-cname", "MX host is a CNAME into a signed provider zone", false},
};

const struct zone_fault_info *zone_fault_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        if (strcmp(faults[i].name, name) == 0)
            return &faults[i];
    return NULL;
}

const struct zone_fault_info *zone_fault_all(size_t *n)
{
    *n = sizeof(faults) / sizeof(faults[0]);
    return faults;
}
