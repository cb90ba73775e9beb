/* Unit tests for src/dane_tlsrpt: the RFC 8460 section 3 policy record
 * (parsing, choosing one among a TXT RRset), reports written only for a
 * domain that asks for them, and the report's field values (section 4.4)
 * from synthetic attempts. The DNS lookup itself is tested against the
 * lab (tests/integration/t_tlsrpt.sh, t_report_tlsrpt.sh). */
#include "dane_tlsrpt.h"
#include "dl_util.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
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

/* ---- The report's fields (RFC 8460 section 4.4) ---- */

/* A host of a synthetic attempt: name, receiving and local address, the
 * reason (mapped under rfc7672), whether TLS was negotiated. */
static struct dane_host_result *add_host(struct dane_client_result *res, const char *name,
                                         const char *address, const char *local,
                                         enum dane_reason reason, bool tls)
{
    struct dane_host_result *h = &res->hosts[res->n_hosts++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->address, sizeof(h->address), "%s", address);
    snprintf(h->local_address, sizeof(h->local_address), "%s", local);
    h->reason = reason;
    h->tls_used = tls;
    dane_outcome_map(DANE_PROFILE_RFC7672, reason, NULL, false, &h->outcome);
    return h;
}

/* A TLSA record 3 1 1 with 32 bytes 0x01..0x20 (freed by clear_result). */
static void add_tlsa(struct dane_host_result *h)
{
    struct dane_tlsa *t;
    h->tlsa = dl_xrealloc(h->tlsa, (h->n_tlsa + 1) * sizeof(*h->tlsa));
    t = &h->tlsa[h->n_tlsa++];
    memset(t, 0, sizeof(*t));
    t->usage = 3;
    t->selector = 1;
    t->mtype = 1;
    t->len = 32;
    t->data = malloc(32);
    ck_assert_ptr_nonnull(t->data);
    for (size_t i = 0; i < 32; i++)
        t->data[i] = (unsigned char)(i + 1);
}

static void clear_result(struct dane_client_result *res)
{
    for (size_t i = 0; i < res->n_hosts; i++) {
        for (size_t k = 0; k < res->hosts[i].n_tlsa; k++)
            dane_tlsa_clear(&res->hosts[i].tlsa[k]);
        free(res->hosts[i].tlsa);
    }
    memset(res, 0, sizeof(*res));
}

/* Write r and load it back (the caller decrefs). */
static json_t *written(dane_tlsrpt *r, const char *name)
{
    char path[256];
    json_error_t jerr;
    json_t *j;
    ck_assert_int_eq(write_report(r, name, path), 0);
    j = json_load_file(path, 0, &jerr);
    ck_assert_msg(j != NULL, "%s: %s", path, jerr.text);
    return j;
}

static const char *str_at(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_string(v), "'%s' is not a string", key);
    return json_string_value(v);
}

static json_int_t int_at(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "'%s' is not an integer", key);
    return json_integer_value(v);
}

/* The n-th policy object of a report, and its parts. */
static json_t *policy_at(json_t *report, size_t n)
{
    return json_array_get(json_object_get(report, "policies"), n);
}

static json_t *detail_at(json_t *report, size_t n)
{
    return json_array_get(json_object_get(policy_at(report, n), "failure-details"), 0);
}

START_TEST(report_top_level)
{
    static struct dane_client_result res;
    dane_tlsrpt *r = dane_tlsrpt_new("good.test.", 0);
    json_t *a, *b;
    make_tmp();
    add_host(&res, "mx1.good.test.", "198.51.100.25", "192.0.2.7", DANE_R_OPPORTUNISTIC_TLS, true);
    dane_tlsrpt_add(r, &res);
    a = written(r, "a.json");
    b = written(r, "b.json");
    ck_assert_str_eq(str_at(a, "organization-name"), DANE_TLSRPT_ORGANIZATION);
    /* contact-info: an addr-spec (RFC 5322 3.4.1), not a name or a URL */
    ck_assert_str_eq(str_at(a, "contact-info"), "tlsrpt@dane-client.invalid");
    /* date-range: whole UTC days around 2023-11-14T22:13:20Z .. 2023-11-15T22:13:20Z */
    ck_assert_str_eq(str_at(json_object_get(a, "date-range"), "start-datetime"),
                     "2023-11-14T00:00:00Z");
    ck_assert_str_eq(str_at(json_object_get(a, "date-range"), "end-datetime"),
                     "2023-11-15T23:59:59Z");
    /* report-id: a version 4 UUID, another one for every report */
    ck_assert_uint_eq(strlen(str_at(a, "report-id")), 36);
    ck_assert_int_eq(str_at(a, "report-id")[14], '4');
    ck_assert_str_ne(str_at(a, "report-id"), str_at(b, "report-id"));
    ck_assert_uint_eq(json_object_size(a), 5);
    json_decref(a);
    json_decref(b);
    clear_result(&res);
    dane_tlsrpt_free(r);
    remove_tmp();
}
END_TEST

/* A DANE host: one "tlsa" policy, its records in presentation form; a
 * success and a failure, with the sending address of the connection. */
START_TEST(report_tlsa_policy)
{
    static struct dane_client_result ok, bad;
    struct dane_host_result *h;
    dane_tlsrpt *r = dane_tlsrpt_new("good.test", 2525);
    json_t *j, *pol, *d;
    make_tmp();
    add_tlsa(
        add_host(&ok, "mx1.good.test.", "198.51.100.25", "192.0.2.7", DANE_R_AUTHENTICATED, true));
    h = add_host(&bad, "mx1.good.test.", "198.51.100.25", "192.0.2.8", DANE_R_NO_TLSA_MATCH, true);
    add_tlsa(h);
    h->tls.verify = 65;
    snprintf(h->tls.verify_text, sizeof(h->tls.verify_text), "no matching DANE TLSA records");
    dane_tlsrpt_add(r, &ok);
    dane_tlsrpt_add(r, &bad);
    j = written(r, "tlsa.json");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "policies")), 1);
    pol = json_object_get(policy_at(j, 0), "policy");
    ck_assert_str_eq(str_at(pol, "policy-type"), "tlsa");
    ck_assert_str_eq(str_at(pol, "policy-domain"), "good.test");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(pol, "policy-string"), 0)),
                     "_2525._tcp.mx1.good.test. IN TLSA ( 3 1 1 "
                     "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20 )");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(pol, "mx-host"), 0)),
                     "mx1.good.test");
    ck_assert_int_eq(
        int_at(json_object_get(policy_at(j, 0), "summary"), "total-successful-session-count"), 1);
    ck_assert_int_eq(
        int_at(json_object_get(policy_at(j, 0), "summary"), "total-failure-session-count"), 1);
    d = detail_at(j, 0);
    ck_assert_str_eq(str_at(d, "result-type"), "tlsa-invalid");
    ck_assert_str_eq(str_at(d, "sending-mta-ip"), "192.0.2.8");
    ck_assert_str_eq(str_at(d, "receiving-mx-hostname"), "mx1.good.test");
    ck_assert_str_eq(str_at(d, "receiving-ip"), "198.51.100.25");
    ck_assert_int_eq(int_at(d, "failed-session-count"), 1);
    ck_assert_str_eq(str_at(d, "failure-reason-code"),
                     "no-tlsa-match: no matching DANE TLSA records");
    json_decref(j);
    clear_result(&ok);
    clear_result(&bad);
    dane_tlsrpt_free(r);
    remove_tmp();
}
END_TEST

/* No DANE: one "no-policy-found" policy for all such hosts, without
 * policy-string or mx-host; mail sent in plaintext is a failure,
 * starttls-not-supported; equal failures are merged. */
START_TEST(report_no_policy_found)
{
    static struct dane_client_result res;
    dane_tlsrpt *r = dane_tlsrpt_new("plain.test", 0);
    json_t *j, *p, *d;
    make_tmp();
    add_host(&res, "mx1.plain.test.", "198.51.100.1", "192.0.2.7", DANE_R_OPPORTUNISTIC_PLAIN,
             false);
    add_host(&res, "mx2.plain.test.", "198.51.100.2", "192.0.2.7", DANE_R_OPPORTUNISTIC_TLS, true);
    dane_tlsrpt_add(r, &res);
    dane_tlsrpt_add(r, &res);
    j = written(r, "plain.json");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "policies")), 1);
    p = policy_at(j, 0);
    ck_assert_str_eq(str_at(json_object_get(p, "policy"), "policy-type"), "no-policy-found");
    ck_assert_ptr_null(json_object_get(json_object_get(p, "policy"), "policy-string"));
    ck_assert_ptr_null(json_object_get(json_object_get(p, "policy"), "mx-host"));
    ck_assert_int_eq(int_at(json_object_get(p, "summary"), "total-successful-session-count"), 2);
    ck_assert_int_eq(int_at(json_object_get(p, "summary"), "total-failure-session-count"), 2);
    ck_assert_uint_eq(json_array_size(json_object_get(p, "failure-details")), 1);
    d = detail_at(j, 0);
    ck_assert_str_eq(str_at(d, "result-type"), "starttls-not-supported");
    ck_assert_str_eq(str_at(d, "receiving-mx-hostname"), "mx1.plain.test");
    ck_assert_int_eq(int_at(d, "failed-session-count"), 2);
    json_decref(j);
    dane_tlsrpt_free(r);
    remove_tmp();
}
END_TEST

/* Failures before TLS: SERVFAIL on TLSA and a bogus TLSA RRset are
 * dnssec-invalid under a "tlsa" policy with no records, sent from the
 * route's source address (no connection was made); a bogus address RRset
 * is dnssec-invalid without receiving-ip or sending-mta-ip; only unusable
 * TLSA records is tlsa-invalid even when delivered; a host never tried is
 * not counted. */
START_TEST(report_before_tls)
{
    static struct dane_client_result res;
    struct dane_host_result *h;
    dane_tlsrpt *r = dane_tlsrpt_new("fail.test", 0);
    json_t *j, *d;
    make_tmp();
    add_host(&res, "mx1.fail.test.", "127.0.0.1", "", DANE_R_TLSA_SERVFAIL, false);
    h = add_host(&res, "mx2.fail.test.", "127.0.0.1", "", DANE_R_DNSSEC_BOGUS, false);
    h->facts.dns_bogus_on_tlsa = true;
    add_host(&res, "mx3.fail.test.", "", "", DANE_R_DNSSEC_BOGUS, false);
    h = add_host(&res, "mx4.fail.test.", "198.51.100.4", "192.0.2.7", DANE_R_TLS_REQUIRED_OK, true);
    add_tlsa(h);
    h->tlsa[0].usage = 1;
    res.n_hosts++; /* mx5: never tried, all zero */
    dane_tlsrpt_add(r, &res);
    j = written(r, "before.json");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "policies")), 4);
    for (size_t i = 0; i < 2; i++) {
        json_t *pol = json_object_get(policy_at(j, i), "policy");
        ck_assert_str_eq(str_at(pol, "policy-type"), "tlsa");
        ck_assert_uint_eq(json_array_size(json_object_get(pol, "policy-string")), 0);
        ck_assert_str_eq(str_at(detail_at(j, i), "result-type"), "dnssec-invalid");
        ck_assert_str_eq(str_at(detail_at(j, i), "sending-mta-ip"), "127.0.0.1");
    }
    ck_assert_str_eq(str_at(json_object_get(policy_at(j, 2), "policy"), "policy-type"),
                     "no-policy-found");
    d = detail_at(j, 2);
    ck_assert_str_eq(str_at(d, "result-type"), "dnssec-invalid");
    ck_assert_str_eq(str_at(d, "receiving-mx-hostname"), "mx3.fail.test");
    ck_assert_ptr_null(json_object_get(d, "receiving-ip"));
    ck_assert_ptr_null(json_object_get(d, "sending-mta-ip"));
    d = detail_at(j, 3);
    ck_assert_str_eq(str_at(d, "result-type"), "tlsa-invalid");
    ck_assert_str_eq(str_at(d, "failure-reason-code"), "tls-required-unauthenticated");
    json_decref(j);
    clear_result(&res);
    dane_tlsrpt_free(r);
    remove_tmp();
}
END_TEST

START_TEST(write_only_when_published)
{
    static struct dane_client_result res;
    struct dane_tlsrpt_policy none = {0}, pol = {0};
    struct txt t;
    char path[256];
    struct stat st;
    dane_tlsrpt *r = dane_tlsrpt_new("good.test.", 0);
    make_tmp();
    ck_assert_str_eq(dane_tlsrpt_domain(r), "good.test");
    ck_assert(!dane_tlsrpt_policy_known(r));
    ck_assert_ptr_null(dane_tlsrpt_rua(r)[0]);
    /* No session yet: nothing to report. */
    ck_assert_int_eq(write_report(r, "empty.json", path), 1);
    ck_assert_int_eq(stat(path, &st), -1);
    add_host(&res, "mx1.good.test.", "198.51.100.25", "192.0.2.7", DANE_R_OPPORTUNISTIC_TLS, true);
    dane_tlsrpt_add(r, &res);
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
    clear_result(&res);
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
    tcase_add_test(pos, report_top_level);
    tcase_add_test(pos, report_tlsa_policy);
    tcase_add_test(pos, report_no_policy_found);
    tcase_add_test(pos, report_before_tls);
    tcase_add_loop_test(neg, parse_not_tlsrpt, 0, sizeof(other_records) / sizeof(other_records[0]));
    tcase_add_loop_test(neg, parse_malformed, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(neg, parse_embedded_nul);
    tcase_add_test(neg, rrset_two_records_is_none);
    tcase_add_test(neg, rrset_none_or_malformed);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
