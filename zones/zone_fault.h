/*
 * zone_fault: the catalogue of DNS faults the zone builder can inject
 * (see the DNS fault issue and danelab-scenario(5)). This table is the one
 * place a fault's name lives; the scenario parser checks names against it.
 */
#ifndef ZONE_FAULT_H
#define ZONE_FAULT_H

#include <stdbool.h>
#include <stddef.h>

struct zone_fault_info {
    const char *name;    /* "rrsig-expired" */
    const char *summary; /* one line for `danelab list` and the man page */
    bool implemented;    /* false: named in the catalogue, not built yet */
};

/* The fault named `name`, or NULL. */
const struct zone_fault_info *zone_fault_lookup(const char *name);
/* All faults, in documentation order. */
const struct zone_fault_info *zone_fault_all(size_t *n);

#endif
