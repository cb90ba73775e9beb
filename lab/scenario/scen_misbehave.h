/*
 * scen_misbehave: `misbehave:` of a zone (`zone:` or an item of `zones:`),
 * how the zone's name server misbehaves on purpose. Each item is a rule
 * for the queries of one RR type (or every type) at or below the zone:
 *
 *     misbehave:
 *       - {type: TLSA, answer: servfail}      # also refused, notimp
 *       - {type: TLSA, answer: drop}           # never answers
 *       - {type: TLSA, answer: drop, every: 3} # answers one query in 3
 *       - {type: TLSA, answer: truncate}       # TC over UDP, real answer over TCP
 *
 * The lab puts fakedns in front of the zone's real server (see
 * danelab-scenario(5), MISBEHAVING NAME SERVERS). Types are public through
 * scen.h; the parser is for scen_zone.c.
 */
#ifndef SCEN_MISBEHAVE_H
#define SCEN_MISBEHAVE_H

#include "scen_parse.h"

#include <stddef.h>

#define SCEN_MAX_MISBEHAVE 8 /* misbehave: of one zone */

enum scen_answer {
    SCEN_ANSWER_SERVFAIL,
    SCEN_ANSWER_REFUSED,
    SCEN_ANSWER_NOTIMP,
    SCEN_ANSWER_DROP,
    SCEN_ANSWER_TRUNCATE,
};

struct scen_misbehave {
    struct scen_loc loc;
    int type; /* RR type number, or -1 for ANY */
    enum scen_answer answer;
    unsigned every; /* drop: one query in `every` is answered; 1: none is */
};

/* The answer's name as the scenario file and fakedns's rules spell it:
 * "servfail", "refused", "notimp", "drop", "truncate". */
const char *scen_answer_name(enum scen_answer a);

/* `misbehave:` (n, NULL when absent) into a new array *out of *n_out. */
int scen_misbehave_parse(struct scen_parse *c, const yaml_node_t *n, struct scen_misbehave **out,
                         size_t *n_out);

#endif
