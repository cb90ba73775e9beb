/*
 * testutil_certs: helpers the certs/ unit tests share (check_cert_key,
 * check_cert_tlsa, check_cert_issue, check_cert_set): temporary
 * directories, the openssl command run from a test, keys and self-signed
 * leaves, and a DANE-TA world of specs (root -> inter -> leaf, plus a
 * DANE-EE leaf).
 */
#ifndef TESTUTIL_CERTS_H
#define TESTUTIL_CERTS_H

#include "cert_set.h"
#include "cert_spec.h"
#include "dl_util.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define T2030 ((time_t)1893456000) /* 2030-01-01T00:00:00Z: the virtual now */
#define DAY   86400
#define YEAR  (365 * DAY)

/* The key types, in cert_key's spelling. */
#define N_KEY_TYPES 4
extern const char *const tu_key_types[N_KEY_TYPES];

/* The names of the DANE-TA world's leaf. */
extern const char *const tu_mx_names[3];

/* The DANE-TA world's specs, by index. */
#define SPEC_LEAF  0 /* before its issuers on purpose: ordering is the set's job */
#define SPEC_INTER 1
#define SPEC_ROOT  2
#define SPEC_EE    3
#define N_SPECS    4

/* A new temporary directory; tu_rm_rf removes it with its contents and
 * frees the name. */
char *tu_tmpdir_new(void);
void tu_rm_rf(char *dir);

/* Run a shell command; *out (may be NULL) gets stdout and stderr with
 * trailing white space removed. Returns the exit status. */
int tu_run(char **out, const char *fmt, ...) DL_PRINTF(2, 3);

/* `t` in seconds since the epoch. */
int64_t tu_asn1_unix(const ASN1_TIME *t);

/* Write `x` to `path` as PEM (asserted). */
void tu_write_pem(X509 *x, const char *path);

/* A new key of `type` (cert_key's spelling); the caller frees. */
EVP_PKEY *tu_key_new(const char *type);

/* A self-signed leaf for `names` valid now+nb .. now+na; the caller frees. */
X509 *tu_leaf_new(EVP_PKEY *k, const char *const *names, size_t n, time_t now, int64_t nb,
                  int64_t na);

/* Fill s[0 .. N_SPECS-1] with the DANE-TA world. */
void tu_specs_default(struct cert_spec *s);

/* cert_set_build into `dir` (asserted to succeed); the caller frees. */
cert_set *tu_cert_set_build(const char *dir, const struct cert_spec *specs, size_t n, time_t now,
                            int64_t drift, struct cert_set_stats *st);

/* cert_set_path: the caller frees. */
char *tu_path_of(const cert_set *s, const char *name, const char *suffix);

#endif
