/* Unit tests for dane_decide: the reference client's host-selection
 * decisions, every combination of lookup results. */
#include "dane_decide.h"

#include <check.h>
#include <string.h>

Suite *dane_decide_suite(void);

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define S DANE_DNS_SECURE
#define I DANE_DNS_INSECURE
#define B DANE_DNS_BOGUS
#define F DANE_DNS_FAILED

/* --- MX RRset (RFC 5321 5.1, RFC 7505) ------------------------------------ */

static const struct {
    size_t n_rrs, n_hosts, n_null;
    enum dane_mx_decision want;
} mx_cases[] = {
    {0, 0, 0, DANE_MX_IMPLICIT},
    {1, 0, 1, DANE_MX_NULL},
    {2, 0, 2, DANE_MX_NULL},
    {2, 1, 1, DANE_MX_HOSTS_NULL_IGNORED}, /* never the domain's own addresses */
    {3, 2, 1, DANE_MX_HOSTS_NULL_IGNORED},
    {2, 2, 0, DANE_MX_HOSTS},
    {1, 0, 0, DANE_MX_NO_HOST}, /* malformed only: no implicit MX either */
};

START_TEST(mx_decision)
{
    const char *why = NULL;
    ck_assert_int_eq(
        dane_decide_mx(mx_cases[_i].n_rrs, mx_cases[_i].n_hosts, mx_cases[_i].n_null, &why),
        mx_cases[_i].want);
    ck_assert_ptr_nonnull(why);
}
END_TEST

/* An MX RRset exists: whatever is in it, never the implicit MX. */
START_TEST(mx_never_implicit)
{
    const char *why;
    for (size_t hosts = 0; hosts < 3; hosts++)
        for (size_t nulls = 0; nulls < 3; nulls++) {
            size_t n_rrs = hosts + nulls + (hosts + nulls == 0);
            ck_assert_int_ne(dane_decide_mx(n_rrs, hosts, nulls, &why), DANE_MX_IMPLICIT);
        }
}
END_TEST

static const struct {
    unsigned pref[20];
    size_t n, soft, hard, want;
} keep_cases[] = {
    {{10, 20, 30}, 3, 10, 16, 3},
    {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 12, 10, 16, 10},
    /* the 10th, 11th and 12th share a preference: all kept */
    {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 11}, 13, 10, 16, 12},
    /* ... but never beyond the hard bound */
    {{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 20, 10, 16, 16},
    {{5, 5, 5, 5}, 4, 2, 3, 3},
    {{5, 6}, 2, 1, 16, 1},
    {{0}, 0, 10, 16, 0},
};

START_TEST(mx_keep)
{
    ck_assert_uint_eq(dane_decide_mx_keep(keep_cases[_i].pref, keep_cases[_i].n,
                                          keep_cases[_i].soft, keep_cases[_i].hard),
                      keep_cases[_i].want);
}
END_TEST

/* --- addresses (RFC 7672 2.1.1, 2.2.2) ------------------------------------ */

static const struct {
    enum dane_dns_verdict v4;
    size_t n4;
    enum dane_dns_verdict v6;
    size_t n6;
    enum dane_addr_decision want;
    int family;
} addr_cases[] = {
    {S, 1, S, 1, DANE_ADDR_SECURE, 4},
    {S, 1, S, 0, DANE_ADDR_SECURE, 4}, /* secure NODATA for AAAA */
    {S, 0, S, 1, DANE_ADDR_SECURE, 6},
    {I, 1, I, 0, DANE_ADDR_INSECURE, 4},
    {S, 1, I, 0, DANE_ADDR_INSECURE, 4}, /* the strict rule: both secure */
    {I, 0, S, 1, DANE_ADDR_INSECURE, 6},
    /* the downgrades this client refuses */
    {S, 1, F, 0, DANE_ADDR_FAILED, 0},
    {F, 0, S, 1, DANE_ADDR_FAILED, 0},
    {S, 1, B, 0, DANE_ADDR_BOGUS, 0},
    {B, 0, S, 1, DANE_ADDR_BOGUS, 0},
    {I, 1, F, 0, DANE_ADDR_FAILED, 0},
    {B, 0, F, 0, DANE_ADDR_BOGUS, 0},
    {S, 0, S, 0, DANE_ADDR_NONE, 0},
    {I, 0, S, 0, DANE_ADDR_NONE, 0},
};

START_TEST(addr_decision)
{
    struct dane_decide_lookup a4 = {.verdict = addr_cases[_i].v4, .count = addr_cases[_i].n4};
    struct dane_decide_lookup a6 = {.verdict = addr_cases[_i].v6, .count = addr_cases[_i].n6};
    struct dane_addr_choice c;
    dane_decide_addr(&a4, &a6, &c);
    ck_assert_int_eq(c.decision, addr_cases[_i].want);
    ck_assert_int_eq(c.family, addr_cases[_i].family);
    ck_assert_ptr_nonnull(c.why);
}
END_TEST

/* Every combination (4 verdicts x 2 counts per family): a bogus or failed
 * family never yields a usable address (no downgrade), and DANE is
 * possible only when both families are secure. */
START_TEST(addr_every_combination)
{
    enum dane_dns_verdict v4 = (enum dane_dns_verdict)(_i / 16),
                          v6 = (enum dane_dns_verdict)(_i / 2 % 4);
    int n4 = (_i / 8) % 2, n6 = _i % 2;
    struct dane_decide_lookup a4 = {.verdict = v4, .count = (size_t)n4};
    struct dane_decide_lookup a6 = {.verdict = v6, .count = (size_t)n6};
    struct dane_addr_choice c;
    bool usable;
    dane_decide_addr(&a4, &a6, &c);
    usable = c.decision == DANE_ADDR_SECURE || c.decision == DANE_ADDR_INSECURE;
    if (v4 == B || v6 == B)
        ck_assert_int_eq(c.decision, DANE_ADDR_BOGUS);
    else if (v4 == F || v6 == F)
        ck_assert_int_eq(c.decision, DANE_ADDR_FAILED);
    else
        ck_assert(usable == (n4 + n6 > 0));
    if (c.decision == DANE_ADDR_SECURE)
        ck_assert(v4 == S && v6 == S);
    if (usable)
        ck_assert_int_eq(c.family, n4 ? 4 : 6);
}
END_TEST

START_TEST(addr_canonname)
{
    struct dane_decide_lookup a4 = {.verdict = S, .count = 0, .canonname = "t.p.test."};
    struct dane_decide_lookup a6 = {.verdict = S, .count = 1, .canonname = "t.p.test."};
    struct dane_addr_choice c;
    dane_decide_addr(&a4, &a6, &c);
    ck_assert_str_eq(c.canonname, "t.p.test.");
    a4.canonname = a6.canonname = NULL;
    dane_decide_addr(&a4, &a6, &c);
    ck_assert_ptr_null(c.canonname);
}
END_TEST

/* --- the TLSA base domain (RFC 7672 2.2.2, 2.2.3) ------------------------- */

#define NAME  "mx1.d.test."
#define CANON "mx1.p.test."

static const struct dane_decide_lookup cn_secure = {S, 1, NULL}, cn_insecure = {I, 1, NULL},
                                       cn_bogus = {B, 0, NULL}, cn_failed = {F, 0, NULL},
                                       cn_none = {S, 0, NULL};

static const struct {
    bool mx_secure;
    enum dane_addr_decision addr;
    const char *canon;
    const struct dane_decide_lookup *cname;
    enum dane_base_decision want;
    const char *base0, *base1, *why0; /* why0: a substring of base_why[0] */
} base_cases[] = {
    /* (a) secure: expanded name first, then the original */
    {true, DANE_ADDR_SECURE, CANON, NULL, DANE_BASE_LOOKUP, CANON, NAME, "expanded name"},
    {true, DANE_ADDR_SECURE, NULL, NULL, DANE_BASE_LOOKUP, NAME, NULL, "no CNAME"},
    /* (b) insecure through a CNAME: the first CNAME decides */
    {true, DANE_ADDR_INSECURE, CANON, NULL, DANE_BASE_ASK_CNAME, NULL, NULL, NULL},
    {true, DANE_ADDR_INSECURE, CANON, &cn_secure, DANE_BASE_LOOKUP, NAME, NULL,
     "secure CNAME to insecure target"},
    {true, DANE_ADDR_INSECURE, CANON, &cn_insecure, DANE_BASE_NO_DANE, NULL, NULL, NULL},
    {true, DANE_ADDR_INSECURE, CANON, &cn_bogus, DANE_BASE_BOGUS, NULL, NULL, NULL},
    {true, DANE_ADDR_INSECURE, CANON, &cn_failed, DANE_BASE_FAILED, NULL, NULL, NULL},
    {true, DANE_ADDR_INSECURE, CANON, &cn_none, DANE_BASE_FAILED, NULL, NULL, NULL},
    /* (c) insecure without a CNAME */
    {true, DANE_ADDR_INSECURE, NULL, NULL, DANE_BASE_NO_DANE, NULL, NULL, NULL},
    /* an insecure MX RRset: no DANE (the MAY of 2.2.1 not taken) */
    {false, DANE_ADDR_SECURE, NULL, NULL, DANE_BASE_NO_DANE, NULL, NULL, NULL},
    {false, DANE_ADDR_INSECURE, CANON, NULL, DANE_BASE_NO_DANE, NULL, NULL, NULL},
    /* addresses unusable: never a plan with TLSA */
    {true, DANE_ADDR_BOGUS, CANON, NULL, DANE_BASE_BOGUS, NULL, NULL, NULL},
    {true, DANE_ADDR_FAILED, NULL, NULL, DANE_BASE_FAILED, NULL, NULL, NULL},
};

START_TEST(base_decision)
{
    struct dane_base_plan p;
    dane_decide_tlsa_base(base_cases[_i].mx_secure, base_cases[_i].addr, NAME, base_cases[_i].canon,
                          base_cases[_i].cname, &p);
    ck_assert_int_eq(p.decision, base_cases[_i].want);
    ck_assert_ptr_nonnull(p.why);
    ck_assert_uint_eq(p.n_base, base_cases[_i].base0 == NULL   ? 0
                                : base_cases[_i].base1 == NULL ? 1
                                                               : 2);
    if (base_cases[_i].base0) {
        ck_assert_str_eq(p.base[0], base_cases[_i].base0);
        ck_assert_ptr_nonnull(strstr(p.base_why[0], base_cases[_i].why0));
    }
    if (base_cases[_i].base1)
        ck_assert_str_eq(p.base[1], base_cases[_i].base1);
}
END_TEST

/* Every first-CNAME answer behind an insecure expansion: TLSA only at the
 * original name, and only when the CNAME is secure and present. */
START_TEST(base_first_cname_every_answer)
{
    struct dane_decide_lookup c = {.verdict = (enum dane_dns_verdict)(_i / 2),
                                   .count = (size_t)(_i % 2)};
    struct dane_base_plan p;
    dane_decide_tlsa_base(true, DANE_ADDR_INSECURE, NAME, CANON, &c, &p);
    if (c.verdict == S && c.count > 0) {
        ck_assert_int_eq(p.decision, DANE_BASE_LOOKUP);
        ck_assert_uint_eq(p.n_base, 1);
        ck_assert_str_eq(p.base[0], NAME);
    } else
        ck_assert_int_ne(p.decision, DANE_BASE_LOOKUP);
    if (c.verdict == B)
        ck_assert_int_eq(p.decision, DANE_BASE_BOGUS);
    if (c.verdict == F)
        ck_assert_int_eq(p.decision, DANE_BASE_FAILED);
}
END_TEST

/* --- the outcome over several hosts (RFC 7672 2.1.2, RFC 5321 5.1) -------- */

#define TOOK DANE_HOST_TOOK
#define TEMP DANE_HOST_TEMPORARY
#define PERM DANE_HOST_PERMANENT
#define REJ  DANE_HOST_REJECTED

static const struct {
    enum dane_host_class c[4];
    size_t n, want;
} outcome_cases[] = {
    {{TOOK}, 1, 0},
    {{TEMP, TOOK}, 2, 1},
    {{PERM, TOOK}, 2, 1},
    /* a host without an address never decides over a temporary failure */
    {{PERM, TEMP}, 2, 1},
    {{PERM, PERM, TEMP, TEMP}, 4, 2},
    {{TEMP, PERM}, 2, 0},
    {{TEMP, TEMP}, 2, 0},
    /* every host failed permanently: the most preferred */
    {{PERM, PERM}, 2, 0},
    /* the destination's own answer */
    {{TEMP, REJ}, 2, 1},
};

START_TEST(outcome_decision)
{
    const char *why = NULL;
    ck_assert_uint_eq(dane_decide_outcome(outcome_cases[_i].c, outcome_cases[_i].n, &why),
                      outcome_cases[_i].want);
    ck_assert_ptr_nonnull(why);
}
END_TEST

static const struct {
    enum dane_profile p;
    enum dane_reason r;
    struct dane_facts f;
    enum dane_host_class want;
} class_cases[] = {
    {DANE_PROFILE_RFC7672, DANE_R_AUTHENTICATED, {0}, DANE_HOST_TOOK},
    {DANE_PROFILE_RFC7672, DANE_R_OPPORTUNISTIC_PLAIN, {0}, DANE_HOST_TOOK},
    {DANE_PROFILE_RFC7672, DANE_R_NO_MAIL_HOST, {0}, DANE_HOST_PERMANENT},
    {DANE_PROFILE_RFC7672, DANE_R_DNS_FAILED, {0}, DANE_HOST_TEMPORARY},
    {DANE_PROFILE_RFC7672, DANE_R_DNSSEC_BOGUS, {0}, DANE_HOST_TEMPORARY},
    {DANE_PROFILE_RFC7672, DANE_R_TLSA_SERVFAIL, {0}, DANE_HOST_TEMPORARY},
    {DANE_PROFILE_RFC7672, DANE_R_NO_TLSA_MATCH, {0}, DANE_HOST_TEMPORARY},
    {DANE_PROFILE_RFC7672, DANE_R_CONNECT_FAILED, {0}, DANE_HOST_TEMPORARY},
    {DANE_PROFILE_RFC7672, DANE_R_SMTP_TEMPFAIL, {0}, DANE_HOST_TEMPORARY},
    {DANE_PROFILE_RFC7672, DANE_R_SMTP_REJECTED, {0}, DANE_HOST_REJECTED},
    /* the profile's own judgement: an expired leaf is not taken there */
    {DANE_PROFILE_RFC7672, DANE_R_AUTHENTICATED, {.leaf_expired = true}, DANE_HOST_TOOK},
    {DANE_PROFILE_EXCHANGE_ONLINE,
     DANE_R_AUTHENTICATED,
     {.leaf_expired = true},
     DANE_HOST_TEMPORARY},
};

START_TEST(host_class)
{
    ck_assert_int_eq(
        dane_decide_host_class(class_cases[_i].p, class_cases[_i].r, &class_cases[_i].f),
        class_cases[_i].want);
}
END_TEST

START_TEST(host_stop)
{
    ck_assert(dane_decide_stop(DANE_HOST_TOOK));
    ck_assert(dane_decide_stop(DANE_HOST_REJECTED));
    ck_assert(!dane_decide_stop(DANE_HOST_TEMPORARY));
    ck_assert(!dane_decide_stop(DANE_HOST_PERMANENT));
}
END_TEST

Suite *dane_decide_suite(void)
{
    Suite *s = suite_create("dane_decide");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_loop_test(pos, mx_decision, 0, N(mx_cases));
    tcase_add_loop_test(pos, mx_keep, 0, N(keep_cases));
    tcase_add_loop_test(pos, addr_decision, 0, N(addr_cases));
    tcase_add_test(pos, addr_canonname);
    tcase_add_loop_test(pos, base_decision, 0, N(base_cases));
    tcase_add_loop_test(pos, outcome_decision, 0, N(outcome_cases));
    tcase_add_loop_test(pos, host_class, 0, N(class_cases));
    tcase_add_test(pos, host_stop);
    tcase_add_test(neg, mx_never_implicit);
    tcase_add_loop_test(neg, addr_every_combination, 0, 64);
    tcase_add_loop_test(neg, base_first_cname_every_answer, 0, 8);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
