/*
 * Unit tests for certs/cert_tlsa: TLSA association data, recomputed from the PEM
 * files with `openssl x509 | openssl pkey | sha256sum`.
 *
 * Wherever it can, a test judges the library's output with an independent
 * tool, the openssl command (testutil_certs runs it).
 */
#include "testutil_certs.h"
#include "cert_set.h"
#include "cert_tlsa.h"
#include "dl_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *cert_tlsa_suite(void);

/* ---- TLSA association data against the openssl command -------------------- */

static char *tlsa_dir;     /* unchecked fixture: one self-signed cert per key type */
static cert_set *tlsa_set; /* named k0..k3 */

static void tlsa_setup(void)
{
    static const char *const names[] = {"mx1.tlsa.test"};
    struct cert_spec specs[N_KEY_TYPES];
    static char spec_names[N_KEY_TYPES][4];
    for (int i = 0; i < N_KEY_TYPES; i++) {
        snprintf(spec_names[i], sizeof(spec_names[i]), "k%d", i);
        specs[i] = (struct cert_spec){.name = spec_names[i],
                                      .key = tu_key_types[i],
                                      .names = names,
                                      .n_names = 1,
                                      .not_before = -DAY,
                                      .not_after = YEAR};
    }
    tlsa_dir = tu_tmpdir_new();
    tlsa_set = tu_cert_set_build(tlsa_dir, specs, N_KEY_TYPES, T2030, 0, NULL);
}

static void tlsa_teardown(void)
{
    cert_set_free(tlsa_set);
    tu_rm_rf(tlsa_dir);
}

/* The association data as the openssl command computes it. */
static char *tlsa_by_cli(const char *pem, int selector, int matching)
{
    static const char *const sel[] = {
        "openssl x509 -in '%s' -outform DER",
        "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform DER"};
    static const char *const match[] = {" | od -An -v -tx1 | tr -d ' \\n'",
                                        " | sha256sum | cut -d' ' -f1",
                                        " | sha512sum | cut -d' ' -f1"};
    char *fmt = dl_xasprintf("%s%s", sel[selector], match[matching]), *out;
    ck_assert_int_eq(tu_run(&out, fmt, pem), 0);
    free(fmt);
    return out;
}

START_TEST(test_tlsa_matrix)
{
    int kt = _i / 6, selector = (_i % 6) / 3, matching = _i % 3;
    char name[4], *pem, *want, *got, *rdata, *expect;
    struct dl_error err;
    snprintf(name, sizeof(name), "k%d", kt);
    pem = tu_path_of(tlsa_set, name, "crt.pem");
    want = tlsa_by_cli(pem, selector, matching);
    got = cert_tlsa_data(cert_set_cert(tlsa_set, name), selector, matching, &err);
    ck_assert_msg(got != NULL, "%s", err.msg);
    ck_assert_msg(strcmp(got, want) == 0, "%s %d %d: library %s, openssl %s", tu_key_types[kt],
                  selector, matching, got, want);
    ck_assert_uint_eq(strlen(got), matching == 1 ? 64 : matching == 2 ? 128 : strlen(want));
    rdata = cert_set_tlsa(tlsa_set, name, 3, selector, matching, &err);
    ck_assert_msg(rdata != NULL, "%s", err.msg);
    expect = dl_xasprintf("3 %d %d %s", selector, matching, want);
    ck_assert_str_eq(rdata, expect);
    free(expect);
    free(rdata);
    free(got);
    free(want);
    free(pem);
}
END_TEST

START_TEST(test_tlsa_errors)
{
    struct dl_error err;
    X509 *x = cert_set_cert(tlsa_set, "k0");
    ck_assert_ptr_null(cert_set_tlsa(tlsa_set, "k0", 3, 2, 1, &err));
    ck_assert_str_eq(err.msg, "certificate 'k0': TLSA selector 2 is not supported "
                              "(0 full certificate, 1 SubjectPublicKeyInfo)");
    ck_assert_ptr_null(cert_set_tlsa(tlsa_set, "k0", 3, 1, 3, &err));
    ck_assert_str_eq(err.msg, "certificate 'k0': TLSA matching type 3 is not supported "
                              "(0 exact, 1 SHA-256, 2 SHA-512)");
    ck_assert_ptr_null(cert_set_tlsa(tlsa_set, "k0", 256, 1, 1, &err));
    ck_assert_str_eq(err.msg, "certificate 'k0': TLSA usage 256 is out of range 0..255");
    ck_assert_ptr_null(cert_set_tlsa(tlsa_set, "nope", 3, 1, 1, &err));
    ck_assert_str_eq(err.msg, "certificate 'nope' is not defined");
    ck_assert_ptr_null(cert_tlsa_data(x, -1, 1, &err));
    ck_assert_ptr_null(cert_tlsa_data(x, 1, -1, &err));
}
END_TEST

Suite *cert_tlsa_suite(void)
{
    Suite *s = suite_create("cert_tlsa");
    TCase *tc;

    tc = tcase_create("tlsa");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tlsa_setup, tlsa_teardown);
    tcase_add_loop_test(tc, test_tlsa_matrix, 0, N_KEY_TYPES * 2 * 3);
    tcase_add_test(tc, test_tlsa_errors);
    suite_add_tcase(s, tc);
    return s;
}
