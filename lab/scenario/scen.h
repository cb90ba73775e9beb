/*
 * scen: the scenario file format (YAML, read with libyaml) and the
 * scenario catalogue. The schema is documented in danelab-scenario(5).
 *
 * scen_load() parses one file into a `struct scen`, checking every key,
 * type and value; the first problem found is returned as
 * "FILE:LINE: what is wrong" and nothing is returned half-built.
 * The struct is read-only for every other module once loaded; free it
 * with scen_free(). All names (domain, hosts, zones) are stored absolute
 * (trailing dot) and lower case.
 *
 * The types of each section of the file are declared with its parser
 * (scen_zone.h, scen_host.h, scen_timeline.h, scen_expect.h; struct
 * scen_loc and the SCEN_MAX_* limits in scen_parse.h); this header
 * includes them all and is the one other layers include.
 *
 * The catalogue (scen_catalog_*) loads every *.yaml file of one or more
 * directories and checks what only shows across files: duplicate names,
 * domains and zones. It is in name order (strcmp of the unique names),
 * whatever order the paths were given in: scen_catalog_get(c, 0), (c, 1)...
 * walk the scenarios by name, and scen_select_shard relies on it.
 */
#ifndef SCEN_H
#define SCEN_H

#include "dl_error.h"
#include "scen_clause.h"
#include "scen_expect.h"
#include "scen_host.h"
#include "scen_parse.h"
#include "scen_timeline.h"
#include "scen_zone.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scen {
    char *path;
    char *name; /* [a-z0-9-]+, unique in the catalogue */
    char *summary;
    char *domain; /* default "<name>.test." */
    /* TXT text published at _smtp._tls.<domain> (RFC 8460), by default
     * "v=TLSRPTv1; rua=mailto:tlsrpt@<domain>"; NULL for `tlsrpt: none`. */
    char *tlsrpt;
    struct scen_loc tlsrpt_loc; /* where `tlsrpt:` is written, else the domain */
    char **tags;
    size_t n_tags;
    struct scen_zone zone;   /* the domain's own zone */
    struct scen_zone *zones; /* extra zones (providers) */
    size_t n_zones;
    struct scen_host *hosts; /* MX hosts, in file order */
    size_t n_hosts;
    bool implicit_mx; /* no `mx:` key: no MX RRset (RFC 5321 implicit MX) */
    /* `domain_alias: NAME`: the domain is a CNAME to NAME (absolute), which
     * holds the MX RRset; the domain then has no zone of its own and lies
     * in one of `zones:`, as NAME does. NULL: none. */
    char *domain_alias;
    struct scen_loc domain_alias_loc;
    struct scen_cert *certs;
    size_t n_certs;
    struct scen_fault *faults;
    size_t n_faults;
    struct scen_step *timeline;
    size_t n_timeline;
    enum scen_dnssec expect_dnssec;                         /* expect: dnssec, or expect: dns: mx */
    struct scen_verdict expect_dns[SCEN_RRSET_COUNT];       /* expect: dns: (mx too) */
    struct scen_dns_by expect_dns_by[SCEN_VALIDATOR_COUNT]; /* expect: dns: VALIDATOR: */
    struct scen_expect expect[SCEN_PROFILE_COUNT];
    char *rfc[SCEN_MAX_RFC]; /* top-level `rfc:` the scenario's clauses */
    size_t n_rfc;
    struct scen_clause_ref *clauses; /* `clauses:` IDs of the clause list, in file order */
    size_t n_clauses;
    struct scen_loc loc; /* where `name:` is written (catalogue messages) */
};

/* Whether some profile has a `retry:` expectation (the runner then drives
 * the retry schedule with the timeline applied). */
bool scen_has_retry(const struct scen *s);

/* Whether a name server of the scenario's zones drops queries on
 * purpose (`misbehave:` answer drop): its checks wait for resolvers to
 * time out, seconds where others take milliseconds. */
bool scen_has_timeouts(const struct scen *s);

/* The faults in force at virtual time `at` (those of the last step due
 * that sets faults, else the scenario's own); *index is that step's index,
 * or -1 for the scenario's own. */
const struct scen_fault *scen_faults_at(const struct scen *s, int64_t at, size_t *n, int *index);

/* The MX hosts in force after timeline step `index` (-1: the scenario's
 * own): a new array of s->n_hosts hosts, copies of s->hosts with the
 * changes of steps 0..index applied in order. Strings and arrays in it are
 * borrowed from s: free the array alone, with free(). NULL when the
 * scenario has no hosts. */
struct scen_host *scen_hosts_at(const struct scen *s, int index);

/* Parse and check one file: a regular file of at most 1 MiB (a FIFO or a
 * device is refused, not waited on), then scen_load_mem. On
 * success *out owns a new scenario. */
int scen_load(const char *path, struct scen **out, struct dl_error *err);

/* Parse and check the `len` bytes at `text` (need not end in a NUL) as the
 * content of file `path`, which is not opened: messages start with it and
 * the scenario's name must match its base name. Refuses more than 1 MiB
 * (scen_load's bound) with "PATH: more than N bytes". Nothing is read or written
 * elsewhere: the fuzz harness (tests/fuzz/fuzz_scen.c) loads its inputs
 * this way. On success *out owns a new scenario. */
int scen_load_mem(const char *path, const char *text, size_t len, struct scen **out,
                  struct dl_error *err);
void scen_free(struct scen *s);

/* The DNSSEC verdict to expect: expect_dnssec when set, else derived from
 * the domain zone (signed with DS: secure; otherwise insecure). */
enum scen_dnssec scen_expected_dnssec(const struct scen *s);

/* The verdict validator v must give for RRset r: its own
 * (expect_dns_by[v]) where stated, else expect_dns[r] (for mx:
 * scen_expected_dnssec). verdict SCEN_DNSSEC_UNSET: not checked. */
struct scen_verdict scen_expected_dns(const struct scen *s, enum scen_rrset r,
                                      enum scen_validator v);

typedef struct scen_catalog scen_catalog;

/* Load every *.yaml file of each directory (or a single file). Stops at the
 * first broken file (lint reports them all through scen_load itself). */
int scen_catalog_load(const char *const *paths, size_t n_paths, scen_catalog **out,
                      struct dl_error *err);
size_t scen_catalog_count(const scen_catalog *c);
const struct scen *scen_catalog_get(const scen_catalog *c, size_t i); /* sorted by name */
const struct scen *scen_catalog_find(const scen_catalog *c, const char *name);
void scen_catalog_free(scen_catalog *c);

#endif
