/*
 * scen_timeline: the DNS faults of a scenario (`faults:`, names and
 * targets checked against zone_fault.h) and its timeline (`timeline:`):
 * steps at virtual times that replace the faults in force or change MX
 * hosts (scen_host.h). The checks across keys that involve faults live
 * here too: which faults may change on the timeline, what a host does
 * after each step, and `tlsa_at: original` only on a CNAME host.
 *
 * Types are public through scen.h; the parsers are for scen.c.
 */
#ifndef SCEN_TIMELINE_H
#define SCEN_TIMELINE_H

#include "scen_host.h"
#include "scen_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A DNS fault to inject (names: zone_fault.h); checked against that table. */
struct scen_fault {
    struct scen_loc loc;
    char *name;   /* "rrsig-expired" */
    char *target; /* what it hits: "tlsa" (default), "mx", "a", "aaaa", "dnskey", "ds", "zone" */
    char *host;   /* MX host for host-specific targets, or NULL for the first */
};

/* A timeline step: at virtual time `at` after the first attempt, the world
 * changes: when has_faults, its faults replace the scenario's own (and
 * those of earlier steps) from then on. Only faults that act inside the
 * scenario's own zones are allowed (no DS, delegation or zone-set change).
 * Host changes accumulate: the hosts in force after a step are the
 * scenario's own with the changes of every step up to it applied in order
 * (scen_hosts_at). */
struct scen_step {
    struct scen_loc loc;
    int64_t at; /* seconds */
    char *note;
    bool has_faults; /* `faults:` given (an empty list removes every fault) */
    struct scen_fault *faults;
    size_t n_faults;
    struct scen_host_change *hosts; /* `hosts:` */
    size_t n_hosts;
};

/* A list of faults (`faults:` of the scenario or of a step; n NULL when
 * absent): a new array allocated at its full length before it is filled;
 * hosts named relative to c->domain, among c->hosts. Free with
 * scen_timeline_free_faults. */
int scen_timeline_parse_faults(struct scen_parse *c, const yaml_node_t *n, struct scen_fault **out,
                               size_t *n_out);
void scen_timeline_free_faults(struct scen_fault *f, size_t n);

/* `timeline:` (n NULL when absent): steps in strictly increasing time.
 * Free with scen_timeline_free. */
int scen_timeline_parse(struct scen_parse *c, const yaml_node_t *n, struct scen_step **out,
                        size_t *n_out);
void scen_timeline_free(struct scen_step *steps, size_t n);

/* The checks across keys, once everything is read: with a timeline that
 * changes anything, every fault (the scenario's and the steps') acts
 * inside the scenario's own zones; after each step a TLS fault still has
 * a handshake; a mx-dname fault only on a host below a subdomain of the
 * domain (mx1.mail.<domain>); `tlsa_at: original` only on a host that a mx-cname fault
 * makes a CNAME. */
int scen_timeline_check(struct scen_parse *c, const struct scen_fault *faults, size_t n_faults,
                        const struct scen_step *steps, size_t n_steps);

/* The MX hosts in force after step `index` (-1: hosts as given): a new
 * array of n_hosts copies with the changes of steps 0..index applied in
 * order, borrowing every string and array (free the array alone); NULL
 * when n_hosts is 0. */
struct scen_host *scen_timeline_hosts_at(const struct scen_host *hosts, size_t n_hosts,
                                         const struct scen_step *steps, size_t n_steps, int index);

#endif
