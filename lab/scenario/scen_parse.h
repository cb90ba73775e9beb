/*
 * scen_parse: what the section parsers of a scenario file share
 * (scen_zone, scen_host, scen_timeline, scen_expect; scen.c drives them in
 * a fixed order): where something was written (struct scen_loc), the list
 * limits, the parse context, and readers of tokens, DNS names, string
 * lists and free text built on scen_yaml.h.
 *
 * Internal to lab/scenario, except struct scen_loc and the SCEN_MAX_*
 * limits, which scen.h passes on to the other layers. Every reader
 * reports its first problem in c->err as "FILE:LINE: ..." and returns -1;
 * a NULL node is an absent key (0, nothing written) unless said otherwise.
 */
#ifndef SCEN_PARSE_H
#define SCEN_PARSE_H

#include "dl_error.h"
#include "scen_yaml.h"

#include <stdbool.h>
#include <stddef.h>

/* Where something was written: points into scen->path. */
struct scen_loc {
    const char *file;
    unsigned line;
};

/* Lengths of lists in one scenario (danelab-scenario(5), LIMITS): far
 * above what a test world needs, low enough that the checks across items
 * (duplicate hosts, SNI names and certificates, issuer chains: a few
 * comparisons per pair) stay cheap. */
#define SCEN_MAX_HOSTS   64   /* mx:, and a timeline step's hosts: */
#define SCEN_MAX_CERTS   64   /* certificates: */
#define SCEN_MAX_NAMES   64   /* names: of one certificate */
#define SCEN_MAX_CHAIN   16   /* certificates from a leaf up to its self-signed root */
#define SCEN_MAX_TLSA    256  /* tlsa: of one host */
#define SCEN_MAX_SNI     64   /* sni: of one host */
#define SCEN_MAX_ADDRS   4    /* addresses: of one host */
#define SCEN_MAX_ZONES   16   /* zones: */
#define SCEN_MAX_RECORDS 4096 /* records of one zone */
#define SCEN_MAX_FAULTS  32   /* faults:, and a timeline step's faults: */
#define SCEN_MAX_STEPS   64   /* timeline: */
#define SCEN_MAX_CODES   64   /* retry: codes: */
#define SCEN_MAX_TAGS    32   /* tags: */

/* The IPv6 range of the lab (a /48 on the loopback of its namespace):
 * literal IPv6 host addresses must lie in it; IPv4 ones in 127.0.0.0/8. */
#define SCEN_ADDR6_PREFIX "fd53::"

#define SCEN_MAX_ALTERNATIVES 8 /* `any:` outcomes of one expectation */
#define SCEN_MAX_RFC          8 /* clauses of one `rfc:` key */

/* TTL of the records a scenario writes without one. */
#define SCEN_RECORD_TTL 300

struct scen_cert;
struct scen_host;

/* One file being parsed. Keys are read in a fixed order so that later
 * keys can refer to what earlier ones defined; scen.c fills in domain,
 * certs and hosts as soon as they are read. Everything is borrowed from
 * the scenario being built. */
struct scen_parse {
    const struct scen_yaml *y;
    const char *path;              /* the scenario's own copy (locations point into it) */
    const char *domain;            /* absolute, lower case; NULL before `domain:` */
    const struct scen_cert *certs; /* `certificates:` */
    size_t n_certs;
    const struct scen_host *hosts; /* `mx:` */
    size_t n_hosts;
    struct dl_error *err;
};

/* Where node n is written. */
struct scen_loc scen_parse_loc(const struct scen_parse *c, const yaml_node_t *n);

/* A token-valued string ([a-z0-9][a-z0-9-]*, at most 63 characters):
 * *out points into the document. */
int scen_parse_token(struct scen_parse *c, const yaml_node_t *n, const char *key, const char **out);

/* A lower-case copy of s; the caller frees it. */
char *scen_parse_lower(const char *s);

/* Absolute lower-case name, newly allocated: "mx1" (no dot) is relative
 * to origin (when origin is not NULL), "a.b" gets a trailing dot, "a.b."
 * is kept. */
char *scen_parse_absolute(const char *name, const char *origin);

/* A DNS name at key (required: n must not be NULL), made absolute against
 * origin and checked to lie under test. The caller frees *out. */
int scen_parse_dname(struct scen_parse *c, const yaml_node_t *n, const char *key,
                     const char *origin, char **out);

/* The array for the list at key (n not NULL; at most max items): a new
 * zeroed array of *len items of `size` bytes, never NULL (dl_xcalloc);
 * NULL when n is no such list, *len then unchanged. The caller fills it
 * item by item, so that its free function can release a half-filled one. */
void *scen_parse_array(struct scen_parse *c, const yaml_node_t *n, const char *key, size_t max,
                       size_t size, size_t *len);

/* A list of at most max strings at key (required), lower-cased, each a
 * token when `tokens`: a new array of copies, freed with
 * scen_parse_free_strings(). */
int scen_parse_strings(struct scen_parse *c, const yaml_node_t *n, const char *key, bool tokens,
                       size_t max, char ***out, size_t *n_out);
void scen_parse_free_strings(char **v, size_t n);

/* A free text (note:, an rfc: clause): one line of 1 to 512 printable
 * characters; *out a copy. */
int scen_parse_text(struct scen_parse *c, const yaml_node_t *n, const char *key, char **out);

/* rfc: "RFC 7672 2.2.2" or a list of 1 to SCEN_MAX_RFC such clauses into
 * rfc[] (copies), their count in *n_rfc. */
int scen_parse_rfc(struct scen_parse *c, yaml_node_t *n, char **rfc, size_t *n_rfc);

#endif
