/*
 * lab_plan: from the scenario catalogue to the lab's DNS world. Declares
 * the lab root "." and the TLD "test." (served by nsd-parent), each
 * scenario's domain zone and extra zones (served by nsd-child), and their
 * records: MX, the MX hosts' addresses, TLSA, and the scenarios' own
 * records. Host addresses come from the scenario or are allocated as
 * 127.25.S.H (S: the scenario's place in the catalogue, H: the host's).
 *
 * Faults go to the zone builder (zone_tree_add_fault); a few change the
 * shape of the world here: lame-delegation (the domain's zone lame: its
 * name server answers REFUSED), tlsa-servfail (a zone _tcp.<host>), mx-cname and
 * mx-cname-insecure (the host a CNAME into the provider zone).
 */
#ifndef LAB_PLAN_H
#define LAB_PLAN_H

#include "dl_error.h"
#include "scen.h"
#include "lab_smtp.h"
#include "zone_tree.h"

#include <stdint.h>
#include <time.h>

struct lab_plan_opts {
    const char *run_dir;
    time_t now;           /* signing time */
    const lab_smtp *smtp; /* certificates, for computed TLSA records; may be NULL */
};

/* Build (incrementally) every zone of the catalogue; on success *out is the
 * built tree, which the caller frees with zone_tree_free(). */
int lab_plan_build(const scen_catalog *cat, const struct lab_plan_opts *o, zone_tree **out,
                   struct zone_tree_stats *stats, struct dl_error *err);

/* Build catalogue scenario i alone, for one state of its timeline: its
 * zones with the faults `faults` instead of its own and, unless NULL, the
 * MX hosts `hosts` (s->n_hosts of them, scen_hosts_at) instead of its own
 * (their TLSA records; names and addresses stay the scenario's), signed
 * at o->now with RRSIG validity `validity` (0: the default), with the lab
 * root and TLD around them (for the DS records; their files are not
 * used), into the scratch directory `dir` (dir/zones/, and dir/keys a link
 * to the lab's keys, so that the DS in the lab's TLD still matches). On
 * success *out is the tree, which the caller frees with zone_tree_free(). */
int lab_plan_build_scenario(const scen_catalog *cat, size_t i, const struct lab_plan_opts *o,
                            const struct scen_fault *faults, size_t n_faults,
                            const struct scen_host *hosts, uint32_t validity, const char *dir,
                            zone_tree **out, struct dl_error *err);

/* The owner name of the RRset fault `f` hits in scenario `s` (the caller
 * frees it), with its RR type in *type (0: the whole zone at that apex);
 * NULL when the target needs an MX host and the scenario has none. */
char *lab_plan_fault_owner(const struct scen *s, const struct scen_fault *f, uint16_t *type);

/* For a host hit by mx-cname, mx-cname-insecure or mx-dname: the (for
 * mx-dname, synthesised) CNAME target, the host's first label in the
 * scenario's first extra (provider) zone (the caller frees it); else NULL. */
char *lab_plan_cname_target(const struct scen *s, const struct scen_host *h);

/* Where host h's address records are, and its TLSA records unless
 * `tlsa_at: original`: the lab_plan_cname_target above; for the host of
 * an implicit-MX domain that is a CNAME (implicit_mx with domain_alias),
 * the alias target; else the host's own name. The caller frees it. */
char *lab_plan_records_at(const struct scen *s, const struct scen_host *h);

#endif
