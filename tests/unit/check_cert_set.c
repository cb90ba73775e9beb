/*
 * Unit tests for certs/cert_set: building a set of certificates from their specs,
 * the cache that re-uses what has not changed, and the sets refused.
 *
 * Wherever it can, a test judges the library's output with an independent
 * tool, the openssl command (testutil_certs runs it).
 */
#include "testutil_certs.h"
#include "cert_key.h"
#include "cert_set.h"
#include "cert_spec.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

Suite *cert_set_suite(void);

/* ---- caching ---------------------------------------------------------------- */

struct file_id {
    ino_t ino;
    struct timespec mtime;
    mode_t mode;
};

static struct file_id file_id(const char *path)
{
    struct stat sb;
    struct file_id id;
    ck_assert_msg(stat(path, &sb) == 0, "%s", path);
    id.ino = sb.st_ino;
    id.mtime = sb.st_mtim;
    id.mode = sb.st_mode & 0777;
    return id;
}

static bool same_file(struct file_id a, struct file_id b)
{
    return a.ino == b.ino && a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec;
}

static const char *const suffixes[] = {"key.pem", "crt.pem", "spec", "chain.pem"};

/* Snapshot of every file of every certificate: ids[cert * 4 + suffix]. */
static void snapshot(const cert_set *s, struct file_id *ids)
{
    for (size_t i = 0; i < cert_set_count(s); i++) {
        for (size_t k = 0; k < 4; k++) {
            char *p = tu_path_of(s, cert_set_name(s, i), suffixes[k]);
            ids[i * 4 + k] = file_id(p);
            free(p);
        }
    }
}

static bool same_cert(const cert_set *a, const cert_set *b, const char *name)
{
    return X509_cmp(cert_set_cert(a, name), cert_set_cert(b, name)) == 0;
}

START_TEST(test_cache_rebuild_identical)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    struct file_id before[N_SPECS * 4], after[N_SPECS * 4];
    char *dir = tu_tmpdir_new();
    cert_set *a, *b;
    tu_specs_default(specs);
    a = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 4);
    ck_assert_uint_eq(st.cached, 0);
    ck_assert_uint_eq(st.keys_created, 4);
    snapshot(a, before);
    b = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 0);
    ck_assert_uint_eq(st.cached, 4);
    ck_assert_uint_eq(st.keys_created, 0);
    snapshot(b, after);
    for (size_t i = 0; i < N_SPECS * 4; i++) {
        ck_assert_msg(same_file(before[i], after[i]), "file %zu rewritten", i);
        if (i % 4 == 0)
            ck_assert_int_eq(after[i].mode, 0600);
    }
    for (size_t i = 0; i < N_SPECS; i++)
        ck_assert(same_cert(a, b, cert_set_name(a, i)));
    ck_assert(EVP_PKEY_eq(cert_set_key(a, "leaf"), cert_set_key(b, "leaf")) == 1);
    cert_set_free(a);
    cert_set_free(b);
    tu_rm_rf(dir);
}
END_TEST

/* A changed leaf is re-issued alone, with its key; a changed CA re-issues
 * everything below it. */
START_TEST(test_cache_changed_spec)
{
    static const char *const other[] = {"mx1.good.test"};
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    char *dir = tu_tmpdir_new();
    cert_set *a, *b, *c;
    tu_specs_default(specs);
    a = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    specs[SPEC_LEAF].names = other;
    specs[SPEC_LEAF].n_names = 1;
    b = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 1);
    ck_assert_uint_eq(st.cached, 3);
    ck_assert_uint_eq(st.keys_created, 0);
    ck_assert(!same_cert(a, b, "leaf"));
    ck_assert(EVP_PKEY_eq(cert_set_key(a, "leaf"), cert_set_key(b, "leaf")) == 1);
    ck_assert(same_cert(a, b, "inter") && same_cert(a, b, "root") && same_cert(a, b, "ee"));
    specs[SPEC_INTER].not_after = 4 * YEAR;
    c = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_uint_eq(st.cached, 2);
    ck_assert(!same_cert(b, c, "inter") && !same_cert(b, c, "leaf"));
    ck_assert(same_cert(b, c, "root") && same_cert(b, c, "ee"));
    ck_assert_int_eq(X509_check_issued(cert_set_cert(c, "inter"), cert_set_cert(c, "leaf")),
                     X509_V_OK);
    cert_set_free(a);
    cert_set_free(b);
    cert_set_free(c);
    tu_rm_rf(dir);
}
END_TEST

START_TEST(test_cache_changed_key_type)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    char *dir = tu_tmpdir_new();
    cert_set *a, *b;
    enum cert_key_type t;
    tu_specs_default(specs);
    a = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    specs[SPEC_EE].key = "ecdsa-p256";
    b = tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 1);
    ck_assert_uint_eq(st.keys_created, 1);
    ck_assert_int_eq(cert_key_type_of(cert_set_key(b, "ee"), &t), 0);
    ck_assert_int_eq(t, CERT_KEY_ECDSA_P256);
    ck_assert(!same_cert(a, b, "ee"));
    cert_set_free(a);
    cert_set_free(b);
    tu_rm_rf(dir);
}
END_TEST

/* Another now re-issues unless within max_drift. */
START_TEST(test_cache_drift)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    char *dir = tu_tmpdir_new();
    cert_set *s;
    tu_specs_default(specs);
    cert_set_free(tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st));
    s = tu_cert_set_build(dir, specs, N_SPECS, T2030 + 30, 60, &st);
    ck_assert_uint_eq(st.cached, 4);
    ck_assert_int_eq(tu_asn1_unix(X509_get0_notAfter(cert_set_cert(s, "leaf"))), T2030 + YEAR);
    cert_set_free(s);
    s = tu_cert_set_build(dir, specs, N_SPECS, T2030 + 30, 0, &st);
    ck_assert_uint_eq(st.created, 4);
    ck_assert_uint_eq(st.keys_created, 0);
    ck_assert_int_eq(tu_asn1_unix(X509_get0_notAfter(cert_set_cert(s, "leaf"))), T2030 + 30 + YEAR);
    cert_set_free(s);
    tu_rm_rf(dir);
}
END_TEST

START_TEST(test_cache_damaged_files)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    struct dl_error err;
    struct cert_set_params p;
    char *dir = tu_tmpdir_new(), *crt = dl_xasprintf("%s/ee.crt.pem", dir);
    char *key = dl_xasprintf("%s/leaf.key.pem", dir);
    tu_specs_default(specs);
    cert_set_free(tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st));
    ck_assert_int_eq(dl_write_file(crt, "junk", 4, 0644, &err), 0);
    cert_set_free(tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st));
    ck_assert_uint_eq(st.created, 1); /* a broken certificate is re-issued */
    ck_assert_uint_eq(st.keys_created, 0);
    ck_assert_int_eq(tu_run(NULL, "cp '%s/root.crt.pem' '%s'", dir, crt), 0);
    cert_set_free(tu_cert_set_build(dir, specs, N_SPECS, T2030, 0, &st));
    ck_assert_uint_eq(st.created, 1); /* so is someone else's certificate */
    ck_assert_int_eq(dl_write_file(key, "junk", 4, 0600, &err), 0);
    p = (struct cert_set_params){.dir = dir, .now = T2030};
    ck_assert_ptr_null(cert_set_build(&p, specs, N_SPECS, &st, &err));
    ck_assert_msg(strstr(err.msg, "certificate 'leaf': key: ") == err.msg &&
                      strstr(err.msg, "leaf.key.pem: not a PEM private key") != NULL,
                  "%s", err.msg);
    free(crt);
    free(key);
    tu_rm_rf(dir);
}
END_TEST

/* ---- negative: bad sets are refused before anything is written ------------ */

static const char *const nc_names[] = {"d.test"};
static const char *const nc_bad[] = {"d.test:443"};

static const struct {
    const char *why;
    struct cert_spec specs[3];
    size_t n;
    const char *msg;
} bad_sets[] = {
    {"unknown issuer",
     {{.name = "leaf", .issuer = "nope", .not_after = 1}},
     1,
     "certificate 'leaf': issuer 'nope' is not defined"},
    {"issuer loop",
     {{.name = "x", .ca = true, .not_after = 1},
      {.name = "a", .issuer = "b", .ca = true, .not_after = 1},
      {.name = "b", .issuer = "a", .ca = true, .not_after = 1}},
     3,
     "certificate 'a': issuer loop a -> b -> a"},
    {"self loop",
     {{.name = "a", .issuer = "a", .ca = true, .not_after = 1}},
     1,
     "certificate 'a': issuer loop a -> a"},
    {"non-CA issuer",
     {{.name = "ee", .not_after = 1}, {.name = "leaf", .issuer = "ee", .not_after = 1}},
     2,
     "certificate 'leaf': issuer 'ee' is not a CA"},
    {"unsupported key type",
     {{.name = "leaf", .key = "dsa1024", .not_after = 1}},
     1,
     "certificate 'leaf': unsupported key type \"dsa1024\" (ecdsa-p256, rsa2048, rsa3072 or "
     "ed25519)"},
    {"duplicate",
     {{.name = "leaf", .not_after = 1}, {.name = "leaf", .not_after = 1}},
     2,
     "certificate 'leaf' is defined twice"},
    {"path in name",
     {{.name = "../leaf", .not_after = 1}},
     1,
     "certificate '../leaf': the name must be"},
    {"empty window",
     {{.name = "leaf", .not_before = 5, .not_after = 5}},
     1,
     "certificate 'leaf': not_after (+5 s) must be later than not_before (+5 s)"},
    {"pathlen on a leaf",
     {{.name = "leaf", .limit_path = true, .not_after = 1}},
     1,
     "certificate 'leaf': a path length limit needs a CA"},
    {"name constraints on a leaf",
     {{.name = "leaf", .permitted = nc_names, .n_permitted = 1, .not_after = 1}},
     1,
     "certificate 'leaf': name constraints need a CA"},
    {"a name constraint with a colon",
     {{.name = "ca", .ca = true, .permitted = nc_bad, .n_permitted = 1, .not_after = 1}},
     1,
     "certificate 'ca': permitted name 1 is empty or has , : or a newline"},
    {"names without a list",
     {{.name = "leaf", .n_names = 2, .not_after = 1}},
     1,
     "certificate 'leaf': 2 names but no list"},
    {"empty SAN name",
     {{.name = "leaf", .names = (const char *const[]){""}, .n_names = 1, .not_after = 1}},
     1,
     "certificate 'leaf': name 1 is empty"},
};

START_TEST(test_bad_set)
{
    char *dir = tu_tmpdir_new(), *sub = dl_xasprintf("%s/set", dir);
    struct cert_set_params p = {.dir = sub, .now = T2030};
    struct dl_error err;
    struct stat sb;
    ck_assert_ptr_null(cert_set_build(&p, bad_sets[_i].specs, bad_sets[_i].n, NULL, &err));
    ck_assert_msg(strncmp(err.msg, bad_sets[_i].msg, strlen(bad_sets[_i].msg)) == 0,
                  "%s: got \"%s\"", bad_sets[_i].why, err.msg);
    ck_assert_int_ne(stat(sub, &sb), 0); /* nothing half-built */
    free(sub);
    tu_rm_rf(dir);
}
END_TEST

Suite *cert_set_suite(void)
{
    Suite *s = suite_create("cert_set");
    TCase *tc;

    tc = tcase_create("cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cache_rebuild_identical);
    tcase_add_test(tc, test_cache_changed_spec);
    tcase_add_test(tc, test_cache_changed_key_type);
    tcase_add_test(tc, test_cache_drift);
    tcase_add_test(tc, test_cache_damaged_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("negative");
    tcase_add_loop_test(tc, test_bad_set, 0, sizeof(bad_sets) / sizeof(bad_sets[0]));
    suite_add_tcase(s, tc);
    return s;
}
