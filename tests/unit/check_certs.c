/*
 * Unit tests for certs/: keys, certificates, certificate sets and TLSA data.
 *
 * Wherever it can, a test judges the library's output with an independent
 * tool, the openssl command: TLSA association data is recomputed from the
 * PEM files with `openssl x509 | openssl pkey | sha256sum`, chains are
 * checked with `openssl verify -attime` at the virtual time they were made
 * for, validity with `-startdate/-enddate` and `-checkend`, names with
 * `-ext subjectAltName`, key types with `openssl pkey -text`.
 */
#include "cert_issue.h"
#include "cert_key.h"
#include "cert_set.h"
#include "cert_tlsa.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Suite *certs_suite(void);

#define T2030 ((time_t)1893456000) /* 2030-01-01T00:00:00Z: the virtual now */
#define DAY   86400
#define YEAR  (365 * DAY)

static const char *const key_types[] = {"ecdsa-p256", "rsa2048", "rsa3072", "ed25519"};
#define N_KEY_TYPES 4

/* ---- helpers --------------------------------------------------------------- */

static char *tmpdir_new(void)
{
    char *dir = dl_xstrdup("/tmp/dl-certs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void rm_rf(char *dir)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(dir);
}

/* Run a shell command; *out (may be NULL) gets stdout and stderr with
 * trailing white space removed. Returns the exit status. */
static int run(char **out, const char *fmt, ...) DL_PRINTF(2, 3);
static int run(char **out, const char *fmt, ...)
{
    struct dl_buf b = {0};
    char chunk[4096], *cmd, *full;
    size_t r;
    int status;
    va_list ap;
    FILE *p;
    va_start(ap, fmt);
    ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
    va_end(ap);
    full = dl_xasprintf("{ %s ; } 2>&1", cmd);
    p = popen(full, "r");
    ck_assert_ptr_nonnull(p);
    while ((r = fread(chunk, 1, sizeof(chunk), p)) > 0)
        dl_buf_append(&b, chunk, r);
    status = pclose(p);
    dl_buf_append(&b, "", 0);
    while (b.len > 0 && strchr(" \t\r\n", b.data[b.len - 1]) != NULL)
        b.data[--b.len] = '\0';
    if (out != NULL)
        *out = b.data;
    else
        dl_buf_free(&b);
    free(cmd);
    free(full);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int64_t asn1_unix(const ASN1_TIME *t)
{
    struct tm tm;
    ck_assert(ASN1_TIME_to_tm(t, &tm));
    return (int64_t)timegm(&tm);
}

static void write_pem(X509 *x, const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert(PEM_write_X509(f, x));
    ck_assert_int_eq(fclose(f), 0);
}

static EVP_PKEY *key_new(const char *type)
{
    enum cert_key_type t;
    struct dl_error err;
    EVP_PKEY *k;
    ck_assert_msg(cert_key_type_parse(type, &t, &err) == 0, "%s", err.msg);
    k = cert_key_new(t, &err);
    ck_assert_msg(k != NULL, "%s", err.msg);
    return k;
}

/* A self-signed leaf for `names` valid now+nb .. now+na. */
static X509 *leaf_new(EVP_PKEY *k, const char *const *names, size_t n, time_t now, int64_t nb,
                      int64_t na)
{
    struct cert_issue_params p = {.label = "leaf",
                                  .names = names,
                                  .n_names = n,
                                  .now = now,
                                  .not_before = nb,
                                  .not_after = na};
    struct dl_error err;
    X509 *x = cert_issue(&p, k, NULL, NULL, &err);
    ck_assert_msg(x != NULL, "%s", err.msg);
    return x;
}

/* ---- a DANE-TA world: root -> inter -> leaf, plus a DANE-EE leaf --------- */

static const char *const mx_names[] = {"mx1.good.test", "*.good.test", "mail.other.test"};
static const char *const ee_names[] = {"mx2.good.test"};

#define SPEC_LEAF  0 /* before its issuers on purpose: ordering is the set's job */
#define SPEC_INTER 1
#define SPEC_ROOT  2
#define SPEC_EE    3
#define N_SPECS    4

static void specs_default(struct cert_spec *s)
{
    memset(s, 0, N_SPECS * sizeof(*s));
    s[SPEC_LEAF] = (struct cert_spec){.name = "leaf",
                                      .issuer = "inter",
                                      .names = mx_names,
                                      .n_names = 3,
                                      .not_before = -DAY,
                                      .not_after = YEAR};
    s[SPEC_INTER] = (struct cert_spec){.name = "inter",
                                       .issuer = "root",
                                       .ca = true,
                                       .limit_path = true,
                                       .pathlen = 0,
                                       .not_before = -DAY,
                                       .not_after = 5 * YEAR};
    s[SPEC_ROOT] =
        (struct cert_spec){.name = "root", .ca = true, .not_before = -DAY, .not_after = 10 * YEAR};
    s[SPEC_EE] = (struct cert_spec){.name = "ee",
                                    .key = "ed25519",
                                    .names = ee_names,
                                    .n_names = 1,
                                    .not_before = -DAY,
                                    .not_after = YEAR};
}

static cert_set *build(const char *dir, const struct cert_spec *specs, size_t n, time_t now,
                       int64_t drift, struct cert_set_stats *st)
{
    struct cert_set_params p = {.dir = dir, .now = now, .max_drift = drift};
    struct dl_error err;
    cert_set *s = cert_set_build(&p, specs, n, st, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    return s;
}

static char *path_of(const cert_set *s, const char *name, const char *suffix)
{
    return cert_set_path(s, name, suffix);
}

/* ---- keys --------------------------------------------------------------- */

START_TEST(test_key_roundtrip)
{
    static const char *const cli_says[] = {"NIST CURVE: P-256", "Private-Key: (2048 bit",
                                           "Private-Key: (3072 bit", "ED25519 Private-Key"};
    char *dir = tmpdir_new(), *path = dl_xasprintf("%s/k.pem", dir), *out;
    struct dl_error err;
    EVP_PKEY *k = key_new(key_types[_i]), *back = NULL;
    enum cert_key_type t;
    struct stat sb;
    ck_assert_msg(cert_key_write(k, path, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_msg(cert_key_load(path, &back, &err) == 0 && back != NULL, "%s", err.msg);
    ck_assert_int_eq(EVP_PKEY_eq(k, back), 1);
    ck_assert_int_eq(cert_key_type_of(back, &t), 0);
    ck_assert_str_eq(cert_key_type_name(t), key_types[_i]);
    ck_assert_int_eq(run(&out, "openssl pkey -in '%s' -noout -text", path), 0);
    ck_assert_msg(strstr(out, cli_says[_i]) != NULL, "%s: %s", key_types[_i], out);
    free(out);
    EVP_PKEY_free(k);
    EVP_PKEY_free(back);
    free(path);
    rm_rf(dir);
}
END_TEST

START_TEST(test_key_load_missing_and_bad)
{
    char *dir = tmpdir_new(), *path = dl_xasprintf("%s/k.pem", dir);
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
    rm_rf(dir);
}
END_TEST

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
                                      .key = key_types[i],
                                      .names = names,
                                      .n_names = 1,
                                      .not_before = -DAY,
                                      .not_after = YEAR};
    }
    tlsa_dir = tmpdir_new();
    tlsa_set = build(tlsa_dir, specs, N_KEY_TYPES, T2030, 0, NULL);
}

static void tlsa_teardown(void)
{
    cert_set_free(tlsa_set);
    rm_rf(tlsa_dir);
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
    ck_assert_int_eq(run(&out, fmt, pem), 0);
    free(fmt);
    return out;
}

START_TEST(test_tlsa_matrix)
{
    int kt = _i / 6, selector = (_i % 6) / 3, matching = _i % 3;
    char name[4], *pem, *want, *got, *rdata, *expect;
    struct dl_error err;
    snprintf(name, sizeof(name), "k%d", kt);
    pem = path_of(tlsa_set, name, "crt.pem");
    want = tlsa_by_cli(pem, selector, matching);
    got = cert_tlsa_data(cert_set_cert(tlsa_set, name), selector, matching, &err);
    ck_assert_msg(got != NULL, "%s", err.msg);
    ck_assert_msg(strcmp(got, want) == 0, "%s %d %d: library %s, openssl %s", key_types[kt],
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
    EVP_PKEY *k = key_new("ecdsa-p256");
    X509 *x = leaf_new(k, names, 1, T2030, windows[_i].nb, windows[_i].na);
    time_t now = T2030;
    int before = X509_cmp_time(X509_get0_notBefore(x), &now);
    int after = X509_cmp_time(X509_get0_notAfter(x), &now);
    ck_assert_int_eq(asn1_unix(X509_get0_notBefore(x)), (int64_t)T2030 + windows[_i].nb);
    ck_assert_int_eq(asn1_unix(X509_get0_notAfter(x)), (int64_t)T2030 + windows[_i].na);
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
    char *dir = tmpdir_new(), *pem = dl_xasprintf("%s/c.pem", dir), *out, *want;
    char nb[64], na[64];
    EVP_PKEY *k = key_new("ed25519");
    X509 *x = leaf_new(k, names, 1, T2030, -2 * YEAR, -DAY);
    write_pem(x, pem);
    tm_text(T2030 - 2 * YEAR, nb, sizeof(nb));
    tm_text(T2030 - DAY, na, sizeof(na));
    want = dl_xasprintf("notBefore=%s\nnotAfter=%s", nb, na);
    ck_assert_int_eq(run(&out, "openssl x509 -in '%s' -noout -startdate -enddate", pem), 0);
    ck_assert_str_eq(out, want);
    free(out);
    free(want);
    X509_free(x);
    EVP_PKEY_free(k);
    free(pem);
    rm_rf(dir);
}
END_TEST

/* -checkend judges against the real clock, so these certificates use it. */
START_TEST(test_validity_cli_checkend)
{
    const char *names[] = {"mx1.time.test"};
    char *dir = tmpdir_new(), *ok = dl_xasprintf("%s/ok.pem", dir);
    char *old = dl_xasprintf("%s/old.pem", dir);
    EVP_PKEY *k = key_new("ecdsa-p256");
    X509 *x1 = leaf_new(k, names, 1, time(NULL), -DAY, 3600);
    X509 *x2 = leaf_new(k, names, 1, time(NULL), -2 * DAY, -DAY);
    write_pem(x1, ok);
    write_pem(x2, old);
    ck_assert_int_eq(run(NULL, "openssl x509 -in '%s' -noout -checkend 0", ok), 0);
    ck_assert_int_eq(run(NULL, "openssl x509 -in '%s' -noout -checkend 7200", ok), 1);
    ck_assert_int_eq(run(NULL, "openssl x509 -in '%s' -noout -checkend 0", old), 1);
    X509_free(x1);
    X509_free(x2);
    EVP_PKEY_free(k);
    free(ok);
    free(old);
    rm_rf(dir);
}
END_TEST

/* ---- names ------------------------------------------------------------------ */

START_TEST(test_names_san_exact)
{
    char *dir = tmpdir_new(), *pem = dl_xasprintf("%s/c.pem", dir), *out, cn[256];
    EVP_PKEY *k = key_new("ecdsa-p256");
    X509 *x = leaf_new(k, mx_names, 3, T2030, -DAY, YEAR);
    size_t n = 0;
    char **san = cert_issue_san_names(x, &n);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(san[i], mx_names[i]);
        free(san[i]);
    }
    ck_assert_ptr_null(san[n]);
    free(san);
    ck_assert_int_gt(
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)), 0);
    ck_assert_str_eq(cn, "mx1.good.test");
    write_pem(x, pem);
    ck_assert_int_eq(run(&out, "openssl x509 -in '%s' -noout -ext subjectAltName", pem), 0);
    ck_assert_msg(strstr(out, "\n    DNS:mx1.good.test, DNS:*.good.test, DNS:mail.other.test") !=
                          NULL &&
                      strstr(out, "IP") == NULL,
                  "%s", out);
    free(out);
    X509_free(x);
    EVP_PKEY_free(k);
    free(pem);
    rm_rf(dir);
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
    EVP_PKEY *k = key_new("ecdsa-p256");
    X509 *x = leaf_new(k, mx_names, 3, T2030, -DAY, YEAR);
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
    EVP_PKEY *k = key_new("ecdsa-p256");
    X509 *x = leaf_new(k, NULL, 0, T2030, -DAY, YEAR);
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
    specs_default(specs);
    specs[SPEC_LEAF].key = "rsa2048"; /* an RSA leaf under ECDSA CAs */
    chain_dir = tmpdir_new();
    chain_set = build(chain_dir, specs, N_SPECS, T2030, 0, NULL);
}

static void chain_teardown(void)
{
    cert_set_free(chain_set);
    rm_rf(chain_dir);
}

/* openssl verify at the virtual now; returns its exit status, output in *out. */
static int verify(char **out, const char *ca, const char *untrusted, const char *leaf,
                  const char *extra)
{
    char *u = untrusted != NULL ? dl_xasprintf("-untrusted '%s'", untrusted) : dl_xstrdup("");
    int rc = run(out, "openssl verify -attime %lld -purpose sslserver %s -CAfile '%s' %s '%s'",
                 (long long)T2030, extra, ca, u, leaf);
    free(u);
    return rc;
}

START_TEST(test_chain_verify)
{
    char *root = path_of(chain_set, "root", "crt.pem"),
         *inter = path_of(chain_set, "inter", "crt.pem");
    char *leaf = path_of(chain_set, "leaf", "crt.pem"),
         *served = path_of(chain_set, "leaf", "chain.pem");
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
    char *root = path_of(chain_set, "root", "crt.pem"),
         *leaf = path_of(chain_set, "leaf", "crt.pem");
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
    char *dir = tmpdir_new(), *out, *root, *inter, *leaf, *served;
    cert_set *s;
    specs_default(specs);
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
    s = build(dir, specs, N_SPECS + 4, T2030, 0, NULL);
    root = path_of(s, "root", "crt.pem");
    inter = path_of(s, "inter", "crt.pem");
    leaf = path_of(s, "old", "crt.pem");
    ck_assert_int_ne(verify(&out, root, inter, leaf, ""), 0);
    ck_assert_msg(strstr(out, "certificate has expired") != NULL, "%s", out);
    free(out);
    free(leaf);
    leaf = path_of(s, "young", "crt.pem");
    ck_assert_int_ne(verify(&out, root, inter, leaf, ""), 0);
    ck_assert_msg(strstr(out, "certificate is not yet valid") != NULL, "%s", out);
    free(out);
    free(leaf);
    /* inter has pathlen 0: a CA below it may not issue. */
    leaf = path_of(s, "subleaf", "crt.pem");
    served = path_of(s, "subleaf", "chain.pem");
    ck_assert_int_ne(verify(&out, root, served, leaf, ""), 0);
    ck_assert_msg(strstr(out, "path length constraint exceeded") != NULL, "%s", out);
    free(out);
    free(leaf);
    free(served);
    free(root);
    free(inter);
    cert_set_free(s);
    rm_rf(dir);
}
END_TEST

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
            char *p = path_of(s, cert_set_name(s, i), suffixes[k]);
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
    char *dir = tmpdir_new();
    cert_set *a, *b;
    specs_default(specs);
    a = build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 4);
    ck_assert_uint_eq(st.cached, 0);
    ck_assert_uint_eq(st.keys_created, 4);
    snapshot(a, before);
    b = build(dir, specs, N_SPECS, T2030, 0, &st);
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
    rm_rf(dir);
}
END_TEST

/* A changed leaf is re-issued alone, with its key; a changed CA re-issues
 * everything below it. */
START_TEST(test_cache_changed_spec)
{
    static const char *const other[] = {"mx1.good.test"};
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    char *dir = tmpdir_new();
    cert_set *a, *b, *c;
    specs_default(specs);
    a = build(dir, specs, N_SPECS, T2030, 0, &st);
    specs[SPEC_LEAF].names = other;
    specs[SPEC_LEAF].n_names = 1;
    b = build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 1);
    ck_assert_uint_eq(st.cached, 3);
    ck_assert_uint_eq(st.keys_created, 0);
    ck_assert(!same_cert(a, b, "leaf"));
    ck_assert(EVP_PKEY_eq(cert_set_key(a, "leaf"), cert_set_key(b, "leaf")) == 1);
    ck_assert(same_cert(a, b, "inter") && same_cert(a, b, "root") && same_cert(a, b, "ee"));
    specs[SPEC_INTER].not_after = 4 * YEAR;
    c = build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_uint_eq(st.cached, 2);
    ck_assert(!same_cert(b, c, "inter") && !same_cert(b, c, "leaf"));
    ck_assert(same_cert(b, c, "root") && same_cert(b, c, "ee"));
    ck_assert_int_eq(X509_check_issued(cert_set_cert(c, "inter"), cert_set_cert(c, "leaf")),
                     X509_V_OK);
    cert_set_free(a);
    cert_set_free(b);
    cert_set_free(c);
    rm_rf(dir);
}
END_TEST

START_TEST(test_cache_changed_key_type)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    char *dir = tmpdir_new();
    cert_set *a, *b;
    enum cert_key_type t;
    specs_default(specs);
    a = build(dir, specs, N_SPECS, T2030, 0, &st);
    specs[SPEC_EE].key = "ecdsa-p256";
    b = build(dir, specs, N_SPECS, T2030, 0, &st);
    ck_assert_uint_eq(st.created, 1);
    ck_assert_uint_eq(st.keys_created, 1);
    ck_assert_int_eq(cert_key_type_of(cert_set_key(b, "ee"), &t), 0);
    ck_assert_int_eq(t, CERT_KEY_ECDSA_P256);
    ck_assert(!same_cert(a, b, "ee"));
    cert_set_free(a);
    cert_set_free(b);
    rm_rf(dir);
}
END_TEST

/* Another now re-issues unless within max_drift. */
START_TEST(test_cache_drift)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    char *dir = tmpdir_new();
    cert_set *s;
    specs_default(specs);
    cert_set_free(build(dir, specs, N_SPECS, T2030, 0, &st));
    s = build(dir, specs, N_SPECS, T2030 + 30, 60, &st);
    ck_assert_uint_eq(st.cached, 4);
    ck_assert_int_eq(asn1_unix(X509_get0_notAfter(cert_set_cert(s, "leaf"))), T2030 + YEAR);
    cert_set_free(s);
    s = build(dir, specs, N_SPECS, T2030 + 30, 0, &st);
    ck_assert_uint_eq(st.created, 4);
    ck_assert_uint_eq(st.keys_created, 0);
    ck_assert_int_eq(asn1_unix(X509_get0_notAfter(cert_set_cert(s, "leaf"))), T2030 + 30 + YEAR);
    cert_set_free(s);
    rm_rf(dir);
}
END_TEST

START_TEST(test_cache_damaged_files)
{
    struct cert_spec specs[N_SPECS];
    struct cert_set_stats st;
    struct dl_error err;
    struct cert_set_params p;
    char *dir = tmpdir_new(), *crt = dl_xasprintf("%s/ee.crt.pem", dir);
    char *key = dl_xasprintf("%s/leaf.key.pem", dir);
    specs_default(specs);
    cert_set_free(build(dir, specs, N_SPECS, T2030, 0, &st));
    ck_assert_int_eq(dl_write_file(crt, "junk", 4, 0644, &err), 0);
    cert_set_free(build(dir, specs, N_SPECS, T2030, 0, &st));
    ck_assert_uint_eq(st.created, 1); /* a broken certificate is re-issued */
    ck_assert_uint_eq(st.keys_created, 0);
    ck_assert_int_eq(run(NULL, "cp '%s/root.crt.pem' '%s'", dir, crt), 0);
    cert_set_free(build(dir, specs, N_SPECS, T2030, 0, &st));
    ck_assert_uint_eq(st.created, 1); /* so is someone else's certificate */
    ck_assert_int_eq(dl_write_file(key, "junk", 4, 0600, &err), 0);
    p = (struct cert_set_params){.dir = dir, .now = T2030};
    ck_assert_ptr_null(cert_set_build(&p, specs, N_SPECS, &st, &err));
    ck_assert_msg(strstr(err.msg, "certificate 'leaf': key: ") == err.msg &&
                      strstr(err.msg, "leaf.key.pem: not a PEM private key") != NULL,
                  "%s", err.msg);
    free(crt);
    free(key);
    rm_rf(dir);
}
END_TEST

/* ---- negative: bad sets are refused before anything is written ------------ */

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
    char *dir = tmpdir_new(), *sub = dl_xasprintf("%s/set", dir);
    struct cert_set_params p = {.dir = sub, .now = T2030};
    struct dl_error err;
    struct stat sb;
    ck_assert_ptr_null(cert_set_build(&p, bad_sets[_i].specs, bad_sets[_i].n, NULL, &err));
    ck_assert_msg(strncmp(err.msg, bad_sets[_i].msg, strlen(bad_sets[_i].msg)) == 0,
                  "%s: got \"%s\"", bad_sets[_i].why, err.msg);
    ck_assert_int_ne(stat(sub, &sb), 0); /* nothing half-built */
    free(sub);
    rm_rf(dir);
}
END_TEST

START_TEST(test_issue_refuses_non_ca)
{
    struct dl_error err;
    EVP_PKEY *k = key_new("ecdsa-p256"), *k2 = key_new("ecdsa-p256");
    X509 *leaf = leaf_new(k, mx_names, 1, T2030, -DAY, YEAR);
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

Suite *certs_suite(void)
{
    Suite *s = suite_create("certs");
    TCase *tc;

    tc = tcase_create("keys");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_key_roundtrip, 0, N_KEY_TYPES);
    tcase_add_test(tc, test_key_load_missing_and_bad);
    suite_add_tcase(s, tc);

    tc = tcase_create("tlsa");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, tlsa_setup, tlsa_teardown);
    tcase_add_loop_test(tc, test_tlsa_matrix, 0, N_KEY_TYPES * 2 * 3);
    tcase_add_test(tc, test_tlsa_errors);
    suite_add_tcase(s, tc);

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
    tcase_add_test(tc, test_issue_refuses_non_ca);
    suite_add_tcase(s, tc);
    return s;
}
