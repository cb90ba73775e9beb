#include "testutil_certs.h"
#include "cert_issue.h"
#include "cert_key.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

const char *const tu_key_types[N_KEY_TYPES] = {"ecdsa-p256", "rsa2048", "rsa3072", "ed25519"};

char *tu_tmpdir_new(void)
{
    char *dir = dl_xstrdup("/tmp/dl-certs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

void tu_rm_rf(char *dir)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(dir);
}

/* Run a shell command; *out (may be NULL) gets stdout and stderr with
 * trailing white space removed. Returns the exit status. */
int tu_run(char **out, const char *fmt, ...)
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

int64_t tu_asn1_unix(const ASN1_TIME *t)
{
    struct tm tm;
    ck_assert(ASN1_TIME_to_tm(t, &tm));
    return (int64_t)timegm(&tm);
}

void tu_write_pem(X509 *x, const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert(PEM_write_X509(f, x));
    ck_assert_int_eq(fclose(f), 0);
}

EVP_PKEY *tu_key_new(const char *type)
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
X509 *tu_leaf_new(EVP_PKEY *k, const char *const *names, size_t n, time_t now, int64_t nb,
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

const char *const tu_mx_names[3] = {"mx1.good.test", "*.good.test", "mail.other.test"};
static const char *const ee_names[] = {"mx2.good.test"};

void tu_specs_default(struct cert_spec *s)
{
    memset(s, 0, N_SPECS * sizeof(*s));
    s[SPEC_LEAF] = (struct cert_spec){.name = "leaf",
                                      .issuer = "inter",
                                      .names = tu_mx_names,
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

cert_set *tu_cert_set_build(const char *dir, const struct cert_spec *specs, size_t n, time_t now,
                            int64_t drift, struct cert_set_stats *st)
{
    struct cert_set_params p = {.dir = dir, .now = now, .max_drift = drift};
    struct dl_error err;
    cert_set *s = cert_set_build(&p, specs, n, st, &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    return s;
}

char *tu_path_of(const cert_set *s, const char *name, const char *suffix)
{
    return cert_set_path(s, name, suffix);
}
