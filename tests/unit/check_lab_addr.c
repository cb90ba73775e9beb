/*
 * Unit tests for the lab's address plan over both families (lab/world:
 * lab_addr, lab_smtp's listeners, lab_session's --no-netns skip and how
 * lab_report's JUnit shows it), on
 * data/scen/addr/addresses.yaml: mx1 IPv4 (default), mx2 IPv6 (the
 * plan), mx3 dual-stack (ipv4, a literal IPv6, the plan's IPv6 with a
 * server of its own), mx4 a literal IPv4.
 */
#include "dl_util.h"
#include "lab_addr.h"
#include "lab_report.h"
#include "lab_session.h"
#include "lab_smtp.h"
#include "scen.h"
#include "testutil_certs.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

Suite *lab_addr_suite(void);

#define ADDR_DIR "data/scen/addr"

static scen_catalog *load(void)
{
    const char *dirs[] = {ADDR_DIR};
    struct dl_error err;
    scen_catalog *cat = NULL;
    ck_assert_msg(scen_catalog_load(dirs, 1, &cat, &err) == 0, "%s", err.msg);
    return cat;
}

/* Scenario 0's plan: 127.25.1.H in IPv4, fd53::25:1:H in IPv6, literals
 * as written (RFC 5952 form). */
START_TEST(plan)
{
    scen_catalog *cat = load();
    char buf[LAB_ADDR_LEN];
    ck_assert_str_eq(lab_addr_host(cat, 0, 0, 0, buf), "127.25.1.1");
    ck_assert_str_eq(lab_addr_host(cat, 0, 1, 0, buf), "fd53::25:1:2");
    ck_assert_str_eq(lab_addr_host(cat, 0, 2, 0, buf), "127.25.1.3");
    ck_assert_str_eq(lab_addr_host(cat, 0, 2, 1, buf), "fd53::25:9");
    ck_assert_str_eq(lab_addr_host(cat, 0, 2, 2, buf), "fd53::25:1:3");
    ck_assert_str_eq(lab_addr_host(cat, 0, 3, 0, buf), "127.9.8.7");
    ck_assert(lab_addr_needs_ipv6(scen_catalog_get(cat, 0)));
    scen_catalog_free(cat);
}
END_TEST

/* fakesmtp's listeners: one per address; without IPv6 (--no-netns) the
 * IPv6 ones are left out; an address's own STARTTLS and certificate. */
static json_t *listeners(scen_catalog *cat, const char *run, bool ipv6)
{
    struct lab_smtp_stats st = {0};
    struct dl_error err;
    lab_smtp *m = lab_smtp_build(cat, run, time(NULL), &st, &err);
    char *path = dl_xasprintf("%s/etc/fakesmtp.json", run), *etc = dl_xasprintf("%s/etc", run);
    json_t *top, *l;
    ck_assert_msg(m != NULL, "%s", err.msg);
    ck_assert_msg(dl_mkdir_p(etc, 0755, &err) == 0, "%s", err.msg);
    free(etc);
    ck_assert_msg(lab_smtp_write_conf(m, cat, ipv6, &err) == 0, "%s", err.msg);
    top = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(top);
    l = json_incref(json_object_get(top, "listeners"));
    json_decref(top);
    lab_smtp_free(m);
    free(path);
    return l;
}

static const json_t *listener_at(const json_t *l, const char *address)
{
    for (size_t i = 0; i < json_array_size(l); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(l, i), "address")), address) ==
            0)
            return json_array_get(l, i);
    return NULL;
}

START_TEST(smtp_listeners)
{
    scen_catalog *cat = load();
    char *run = tu_tmpdir_new();
    json_t *both = listeners(cat, run, true), *v4 = listeners(cat, run, false);
    const json_t *own = listener_at(both, "fd53::25:1:3");
    ck_assert_uint_eq(json_array_size(both), 6);
    ck_assert_uint_eq(json_array_size(v4), 3);
    ck_assert_ptr_nonnull(listener_at(v4, "127.25.1.1"));
    ck_assert_ptr_nonnull(listener_at(v4, "127.9.8.7"));
    ck_assert_ptr_null(listener_at(v4, "fd53::25:1:2"));
    ck_assert_ptr_nonnull(listener_at(both, "fd53::25:1:2"));
    ck_assert_ptr_nonnull(own);
    ck_assert(json_is_false(json_object_get(own, "starttls_advertise")));
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(json_object_get(own, "tls"), "cert")), "other"));
    ck_assert(json_is_true(json_object_get(listener_at(both, "127.25.1.3"), "starttls_advertise")));
    json_decref(both);
    json_decref(v4);
    tu_rm_rf(run);
    scen_catalog_free(cat);
}
END_TEST

/* --no-netns: a selected scenario with an IPv6 address is skipped (never
 * counted as selected, so never as passed); in the namespace it runs. */
START_TEST(skip_without_netns)
{
    struct lab_session s;
    lab_session_init(&s, "run", 0);
    s.cat = load();
    s.sel = dl_xcalloc(2, sizeof(bool));
    s.sel[0] = true;
    s.n_sel = 1;
    lab_session_skip_ipv6(&s, true);
    ck_assert_uint_eq(s.n_skipped, 0);
    ck_assert(s.sel[0]);
    lab_session_skip_ipv6(&s, false);
    ck_assert_uint_eq(s.n_skipped, 1);
    ck_assert(s.skipped[0]);
    ck_assert(!s.sel[0]);
    ck_assert_uint_eq(s.n_sel, 0);
    ck_assert_ptr_nonnull(strstr(s.skip_why, "--no-netns"));
    lab_session_free(&s);
}
END_TEST

/* A skipped scenario reaches JUnit as a <skipped/> testcase: counted as
 * a test, never as a pass or a failure. */
START_TEST(skip_in_junit)
{
    json_t *r = json_pack("{s:[], s:{s:i, s:i, s:i}, s:[{s:s, s:s}]}", "scenarios", "summary",
                          "passed", 0, "failed", 0, "skipped", 1, "skipped", "name",
                          "addr-ipv6-only", "reason", "needs IPv6 <no netns>");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_int_eq(lab_report_junit(f, r), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "<testsuites name=\"danelab\" tests=\"1\" failures=\"0\""));
    ck_assert_ptr_nonnull(strstr(text, "skipped=\"1\""));
    ck_assert_ptr_nonnull(strstr(text, "<testcase classname=\"addr-ipv6-only\" name=\"all\""));
    ck_assert_ptr_nonnull(strstr(text, "<skipped message=\"needs IPv6 &lt;no netns&gt;\"/>"));
    free(text);
    json_decref(r);
}
END_TEST

Suite *lab_addr_suite(void)
{
    Suite *s = suite_create("lab_addr");
    TCase *pos = tcase_create("Positive");
    tcase_add_test(pos, plan);
    tcase_add_test(pos, smtp_listeners);
    tcase_add_test(pos, skip_without_netns);
    tcase_add_test(pos, skip_in_junit);
    suite_add_tcase(s, pos);
    return s;
}
