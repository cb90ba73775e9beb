/* Unit tests for fakesmtp/smtp_session: the state machine fed without
 * sockets, replies and transitions checked, the message store faked. */
#include "fsmtp_tls.h"
#include "fsmtp_guard.h"
#include "smtp_session.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *smtp_session_suite(void);

static struct fsmtp_listener *lis;
static struct smtp_session *sess;
static char stored[65536];
static size_t stored_len;
static int store_calls, store_fail;

static int fake_store(void *ctx, const char *maildir, const char *data, size_t len, char *name,
                      size_t namelen, struct dl_error *err)
{
    (void)ctx;
    (void)maildir;
    store_calls++;
    if (store_fail)
        return dl_error_set(err, "disk full");
    ck_assert_uint_lt(len, sizeof(stored));
    memcpy(stored, data, len);
    stored_len = len;
    snprintf(name, namelen, "msg%d", store_calls);
    return 0;
}

static void setup(void)
{
    static const struct smtp_session_hooks hooks = {.store = fake_store};
    lis = fsmtp_listener_new("mx1.test", "127.0.0.1", 25);
    free(lis->maildir);
    lis->maildir = strdup("/nonexistent");
    lis->tls.ssl_ctx = NULL;
    store_calls = store_fail = 0;
    stored_len = 0;
    sess = NULL;
    (void)hooks;
}

static void teardown(void)
{
    smtp_session_free(sess);
    fsmtp_listener_unref(lis);
}

static void start_with(const struct smtp_session_hooks *hooks)
{
    sess = smtp_session_new(lis, "192.0.2.1:1234", hooks);
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_NEW);
    ck_assert_int_eq(smtp_session_start(sess), SMTP_ACTION_NONE);
}

static void start(void)
{
    static const struct smtp_session_hooks hooks = {.store = fake_store};
    sess = smtp_session_new(lis, "192.0.2.1:1234", &hooks);
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_NEW);
    ck_assert_int_eq(smtp_session_start(sess), SMTP_ACTION_NONE);
}

/* Output since the last call, as a NUL-terminated string (then cleared). */
static const char *out(void)
{
    static char buf[65536];
    struct dl_buf *o = smtp_session_output(sess);
    ck_assert_uint_lt(o->len, sizeof(buf));
    memcpy(buf, o->data ? o->data : "", o->len);
    buf[o->len] = '\0';
    o->len = 0;
    return buf;
}

static enum smtp_action feed(const char *s)
{
    return smtp_session_input(sess, s, strlen(s));
}

START_TEST(banner_and_ehlo)
{
    start();
    ck_assert_str_eq(out(), "220 mx1.test ESMTP fakesmtp\r\n");
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_CONNECTED);
    feed("EHLO client\r\n");
    ck_assert_str_eq(out(), "250-mx1.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n"
                            "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n");
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_GREETED);
}
END_TEST

START_TEST(ehlo_variants)
{
    lis->ehlo_extensions = false;
    start();
    out();
    feed("EHLO c\r\n");
    ck_assert_str_eq(out(), "250-mx1.test\r\n250 STARTTLS\r\n");
    lis->starttls_advertise = false;
    feed("EHLO c\r\nHELO c\r\n");
    ck_assert_str_eq(out(), "250 mx1.test\r\n250 mx1.test\r\n");
}
END_TEST

START_TEST(full_transaction_pipelined)
{
    start();
    out();
    /* one read holding a whole pipelined transaction with dot-stuffing */
    ck_assert_int_eq(feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\n"
                          "DATA\r\nSubject: x\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n"),
                     SMTP_ACTION_CLOSE);
    ck_assert_ptr_nonnull(strstr(out(), "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End "
                                        "data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as "
                                        "msg1\r\n221 2.0.0 Bye\r\n"));
    ck_assert_int_eq(store_calls, 1);
    ck_assert_uint_eq(stored_len, strlen("Subject: x\r\n\r\n.dot\r\nbody\r\n"));
    ck_assert_int_eq(memcmp(stored, "Subject: x\r\n\r\n.dot\r\nbody\r\n", stored_len), 0);
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_CLOSED);
    ck_assert_str_eq(json_string_value(json_object_get(smtp_session_record(sess), "outcome")),
                     "quit");
}
END_TEST

START_TEST(sequence_errors)
{
    start();
    out();
    feed("MAIL FROM:<a@b>\r\n");
    ck_assert_str_eq(out(), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    feed("EHLO c\r\n");
    out();
    feed("RCPT TO:<a@b>\r\nDATA\r\nMAIL FROM:<a@b>\r\nDATA\r\nMAIL FROM:<x@y>\r\n");
    ck_assert_str_eq(out(), "503 5.5.1 Error: need MAIL command\r\n"
                            "503 5.5.1 Error: need RCPT command\r\n"
                            "250 2.1.0 Ok\r\n"
                            "554 5.5.1 Error: no valid recipients\r\n"
                            "503 5.5.1 Error: nested MAIL command\r\n");
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_MAIL);
    feed("RSET\r\n");
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_GREETED);
}
END_TEST

START_TEST(starttls_accept_discards_injection)
{
    struct fsmtp_tls_info info = {.version = "TLSv1.3", .cipher = "X", .sni = "mx1.test"};
    json_t *rec;
    lis->starttls = FSMTP_STARTTLS_ACCEPT;
    lis->tls.ssl_ctx = (void *)1; /* never dereferenced by the session */
    start();
    out();
    ck_assert_int_eq(feed("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<evil@x>\r\n"), SMTP_ACTION_STARTTLS);
    ck_assert_str_eq(strstr(out(), "250 STARTTLS\r\n") + 14, "220 2.0.0 Ready to start TLS\r\n");
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_TLS);
    /* more plaintext before the handshake ends: dropped too */
    ck_assert_int_eq(feed("RCPT TO:<x@y>\r\n"), SMTP_ACTION_NONE);
    ck_assert_str_eq(out(), "");
    ck_assert_int_eq(smtp_session_tls_done(sess, &info), SMTP_ACTION_NONE);
    lis->tls.ssl_ctx = NULL;
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_CONNECTED);
    ck_assert(smtp_session_in_tls(sess));
    feed("MAIL FROM:<a@b>\r\n");
    ck_assert_str_eq(out(), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    feed("EHLO c\r\nSTARTTLS\r\n");
    ck_assert_ptr_null(strstr(out(), "STARTTLS\r\n503")); /* not advertised in TLS */
    rec = smtp_session_record(sess);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "discarded_after_starttls")),
                     (json_int_t)(strlen("MAIL FROM:<evil@x>\r\n") + strlen("RCPT TO:<x@y>\r\n")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "tls"), "sni")),
                     "mx1.test");
}
END_TEST

START_TEST(starttls_454_and_close)
{
    start();
    out();
    feed("STARTTLS\r\n");
    ck_assert_str_eq(out(), "503 5.5.1 Error: send EHLO first\r\n");
    feed("EHLO c\r\n");
    out();
    ck_assert_int_eq(feed("STARTTLS\r\n"), SMTP_ACTION_NONE);
    ck_assert_str_eq(out(), "454 4.7.0 TLS not available\r\n");
    lis->starttls = FSMTP_STARTTLS_CLOSE;
    ck_assert_int_eq(feed("STARTTLS\r\n"), SMTP_ACTION_CLOSE);
    ck_assert_str_eq(out(), "");
}
END_TEST

START_TEST(tls_failure_closes)
{
    lis->starttls = FSMTP_STARTTLS_ACCEPT;
    lis->tls.ssl_ctx = (void *)1;
    start();
    feed("EHLO c\r\nSTARTTLS\r\n");
    lis->tls.ssl_ctx = NULL;
    ck_assert_int_eq(smtp_session_tls_failed(sess, "bad", NULL), SMTP_ACTION_CLOSE);
    ck_assert_str_eq(json_string_value(json_object_get(smtp_session_record(sess), "outcome")),
                     "tls-failed");
}
END_TEST

START_TEST(require_tls)
{
    lis->require_tls = true;
    start();
    out();
    feed("EHLO c\r\nMAIL FROM:<a@b>\r\n");
    ck_assert_ptr_nonnull(strstr(out(), "530 5.7.0 Must issue a STARTTLS command first\r\n"));
}
END_TEST

struct scripted_case {
    enum fsmtp_step step;
    const char *reply;
    const char *input;
    const char *want; /* the reply expected last */
};

static const struct scripted_case scripted_cases[] = {
    {FSMTP_STEP_MAIL, "550 5.7.1 go away", "MAIL FROM:<a@b>\r\n", "550 5.7.1 go away\r\n"},
    {FSMTP_STEP_RCPT, "450 4.2.0 later", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
     "450 4.2.0 later\r\n"},
    {FSMTP_STEP_DATA, "554 5.7.0 no data", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
     "554 5.7.0 no data\r\n"},
    {FSMTP_STEP_DOT, "451 4.3.0 try again",
     "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhi\r\n.\r\n", "451 4.3.0 try again\r\n"},
};

START_TEST(scripted_replies)
{
    const struct scripted_case *c = &scripted_cases[_i];
    const char *o;
    lis->reply[c->step] = strdup(c->reply);
    start();
    feed("EHLO c\r\n");
    out();
    ck_assert_int_eq(feed(c->input), SMTP_ACTION_NONE);
    o = out();
    ck_assert_uint_ge(strlen(o), strlen(c->want));
    ck_assert_str_eq(o + strlen(o) - strlen(c->want), c->want);
    ck_assert_int_eq(store_calls, 0);
}
END_TEST

static const enum fsmtp_step drop_steps[] = {FSMTP_STEP_EHLO, FSMTP_STEP_MAIL, FSMTP_STEP_RCPT,
                                             FSMTP_STEP_DATA, FSMTP_STEP_DOT};
/* the last reply sent before each drop */
static const char *const drop_last[] = {"", "250 STARTTLS\r\n", "250 2.1.0 Ok\r\n",
                                        "250 2.1.5 Ok\r\n", "<CR><LF>.<CR><LF>\r\n"};

START_TEST(drops)
{
    const char *o;
    lis->drop_at = drop_steps[_i];
    start();
    out();
    ck_assert_int_eq(feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\n"),
                     SMTP_ACTION_CLOSE);
    o = out();
    /* nothing answered to the step where the connection drops */
    ck_assert_uint_ge(strlen(o), strlen(drop_last[_i]));
    ck_assert_str_eq(o + strlen(o) - strlen(drop_last[_i]), drop_last[_i]);
    ck_assert_int_eq(store_calls, 0);
    ck_assert_str_ne(json_string_value(json_object_get(smtp_session_record(sess), "outcome")),
                     "quit");
}
END_TEST

START_TEST(drop_at_connect)
{
    lis->drop_at = FSMTP_STEP_CONNECT;
    sess = smtp_session_new(lis, "p", NULL);
    ck_assert_int_eq(smtp_session_start(sess), SMTP_ACTION_CLOSE);
    ck_assert_str_eq(out(), "");
}
END_TEST

START_TEST(hostile_lines)
{
    char big[2000];
    start();
    out();
    feed("EHLO c\n");
    ck_assert_str_eq(out(), "500 5.5.2 Error: bare <LF> received, use <CR><LF>\r\n");
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_CONNECTED);
    ck_assert_int_eq(smtp_session_input(sess, "EHLO \0x\r\n", 9), SMTP_ACTION_NONE);
    ck_assert_str_eq(out(), "500 5.5.2 Error: invalid character in command\r\n");
    memset(big, 'A', sizeof(big));
    memcpy(big + sizeof(big) - 2, "\r\n", 2);
    smtp_session_input(sess, big, sizeof(big));
    ck_assert_str_eq(out(), "500 5.5.2 Error: line too long\r\n");
    feed("\xff\xfe\r\n");
    ck_assert_str_eq(out(), "500 5.5.2 Error: invalid character in command\r\n");
    feed("EHLO ok\r\n");
    ck_assert_ptr_nonnull(strstr(out(), "250 STARTTLS"));
}
END_TEST

START_TEST(too_many_errors)
{
    lis->max_errors = 3;
    start();
    out();
    ck_assert_int_eq(feed("X\r\nY\r\nZ\r\nEHLO never\r\n"), SMTP_ACTION_CLOSE);
    ck_assert_str_eq(out(), "500 5.5.2 Error: command not recognized\r\n"
                            "500 5.5.2 Error: command not recognized\r\n"
                            "500 5.5.2 Error: command not recognized\r\n"
                            "421 4.7.0 mx1.test Error: too many errors\r\n");
    ck_assert_str_eq(json_string_value(json_object_get(smtp_session_record(sess), "outcome")),
                     "too-many-errors");
}
END_TEST

START_TEST(endless_line_closes)
{
    static char junk[70000];
    memset(junk, 'j', sizeof(junk));
    start();
    out();
    ck_assert_int_eq(smtp_session_input(sess, junk, sizeof(junk)), SMTP_ACTION_CLOSE);
    ck_assert_ptr_nonnull(strstr(out(), "421 4.7.0"));
}
END_TEST

static const char *const bad_messages[] = {
    /* bare LF in the text; a bare-LF dot must not end DATA (smuggling) */
    "DATA\r\nhello\nworld\r\n.\n"
    "MAIL FROM:<smuggled@x>\r\n.\r\n",
    /* a text line over 1000 octets */
    NULL,
    /* over max_size (set to 100 below) */
    NULL,
};

START_TEST(bad_messages_refused)
{
    static const char *const want[] = {"550 5.6.0 Error: bare <LF>",
                                       "550 5.6.0 Error: message line", "552 5.3.4"};
    char text[4000];
    const char *o;
    lis->max_size = 100;
    start();
    feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
    out();
    if (_i == 0) {
        feed(bad_messages[0]);
    } else {
        size_t n = _i == 1 ? 1500 : 90;
        strcpy(text, "DATA\r\n");
        memset(text + 6, 'x', n);
        strcpy(text + 6 + n, "\r\nmore text\r\n.\r\n");
        feed(text);
    }
    o = out();
    ck_assert_msg(strstr(o, want[_i]) != NULL, "case %d: %s", _i, o);
    ck_assert_int_eq(store_calls, 0);
    ck_assert_int_eq(smtp_session_state(sess), SMTP_STATE_GREETED);
    ck_assert_ptr_null(strstr(o, "250 2.1.0")); /* the smuggled MAIL was message text */
}
END_TEST

START_TEST(store_failure_is_451)
{
    store_fail = 1;
    start();
    feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\n");
    ck_assert_ptr_nonnull(strstr(out(), "451 4.3.0"));
}
END_TEST

/* Message text held in memory only as far as the guard allows: past it,
 * 452 4.3.1 at the end of the message (nothing stored), and every byte
 * reserved is given back when the transaction ends. */
START_TEST(memory_bound_is_452)
{
    struct fsmtp_guard *g = fsmtp_guard_new(1 << 20);
    const struct smtp_session_hooks hooks = {.store = fake_store,
                                             .mem_ctx = g,
                                             .reserve = fsmtp_guard_reserve,
                                             .release = fsmtp_guard_release};
    char line[1002];
    const char *o;
    memset(line, 'x', 998);
    memcpy(line + 998, "\r\n", 3);
    lis->max_size = 4 << 20;
    start_with(&hooks);
    feed("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    for (int i = 0; i < 2000; i++) /* ~2 MB, twice the bound */
        feed(line);
    ck_assert_uint_le(fsmtp_guard_buffered(g), 1 << 20);
    feed(".\r\n");
    o = out();
    ck_assert_ptr_nonnull(strstr(o, "452 4.3.1"));
    ck_assert_int_eq(store_calls, 0);
    ck_assert_uint_eq(fsmtp_guard_buffered(g), 0);
    /* a message that fits goes through, and its bytes come back */
    feed("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nsmall\r\n.\r\n");
    ck_assert_ptr_nonnull(strstr(out(), "250 2.0.0"));
    ck_assert_int_eq(store_calls, 1);
    ck_assert_uint_eq(fsmtp_guard_buffered(g), 0);
    ck_assert_uint_le(fsmtp_guard_buffered_peak(g), 1 << 20);
    smtp_session_free(sess);
    sess = NULL;
    fsmtp_guard_free(g);
}
END_TEST

/* A line begun and not ended is visible to the server's deadline. */
START_TEST(pending_line_counted)
{
    start();
    feed("EHLO c\r\nMAIL FR");
    ck_assert_uint_eq(smtp_session_pending(sess), 7);
    feed("OM:<a@b>\r\n");
    ck_assert_uint_eq(smtp_session_pending(sess), 0);
}
END_TEST

START_TEST(size_and_recipient_limits)
{
    const char *o;
    lis->max_recipients = 2;
    lis->max_size = 1000;
    start();
    feed("EHLO c\r\nMAIL FROM:<a@b> SIZE=5000\r\nMAIL FROM:<a@b> SIZE=10\r\n"
         "RCPT TO:<1@x>\r\nRCPT TO:<2@x>\r\nRCPT TO:<3@x>\r\n");
    o = out();
    ck_assert_ptr_nonnull(strstr(o, "552 5.3.4"));
    ck_assert_ptr_nonnull(strstr(o, "452 4.5.3"));
}
END_TEST

START_TEST(timeout_and_shutdown)
{
    start();
    out();
    ck_assert_int_eq(smtp_session_timeout(sess), SMTP_ACTION_CLOSE);
    ck_assert_str_eq(out(), "421 4.4.2 mx1.test Error: timeout exceeded\r\n");
    smtp_session_free(sess);
    start();
    out();
    ck_assert_int_eq(smtp_session_shutdown(sess), SMTP_ACTION_CLOSE);
    ck_assert_str_eq(out(), "421 4.3.2 mx1.test Service shutting down\r\n");
    ck_assert_int_eq(feed("EHLO late\r\n"), SMTP_ACTION_NONE);
    ck_assert_str_eq(out(), "");
}
END_TEST

START_TEST(transcript_bounded)
{
    json_t *rec;
    start();
    for (int i = 0; i < 2000; i++)
        feed("NOOP\r\n");
    rec = smtp_session_record(sess);
    ck_assert_uint_le(json_array_size(json_object_get(rec, "transcript")), 256);
    ck_assert_int_gt(json_integer_value(json_object_get(rec, "transcript_dropped")), 0);
}
END_TEST

START_TEST(state_names)
{
    ck_assert_str_eq(smtp_state_name(SMTP_STATE_DATA), "data");
    ck_assert_str_eq(smtp_state_name((enum smtp_state)42), "?");
    for (int st = 0; st < SMTP_STATE_COUNT; st++)
        ck_assert_ptr_nonnull(smtp_state_name((enum smtp_state)st));
}
END_TEST

Suite *smtp_session_suite(void)
{
    Suite *s = suite_create("smtp_session");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_checked_fixture(pos, setup, teardown);
    tcase_add_checked_fixture(neg, setup, teardown);
    tcase_add_test(pos, banner_and_ehlo);
    tcase_add_test(pos, ehlo_variants);
    tcase_add_test(pos, full_transaction_pipelined);
    tcase_add_test(pos, starttls_accept_discards_injection);
    tcase_add_test(pos, state_names);
    tcase_add_test(neg, sequence_errors);
    tcase_add_test(neg, starttls_454_and_close);
    tcase_add_test(neg, tls_failure_closes);
    tcase_add_test(neg, require_tls);
    tcase_add_loop_test(neg, scripted_replies, 0,
                        sizeof(scripted_cases) / sizeof(scripted_cases[0]));
    tcase_add_loop_test(neg, drops, 0, sizeof(drop_steps) / sizeof(drop_steps[0]));
    tcase_add_test(neg, drop_at_connect);
    tcase_add_test(neg, hostile_lines);
    tcase_add_test(neg, too_many_errors);
    tcase_add_test(neg, endless_line_closes);
    tcase_add_loop_test(neg, bad_messages_refused, 0, 3);
    tcase_add_test(neg, store_failure_is_451);
    tcase_add_test(neg, size_and_recipient_limits);
    tcase_add_test(neg, memory_bound_is_452);
    tcase_add_test(neg, pending_line_counted);
    tcase_add_test(neg, timeout_and_shutdown);
    tcase_add_test(neg, transcript_bounded);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
