/*
 * lab_addr: the address plan. Scenario i's MX host j listens on
 * 127.(25 + i / 250).(i % 250 + 1).(j + 1) unless the scenario gives the
 * host an address of its own; NSD, Unbound and the resolver sit on
 * addresses of their own (lab_conf). One plan for the zones (A records),
 * fakesmtp's listeners and the probes, so they cannot disagree.
 */
#ifndef LAB_ADDR_H
#define LAB_ADDR_H

#include <stdbool.h>
#include <stddef.h>

struct scen_catalog;

/* The IPv4 address of host j of catalogue scenario i, in buf (16 bytes). */
const char *lab_addr_host(const struct scen_catalog *cat, size_t i, size_t j, char buf[16]);

/* The address of the misbehaving name server (fakedns) of the zones of
 * catalogue scenario i that have `misbehave:` rules: 127.54.(i / 250).(i %
 * 250 + 1), one per scenario, so that a resolver's opinion of one
 * scenario's server (timeouts, lameness) never touches another's. */
const char *lab_addr_fakedns(size_t i, char buf[16]);

/* Whether addr is one of lab_addr_fakedns's (127.54.0.0/16). */
bool lab_addr_is_fakedns(const char *addr);

#endif
