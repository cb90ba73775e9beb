/*
 * Unit tests for certs/cert_issue: validity windows (`openssl x509 -startdate/-enddate`,
 * `-checkend`), names (`-ext subjectAltName`) and chains (`openssl verify
 * -attime` at the virtual time they were made for).
 *
 * Wherever it can, a test judges the library's output with an independent
 * tool, the openssl command (testutil_certs runs it).
 */
#include "testutil_certs.h"
#include "cert_issue.h"
#include "cert_set.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Suite *cert_issue_suite(void);

/* ---- validity windows ---------------------------------------------------- */

static const struct {
    int64_t nb, na;
    int state; /* at now: -1 not yet valid, 0 valid, 1 expired */
} windows[] = {
    {-DAY, YEAR, 0},  {-2 * YEAR, -DAY, 1},
    {3600, YEAR, -1}, {-DAY, 30 * YEAR, 0}, /* 2060: GeneralizedTime */
    {-60, 60, 0},
};

START_TEST(test_validity_window)
{
    const char *names[] = {"mx1.time.test"};
    EVP_PKEY *k = tu_key_new("ecdsa-p256");
    X509 *x = tu_leaf_new(k, names, 1, T2030, windows[_i].nb, windows[_i].na);
    time_t now = T2030;
    int before = X509_cmp_time(X509_get0_notBefore(x), &now);
    int after = X509_cmp_time(X509_get0_notAfter(x), &now);
    ck_assert_int_eq(tu_asn1_unix(X509_get0_notBefore(x)), (int64_t)T2030 + windows[_i].nb);
    ck_assert_int_eq(tu_asn1_unix(X509_get0_notAfter(x)), (int64_t)T2030 + windows[_i].na);
    /* X509_cmp_time: -1 when the time is before `now`, 1 when after. */
    ck_assert_int_eq(windows[_i].state == -1, before > 0);
    ck_assert_int_eq(windows[_i].state == 1, after < 0);
    X509_free(x);
    EVP_PKEY_free(k);
}
END_TEST

static void tm_text(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%b %e %H:%M:%S %Y GMT", &tm);
}

START_TEST(test_validity_cli_dates)
{
    const char *names[] = {"mx1.time.test"};
    char *dir = tu_tmpdir_new(), *pem = dl_xasprintf("%s/c.pem", dir), *out, *want;
    char nb[64], na[64];
    EVP_PKEY *k = tu_key_new("ed25519");
    X509 *x = tu_leaf_new(k, names, 1, T2030, -2 * YEAR, -DAY);
    tu_write_pem(x, pem);
    tm_text(T2030 - 2 * YEAR, nb, sizeof(nb));
    tm_text(T2030 - DAY, na, sizeof(na));
    want = dl_xasprintf("notBefore=%s\nnotAfter=%s", nb, na);
    ck_assert_int_eq(tu_run(&out, "openssl x509 -in '%s' -noout -startdate -enddate", pem), 0);
    ck_assert_str_eq(out, want);
    free(out);
    free(want);
    X509_free(x);
    EVP_PKEY_free(k);
    free(pem);
    tu_rm_rf(dir);
}
END_TEST

/* -checkend judges against the real clock, so these certificates use it. */
START_TEST(test_validity_cli_checkend)
{
    const char *names[] = {"mx1.time.test"};
    char *dir = tu_tmpdir_new(), *ok = dl_xasprintf("%s/ok.pem", dir);
    char *old = dl_xasprintf("%s/old.pem", dir);
    EVP_PKEY *k = tu_key_new("ecdsa-p256");
    X509 *x1 = tu_leaf_new(k, names, 1, time(NULL), -DAY, 3600);
    X509 *x2 = tu_leaf_new(k, names, 1, time(NULL), -2 * DAY, -DAY);
    tu_write_pem(x1, ok);
    tu_write_pem(x2, old);
    ck_assert_int_eq(tu_run(NULL, "openssl x509 -in '%s' -noout -checkend 0", ok), 0);
    ck_assert_int_eq(tu_run(NULL, "openssl x509 -in '%s' -noout -checkend 7200", ok), 1);
    ck_assert_int_eq(tu_run(NULL, "openssl x509 -in '%s' -noout -checkend 0", old), 1);
    X509_free(x1);
    X509_free(x2);
    EVP_PKEY_free(k);
    free(ok);
    free(old);
    tu_rm_rf(dir);
}
END_TEST

/* ---- names ------------------------------------------------------------------ */

START_TEST(test_names_san_exact)
{
    char *dir = tu_tmpdir_new(), *pem = dl_xasprintf("%s/c.pem", dir), *out, cn[256];
    EVP_PKEY *k = tu_key_new("ecdsa-p256");
    X509 *x = tu_leaf_new(k, tu_mx_names, 3, T2030, -DAY, YEAR);
    size_t n = 0;
    char **san = cert_issue_san_names(x, &n);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(san[i], tu_mx_names[i]);
        free(san[i]);
    }
    ck_assert_ptr_null(san[n]);
    free(san);
    ck_assert_int_gt(
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)), 0);
    ck_assert_str_eq(cn, "mx1.good.test");
    tu_write_pem(x, pem);
    ck_assert_int_eq(tu_run(&out, "openssl x509 -in '%s' -noout -ext subjectAltName", pem), 0);
    ck_assert_msg(strstr(out, "\n    DNS:mx1.good.test, DNS:*.good.test, DNS:mail.other.test") !=
                          NULL &&
                      strstr(out, "IP") == NULL,
                  "%s", out);
    free(out);
    X509_free(x);
    EVP_PKEY_free(k);
    free(pem);
    tu_rm_rf(dir);
}
END_TEST

/* RFC 6125 §6.4.3: "*" matches exactly one whole left-most label. */
START_TEST(test_names_check_host)
{
    static const struct {
        const char *host;
        int match;
    } hosts[] = {
        {"mx1.good.test", 1}, {"MX1.Good.Test", 1},   {"mx9.good.test", 1}, {"a.b.good.test", 0},
        {"good.test", 0},     {"mail.other.test", 1}, {"x.other.test", 0},  {"mx1.evil.test", 0},
    };
    EVP_PKEY *k = tu_key_new("ecdsa-p256");
    X509 *x = tu_leaf_new(k, tu_mx_names, 3, T2030, -DAY, YEAR);
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        int r = X509_check_host(x, hosts[i].host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
        ck_assert_msg(r == hosts[i].match, "%s: %d", hosts[i].host, r);
    }
    X509_free(x);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_names_none)
{
    EVP_PKEY *k = tu_key_new("ecdsa-p256");
    X509 *x = tu_leaf_new(k, NULL, 0, T2030, -DAY, YEAR);
    size_t n = 1;
    char **san = cert_issue_san_names(x, &n), cn[64];
    ck_assert_uint_eq(n, 0);
    free(san);
    ck_assert_int_lt(X509_get_ext_by_NID(x, NID_subject_alt_name, -1), 0);
    ck_assert_int_gt(
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)), 0);
    ck_assert_str_eq(cn, "leaf"); /* the label */
    X509_free(x);
    EVP_PKEY_free(k);
}
END_TEST

/* ---- chains ---------------------------------------------------------------- */

static char *chain_dir;
static cert_set *chain_set;

static void chain_setup(void)
{
    struct cert_spec specs[N_SPECS];
    tu_specs_default(specs);
    specs[SPEC_LEAF].key = "rsa2048"; /* an RSA leaf under ECDSA CAs */
    chain_dir = tu_tmpdir_new();
    chain_set = tu_cert_set_build(chain_dir, specs, N_SPECS, T2030, 0, NULL);
}

static void chain_teardown(void)
{
    cert_set_free(chain_set);
    tu_rm_rf(chain_dir);
}

/* openssl verify at the virtual now; returns its exit status, output in *out. */
static int verify(char **out, const char *ca, const char *untrusted, const char *leaf,
                  const char *extra)
{
    char *u = untrusted != NULL ? dl_xasprintf("-untrusted '%s'", untrusted) : dl_xstrdup("");
    int rc = tu_run(out, "openssl verify -attime %lld -purpose sslserver %s -CAfile '%s' %s '%s'",
                    (long long)T2030, extra, ca, u, leaf);
    free(u);
    return rc;
}

START_TEST(test_chain_verify)
{
    char *root = tu_path_of(chain_set, "root", "crt.pem"),
         *inter = tu_path_of(chain_set, "inter", "crt.pem");
    char *leaf = tu_path_of(chain_set, "leaf", "crt.pem"),
         *served = tu_path_of(chain_set, "leaf", "chain.pem");
    char *out;
    ck_assert_msg(verify(&out, root, inter, leaf, "") == 0, "%s", out);
    ck_assert_msg(strstr(out, ": OK") != NULL, "%s", out);
    free(out);
    /* The served chain file is what a client gets: enough with the root. */
    ck_assert_msg(verify(&out, root, served, leaf, "-verify_hostname mx7.good.test") == 0, "%s",
                  out);
    free(out);
    ck_assert_int_ne(verify(&out, root, served, leaf, "-verify_hostname a.b.good.test"), 0);
    free(out);
    ck_assert_int_ne(verify(&out, root, NULL, leaf, ""), 0);
    ck_assert_msg(strstr(out, "unable to get local issuer certificate") != NULL, "%s", out);
    free(out);
    free(root);
    free(inter);
    free(leaf);
    free(served);
}
END_TEST

START_TEST(test_chain_ca_extensions)
{
    X509 *root = cert_set_cert(chain_set, "root"), *inter = cert_set_cert(chain_set, "inter");
    X509 *leaf = cert_set_cert(chain_set, "leaf"), *ee = cert_set_cert(chain_set, "ee");
    ck_assert_int_ne(X509_check_ca(root), 0);
    ck_assert_int_ne(X509_check_ca(inter), 0);
    ck_assert_int_eq(X509_check_ca(leaf), 0);
    ck_assert_int_eq(X509_check_ca(ee), 0);
    ck_assert_int_eq(X509_get_pathlen(inter), 0);
    ck_assert_int_eq(X509_get_pathlen(root), -1);
    ck_assert_int_eq(X509_check_issued(root, root), X509_V_OK);
    ck_assert_int_eq(X509_check_issued(root, inter), X509_V_OK);
    ck_assert_int_eq(X509_check_issued(inter, leaf), X509_V_OK);
    /* DANE-EE: self-signed (own key), yet no keyCertSign: not a CA. */
    ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(ee), X509_get_issuer_name(ee)), 0);
    ck_assert_int_eq(X509_verify(ee, X509_get0_pubkey(ee)), 1);
    ck_assert_int_eq(X509_get_version(leaf), X509_VERSION_3);
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
    ck_assert_int_eq(BN_num_bits(serial), 128);
    BN_free(serial);
}
END_TEST

/* The certificates of a PEM file, in order. */
static STACK_OF(X509) * pem_read_all(const char *path)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    FILE *f = fopen(path, "r");
    X509 *x;
    ck_assert_ptr_nonnull(f);
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
        sk_X509_push(sk, x);
    ERR_clear_error();
    fclose(f);
    return sk;
}

static const struct {
    const char *name;
    enum cert_chain_kind kind;
    const char *want[4];
} chains[] = {
    {"leaf", CERT_CHAIN_LEAF, {"leaf"}},
    {"leaf", CERT_CHAIN_SERVED, {"leaf", "inter"}},
    {"leaf", CERT_CHAIN_FULL, {"leaf", "inter", "root"}},
    {"leaf", CERT_CHAIN_NO_INTERMEDIATE, {"leaf", "root"}},
    {"ee", CERT_CHAIN_SERVED, {"ee"}},
    {"ee", CERT_CHAIN_FULL, {"ee"}},
    {"inter", CERT_CHAIN_SERVED, {"inter"}},
    {"root", CERT_CHAIN_FULL, {"root"}},
};

START_TEST(test_chain_files)
{
    char *path = dl_xasprintf("%s/chain-%d.pem", chain_dir, _i);
    struct dl_error err;
    STACK_OF(X509) * file, *mem;
    size_t n = 0;
    ck_assert_msg(cert_set_write_chain(chain_set, chains[_i].name, chains[_i].kind, path, &err) ==
                      0,
                  "%s", err.msg);
    file = pem_read_all(path);
    mem = cert_set_chain(chain_set, chains[_i].name, chains[_i].kind, &err);
    ck_assert_msg(mem != NULL, "%s", err.msg);
    while (n < 4 && chains[_i].want[n] != NULL)
        n++;
    ck_assert_int_eq(sk_X509_num(file), (int)n);
    ck_assert_int_eq(sk_X509_num(mem), (int)n);
    for (size_t i = 0; i < n; i++) {
        X509 *want = cert_set_cert(chain_set, chains[_i].want[i]);
        ck_assert_msg(X509_cmp(sk_X509_value(file, (int)i), want) == 0, "%s #%zu", path, i);
        ck_assert_msg(X509_cmp(sk_X509_value(mem, (int)i), want) == 0, "%s #%zu", path, i);
    }
    sk_X509_pop_free(file, X509_free);
    sk_X509_pop_free(mem, X509_free);
    free(path);
}
END_TEST

/* The chain a server forgets its intermediate in does not verify. */
START_TEST(test_chain_missing_intermediate_fails)
{
    char *path = dl_xasprintf("%s/noint.pem", chain_dir), *out;
    char *root = tu_path_of(chain_set, "root", "crt.pem"),
         *leaf = tu_path_of(chain_set, "leaf", "crt.pem");
    struct dl_error err;
    ck_assert_msg(cert_set_write_chain(chain_set, "leaf", CERT_CHAIN_NO_INTERMEDIATE, path, &err) ==
                      0,
                  "%s", err.msg);
    ck_assert_int_ne(verify(&out, root, path, leaf, ""), 0);
    free(out);
    free(path);
    free(root);
    free(leaf);
}
END_TEST

/* Validity and path length, judged by openssl verify at the virtual now. */
START_TEST(test_chain_verify_rejects)
{
    static const char *const names[] = {"mx1.bad.test"};
    struct cert_spec specs[N_SPECS + 4];
    char *dir = tu_tmpdir_new(), *out, *root, *inter, *leaf, *served;
    cert_set *s;
    tu_specs_default(specs);
    specs[N_SPECS] = (struct cert_spec){.name = "old",
                                        .issuer = "inter",
                                        .names = names,
                                        .n_names = 1,
                                        .not_before = -YEAR,
                                        .not_after = -60};
    specs[N_SPECS + 1] = (struct cert_spec){.name = "young",
                                            .issuer = "inter",
                                            .names = names,
                                            .n_names = 1,
                                            .not_before = 60,
                                            .not_after = YEAR};
    specs[N_SPECS + 2] = (struct cert_spec){
        .name = "sub", .issuer = "inter", .ca = true, .not_before = -DAY, .not_after = YEAR};
    specs[N_SPECS + 3] = (struct cert_spec){.name = "subleaf",
                                            .issuer = "sub",
                                            .names = names,
                                            .n_names = 1,
                                            .not_before = -DAY,
                                            .not_after = YEAR};
    s = tu_cert_set_build(dir, specs, N_SPECS + 4, T2030, 0, NULL);
    root = tu_path_of(s, "root", "crt.pem");
    inter = tu_path_of(s, "inter", "crt.pem");
    leaf = tu_path_of(s, "old", "crt.pem");
    ck_assert_int_ne(verify(&out, root, inter, leaf, ""), 0);
    ck_assert_msg(strstr(out, "certificate has expired") != NULL, "%s", out);
    free(out);
    free(leaf);
    leaf = tu_path_of(s, "young", "crt.pem");
    ck_assert_int_ne(verify(&out, root, inter, leaf, ""), 0);
    ck_assert_msg(strstr(out, "certificate is not yet valid") != NULL, "%s", out);
    free(out);
    free(leaf);
    /* inter has pathlen 0: a CA below it may not issue. */
    leaf = tu_path_of(s, "subleaf", "crt.pem");
    served = tu_path_of(s, "subleaf", "chain.pem");
    ck_assert_int_ne(verify(&out, root, served, leaf, ""), 0);
    ck_assert_msg(strstr(out, "path length constraint exceeded") != NULL, "%s", out);
    free(out);
    free(leaf);
    free(served);
    free(root);
    free(inter);
    cert_set_free(s);
    tu_rm_rf(dir);
}
END_TEST

START_TEST(test_issue_refuses_non_ca)
{
    struct dl_error err;
    EVP_PKEY *k = tu_key_new("ecdsa-p256"), *k2 = tu_key_new("ecdsa-p256");
    X509 *leaf = tu_leaf_new(k, tu_mx_names, 1, T2030, -DAY, YEAR);
    struct cert_issue_params p = {.label = "child", .now = T2030, .not_after = DAY};
    ck_assert_ptr_null(cert_issue(&p, k2, leaf, k, &err));
    ck_assert_str_eq(err.msg, "certificate 'child': the issuer is not a CA certificate");
    p.ca = true;
    X509 *ca = cert_issue(&p, k, NULL, NULL, &err);
    ck_assert_msg(ca != NULL, "%s", err.msg);
    p.label = "grandchild";
    ck_assert_ptr_null(cert_issue(&p, k2, ca, k2, &err));
    ck_assert_msg(strstr(err.msg, "certificate 'grandchild': the issuer key does not match") ==
                      err.msg,
                  "%s", err.msg);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(k);
    EVP_PKEY_free(k2);
}
END_TEST

Suite *cert_issue_suite(void)
{
    Suite *s = suite_create("cert_issue");
    TCase *tc;

    tc = tcase_create("validity");
    tcase_add_loop_test(tc, test_validity_window, 0, sizeof(windows) / sizeof(windows[0]));
    tcase_add_test(tc, test_validity_cli_dates);
    tcase_add_test(tc, test_validity_cli_checkend);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, test_names_san_exact);
    tcase_add_test(tc, test_names_check_host);
    tcase_add_test(tc, test_names_none);
    suite_add_tcase(s, tc);

    tc = tcase_create("chains");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, chain_setup, chain_teardown);
    tcase_add_test(tc, test_chain_verify);
    tcase_add_test(tc, test_chain_ca_extensions);
    tcase_add_loop_test(tc, test_chain_files, 0, sizeof(chains) / sizeof(chains[0]));
    tcase_add_test(tc, test_chain_missing_intermediate_fails);
    tcase_add_test(tc, test_chain_verify_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("negative");
    tcase_add_test(tc, test_issue_refuses_non_ca);
    suite_add_tcase(s, tc);
    return s;
}
