/* Unit tests for lab/report/lab_valmatrix: joining the passes of run
 * --resolvers (differences against the reference, declared or not, the
 * recounted summary), the cells, the text, Markdown and HTML forms. */
#include "lab_valmatrix.h"

#include "dl_json.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *valmatrix_suite(void);

/* One pass's report of scenario `name` with the validator_dns entries
 * of `rrsets` (a JSON array text). */
static json_t *pass_report(const char *val, const char *name, const char *rrsets, bool pass)
{
    json_error_t je;
    json_t *sets = json_loads(rrsets, 0, &je);
    ck_assert_msg(sets != NULL, "%s", je.text);
    return json_pack("{s:[{s:s, s:s, s:b, s:[], s:{s:s, s:o, s:b}}], s:{s:i, s:i, s:i}}",
                     "scenarios", "name", name, "domain", "x.test.", "pass", pass, "delivery",
                     "validator_dns", "validator", val, "rrsets", sets, "pass", pass, "summary",
                     "passed", pass ? 1 : 0, "failed", pass ? 0 : 1, "errors", 0);
}

#define RR(set, exp, obs, pass, extra)                                                             \
    "{\"rrset\": \"" set "\", \"name\": \"n.\", \"type\": \"T\", \"expected\": \"" exp             \
    "\", \"observed\": \"" obs "\", \"rcode\": 0, \"why\": \"w\", \"pass\": " pass extra "}"
#define OWN ", \"validator_own\": {\"why\": \"measured\", \"ref\": \"RFC 8624 3.1\"}"

struct joined {
    json_t *r[3];
};

/* unbound, knot, pdns: knot's tlsa differs and is declared; pdns's aaaa
 * (no expectation) differs undeclared when `undeclared`. */
static void join(struct joined *j, bool undeclared)
{
    const char *names[] = {"unbound", "knot", "pdns"};
    const char *versions[] = {"Version 1", "Knot Resolver 5", NULL};
    struct dl_error err;
    j->r[0] = pass_report("unbound", "s1",
                          "[" RR("mx", "secure", "secure", "true",
                                 "") "," RR("tlsa", "nxdomain", "nxdomain", "true",
                                            "") "," RR("aaaa", "unset", "nodata", "true", "") "]",
                          true);
    j->r[1] =
        pass_report("knot", "s1",
                    "[" RR("mx", "secure", "secure", "true", "") "," RR(
                        "tlsa", "insecure", "insecure", "true",
                        OWN ", \"ede\": 27, \"ede_text\": \"\"") "," RR("aaaa", "unset", "nodata",
                                                                        "true", "") "]",
                    true);
    j->r[2] = pass_report("pdns", "s1",
                          undeclared ? "[" RR("mx", "secure", "secure", "true", "") "," RR(
                                           "tlsa", "nxdomain", "nxdomain", "true",
                                           "") "," RR("aaaa", "unset", "insecure", "true", "") "]"
                                     : "[" RR("mx", "secure", "secure", "true", "") "," RR(
                                           "tlsa", "nxdomain", "nxdomain", "true",
                                           "") "," RR("aaaa", "unset", "nodata", "true", "") "]",
                          true);
    ck_assert_int_eq(lab_valmatrix_merge(j->r[0], j->r, names, versions, 3, &err), 0);
}

static void unjoin(struct joined *j)
{
    for (int k = 0; k < 3; k++)
        json_decref(j->r[k]);
}

static const json_t *rrset(const json_t *report, const char *val, const char *set)
{
    const json_t *s = json_array_get(json_object_get(report, "scenarios"), 0), *r;
    size_t i;
    json_array_foreach(
        json_object_get(json_object_get(json_object_get(s, "validators"), val), "rrsets"), i, r)
        if (strcmp(dl_json_str(r, "rrset"), set) == 0)
            return r;
    return NULL;
}

static long long count(const json_t *report, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(report, "summary"), key));
}

/* A declared difference passes; the shape of the joined report. */
START_TEST(declared_difference_passes)
{
    struct joined j;
    const json_t *s, *v;
    join(&j, false);
    s = json_array_get(json_object_get(j.r[0], "scenarios"), 0);
    ck_assert(json_is_true(json_object_get(s, "pass")));
    ck_assert_ptr_null(json_object_get(s, "validator_dns"));
    ck_assert(json_is_true(json_object_get(rrset(j.r[0], "knot", "tlsa"), "differs")));
    ck_assert(json_is_true(json_object_get(rrset(j.r[0], "knot", "tlsa"), "declared")));
    ck_assert(json_is_false(json_object_get(rrset(j.r[0], "knot", "mx"), "differs")));
    ck_assert(json_is_false(json_object_get(rrset(j.r[0], "unbound", "tlsa"), "differs")));
    ck_assert_int_eq(count(j.r[0], "passed"), 1);
    ck_assert_int_eq(count(j.r[0], "failed"), 0);
    v = json_object_get(j.r[0], "validators");
    ck_assert_str_eq(dl_json_str(v, "reference"), "unbound");
    ck_assert_uint_eq(json_array_size(json_object_get(v, "names")), 3);
    ck_assert_str_eq(dl_json_str(json_object_get(v, "versions"), "pdns"), "unknown");
    unjoin(&j);
}
END_TEST

/* An RRset without expectation whose verdict differs, undeclared, fails
 * the scenario and the run's count. */
START_TEST(undeclared_difference_fails)
{
    struct joined j;
    const json_t *r;
    join(&j, true);
    r = rrset(j.r[0], "pdns", "aaaa");
    ck_assert(json_is_true(json_object_get(r, "differs")));
    ck_assert(json_is_false(json_object_get(r, "declared")));
    ck_assert(json_is_false(json_object_get(r, "pass")));
    ck_assert_ptr_nonnull(strstr(dl_json_str(r, "mismatch"), "pdns says insecure, unbound nodata"));
    ck_assert(json_is_false(
        json_object_get(json_array_get(json_object_get(j.r[0], "scenarios"), 0), "pass")));
    ck_assert_int_eq(count(j.r[0], "passed"), 0);
    ck_assert_int_eq(count(j.r[0], "failed"), 1);
    unjoin(&j);
}
END_TEST

/* A pass without the scenario makes it an error, not a pass. */
START_TEST(missing_scenario_is_an_error)
{
    const char *names[] = {"unbound", "bind"};
    struct dl_error err;
    json_t *r[2];
    r[0] = pass_report("unbound", "s1", "[" RR("mx", "secure", "secure", "true", "") "]", true);
    r[1] = pass_report("bind", "other", "[" RR("mx", "secure", "secure", "true", "") "]", true);
    ck_assert_int_eq(lab_valmatrix_merge(r[0], r, names, NULL, 2, &err), 0);
    ck_assert_int_eq(count(r[0], "errors"), 1);
    ck_assert_int_eq(count(r[0], "passed"), 0);
    json_decref(r[0]);
    json_decref(r[1]);
}
END_TEST

/* The reference is Unbound wherever it is listed, else the first listed;
 * differences are against it. */
START_TEST(reference_choice)
{
    const char *two[] = {"knot", "unbound"}, *other[] = {"knot", "pdns"};
    struct dl_error err;
    json_t *r[2];
    r[0] = pass_report("knot", "s1", "[" RR("mx", "secure", "insecure", "true", "") "]", true);
    r[1] = pass_report("unbound", "s1", "[" RR("mx", "secure", "secure", "true", "") "]", true);
    ck_assert_int_eq(lab_valmatrix_merge(r[0], r, two, NULL, 2, &err), 0);
    ck_assert_str_eq(dl_json_str(json_object_get(r[0], "validators"), "reference"), "unbound");
    ck_assert(json_is_true(json_object_get(rrset(r[0], "knot", "mx"), "differs")));
    ck_assert(json_is_false(json_object_get(rrset(r[0], "unbound", "mx"), "differs")));
    json_decref(r[0]);
    json_decref(r[1]);
    r[0] = pass_report("knot", "s1", "[" RR("mx", "secure", "secure", "true", "") "]", true);
    r[1] = pass_report("pdns", "s1", "[" RR("mx", "secure", "secure", "true", "") "]", true);
    ck_assert_int_eq(lab_valmatrix_merge(r[0], r, other, NULL, 2, &err), 0);
    ck_assert_str_eq(dl_json_str(json_object_get(r[0], "validators"), "reference"), "knot");
    json_decref(r[0]);
    json_decref(r[1]);
}
END_TEST

START_TEST(not_a_report)
{
    const char *names[] = {"unbound"};
    struct dl_error err;
    json_t *r = json_object();
    ck_assert_int_eq(lab_valmatrix_merge(r, &r, names, NULL, 1, &err), -1);
    ck_assert_int_eq(lab_valmatrix_merge(r, &r, names, NULL, 0, &err), -1);
    json_decref(r);
}
END_TEST

START_TEST(cells)
{
    struct joined j;
    char buf[64];
    join(&j, true);
    lab_valmatrix_cell(buf, sizeof(buf), rrset(j.r[0], "knot", "tlsa"));
    ck_assert_str_eq(buf, "insecure EDE 27 ~");
    lab_valmatrix_cell(buf, sizeof(buf), rrset(j.r[0], "pdns", "aaaa"));
    ck_assert_str_eq(buf, "insecure ! FAIL");
    lab_valmatrix_cell(buf, sizeof(buf), rrset(j.r[0], "unbound", "mx"));
    ck_assert_str_eq(buf, "secure");
    lab_valmatrix_cell(buf, sizeof(buf), NULL);
    ck_assert_str_eq(buf, "-");
    unjoin(&j);
}
END_TEST

static char *written(void (*fn)(FILE *, const json_t *), const json_t *report)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fn(f, report);
    fclose(f);
    return text;
}

static void text_notty(FILE *f, const json_t *r)
{
    lab_valmatrix_text(f, r, false);
}

/* The forms: the text row, the Markdown row with its why and EDE name,
 * the HTML cell highlighted with the EDE name. */
START_TEST(forms)
{
    struct joined j;
    char *t;
    join(&j, false);
    t = written(text_notty, j.r[0]);
    ck_assert_ptr_nonnull(strstr(t, "unbound"));
    ck_assert_ptr_nonnull(strstr(t, "insecure EDE 27 ~"));
    ck_assert_ptr_nonnull(strstr(t, "1 passed, 0 failed"));
    free(t);
    t = written(lab_valmatrix_markdown, j.r[0]);
    ck_assert_ptr_nonnull(
        strstr(t, "| s1 | tlsa | nxdomain | nxdomain | insecure (EDE 27) | nxdomain | knot: "
                  "measured (RFC 8624 3.1) |"));
    ck_assert_ptr_null(strstr(t, "| s1 | mx |")); /* no difference: no row */
    ck_assert_ptr_nonnull(strstr(t, "EDE 27 (Unsupported NSEC3 Iterations Value)"));
    ck_assert_ptr_nonnull(strstr(t, "- knot: Knot Resolver 5"));
    free(t);
    t = written(lab_valmatrix_html, j.r[0]);
    ck_assert_ptr_nonnull(strstr(t, "<td class=\"vcell differs\">"));
    ck_assert_ptr_nonnull(
        strstr(t, "<span class=\"differs\">tlsa insecure, EDE 27 (Unsupported NSEC3 Iterations "
                  "Value)</span>"));
    free(t);
    unjoin(&j);
}
END_TEST

Suite *valmatrix_suite(void)
{
    Suite *s = suite_create("valmatrix");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, declared_difference_passes);
    tcase_add_test(pos, cells);
    tcase_add_test(pos, reference_choice);
    tcase_add_test(pos, forms);
    tcase_add_test(neg, undeclared_difference_fails);
    tcase_add_test(neg, missing_scenario_is_an_error);
    tcase_add_test(neg, not_a_report);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
