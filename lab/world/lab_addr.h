/*
 * lab_addr: the address plan. Scenario i's MX host j listens on
 * 127.(25 + i / 250).(i % 250 + 1).(j + 1) unless the scenario gives the
 * host an address of its own; NSD, Unbound and the resolver sit on
 * addresses of their own (lab_conf). One plan for the zones (A records),
 * fakesmtp's listeners and the probes, so they cannot disagree.
 */
#ifndef LAB_ADDR_H
#define LAB_ADDR_H

#include <stddef.h>

struct scen_catalog;

/* The IPv4 address of host j of catalogue scenario i, in buf (16 bytes). */
const char *lab_addr_host(const struct scen_catalog *cat, size_t i, size_t j, char buf[16]);

#endif
