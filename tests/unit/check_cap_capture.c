/*
 * check_cap_capture: `danelab capture`'s arguments (cap_args): one domain
 * to -o or stdout, several only with -d, -j bounded, -o and -d exclusive;
 * and the evidence file of a domain in -d DIR (cap_evidence_path): the
 * name without its trailing dot, nothing that leaves DIR.
 */
#include "cap_capture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Suite *cap_capture_suite(void);

/* cap_args on a NULL-terminated list; its return, *rc and *a. stderr
 * (the usage) goes to /dev/null. */
static int parse(struct cap_args *a, int *rc, char **argv)
{
    int argc = 0, r, saved = dup(2);
    FILE *null = fopen("/dev/null", "w");
    while (argv[argc])
        argc++;
    fflush(stderr);
    dup2(fileno(null), 2);
    r = cap_args(argc, argv, a, rc);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(null);
    return r;
}

START_TEST(one_domain_defaults)
{
    char *argv[] = {"capture", "good.test", NULL};
    struct cap_args a;
    int rc;
    ck_assert_int_eq(parse(&a, &rc, argv), 0);
    ck_assert_uint_eq(a.n_domains, 1);
    ck_assert_str_eq(a.domains[0], "good.test");
    ck_assert_ptr_null(a.out);
    ck_assert_ptr_null(a.dir);
    ck_assert_uint_eq(a.jobs, 4);
    ck_assert_uint_eq(a.o.port, 25);
    ck_assert_int_eq(a.o.timeout_ms, 10000);
}
END_TEST

START_TEST(several_domains_into_a_directory)
{
    char *argv[] = {"capture", "-j", "8",       "a.test", "--timeout", "5",
                    "b.test",  "-d", "/tmp/ev", "c.test", NULL};
    struct cap_args a;
    int rc;
    ck_assert_int_eq(parse(&a, &rc, argv), 0);
    ck_assert_uint_eq(a.n_domains, 3);
    ck_assert_str_eq(a.domains[2], "c.test");
    ck_assert_str_eq(a.dir, "/tmp/ev");
    ck_assert_uint_eq(a.jobs, 8);
    ck_assert_int_eq(a.o.timeout_ms, 5000);
}
END_TEST

START_TEST(evidence_path)
{
    char *p = cap_evidence_path("/tmp/ev", "good.test.");
    ck_assert_str_eq(p, "/tmp/ev/good.test.json");
    free(p);
    p = cap_evidence_path("d", "Mixed.Test");
    ck_assert_str_eq(p, "d/Mixed.Test.json");
    free(p);
}
END_TEST

START_TEST(usage_errors)
{
    static char *bad[][8] = {
        {"capture", NULL},                                  /* no domain */
        {"capture", "a.test", "b.test", NULL},              /* several without -d */
        {"capture", "a.test", "b.test", "-o", "x", NULL},   /* -o names one file */
        {"capture", "-o", "x", "-d", "y", "a.test", NULL},  /* exclusive */
        {"capture", "-j", "0", "-d", "y", "a.test", NULL},  /* -j from 1 */
        {"capture", "-j", "65", "-d", "y", "a.test", NULL}, /* to 64 */
        {"capture", "--port", "70000", "a.test", NULL},     /* a port */
        {"capture", "--timeout", "5s", "a.test", NULL},     /* a number */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cap_args a;
        int rc = 0;
        ck_assert_msg(parse(&a, &rc, bad[i]) == -1, "case %zu accepted", i);
        ck_assert_int_eq(rc, 2);
    }
}
END_TEST

START_TEST(evidence_path_stays_in_dir)
{
    const char *bad[] = {"", ".", "..", "../x", "a/b.test", ".hidden.test"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(cap_evidence_path("/tmp/ev", bad[i]) == NULL, "'%s' accepted", bad[i]);
}
END_TEST

Suite *cap_capture_suite(void)
{
    Suite *s = suite_create("cap_capture");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, one_domain_defaults);
    tcase_add_test(pos, several_domains_into_a_directory);
    tcase_add_test(pos, evidence_path);
    tcase_add_test(neg, usage_errors);
    tcase_add_test(neg, evidence_path_stays_in_dir);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
