/*
 * check_mta_retry: lab_mta_retry_judge, the verdict of a message an MTA
 * kept on the virtual clock: the give-up time (RFC 5321 4.5.4.1) and the
 * non-delivery report (RFC 3464 2.3.3 Action failed, RFC 3463 3.1 Status
 * of class 4 or 5, the failure named), a deferral where the reference
 * client delivered.
 */
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

Suite *mta_retry_suite(void)
{
    Suite *s = suite_create("mta_retry");
    TCase *pos = tcase_create("positive"), *neg = tcase_create("negative");
    tcase_add_test(pos, failed_with_class_4_or_5_passes);
    tcase_add_test(neg, bad_report_is_a_deviation);
    tcase_add_test(neg, early_give_up_is_a_deviation);
    tcase_add_test(neg, attempts_against_the_reference);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
