/*
 * lab_ip6: IPv6 inside the lab's own network namespace. The lab's /48
 * (SCEN_ADDR6_PREFIX, lab_addr.h) is made local on the loopback: a route
 * of type local (as `ip -6 route add local fd53::/48 dev lo` would add,
 * here through rtnetlink) so that packets to any address in it are
 * delivered on this host, and net.ipv6.ip_nonlocal_bind set in the
 * namespace so that NSD, Unbound and fakesmtp can bind any of them
 * without each address being assigned first. IPv4 needs neither:
 * 127.0.0.0/8 is local on the loopback already.
 *
 * Only for a namespace of the lab's own (never the host's: --no-netns
 * runs without IPv6 scenarios); the caller has brought the loopback up.
 */
#ifndef LAB_IP6_H
#define LAB_IP6_H

#include "dl_error.h"

/* Make prefix/len (an IPv6 network) local on "lo" and allow binding its
 * addresses. 0, or -1 with err. */
int lab_ip6_local(const char *prefix, unsigned len, struct dl_error *err);

#endif
