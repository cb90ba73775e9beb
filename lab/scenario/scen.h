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
 * The catalogue (scen_catalog_*) loads every *.yaml file of one or more
 * directories and checks what only shows across files: duplicate names,
 * domains and zones. It is in name order (strcmp of the unique names),
 * whatever order the paths were given in: scen_catalog_get(c, 0), (c, 1)...
 * walk the scenarios by name, and scen_select_shard relies on it.
 */
#ifndef SCEN_H
#define SCEN_H

#include "dane_outcome.h"
#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where something was written: points into scen->path. */
struct scen_loc {
    const char *file;
    unsigned line;
};

enum scen_profile { SCEN_PROFILE_RFC7672, SCEN_PROFILE_EXCHANGE_ONLINE, SCEN_PROFILE_COUNT };
/* "rfc7672", "exchange-online"; NULL for an out-of-range value. */
const char *scen_profile_name(enum scen_profile p);
/* Returns the profile or -1 for an unknown name. */
int scen_profile_lookup(const char *name);
/* The client profile that plays scenario profile p: its outcome codes and
 * its retry schedule (dane_retry.h). */
enum dane_profile scen_profile_client(enum scen_profile p);

/* Verdict a validating resolver gives for one RRset. */
enum scen_dnssec {
    SCEN_DNSSEC_UNSET = 0, /* not stated (the MX verdict is then derived) */
    SCEN_DNSSEC_SECURE,    /* validated data */
    SCEN_DNSSEC_INSECURE,  /* provably unsigned (data or not) */
    SCEN_DNSSEC_BOGUS,     /* validation failed */
    SCEN_DNSSEC_SERVFAIL,  /* no answer (SERVFAIL), not bogus */
    SCEN_DNSSEC_NXDOMAIN,  /* secure: the name provably does not exist */
    SCEN_DNSSEC_NODATA,    /* secure: the name exists, provably without the type */
};
const char *scen_dnssec_name(enum scen_dnssec d); /* "secure", ... */

/* The RRsets `expect: dns:` speaks of: the domain's MX RRset (its A RRset
 * for an implicit MX), and the first MX host's A, TLSA and AAAA RRsets. */
enum scen_rrset { SCEN_RRSET_MX, SCEN_RRSET_A, SCEN_RRSET_TLSA, SCEN_RRSET_AAAA, SCEN_RRSET_COUNT };
const char *scen_rrset_name(enum scen_rrset r); /* "mx", "a", "tlsa", "aaaa" */

/* One declared verdict. */
struct scen_verdict {
    struct scen_loc loc;
    enum scen_dnssec verdict; /* SCEN_DNSSEC_UNSET: not declared, not checked */
    char *reason;             /* bogus: a keyword the validator's reason contains */
};

/* One DNS record in zone-file syntax, checked with ldns at load time. */
struct scen_record {
    struct scen_loc loc;
    char *text; /* one record; relative owners are relative to its zone's origin */
};

/* A zone the scenario owns: its domain's zone, or an extra (provider) zone. */
struct scen_zone {
    struct scen_loc loc;         /* where its name is written (domain:, else name:) */
    char *origin;                /* "good.test." */
    bool is_signed;              /* default true */
    bool ds;                     /* the parent publishes DS (default: is_signed) */
    int algorithm;               /* DNSSEC algorithm number: 13 (default), 8, 15 */
    bool nsec3;                  /* denial: nsec (default) or nsec3 */
    uint16_t nsec3_iterations;   /* default 0 (RFC 9276) */
    char *nsec3_salt;            /* hex, or NULL for none */
    struct scen_record *records; /* extra records for this zone */
    size_t n_records;
    int64_t validity; /* `zone: validity:` RRSIG validity in seconds for the
                         runner's timeline builds; 0: the builder's default */
};

/* Placeholder until the certificates issue: parsed and checked, not built. */
struct scen_cert {
    struct scen_loc loc;
    char *name;   /* key in `certificates:` */
    char *key;    /* "ecdsa-p256" (default), "rsa2048", "rsa3072", "ed25519" */
    char *issuer; /* NULL: self-signed; else the name of another certificate */
    bool ca;      /* may issue certificates */
    char **names; /* subject alternative names; default: the first MX host */
    size_t n_names;
    int64_t not_before; /* seconds relative to the lab's now (default -1d) */
    int64_t not_after;  /* seconds relative to the lab's now (default 365d) */
};

/* One TLSA record for a host: literal RDATA, or computed from a certificate. */
struct scen_tlsa {
    struct scen_loc loc;
    uint16_t port;                 /* default 25: the record is at _PORT._tcp.HOST */
    char *literal;                 /* "3 1 1 ab12..." RDATA text, or NULL */
    int usage, selector, matching; /* computed form */
    char *of;                      /* certificate name (computed form), or NULL */
};

/* What the fake SMTP server does for a host (placeholder until fakesmtp). */
enum scen_starttls {
    SCEN_STARTTLS_OFFER = 0, /* advertise and accept (default) */
    SCEN_STARTTLS_NONE,      /* not advertised */
    SCEN_STARTTLS_REJECT,    /* advertised, answered 454 */
    SCEN_STARTTLS_CLOSE,     /* advertised, connection closed */
};
const char *scen_starttls_name(enum scen_starttls s);

/* A deliberate TLS handshake fault of the host's server (fakesmtp tls.fault). */
enum scen_tls_fault {
    SCEN_TLS_FAULT_NONE = 0,          /* default */
    SCEN_TLS_FAULT_ABORT_AFTER_HELLO, /* handshake_failure alert after the ClientHello */
    SCEN_TLS_FAULT_WRONG_KEY,         /* presents its certificate, signs with another key */
};
const char *scen_tls_fault_name(enum scen_tls_fault f);

/* Which chain the host presents (cert_set.h, enum cert_chain_kind). */
enum scen_chain {
    SCEN_CHAIN_SERVED = 0,      /* leaf and intermediates, no root (default) */
    SCEN_CHAIN_LEAF,            /* the leaf alone */
    SCEN_CHAIN_FULL,            /* leaf, intermediates and the self-signed root */
    SCEN_CHAIN_NO_INTERMEDIATE, /* leaf and root: the intermediates forgotten */
};
const char *scen_chain_name(enum scen_chain c);

/* SMTP steps whose reply a scenario may replace (fakesmtp reply). */
enum scen_reply_step {
    SCEN_REPLY_MAIL,
    SCEN_REPLY_RCPT,
    SCEN_REPLY_DATA,
    SCEN_REPLY_DOT,
    SCEN_REPLY_COUNT
};
const char *scen_reply_step_name(enum scen_reply_step r); /* "mail", ... */

/* A certificate the host presents when the client's SNI is `name`. */
struct scen_sni {
    struct scen_loc loc;
    char *name;        /* absolute, lower case: "alt.good.test." */
    char *certificate; /* a name of certificates */
};

struct scen_host {
    struct scen_loc loc;
    char *name;          /* "mx1.good.test." */
    uint16_t preference; /* default 10 */
    char *address;       /* IPv4 literal, or NULL: the lab allocates 127.25.S.H */
    char *certificate;   /* certificate presented, or NULL */
    enum scen_starttls starttls;
    enum scen_tls_fault tls_fault;
    enum scen_chain chain;
    char *reply[SCEN_REPLY_COUNT]; /* "550 5.7.1 text" instead of accepting, or NULL */
    struct scen_sni *sni;
    size_t n_sni;
    struct scen_tlsa *tlsa;
    size_t n_tlsa;
    /* `tlsa_at: original`: with mx-cname or mx-cname-insecure, the TLSA
     * records stay at _PORT._tcp.<host> (the alias's own name, in the
     * signed domain zone) instead of moving to the CNAME target, so a
     * client must look them up at the unexpanded name (RFC 7672 2.2.2). */
    bool tlsa_at_original;
    struct scen_loc tlsa_at_loc;
};

/* A DNS fault to inject (names: zone_fault.h); checked against that table. */
struct scen_fault {
    struct scen_loc loc;
    char *name;   /* "rrsig-expired" */
    char *target; /* what it hits: "tlsa" (default), "mx", "a", "aaaa", "dnskey", "ds", "zone" */
    char *host;   /* MX host for host-specific targets, or NULL for the first */
};

/* One MX host's change in a timeline step (`hosts:`): only the keys
 * given change; the others keep the value in force before the step. */
struct scen_host_change {
    struct scen_loc loc;
    size_t host;       /* index in scen->hosts */
    char *certificate; /* a name of certificates, or NULL: unchanged */
    bool has_starttls, has_tls_fault, has_chain, has_tlsa;
    enum scen_starttls starttls;
    enum scen_tls_fault tls_fault;
    enum scen_chain chain;
    struct scen_tlsa *tlsa; /* has_tlsa: the host's records from now on */
    size_t n_tlsa;
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

/* `retry: codes:` one attempt the retry schedule makes at `at`. */
struct scen_attempt {
    struct scen_loc loc;
    int64_t at; /* seconds after the first attempt */
    char *code; /* "4.7.324" */
};

/* `expect: PROFILE: retry:` the profile's retry schedule run on the
 * virtual clock (dane_retry.h) with the timeline applied: the final disposition, how
 * many attempts, when the last one was made, and codes at given times. */
struct scen_retry {
    struct scen_loc loc;
    bool set;
    char *status;      /* final: "delivered" or "bounced" */
    char *code;        /* final code */
    char *reason;      /* final fine reason, or NULL */
    unsigned attempts; /* 0: not checked */
    int64_t at;        /* offset of the last attempt; -1: not checked */
    struct scen_attempt *codes;
    size_t n_codes;
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
#define SCEN_MAX_ZONES   16   /* zones: */
#define SCEN_MAX_RECORDS 4096 /* records of one zone */
#define SCEN_MAX_FAULTS  32   /* faults:, and a timeline step's faults: */
#define SCEN_MAX_STEPS   64   /* timeline: */
#define SCEN_MAX_CODES   64   /* retry: codes: */
#define SCEN_MAX_TAGS    32   /* tags: */

#define SCEN_MAX_ALTERNATIVES 8 /* `any:` outcomes of one expectation */
#define SCEN_MAX_RFC          8 /* clauses of one `rfc:` key */

/* One acceptable outcome. */
struct scen_outcome {
    struct scen_loc loc;
    char *status; /* "delivered", "deferred", "bounced" */
    char *code;   /* "2.0.0", "4.7.324" ... (its class is the status's) */
    char *reason; /* fine reason, or NULL: not checked */
    char *tlsrpt; /* RFC 8460 result-type, or NULL: not checked */
    char *note;   /* why this outcome conforms (a seed sentence...), or NULL */
};

/* The outcomes an expectation accepts: one (the single form
 * `{status, code, reason, tlsrpt}`) or each of `any:`. Where the RFC (or
 * the seeds) leave a choice, every conforming outcome is listed and
 * `rfc:` names the clause. */
struct scen_accept {
    struct scen_loc loc;
    bool set;
    struct scen_outcome alt[SCEN_MAX_ALTERNATIVES];
    size_t n_alt;
    char *rfc[SCEN_MAX_RFC]; /* "RFC 7672 2.2.2 (MAY)" as written */
    size_t n_rfc;
};

/* Expected outcome under one profile; set is false when the profile is
 * unset. `deliver` is what a delivering client (one that sends the
 * message: an MTA, dane-client --deliver) must do; `probe` (optional,
 * `probe:`) what a probing client sees that quits before MAIL FROM. */
struct scen_expect {
    struct scen_loc loc;
    bool set;
    struct scen_accept deliver;
    struct scen_accept probe;
    struct scen_retry retry; /* the retry timeline (unset: first attempt only) */
};

/* Which alternative of `a` the observed outcome meets (reason and tlsrpt
 * only where the alternative states them; NULL observed values meet no
 * stated one): its index, or -1 with what differs from the closest one in
 * why ("expected deferred 4.7.323, observed delivered 2.0.0"). */
int scen_accept_match(const struct scen_accept *a, const char *status, const char *code,
                      const char *reason, const char *tlsrpt, char *why, size_t len);

/* Whether some alternative of `a` has status `status`. */
bool scen_accept_allows(const struct scen_accept *a, const char *status);

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
    struct scen_cert *certs;
    size_t n_certs;
    struct scen_fault *faults;
    size_t n_faults;
    struct scen_step *timeline;
    size_t n_timeline;
    enum scen_dnssec expect_dnssec;                   /* expect: dnssec, or expect: dns: mx */
    struct scen_verdict expect_dns[SCEN_RRSET_COUNT]; /* expect: dns: (mx too) */
    struct scen_expect expect[SCEN_PROFILE_COUNT];
    char *rfc[SCEN_MAX_RFC]; /* top-level `rfc:` the scenario's clauses */
    size_t n_rfc;
    struct scen_loc loc; /* where `name:` is written (catalogue messages) */
};

/* Whether some profile has a `retry:` expectation (the runner then drives
 * the retry schedule with the timeline applied). */
bool scen_has_retry(const struct scen *s);

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

/* Parse and check one file. On success *out owns a new scenario. */
int scen_load(const char *path, struct scen **out, struct dl_error *err);
void scen_free(struct scen *s);

/* The DNSSEC verdict to expect: expect_dnssec when set, else derived from
 * the domain zone (signed with DS: secure; otherwise insecure). */
enum scen_dnssec scen_expected_dnssec(const struct scen *s);

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
