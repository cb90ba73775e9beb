/*
 * lab_trace: `danelab trace` (see lab_trace.h and danelab(1)).
 *
 * A clause is covered when every side its NEEDS field asks for has a
 * scenario (both: a conforming and a violating one); partly covered when
 * some scenario names it but a side is missing (an item without a side
 * counts for neither); uncovered when no scenario names it. Only uncovered
 * testable clauses and unknown IDs make the exit status 1: a side that
 * cannot be had yet shows in the table instead, and so does a clause the
 * list marks todo (testable, but not yet expressible; its note says what
 * scenario would test it), until a scenario names it.
 */
#include "lab_trace.h"

#include "dl_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cover { COVER_FULL, COVER_PARTIAL, COVER_NONE, COVER_TODO, COVER_UNTESTABLE, COVER_COUNT };

static const char *const cover_names[COVER_COUNT] = {"covered", "one side only", "uncovered",
                                                     "to do", "not testable"};

/* The keywords the summary counts, in its column order; others go to "other". */
static const char *const key_cols[] = {"MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", NULL};
#define N_KEY_COLS 6 /* the five and "other" */

/* What the catalogue says of one clause: the scenarios naming it, by side. */
struct clause_use {
    struct dl_buf names[3]; /* by enum scen_side: "a, b" */
    size_t count[3];
    enum cover cover;
};

int lab_trace_check(const struct scen_clauses *l, const struct scen *s)
{
    int bad = 0;
    for (size_t i = 0; i < s->n_clauses; i++) {
        struct dl_error err;
        if (scen_clause_check_refs(l, &s->clauses[i], 1, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            bad++;
        }
    }
    return bad;
}

static void add_use(struct clause_use *u, enum scen_side side, const char *name)
{
    if (u->count[side]++ > 0)
        dl_buf_printf(&u->names[side], ", ");
    dl_buf_printf(&u->names[side], "%s", name);
}

static enum cover cover_of(const struct scen_clause *cl, const struct clause_use *u)
{
    bool c = u->count[SCEN_SIDE_CONFORMING] > 0, v = u->count[SCEN_SIDE_VIOLATING] > 0;
    if (cl->need == SCEN_NEED_UNTESTABLE)
        return COVER_UNTESTABLE;
    if (u->count[0] + u->count[1] + u->count[2] == 0)
        return cl->need == SCEN_NEED_TODO ? COVER_TODO : COVER_NONE;
    if (((cl->need == SCEN_NEED_BOTH || cl->need == SCEN_NEED_TODO) && c && v) ||
        (cl->need == SCEN_NEED_CONFORMING && c) || (cl->need == SCEN_NEED_VIOLATING && v))
        return COVER_FULL;
    return COVER_PARTIAL;
}

/* Fill uses[] (one per clause) from the catalogue; the number of unknown IDs. */
static int collect(const struct scen_clauses *l, const scen_catalog *cat, struct clause_use *uses)
{
    int bad = 0;
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        bad += lab_trace_check(l, s);
        for (size_t k = 0; k < s->n_clauses; k++) {
            const struct scen_clause *cl = scen_clauses_find(l, s->clauses[k].id);
            if (cl != NULL)
                add_use(&uses[cl - l->v], s->clauses[k].side, s->name);
        }
    }
    for (size_t i = 0; i < l->n; i++)
        uses[i].cover = cover_of(&l->v[i], &uses[i]);
    return bad;
}

static int key_col(const char *keyword)
{
    for (int i = 0; key_cols[i] != NULL; i++)
        if (strcmp(key_cols[i], keyword) == 0)
            return i;
    return N_KEY_COLS - 1;
}

/* The RFCs in the order they first appear in the list. */
static size_t rfc_order(const struct scen_clauses *l, const char **rfcs)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t k = 0;
        while (k < n && strcmp(rfcs[k], l->v[i].rfc) != 0)
            k++;
        if (k == n)
            rfcs[n++] = l->v[i].rfc;
    }
    return n;
}

/* One summary row: the clauses of rfc (NULL: all) by keyword and by cover. */
static void summary_row(struct dl_buf *b, const struct scen_clauses *l,
                        const struct clause_use *uses, const char *rfc)
{
    size_t keys[N_KEY_COLS] = {0}, cover[COVER_COUNT] = {0}, n = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (rfc != NULL && strcmp(l->v[i].rfc, rfc) != 0)
            continue;
        n++;
        keys[key_col(l->v[i].keyword)]++;
        cover[uses[i].cover]++;
    }
    dl_buf_printf(b, "| %s%s | %zu |", rfc ? "RFC " : "", rfc ? rfc : "all", n);
    for (int k = 0; k < N_KEY_COLS; k++)
        dl_buf_printf(b, " %zu |", keys[k]);
    for (int c = 0; c < COVER_COUNT; c++)
        dl_buf_printf(b, " %zu |", cover[c]);
    dl_buf_printf(b, "\n");
}

static void write_summary(struct dl_buf *b, const struct scen_clauses *l,
                          const struct clause_use *uses, const char **rfcs, size_t n_rfcs)
{
    dl_buf_printf(b, "## Summary\n\n"
                     "| RFC | clauses | MUST | MUST NOT | SHOULD | SHOULD NOT | MAY | other |");
    for (int c = 0; c < COVER_COUNT; c++)
        dl_buf_printf(b, " %s |", cover_names[c]);
    dl_buf_printf(b, "\n| --- |");
    for (int c = 0; c < 1 + N_KEY_COLS + COVER_COUNT; c++)
        dl_buf_printf(b, " ---: |");
    dl_buf_printf(b, "\n");
    for (size_t r = 0; r < n_rfcs; r++)
        summary_row(b, l, uses, rfcs[r]);
    summary_row(b, l, uses, NULL);
    dl_buf_printf(b, "\n");
}

/* A cell: the names, or "-". */
static const char *cell(struct clause_use *u, enum scen_side side)
{
    return u->count[side] ? dl_buf_str(&u->names[side]) : "-";
}

static void write_rfc(struct dl_buf *b, const struct scen_clauses *l, struct clause_use *uses,
                      const char *rfc)
{
    dl_buf_printf(b,
                  "## RFC %s\n\n"
                  "| ID | section | keyword | needs | state | conforming | violating | "
                  "no side given |\n"
                  "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
                  rfc);
    for (size_t i = 0; i < l->n; i++) {
        const struct scen_clause *cl = &l->v[i];
        if (strcmp(cl->rfc, rfc) != 0)
            continue;
        dl_buf_printf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", cl->id, cl->section,
                      cl->keyword, scen_need_name(cl->need), cover_names[uses[i].cover],
                      cell(&uses[i], SCEN_SIDE_CONFORMING), cell(&uses[i], SCEN_SIDE_VIOLATING),
                      cell(&uses[i], SCEN_SIDE_ANY));
    }
    dl_buf_printf(b, "\n");
}

/* The clauses in state `cover`, with their quote (and note). */
static void write_list(struct dl_buf *b, const struct scen_clauses *l,
                       const struct clause_use *uses, enum cover cover, const char *title)
{
    size_t n = 0;
    dl_buf_printf(b, "## %s\n\n", title);
    for (size_t i = 0; i < l->n; i++) {
        const struct scen_clause *cl = &l->v[i];
        if (uses[i].cover != cover)
            continue;
        n++;
        dl_buf_printf(b, "- %s (RFC %s %s, %s, needs %s): %s%s%s\n", cl->id, cl->rfc, cl->section,
                      cl->keyword, scen_need_name(cl->need), cl->quote, *cl->note ? " -- " : "",
                      cl->note);
    }
    dl_buf_printf(b, "%s\n", n ? "" : "None.\n");
}

/* The scenarios whose file has no clauses: key (not a failure: a user's
 * catalogue, or a scenario not tagged yet). */
static void write_untagged(struct dl_buf *b, const scen_catalog *cat)
{
    size_t n = 0;
    dl_buf_printf(b, "## Scenarios that name no clause\n\n");
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        if (s->n_clauses == 0)
            dl_buf_printf(b, "%s%s", n++ ? ", " : "", s->name);
    }
    dl_buf_printf(b, "%s\n", n ? "\n" : "None.\n");
}

static void write_table(struct dl_buf *b, const struct scen_clauses *l, struct clause_use *uses,
                        const scen_catalog *cat)
{
    const char **rfcs = dl_xcalloc(l->n, sizeof(*rfcs));
    size_t n_rfcs = rfc_order(l, rfcs);
    dl_buf_printf(b,
                  "# RFC clause traceability\n\n"
                  "Generated by `danelab trace` (`make trace`) from the clause list "
                  "lab/rfc/clauses.txt and the `clauses:` keys of the scenarios in "
                  "lab/scenarios: do not edit by hand. A clause is *covered* when it has a "
                  "scenario on each side its `needs` asks for (conforming: the world "
                  "satisfies the clause; violating: it breaks it, or brings about what the "
                  "clause forbids), *one side only* when a side is missing, *uncovered* when "
                  "no scenario names it, *to do* when the list says the lab cannot express it yet. "
                  "See danelab-scenario(5), CLAUSES.\n\n");
    write_summary(b, l, uses, rfcs, n_rfcs);
    for (size_t r = 0; r < n_rfcs; r++)
        write_rfc(b, l, uses, rfcs[r]);
    write_list(b, l, uses, COVER_NONE, "Uncovered clauses");
    write_list(b, l, uses, COVER_PARTIAL, "Clauses covered on one side only");
    write_list(b, l, uses, COVER_TODO, "Clauses to do (the world model cannot express them yet)");
    write_list(b, l, uses, COVER_UNTESTABLE, "Clauses a lab cannot test");
    write_untagged(b, cat);
    free(rfcs);
}

static int write_out(const char *path, struct dl_buf *b)
{
    struct dl_error err;
    const char *text = dl_buf_str(b);
    if (path == NULL) {
        if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
            dl_err("trace: stdout: %s", strerror(errno));
            return 2;
        }
        return 0;
    }
    if (dl_write_file(path, text, strlen(text), 0644, &err) != 0) {
        dl_err("trace: %s", err.msg);
        return 2;
    }
    return 0;
}

static const char trace_usage[] =
    "usage: danelab [GLOBAL-OPTIONS] trace [--clauses FILE] [-o FILE]\n"
    "  the RFC traceability table (Markdown) of the catalogue against the clause\n"
    "  list; exit 1 when a testable clause has no scenario or a scenario names an\n"
    "  unknown clause\n"
    "  --clauses FILE  the clause list (default: the built-in lab/rfc/clauses.txt)\n"
    "  -o FILE         write the table to FILE (default: standard output)\n";

/* --clauses FILE, -o FILE; 0, 1 for help, 2 for a usage error. */
static int parse_args(int argc, char **argv, const char **clauses, const char **out)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(trace_usage, stdout);
            return 1;
        }
        if ((strcmp(argv[i], "--clauses") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
            *(argv[i][1] == 'o' ? out : clauses) = argv[i + 1];
            i++;
            continue;
        }
        dl_err("trace: unknown or incomplete argument '%s'", argv[i]);
        fputs(trace_usage, stderr);
        return 2;
    }
    return 0;
}

/* Count the uncovered testable clauses, each said on stderr. */
static int count_uncovered(const struct scen_clauses *l, const struct clause_use *uses)
{
    int n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (uses[i].cover == COVER_NONE) {
            fprintf(stderr, "%s:%u: clause %s (%s) has no scenario\n", l->path, l->v[i].line,
                    l->v[i].id, l->v[i].keyword);
            n++;
        }
    return n;
}

static int trace(const struct scen_clauses *l, const scen_catalog *cat, const char *out)
{
    struct clause_use *uses = dl_xcalloc(l->n, sizeof(*uses));
    struct dl_buf b = {0};
    int unknown = collect(l, cat, uses), uncovered = count_uncovered(l, uses), rc;
    write_table(&b, l, uses, cat);
    rc = write_out(out, &b);
    dl_buf_free(&b);
    for (size_t i = 0; i < l->n; i++)
        for (int s = 0; s < 3; s++)
            dl_buf_free(&uses[i].names[s]);
    free(uses);
    if (rc == 0 && (unknown > 0 || uncovered > 0)) {
        dl_err("trace: %d unknown clause ID%s, %d uncovered clause%s", unknown,
               unknown == 1 ? "" : "s", uncovered, uncovered == 1 ? "" : "s");
        rc = 1;
    }
    return rc;
}

int lab_cmd_trace(const struct lab_globals *g, int argc, char **argv)
{
    const char *clauses = g->clauses, *out = NULL;
    struct scen_clauses *l;
    struct dl_error err;
    scen_catalog *cat;
    int rc = parse_args(argc, argv, &clauses, &out);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    if (clauses == NULL) {
        dl_err("trace: no clause list (none built in or installed): give --clauses FILE");
        return 2;
    }
    if (scen_clauses_load(clauses, &l, &err) != 0) {
        dl_err("trace: %s", err.msg);
        return 2;
    }
    if (lab_up_load(g, &cat) != 0) {
        scen_clauses_free(l);
        return 2;
    }
    rc = trace(l, cat, out);
    scen_catalog_free(cat);
    scen_clauses_free(l);
    return rc;
}
