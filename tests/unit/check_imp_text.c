/*
 * check_imp_text: the parsers of `danelab import --dig` and `--s-client`
 * (imp_dig, imp_sclient) on texts made in the lab
 * (tests/integration/data/import) and on texts written here: verdicts from
 * the ad flag, the rcode and the EDE, records joined across +multi lines,
 * CNAME chains, certificates; and the bounds and FILE:LINE errors of
 * hostile input.
 */
#include "imp_dig.h"
#include "imp_fromtext.h"
#include "imp_sclient.h"
#include "dl_json.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *imp_text_suite(void);

#define DATA "../integration/data/import/"

static struct imp_fromtext in; /* large: not on the stack */

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    struct dl_error err;
    ck_assert_msg(dl_read_file(path, 1 << 20, &data, len, &err) == 0, "%s", err.msg);
    return data;
}

/* Parse dig text; 0 or -1, err and notes filled. */
static int dig(const char *text, struct dl_buf *notes, struct dl_error *err)
{
    memset(&in, 0, sizeof(in));
    return imp_dig_parse(&in.dig, "t.dig", text, strlen(text), notes, err);
}

static const char head[] = "; <<>> DiG 9.18 <<>> x\n"
                           ";; ->>HEADER<<- opcode: QUERY, status: %s, id: 1\n"
                           ";; flags: qr rd ra%s; QUERY: 1, ANSWER: 1\n"
                           "%s"
                           ";; QUESTION SECTION:\n"
                           ";%s\tIN %s\n"
                           ";; ANSWER SECTION:\n"
                           "%s";

/* One answer: rcode, " ad" or "", an EDE line or "", question, records. */
static char *answer(const char *rcode, const char *ad, const char *ede, const char *name,
                    const char *type, const char *records)
{
    return dl_xasprintf(head, rcode, ad, ede, name, type, records);
}

START_TEST(dig_lab_text_parses)
{
    size_t len;
    char *data = slurp(DATA "good.dig", &len);
    struct dl_buf notes = {0};
    struct dl_error err;
    json_t *r;
    memset(&in, 0, sizeof(in));
    ck_assert_msg(imp_dig_parse(&in.dig, "good.dig", data, len, &notes, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(in.dig.n, 7);
    ck_assert(in.dig.when > 0);
    r = imp_dig_rrset(&in.dig, "good.test", "MX", &notes);
    ck_assert_str_eq(dl_json_str(r, "status"), "secure");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r, "records"), 0)),
                     "10 mx1.good.test.");
    json_decref(r);
    /* a +multi record over three lines, parentheses and spaces gone */
    r = imp_dig_rrset(&in.dig, "_25._tcp.mx1.good.test.", "TLSA", &notes);
    ck_assert_int_eq(
        strncasecmp(json_string_value(json_array_get(json_object_get(r, "records"), 0)),
                    "3 1 1 150facc1c9e18900db418024c7323819c9a0fcc2ba70db03108cc0dac818a519", 200),
        0);
    json_decref(r);
    ck_assert_ptr_null(imp_dig_rrset(&in.dig, "nothing.test", "A", &notes));
    imp_fromtext_free(&in);
    dl_buf_free(&notes);
    free(data);
}
END_TEST

START_TEST(dig_verdicts)
{
    static const struct {
        const char *rcode, *ad, *ede, *status, *why_has, *note_has;
    } cases[] = {
        {"NOERROR", " ad", "", "secure", NULL, NULL},
        {"NOERROR", "", "", "insecure", NULL, "no ad flag"},
        {"NXDOMAIN", " ad", "", "secure", NULL, NULL},
        {"SERVFAIL", "", "; EDE: 7 (Signature Expired): (signature expired from 1.2.3.4)\n",
         "bogus", "signature expired", NULL},
        {"SERVFAIL", "", "; EDE: 10 (RRSIGs Missing)\n", "bogus", "no signatures", NULL},
        {"SERVFAIL", "", "", "failed", "SERVFAIL", "bogus answer looks the same"},
        {"SERVFAIL", "", "; EDE: 22 (No Reachable Authority)\n", "failed", "SERVFAIL", NULL},
        {"REFUSED", "", "", "failed", "REFUSED", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dl_buf notes = {0};
        struct dl_error err;
        char *t = answer(
            cases[i].rcode, cases[i].ad, cases[i].ede, "a.test.", "MX",
            strcmp(cases[i].rcode, "NOERROR") == 0 ? "a.test. 300 IN MX 10 mx.a.test.\n" : "");
        json_t *r;
        ck_assert_msg(dig(t, &notes, &err) == 0, "%s", err.msg);
        r = imp_dig_rrset(&in.dig, "a.test.", "MX", &notes);
        ck_assert_msg(strcmp(dl_json_str(r, "status"), cases[i].status) == 0, "case %zu: %s", i,
                      dl_json_str(r, "status"));
        if (cases[i].why_has)
            ck_assert_msg(strstr(dl_json_str(r, "why"), cases[i].why_has), "case %zu: %s", i,
                          dl_json_str(r, "why"));
        if (cases[i].note_has)
            ck_assert_msg(strstr(dl_buf_str(&notes), cases[i].note_has), "case %zu: %s", i,
                          dl_buf_str(&notes));
        ck_assert_int_eq(json_is_true(json_object_get(r, "nxdomain")),
                         strcmp(cases[i].rcode, "NXDOMAIN") == 0);
        json_decref(r);
        imp_fromtext_free(&in);
        dl_buf_free(&notes);
        free(t);
    }
}
END_TEST

START_TEST(dig_cname_chain)
{
    struct dl_buf notes = {0};
    struct dl_error err;
    char *t = answer("NOERROR", " ad", "", "mx.a.test.", "A",
                     "mx.a.test. 300 IN CNAME mail.b.test.\nmail.b.test. 300 IN A 192.0.2.1\n");
    json_t *r;
    ck_assert_msg(dig(t, &notes, &err) == 0, "%s", err.msg);
    r = imp_dig_rrset(&in.dig, "MX.A.TEST", "A", &notes);
    ck_assert_str_eq(dl_json_str(r, "canonname"), "mail.b.test.");
    ck_assert_str_eq(dl_json_str(json_array_get(json_object_get(r, "chain"), 0), "owner"),
                     "mx.a.test.");
    ck_assert_uint_eq(json_array_size(json_object_get(r, "records")), 1);
    json_decref(r);
    imp_fromtext_free(&in);
    dl_buf_free(&notes);
    free(t);
}
END_TEST

START_TEST(dig_answer_with_validator_words_wins)
{
    struct dl_buf notes = {0};
    struct dl_error err;
    char *a = answer("SERVFAIL", "", "; EDE: 6 (DNSSEC Bogus): (validation failure <x>: bad)\n",
                     "a.test.", "TLSA", "");
    char *b = answer("SERVFAIL", "", "; EDE: 6 (DNSSEC Bogus)\n", "a.test.", "TLSA", "");
    char *t = dl_xasprintf("%s%s", a, b);
    json_t *r;
    ck_assert_msg(dig(t, &notes, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(in.dig.n, 2);
    r = imp_dig_rrset(&in.dig, "a.test.", "TLSA", &notes);
    ck_assert_ptr_nonnull(strstr(dl_json_str(r, "why"), "validation failure"));
    json_decref(r);
    imp_fromtext_free(&in);
    dl_buf_free(&notes);
    free(a);
    free(b);
    free(t);
}
END_TEST

START_TEST(dig_unknown_lines_are_notes)
{
    struct dl_buf notes = {0};
    struct dl_error err;
    char *a = answer("NOERROR", " ad", ";; WARNING: something new\n", "a.test.", "MX",
                     "a.test. 300 IN MX 10 mx.a.test.\n;; FUTURE SECTION:\n");
    ck_assert_msg(dig(a, &notes, &err) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(dl_buf_str(&notes), "t.dig:4: not reproduced: ;; WARNING"));
    ck_assert_ptr_nonnull(strstr(dl_buf_str(&notes), "t.dig:9: section 'FUTURE SECTION:'"));
    imp_fromtext_free(&in);
    dl_buf_free(&notes);
    free(a);
}
END_TEST

/* A record of a type no scenario is made of is not given to ldns, only
 * noted, well-formed or not: the fuzzer's input that made ldns 1.8.3 leak
 * in its IPSECKEY reader (tests/fuzz/corpus/dig/ipseckey-leak.dig) is one. */
START_TEST(dig_other_types_are_notes)
{
    struct dl_buf notes = {0};
    struct dl_error err;
    char *a = answer("NOERROR", " ad", "", "a.test.", "MX",
                     "a.test. 300 IN MX 10 mx.a.test.\n"
                     "a.test. 300 IN IPSECKEY 10 1 2 192.0.2.38 "
                     "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==\n"
                     "a.test. 300 IPSECKEY M 1 a D : 8\n");
    json_t *r;
    ck_assert_msg(dig(a, &notes, &err) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(dl_buf_str(&notes), "t.dig:8: not reproduced: IPSECKEY record"));
    ck_assert_ptr_nonnull(strstr(dl_buf_str(&notes), "t.dig:9: not reproduced: IPSECKEY record"));
    ck_assert_uint_eq(in.dig.msg[0].n_rr, 1);
    r = imp_dig_rrset(&in.dig, "a.test.", "MX", &notes);
    ck_assert_str_eq(dl_json_str(r, "status"), "secure");
    json_decref(r);
    imp_fromtext_free(&in);
    dl_buf_free(&notes);
    free(a);
}
END_TEST

/* Malformed dig text: the error names the file and the line. */
START_TEST(dig_errors_name_file_and_line)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"10 mx.a.test.\n", "t.dig:1: not dig's full output"},
        {"; <<>> DiG\n;; ->>HEADER<<- opcode: QUERY, id: 1\n", "t.dig:2: a dig header without"},
        {"; <<>> DiG\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; QUESTION "
         "SECTION:\n;a.test. IN MX\n;; ANSWER SECTION:\na.test. 300 IN MX 10 (\n",
         "t.dig:6: the file ends inside a record"},
        {"; <<>> DiG\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; QUESTION "
         "SECTION:\n;a.test. IN MX\n;; ANSWER SECTION:\na.test. 300 IN MX ten mx.\n",
         "t.dig:6: a record ldns does not read"},
        {"; <<>> DiG\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; ANSWER "
         "SECTION:\n",
         "t.dig:1: a dig answer without its question"},
        {"; <<>> DiG\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; QUESTION "
         "SECTION:\n;a.test. IN MX\n;; ANSWER SECTION:\na.test. 300 IN MX 10 mx. )\n",
         "t.dig:6: ')' without '('"},
        {"", "t.dig: no dig answer"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dl_buf notes = {0};
        struct dl_error err = {{0}};
        ck_assert_int_eq(dig(cases[i].text, &notes, &err), -1);
        ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
        imp_fromtext_free(&in);
        dl_buf_free(&notes);
    }
}
END_TEST

START_TEST(dig_bounds)
{
    struct dl_buf t = {0}, notes = {0};
    struct dl_error err = {{0}};
    char *long_line = dl_xmalloc(20000);
    memset(long_line, 'a', 19999);
    long_line[19999] = '\0';
    ck_assert_int_eq(dig(long_line, &notes, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.dig:1: line longer than 16384 bytes"));
    /* 257 records in one answer */
    dl_buf_printf(&t, "; <<>> DiG\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n"
                      ";; QUESTION SECTION:\n;a.test. IN A\n;; ANSWER SECTION:\n");
    for (int i = 0; i < 257; i++)
        dl_buf_printf(&t, "a.test. 300 IN A 192.0.2.%d\n", i % 250);
    imp_fromtext_free(&in);
    ck_assert_int_eq(dig(dl_buf_str(&t), &notes, &err), -1);
    ck_assert_msg(strstr(err.msg, "t.dig:262: more than 256 records"), "%s", err.msg);
    /* 65 answers */
    dl_buf_reset(&t);
    for (int i = 0; i < 65; i++)
        dl_buf_printf(&t, "; <<>> DiG\n");
    imp_fromtext_free(&in);
    ck_assert_int_eq(dig(dl_buf_str(&t), &notes, &err), -1);
    ck_assert_msg(strstr(err.msg, "t.dig:65: more than 64 dig answers"), "%s", err.msg);
    /* a NUL byte */
    imp_fromtext_free(&in);
    memset(&in, 0, sizeof(in));
    ck_assert_int_eq(imp_dig_parse(&in.dig, "t.dig", "a\0b", 3, &notes, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
    imp_fromtext_free(&in);
    dl_buf_free(&t);
    dl_buf_free(&notes);
    free(long_line);
}
END_TEST

static int sclient(const char *text, struct imp_sclient *sc, struct dl_buf *notes,
                   struct dl_error *err)
{
    return imp_sclient_parse("t.s_client", text, strlen(text), sc, notes, err);
}

START_TEST(sclient_lab_text_parses)
{
    size_t len;
    char *data = slurp(DATA "good.s_client", &len);
    struct imp_sclient sc;
    struct dl_buf notes = {0};
    struct dl_error err;
    const json_t *tls;
    ck_assert_msg(imp_sclient_parse("good.s_client", data, len, &sc, &notes, &err) == 0, "%s",
                  err.msg);
    ck_assert_str_eq(sc.host, "mx1.good.test");
    ck_assert_uint_eq(sc.port, 25);
    tls = json_object_get(sc.server, "tls");
    ck_assert_str_eq(dl_json_str(tls, "version"), "TLSv1.3");
    ck_assert_uint_eq(json_array_size(json_object_get(tls, "certificates")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(imp_sclient_leaf_names(&sc), 0)),
                     "mx1.good.test");
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(json_object_get(sc.server, "ehlo"), "keywords"), 0)),
                     "STARTTLS");
    ck_assert_ptr_nonnull(strstr(dl_buf_str(&notes), "reply to STARTTLS are not in"));
    imp_sclient_free(&sc);
    dl_buf_free(&notes);
    free(data);
}
END_TEST

START_TEST(sclient_no_starttls_and_failed_handshake)
{
    struct imp_sclient sc;
    struct dl_buf notes = {0};
    struct dl_error err;
    ck_assert(sclient("Didn't find STARTTLS in server response, trying anyway...\nCONNECTED(3)\n"
                      "no peer certificate available\nNew, (NONE), Cipher is (NONE)\n",
                      &sc, &notes, &err) == 0);
    ck_assert_uint_eq(
        json_array_size(json_object_get(json_object_get(sc.server, "ehlo"), "keywords")), 0);
    ck_assert_ptr_null(json_object_get(sc.server, "tls"));
    ck_assert_ptr_nonnull(strstr(dl_buf_str(&notes), "a refused STARTTLS and a failed handshake"));
    imp_sclient_free(&sc);
    ck_assert(sclient("4007C0:error:0A00010B:SSL routines::wrong version number\n", &sc, &notes,
                      &err) == 0);
    ck_assert_ptr_nonnull(strstr(dl_json_str(sc.server, "error"), "wrong version number"));
    imp_sclient_free(&sc);
    dl_buf_free(&notes);
}
END_TEST

START_TEST(sclient_errors_name_file_and_line)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"hello\n", "t.s_client: not s_client's output"},
        {"CONNECTED(3)\n-----BEGIN CERTIFICATE-----\nMIInot!!\n-----END CERTIFICATE-----\n",
         "t.s_client:2: a PEM certificate OpenSSL does not read"},
        {"CONNECTED(3)\n-----BEGIN CERTIFICATE-----\nAAAA\n", "t.s_client:3: the file ends inside"},
        {"CONNECTED(3)\n-----BEGIN CERTIFICATE-----\n-----BEGIN X-----\n",
         "t.s_client:3: '-----BEGIN X-----' inside a certificate"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imp_sclient sc;
        struct dl_buf notes = {0};
        struct dl_error err = {{0}};
        ck_assert_int_eq(sclient(cases[i].text, &sc, &notes, &err), -1);
        ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
        dl_buf_free(&notes);
    }
}
END_TEST

START_TEST(sclient_bounds)
{
    size_t len;
    char *data = slurp(DATA "good.s_client", &len);
    const char *b = strstr(data, "-----BEGIN"), *e = strstr(data, "-----END CERTIFICATE-----\n");
    struct dl_buf t = {0}, notes = {0};
    struct dl_error err = {{0}};
    struct imp_sclient sc;
    dl_buf_printf(&t, "CONNECTED(3)\n");
    for (int i = 0; i < 17; i++)
        dl_buf_printf(&t, "%.*s", (int)(e + 26 - b), b);
    ck_assert_int_eq(sclient(dl_buf_str(&t), &sc, &notes, &err), -1);
    ck_assert_msg(strstr(err.msg, "more than 16 certificates"), "%s", err.msg);
    dl_buf_reset(&t);
    dl_buf_printf(&t, "CONNECTED(3)\n-----BEGIN CERTIFICATE-----\n");
    for (int i = 0; i < 1100; i++)
        dl_buf_printf(&t, "%064d\n", 0);
    ck_assert_int_eq(sclient(dl_buf_str(&t), &sc, &notes, &err), -1);
    ck_assert_msg(strstr(err.msg, "a PEM block longer than 65536 bytes"), "%s", err.msg);
    dl_buf_free(&t);
    dl_buf_free(&notes);
    free(data);
}
END_TEST

Suite *imp_text_suite(void)
{
    Suite *s = suite_create("imp_text");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, dig_lab_text_parses);
    tcase_add_test(pos, dig_verdicts);
    tcase_add_test(pos, dig_cname_chain);
    tcase_add_test(pos, dig_answer_with_validator_words_wins);
    tcase_add_test(pos, sclient_lab_text_parses);
    tcase_add_test(pos, sclient_no_starttls_and_failed_handshake);
    tcase_add_test(neg, dig_unknown_lines_are_notes);
    tcase_add_test(neg, dig_other_types_are_notes);
    tcase_add_test(neg, dig_errors_name_file_and_line);
    tcase_add_test(neg, dig_bounds);
    tcase_add_test(neg, sclient_errors_name_file_and_line);
    tcase_add_test(neg, sclient_bounds);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
