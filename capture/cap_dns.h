/*
 * cap_dns: one DNS RRset as evidence (danelab capture): the validator's
 * verdict and why_bogus through dane_dns (libunbound), the records in
 * presentation form, the CNAME/DNAME chain followed and each RRSIG's
 * signer, key tag, algorithm and validity window, read from the answer
 * packet with ldns. Nothing is resolved here that dane_dns does not.
 */
#ifndef CAP_DNS_H
#define CAP_DNS_H

#include "dane_dns.h"

#include <jansson.h>
#include <stdbool.h>

#define CAP_DNS_MAX_RECORDS 256 /* records kept per RRset (the rest counted) */

/* What the capture's walk needs of an RRset besides its JSON. */
struct cap_rrset {
    enum dane_dns_verdict verdict;
    bool has_data;
    char canon[256]; /* where CNAMEs led ("" when nowhere) */
};

/* Look name/type up and describe it: {name, type, status, rcode, nxdomain,
 * canonname, why, chain, records, signatures}. Returns the new object
 * (the caller owns it); a lookup that could not be made at all is an
 * object with status "error" and why. *info is filled when not NULL. */
json_t *cap_dns_rrset(dane_dns *dns, const char *name, int type, struct cap_rrset *info);

#endif
