/*
 * lab_probe: is a DNS server answering? One UDP query (SOA for a name) to
 * ADDR:PORT, retried until a deadline; used to know when NSD and Unbound
 * are ready and by `danelab status`.
 */
#ifndef LAB_PROBE_H
#define LAB_PROBE_H

#include "dl_error.h"

/* Query `qname` SOA at addr:port, resending every 200 ms, until an answer
 * with the query's ID arrives or timeout_ms passes. rd: set the Recursion
 * Desired bit (for a resolver). Returns 0 when answered, with the answer's
 * RCODE in *rcode (which the caller judges); -1 with "addr:port: no answer
 * to QNAME SOA within N ms (last: reason)" otherwise. */
int lab_probe_dns(const char *addr, unsigned port, const char *qname, int rd, int timeout_ms,
                  int *rcode, struct dl_error *err);

#endif
