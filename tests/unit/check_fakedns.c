/* Unit tests for fakedns: fdns_pkt (the query parser and the replies it
 * makes up) and fdns_rule (the rules file and the decision per query). */
#include "fdns_pkt.h"
#include "fdns_rule.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *fakedns_suite(void);

/* A query for name (given as wire labels) and type into buf: its length. */
static size_t make_query(uint8_t *buf, const char *wire, size_t wlen, uint16_t type)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(buf, hdr, 12);
    memcpy(buf + 12, wire, wlen);
    buf[12 + wlen] = (uint8_t)(type >> 8);
    buf[13 + wlen] = (uint8_t)type;
    buf[14 + wlen] = 0;
    buf[15 + wlen] = 1;
    return 16 + wlen;
}

#define TLSA_NAME "\003_25\004_tcp\003MX1\004test"

START_TEST(parse_query)
{
    uint8_t buf[128];
    struct fdns_query q;
    size_t n = make_query(buf, TLSA_NAME, sizeof(TLSA_NAME), 52);
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_OK);
    ck_assert_str_eq(q.qname, "_25._tcp.mx1.test.");
    ck_assert_uint_eq(q.qtype, 52);
    ck_assert_uint_eq(q.id, 0x1234);
    ck_assert_uint_eq(q.question_end, n);
    n = make_query(buf, "", 1, 2); /* the root */
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_OK);
    ck_assert_str_eq(q.qname, ".");
    n = make_query(buf, "\003a.b\000", 5, 1); /* a dot inside a label is escaped */
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_OK);
    ck_assert_str_eq(q.qname, "a\\046b.");
}
END_TEST

START_TEST(parse_hostile)
{
    uint8_t buf[600];
    struct fdns_query q;
    size_t n = make_query(buf, TLSA_NAME, sizeof(TLSA_NAME), 52);
    /* every prefix of a good query is short, never read past */
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, buf, k);
        ck_assert_int_eq(fdns_pkt_parse(cut, k, &q), FDNS_PKT_SHORT);
        free(cut);
    }
    buf[2] |= 0x80; /* a response */
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_NOT_QUERY);
    buf[2] = 0x28; /* opcode UPDATE */
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_NOT_QUERY);
    buf[2] = 0x01;
    buf[5] = 2; /* two questions */
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_QDCOUNT);
    buf[5] = 1;
    buf[12] = 0xc0; /* a compression pointer */
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_BAD_NAME);
    /* a name of 5 labels of 63 octets: 320 octets, over 255 */
    memset(buf + 12, 'a', 400);
    for (int i = 0; i < 5; i++)
        buf[12 + i * 64] = 63;
    buf[12 + 320] = 0;
    ck_assert_int_eq(fdns_pkt_parse(buf, 12 + 321 + 4, &q), FDNS_PKT_BAD_NAME);
}
END_TEST

START_TEST(reply_made_up)
{
    uint8_t buf[128], out[128];
    struct fdns_query q;
    size_t n = make_query(buf, TLSA_NAME, sizeof(TLSA_NAME), 52), len;
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_OK);
    len = fdns_pkt_reply(buf, &q, 2, false, out, sizeof(out));
    ck_assert_uint_eq(len, n);
    ck_assert_uint_eq(out[0], 0x12);
    ck_assert_uint_eq(out[2], 0x81); /* QR, RD */
    ck_assert_uint_eq(out[3], 0x02); /* SERVFAIL */
    len = fdns_pkt_reply(buf, &q, 0, true, out, sizeof(out));
    ck_assert_uint_eq(out[2], 0x83); /* QR, TC, RD */
    ck_assert_uint_eq(out[3], 0x00);
    ck_assert_uint_eq(fdns_pkt_reply(buf, &q, 0, true, out, 10), 0);
    /* a query with CD (and AD) set: CD is copied (RFC 4035 3.2.2), AD is not */
    buf[3] |= 0x30;
    ck_assert_int_eq(fdns_pkt_parse(buf, n, &q), FDNS_PKT_OK);
    len = fdns_pkt_reply(buf, &q, 2, false, out, sizeof(out));
    ck_assert_uint_eq(out[3], 0x12); /* CD, SERVFAIL */
    (void)len;
}
END_TEST

START_TEST(zones_and_types)
{
    ck_assert(fdns_pkt_in_zone("a.legacy.test.", "legacy.test."));
    ck_assert(fdns_pkt_in_zone("legacy.test.", "legacy.test."));
    ck_assert(!fdns_pkt_in_zone("notlegacy.test.", "legacy.test."));
    ck_assert(fdns_pkt_in_zone("x.", "."));
    ck_assert_int_eq(fdns_pkt_type_code("tlsa"), 52);
    ck_assert_int_eq(fdns_pkt_type_code("TYPE65534"), 65534);
    ck_assert_int_eq(fdns_pkt_type_code("TYPE70000"), -1);
    ck_assert_int_eq(fdns_pkt_type_code("TLS"), -1);
}
END_TEST

static struct fdns_query query(const char *name, uint16_t type)
{
    struct fdns_query q = {.qtype = type};
    snprintf(q.qname, sizeof(q.qname), "%s", name);
    return q;
}

START_TEST(rules_decide)
{
    const char *text = "# comment\n\n127.54.0.1 Legacy.Test TLSA servfail\n"
                       "127.54.0.2 flaky.test. TLSA drop 3\n"
                       "127.54.0.3 big.test. TLSA truncate\n"
                       "127.54.0.4 all.test. ANY refused\n";
    struct fdns_rules rs;
    struct dl_error err;
    struct fdns_query t = query("_25._tcp.mx.legacy.test.", 52), a = query("mx.legacy.test.", 1);
    struct fdns_query f = query("_25._tcp.mx.flaky.test.", 52), b = query("x.big.test.", 52);
    struct fdns_query any = query("all.test.", 15);
    ck_assert_int_eq(fdns_rules_parse(text, "r.conf", &rs, &err), 0);
    ck_assert_uint_eq(rs.n, 4);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.1", &t, false), FDNS_SERVFAIL);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.1", &a, false), FDNS_FORWARD);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.9", &t, false), FDNS_FORWARD);
    /* one in three answered: the third, the sixth */
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.2", &f, false), FDNS_DROP);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.2", &f, true), FDNS_DROP);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.2", &f, false), FDNS_FORWARD);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.2", &f, false), FDNS_DROP);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.3", &b, false), FDNS_TRUNCATE);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.3", &b, true), FDNS_FORWARD);
    ck_assert_int_eq(fdns_rules_decide(&rs, "127.54.0.4", &any, false), FDNS_REFUSED);
    ck_assert_uint_eq(fdns_action_rcode(FDNS_NOTIMP), 4);
    fdns_rules_free(&rs);
}
END_TEST

static const struct {
    const char *text, *msg;
} bad_rules[] = {
    {"127.54.0.1 x.test. TLSA\n", "r.conf:1: expected ADDRESS ZONE TYPE ACTION [EVERY], got 3"},
    {"\n300.1.1.1 x.test. TLSA drop\n", "r.conf:2: '300.1.1.1' is not an IPv4 address"},
    {"127.0.0.1 x..test TLSA drop\n", "r.conf:1: 'x..test' is not a zone name"},
    {"127.0.0.1 x.test FOO drop\n", "r.conf:1: unknown RR type 'FOO'"},
    {"127.0.0.1 x.test TLSA forward\n", "r.conf:1: unknown action 'forward'"},
    {"127.0.0.1 x.test TLSA servfail 3\n", "r.conf:1: EVERY only goes with drop"},
    {"127.0.0.1 x.test TLSA drop 0\n", "r.conf:1: EVERY must be 1 to 1000, got '0'"},
    {"127.0.0.1 x.test TLSA drop 2 x\n", "r.conf:1: expected ADDRESS ZONE TYPE ACTION [EVERY]"},
};

START_TEST(rules_bad)
{
    struct fdns_rules rs;
    struct dl_error err;
    ck_assert_int_eq(fdns_rules_parse(bad_rules[_i].text, "r.conf", &rs, &err), -1);
    ck_assert_msg(strstr(err.msg, bad_rules[_i].msg) == err.msg, "got '%s', want '%s'", err.msg,
                  bad_rules[_i].msg);
    ck_assert_uint_eq(rs.n, 0);
}
END_TEST

Suite *fakedns_suite(void)
{
    Suite *s = suite_create("fakedns");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, parse_query);
    tcase_add_test(pos, reply_made_up);
    tcase_add_test(pos, zones_and_types);
    tcase_add_test(pos, rules_decide);
    tcase_add_test(neg, parse_hostile);
    tcase_add_loop_test(neg, rules_bad, 0, sizeof(bad_rules) / sizeof(bad_rules[0]));
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
