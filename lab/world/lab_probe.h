/*
 * lab_probe: is a DNS server answering? One UDP query (SOA for a name) to
 * ADDR:PORT, retried until a deadline; used to know when NSD and Unbound
 * are ready and by `danelab status`; and the SOA serial a server gives,
 * to know when it has reloaded a zone.
 */
#ifndef LAB_PROBE_H
#define LAB_PROBE_H

#include "dl_error.h"

#include <ldns/ldns.h>
#include <stdint.h>

/* Query `qname` SOA at addr:port, resending every 200 ms, until an answer
 * with the query's ID arrives or timeout_ms passes. rd: set the Recursion
 * Desired bit and the AD bit (for a resolver: RFC 6840 5.7, a query with
 * AD set asks for AD in the answer). Returns 0 when answered, with the
 * answer's RCODE in *rcode (which the caller judges) and its AD bit in
 * *ad (when ad is not NULL: 1 for validated data); -1 with "addr:port: no
 * answer to QNAME SOA within N ms (last: reason)" otherwise. */
int lab_probe_dns(const char *addr, unsigned port, const char *qname, int rd, int timeout_ms,
                  int *rcode, int *ad, struct dl_error *err);

/* An ldns resolver for one of the lab's authoritative servers at addr,
 * port 53: no recursion, one try, a 1 s timeout. The caller frees it
 * (ldns_resolver_deep_free). */
ldns_resolver *lab_probe_resolver(const char *addr);

/* The SOA serial `res` serves for origin (its answer section), or -1:
 * used to wait until NSD has loaded a zone file's new version. */
int64_t lab_probe_serial(ldns_resolver *res, const char *origin);

#endif
