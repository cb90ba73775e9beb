/* dane_tls_verify_chain (dane-client verify) on chains made by certs/:
 * every usage x selector x matching type, positive (the record of the right
 * certificate) and negative (a record of another certificate), for DANE-EE
 * on the leaf and DANE-TA on the intermediate and on the root; names,
 * validity and missing intermediates as RFC 7672 section 3 says. */
#include "cert_set.h"
#include "dane_outcome.h"
#include "dane_tls.h"
#include "dane_tlsa.h"
#include "dl_util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Suite *dane_verify_suite(void);

#define NOW ((time_t)1893456000) /* 2030-01-01 */

static cert_set *set;
static SSL_CTX *ctx;
static char dir[] = "/tmp/check-dane-verify-XXXXXX";
static const char *const mx_names[] = {"mx1.verify.test"};
static const char *const other_names[] = {"other.test"};

static void setup(void)
{
    const struct cert_spec specs[] = {
        {.name = "root", .ca = true, .not_before = -86400, .not_after = 3650 * 86400},
        {.name = "inter",
         .issuer = "root",
         .ca = true,
         .not_before = -86400,
         .not_after = 3650 * 86400},
        {.name = "leaf",
         .issuer = "inter",
         .names = mx_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
        {.name = "wrongname",
         .issuer = "inter",
         .names = other_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
        {.name = "expired",
         .issuer = "inter",
         .names = mx_names,
         .n_names = 1,
         .not_before = -90 * 86400,
         .not_after = -86400},
        {.name = "selfsigned",
         .names = mx_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
    };
    struct cert_set_params p = {.dir = dir, .now = NOW};
    struct dl_error err;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    set = cert_set_build(&p, specs, sizeof(specs) / sizeof(specs[0]), NULL, &err);
    ck_assert_msg(set != NULL, "%s", err.msg);
    ctx = dane_tls_ctx_new(&err);
    ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    cert_set_free(set);
    SSL_CTX_free(ctx);
    if (system(cmd) != 0) {
        /* a leftover temporary directory is harmless */
    }
    free(cmd);
    strcpy(dir, "/tmp/check-dane-verify-XXXXXX");
}

/* Verify `leaf`'s chain of `kind` against one record "U S M" of `of`. */
static struct dane_tls_result verify(const char *leaf, enum cert_chain_kind kind, int u, int s,
                                     int m, const char *of, const char *name)
{
    struct dane_tls_result r;
    struct dane_tlsa rec;
    struct dl_error err;
    char *text = cert_set_tlsa(set, of, u, s, m, &err);
    STACK_OF(X509) *chain = cert_set_chain(set, leaf, kind, &err);
    struct dane_tls_setup st = {
        .sni = name, .mx_host = name, .tlsa = &rec, .n_tlsa = 1, .now = NOW};
    ck_assert_msg(text != NULL && chain != NULL, "%s", err.msg);
    ck_assert_int_eq(dane_tlsa_from_text(text, &rec), 0);
    ck_assert_msg(dane_tls_verify_chain(ctx, &st, chain, &r, &err) == 0, "%s", err.msg);
    dane_tlsa_clear(&rec);
    sk_X509_pop_free(chain, X509_free);
    free(text);
    return r;
}

/* _i = selector * 3 + matching */
START_TEST(ee_matrix)
{
    int s = _i / 3, m = _i % 3;
    struct dane_tls_result r =
        verify("leaf", CERT_CHAIN_SERVED, 3, s, m, "leaf", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "3 %d %d: %s", s, m, r.verify_text);
    ck_assert_int_eq(r.match_usage, 3);
    ck_assert_int_eq(r.match_depth, 0);
    r = verify("leaf", CERT_CHAIN_SERVED, 3, s, m, "wrongname", "mx1.verify.test");
    ck_assert_msg(!r.authenticated, "3 %d %d of another certificate authenticated", s, m);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_NO_TLSA_MATCH);
}
END_TEST

START_TEST(ta_matrix_intermediate)
{
    int s = _i / 3, m = _i % 3;
    struct dane_tls_result r =
        verify("leaf", CERT_CHAIN_SERVED, 2, s, m, "inter", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "2 %d %d on the intermediate: %s", s, m, r.verify_text);
    ck_assert_int_eq(r.match_usage, 2);
    ck_assert_int_eq(r.match_depth, 1);
    r = verify("leaf", CERT_CHAIN_SERVED, 2, s, m, "selfsigned", "mx1.verify.test");
    ck_assert_msg(!r.authenticated, "2 %d %d of an unrelated certificate authenticated", s, m);
}
END_TEST

START_TEST(ta_matrix_root)
{
    int s = _i / 3, m = _i % 3;
    /* the root is not sent: DANE-TA(2) 0 0 (full certificate) can still
     * supply it; digests need the server to send it (RFC 7671 5.2.2) */
    struct dane_tls_result r = verify("leaf", CERT_CHAIN_FULL, 2, s, m, "root", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "2 %d %d on the root, full chain: %s", s, m, r.verify_text);
    ck_assert_int_eq(r.match_depth, 2);
}
END_TEST

START_TEST(ta_checks_names)
{
    struct dane_tls_result r =
        verify("wrongname", CERT_CHAIN_SERVED, 2, 1, 1, "inter", "mx1.verify.test");
    ck_assert(!r.authenticated);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_HOST_MISMATCH);
}
END_TEST

START_TEST(ee_ignores_names_and_dates)
{
    struct dane_tls_result r =
        verify("wrongname", CERT_CHAIN_SERVED, 3, 1, 1, "wrongname", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "DANE-EE checked the name: %s", r.verify_text);
    r = verify("expired", CERT_CHAIN_SERVED, 3, 1, 1, "expired", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "DANE-EE checked the dates: %s", r.verify_text);
    ck_assert(r.leaf_expired); /* for the exchange-online profile */
}
END_TEST

START_TEST(ta_checks_dates)
{
    struct dane_tls_result r =
        verify("expired", CERT_CHAIN_SERVED, 2, 1, 1, "inter", "mx1.verify.test");
    ck_assert(!r.authenticated);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_CERT_EXPIRED);
}
END_TEST

START_TEST(ta_missing_intermediate)
{
    /* TA = the intermediate, which the server forgot to send */
    struct dane_tls_result r = verify("leaf", CERT_CHAIN_LEAF, 2, 1, 1, "inter", "mx1.verify.test");
    ck_assert(!r.authenticated);
    ck_assert_int_ne(dane_tls_failure_reason(&r), DANE_R_AUTHENTICATED);
}
END_TEST

START_TEST(pkix_usages_unusable)
{
    struct dane_tlsa rec;
    ck_assert_int_eq(dane_tlsa_from_text("1 1 1 00000000000000000000000000000000"
                                         "00000000000000000000000000000000",
                                         &rec),
                     0);
    ck_assert_ptr_nonnull(rec.unusable);
    dane_tlsa_clear(&rec);
}
END_TEST

Suite *dane_verify_suite(void)
{
    Suite *s = suite_create("dane_verify");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_checked_fixture(pos, setup, teardown);
    tcase_add_checked_fixture(neg, setup, teardown);
    tcase_set_timeout(pos, 60);
    tcase_set_timeout(neg, 60);
    tcase_add_loop_test(pos, ee_matrix, 0, 6);
    tcase_add_loop_test(pos, ta_matrix_intermediate, 0, 6);
    tcase_add_loop_test(pos, ta_matrix_root, 0, 6);
    tcase_add_test(pos, ee_ignores_names_and_dates);
    tcase_add_test(neg, ta_checks_names);
    tcase_add_test(neg, ta_checks_dates);
    tcase_add_test(neg, ta_missing_intermediate);
    tcase_add_test(neg, pkix_usages_unusable);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
