/*
 * lab_dnsask: ask the lab's validating resolver directly, as an MTA's
 * stub resolver does, and keep what it says: the RCODE, the AD bit, the
 * records of the answer (after the CNAME chain from the query name) and
 * the Extended DNS Error (RFC 8914) when it gives one. A SERVFAIL is
 * asked again with the CD bit (RFC 4035 3.2.2: validation disabled): an
 * answer then means the data is there but did not validate (bogus); a
 * second SERVFAIL means the resolver could not get an answer at all.
 * Used by lab_dnscheck for resolvers other than Unbound; must run inside
 * the lab world.
 */
#ifndef LAB_DNSASK_H
#define LAB_DNSASK_H

#include "dl_error.h"

#include <stdbool.h>

struct lab_dnsask_answer {
    int rcode;           /* of the query without CD */
    bool ad;             /* AD bit of that answer */
    int n_answers;       /* records of the query type at the end of the chain */
    bool cd_answered;    /* SERVFAIL without CD, NOERROR/NXDOMAIN with CD */
    int ede;             /* the first EDE INFO-CODE, or -1 for none */
    char ede_text[200];  /* its EXTRA-TEXT, or "" */
    char canonname[256]; /* where the CNAME chain from the query name ends, or "" */
};

typedef struct lab_dnsask lab_dnsask;

/* A client of the resolver at addr, port 53 (RD, DO, 12 s timeout, TCP
 * after a truncated answer). NULL with a reason in err. */
lab_dnsask *lab_dnsask_new(const char *addr, struct dl_error *err);
void lab_dnsask_free(lab_dnsask *a);

/* Ask name (absolute) for type; -1 when no answer came. */
int lab_dnsask_lookup(lab_dnsask *a, const char *name, int type, struct lab_dnsask_answer *out,
                      struct dl_error *err);

#endif
