/*
 * lab_addr: the address plan. One plan for the zones (A and AAAA
 * records), fakesmtp's listeners and the probes, so they cannot disagree.
 *
 * IPv4 (host loopback or the lab's namespace): NSD, Unbound and the
 * resolver on 127.53.0.x (lab_conf.h); scenario i's MX host j on
 * 127.(25 + i / 250).(i % 250 + 1).(j + 1).
 *
 * IPv6 (the lab's own namespace only): the /48 SCEN_ADDR6_PREFIX
 * (fd53::/48) is local on the namespace's loopback (lab_holder), so any
 * address in it can be bound. NSD, Unbound and the resolver on
 * fd53::53:x (LAB_ADDR6_* in lab_conf.h); scenario i's MX host j, when it
 * has the address `ipv6`, on fd53::25:<i + 1>:<j + 1> (hexadecimal
 * groups). Literal addresses a scenario gives (`address:`,
 * `addresses:`) are used as written.
 */
#ifndef LAB_ADDR_H
#define LAB_ADDR_H

#include <stdbool.h>
#include <stddef.h>

struct scen_catalog;
struct scen;

#define LAB_ADDR_LEN 48 /* an IPv4 or IPv6 address as text, with its NUL */

/* Address k (of h->addrs) of host j of catalogue scenario i, in buf. */
const char *lab_addr_host(const struct scen_catalog *cat, size_t i, size_t j, size_t k,
                          char buf[LAB_ADDR_LEN]);

/* Whether scenario s needs IPv6 (some MX host has an IPv6 address): such
 * a scenario cannot run on the host's loopback (--no-netns). */
bool lab_addr_needs_ipv6(const struct scen *s);

/* The address of the misbehaving name server (fakedns) of the zones of
 * catalogue scenario i that have `misbehave:` rules: 127.54.(i / 250).(i %
 * 250 + 1), one per scenario, so that a resolver's opinion of one
 * scenario's server (timeouts, lameness) never touches another's. */
const char *lab_addr_fakedns(size_t i, char buf[16]);

/* Whether addr is one of lab_addr_fakedns's (127.54.0.0/16). */
bool lab_addr_is_fakedns(const char *addr);

#endif
