/*
 * fdns_rule: fakedns's script. One rule a line of its configuration file:
 *
 *     ADDRESS ZONE TYPE ACTION [EVERY]
 *     127.54.0.7 legacy.test. TLSA servfail
 *     127.54.0.8 flaky.test. TLSA drop 3
 *
 * A query that reaches ADDRESS for a name at or below ZONE with type TYPE
 * (a mnemonic, TYPEnnn, or ANY for every type) gets ACTION: servfail,
 * refused or notimp (that rcode, no records), drop (no answer at all; with
 * EVERY = N, one query in N is answered and the N - 1 before it dropped),
 * truncate (over UDP an empty answer with the TC bit; over TCP the real
 * answer). Every other query is forwarded to the real server. The first
 * rule that matches wins. '#' starts a comment; blank lines are ignored.
 * Each address fakedns listens on appears in some rule.
 */
#ifndef FDNS_RULE_H
#define FDNS_RULE_H

#include "dl_error.h"
#include "fdns_pkt.h"

#include <stdbool.h>
#include <stddef.h>

#define FDNS_MAX_RULES 4096
#define FDNS_MAX_EVERY 1000

enum fdns_action {
    FDNS_FORWARD,
    FDNS_SERVFAIL,
    FDNS_REFUSED,
    FDNS_NOTIMP,
    FDNS_DROP,
    FDNS_TRUNCATE,
};

struct fdns_rule {
    char addr[16];  /* dotted IPv4 */
    char zone[256]; /* lower case, absolute */
    int qtype;      /* RR type, or -1 for ANY */
    enum fdns_action action;
    unsigned every;     /* drop: answer one query in `every` (1: drop them all) */
    unsigned long seen; /* queries this rule matched (the drop counter) */
    unsigned line;
};

struct fdns_rules {
    struct fdns_rule *r;
    size_t n;
};

/* Parse a whole configuration text; messages are "PATH:LINE: what". On
 * success *out owns the rules (fdns_rules_free); on failure it is empty. */
int fdns_rules_parse(const char *text, const char *path, struct fdns_rules *out,
                     struct dl_error *err);
void fdns_rules_free(struct fdns_rules *rs);

/* What to do with query q that reached local address addr, over TCP or
 * not; counts the query in the rule that matched. */
enum fdns_action fdns_rules_decide(struct fdns_rules *rs, const char *addr,
                                   const struct fdns_query *q, bool tcp);

/* "forward", "servfail", ... */
const char *fdns_action_name(enum fdns_action a);

/* The rcode an action answers with (SERVFAIL 2, NOTIMP 4, REFUSED 5;
 * 0 for the others). */
unsigned fdns_action_rcode(enum fdns_action a);

#endif
