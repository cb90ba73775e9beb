/*
 * check_mta_retry: lab_mta_retry_judge, the verdict of a message an MTA
 * kept on the virtual clock: the give-up time (RFC 5321 4.5.4.1) and the
 * non-delivery report (RFC 3464 2.3.3 Action failed, RFC 3463 3.1 Status
 * of class 4 or 5, the failure named), a deferral where the reference
 * client delivered. --schedule: the comparison of the attempts with a
 * profile's schedule (dane_retry_compare, lab_mta_retry_schedule), the
 * Exim retry rule that expresses it (lab_exim_rule_for), run through
 * Exim's own algorithm, and the give-up judged at the schedule's expiry.
 */
#include "dane_retry.h"
#include "lab_mta_exim_rule.h"
#include "lab_mta_retry.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

Suite *mta_retry_suite(void);

#define T0 1700000000

static long lifetime_5d(void *mta)
{
    (void)mta;
    return 5 * 86400;
}

static const struct lab_mta_adapter fake = {.name = "fake", .lifetime = lifetime_5d};

/* One message deferred twice (no-tlsa-match), returned `after` seconds
 * after the first attempt with `report` in the sender's mailbox. */
static enum lab_verdict judge_returned(int64_t after, const char *report, char *why, size_t len)
{
    struct lab_mta_attempt att[2] = {
        {.at = T0, .status = LAB_MTA_DEFERRED, .reason = "TLSA mismatch"},
        {.at = T0 + 3600, .status = LAB_MTA_DEFERRED, .reason = "TLSA mismatch"}};
    struct lab_mta_msg msg = {
        .status = LAB_MTA_BOUNCED, .att = att, .n_att = 2, .expired = T0 + after};
    struct lab_mta_retry r = {.ad = &fake, .env = {.now = T0}};
    struct lab_mta_retry_item it = {.msg = &msg, .bounce = (char *)report};
    return lab_mta_retry_judge(&r, &it, NULL, 0, why, len);
}

static const char report_4xx[] = "From: MAILER-DAEMON\n\nReporting-MTA: dns; mta\n\n"
                                 "Final-Recipient: rfc822; postmaster@x.test\n"
                                 "Action: failed\nStatus: 4.7.5\n"
                                 "Diagnostic-Code: X-Postfix; TLSA mismatch\n";

/* Action: failed with a 4.x.x Status passes (RFC 3463 3.1), as does a
 * 5.x.x one; the field names are matched without regard to case. */
START_TEST(failed_with_class_4_or_5_passes)
{
    char why[512];
    ck_assert_int_eq(judge_returned(5 * 86400, report_4xx, why, sizeof(why)), LAB_VERDICT_PASS);
    ck_assert_msg(strstr(why, "Status 4.7.5") != NULL, "%s", why);
    ck_assert_int_eq(judge_returned(5 * 86400, "action: failed\nstatus: 5.0.0\nX: TLSA mismatch\n",
                                    why, sizeof(why)),
                     LAB_VERDICT_PASS);
}
END_TEST

/* A reason longer than a line is quoted across lines: the report folds
 * its Diagnostic-Code and wraps its human part (Postfix's, for a DNS
 * failure); the words must still be the same. */
START_TEST(folded_reason_is_quoted)
{
    static const char reason[] = "Host or domain name not found. Name service error for "
                                 "name=x.test type=MX: Host not found, try again";
    struct lab_mta_attempt att[1] = {{.at = T0, .status = LAB_MTA_DEFERRED}};
    struct lab_mta_msg msg = {
        .status = LAB_MTA_BOUNCED, .att = att, .n_att = 1, .expired = T0 + 5 * 86400};
    struct lab_mta_retry r = {.ad = &fake, .env = {.now = T0}};
    struct lab_mta_retry_item it = {
        .msg = &msg,
        .bounce = "Action: failed\nStatus: 4.4.3\n"
                  "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service "
                  "error\n    for name=x.test type=MX: Host not found, try again\n"};
    char why[512];
    snprintf(att[0].reason, sizeof(att[0].reason), "%s", reason);
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)), LAB_VERDICT_PASS);
    it.bounce = "Action: failed\nStatus: 4.4.3\n"
                "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service "
                "error\n    for name=y.test type=MX: Host not found, try again\n";
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "does not name the failure") != NULL, "%s", why);
}
END_TEST

/* Another Action, a 2.x.x Status, no report, a report that does not name
 * the failure: deviations. */
START_TEST(bad_report_is_a_deviation)
{
    char why[512];
    ck_assert_int_eq(judge_returned(5 * 86400, "Action: delayed\nStatus: 4.7.5\nTLSA mismatch\n",
                                    why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "Action is 'delayed'") != NULL, "%s", why);
    ck_assert_int_eq(judge_returned(5 * 86400, "Action: failed\nStatus: 2.0.0\nTLSA mismatch\n",
                                    why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "Status is '2.0.0'") != NULL, "%s", why);
    ck_assert_int_eq(judge_returned(5 * 86400, NULL, why, sizeof(why)), LAB_VERDICT_DEVIATION);
    ck_assert_int_eq(judge_returned(5 * 86400, "Action: failed\nStatus: 5.0.0\n", why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "does not name the failure") != NULL, "%s", why);
}
END_TEST

/* Returned before 4 days, or before the MTA's own queue lifetime. */
START_TEST(early_give_up_is_a_deviation)
{
    char why[512];
    ck_assert_int_eq(judge_returned(3 * 86400, report_4xx, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "before 4 days") != NULL, "%s", why);
    ck_assert_int_eq(judge_returned(4 * 86400 + 60, report_4xx, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "before its queue lifetime") != NULL, "%s", why);
}
END_TEST

/* A deferral while the reference client delivered; a delivery while it
 * refused is a LEAK. */
START_TEST(attempts_against_the_reference)
{
    struct lab_mta_attempt a = {.at = T0 + 5400, .status = LAB_MTA_DEFERRED, .ref_delivers = true};
    struct lab_mta_msg msg = {.status = LAB_MTA_DEFERRED, .att = &a, .n_att = 1};
    struct lab_mta_retry r = {.ad = &fake, .env = {.now = T0}};
    struct lab_mta_retry_item it = {.msg = &msg};
    char why[512];
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "first retry after the fix") != NULL, "%s", why);
    a.status = LAB_MTA_SENT;
    a.ref_delivers = false;
    msg.status = LAB_MTA_SENT;
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)), LAB_VERDICT_LEAK);
}
END_TEST

/* --- --schedule ----------------------------------------------------------- */

/* One F part of an Exim retry rule. */
struct part {
    int64_t cutoff, every;
};

/* Exim's retry algorithm (its specification 32.11, retry.c's
 * retry_update) for a destination that keeps failing: after each attempt
 * the first part whose cutoff is not below the time failing so far sets
 * the next try; past the last cutoff the attempt just made was the last.
 * Each attempt ends `lag` seconds after its due time (the lab's queue
 * run). The attempts' times into at; returns how many. */
static size_t exim_attempts(const struct part *parts, size_t n_parts, int64_t lag, int64_t *at,
                            size_t max)
{
    int64_t now = 0;
    size_t n = 0;
    while (n < max) {
        size_t k = 0;
        at[n++] = now;
        while (k < n_parts && now - at[0] > parts[k].cutoff)
            k++;
        if (k == n_parts)
            break; /* retry timeout exceeded: returned */
        now += parts[k].every + lag;
    }
    return n;
}

/* The rule for exchange-online, and Exim running it: the seeds' 27
 * attempts, 0, 15 min, 30 min, hourly, the last at 24 h, within the
 * tolerance even when every queue run takes 2 s (46 s at the end). */
START_TEST(exim_rule_expresses_the_schedule)
{
    static const struct part parts[] = {{1350, 900}, {23 * 3600, 3600}, {1425 * 60, 1800}};
    int64_t at[DANE_RETRY_MAX];
    struct dane_retry_deviation d;
    char rule[256];
    size_t n;
    ck_assert_str_eq(lab_exim_rule_for(DANE_PROFILE_EXCHANGE_ONLINE, rule, sizeof(rule)),
                     "F,1350s,15m; F,23h,1h; F,1425m,30m");
    ck_assert_str_eq(lab_exim_rule_for(DANE_PROFILE_RFC7672, rule, sizeof(rule)),
                     "F,15m,30m; F,119h,1h; F,7185m,30m");
    for (int64_t lag = 0; lag <= 2; lag += 2) {
        n = exim_attempts(parts, 3, lag, at, DANE_RETRY_MAX);
        ck_assert_uint_eq(n, 27);
        ck_assert_int_eq(at[1], 900 + lag);
        ck_assert_int_eq(at[3], 5400 + 3 * lag);
        ck_assert_int_eq(at[26], 86400 + 26 * lag);
        ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, n,
                                            DANE_RETRY_END_RETURNED, LAB_MTA_RETRY_TOLERANCE, &d),
                         0);
        ck_assert_uint_eq(d.attempt, 0);
    }
}
END_TEST

/* Wrong rules: hourly from the start (attempt 2 an hour late), Exim's
 * default (attempt 4 at 45 min, not 1 h 30); returned after 21 attempts
 * (before the last), an attempt after the last; the tolerance's edge. */
START_TEST(schedule_departures)
{
    static const struct part hourly[] = {{24 * 3600, 3600}}, dflt[] = {{7200, 900}};
    int64_t at[DANE_RETRY_MAX];
    struct dane_retry_deviation d;
    size_t n = exim_attempts(hourly, 1, 1, at, DANE_RETRY_MAX);
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, n,
                                        DANE_RETRY_END_RETURNED, LAB_MTA_RETRY_TOLERANCE, &d),
                     1);
    ck_assert_uint_eq(d.attempt, 2);
    ck_assert_int_eq(d.at, 3601);
    ck_assert_int_eq(d.planned, 900);
    n = exim_attempts(dflt, 1, 1, at, DANE_RETRY_MAX);
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, n,
                                        DANE_RETRY_END_RETURNED, LAB_MTA_RETRY_TOLERANCE, &d),
                     1);
    ck_assert_uint_eq(d.attempt, 4);
    ck_assert_int_eq(d.planned, 1802 + 3600);
    ck_assert_int_eq(d.sched, 5400);
    /* the schedule's first 21 attempts, then returned */
    dane_retry_schedule(DANE_PROFILE_EXCHANGE_ONLINE, at, DANE_RETRY_MAX);
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, 21,
                                        DANE_RETRY_END_RETURNED, LAB_MTA_RETRY_TOLERANCE, &d),
                     1);
    ck_assert_uint_eq(d.attempt, 22);
    ck_assert_int_eq(d.at, -1);
    /* the same 21 attempts, delivered at the last or still queued: pass */
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, 21,
                                        DANE_RETRY_END_DELIVERED, LAB_MTA_RETRY_TOLERANCE, &d),
                     0);
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, 21, DANE_RETRY_END_QUEUED,
                                        LAB_MTA_RETRY_TOLERANCE, &d),
                     0);
    /* one attempt after the schedule's last (24 h) */
    n = dane_retry_schedule(DANE_PROFILE_EXCHANGE_ONLINE, at, DANE_RETRY_MAX);
    at[n] = at[n - 1] + 1800;
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, n + 1,
                                        DANE_RETRY_END_RETURNED, LAB_MTA_RETRY_TOLERANCE, &d),
                     1);
    ck_assert_uint_eq(d.attempt, n + 1);
    ck_assert_int_eq(d.planned, -1);
    /* the tolerance: 60 s late passes, 61 s does not */
    at[1] = 900 + 60;
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, 2, DANE_RETRY_END_QUEUED,
                                        LAB_MTA_RETRY_TOLERANCE, &d),
                     0);
    at[1] = 900 + 61;
    ck_assert_int_eq(dane_retry_compare(DANE_PROFILE_EXCHANGE_ONLINE, at, 2, DANE_RETRY_END_QUEUED,
                                        LAB_MTA_RETRY_TOLERANCE, &d),
                     1);
}
END_TEST

/* Through the runner's item: the attempt and its planned time in words,
 * and the give-up judged at the schedule's expiry (24 h), not 4 days. */
START_TEST(schedule_in_the_report)
{
    struct lab_mta_attempt att[27];
    int64_t t[DANE_RETRY_MAX];
    size_t n = dane_retry_schedule(DANE_PROFILE_EXCHANGE_ONLINE, t, DANE_RETRY_MAX);
    struct lab_mta_msg msg = {.status = LAB_MTA_BOUNCED, .att = att, .n_att = n};
    struct lab_mta_retry r = {.ad = &fake,
                              .env = {.now = T0},
                              .scheduled = true,
                              .schedule = DANE_PROFILE_EXCHANGE_ONLINE};
    struct lab_mta_retry_item it = {.msg = &msg, .bounce = (char *)report_4xx};
    char why[512];
    ck_assert_uint_eq(n, 27);
    for (size_t k = 0; k < n; k++)
        att[k] = (struct lab_mta_attempt){
            .at = T0 + t[k], .status = LAB_MTA_DEFERRED, .reason = "TLSA mismatch"};
    msg.expired = T0 + 86400;
    ck_assert(!lab_mta_retry_schedule(&r, &it, why, sizeof(why)));
    ck_assert_msg(strstr(why, "27 attempts, each within 60 s of its planned time") != NULL, "%s",
                  why);
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "before its queue lifetime") != NULL, "%s", why); /* fake: 5 d */
    att[1].at = T0 + 3600;
    ck_assert(lab_mta_retry_schedule(&r, &it, why, sizeof(why)));
    ck_assert_msg(strstr(why, "attempt 2 at +0d01h00, planned at +0d00h15") != NULL, "%s", why);
    r.scheduled = false;
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "before 4 days") != NULL, "%s", why);
}
END_TEST

static long lifetime_1d(void *mta)
{
    (void)mta;
    return 86400 - 900;
}

/* Returned at the schedule's expiry (the MTA's lifetime a little less):
 * a pass under --schedule; 20 hours is before the expiry. */
START_TEST(schedule_give_up)
{
    static const struct lab_mta_adapter one_day = {.name = "fake", .lifetime = lifetime_1d};
    struct lab_mta_attempt att[1] = {
        {.at = T0, .status = LAB_MTA_DEFERRED, .reason = "TLSA mismatch"}};
    struct lab_mta_msg msg = {
        .status = LAB_MTA_BOUNCED, .att = att, .n_att = 1, .expired = T0 + 86400 + 5};
    struct lab_mta_retry r = {.ad = &one_day,
                              .env = {.now = T0},
                              .scheduled = true,
                              .schedule = DANE_PROFILE_EXCHANGE_ONLINE};
    struct lab_mta_retry_item it = {.msg = &msg, .bounce = (char *)report_4xx};
    char why[512];
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)), LAB_VERDICT_PASS);
    msg.expired = T0 + 20 * 3600;
    ck_assert_int_eq(lab_mta_retry_judge(&r, &it, NULL, 0, why, sizeof(why)),
                     LAB_VERDICT_DEVIATION);
    ck_assert_msg(strstr(why, "before the schedule's expiry") != NULL, "%s", why);
}
END_TEST

Suite *mta_retry_suite(void)
{
    Suite *s = suite_create("mta_retry");
    TCase *pos = tcase_create("positive"), *neg = tcase_create("negative");
    tcase_add_test(pos, failed_with_class_4_or_5_passes);
    tcase_add_test(pos, folded_reason_is_quoted);
    tcase_add_test(neg, bad_report_is_a_deviation);
    tcase_add_test(neg, early_give_up_is_a_deviation);
    tcase_add_test(neg, attempts_against_the_reference);
    tcase_add_test(pos, exim_rule_expresses_the_schedule);
    tcase_add_test(pos, schedule_give_up);
    tcase_add_test(neg, schedule_departures);
    tcase_add_test(neg, schedule_in_the_report);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
