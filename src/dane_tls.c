#include "dane_tls.h"

#include "dl_util.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

SSL_CTX *dane_tls_ctx_new(struct dl_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        dl_error_openssl(err, "TLS context");
        return NULL;
    }
    if (SSL_CTX_dane_enable(ctx) <= 0) {
        dl_error_openssl(err, "TLS context: enable DANE");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* Verification is judged after the handshake (dane_tls_result): never
     * abort it, so the reason can be reported. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

/* The name used in messages: the TLSA base domain, or a stand-in. */
static const char *label(const struct dane_tls_setup *s)
{
    return s->sni ? s->sni : "(no reference name)";
}

int dane_tls_setup_add_name(struct dane_tls_setup *s, const char *name)
{
    if (name == NULL || *name == '\0')
        return 0;
    if (s->n_names >= DANE_TLS_MAX_NAMES)
        return -1;
    s->names[s->n_names++] = name;
    return 0;
}

static int add_tlsa(SSL *ssl, const struct dane_tls_setup *s, struct dl_error *err)
{
    int usable = 0;
    for (size_t i = 0; i < s->n_tlsa; i++) {
        const struct dane_tlsa *t = &s->tlsa[i];
        int rc = SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype, t->data, t->len);
        if (rc < 0)
            return dl_error_openssl(err, "%s: TLSA %u %u %u", label(s), t->usage, t->selector,
                                    t->mtype);
        usable += rc > 0;
    }
    if (usable == 0)
        return dl_error_set(err, "%s: OpenSSL found none of the TLSA records usable", label(s));
    return 0;
}

/* A host name as TLS wants it: no trailing dot (RFC 6066 3, RFC 6125). */
static void tls_name(const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '.')
        n--;
    snprintf(out, len, "%.*s", (int)n, name);
}

/* names[i] (in TLS form) equals the base domain or an earlier name. */
static bool seen_name(const struct dane_tls_setup *s, const char *base, size_t i, const char *name)
{
    char prev[256];
    if (base && strcasecmp(name, base) == 0)
        return true;
    for (size_t k = 0; k < i; k++) {
        tls_name(s->names[k], prev, sizeof(prev));
        if (strcasecmp(name, prev) == 0)
            return true;
    }
    return false;
}

/* The reference identifiers besides the base domain (RFC 7672 3.2.2), each
 * once, and wildcards as RFC 7672 3.2.3 allows them: the whole left-most
 * label, matching one label (OpenSSL never lets a wildcard match more than
 * one label unless X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS is set). */
static int add_names(SSL *ssl, const struct dane_tls_setup *s, const char *base,
                     struct dl_error *err)
{
    char name[256];
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    for (size_t i = 0; i < s->n_names && i < DANE_TLS_MAX_NAMES; i++) {
        tls_name(s->names[i], name, sizeof(name));
        if (!seen_name(s, base, i, name) && SSL_add1_host(ssl, name) != 1)
            return dl_error_openssl(err, "%s: add reference name %s", label(s), name);
    }
    return 0;
}

/* DANE: the TLSA base domain as the first reference name, the others after
 * it (DANE-TA), no name checks for DANE-EE (RFC 7672 3.1.1). */
static int enable_dane(SSL *ssl, const struct dane_tls_setup *s, const char *base,
                       struct dl_error *err)
{
    if (SSL_dane_enable(ssl, base) <= 0)
        return dl_error_openssl(err, "%s: enable DANE", label(s));
    SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
    if (add_names(ssl, s, base, err) != 0)
        return -1;
    return add_tlsa(ssl, s, err);
}

SSL *dane_tls_new(SSL_CTX *ctx, const struct dane_tls_setup *s, struct dl_error *err)
{
    SSL *ssl = SSL_new(ctx);
    char sni[256];
    if (ssl == NULL) {
        dl_error_openssl(err, "%s: TLS session", label(s));
        return NULL;
    }
    if (s->sni)
        tls_name(s->sni, sni, sizeof(sni));
    if (s->sni && SSL_set_tlsext_host_name(ssl, sni) != 1) {
        dl_error_openssl(err, "%s: SNI", sni);
        SSL_free(ssl);
        return NULL;
    }
    if (s->has_now)
        X509_VERIFY_PARAM_set_time(SSL_get0_param(ssl), s->now);
    if (s->n_tlsa > 0 && enable_dane(ssl, s, s->sni ? sni : NULL, err) != 0) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

static void leaf_names(X509 *leaf, char *out, size_t len)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%.*s", used ? "," : "",
                                 ASN1_STRING_length(g->d.dNSName),
                                 (const char *)ASN1_STRING_get0_data(g->d.dNSName));
        if (used >= len)
            break;
    }
    GENERAL_NAMES_free(gens);
}

/* The time verification uses: the one dane_tls_new() set, or the clock. */
static time_t check_time(SSL *ssl)
{
    const X509_VERIFY_PARAM *p = SSL_get0_param(ssl);
    if (X509_VERIFY_PARAM_get_flags(p) & X509_V_FLAG_USE_CHECK_TIME)
        return X509_VERIFY_PARAM_get_time(p);
    return time(NULL);
}

static void leaf_facts(X509 *leaf, time_t t, struct dane_tls_result *r)
{
    X509_NAME_oneline(X509_get_subject_name(leaf), r->subject, sizeof(r->subject));
    X509_NAME_oneline(X509_get_issuer_name(leaf), r->issuer, sizeof(r->issuer));
    leaf_names(leaf, r->names, sizeof(r->names));
    r->leaf_expired = X509_cmp_time(X509_get0_notAfter(leaf), &t) < 0;
    r->leaf_not_yet_valid = X509_cmp_time(X509_get0_notBefore(leaf), &t) > 0;
}

void dane_tls_result(SSL *ssl, struct dane_tls_result *r)
{
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    uint8_t usage = 0, sel, mtype;
    memset(r, 0, sizeof(*r));
    r->match_usage = r->match_depth = -1;
    r->verify = SSL_get_verify_result(ssl);
    snprintf(r->verify_text, sizeof(r->verify_text), "%s",
             X509_verify_cert_error_string(r->verify));
    snprintf(r->version, sizeof(r->version), "%s", SSL_get_version(ssl));
    snprintf(r->cipher, sizeof(r->cipher), "%s", SSL_get_cipher_name(ssl));
    r->chain_len = chain ? sk_X509_num(chain) : 0;
    if (leaf)
        leaf_facts(leaf, check_time(ssl), r);
    r->match_depth = SSL_get0_dane_tlsa(ssl, &usage, &sel, &mtype, NULL, NULL);
    if (r->match_depth >= 0)
        r->match_usage = usage;
    r->authenticated = leaf != NULL && r->verify == X509_V_OK && r->match_depth >= 0;
}

enum dane_reason dane_tls_failure_reason(const struct dane_tls_result *r)
{
    switch (r->verify) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return DANE_R_CERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return DANE_R_CERT_NOT_YET_VALID;
    case X509_V_ERR_HOSTNAME_MISMATCH:
        return DANE_R_HOST_MISMATCH;
    case X509_V_ERR_DANE_NO_MATCH:
        return DANE_R_NO_TLSA_MATCH;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    /* a chain below the DANE-TA anchor that breaks RFC 5280 path rules:
     * OpenSSL reports no TLSA match after such a failure, yet the record
     * did match; the chain is what is wrong (RFC 7672 3.1.2) */
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
        return DANE_R_CHAIN_UNTRUSTED;
    default:
        return r->match_depth < 0 ? DANE_R_NO_TLSA_MATCH : DANE_R_CHAIN_UNTRUSTED;
    }
}

static void chain_result(SSL *ssl, X509 *leaf, int chain_len, long verify,
                         struct dane_tls_result *r)
{
    uint8_t usage = 0, sel, mtype;
    memset(r, 0, sizeof(*r));
    r->verify = verify;
    snprintf(r->verify_text, sizeof(r->verify_text), "%s", X509_verify_cert_error_string(verify));
    r->chain_len = chain_len;
    leaf_facts(leaf, check_time(ssl), r);
    r->match_depth = SSL_get0_dane_tlsa(ssl, &usage, &sel, &mtype, NULL, NULL);
    r->match_usage = r->match_depth >= 0 ? usage : -1;
    r->authenticated = verify == X509_V_OK && r->match_depth >= 0;
}

int dane_tls_verify_chain(SSL_CTX *ctx, const struct dane_tls_setup *setup, STACK_OF(X509) * chain,
                          struct dane_tls_result *r, struct dl_error *err)
{
    X509_STORE *store = NULL;
    X509_STORE_CTX *vctx = NULL;
    SSL *ssl;
    int rc = -1;
    if (sk_X509_num(chain) < 1)
        return dl_error_set(err, "no certificate in the chain");
    if ((ssl = dane_tls_new(ctx, setup, err)) == NULL)
        return -1;
    store = X509_STORE_new();
    vctx = X509_STORE_CTX_new();
    if (store == NULL || vctx == NULL ||
        !X509_STORE_CTX_init(vctx, store, sk_X509_value(chain, 0), chain) ||
        !X509_STORE_CTX_set_default(vctx, "ssl_server") ||
        !X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(vctx), SSL_get0_param(ssl))) {
        dl_error_openssl(err, "%s: verification set-up", label(setup));
        goto out;
    }
    X509_STORE_CTX_set0_dane(vctx, SSL_get0_dane(ssl));
    if (X509_verify_cert(vctx) < 0) {
        dl_error_openssl(err, "%s: verification", label(setup));
        goto out;
    }
    chain_result(ssl, sk_X509_value(chain, 0), sk_X509_num(chain), X509_STORE_CTX_get_error(vctx),
                 r);
    rc = 0;
out:
    X509_STORE_CTX_free(vctx);
    X509_STORE_free(store);
    SSL_free(ssl);
    return rc;
}
