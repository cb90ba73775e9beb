/*
 * imp_dig: the text of dig(1) (`dig +dnssec +multi NAME TYPE`, plain
 * `dig`, several answers one after another, several files) as DNS
 * evidence for `danelab import --dig`. Read as hostile input (imp_text
 * bounds the file and its lines): at most IMP_DIG_MAX_MSGS answers, each
 * with at most IMP_DIG_MAX_RR records in its answer section, a record at
 * most IMP_TEXT_MAX_LINE bytes across its lines; every record of a type
 * a scenario is made of is parsed by ldns (another type is a note, not
 * read). Anything malformed is an error "FILE:LINE: what"; a line of
 * dig's that is not understood, and an unknown section, is a note (not
 * reproduced), never dropped silently.
 *
 * What dig's text tells and what it does not: the answer's rcode, its
 * flags (ad: the resolver validated it; cd: it was asked not to), the
 * extended DNS error (RFC 8914) a validator attached, the records and the
 * CNAME/DNAME chain. imp_dig_rrset() turns one answer into an evidence
 * RRset (docs/evidence.schema.json): NOERROR/NXDOMAIN with ad: secure;
 * without ad: insecure (a resolver that does not validate looks the same:
 * said in a note); SERVFAIL with a DNSSEC EDE (5 to 12): bogus, its why
 * the EDE's name and text (Unbound puts its why_bogus there); SERVFAIL
 * without one: failed (bogus and failure look alike: a note).
 */
#ifndef IMP_DIG_H
#define IMP_DIG_H

#include "dl_error.h"
#include "dl_util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define IMP_DIG_MAX_MSGS 64
#define IMP_DIG_MAX_RR   256

struct imp_dig_rr {
    char *owner; /* absolute, lower case */
    char type[16];
    char *rdata; /* presentation form, fields joined by one space */
};

struct imp_dig_msg {
    const char *file; /* not owned */
    unsigned line;    /* of the answer's first line */
    char *qname;      /* absolute, lower case; NULL: no question seen */
    char qtype[16];
    char rcode[16]; /* "" until the header is read */
    bool ad, cd, flags_seen;
    int ede; /* -1: none */
    char *ede_text;
    struct imp_dig_rr *rr;
    size_t n_rr;
};

struct imp_dig {
    struct imp_dig_msg msg[IMP_DIG_MAX_MSGS];
    size_t n;
    time_t when; /* the first ";; WHEN:" in UTC, 0 when none */
};

/* Add the answers in `len` bytes of `file` to d (zeroed before the first
 * file). Notes "FILE:LINE: ..." go to notes. 0, or -1 with err set. */
int imp_dig_parse(struct imp_dig *d, const char *file, const char *data, size_t len,
                  struct dl_buf *notes, struct dl_error *err);

/* The answer to NAME ("mx1.example.com.", the final dot optional) TYPE
 * ("TLSA") that says most: the last one, unless an earlier one carries an
 * EDE with the validator's words and it does not. NULL when dig was not
 * asked. */
const struct imp_dig_msg *imp_dig_find(const struct imp_dig *d, const char *name, const char *type);

/* That answer as an evidence RRset {name, type, status, rcode, nxdomain,
 * canonname, why, chain, records}; what it cannot say goes to notes. A
 * new object, or NULL when dig was not asked. */
json_t *imp_dig_rrset(const struct imp_dig *d, const char *name, const char *type,
                      struct dl_buf *notes);

void imp_dig_free(struct imp_dig *d);

#endif
