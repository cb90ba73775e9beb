/* Unit tests for lab/scenario/scen_misbehave: `misbehave:` of a zone. */
#include "scen.h"
#include "testutil_scen.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *scen_misbehave_suite(void);

#define HEAD "name: mb\nsummary: misbehaving name server\nmx:\n  - host: mx1\n"

START_TEST(misbehave_good)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    struct scen *s;
    path = tu_write_temp("mb",
                         HEAD "zone:\n  misbehave:\n    - {type: TLSA, answer: servfail}\n"
                              "    - {type: any, answer: drop, every: 3}\n"
                              "zones:\n  - name: legacy.test\n    signed: false\n"
                              "    misbehave:\n      - {type: tlsa, answer: truncate}\n",
                         dir);
    s = tu_load_ok(path);
    ck_assert_uint_eq(s->zone.n_misbehave, 2);
    ck_assert_int_eq(s->zone.misbehave[0].type, 52);
    ck_assert_int_eq(s->zone.misbehave[0].answer, SCEN_ANSWER_SERVFAIL);
    ck_assert_uint_eq(s->zone.misbehave[0].every, 1);
    ck_assert_uint_eq(s->zone.misbehave[0].loc.line, 7);
    ck_assert_int_eq(s->zone.misbehave[1].type, -1);
    ck_assert_int_eq(s->zone.misbehave[1].answer, SCEN_ANSWER_DROP);
    ck_assert_uint_eq(s->zone.misbehave[1].every, 3);
    ck_assert_uint_eq(s->zones[0].n_misbehave, 1);
    ck_assert_str_eq(scen_answer_name(s->zones[0].misbehave[0].answer), "truncate");
    scen_free(s);
    tu_remove_temp(path, dir);
}
END_TEST

/* The runner checks first the scenarios whose name servers drop queries
 * (their checks wait for time-outs): a drop in any zone counts, in the
 * domain's own or a provider's, every N or never; other misbehaviour does
 * not. */
START_TEST(misbehave_timeouts)
{
    static const struct {
        const char *text;
        bool timeouts;
    } cases[] = {
        {HEAD, false},
        {HEAD "zone:\n  misbehave:\n    - {type: TLSA, answer: servfail}\n", false},
        {HEAD "zone:\n  misbehave:\n    - {type: TLSA, answer: drop}\n", true},
        {HEAD "zone:\n  misbehave:\n    - {type: TLSA, answer: drop, every: 3}\n", true},
        {HEAD "zones:\n  - name: legacy.test\n    signed: false\n"
              "    misbehave:\n      - {type: tlsa, answer: truncate}\n",
         false},
        {HEAD "zones:\n  - name: legacy.test\n    signed: false\n"
              "    misbehave:\n      - {type: tlsa, answer: refused}\n"
              "      - {type: a, answer: drop}\n",
         true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[] = "/tmp/check-scen-XXXXXX", *path;
        struct scen *s;
        path = tu_write_temp("mb", cases[i].text, dir);
        s = tu_load_ok(path);
        ck_assert_msg(scen_has_timeouts(s) == cases[i].timeouts, "case %zu", i);
        scen_free(s);
        tu_remove_temp(path, dir);
    }
}
END_TEST

static const struct {
    const char *body, *msg;
} bad[] = {
    {"zone:\n  misbehave:\n    - {type: TLSA, answer: nxdomain}\n", ":7: key 'answer'"},
    {"zone:\n  misbehave:\n    - {type: TLSX, answer: drop}\n",
     ":7: key 'type': unknown RR type 'TLSX'"},
    {"zone:\n  misbehave:\n    - {type: TLSA, answer: servfail, every: 2}\n",
     ":7: key 'every': only with answer: drop"},
    {"zone:\n  misbehave:\n    - {type: TLSA, answer: drop, every: 1}\n", ":7: key 'every'"},
    {"zone:\n  misbehave:\n    - {answer: drop}\n", ":7: "},
    {"zone:\n  misbehave:\n    - {type: TLSA, answer: drop, when: 5m}\n", ":7: unknown key 'when'"},
    {"zone:\n  misbehave: servfail\n", ":6: key 'misbehave'"},
};

START_TEST(misbehave_bad)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path, text[1024];
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    snprintf(text, sizeof(text), HEAD "%s", bad[_i].body);
    path = tu_write_temp("mb", text, dir);
    ck_assert_int_eq(scen_load(path, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.msg, bad[_i].msg) != NULL, "got '%s', want '%s'", err.msg,
                  bad[_i].msg);
    tu_remove_temp(path, dir);
}
END_TEST

Suite *scen_misbehave_suite(void)
{
    Suite *s = suite_create("scen_misbehave");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, misbehave_good);
    tcase_add_test(pos, misbehave_timeouts);
    tcase_add_loop_test(neg, misbehave_bad, 0, sizeof(bad) / sizeof(bad[0]));
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
