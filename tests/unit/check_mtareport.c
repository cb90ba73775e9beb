/* Unit tests for lab/lab_mtareport: joining the `danelab mta --json`
 * reports of shards, their JUnit, TAP, text and HTML forms, and the
 * scenarios x MTA table, on hand-made reports. */
#include "lab_mtareport.h"
#include "lab_mtatable.h"

#include "dl_util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *mtareport_suite(void);

#define NASTY "a<b>&\"c'd"

/* A scenario object as `danelab mta --json` writes it. */
static json_t *scen(const char *name, const char *verdict, const char *expected_status,
                    const char *known)
{
    json_t *s = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:[{s:s, s:s, s:b, "
        "s:s, s:s}]}, s:s, s:s, s:s}",
        "name", name, "domain", "x.test.", "expected", "status", expected_status, "code",
        strcmp(expected_status, "delivered") == 0 ? "2.0.0" : "4.7.323", "reason", "r<1>", "mta",
        "status", "sent", "dsn", "2.0.0", "relay", "mx1", "reason", "250 ok <&>", "queue_id", "Q1",
        "message_id", "m@x", "fakesmtp", "stored", "host", "mx1.x.test", "address", "127.25.1.1",
        "tls", 1, "version", "TLSv1.3", "sni", "mx1.x.test", "reference", "ref", "verdict", verdict,
        "why", strcmp(verdict, "pass") == 0 ? "" : "why <" NASTY ">");
    if (known)
        json_object_set_new(s, "known", json_string(known));
    return s;
}

/* A report of `mta` with the scenarios given (reference stolen). */
static json_t *report(const char *mta, json_t *scens, double secs)
{
    return json_pack("{s:s, s:s, s:o, s:{s:i, s:f}}", "mta", mta, "config_directory", "/r/etc",
                     "scenarios", scens, "summary", "scenarios", (int)json_array_size(scens),
                     "seconds", secs);
}

/* Text written by `fn` to a memory stream; the caller frees it. */
static char *written(int (*fn)(FILE *, const json_t *), const json_t *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(fn(m, r), 0);
    fclose(m);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The table of `n` reports: its text, and its return value in *rc. */
static char *table(json_t *const *r, const char *const *files, size_t n, bool md, bool totals,
                   int *rc, struct dl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(m);
    *rc = lab_mtatable_write(m, r, files, n, md, totals, err);
    fclose(m);
    return text;
}

START_TEST(verdict_names)
{
    ck_assert_int_eq(lab_mtareport_verdict("pass"), LAB_MTA_V_PASS);
    ck_assert_int_eq(lab_mtareport_verdict("known"), LAB_MTA_V_KNOWN);
    ck_assert_int_eq(lab_mtareport_verdict("deviation"), LAB_MTA_V_DEVIATION);
    ck_assert_int_eq(lab_mtareport_verdict("leak"), LAB_MTA_V_LEAK);
    ck_assert_int_eq(lab_mtareport_verdict("LEAK"), -1);
    ck_assert_int_eq(lab_mtareport_verdict(NULL), -1);
    ck_assert_str_eq(lab_mtareport_label(LAB_MTA_V_DEVIATION), "DEVIATION");
    ck_assert_str_eq(lab_mtareport_label(LAB_MTA_V_LEAK), "LEAK");
}
END_TEST

START_TEST(join_sorts_and_counts)
{
    json_t *a = report("postfix",
                       json_pack("[o, o]", scen("zeta", "pass", "delivered", NULL),
                                 scen("beta", "leak", "deferred", NULL)),
                       1.5);
    json_t *b = report("postfix",
                       json_pack("[o, o, o]", scen("alpha", "known", "delivered", "RFC 5321"),
                                 scen("gamma", "deviation", "deferred", NULL),
                                 scen("delta", "pass", "deferred", NULL)),
                       2.0);
    json_t *r[] = {a, b}, *j, *sum;
    const char *files[] = {"a.json", "b.json"};
    struct dl_error err;
    size_t counts[LAB_MTA_V_COUNT];
    char names[64] = "";
    size_t i;
    json_t *s;
    ck_assert(lab_mtareport_is_mta(a));
    j = lab_mtareport_join(r, files, 2, &err);
    ck_assert_msg(j != NULL, "%s", err.msg);
    json_array_foreach(json_object_get(j, "scenarios"), i, s) {
        strcat(names, json_string_value(json_object_get(s, "name")));
        strcat(names, " ");
    }
    ck_assert_str_eq(names, "alpha beta delta gamma zeta ");
    sum = json_object_get(j, "summary");
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "scenarios")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "passed")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "known")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "deviations")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "leaks")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(sum, "reports")), 2);
    ck_assert(json_number_value(json_object_get(sum, "seconds")) == 3.5);
    ck_assert_str_eq(json_string_value(json_object_get(j, "mta")), "postfix");
    ck_assert_ptr_null(json_object_get(j, "shard"));
    ck_assert_int_eq(lab_mtareport_count(j, counts, &err), 0);
    ck_assert_uint_eq(counts[LAB_MTA_V_LEAK], 1);
    json_decref(j);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(join_refuses)
{
    json_t *pf = report("postfix", json_pack("[o]", scen("good", "pass", "delivered", NULL)), 1);
    json_t *pf2 = report("postfix", json_pack("[o]", scen("good", "pass", "delivered", NULL)), 1);
    json_t *ex = report("exim", json_pack("[o]", scen("other", "pass", "delivered", NULL)), 1);
    json_t *run = json_pack("{s:[], s:{s:i}}", "scenarios", "summary", "passed", 0);
    json_t *odd = report("postfix", json_pack("[o]", scen("odd", "maybe", "delivered", NULL)), 1);
    const char *files[] = {"p.json", "x.json"};
    struct dl_error err;
    json_t *r[2];
    r[0] = pf, r[1] = ex;
    ck_assert_ptr_null(lab_mtareport_join(r, files, 2, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "report of postfix"));
    ck_assert_ptr_nonnull(strstr(err.msg, "x.json of exim"));
    r[1] = pf2;
    ck_assert_ptr_null(lab_mtareport_join(r, files, 2, &err));
    ck_assert_str_eq(err.msg, "scenario 'good' is in p.json and in x.json");
    r[1] = run;
    ck_assert_ptr_null(lab_mtareport_join(r, files, 2, &err));
    ck_assert_str_eq(err.msg, "x.json: not a `danelab mta --json` report");
    ck_assert(!lab_mtareport_is_mta(run));
    r[1] = odd;
    ck_assert_ptr_null(lab_mtareport_join(r, files, 2, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "verdict 'maybe'"));
    ck_assert_ptr_null(lab_mtareport_join(r, files, 0, &err));
    json_decref(pf);
    json_decref(pf2);
    json_decref(ex);
    json_decref(run);
    json_decref(odd);
}
END_TEST

/* --schedule: a scenario that passes DANE but missed its schedule is a
 * JUnit failure of type schedule-deviation (so is a known one); the
 * attempt lines carry the planned times and the schedule's verdict, and
 * in the HTML details the attempts' table has a column "planned" (the
 * departing attempt's cell marked) and the verdict is said under it. */
START_TEST(junit_schedule_deviation)
{
    json_t *p = scen("p", "pass", "delivered", NULL), *k = scen("k", "known", "delivered", "K");
    json_t *r, *sched = json_pack("{s:s, s:s, s:s, s:I}", "profile", "exchange-online", "verdict",
                                  "deviation", "why", "attempt 2 at +0d01h00, planned at +0d00h15",
                                  "attempt", (json_int_t)2);
    char *x;
    json_object_set_new(p, "retry",
                        json_pack("{s:[{s:I, s:I, s:s}, {s:I, s:I, s:s}], s:O}", "attempts",
                                  "after", (json_int_t)0, "planned", (json_int_t)0, "status",
                                  "deferred", "after", (json_int_t)3600, "planned", (json_int_t)900,
                                  "status", "deferred", "schedule", sched));
    json_object_set_new(k, "retry", json_pack("{s:[], s:O}", "attempts", "schedule", sched));
    json_decref(sched);
    r = report("exim", json_pack("[o, o]", p, k), 1.0);
    x = written(lab_mtareport_junit, r);
    ck_assert_ptr_nonnull(strstr(x, "tests=\"2\" failures=\"2\" skipped=\"0\""));
    ck_assert_uint_eq(count(x, "<failure type=\"schedule-deviation\" message=\"attempt 2 at "
                               "+0d01h00, planned at +0d00h15\">"),
                      2);
    ck_assert_ptr_nonnull(strstr(x, "; planned +0d00h00\n"));
    ck_assert_ptr_nonnull(strstr(x, "schedule exchange-online: deviation: attempt 2"));
    free(x);
    {
        struct dl_error err;
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        ck_assert_int_eq(lab_mtareport_html(m, r, NULL, &err), 0);
        fclose(m);
        ck_assert_ptr_nonnull(strstr(text, "<p>The exchange-online schedule (): deviation: "
                                           "attempt 2 at +0d01h00, planned at +0d00h15</p>"));
        ck_assert_ptr_nonnull(strstr(text, "<tr><th>#</th><th>at</th><th>planned</th>"));
        ck_assert_ptr_nonnull(strstr(text, "<tr><td>1</td><td>+0d00h00</td><td>+0d00h00</td><td>"));
        ck_assert_ptr_nonnull(strstr(
            text, "<tr><td>2</td><td>+0d01h00</td><td class=\"deviation\">+0d00h15</td><td>"));
        free(text);
    }
    json_decref(r);
}
END_TEST

START_TEST(junit_tap_text)
{
    json_t *r = report("postfix",
                       json_pack("[o, o, o, o]", scen(NASTY, "pass", "delivered", NULL),
                                 scen("k", "known", "delivered", "RFC <5321>"),
                                 scen("d", "deviation", "deferred", NULL),
                                 scen("l", "leak", "deferred", NULL)),
                       1.25);
    char *x = written(lab_mtareport_junit, r), *t, *txt;
    ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"mta-postfix\" tests=\"4\" failures=\"2\" "
                                    "skipped=\"1\" time=\"1.250\">"));
    ck_assert_ptr_nonnull(strstr(x, "<testcase classname=\"a&lt;b&gt;&amp;&quot;c&apos;d\" "
                                    "name=\"mta-postfix\"/>"));
    ck_assert_ptr_nonnull(strstr(x, "<skipped message=\"known deviation: RFC &lt;5321&gt;\"/>"));
    ck_assert_ptr_nonnull(strstr(x, "<failure type=\"leak\" message=\"why &lt;a&lt;b&gt;"));
    ck_assert_ptr_nonnull(strstr(x, "<failure type=\"deviation\""));
    ck_assert_ptr_nonnull(strstr(x, " | postfix: sent 2.0.0 250 ok &lt;&amp;&gt;</failure>"));
    ck_assert_ptr_null(strstr(x, NASTY));
    t = written(lab_mtareport_tap, r);
    ck_assert_ptr_nonnull(strstr(t, "TAP version 13\n1..4\nok 1 - " NASTY " [mta-postfix]\n"));
    ck_assert_ptr_nonnull(strstr(t, "not ok 2 - k [mta-postfix] # TODO known deviation\n"));
    ck_assert_ptr_nonnull(strstr(t, "  known: \"RFC <5321>\"\n"));
    ck_assert_ptr_nonnull(strstr(t, "not ok 4 - l [mta-postfix]\n  ---\n  verdict: \"leak\"\n"));
    ck_assert_ptr_nonnull(strstr(t, "  fakesmtp: \"mx1.x.test TLSv1.3 sni=mx1.x.test\"\n"));
    ck_assert_uint_eq(count(t, "# TODO"), 1);
    txt = written(lab_mtareport_text, r);
    ck_assert_ptr_nonnull(strstr(txt, "LEAK      l "));
    ck_assert_ptr_nonnull(strstr(txt, "DEVIATION d "));
    ck_assert_ptr_nonnull(strstr(txt, "          known: RFC <5321>\n"));
    ck_assert_ptr_nonnull(strstr(txt, "postfix: 4 scenarios: 1 passed, 1 known deviations, 1 "
                                      "deviations, 1 leaks (1.2 s)\n"));
    free(x);
    free(t);
    free(txt);
    json_decref(r);
}
END_TEST

START_TEST(html_page)
{
    json_t *r = report("post<fix>",
                       json_pack("[o, o, o, o]", scen(NASTY, "pass", "delivered", NULL),
                                 scen("k", "known", "delivered", "RFC & 5321"),
                                 scen("d", "deviation", "deferred", NULL),
                                 scen("l", "leak", "deferred", NULL)),
                       1);
    struct dl_error err;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    ck_assert_int_eq(lab_mtareport_html(m, r, NULL, &err), 0);
    fclose(m);
    ck_assert_ptr_nonnull(strstr(text, "<title>danelab mta post&lt;fix&gt;</title>"));
    ck_assert_ptr_null(strstr(text, NASTY));
    ck_assert_ptr_null(strstr(text, "<fix>"));
    ck_assert_ptr_nonnull(strstr(text, "<td class=\"verdict pass\"><b>pass</b></td>"));
    ck_assert_ptr_nonnull(strstr(text, "<td class=\"verdict known\"><b>known</b></td>"));
    ck_assert_ptr_nonnull(strstr(text, "<td class=\"verdict deviation\"><b>DEVIATION</b></td>"));
    ck_assert_ptr_nonnull(strstr(text, "<td class=\"verdict leak\"><b>LEAK</b></td>"));
    ck_assert_ptr_nonnull(strstr(text, ".leak{background:#8b0000"));
    ck_assert_ptr_nonnull(strstr(text, "id=\"leaks\">1 leaks</span>"));
    ck_assert_ptr_nonnull(strstr(text, "<td>RFC &amp; 5321</td>"));
    ck_assert_ptr_nonnull(strstr(text, "<div class=\"scen\" id=\"s-a_3Cb_3E_26_22c_27d\">"));
    ck_assert_ptr_nonnull(strstr(text, "Deviations and leaks: <a href=\"#s-d\">d</a> (DEVIATION) "
                                       "<a href=\"#s-l\">l</a> (LEAK)</p>"));
    ck_assert_ptr_nonnull(strstr(text, "<td>mx1.x.test TLSv1.3 sni=mx1.x.test</td>"));
    ck_assert_ptr_nonnull(strstr(text, "</body>\n</html>\n"));
    /* every '&' starts an entity: no raw one from the report */
    for (const char *p = strchr(text, '&'); p; p = strchr(p + 1, '&'))
        ck_assert_msg(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                          strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                          strncmp(p, "&apos;", 6) == 0,
                      "raw &: %.20s", p);
    free(text);
    json_decref(r);
}
END_TEST

START_TEST(table_text_and_markdown)
{
    json_t *pf = report("postfix",
                        json_pack("[o, o, o]", scen("good", "pass", "delivered", NULL),
                                  scen("mis|match", "known", "deferred", "x"),
                                  scen("only-pf", "pass", "deferred", NULL)),
                        1);
    json_t *ex = report("exim",
                        json_pack("[o, o]", scen("mis|match", "leak", "deferred", NULL),
                                  scen("good", "deviation", "delivered", NULL)),
                        1);
    json_t *r[] = {pf, ex};
    const char *files[] = {"pf.json", "ex.json"};
    struct dl_error err;
    int rc;
    char *t = table(r, files, 2, false, false, &rc, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_str_eq(
        t, "scenario   expected (rfc7672)       postfix                               exim\n"
           "good       delivered 2.0.0 (r<1>)   pass                                  DEVIATION\n"
           "mis|match  deferred 4.7.323 (r<1>)  known                                 LEAK\n"
           "only-pf    deferred 4.7.323 (r<1>)  pass                                  -\n"
           "total      3 scenarios              2 pass, 1 known, 0 DEVIATION, 0 LEAK  "
           "0 pass, 0 known, 1 DEVIATION, 1 LEAK, 1 not run\n");
    free(t);
    t = table(r, files, 2, true, false, &rc, &err);
    ck_assert_str_eq(t, "| scenario | expected (rfc7672) | postfix | exim |\n"
                        "| --- | --- | --- | --- |\n"
                        "| good | delivered 2.0.0 (r<1>) | pass | **DEVIATION** |\n"
                        "| mis\\|match | deferred 4.7.323 (r<1>) | known | **LEAK** |\n"
                        "| only-pf | deferred 4.7.323 (r<1>) | pass | - |\n"
                        "| **total** | 3 scenarios | 2 pass, 1 known, 0 DEVIATION, 0 LEAK | 0 "
                        "pass, 0 known, 1 DEVIATION, 1 LEAK, 1 not run |\n");
    free(t);
    t = table(r, files, 2, true, true, &rc, &err);
    ck_assert_str_eq(t, "| MTA | scenarios | pass | known | DEVIATION | LEAK |\n"
                        "| --- | --- | --- | --- | --- | --- |\n"
                        "| postfix | 3 | 2 | 1 | 0 | 0 |\n"
                        "| exim | 2 | 0 | 0 | 1 | 1 |\n");
    free(t);
    /* postfix alone passes */
    t = table(r, files, 1, false, true, &rc, &err);
    ck_assert_int_eq(rc, 0);
    free(t);
    json_decref(pf);
    json_decref(ex);
}
END_TEST

START_TEST(table_same_mta_twice)
{
    json_t *a = report("postfix", json_pack("[o]", scen("good", "pass", "delivered", NULL)), 1);
    json_t *b = report("postfix", json_pack("[o]", scen("good", "leak", "delivered", NULL)), 1);
    json_t *r[] = {a, b};
    const char *files[] = {"/x/postfix-3.7.json", "postfix-3.9"};
    struct dl_error err;
    int rc;
    char *t = table(r, files, 2, true, false, &rc, &err);
    ck_assert_int_eq(rc, 1);
    ck_assert_ptr_nonnull(
        strstr(t, "| scenario | expected (rfc7672) | postfix-3.7 | postfix-3.9 |"));
    free(t);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(table_refuses)
{
    json_t *a = report("postfix", json_pack("[o]", scen("good", "pass", "delivered", NULL)), 1);
    json_t *b = report("exim", json_pack("[o]", scen("good", "pass", "deferred", NULL)), 1);
    json_t *run = json_pack("{s:[], s:{s:i}}", "scenarios", "summary", "passed", 0);
    json_t *r[] = {a, b};
    const char *files[] = {"a.json", "b.json"};
    struct dl_error err;
    int rc;
    char *t = table(r, files, 2, false, false, &rc, &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(t, "");
    ck_assert_ptr_nonnull(strstr(err.msg, "scenario 'good': a.json expects delivered 2.0.0"));
    free(t);
    json_object_set_new(b, "shard", json_pack("{s:i, s:i}", "index", 2, "count", 3));
    json_array_set_new(json_object_get(b, "scenarios"), 0, scen("good", "pass", "delivered", NULL));
    t = table(r, files, 2, false, false, &rc, &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "b.json is shard 2/3"));
    free(t);
    r[1] = run;
    t = table(r, files, 2, false, false, &rc, &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err.msg, "b.json: not a `danelab mta --json` report");
    free(t);
    json_decref(a);
    json_decref(b);
    json_decref(run);
}
END_TEST

Suite *mtareport_suite(void)
{
    Suite *s = suite_create("mtareport");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, verdict_names);
    tcase_add_test(pos, join_sorts_and_counts);
    tcase_add_test(pos, junit_tap_text);
    tcase_add_test(neg, junit_schedule_deviation);
    tcase_add_test(pos, html_page);
    tcase_add_test(pos, table_text_and_markdown);
    tcase_add_test(pos, table_same_mta_twice);
    tcase_add_test(neg, join_refuses);
    tcase_add_test(neg, table_refuses);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
