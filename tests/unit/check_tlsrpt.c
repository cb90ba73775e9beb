/* Unit tests for src/dane_tlsrpt: the RFC 8460 section 3 policy record
 * (parsing, choosing one among a TXT RRset), and reports written only for
 * a domain that asks for them. The DNS lookup itself is tested against the
 * lab (tests/integration/t_tlsrpt.sh, t_report_tlsrpt.sh). */
#include "dane_tlsrpt.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Suite *tlsrpt_suite(void);

struct good_case {
    const char *text;
    size_t n_rua;
    const char *first, *second;
};

static const struct good_case good_cases[] = {
    {"v=TLSRPTv1; rua=mailto:tlsrpt@good.test", 1, "mailto:tlsrpt@good.test", NULL},
    {"v=TLSRPTv1;rua=mailto:a@x.test,https://r.x.test/v1", 2, "mailto:a@x.test",
     "https://r.x.test/v1"},
    {"v=TLSRPTv1 ;\trua=mailto:a@x.test , mailto:b@x.test ;", 2, "mailto:a@x.test",
     "mailto:b@x.test"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; ext_1=foo; x.y-z=a:b", 1, "mailto:a@x.test", NULL},
    {"v=TLSRPTv1; future=1; rua=HTTPS://r.x.test/?a=b", 1, "HTTPS://r.x.test/?a=b", NULL},
    {"v=TLSRPTv1; rua=ftp://x.test/r,mailto:a%2Cb@x.test", 1, "mailto:a%2Cb@x.test", NULL},
    {"v=TLSRPTv1; rua=mailto:a@x.test?subject=tls", 1, "mailto:a@x.test?subject=tls", NULL},
};

START_TEST(parse_valid)
{
    const struct good_case *c = &good_cases[_i];
    struct dl_error err = {{0}};
    char **rua;
    size_t n;
    int rc = dane_tlsrpt_parse(c->text, strlen(c->text), &rua, &n, &err);
    ck_assert_msg(rc == 0, "'%s': %d %s", c->text, rc, err.msg);
    ck_assert_uint_eq(n, c->n_rua);
    ck_assert_str_eq(rua[0], c->first);
    if (c->second)
        ck_assert_str_eq(rua[1], c->second);
    ck_assert_ptr_null(rua[n]);
    dane_tlsrpt_rua_free(rua, n);
}
END_TEST

/* Not a TLSRPT record at all: discarded before counting (section 3). */
static const char *const other_records[] = {
    "v=spf1 -all",
    "",
    "v=TLSRPTv10; rua=mailto:a@x.test",
    " v=TLSRPTv1; rua=mailto:a@x.test",
    "V=TLSRPTv1; rua=mailto:a@x.test",
    "v=TLSRPTv2; rua=mailto:a@x.test",
};

START_TEST(parse_not_tlsrpt)
{
    const char *t = other_records[_i];
    char **rua = (char **)1;
    size_t n = 99;
    struct dl_error err;
    ck_assert_msg(dane_tlsrpt_parse(t, strlen(t), &rua, &n, &err) == 1, "'%s'", t);
    ck_assert_ptr_null(rua);
    ck_assert_uint_eq(n, 0);
}
END_TEST

struct bad_case {
    const char *text;
    const char *why; /* part of the message */
};

static const struct bad_case bad_cases[] = {
    {"v=TLSRPTv1", "no rua"},
    {"v=TLSRPTv1;", "no rua"},
    {"v=TLSRPTv1; ext=1", "no rua"},
    {"v=TLSRPTv1; RUA=mailto:a@x.test", "no rua"},
    {"v=TLSRPTv1; rua=", "not a URI"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; rua=mailto:b@x.test", "rua given twice"},
    {"v=TLSRPTv1; rua=ftp://x.test/", "no mailto: or https: URI (1 other)"},
    {"v=TLSRPTv1; rua=mailto:nobody", "no mailto: or https: URI"},
    {"v=TLSRPTv1; rua=https://", "no mailto: or https: URI"},
    {"v=TLSRPTv1; rua=https:///path", "no mailto: or https: URI"},
    {"v=TLSRPTv1 rua=mailto:a@x.test", "expected ';'"},
    {"v=TLSRPTv1; rua=mailto:a@x.test,", "not a URI"},
    {"v=TLSRPTv1; rua=mailto:a!b@x.test", "not a URI"},
    {"v=TLSRPTv1; rua=mailto:a%2@x.test", "not a URI"},
    {"v=TLSRPTv1; rua=mailto:a@x.test mailto:b@x.test", "not a URI"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; foo", "not NAME=VALUE"},
    {"v=TLSRPTv1;; rua=mailto:a@x.test", "not NAME=VALUE"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; _x=1", "bad field '_x=1'"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; x=a b", "bad field"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; x=", "bad field"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; x=a=b", "bad field"},
    {"v=TLSRPTv1; rua=mailto:a@x.test; abcdefghijabcdefghijabcdefghijabc=1", "bad field"},
};

START_TEST(parse_malformed)
{
    const struct bad_case *c = &bad_cases[_i];
    struct dl_error err = {{0}};
    char **rua = (char **)1;
    size_t n = 99;
    ck_assert_msg(dane_tlsrpt_parse(c->text, strlen(c->text), &rua, &n, &err) == -1,
                  "accepted '%s'", c->text);
    ck_assert_msg(strstr(err.msg, c->why) != NULL, "'%s': message '%s' lacks '%s'", c->text,
                  err.msg, c->why);
    ck_assert_ptr_null(rua);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(parse_embedded_nul)
{
    static const char t[] = "v=TLSRPTv1; rua=mailto:a@x.test\0";
    struct dl_error err;
    char **rua;
    size_t n;
    ck_assert_int_eq(dane_tlsrpt_parse(t, sizeof(t) - 1, &rua, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "mailto:a@x.test?"));
}
END_TEST

/* TXT RDATA in wire form from character-strings. */
struct txt {
    unsigned char data[600];
    struct dane_dns_rr rr;
};

static void txt_make(struct txt *t, const char *const *strings)
{
    size_t off = 0;
    for (; *strings; strings++) {
        size_t l = strlen(*strings);
        t->data[off++] = (unsigned char)l;
        memcpy(t->data + off, *strings, l);
        off += l;
    }
    t->rr.data = t->data;
    t->rr.len = off;
}

static void txt_one(struct txt *t, const char *s)
{
    const char *strings[] = {s, NULL};
    txt_make(t, strings);
}

START_TEST(rrset_one_among_others)
{
    struct txt t[3];
    struct dane_dns_rr rrs[3];
    struct dane_tlsrpt_policy p = {0};
    txt_one(&t[0], "v=spf1 -all");
    txt_one(&t[1], "v=TLSRPTv1; rua=mailto:r@x.test");
    txt_one(&t[2], "google-site-verification=abc");
    for (int i = 0; i < 3; i++)
        rrs[i] = t[i].rr;
    dane_tlsrpt_policy_from_txt(rrs, 3, &p);
    ck_assert(p.found);
    ck_assert_uint_eq(p.n_rua, 1);
    ck_assert_str_eq(p.rua[0], "mailto:r@x.test");
    dane_tlsrpt_policy_clear(&p);
    ck_assert_ptr_null(p.rua);
}
END_TEST

START_TEST(rrset_strings_joined_without_spaces)
{
    const char *parts[] = {"v=TLSRPTv1; rua=mai", "lto:r@x.test,https://r.x", ".test/", NULL};
    struct txt t;
    struct dane_tlsrpt_policy p = {0};
    txt_make(&t, parts);
    dane_tlsrpt_policy_from_txt(&t.rr, 1, &p);
    ck_assert_msg(p.found, "%s", p.why);
    ck_assert_uint_eq(p.n_rua, 2);
    ck_assert_str_eq(p.rua[1], "https://r.x.test/");
    dane_tlsrpt_policy_clear(&p);
}
END_TEST

START_TEST(rrset_two_records_is_none)
{
    struct txt t[2];
    struct dane_dns_rr rrs[2];
    struct dane_tlsrpt_policy p = {0};
    txt_one(&t[0], "v=TLSRPTv1; rua=mailto:a@x.test");
    txt_one(&t[1], "v=TLSRPTv1; rua=mailto:b@x.test");
    rrs[0] = t[0].rr;
    rrs[1] = t[1].rr;
    dane_tlsrpt_policy_from_txt(rrs, 2, &p);
    ck_assert(!p.found);
    ck_assert_uint_eq(p.n_rua, 0);
    ck_assert_ptr_nonnull(strstr(p.why, "2 TXT records begin with v=TLSRPTv1"));
    dane_tlsrpt_policy_clear(&p);
}
END_TEST

START_TEST(rrset_none_or_malformed)
{
    struct txt t;
    struct dane_tlsrpt_policy p = {0};
    txt_one(&t, "v=spf1 -all");
    dane_tlsrpt_policy_from_txt(&t.rr, 1, &p);
    ck_assert(!p.found);
    ck_assert_str_eq(p.why, "no TXT record begins with v=TLSRPTv1 (1 TXT record)");
    txt_one(&t, "v=TLSRPTv1; rua=mailto:nobody");
    dane_tlsrpt_policy_from_txt(&t.rr, 1, &p);
    ck_assert(!p.found);
    ck_assert_ptr_nonnull(strstr(p.why, "malformed TLSRPT record: rua: no mailto: or https:"));
    /* A character-string longer than the RDATA: not a record. */
    txt_one(&t, "v=TLSRPTv1; rua=mailto:a@x.test");
    t.rr.len -= 3;
    dane_tlsrpt_policy_from_txt(&t.rr, 1, &p);
    ck_assert(!p.found);
    dane_tlsrpt_policy_from_txt(NULL, 0, &p);
    ck_assert_str_eq(p.why, "no TXT record begins with v=TLSRPTv1 (0 TXT records)");
}
END_TEST

static char tmpdir[64];

static void make_tmp(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check-tlsrpt-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmp(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static int write_report(dane_tlsrpt *r, const char *name, char path[256])
{
    struct dl_error err;
    snprintf(path, 256, "%s/%s", tmpdir, name);
    return dane_tlsrpt_write(r, path, 1700000000, 1700086400, &err);
}

START_TEST(write_only_when_published)
{
    struct dane_tlsrpt_policy none = {0}, pol = {0};
    struct txt t;
    char path[256];
    struct stat st;
    dane_tlsrpt *r = dane_tlsrpt_new("good.test.");
    make_tmp();
    ck_assert_str_eq(dane_tlsrpt_domain(r), "good.test");
    ck_assert(!dane_tlsrpt_policy_known(r));
    ck_assert_ptr_null(dane_tlsrpt_rua(r)[0]);
    /* Unknown policy (not looked up, as dane-client --tlsrpt): written. */
    ck_assert_int_eq(write_report(r, "unknown.json", path), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    /* Known to publish none: 1, nothing written. */
    snprintf(none.why, sizeof(none.why), "no TXT record");
    dane_tlsrpt_set_policy(r, &none);
    ck_assert(dane_tlsrpt_policy_known(r));
    ck_assert_int_eq(write_report(r, "none.json", path), 1);
    ck_assert_int_eq(stat(path, &st), -1);
    /* Published: written, rua kept. */
    txt_one(&t, "v=TLSRPTv1; rua=mailto:tlsrpt@good.test,https://r.good.test/");
    dane_tlsrpt_policy_from_txt(&t.rr, 1, &pol);
    dane_tlsrpt_set_policy(r, &pol);
    dane_tlsrpt_policy_clear(&pol);
    ck_assert_str_eq(dane_tlsrpt_rua(r)[1], "https://r.good.test/");
    ck_assert_ptr_null(dane_tlsrpt_rua(r)[2]);
    ck_assert_int_eq(write_report(r, "good.json", path), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    dane_tlsrpt_free(r);
    remove_tmp();
}
END_TEST

Suite *tlsrpt_suite(void)
{
    Suite *s = suite_create("tlsrpt");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_loop_test(pos, parse_valid, 0, sizeof(good_cases) / sizeof(good_cases[0]));
    tcase_add_test(pos, rrset_one_among_others);
    tcase_add_test(pos, rrset_strings_joined_without_spaces);
    tcase_add_test(pos, write_only_when_published);
    tcase_add_loop_test(neg, parse_not_tlsrpt, 0, sizeof(other_records) / sizeof(other_records[0]));
    tcase_add_loop_test(neg, parse_malformed, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(neg, parse_embedded_nul);
    tcase_add_test(neg, rrset_two_records_is_none);
    tcase_add_test(neg, rrset_none_or_malformed);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
