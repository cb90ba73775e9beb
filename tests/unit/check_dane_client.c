/* Unit tests for the reference client's pure parts: TLSA usability, the
 * outcome codes of both profiles, one run's result under the other
 * profile, the retry schedule, SMTP reply parsing with hostile input,
 * wire-form names. */
#include "dane_client.h"
#include "dane_dns.h"
#include "dane_outcome.h"
#include "dane_retry.h"
#include "dane_smtp.h"
#include "dane_tlsa.h"

#include <check.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

Suite *dane_client_suite(void);

/* --- TLSA usability (RFC 7672 3.1) ---------------------------------------- */

static const struct {
    const char *text;
    const char *unusable; /* substring of the reason; NULL: usable */
} tlsa_cases[] = {
    {"3 1 1 0000000000000000000000000000000000000000000000000000000000000000", NULL},
    {"3 0 1 00000000000000000000000000000000 00000000000000000000000000000000", NULL},
    {"2 0 1 0000000000000000000000000000000000000000000000000000000000000000", NULL},
    {"2 1 2 00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000",
     NULL},
    /* Full(0) data is judged as OpenSSL judges it (RFC 6698 2.1.3, 2.1.4): one
     * whole DER SubjectPublicKeyInfo or certificate, nothing after it */
    {"3 1 0 3059301306072a8648ce3d020106082a8648ce3d0301070342000416d77a976506f2782945e37679d7ed"
     "54643afbe850103ba7f19b90cb47c0a1779c33354bcd2fef260b521f6795fdffd7151881d34a621e55fc4283"
     "44b6bad025",
     NULL},
    {"2 1 0 302a300506032b6570032100c52182258dabac6e2d7c0e5c536f4f90238fef91beba0bc49281c9a7cce6"
     "2eea",
     NULL},
    {"3 1 0 3059301306072a8648ce3d020106082a8648ce3d03010703420004", "not one DER Subject"},
    {"3 1 0 302a300506032b6570032100c52182258dabac6e2d7c0e5c536f4f90238fef91beba0bc49281c9a7cce6"
     "2eea00",
     "not one DER Subject"},
    {"3 0 0 302a300506032b6570032100c52182258dabac6e2d7c0e5c536f4f90238fef91beba0bc49281c9a7cce6"
     "2eea",
     "not one DER certificate"},
    {"2 0 0 00", "not one DER certificate"},
    {"0 0 1 0000000000000000000000000000000000000000000000000000000000000000", "PKIX"},
    {"1 1 1 0000000000000000000000000000000000000000000000000000000000000000", "PKIX"},
    {"4 1 1 0000000000000000000000000000000000000000000000000000000000000000", "usage"},
    {"3 2 1 0000000000000000000000000000000000000000000000000000000000000000", "selector"},
    {"3 1 3 0000000000000000000000000000000000000000000000000000000000000000", "matching"},
    {"3 1 1 00000000000000000000000000000000", "32 bytes"},
    {"3 1 2 0000000000000000000000000000000000000000000000000000000000000000", "64 bytes"},
};

START_TEST(tlsa_classification)
{
    struct dane_tlsa r;
    ck_assert_int_eq(dane_tlsa_from_text(tlsa_cases[_i].text, &r), 0);
    if (tlsa_cases[_i].unusable == NULL)
        ck_assert_msg(r.unusable == NULL, "%s: %s", tlsa_cases[_i].text, r.unusable);
    else
        ck_assert_msg(r.unusable && strstr(r.unusable, tlsa_cases[_i].unusable), "%s: %s",
                      tlsa_cases[_i].text, r.unusable ? r.unusable : "usable");
    dane_tlsa_clear(&r);
}
END_TEST

START_TEST(tlsa_bad_text)
{
    struct dane_tlsa r;
    const char *bad[] = {"", "3 1", "3 1 1", "3 1 1 0g", "3 1 1 abc", "256 1 1 00", "x 1 1 00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = dane_tlsa_from_text(bad[i], &r);
        ck_assert_msg(rc == -1 || r.unusable, "accepted '%s'", bad[i]);
        if (rc == 0)
            dane_tlsa_clear(&r);
    }
}
END_TEST

START_TEST(tlsa_wire_short)
{
    struct dane_tlsa r;
    const unsigned char two[] = {3, 1};
    ck_assert_int_eq(dane_tlsa_from_wire(two, sizeof(two), &r), -1);
    ck_assert_ptr_nonnull(r.unusable);
}
END_TEST

/* --- outcomes: the contract table of the brief, both profiles ------------ */

static const struct {
    enum dane_profile p;
    enum dane_reason r;
    struct dane_facts f;
    bool final;
    const char *status, *code, *name, *tlsrpt;
} outcome_cases[] = {
    {DANE_PROFILE_RFC7672,
     DANE_R_AUTHENTICATED,
     {0},
     false,
     "delivered",
     "2.0.0",
     "delivered",
     NULL},
    {DANE_PROFILE_RFC7672,
     DANE_R_STARTTLS_NOT_OFFERED,
     {0},
     false,
     "deferred",
     "4.7.321",
     "starttls-not-supported",
     "starttls-not-supported"},
    {DANE_PROFILE_RFC7672,
     DANE_R_STARTTLS_NOT_OFFERED,
     {0},
     true,
     "bounced",
     "5.7.321",
     "starttls-not-supported",
     "starttls-not-supported"},
    {DANE_PROFILE_RFC7672,
     DANE_R_CERT_EXPIRED,
     {0},
     false,
     "deferred",
     "4.7.322",
     "certificate-expired",
     "certificate-expired"},
    {DANE_PROFILE_RFC7672,
     DANE_R_NO_TLSA_MATCH,
     {0},
     false,
     "deferred",
     "4.7.323",
     "tlsa-invalid",
     "tlsa-invalid"},
    {DANE_PROFILE_RFC7672,
     DANE_R_CERT_NOT_YET_VALID,
     {0},
     false,
     "deferred",
     "4.7.323",
     "tlsa-invalid",
     "validation-failure"},
    {DANE_PROFILE_RFC7672,
     DANE_R_DNSSEC_BOGUS,
     {0},
     false,
     "deferred",
     "4.7.324",
     "dnssec-invalid",
     "dnssec-invalid"},
    {DANE_PROFILE_RFC7672,
     DANE_R_TLSA_SERVFAIL,
     {0},
     false,
     "deferred",
     "4.7.324",
     "dnssec-invalid",
     "dnssec-invalid"},
    {DANE_PROFILE_RFC7672,
     DANE_R_DNS_FAILED,
     {0},
     true,
     "bounced",
     "5.4.312",
     "DNS query failed",
     NULL},
    {DANE_PROFILE_RFC7672,
     DANE_R_HOST_MISMATCH,
     {0},
     false,
     "deferred",
     "4.7.325",
     "certificate-host-mismatch",
     "certificate-host-mismatch"},
    /* DANE-EE ignores validity dates (RFC 7672 3.1.1) ... */
    {DANE_PROFILE_RFC7672,
     DANE_R_AUTHENTICATED,
     {.leaf_expired = true},
     false,
     "delivered",
     "2.0.0",
     "delivered",
     NULL},
    /* ... exchange-online does not (seed 001) */
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_AUTHENTICATED,
     {.leaf_expired = true},
     false,
     "deferred",
     "4.7.322",
     "certificate-expired",
     "certificate-expired"},
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_AUTHENTICATED,
     {.leaf_not_yet_valid = true},
     false,
     "deferred",
     "4.7.323",
     "tlsa-invalid",
     "validation-failure"},
    /* exchange-online's known limitation: bogus surfaces as the DNS error */
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_DNSSEC_BOGUS,
     {0},
     false,
     "deferred",
     "4.4.312",
     "DNS query failed",
     "dnssec-invalid"},
    /* ... but SERVFAIL on the TLSA query is 4.7.324 */
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_TLSA_SERVFAIL,
     {0},
     false,
     "deferred",
     "4.7.324",
     "dnssec-invalid",
     "dnssec-invalid"},
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_HOST_MISMATCH,
     {0},
     true,
     "bounced",
     "5.7.323",
     "tlsa-invalid",
     "certificate-host-mismatch"},
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_NO_MAIL_HOST,
     {0},
     false,
     "bounced",
     "5.1.2",
     "bad-destination",
     NULL},
};

START_TEST(outcome_mapping)
{
    struct dane_outcome o;
    dane_outcome_map(outcome_cases[_i].p, outcome_cases[_i].r, &outcome_cases[_i].f,
                     outcome_cases[_i].final, &o);
    ck_assert_str_eq(dane_status_name(o.status), outcome_cases[_i].status);
    ck_assert_str_eq(o.code, outcome_cases[_i].code);
    ck_assert_str_eq(o.name, outcome_cases[_i].name);
    if (outcome_cases[_i].tlsrpt)
        ck_assert_str_eq(o.tlsrpt, outcome_cases[_i].tlsrpt);
    else
        ck_assert_ptr_null(o.tlsrpt);
}
END_TEST

START_TEST(outcome_reply_line)
{
    struct dane_outcome o;
    char line[256];
    dane_outcome_map(DANE_PROFILE_RFC7672, DANE_R_TLSA_SERVFAIL, NULL, false, &o);
    dane_outcome_reply(&o, line, sizeof(line));
    ck_assert_str_eq(
        line, "450 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records");
}
END_TEST

/* --- one run's result under the other profile (dane_client_reprofile) --- */

/* A run under rfc7672 whose first host (mx1) gave `first` and, when that
 * did not take the message, whose second (mx2) took it: the hosts and the
 * choices the client's run records (after the address, before the
 * message, per host). */
static void rfc_run(struct dane_client_result *r, enum dane_reason first, bool expired)
{
    const struct dane_client_opts o = {.profile = DANE_PROFILE_RFC7672};
    memset(r, 0, sizeof(*r));
    r->delivered_by = -1;
    r->n_hosts = 2;
    for (size_t i = 0; i < 2; i++) {
        struct dane_host_result *h = &r->hosts[i];
        enum dane_host_class c;
        snprintf(h->name, sizeof(h->name), "mx%zu.example.", i + 1);
        h->reason = i == 0 ? first : DANE_R_AUTHENTICATED;
        h->facts.leaf_expired = i == 0 && expired;
        h->tried = true;
        dane_outcome_map(o.profile, h->reason, &h->facts, false, &h->outcome);
        c = dane_decide_host_class(o.profile, h->reason, &h->facts);
        for (int k = 0; k < (c == DANE_HOST_TOOK ? 3 : 2); k++)
            r->decisions[r->n_decisions++] =
                (struct dane_client_decision){.reason = h->reason, .facts = h->facts, .cls = c};
        if (dane_decide_stop(c)) {
            r->n_hosts = i + 1;
            r->decided_by = i;
            r->delivered_by = c == DANE_HOST_TOOK ? (int)i : -1;
            break;
        }
    }
    r->outcome = r->hosts[r->decided_by].outcome;
}

/* Bogus records at the first host: both profiles defer it and try the
 * next, so the run holds for exchange-online; only the first host's code
 * differs (its seeds' 4.4.312), and the attempt's outcome is mx2's. */
START_TEST(reprofile_same_choices)
{
    struct dane_client_result r;
    const struct dane_client_opts exo = {.profile = DANE_PROFILE_EXCHANGE_ONLINE};
    rfc_run(&r, DANE_R_DNSSEC_BOGUS, false);
    ck_assert_str_eq(r.hosts[0].outcome.code, "4.7.324");
    ck_assert(dane_client_same_path(&r, DANE_PROFILE_EXCHANGE_ONLINE));
    dane_client_reprofile(&r, &exo);
    ck_assert_str_eq(r.hosts[0].outcome.code, "4.4.312");
    ck_assert_str_eq(dane_status_name(r.outcome.status), "delivered");
    ck_assert_str_eq(r.detail, "mx2.example.: authenticated");
    ck_assert_ptr_nonnull(strstr(r.trace.data, "profile exchange-online: every choice"));
    dane_client_result_clear(&r);
}
END_TEST

/* An authenticated session with an expired leaf: rfc7672 sends the
 * message to mx1 (DANE-EE ignores the dates), exchange-online defers mx1
 * and would try mx2: not the same run. */
START_TEST(reprofile_other_choices)
{
    struct dane_client_result r;
    rfc_run(&r, DANE_R_AUTHENTICATED, true);
    ck_assert_int_eq(r.delivered_by, 0);
    ck_assert(dane_client_same_path(&r, DANE_PROFILE_RFC7672));
    ck_assert(!dane_client_same_path(&r, DANE_PROFILE_EXCHANGE_ONLINE));
    rfc_run(&r, DANE_R_AUTHENTICATED, false);
    ck_assert(dane_client_same_path(&r, DANE_PROFILE_EXCHANGE_ONLINE));
    r.decisions_lost = true;
    ck_assert(!dane_client_same_path(&r, DANE_PROFILE_EXCHANGE_ONLINE));
}
END_TEST

/* The MX lookup decided: the attempt's outcome is mapped again, with
 * `final` (the last attempt bounces). */
START_TEST(reprofile_mx_failed)
{
    struct dane_client_result r;
    const struct dane_client_opts exo = {.profile = DANE_PROFILE_EXCHANGE_ONLINE, .final = true};
    memset(&r, 0, sizeof(r));
    r.mx_failed = true;
    dane_outcome_map(DANE_PROFILE_RFC7672, DANE_R_DNSSEC_BOGUS, NULL, false, &r.outcome);
    ck_assert(dane_client_same_path(&r, DANE_PROFILE_EXCHANGE_ONLINE));
    dane_client_reprofile(&r, &exo);
    ck_assert_str_eq(r.outcome.code, "5.4.312");
    ck_assert_str_eq(dane_status_name(r.outcome.status), "bounced");
    dane_client_result_clear(&r);
}
END_TEST

/* --- retry schedules (dane_retry.h) -------------------------------------- */

/* exchange-online, seed 001: 0, 15 min, 30 min, then hourly, final at 24 h. */
START_TEST(retry_schedule_exchange_online)
{
    int64_t t[DANE_RETRY_MAX];
    char text[256];
    size_t n = dane_retry_schedule(DANE_PROFILE_EXCHANGE_ONLINE, t, DANE_RETRY_MAX);
    ck_assert_int_eq(t[0], 0);
    ck_assert_int_eq(t[1], 15 * 60);
    ck_assert_int_eq(t[2], 30 * 60);
    ck_assert_int_eq(t[3], 90 * 60);
    ck_assert_int_eq(t[4], 150 * 60);
    ck_assert_int_eq(t[n - 2], 23 * 3600 + 30 * 60);
    ck_assert_int_eq(t[n - 1], 24 * 3600);
    ck_assert_int_eq(n, 27);
    ck_assert_uint_eq(dane_retry_attempts(DANE_PROFILE_EXCHANGE_ONLINE), 27);
    ck_assert_int_eq(dane_retry_expiry(DANE_PROFILE_EXCHANGE_ONLINE), 24 * 3600);
    ck_assert_str_eq(dane_retry_name(DANE_PROFILE_EXCHANGE_ONLINE), "seed-001");
    ck_assert_str_eq(dane_retry_describe(DANE_PROFILE_EXCHANGE_ONLINE, text, sizeof(text)),
                     "0, 15 min, 30 min, then 1 h apart; the last attempt, at 24 h (27 "
                     "attempts), is final");
    for (size_t i = 1; i < n; i++)
        ck_assert_int_gt(t[i], t[i - 1]);
}
END_TEST

/* rfc7672, RFC 5321 4.5.4.1: retries at least 30 minutes apart (SHOULD),
 * give up after 5 days (at least 4-5 days): 0, 30 min, then hourly, the
 * last attempt at 5 d. */
START_TEST(retry_schedule_rfc7672)
{
    int64_t t[DANE_RETRY_MAX];
    char text[256];
    size_t n = dane_retry_schedule(DANE_PROFILE_RFC7672, t, DANE_RETRY_MAX);
    ck_assert_int_eq(t[0], 0);
    ck_assert_int_eq(t[1], 30 * 60);
    ck_assert_int_eq(t[2], 90 * 60);
    ck_assert_int_eq(t[3], 150 * 60);
    ck_assert_int_eq(t[n - 2], 119 * 3600 + 30 * 60);
    ck_assert_int_eq(t[n - 1], 5 * 86400);
    ck_assert_uint_eq(n, 122);
    ck_assert_uint_eq(dane_retry_attempts(DANE_PROFILE_RFC7672), 122);
    ck_assert_int_eq(dane_retry_expiry(DANE_PROFILE_RFC7672), 5 * 86400);
    ck_assert_str_eq(dane_retry_name(DANE_PROFILE_RFC7672), "rfc5321");
    ck_assert_str_eq(dane_retry_describe(DANE_PROFILE_RFC7672, text, sizeof(text)),
                     "0, 30 min, then 1 h apart; the last attempt, at 5 d (122 attempts), is "
                     "final");
    for (size_t i = 1; i < n; i++)
        ck_assert_int_ge(t[i] - t[i - 1], 30 * 60);
    ck_assert_int_ge(t[n - 1], 4 * 86400);
}
END_TEST

/* Each schedule fits DANE_RETRY_MAX whole; a smaller buffer is filled
 * without overrun and loses the expiry; a short describe buffer is cut. */
START_TEST(retry_schedule_bounds)
{
    int64_t t[DANE_RETRY_MAX + 1];
    char small[8];
    for (int p = 0; p < DANE_PROFILE_COUNT; p++) {
        size_t n = dane_retry_schedule((enum dane_profile)p, t, DANE_RETRY_MAX + 1);
        ck_assert_uint_lt(n, DANE_RETRY_MAX + 1);
        ck_assert_int_eq(t[n - 1], dane_retry_expiry((enum dane_profile)p));
    }
    t[3] = -1;
    ck_assert_uint_eq(dane_retry_schedule(DANE_PROFILE_RFC7672, t, 3), 3);
    ck_assert_int_eq(t[3], -1);
    ck_assert_int_eq(t[2], 90 * 60);
    ck_assert_str_eq(dane_retry_describe(DANE_PROFILE_RFC7672, small, sizeof(small)), "0, 30 m");
}
END_TEST

/* --- SMTP reply lines: hostile input ------------------------------------- */

START_TEST(smtp_reply_lines)
{
    int code;
    bool more;
    const char *text;
    ck_assert_int_eq(dane_smtp_parse_line("250-PIPELINING", 14, &code, &more, &text), 0);
    ck_assert_int_eq(code, 250);
    ck_assert(more);
    ck_assert_str_eq(text, "PIPELINING");
    ck_assert_int_eq(dane_smtp_parse_line("220 ok", 6, &code, &more, &text), 0);
    ck_assert(!more);
    ck_assert_int_eq(dane_smtp_parse_line("354", 3, &code, &more, &text), 0);
    ck_assert_int_eq(code, 354);
    ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(smtp_reply_hostile)
{
    int code;
    bool more;
    const char *text;
    const char *bad[] = {"", "25", "2x0 ok", "650 no", "099 x", "250xok", "abc", "250\tx"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(dane_smtp_parse_line(bad[i], strlen(bad[i]), &code, &more, &text) == -1,
                      "accepted '%s'", bad[i]);
    ck_assert_int_eq(dane_smtp_parse_line("250 a\0b", 7, &code, &more, &text), -1);
}
END_TEST

/* What a server sends, read by the client over a socketpair it adopted:
 * a multi-line EHLO reply, then a reply whose code changes, then EOF. */
START_TEST(smtp_read_adopted_socket)
{
    static const char wire[] = "250-mx.test\r\n250-STARTTLS\r\n250 SIZE 10\r\n"
                               "220-a\n250 b\r\n";
    struct dane_smtp_reply r;
    struct dl_error err;
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    dane_smtp *c = dane_smtp_adopt(sv[0], "mx.test[192.0.2.1]:25");
    ck_assert_int_eq(write(sv[1], wire, sizeof(wire) - 1), (ssize_t)sizeof(wire) - 1);
    shutdown(sv[1], SHUT_WR);
    ck_assert_int_eq(dane_smtp_read(c, "EHLO", &r, 1000, &err), 0);
    ck_assert_int_eq(r.code, 250);
    ck_assert_uint_eq(r.lines, 3);
    ck_assert(dane_smtp_has_ext(&r, "starttls"));
    ck_assert_int_eq(dane_smtp_read(c, "MAIL", &r, 1000, &err), -1);
    ck_assert_str_eq(err.msg, "mx.test[192.0.2.1]:25: MAIL: reply code changed within a reply");
    ck_assert_int_eq(dane_smtp_read(c, "RCPT", &r, 1000, &err), -1);
    ck_assert_str_eq(err.msg, "mx.test[192.0.2.1]:25: RCPT: connection closed by the server");
    close(sv[1]);
    dane_smtp_free(c);
}
END_TEST

/* --- wire names ----------------------------------------------------------- */

START_TEST(wire_names)
{
    const unsigned char good[] = {3, 'M', 'x', '1', 4, 't', 'e', 's', 't', 0};
    const unsigned char ptr[] = {3, 'm', 'x', '1', 0xc0, 12};
    const unsigned char trunc[] = {5, 'a', 'b'};
    const unsigned char dot[] = {3, 'a', '.', 'b', 0};
    char out[256];
    size_t off = 0;
    ck_assert_int_eq(dane_dns_wire_name(good, sizeof(good), &off, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "mx1.test.");
    ck_assert_int_eq(off, sizeof(good));
    off = 0;
    ck_assert_int_eq(dane_dns_wire_name(ptr, sizeof(ptr), &off, out, sizeof(out)), -1);
    off = 0;
    ck_assert_int_eq(dane_dns_wire_name(trunc, sizeof(trunc), &off, out, sizeof(out)), -1);
    off = 0;
    ck_assert_int_eq(dane_dns_wire_name(dot, sizeof(dot), &off, out, sizeof(out)), -1);
    off = 0;
    ck_assert_int_eq(dane_dns_wire_name(good, sizeof(good), &off, out, 5), -1);
}
END_TEST

Suite *dane_client_suite(void)
{
    Suite *s = suite_create("dane_client");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_loop_test(pos, tlsa_classification, 0, sizeof(tlsa_cases) / sizeof(tlsa_cases[0]));
    tcase_add_loop_test(pos, outcome_mapping, 0, sizeof(outcome_cases) / sizeof(outcome_cases[0]));
    tcase_add_test(pos, outcome_reply_line);
    tcase_add_test(pos, reprofile_same_choices);
    tcase_add_test(pos, reprofile_other_choices);
    tcase_add_test(pos, reprofile_mx_failed);
    tcase_add_test(pos, retry_schedule_exchange_online);
    tcase_add_test(pos, retry_schedule_rfc7672);
    tcase_add_test(pos, retry_schedule_bounds);
    tcase_add_test(pos, smtp_reply_lines);
    tcase_add_test(pos, smtp_read_adopted_socket);
    tcase_add_test(pos, wire_names);
    tcase_add_test(neg, tlsa_bad_text);
    tcase_add_test(neg, tlsa_wire_short);
    tcase_add_test(neg, smtp_reply_hostile);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
