/*
 * scen_clause: the RFC clause list (lab/rfc/clauses.txt, see
 * danelab-scenario(5), CLAUSES) and a scenario's `clauses:` key, which
 * names clauses of that list by ID.
 *
 * A clause list line is
 *     ID | RFC SECTION | KEYWORD | NEEDS | QUOTE [| NOTE]
 * e.g. "7672-2.1.2-b | 7672 2.1.2 | MUST | both | \"...\"". NEEDS says which
 * scenarios the clause wants: both (a conforming and a violating one),
 * conforming, violating (only that side can exist), untestable (no lab
 * scenario can test it; NOTE says why), or todo (testable, but the world
 * model cannot express it yet; NOTE says what scenario would: counted as
 * both once a scenario names it). '#' starts a comment line.
 *
 * A `clauses:` item is "ID", "ID conforming" or "ID violating": the
 * scenario exercises the clause, on the side where the world satisfies it
 * (conforming: what the clause allows must happen) or where the world
 * breaks it or brings about what it forbids (violating: the client must
 * refuse, defer or fall back).
 *
 * The list is read at run time (scen_clauses_load), not compiled in; the
 * scenario parser only checks an ID's form, and scen_clause_check_refs
 * checks it against a list (lint, trace).
 */
#ifndef SCEN_CLAUSE_H
#define SCEN_CLAUSE_H

#include "dl_error.h"
#include "scen_parse.h"

#include <stddef.h>

#define SCEN_MAX_CLAUSE_REFS 32   /* items of one `clauses:` key */
#define SCEN_MAX_CLAUSES     4096 /* lines of a clause list */

enum scen_side { SCEN_SIDE_ANY, SCEN_SIDE_CONFORMING, SCEN_SIDE_VIOLATING };

/* "any", "conforming", "violating". */
const char *scen_side_name(enum scen_side side);

/* One item of a scenario's `clauses:`. */
struct scen_clause_ref {
    char *id;
    enum scen_side side;
    struct scen_loc loc;
};

/* clauses: a list of 1 to SCEN_MAX_CLAUSE_REFS items (NULL n: none).
 * *out is a new array of *n_out refs, freed with scen_clause_free_refs. */
int scen_clause_parse_refs(struct scen_parse *c, yaml_node_t *n, struct scen_clause_ref **out,
                           size_t *n_out);
void scen_clause_free_refs(struct scen_clause_ref *r, size_t n);

enum scen_need {
    SCEN_NEED_BOTH,
    SCEN_NEED_CONFORMING,
    SCEN_NEED_VIOLATING,
    SCEN_NEED_UNTESTABLE,
    SCEN_NEED_TODO
};

/* "both", "conforming", "violating", "untestable", "todo". */
const char *scen_need_name(enum scen_need need);

struct scen_clause {
    char *id;      /* "7672-2.1.2-b" */
    char *rfc;     /* "7672" */
    char *section; /* "2.1.2" */
    char *keyword; /* "MUST", "MUST NOT", ... */
    enum scen_need need;
    char *quote;
    char *note; /* "" when none */
    unsigned line;
};

struct scen_clauses {
    char *path;
    struct scen_clause *v; /* in file order */
    size_t n;
};

/* Read and check a clause list: every line well formed, IDs unique and
 * starting with "RFC-SECTION-". On success *out owns a new list. */
int scen_clauses_load(const char *path, struct scen_clauses **out, struct dl_error *err);
void scen_clauses_free(struct scen_clauses *l);

/* The clause with that ID, or NULL. */
const struct scen_clause *scen_clauses_find(const struct scen_clauses *l, const char *id);

/* 0 when every ref names a clause of l; else -1 with "FILE:LINE: clauses:
 * unknown clause 'ID' (not in LIST)" for the first that does not. */
int scen_clause_check_refs(const struct scen_clauses *l, const struct scen_clause_ref *r, size_t n,
                           struct dl_error *err);

#endif
