/*
 * Unit tests for lab/scenario: timeline steps (scen_timeline.c): faults by name
 * and by mapping over time, retry expectations, host changes that
 * accumulate (scen_faults_at, scen_hosts_at).
 */
#include "testutil_scen.h"
#include "dl_util.h"
#include "scen.h"
#include "zone_fault.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *scen_timeline_suite(void);

/* expect: PROFILE: retry: and timeline steps with faults (issue 6). */
START_TEST(retry_timeline)
{
    struct scen *s = NULL;
    struct dl_error err;
    const struct scen_retry *r;
    const struct scen_fault *f;
    size_t n;
    int index;
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-fault-fixed.yaml", &s, &err), 0);
    r = &s->expect[SCEN_PROFILE_RFC7672].retry;
    ck_assert(r->set);
    ck_assert_str_eq(r->status, "delivered");
    ck_assert_str_eq(r->code, "2.0.0");
    ck_assert_uint_eq(r->attempts, 3);
    ck_assert_int_eq(r->at, 90 * 60);
    ck_assert_uint_eq(r->n_codes, 2);
    ck_assert_int_eq(r->codes[1].at, 30 * 60);
    ck_assert_str_eq(r->codes[1].code, "4.7.324");
    ck_assert(scen_has_retry(s));
    ck_assert(s->timeline[0].has_faults);
    f = scen_faults_at(s, 30 * 60, &n, &index);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(index, -1);
    ck_assert_str_eq(f[0].name, "rrsig-expired");
    (void)scen_faults_at(s, 40 * 60, &n, &index);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(index, 0);
    scen_free(s);
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-signature-expires.yaml", &s, &err), 0);
    ck_assert_int_eq(s->zone.validity, 7200);
    ck_assert_int_eq(s->expect[SCEN_PROFILE_EXCHANGE_ONLINE].retry.at, 86400);
    ck_assert_int_eq(s->expect[SCEN_PROFILE_RFC7672].retry.at, 5 * 86400);
    ck_assert_uint_eq(s->expect[SCEN_PROFILE_RFC7672].retry.attempts, 122);
    scen_free(s);
}
END_TEST

/* Host-level timeline steps: only the keys given change, and changes
 * accumulate over the steps (scen_hosts_at). */
START_TEST(timeline_hosts)
{
    struct scen *s = NULL;
    struct scen_host *h;
    struct dl_error err;
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-starttls-turned-on.yaml", &s, &err),
                     0);
    ck_assert_uint_eq(s->timeline[0].n_hosts, 1);
    ck_assert(s->timeline[0].hosts[0].has_starttls);
    ck_assert(!s->timeline[0].hosts[0].has_tlsa);
    h = scen_hosts_at(s, -1);
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_NONE);
    free(h);
    h = scen_hosts_at(s, 0);
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_OFFER);
    ck_assert_str_eq(h[0].certificate, "leaf");
    ck_assert_uint_eq(h[0].n_tlsa, 1);
    free(h);
    scen_free(s);
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-tlsa-corrected.yaml", &s, &err), 0);
    h = scen_hosts_at(s, 0);
    ck_assert_uint_eq(h[0].n_tlsa, 1);
    ck_assert_str_eq(h[0].tlsa[0].of, "leaf");
    ck_assert_str_eq(s->hosts[0].tlsa[0].of, "staging");
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_OFFER);
    free(h);
    scen_free(s);
}
END_TEST

/* The first fault of the catalogue that hits the TLSA RRset by default and
 * may hit MX. */
static const char *some_fault(void)
{
    size_t n;
    const struct zone_fault_info *all = zone_fault_all(&n);
    unsigned want = ZONE_TARGET_BIT(ZONE_TARGET_MX);
    for (size_t i = 0; i < n; i++)
        if ((all[i].targets & want) && all[i].default_target == ZONE_TARGET_TLSA)
            return all[i].name;
    return NULL;
}

static char *faults_yaml(const char *fault)
{
    return dl_xasprintf("name: faults\n"
                        "summary: faults by name and by mapping\n"
                        "mx:\n"
                        "  - host: mx1\n"
                        "  - host: mx2\n"
                        "faults:\n"
                        "  - %s\n"
                        "  - {fault: %s, target: mx, host: mx2}\n"
                        "timeline:\n"
                        "  - at: 1h\n"
                        "    faults: [%s]\n",
                        fault, fault, fault);
}

START_TEST(fault_forms)
{
    const char *fault = some_fault();
    char dir[] = "/tmp/check-scen-XXXXXX", *text, *path;
    struct scen *s;
    ck_assert_ptr_nonnull(fault);
    text = faults_yaml(fault);
    path = tu_write_temp("faults", text, dir);
    s = tu_load_ok(path);
    ck_assert_uint_eq(s->n_faults, 2);
    ck_assert_str_eq(s->faults[0].name, fault);
    ck_assert_str_eq(s->faults[0].target, "tlsa");
    ck_assert_ptr_null(s->faults[0].host);
    ck_assert_uint_eq(s->faults[1].loc.line, 8);
    ck_assert_str_eq(s->faults[1].target, "mx");
    ck_assert_str_eq(s->faults[1].host, "mx2.faults.test.");
    ck_assert_uint_eq(s->timeline[0].n_faults, 1);
    scen_free(s);
    tu_remove_temp(path, dir);
    free(text);
}
END_TEST

Suite *scen_timeline_suite(void)
{
    Suite *s = suite_create("scen_timeline");
    TCase *pos = tcase_create("Positive");
    tcase_add_test(pos, fault_forms);
    tcase_add_test(pos, retry_timeline);
    tcase_add_test(pos, timeline_hosts);
    suite_add_tcase(s, pos);
    return s;
}
