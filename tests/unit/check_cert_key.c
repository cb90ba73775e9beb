/*
 * Unit tests for certs/cert_key: key generation, storage and loading; key types are
 * checked with `openssl pkey -text`.
 *
 * Wherever it can, a test judges the library's output with an independent
 * tool, the openssl command (testutil_certs runs it).
 */
#include "testutil_certs.h"
#include "cert_key.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

Suite *cert_key_suite(void);

START_TEST(test_key_roundtrip)
{
    static const char *const cli_says[] = {"NIST CURVE: P-256", "Private-Key: (2048 bit",
                                           "Private-Key: (3072 bit", "ED25519 Private-Key"};
    char *dir = tu_tmpdir_new(), *path = dl_xasprintf("%s/k.pem", dir), *out;
    struct dl_error err;
    EVP_PKEY *k = tu_key_new(tu_key_types[_i]), *back = NULL;
    enum cert_key_type t;
    struct stat sb;
    ck_assert_msg(cert_key_write(k, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_msg(cert_key_load(path, &back, &err) == 0 && back != NULL, "%s", err.msg);
    ck_assert_int_eq(EVP_PKEY_eq(k, back), 1);
    ck_assert_int_eq(cert_key_type_of(back, &t), 0);
    ck_assert_str_eq(cert_key_type_name(t), tu_key_types[_i]);
    ck_assert_int_eq(tu_run(&out, "openssl pkey -in '%s' -noout -text", path), 0);
    ck_assert_msg(strstr(out, cli_says[_i]) != NULL, "%s: %s", tu_key_types[_i], out);
    free(out);
    EVP_PKEY_free(k);
    EVP_PKEY_free(back);
    free(path);
    tu_rm_rf(dir);
}
END_TEST

START_TEST(test_key_load_missing_and_bad)
{
    char *dir = tu_tmpdir_new(), *path = dl_xasprintf("%s/k.pem", dir);
    struct dl_error err;
    EVP_PKEY *k = NULL;
    enum cert_key_type t;
    ck_assert_int_eq(cert_key_load(path, &k, &err), 0);
    ck_assert_ptr_null(k);
    ck_assert_int_eq(dl_write_file(path, "garbage\n", 8, 0600, &err), 0);
    ck_assert_int_eq(cert_key_load(path, &k, &err), -1);
    ck_assert_ptr_null(k);
    ck_assert_msg(strstr(err.msg, "not a PEM private key") != NULL, "%s", err.msg);
    ck_assert_int_eq(cert_key_type_parse("dsa1024", &t, &err), -1);
    ck_assert_msg(strstr(err.msg, "unsupported key type \"dsa1024\"") != NULL, "%s", err.msg);
    ck_assert_int_eq(cert_key_type_parse(NULL, &t, &err), 0);
    ck_assert_int_eq(t, CERT_KEY_ECDSA_P256);
    free(path);
    tu_rm_rf(dir);
}
END_TEST

Suite *cert_key_suite(void)
{
    Suite *s = suite_create("cert_key");
    TCase *tc;

    tc = tcase_create("keys");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_key_roundtrip, 0, N_KEY_TYPES);
    tcase_add_test(tc, test_key_load_missing_and_bad);
    suite_add_tcase(s, tc);
    return s;
}
