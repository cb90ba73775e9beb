/*
 * scen_expect: what a scenario expects (`expect:`): the DNSSEC verdicts
 * of the RRsets a client looks up (`dnssec:`, `dns:`), and under each
 * profile the outcome a delivering client must reach (the single form or
 * `any:` with `rfc:` naming the clause that leaves the choice), what a
 * probing client sees (`probe:`) and the retry schedule's final
 * disposition (`retry:`). scen_accept_match() compares an observed
 * outcome with an expectation.
 *
 * Types and the scen_profile_*, scen_dnssec_name, scen_rrset_name and
 * scen_accept_* functions are public through scen.h; the parser is for
 * scen.c.
 */
#ifndef SCEN_EXPECT_H
#define SCEN_EXPECT_H

#include "dane_outcome.h"
#include "scen_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The validators a scenario may state verdicts of its own for: the
 * lab's resolvers (danelab up --resolver). */
enum scen_validator {
    SCEN_VALIDATOR_UNBOUND,
    SCEN_VALIDATOR_BIND,
    SCEN_VALIDATOR_KNOT,
    SCEN_VALIDATOR_PDNS,
    SCEN_VALIDATOR_COUNT
};
/* "unbound", "bind", "knot", "pdns"; NULL for an out-of-range value. */
const char *scen_validator_name(enum scen_validator v);
/* Returns the validator or -1 for an unknown name. */
int scen_validator_lookup(const char *name);

/* One declared verdict. */
struct scen_verdict {
    struct scen_loc loc;
    enum scen_dnssec verdict; /* SCEN_DNSSEC_UNSET: not declared, not checked */
    char *reason;             /* bogus: a keyword the validator's reason contains */
};

/* `expect: dns: VALIDATOR: {RRSET: VERDICT..., why: TEXT, ref: TEXT}`:
 * the verdicts one validator gives where validators legitimately differ
 * (an RFC leaves the choice, or the validator documents its own
 * behaviour), with why it differs and where that is written. */
struct scen_dns_by {
    struct scen_loc loc;
    bool set;
    struct scen_verdict dns[SCEN_RRSET_COUNT]; /* UNSET: the general verdict applies */
    char *why;
    char *ref;
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

/* `expect:` (n NULL when absent) into *dnssec (`dnssec:`, or `dns: mx:`),
 * dns[] (`dns:`; the verdicts other than mx need c->hosts), by[] (`dns:
 * VALIDATOR:`) and expect[] (one per profile given). What is set is freed
 * by scen_expect_clear, scen_dns_by_clear and free(dns[r].reason), also
 * after an error. */
int scen_expect_parse(struct scen_parse *c, yaml_node_t *n, enum scen_dnssec *dnssec,
                      struct scen_verdict dns[SCEN_RRSET_COUNT],
                      struct scen_dns_by by[SCEN_VALIDATOR_COUNT],
                      struct scen_expect expect[SCEN_PROFILE_COUNT]);

/* Free what b holds (not b itself). */
void scen_dns_by_clear(struct scen_dns_by *b);

/* Free what e holds (not e itself). */
void scen_expect_clear(struct scen_expect *e);

#endif
