/*
 * Unit tests for common/dl_pkey: one reader decodes many private keys of
 * every type, each the key that was written (EVP_PKEY_eq on the key made
 * in memory, and the openssl command's public key for the file); it skips
 * a certificate before the key, keeps working after text that is not a
 * key, and refuses an encrypted key without asking for its passphrase:
 * OpenSSL's prompt reads standard input where there is no terminal, and
 * the test's standard input holds the right one.
 */
#include "testutil_certs.h"
#include "cert_key.h"
#include "dl_pkey.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *pkey_suite(void);

/* The public key of a key file as the openssl command prints it. */
static char *cli_pub(const char *path)
{
    char *out = NULL;
    ck_assert_int_eq(tu_run(&out, "openssl pkey -in '%s' -pubout", path), 0);
    return out;
}

static char *our_pub(const EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    long n;
    ck_assert_int_eq(PEM_write_bio_PUBKEY(b, k), 1);
    n = BIO_get_mem_data(b, &data);
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == ' '))
        n--;
    out = dl_xasprintf("%.*s", (int)n, data);
    BIO_free(b);
    return out;
}

START_TEST(test_one_reader_every_type)
{
    char *dir = tu_tmpdir_new(), *paths[N_KEY_TYPES];
    EVP_PKEY *made[N_KEY_TYPES];
    struct dl_error err;
    dl_pkey_reader *r = dl_pkey_reader_new(&err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    for (int i = 0; i < N_KEY_TYPES; i++) {
        made[i] = tu_key_new(tu_key_types[i]);
        paths[i] = dl_xasprintf("%s/%d.key.pem", dir, i);
        ck_assert_msg(cert_key_write(made[i], paths[i], &err) == 0, "%s", err.msg);
    }
    /* every type after every other, three times over */
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < N_KEY_TYPES; i++) {
            EVP_PKEY *k = dl_pkey_read_file(r, paths[i], &err);
            char *cli, *ours;
            ck_assert_msg(k != NULL, "%s: %s", tu_key_types[i], err.msg);
            ck_assert_int_eq(EVP_PKEY_eq(made[i], k), 1);
            cli = cli_pub(paths[i]);
            ours = our_pub(k);
            ck_assert_str_eq(ours, cli);
            free(cli);
            free(ours);
            EVP_PKEY_free(k);
        }
    for (int i = 0; i < N_KEY_TYPES; i++) {
        EVP_PKEY_free(made[i]);
        free(paths[i]);
    }
    dl_pkey_reader_free(r);
    tu_rm_rf(dir);
}
END_TEST

/* A certificate, then the key: the key is found, as PEM_read_bio_PrivateKey
 * finds it; then text that is no key fails with the file's name, and the
 * same reader still reads a key afterwards. */
START_TEST(test_skips_other_blocks_and_recovers)
{
    static const char *const names[] = {"mx.example"};
    char *dir = tu_tmpdir_new(), *crt = dl_xasprintf("%s/c.pem", dir),
         *key = dl_xasprintf("%s/k.pem", dir), *both = dl_xasprintf("%s/both.pem", dir),
         *bad = dl_xasprintf("%s/bad.pem", dir);
    EVP_PKEY *made = tu_key_new("ecdsa-p256"), *k;
    X509 *leaf = tu_leaf_new(made, names, 1, T2030, -DAY, YEAR);
    struct dl_error err;
    dl_pkey_reader *r = dl_pkey_reader_new(&err);
    ck_assert_ptr_nonnull(r);
    tu_write_pem(leaf, crt);
    ck_assert_int_eq(cert_key_write(made, key, &err), 0);
    ck_assert_int_eq(tu_run(NULL, "cat '%s' '%s' > '%s'", crt, key, both), 0);
    k = dl_pkey_read_file(r, both, &err);
    ck_assert_msg(k != NULL, "%s", err.msg);
    ck_assert_int_eq(EVP_PKEY_eq(made, k), 1);
    EVP_PKEY_free(k);
    /* a certificate alone, then garbage: no key, the file named */
    ck_assert_ptr_null(dl_pkey_read_file(r, crt, &err));
    ck_assert_msg(strstr(err.msg, crt) != NULL && strstr(err.msg, "not a PEM private key"), "%s",
                  err.msg);
    ck_assert_int_eq(dl_write_file(bad, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 33, 0600, &err), 0);
    ck_assert_ptr_null(dl_pkey_read_file(r, bad, &err));
    ck_assert_msg(strstr(err.msg, bad) != NULL, "%s", err.msg);
    k = dl_pkey_read_file(r, key, &err);
    ck_assert_msg(k != NULL, "after a failure: %s", err.msg);
    ck_assert_int_eq(EVP_PKEY_eq(made, k), 1);
    EVP_PKEY_free(k);
    /* without a reader: one made for the key */
    k = dl_pkey_read_file(NULL, both, &err);
    ck_assert_msg(k != NULL && EVP_PKEY_eq(made, k) == 1, "%s", err.msg);
    EVP_PKEY_free(k);
    ck_assert_ptr_null(dl_pkey_read_file(r, dir, &err)); /* a directory */
    X509_free(leaf);
    EVP_PKEY_free(made);
    dl_pkey_reader_free(r);
    free(crt);
    free(key);
    free(both);
    free(bad);
    tu_rm_rf(dir);
}
END_TEST

START_TEST(test_encrypted_refused)
{
    char *dir = tu_tmpdir_new(), *key = dl_xasprintf("%s/k.pem", dir),
         *enc = dl_xasprintf("%s/enc.pem", dir), *pass = dl_xasprintf("%s/pass", dir);
    EVP_PKEY *made = tu_key_new("ecdsa-p256");
    struct dl_error err;
    dl_pkey_reader *r = dl_pkey_reader_new(&err);
    ck_assert_int_eq(cert_key_write(made, key, &err), 0);
    ck_assert_int_eq(tu_run(NULL,
                            "openssl pkey -in '%s' -aes256 -passout pass:secret -out '%s' "
                            "</dev/null",
                            key, enc),
                     0);
    /* the passphrase on standard input (the test runs in its own process) */
    ck_assert_int_eq(dl_write_file(pass, "secret\n", 7, 0600, &err), 0);
    ck_assert_ptr_nonnull(freopen(pass, "r", stdin));
    ck_assert_ptr_null(dl_pkey_read_file(r, enc, &err));
    ck_assert_msg(strstr(err.msg, enc) != NULL, "%s", err.msg);
    EVP_PKEY_free(made);
    dl_pkey_reader_free(r);
    free(key);
    free(enc);
    free(pass);
    tu_rm_rf(dir);
}
END_TEST

Suite *pkey_suite(void)
{
    Suite *s = suite_create("pkey");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_one_reader_every_type);
    tcase_add_test(tc, test_skips_other_blocks_and_recovers);
    tcase_add_test(tc, test_encrypted_refused);
    suite_add_tcase(s, tc);
    return s;
}
