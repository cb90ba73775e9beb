/*
 * lab_trace: `danelab trace` (see danelab(1)): the traceability table
 * docs/rfc-trace.md from the RFC clause list (lab/rfc/clauses.txt) and the
 * catalogue's `clauses:` keys. Per clause, the scenarios on its conforming
 * and its violating side; then the clauses no scenario names.
 *
 * lab_trace_check is what lint shares: every `clauses:` ID of a scenario
 * must be in the list.
 */
#ifndef LAB_TRACE_H
#define LAB_TRACE_H

#include "lab_up.h"
#include "scen.h"

/* Exit status: 0 every testable clause has a scenario and every ID
 * exists; 1 otherwise (each problem said on stderr, the table still
 * written); 2 usage or a file that cannot be read or written. */
int lab_cmd_trace(const struct lab_globals *g, int argc, char **argv);

/* The number of s's clause IDs that are not in l, each said on stderr as
 * "FILE:LINE: clauses: unknown clause 'ID' (not in LIST)". */
int lab_trace_check(const struct scen_clauses *l, const struct scen *s);

#endif
