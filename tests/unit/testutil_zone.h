/*
 * testutil_zone: helpers the zone unit tests share (check_zone_tree,
 * check_zone_fault*, testutil_zone_fault) to read what a build wrote.
 */
#ifndef TESTUTIL_ZONE_H
#define TESTUTIL_ZONE_H

#include <ldns/ldns.h>
#include <stddef.h>

/* Clones of the records of `all` of `type` owned by `owner` (any owner
 * when NULL); the caller frees the list. */
ldns_rr_list *tu_select_rrs(const ldns_rr_list *all, const char *owner, ldns_rr_type type);

/* How many records tu_select_rrs would return. */
size_t tu_count_rrs(const ldns_rr_list *all, const char *owner, ldns_rr_type type);

/* Every record of the zone file at `path`, its SOA last (asserted to
 * parse); the caller deep-frees. */
ldns_rr_list *tu_read_zone_file(const char *path);

/* A clone of the KSK (flags 257) DNSKEY of zone `origin` in `all`
 * (asserted to exist); the caller frees. */
ldns_rr *tu_find_ksk(const ldns_rr_list *all, const char *origin);

#endif
