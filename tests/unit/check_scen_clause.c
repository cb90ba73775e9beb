/*
 * Unit tests for lab/scenario/scen_clause: the RFC clause list (one file
 * per error under data/clauses/, with the exact message) and the
 * `clauses:` key of a scenario (its sides, and the check of its IDs
 * against a list). Run from tests/unit.
 */
#include "scen.h"
#include "scen_clause.h"
#include "testutil_scen.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *scen_clause_suite(void);

#define CL "data/clauses/"

/* ------------------------------------------------------------------ */
/* Positive                                                            */

START_TEST(list_loads)
{
    struct scen_clauses *l = NULL;
    struct dl_error err;
    const struct scen_clause *cl;
    ck_assert_int_eq(scen_clauses_load(CL "good.txt", &l, &err), 0);
    ck_assert_uint_eq(l->n, 3);
    cl = scen_clauses_find(l, "7672-2.2-b");
    ck_assert_ptr_nonnull(cl);
    ck_assert_str_eq(cl->rfc, "7672");
    ck_assert_str_eq(cl->section, "2.2");
    ck_assert_str_eq(cl->keyword, "MUST");
    ck_assert_int_eq(cl->need, SCEN_NEED_BOTH);
    ck_assert_str_eq(cl->quote, "\"Any connection to the MTA MUST be made via TLS\"");
    ck_assert_str_eq(cl->note, "");
    ck_assert_uint_eq(cl->line, 3);
    cl = scen_clauses_find(l, "7672-8.2-b");
    ck_assert_int_eq(cl->need, SCEN_NEED_UNTESTABLE);
    ck_assert_str_eq(cl->note, "no outcome to observe");
    cl = scen_clauses_find(l, "5321-4.2.1-a"); /* no spaces around the bars */
    ck_assert_str_eq(cl->keyword, "SHOULD NOT");
    ck_assert_int_eq(cl->need, SCEN_NEED_VIOLATING);
    ck_assert_ptr_null(scen_clauses_find(l, "7672-2.2-c"));
    scen_clauses_free(l);
}
END_TEST

static const char scen_text[] = "name: tagged\n"
                                "summary: \"clauses with and without a side\"\n"
                                "clauses:\n"
                                "  - 7672-2.2-b conforming\n"
                                "  - 7672-8.2-b\n"
                                "  - 5321-4.2.1-a violating\n";

START_TEST(refs_parse_and_check)
{
    char dir[] = "/tmp/check_scen_clause.XXXXXX";
    char *path = tu_write_temp("tagged", scen_text, dir);
    struct scen *s = tu_load_ok(path);
    struct scen_clauses *l = NULL;
    struct dl_error err;
    ck_assert_uint_eq(s->n_clauses, 3);
    ck_assert_str_eq(s->clauses[0].id, "7672-2.2-b");
    ck_assert_int_eq(s->clauses[0].side, SCEN_SIDE_CONFORMING);
    ck_assert_uint_eq(s->clauses[0].loc.line, 4);
    ck_assert_int_eq(s->clauses[1].side, SCEN_SIDE_ANY);
    ck_assert_int_eq(s->clauses[2].side, SCEN_SIDE_VIOLATING);
    ck_assert_int_eq(scen_clauses_load(CL "good.txt", &l, &err), 0);
    ck_assert_int_eq(scen_clause_check_refs(l, s->clauses, s->n_clauses, &err), 0);
    free(s->clauses[1].id);
    s->clauses[1].id = strdup("7672-9.9-z");
    ck_assert_int_eq(scen_clause_check_refs(l, s->clauses, s->n_clauses, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, ":5: clauses: unknown clause '7672-9.9-z' (not in "
                                          "data/clauses/good.txt)"));
    scen_clauses_free(l);
    scen_free(s);
    tu_remove_temp(path, dir);
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(scen_side_name(SCEN_SIDE_VIOLATING), "violating");
    ck_assert_str_eq(scen_need_name(SCEN_NEED_UNTESTABLE), "untestable");
    ck_assert_ptr_null(scen_side_name((enum scen_side)7));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Negative: one list file, one exact message                          */

static const struct {
    const char *file;
    const char *msg;
} bad_lists[] = {
    {CL "few-fields.txt", CL "few-fields.txt:1: expected ID | RFC SECTION | KEYWORD | NEEDS | "
                             "QUOTE [| NOTE], got 4 fields"},
    {CL "bad-id.txt", CL "bad-id.txt:1: bad clause ID '7672-2.2-B' ([a-z0-9.-], at most 48)"},
    {CL "bad-rfc.txt", CL "bad-rfc.txt:1: 7672-2.2-b: expected 'RFC SECTION' such as "
                          "'7672 2.1.2', got 'RFC 7672 2.2'"},
    {CL "wrong-prefix.txt",
     CL "wrong-prefix.txt:1: clause ID '7672-2.3-b' must start with '7672-2.2-'"},
    {CL "bad-keyword.txt",
     CL "bad-keyword.txt:1: 7672-2.2-b: 'MUSTN'T' is not an RFC 2119 keyword"},
    {CL "bad-needs.txt", CL "bad-needs.txt:1: 7672-2.2-b: needs 'always': expected both, "
                            "conforming, violating, untestable or todo"},
    {CL "untestable-no-note.txt",
     CL "untestable-no-note.txt:1: 7672-2.2-b: an untestable clause needs a note saying why"},
    {CL "todo-no-note.txt",
     CL "todo-no-note.txt:1: 7672-2.2-b: a todo clause needs a note saying what scenario would "
        "test it"},
    {CL "dup.txt", CL "dup.txt:3: clause '7672-2.2-b' already defined at line 1"},
    {CL "empty.txt", CL "empty.txt: no clauses"},
    {CL "missing.txt", NULL},
};

START_TEST(bad_list)
{
    struct scen_clauses *l = NULL;
    struct dl_error err;
    ck_assert_int_eq(scen_clauses_load(bad_lists[_i].file, &l, &err), -1);
    ck_assert_ptr_null(l);
    if (bad_lists[_i].msg != NULL)
        ck_assert_str_eq(err.msg, bad_lists[_i].msg);
    else
        ck_assert_ptr_nonnull(strstr(err.msg, "missing.txt"));
}
END_TEST

Suite *scen_clause_suite(void)
{
    Suite *s = suite_create("scen_clause");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, list_loads);
    tcase_add_test(pos, refs_parse_and_check);
    tcase_add_test(pos, names);
    tcase_add_loop_test(neg, bad_list, 0, N(bad_lists));
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
