/* Unit tests for lab/mta/lab_mta_exim_log: reading Exim's mainlog. The lines are
 * Exim 4.96's own, taken from a run of `danelab mta exim` (Message-IDs
 * shortened); each test feeds them in the order Exim wrote them. */
#include "lab_mta_exim_log.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *mta_exim_log_suite(void);

#define T "2026-11-22 21:29:36.184 "

static void feed(const char *const *lines, struct lab_mta_msg *msgs, size_t n)
{
    for (size_t i = 0; lines[i]; i++)
        lab_exim_log_line(lines[i], msgs, n);
}

static void msg(struct lab_mta_msg *m, const char *msgid)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->msgid, sizeof(m->msgid), "%s", msgid);
}

START_TEST(sent_under_dane)
{
    static const char *const lines[] = {
        T "1xVF7w-0000Os-0O <= <> U=root P=local S=370 id=danelab.good.1@mta.danelab.invalid "
          "for postmaster@good.test",
        T "1xVF7w-0000Os-0O H=mx1.good.test [127.25.28.1] TLS error on connection (recv): The "
          "TLS connection was non-properly terminated.",
        T "1xVF7w-0000Os-0O => postmaster@good.test R=dnslookup T=remote_smtp H=mx1.good.test "
          "[127.25.28.1]:25 X=TLS1.3:ECDHE_SECP256R1__ECDSA_SECP256R1_SHA256__AES_256_GCM:256 "
          "CV=dane DN=\"O=danelab,OU=leaf,CN=mx1.good.test\" C=\"250 2.0.0 Ok: queued as "
          "1795382976.M179472P9Q254.fakesmtp\" DT=0.046s",
        T "1xVF7w-0000Os-0O Completed", NULL};
    struct lab_mta_msg m;
    msg(&m, "danelab.good.1@mta.danelab.invalid");
    feed(lines, &m, 1);
    ck_assert_str_eq(m.qid, "1xVF7w-0000Os-0O");
    ck_assert_int_eq(m.status, LAB_MTA_SENT);
    ck_assert_str_eq(m.dsn, "2.0.0");
    ck_assert_str_eq(m.relay, "mx1.good.test[127.25.28.1]:25");
    ck_assert_ptr_nonnull(strstr(m.reason, "CV=dane"));
    ck_assert_ptr_eq(strstr(m.reason, "X=TLS1.3"), m.reason);
    ck_assert_ptr_null(strstr(m.reason, "DT="));
}
END_TEST

START_TEST(deferred_tlsa_mismatch)
{
    static const char *const lines[] = {
        T "1xVF7w-0000P0-0c <= <> U=root P=local S=418 id=danelab.mismatch.1@x for "
          "postmaster@tlsa-ee-no-match.test",
        T "1xVF7w-0000P0-0c DANE attempt failed; TLS connection to mx1.tlsa-ee-no-match.test "
          "[127.25.69.1]: (certificate verification failed): Verification failed. The "
          "certificate differs. ",
        T "1xVF7w-0000P0-0c == postmaster@tlsa-ee-no-match.test R=dnslookup T=remote_smtp "
          "defer (-37) H=mx1.tlsa-ee-no-match.test [127.25.69.1]:25 DT=0.026s: TLS session: "
          "(certificate verification failed): Verification failed. The certificate differs. ",
        NULL};
    struct lab_mta_msg m;
    msg(&m, "danelab.mismatch.1@x");
    feed(lines, &m, 1);
    ck_assert_int_eq(m.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.dsn, "");
    ck_assert_str_eq(m.relay, "mx1.tlsa-ee-no-match.test[127.25.69.1]:25");
    ck_assert_str_eq(m.reason, "TLS session: (certificate verification failed): Verification "
                               "failed. The certificate differs.");
}
END_TEST

START_TEST(deferred_without_host)
{
    static const char *const lines[] = {
        T "1xVF7w-0000On-0K <= <> U=root P=local S=422 id=danelab.bogus.1@x for "
          "postmaster@dns-rrsig-expired.test",
        T "1xVF7w-0000On-0K H=mx1.dns-rrsig-expired.test [127.25.18.1]:25: DANE error: tlsa "
          "lookup DEFER",
        T "1xVF7w-0000On-0K == postmaster@dns-rrsig-expired.test R=dnslookup T=remote_smtp "
          "defer (-36) DT=0.006s: DANE error: tlsa lookup DEFER",
        NULL};
    struct lab_mta_msg m;
    msg(&m, "danelab.bogus.1@x");
    feed(lines, &m, 1);
    ck_assert_int_eq(m.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.relay, "");
    ck_assert_str_eq(m.reason, "DANE error: tlsa lookup DEFER");
}
END_TEST

START_TEST(deferred_by_the_server)
{
    static const char *const lines[] = {
        T "1xVF7w-0000Ox-0S <= <> U=root P=local S=430 id=danelab.tempfail.1@x for "
          "postmaster@smtp-tempfails-mail.test",
        T "1xVF7w-0000Ox-0S == postmaster@smtp-tempfails-mail.test R=dnslookup T=remote_smtp "
          "defer (-45) H=mx1.smtp-tempfails-mail.test [127.25.58.1]:25 DT=0.045s: SMTP error "
          "from remote mail server after pipelined MAIL FROM:<> SIZE=1464: 451 4.3.0 try again "
          "later",
        NULL};
    struct lab_mta_msg m;
    msg(&m, "danelab.tempfail.1@x");
    feed(lines, &m, 1);
    ck_assert_int_eq(m.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.dsn, "4.3.0");
    ck_assert_ptr_nonnull(strstr(m.reason, "451 4.3.0 try again later"));
}
END_TEST

START_TEST(bounced)
{
    static const char *const lines[] = {
        T "1xVF7w-0000Ou-0Q <= <> U=root P=local S=422 id=danelab.rcpt.1@x for "
          "postmaster@smtp-rejects-rcpt.test",
        T "1xVF7w-0000Op-0M <= <> U=root P=local S=410 id=danelab.nullmx.1@x for "
          "postmaster@domain-null-mx.test",
        T "1xVF7w-0000Op-0M ** postmaster@domain-null-mx.test: an MX or SRV record indicated no "
          "SMTP service DT=0.000s",
        T "1xVF7w-0000Ou-0Q ** postmaster@smtp-rejects-rcpt.test R=dnslookup T=remote_smtp "
          "H=mx1.smtp-rejects-rcpt.test [127.25.52.1]:25 X=TLS1.3:ECDHE_SECP256R1__ECDSA_"
          "SECP256R1_SHA256__AES_256_GCM:256 CV=dane DN=\"O=danelab,OU=leaf,CN=mx1.smtp-rejects-"
          "rcpt.test\": SMTP error from remote mail server after RCPT TO:<postmaster@smtp-rejects-"
          "rcpt.test>: 550 5.7.1 recipient refused by policy DT=0.000s",
        T "1xVF7w-0000Ou-0Q postmaster@smtp-rejects-rcpt.test: error ignored",
        NULL};
    struct lab_mta_msg m[2];
    msg(&m[0], "danelab.rcpt.1@x");
    msg(&m[1], "danelab.nullmx.1@x");
    feed(lines, m, 2);
    ck_assert_int_eq(m[0].status, LAB_MTA_BOUNCED);
    ck_assert_str_eq(m[0].dsn, "5.7.1");
    ck_assert_str_eq(m[0].relay, "mx1.smtp-rejects-rcpt.test[127.25.52.1]:25");
    ck_assert_str_eq(
        m[0].reason,
        "SMTP error from remote mail server after RCPT "
        "TO:<postmaster@smtp-rejects-rcpt.test>: 550 5.7.1 recipient refused by policy");
    ck_assert_int_eq(m[1].status, LAB_MTA_BOUNCED);
    ck_assert_str_eq(m[1].reason, "an MX or SRV record indicated no SMTP service");
}
END_TEST

START_TEST(first_status_counts)
{
    static const char *const lines[] = {
        T "1xVF7w-0000P0-0c <= <> U=root P=local S=418 id=a@x for postmaster@a.test",
        T "1xVF7w-0000P0-0c == postmaster@a.test R=dnslookup T=remote_smtp defer (-53): retry "
          "time not reached for any host",
        T "1xVF7w-0000P0-0c => postmaster@a.test R=dnslookup T=remote_smtp H=mx1.a.test "
          "[127.0.0.1]:25 C=\"250 2.0.0 Ok\" DT=0.001s",
        NULL};
    struct lab_mta_msg m;
    msg(&m, "a@x");
    feed(lines, &m, 1);
    ck_assert_int_eq(m.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.reason, "retry time not reached for any host");
}
END_TEST

START_TEST(other_messages_and_pids)
{
    /* log_selector +pid puts [PID] before the ID; another Message-ID
     * (a prefix of ours) and another queue ID change nothing. */
    static const char *const lines[] = {
        T "[657] 1xVEyr-0000AZ-15 <= <> U=root P=local S=385 id=b@x.extra for postmaster@b.test",
        T "[657] 1xVEyr-0000AY-15 <= <> U=root P=local S=385 id=b@x for postmaster@b.test",
        T "[659] 1xVEyr-0000AZ-15 => postmaster@b.test R=dnslookup T=remote_smtp H=mx1.b.test "
          "[127.0.0.1]:25 C=\"250 2.0.0 Ok\" DT=0.001s",
        T "[660] cwd=/work 4 args: exim4 -C /r/mta/exim/etc/exim.conf -bp", NULL};
    struct lab_mta_msg m;
    msg(&m, "b@x");
    feed(lines, &m, 1);
    ck_assert_str_eq(m.qid, "1xVEyr-0000AY-15");
    ck_assert_int_eq(m.status, LAB_MTA_PENDING);
}
END_TEST

/* --retry: each deferral an attempt with its time; Exim's own "retry time
 * not reached" deferral is none; the delivery ends the list. */
START_TEST(retry_attempts)
{
    static const char *const lines[] = {
        "2026-12-05 22:59:44.920 1xZyjI-0000F1-2t <= sender@mta.danelab.invalid U=root "
        "P=local S=479 id=r@x for postmaster@r.test",
        "2026-12-05 22:59:45.100 1xZyjI-0000F1-2t == postmaster@r.test R=dnslookup "
        "T=remote_smtp defer (-36) DT=0.015s: DANE error: tlsa lookup DEFER",
        "2026-12-05 23:14:44.000 1xZyjI-0000F1-2t == postmaster@r.test R=dnslookup "
        "T=remote_smtp defer (-61): retry time not reached for any host for 'r.test'",
        "2026-12-05 23:14:46.179 1xZyjI-0000F1-2t == postmaster@r.test R=dnslookup "
        "T=remote_smtp defer (-36) DT=0.010s: DANE error: tlsa lookup DEFER",
        "2026-12-05 23:29:48.264 1xZyjI-0000F1-2t => postmaster@r.test R=dnslookup "
        "T=remote_smtp H=mx1.r.test [127.25.1.1]:25 X=TLS1.3:X:256 CV=dane DN=\"CN=mx1\" "
        "C=\"250 2.0.0 Ok\" DT=0.040s",
        "2026-12-05 23:44:48.264 1xZyjI-0000F1-2t == postmaster@r.test R=dnslookup "
        "T=remote_smtp defer (-36) DT=0.010s: after the delivery: not an attempt",
        NULL};
    struct lab_mta_msg m;
    msg(&m, "r@x");
    for (size_t i = 0; lines[i]; i++)
        lab_exim_log_retry_line(lines[i], &m, 1);
    ck_assert_uint_eq(m.n_att, 3);
    ck_assert_int_eq(m.att[0].at, 1796511585);
    ck_assert_int_eq(m.att[0].status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.att[0].reason, "DANE error: tlsa lookup DEFER");
    ck_assert_int_eq(m.att[1].at, 1796511585 + 901);
    ck_assert_int_eq(m.att[2].status, LAB_MTA_SENT);
    ck_assert_int_eq(m.att[2].auth, LAB_MTA_AUTH_VERIFIED);
    ck_assert_int_eq(m.expired, 0);
    free(m.att);
}
END_TEST

/* --retry: the cutoff's "**" line marks the message returned, with no
 * attempt when it names no host. */
START_TEST(retry_expired)
{
    struct lab_mta_msg m;
    msg(&m, "e@x");
    snprintf(m.qid, sizeof(m.qid), "1xZyjc-0000Fz-0e");
    m.status = LAB_MTA_DEFERRED;
    lab_exim_log_retry_line("2026-12-10 03:47:12.747 1xZyjc-0000Fz-0e ** postmaster@e.test: "
                            "retry timeout exceeded",
                            &m, 1);
    ck_assert_int_eq(m.status, LAB_MTA_BOUNCED);
    ck_assert_int_eq(m.expired, 1796874432);
    ck_assert_uint_eq(m.n_att, 0);
}
END_TEST

/* exim_dumpdb's retry records: the earliest next try of the domain's own
 * and its hosts', not another domain's. */
START_TEST(retry_next_from_dumpdb)
{
    static const char dump[] =
        "  T:mx1.a.test:127.25.1.1 -36 0 DANE error: tlsa lookup DEFER\n"
        "05-Dec-2026 22:59:45  05-Dec-2026 23:14:46  05-Dec-2026 23:29:46\n"
        "  T:mx1.a.test:fd53::25:1:1 -36 0 DANE error\n"
        "05-Dec-2026 22:59:45  05-Dec-2026 23:14:46  05-Dec-2026 23:29:40 *\n"
        "  T:mx1.b.a.test.other:127.25.2.1 -38 0 TLS required\n"
        "05-Dec-2026 22:59:45  05-Dec-2026 23:14:46  05-Dec-2026 23:00:00\n"
        "  R:ba.test -1 0 routing\n"
        "05-Dec-2026 22:59:45  05-Dec-2026 23:14:46  05-Dec-2026 23:01:00\n";
    time_t when = 0;
    ck_assert_int_eq(lab_exim_retry_next(dump, "a.test", &when), 1);
    ck_assert_int_eq(when, 1796513380);
    ck_assert_int_eq(lab_exim_retry_next(dump, "c.test", &when), 0);
    ck_assert_int_eq(lab_exim_retry_next("", "a.test", &when), 0);
}
END_TEST

/* A routing record (R:) of the domain, later than its hosts' (the DNS
 * failed after the hosts' failures): the message waits for it (Exim logs
 * "retry time not reached" for the routing); alone, it is the next try. */
START_TEST(retry_next_routing_first)
{
    static const char dump[] = "  T:mx1.a.test:127.25.1.1 -36 0 DANE error\n"
                               "05-Dec-2026 22:59:45  05-Dec-2026 23:14:46  05-Dec-2026 23:29:46\n"
                               "  R:a.test -1 0 host lookup did not complete\n"
                               "05-Dec-2026 23:40:00  05-Dec-2026 23:40:00  06-Dec-2026 00:40:00\n";
    time_t when = 0;
    ck_assert_int_eq(lab_exim_retry_next(dump, "a.test", &when), 1);
    ck_assert_int_eq(when, 1796517600); /* 06-Dec-2026 00:40:00 UTC */
    ck_assert_int_eq(lab_exim_retry_next(strstr(dump, "  R:"), "a.test", &when), 1);
    ck_assert_int_eq(when, 1796517600);
}
END_TEST

Suite *mta_exim_log_suite(void)
{
    Suite *s = suite_create("mta_exim_log");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, sent_under_dane);
    tcase_add_test(pos, bounced);
    tcase_add_test(neg, deferred_tlsa_mismatch);
    tcase_add_test(neg, deferred_without_host);
    tcase_add_test(neg, deferred_by_the_server);
    tcase_add_test(neg, first_status_counts);
    tcase_add_test(neg, other_messages_and_pids);
    tcase_add_test(pos, retry_attempts);
    tcase_add_test(neg, retry_expired);
    tcase_add_test(pos, retry_next_from_dumpdb);
    tcase_add_test(pos, retry_next_routing_first);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
