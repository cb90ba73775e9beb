#include "cert_set.h"

#include "cert_issue.h"
#include "cert_key.h"
#include "cert_tlsa.h"
#include "dl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (1024 * 1024)

struct entry {
    char *name;
    long issuer; /* index in the set, or -1 when self-signed */
    X509 *cert;
    EVP_PKEY *key;
};

struct cert_set {
    char *dir;
    struct entry *e;
    size_t n;
};

/* ---- the set --------------------------------------------------------------- */

static cert_set *set_new(const char *dir, const struct cert_spec *specs, size_t n)
{
    cert_set *s = dl_xcalloc(1, sizeof(*s));
    s->dir = dl_xstrdup(dir);
    s->e = dl_xcalloc(n + 1, sizeof(*s->e));
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        s->e[i].name = dl_xstrdup(specs[i].name);
        s->e[i].issuer = specs[i].issuer != NULL ? cert_spec_find(specs, n, specs[i].issuer) : -1;
    }
    return s;
}

void cert_set_free(cert_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->e[i].name);
        X509_free(s->e[i].cert);
        EVP_PKEY_free(s->e[i].key);
    }
    free(s->e);
    free(s->dir);
    free(s);
}

size_t cert_set_count(const cert_set *s)
{
    return s->n;
}

const char *cert_set_name(const cert_set *s, size_t i)
{
    return i < s->n ? s->e[i].name : NULL;
}

static const struct entry *entry_find(const cert_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->e[i].name, name) == 0)
            return &s->e[i];
    return NULL;
}

X509 *cert_set_cert(const cert_set *s, const char *name)
{
    const struct entry *e = entry_find(s, name);
    return e != NULL ? e->cert : NULL;
}

char *cert_set_path(const cert_set *s, const char *name, const char *suffix)
{
    return dl_xasprintf("%s/%s.%s", s->dir, name, suffix);
}

/* The private key of entry e, read from its file at the first use: a
 * certificate found in the cache needs none (cache_lookup). 0, or -1
 * with err set when the file is missing or does not parse. */
static int entry_key(const cert_set *s, struct entry *e, struct dl_error *err)
{
    char *path;
    int rc;
    if (e->key != NULL)
        return 0;
    path = cert_set_path(s, e->name, "key.pem");
    rc = cert_key_load(path, &e->key, err);
    if (rc == 0 && e->key == NULL)
        rc = dl_error_set(err, "%s: missing", path);
    free(path);
    return rc;
}

EVP_PKEY *cert_set_key(const cert_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->e[i].name, name) == 0)
            return entry_key(s, &s->e[i], NULL) == 0 ? s->e[i].key : NULL;
    return NULL;
}

/* ---- PEM files ----------------------------------------------------------- */

/* PEM of certs[0..n-1] concatenated; the caller frees it. NULL on failure. */
static char *pem_of(X509 *const *certs, size_t n, size_t *len, struct dl_error *err)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL, *out = NULL;
    long l;
    int ok = mem != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = PEM_write_bio_X509(mem, certs[i]);
    if (ok) {
        l = BIO_get_mem_data(mem, &data);
        out = dl_xmalloc((size_t)l + 1);
        memcpy(out, data, (size_t)l);
        out[l] = '\0';
        *len = (size_t)l;
    } else {
        dl_error_openssl(err, "PEM encoding");
    }
    BIO_free(mem);
    return out;
}

/* Write `data` unless the file already holds exactly that. */
static int write_if_changed(const char *path, const char *data, size_t len, struct dl_error *err)
{
    char *old = NULL;
    size_t old_len = 0;
    bool same = dl_read_file(path, FILE_MAX, &old, &old_len, NULL) == 0 && old_len == len &&
                memcmp(old, data, len) == 0;
    free(old);
    return same ? 0 : dl_write_file(path, data, len, 0644, err);
}

static int write_certs(const char *path, X509 *const *certs, size_t n, struct dl_error *err)
{
    size_t len = 0;
    char *pem = pem_of(certs, n, &len, err);
    int rc;
    if (pem == NULL)
        return dl_error_prefix(err, "%s", path);
    rc = write_if_changed(path, pem, len, err);
    free(pem);
    return rc;
}

/* The certificate in a PEM file, or NULL when missing or unreadable (the
 * caller then re-issues it). */
static X509 *cert_read(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    BIO *mem;
    X509 *x = NULL;
    if (dl_read_file(path, FILE_MAX, &text, &len, NULL) < 0)
        return NULL;
    mem = BIO_new_mem_buf(text, (int)len);
    if (mem != NULL)
        x = PEM_read_bio_X509(mem, NULL, NULL, NULL);
    BIO_free(mem);
    free(text);
    ERR_clear_error();
    return x;
}

/* ---- chains --------------------------------------------------------------- */

/* Indices from certificate i up to its root, i first; returns the count. */
static size_t path_to_root(const cert_set *s, size_t i, size_t *path)
{
    size_t n = 0;
    long k = (long)i;
    while (k >= 0 && n < s->n) {
        path[n++] = (size_t)k;
        k = s->e[k].issuer;
    }
    return n;
}

static bool chain_includes(enum cert_chain_kind kind, size_t pos, size_t len)
{
    bool root = pos == len - 1;
    if (pos == 0)
        return true;
    switch (kind) {
    case CERT_CHAIN_SERVED:
        return !root;
    case CERT_CHAIN_FULL:
        return true;
    case CERT_CHAIN_NO_INTERMEDIATE:
        return root;
    default:
        return false;
    }
}

/* The certificates of the chain (borrowed) into out[]; returns the count. */
static size_t chain_of(const cert_set *s, size_t i, enum cert_chain_kind kind, X509 **out)
{
    size_t *path = dl_xcalloc(s->n + 1, sizeof(*path));
    size_t len = path_to_root(s, i, path), n = 0;
    for (size_t pos = 0; pos < len; pos++)
        if (chain_includes(kind, pos, len))
            out[n++] = s->e[path[pos]].cert;
    free(path);
    return n;
}

static long index_of(const cert_set *s, const char *name, struct dl_error *err)
{
    const struct entry *e = entry_find(s, name);
    if (e == NULL || e->cert == NULL)
        return dl_error_set(err, "certificate '%s' is not defined", name);
    return (long)(e - s->e);
}

STACK_OF(X509) * cert_set_chain(const cert_set *s, const char *name, enum cert_chain_kind kind,
                                struct dl_error *err)
{
    long i = index_of(s, name, err);
    X509 **certs;
    STACK_OF(X509) * sk;
    size_t n;
    if (i < 0)
        return NULL;
    certs = dl_xcalloc(s->n + 1, sizeof(*certs));
    n = chain_of(s, (size_t)i, kind, certs);
    sk = sk_X509_new_reserve(NULL, (int)n);
    for (size_t k = 0; sk != NULL && k < n; k++) {
        if (!X509_up_ref(certs[k]))
            continue;
        if (!sk_X509_push(sk, certs[k])) {
            X509_free(certs[k]);
            sk_X509_pop_free(sk, X509_free);
            sk = NULL;
        }
    }
    free(certs);
    if (sk == NULL || sk_X509_num(sk) != (int)n) {
        dl_error_openssl(err, "certificate '%s': chain", name);
        sk_X509_pop_free(sk, X509_free);
        return NULL;
    }
    return sk;
}

int cert_set_write_chain(const cert_set *s, const char *name, enum cert_chain_kind kind,
                         const char *path, struct dl_error *err)
{
    long i = index_of(s, name, err);
    X509 **certs;
    size_t n;
    int rc;
    if (i < 0)
        return -1;
    certs = dl_xcalloc(s->n + 1, sizeof(*certs));
    n = chain_of(s, (size_t)i, kind, certs);
    rc = write_certs(path, certs, n, err);
    free(certs);
    if (rc < 0)
        return dl_error_prefix(err, "certificate '%s': chain", name);
    return 0;
}

char *cert_set_tlsa(const cert_set *s, const char *name, int usage, int selector, int matching,
                    struct dl_error *err)
{
    long i = index_of(s, name, err);
    char *rdata;
    if (i < 0)
        return NULL;
    rdata = cert_tlsa_rdata(s->e[i].cert, usage, selector, matching, err);
    if (rdata == NULL)
        dl_error_prefix(err, "certificate '%s'", name);
    return rdata;
}

/* ---- building ------------------------------------------------------------ */

/* What building one certificate needs. */
struct job {
    const cert_set *s;
    const struct cert_set_params *p;
    const struct cert_spec *spec;
    struct entry *e, *issuer;
    struct cert_set_stats *st;
    char *key_path, *crt_path, *spec_path, *chain_path;
    char *text; /* cert_spec_text */
};

/* The cached key when it is of the requested type, else a new one. Sets
 * *reused. */
static int key_obtain(struct job *j, bool *reused, struct dl_error *err)
{
    enum cert_key_type want = CERT_KEY_ECDSA_P256, have;
    EVP_PKEY *k = NULL;
    cert_key_type_parse(j->spec->key, &want, NULL);
    if (cert_key_load(j->key_path, &k, err) < 0)
        return -1;
    *reused = k != NULL && cert_key_type_of(k, &have) == 0 && have == want;
    if (*reused) {
        j->e->key = k;
        return 0;
    }
    EVP_PKEY_free(k);
    j->e->key = cert_key_new(want, err);
    if (j->e->key == NULL || cert_key_write(j->e->key, j->key_path, err) < 0)
        return -1;
    j->st->keys_created++;
    return 0;
}

static bool time_near(const ASN1_TIME *t, int64_t want, int64_t drift)
{
    struct tm tm;
    int64_t have;
    if (!ASN1_TIME_to_tm(t, &tm))
        return false;
    have = (int64_t)timegm(&tm);
    return have - want <= drift && want - have <= drift;
}

static bool window_ok(const struct job *j, X509 *x)
{
    int64_t now = (int64_t)j->p->now, drift = j->p->max_drift;
    return time_near(X509_get0_notBefore(x), now + j->spec->not_before, drift) &&
           time_near(X509_get0_notAfter(x), now + j->spec->not_after, drift);
}

/* What NAME.spec holds: the spec's text, then "key-sha256=HEX" of the
 * key file's bytes, the key the certificate was issued with. A cached
 * certificate is thus known to belong to its key without decoding the key
 * (OpenSSL 3's decoders: most of a warm build's certificate check, with
 * hundreds of certificates in a catalogue). NULL when the key file
 * cannot be read. The caller frees it. */
static char *spec_record(const struct job *j)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    char hex[2 * EVP_MAX_MD_SIZE + 1], *key = NULL, *out = NULL;
    unsigned int md_len = 0;
    size_t len = 0;
    if (dl_read_file(j->key_path, FILE_MAX, &key, &len, NULL) < 0)
        return NULL;
    if (EVP_Digest(key, len, md, &md_len, EVP_sha256(), NULL) == 1) {
        dl_hex(md, md_len, hex);
        out = dl_xasprintf("%skey-sha256=%s\n", j->text, hex);
    }
    OPENSSL_cleanse(key, len);
    free(key);
    return out;
}

/* The cached certificate when everything about it still holds (same spec,
 * issuer and key file, signed by the issuer, window), else NULL. */
static X509 *cache_lookup(const struct job *j)
{
    char *old = NULL, *want = spec_record(j);
    bool same = want != NULL && dl_read_file(j->spec_path, FILE_MAX, &old, NULL, NULL) == 0 &&
                strcmp(old, want) == 0;
    X509 *x = same ? cert_read(j->crt_path) : NULL;
    free(old);
    free(want);
    if (x != NULL) {
        EVP_PKEY *signer = X509_get0_pubkey(j->issuer != NULL ? j->issuer->cert : x);
        if (signer == NULL || X509_verify(x, signer) != 1 || !window_ok(j, x)) {
            X509_free(x);
            x = NULL;
        }
    }
    ERR_clear_error();
    return x;
}

static int issue(struct job *j, struct dl_error *err)
{
    struct cert_issue_params ip = {.label = j->spec->name,
                                   .names = j->spec->names,
                                   .n_names = j->spec->n_names,
                                   .ca = j->spec->ca,
                                   .limit_path = j->spec->limit_path,
                                   .pathlen = j->spec->pathlen,
                                   .permitted = j->spec->permitted,
                                   .n_permitted = j->spec->n_permitted,
                                   .now = j->p->now,
                                   .not_before = j->spec->not_before,
                                   .not_after = j->spec->not_after};
    X509 *icert = j->issuer != NULL ? j->issuer->cert : NULL;
    char *record;
    int rc;
    if (j->issuer != NULL && entry_key(j->s, j->issuer, err) < 0)
        return dl_error_prefix(err, "certificate '%s': its issuer's key", j->spec->name);
    j->e->cert = cert_issue(&ip, j->e->key, icert, j->issuer != NULL ? j->issuer->key : NULL, err);
    if (j->e->cert == NULL)
        return -1;
    if ((record = spec_record(j)) == NULL)
        return dl_error_set(err, "certificate '%s': %s: cannot be read back", j->spec->name,
                            j->key_path);
    rc = write_certs(j->crt_path, &j->e->cert, 1, err) < 0 ||
         dl_write_file(j->spec_path, record, strlen(record), 0644, err) < 0;
    free(record);
    if (rc)
        return dl_error_prefix(err, "certificate '%s'", j->spec->name);
    j->st->created++;
    return 0;
}

static void job_init(struct job *j, cert_set *s, size_t i, const struct cert_spec *spec)
{
    char *digest = NULL;
    j->s = s;
    j->spec = spec;
    j->e = &s->e[i];
    j->issuer = j->e->issuer >= 0 ? &s->e[j->e->issuer] : NULL;
    j->key_path = cert_set_path(s, spec->name, "key.pem");
    j->crt_path = cert_set_path(s, spec->name, "crt.pem");
    j->spec_path = cert_set_path(s, spec->name, "spec");
    j->chain_path = cert_set_path(s, spec->name, "chain.pem");
    if (j->issuer != NULL)
        digest = cert_tlsa_data(j->issuer->cert, 0, 1, NULL);
    j->text = cert_spec_text(spec, digest);
    free(digest);
}

static void job_clear(struct job *j)
{
    free(j->key_path);
    free(j->crt_path);
    free(j->spec_path);
    free(j->chain_path);
    free(j->text);
}

static int obtain(cert_set *s, struct job *j, struct dl_error *err)
{
    bool reused = false;
    j->e->cert = cache_lookup(j);
    if (j->e->cert != NULL)
        j->st->cached++;
    else if (key_obtain(j, &reused, err) < 0)
        return dl_error_prefix(err, "certificate '%s': key", j->spec->name);
    else if (issue(j, err) < 0)
        return -1;
    return cert_set_write_chain(s, j->spec->name, CERT_CHAIN_SERVED, j->chain_path, err);
}

static int build_all(cert_set *s, const struct cert_set_params *p, const struct cert_spec *specs,
                     const size_t *order, struct cert_set_stats *st, struct dl_error *err)
{
    for (size_t k = 0; k < s->n; k++) {
        struct job j = {.p = p, .st = st};
        int rc;
        job_init(&j, s, order[k], &specs[order[k]]);
        rc = obtain(s, &j, err);
        job_clear(&j);
        if (rc < 0)
            return -1;
    }
    return 0;
}

cert_set *cert_set_build(const struct cert_set_params *p, const struct cert_spec *specs, size_t n,
                         struct cert_set_stats *st, struct dl_error *err)
{
    struct cert_set_stats local;
    size_t *order = dl_xcalloc(n + 1, sizeof(*order));
    cert_set *s = NULL;
    if (st == NULL)
        st = &local;
    memset(st, 0, sizeof(*st));
    if (cert_spec_check(specs, n, order, err) == 0 && dl_mkdir_p(p->dir, 0700, err) == 0) {
        s = set_new(p->dir, specs, n);
        if (build_all(s, p, specs, order, st, err) < 0) {
            cert_set_free(s);
            s = NULL;
        }
    }
    free(order);
    return s;
}
