/* Unit tests for lab/lab_mta_command: placeholder expansion (shell
 * quoting), the status protocol and queue-ID parsing, and the adapter's
 * keeper: commands run, and what the start command leaves running is
 * terminated at stop. */
#include "dl_util.h"
#include "lab_mta_command.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Suite *mta_command_suite(void);

START_TEST(expand_quotes_values)
{
    struct lab_command_vars v = {
        .rcpt = "postmaster@good.test", .msgid = "a'b;$(x)@c", .qid = NULL};
    char *s = lab_command_expand("send -f {from} {rcpt} <{msgid}> q={qid}", &v);
    ck_assert_str_eq(s, "send -f '' 'postmaster@good.test' <'a'\\''b;$(x)@c'> q=''");
    free(s);
}
END_TEST

START_TEST(expand_leaves_other_braces)
{
    struct lab_command_vars v = {.dir = "/r/mta/command"};
    char *s = lab_command_expand("${HOME} {a,b} {dir}/etc {dir {rcpt x} {", &v);
    ck_assert_str_eq(s, "${HOME} {a,b} '/r/mta/command'/etc {dir {rcpt x} {");
    free(s);
}
END_TEST

START_TEST(status_lines)
{
    enum lab_mta_status st;
    char dsn[16], reason[32];
    ck_assert_int_eq(lab_command_parse_status("warning: x\ndeferred 4.7.5 Server certificate "
                                              "not verified at all\nsent\n",
                                              &st, dsn, sizeof(dsn), reason, sizeof(reason)),
                     0);
    ck_assert_int_eq(st, LAB_MTA_DEFERRED);
    ck_assert_str_eq(dsn, "4.7.5");
    ck_assert_str_eq(reason, "Server certificate not verified"); /* truncated */
    ck_assert_int_eq(lab_command_parse_status("sent", &st, dsn, sizeof(dsn), reason, 32), 0);
    ck_assert_int_eq(st, LAB_MTA_SENT);
    ck_assert_str_eq(dsn, "");
    ck_assert_str_eq(reason, "");
    ck_assert_int_eq(lab_command_parse_status("bounced 5.1.10 no\tsuch\001user\r\n", &st, dsn,
                                              sizeof(dsn), reason, sizeof(reason)),
                     0);
    ck_assert_int_eq(st, LAB_MTA_BOUNCED);
    ck_assert_str_eq(dsn, "5.1.10");
    ck_assert_str_eq(reason, "no?such?user");
    ck_assert_int_eq(
        lab_command_parse_status("pending 4.7 in queue", &st, dsn, sizeof(dsn), reason, 32), 0);
    ck_assert_int_eq(st, LAB_MTA_PENDING);
    ck_assert_str_eq(dsn, "");
    ck_assert_str_eq(reason, "4.7 in queue");
}
END_TEST

START_TEST(status_rejects)
{
    const char *bad[] = {"", "Sent", "sentx 2.0.0", " sent", "delivered 2.0.0", "\n\n"};
    enum lab_mta_status st;
    char dsn[16], reason[32], *many = NULL;
    struct dl_buf b = {0};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(
            lab_command_parse_status(bad[i], &st, dsn, sizeof(dsn), reason, sizeof(reason)) == -1,
            "accepted '%s'", bad[i]);
    /* Only the first 64 lines are read. */
    for (int i = 0; i < 64; i++)
        dl_buf_printf(&b, "noise %d\n", i);
    dl_buf_printf(&b, "sent 2.0.0 late\n");
    dl_buf_append(&b, "", 1);
    many = b.data;
    ck_assert_int_eq(lab_command_parse_status(many, &st, dsn, sizeof(dsn), reason, 32), -1);
    dl_buf_free(&b);
}
END_TEST

START_TEST(qid_first_line)
{
    char q[32];
    lab_command_parse_qid("4XyZ12.ab-c\nmore", q, sizeof(q));
    ck_assert_str_eq(q, "4XyZ12.ab-c");
    lab_command_parse_qid("ABC\r\n", q, sizeof(q));
    ck_assert_str_eq(q, "ABC");
    lab_command_parse_qid("queued as ABC\n", q, sizeof(q));
    ck_assert_str_eq(q, "");
    lab_command_parse_qid("0123456789012345678901234567890123", q, sizeof(q));
    ck_assert_str_eq(q, "");
    lab_command_parse_qid("", q, sizeof(q));
    ck_assert_str_eq(q, "");
}
END_TEST

/* --retry: the status command's attempt, next and returned lines. */
START_TEST(retry_lines)
{
    struct lab_mta_attempt a;
    time_t when = 0;
    const char *l1 = "attempt @1796559027 deferred 4.7.5 Server certificate not verified";
    const char *l2 = "  attempt 2026-12-06T12:15:27Z\tsent 250 2.0.0 Ok";
    ck_assert_int_eq(lab_command_parse_retry_line(l1, strlen(l1), &a, &when), LAB_COMMAND_ATTEMPT);
    ck_assert_int_eq(a.at, 1796559027);
    ck_assert_int_eq(when, 1796559027);
    ck_assert_int_eq(a.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(a.dsn, "4.7.5");
    ck_assert_str_eq(a.reason, "Server certificate not verified");
    ck_assert_int_eq(a.auth, LAB_MTA_AUTH_UNKNOWN);
    ck_assert_int_eq(lab_command_parse_retry_line(l2, strlen(l2), &a, &when), LAB_COMMAND_ATTEMPT);
    ck_assert_int_eq(a.at, 1796559327);
    ck_assert_int_eq(a.status, LAB_MTA_SENT);
    ck_assert_str_eq(a.dsn, "");
    ck_assert_str_eq(a.reason, "250 2.0.0 Ok");
    ck_assert_int_eq(lab_command_parse_retry_line("next @1796560000", 16, &a, &when),
                     LAB_COMMAND_NEXT);
    ck_assert_int_eq(when, 1796560000);
    /* only the first len bytes count */
    ck_assert_int_eq(lab_command_parse_retry_line("returned @5\nnext @9", 11, &a, &when),
                     LAB_COMMAND_RETURNED);
    ck_assert_int_eq(when, 5);
}
END_TEST

START_TEST(retry_lines_reject)
{
    static const char *const bad[] = {"deferred 4.7.5 not an attempt line",
                                      "attempt deferred 4.7.5 no time",
                                      "attempt @12x deferred",
                                      "attempt 2026-12-06 12:15:27 sent",
                                      "attempt @100 pending",
                                      "attempt @100 delivered 2.0.0",
                                      "attempt @100",
                                      "next",
                                      "next tomorrow",
                                      "nexttime @5",
                                      ""};
    struct lab_mta_attempt a;
    time_t when;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(lab_command_parse_retry_line(bad[i], strlen(bad[i]), &a, &when) ==
                          LAB_COMMAND_OTHER,
                      "accepted: %s", bad[i]);
}
END_TEST

/* --retry through the keeper: the clock's environment in every command
 * (and listed in DANELAB_CLOCK_ENV), the attempts and next try read from
 * the status command, a failing kick an error, and --kick required. */
START_TEST(retry_keeper)
{
    char dir[] = "/tmp/check-mta-command-XXXXXX";
    const struct lab_mta_adapter *ad = &lab_mta_command;
    static const char *const env[] = {"CHECK_CLOCK=+60", "TZ=UTC", NULL};
    time_t now = 1796559000, when = 0;
    struct lab_mta_clock clk = {.env = env, .now = &now, .sender = "sender@x.invalid"};
    struct lab_mta_option opts[] = {
        {"start", "true"},
        {"inject", "cat >/dev/null"},
        {"status", "echo next @1796559600; echo attempt @1796559001 deferred 4.7.5 "
                   "$CHECK_CLOCK \"$DANELAB_CLOCK_ENV\" {from}; echo attempt @bad sent"},
        {"kick", "exit 3"},
        {"queue-lifetime", "5d"}};
    struct lab_mta_msg m = {.msgid = "m1@x", .rcpt = "postmaster@good.test"};
    struct dl_error err;
    void *mta;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    mta = ad->create(dir, true, opts, 4, &err); /* no --queue-lifetime: 0 */
    ck_assert_msg(mta != NULL, "%s", err.msg);
    ck_assert_int_eq(ad->lifetime(mta), 0);
    ad->destroy(mta);
    mta = ad->create(dir, true, opts, 5, &err);
    ck_assert_msg(mta != NULL, "%s", err.msg);
    ck_assert_int_eq(ad->lifetime(mta), 5 * 86400);
    ck_assert_int_eq(ad->retry(mta, &clk, &err), 0);
    ck_assert_int_eq(ad->start(mta, &err), 0);
    ck_assert_int_eq(ad->inject(mta, &m, "good", &err), 0);
    ck_assert_int_eq(ad->next_try(mta, &m, &when), 0); /* no status read yet */
    ck_assert_uint_eq(ad->poll(mta, &m, 1), 0);
    ck_assert_uint_eq(m.n_att, 1);
    ck_assert_int_eq(m.att[0].at, 1796559001);
    ck_assert_int_eq(m.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.dsn, "4.7.5");
    ck_assert_str_eq(m.reason, "+60 CHECK_CLOCK=+60 TZ=UTC sender@x.invalid");
    ck_assert_int_eq(ad->next_try(mta, &m, &when), 1);
    ck_assert_int_eq(when, 1796559600);
    ck_assert_int_eq(ad->kick(mta, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "--kick `exit 3`: exit status 3"));
    ad->destroy(mta);
    free(m.att);
    mta = ad->create(dir, true, opts, 3, &err); /* no --kick */
    ck_assert_msg(mta != NULL, "%s", err.msg);
    ck_assert_int_eq(ad->retry(mta, &clk, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "--kick CMD are required"));
    ad->destroy(mta);
    lab_mta_rm_tree(dir);
}
END_TEST

/* Processes whose command line holds `mark`. */
static int count_procs(const char *mark)
{
    char cmd[256], line[64];
    FILE *p;
    int n = 0;
    snprintf(cmd, sizeof(cmd), "pgrep -f -- '%s'", mark);
    if ((p = popen(cmd, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), p))
        n++;
    pclose(p);
    return n;
}

START_TEST(keeper_runs_and_cleans_up)
{
    char dir[] = "/tmp/check-mta-command-XXXXXX", *status;
    const struct lab_mta_adapter *ad = &lab_mta_command;
    /* A sleep no other run of this test shares: its duration names our PID. */
    char *start = dl_xasprintf("sleep 301.%ld >/dev/null 2>&1 &", (long)getpid());
    char *mark = dl_xasprintf("[s]leep 301.%ld$", (long)getpid());
    struct lab_mta_option opts[] = {{"start", start},
                                    {"inject", "cat >{dir}/msg; echo Q{scenario}"},
                                    {"status", "echo deferred 4.7.5 {qid} {msgid}"},
                                    {"command-timeout", "10"}};
    struct lab_mta_msg m = {.msgid = "m1@x", .rcpt = "postmaster@good.test"};
    struct dl_error err;
    char *text = NULL;
    void *mta;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    mta = ad->create(dir, true, opts, 4, &err);
    ck_assert_msg(mta != NULL, "%s", err.msg);
    ck_assert_int_eq(ad->start(mta, &err), 0);
    ck_assert_int_eq(count_procs(mark), 1);
    ck_assert_int_eq(ad->inject(mta, &m, "good", &err), 0);
    ck_assert_uint_eq(ad->poll(mta, &m, 1), 0);
    ck_assert_str_eq(m.qid, "Qgood");
    ck_assert_int_eq(m.status, LAB_MTA_DEFERRED);
    ck_assert_str_eq(m.reason, "Qgood m1@x");
    status = dl_xasprintf("%s/mta/command/msg", dir);
    ck_assert_int_eq(dl_read_file(status, 4096, &text, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(text, "Message-ID: <m1@x>\n"));
    ad->stop(mta); /* no --stop: SIGTERM to what start left */
    ck_assert_int_eq(count_procs(mark), 0);
    ad->destroy(mta);
    free(text);
    free(status);
    free(start);
    free(mark);
    lab_mta_rm_tree(dir);
}
END_TEST

START_TEST(create_rejects)
{
    struct lab_mta_option only_start[] = {{"start", "true"}};
    struct lab_mta_option twice[] = {{"start", "true"}, {"inject", "true"}, {"start", "x"}};
    struct lab_mta_option blank[] = {{"start", " "}, {"inject", "true"}};
    struct lab_mta_option tmo[] = {{"start", "true"}, {"inject", "true"}, {"command-timeout", "0"}};
    struct lab_mta_option life[] = {{"start", "true"}, {"inject", "true"}, {"queue-lifetime", "x"}};
    struct dl_error err;
    ck_assert_ptr_null(lab_mta_command.create("/nonexistent", true, only_start, 1, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--inject CMD"));
    ck_assert_ptr_null(lab_mta_command.create("/nonexistent", true, twice, 3, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--start given twice"));
    ck_assert_ptr_null(lab_mta_command.create("/nonexistent", true, blank, 2, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--start: expected a command"));
    ck_assert_ptr_null(lab_mta_command.create("/nonexistent", true, tmo, 3, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--command-timeout"));
    ck_assert_ptr_null(lab_mta_command.create("/nonexistent", true, life, 3, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--queue-lifetime 'x'"));
}
END_TEST

Suite *mta_command_suite(void)
{
    Suite *s = suite_create("mta_command");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, expand_quotes_values);
    tcase_add_test(pos, expand_leaves_other_braces);
    tcase_add_test(pos, status_lines);
    tcase_add_test(pos, qid_first_line);
    tcase_add_test(pos, keeper_runs_and_cleans_up);
    tcase_add_test(pos, retry_lines);
    tcase_add_test(pos, retry_keeper);
    tcase_set_timeout(pos, 30);
    tcase_add_test(neg, status_rejects);
    tcase_add_test(neg, create_rejects);
    tcase_add_test(neg, retry_lines_reject);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
