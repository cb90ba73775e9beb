/* The wrong-key fault replaces the key material inside the EVP_PKEY the
 * context holds (OpenSSL refuses to pair a certificate with a key that does
 * not match it, which is exactly what the fault needs); that takes the
 * legacy EC_KEY/RSA setters. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "fsmtp_tls.h"
#include "dl_pkey.h"
#include "dl_util.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const fsmtp_tls_fault_names[FSMTP_FAULT_COUNT] = {"none", "abort-after-hello",
                                                              "wrong-key", "other-cert"};

const char *fsmtp_tls_fault_name(enum fsmtp_tls_fault f)
{
    return (unsigned)f < FSMTP_FAULT_COUNT ? fsmtp_tls_fault_names[f] : "?";
}

static int client_hello_abort(SSL *ssl, int *al, void *arg)
{
    (void)ssl;
    (void)arg;
    *al = SSL_AD_HANDSHAKE_FAILURE;
    return SSL_CLIENT_HELLO_ERROR;
}

static int servername_cb(SSL *ssl, int *al, void *arg)
{
    const struct fsmtp_tls *t = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    (void)al;
    if (name == NULL)
        return SSL_TLSEXT_ERR_OK;
    for (size_t i = 0; i < t->n_sni; i++)
        if (strcasecmp(t->sni[i].name, name) == 0) {
            SSL_set_SSL_CTX(ssl, t->sni[i].ssl_ctx);
            break;
        }
    return SSL_TLSEXT_ERR_OK;
}

/* Swap the key material of the context's private key for that in path, so
 * the certificate no longer matches the key that signs the handshake. */
static int swap_key(SSL_CTX *ctx, dl_pkey_reader *keys, const char *path, struct dl_error *err)
{
    EVP_PKEY *mine = SSL_CTX_get0_privatekey(ctx), *other = dl_pkey_read_file(keys, path, err);
    int ok = 0;
    if (other == NULL)
        return -1;
    if (EVP_PKEY_get_base_id(mine) != EVP_PKEY_get_base_id(other)) {
        EVP_PKEY_free(other);
        return dl_error_set(err, "%s: fault_key must be of the same type as the key", path);
    }
    if (EVP_PKEY_get_base_id(other) == EVP_PKEY_EC) {
        EC_KEY *ec = EVP_PKEY_get1_EC_KEY(other);
        ok = ec != NULL && EVP_PKEY_set1_EC_KEY(mine, ec) == 1;
        EC_KEY_free(ec);
    } else if (EVP_PKEY_get_base_id(other) == EVP_PKEY_RSA) {
        RSA *rsa = EVP_PKEY_get1_RSA(other);
        ok = rsa != NULL && EVP_PKEY_set1_RSA(mine, rsa) == 1;
        RSA_free(rsa);
    } else {
        EVP_PKEY_free(other);
        return dl_error_set(err, "%s: wrong-key supports EC and RSA keys only", path);
    }
    EVP_PKEY_free(other);
    if (!ok)
        return dl_error_openssl(err, "%s: cannot swap key", path);
    return 0;
}

/* Put the key in path into ctx beside its last certificate, which it must
 * match. */
static int use_key(SSL_CTX *ctx, dl_pkey_reader *keys, const char *key, const char *cert,
                   struct dl_error *err)
{
    EVP_PKEY *k = dl_pkey_read_file(keys, key, err);
    int ok =
        k != NULL && SSL_CTX_use_PrivateKey(ctx, k) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    if (k != NULL && !ok)
        dl_error_openssl(err, "%s: cannot load key (or it does not match %s)", key, cert);
    EVP_PKEY_free(k);
    return ok ? 0 : -1;
}

/* Load t's second chain and key into ctx beside the one it holds. Its key
 * type must differ: OpenSSL would replace the first certificate, not add
 * to it. SSL_CTX_use_certificate_chain_file keeps the chain per
 * certificate, so each certificate is sent with its own chain. */
static int add_alt(SSL_CTX *ctx, const struct fsmtp_tls *t, dl_pkey_reader *keys,
                   struct dl_error *err)
{
    EVP_PKEY *first = SSL_CTX_get0_privatekey(ctx);
    int first_type = first != NULL ? EVP_PKEY_get_base_id(first) : EVP_PKEY_NONE;
    if (SSL_CTX_use_certificate_chain_file(ctx, t->alt_cert) != 1)
        return dl_error_openssl(err, "%s: cannot load certificate chain", t->alt_cert);
    if (use_key(ctx, keys, t->alt_key, t->alt_cert, err) != 0)
        return -1;
    if (EVP_PKEY_get_base_id(SSL_CTX_get0_privatekey(ctx)) == first_type)
        return dl_error_set(err, "%s: alt_cert has the key type of the certificate beside it",
                            t->alt_cert);
    return 0;
}

static SSL_CTX *ctx_new(const struct fsmtp_tls *t, dl_pkey_reader *keys, const char *cert,
                        const char *key, struct dl_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return dl_error_openssl(err, "SSL_CTX_new"), NULL;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    if ((t->min_version != 0 && !SSL_CTX_set_min_proto_version(ctx, t->min_version)) ||
        (t->max_version != 0 && !SSL_CTX_set_max_proto_version(ctx, t->max_version))) {
        dl_error_openssl(err, "protocol versions");
        goto fail;
    }
    if (t->min_version != 0 && t->min_version < TLS1_2_VERSION)
        SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        dl_error_openssl(err, "%s: cannot load certificate chain", cert);
        goto fail;
    }
    if (use_key(ctx, keys, key, cert, err) != 0)
        goto fail;
    if (t->alt_cert != NULL && add_alt(ctx, t, keys, err) != 0)
        goto fail;
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

int fsmtp_tls_setup(struct fsmtp_tls *t, dl_pkey_reader *keys, struct dl_error *err)
{
    const char *cert = t->cert, *key = t->key;
    SSL_CTX *ctx;
    if (t->fault == FSMTP_FAULT_OTHER_CERT) {
        cert = t->fault_cert;
        key = t->fault_key;
    }
    ctx = ctx_new(t, keys, cert, key, err);
    if (ctx == NULL)
        return -1;
    t->ssl_ctx = ctx;
    if (t->fault == FSMTP_FAULT_WRONG_KEY && swap_key(ctx, keys, t->fault_key, err) != 0)
        return -1;
    if (t->fault == FSMTP_FAULT_ABORT_AFTER_HELLO)
        SSL_CTX_set_client_hello_cb(ctx, client_hello_abort, NULL);
    for (size_t i = 0; i < t->n_sni; i++) {
        t->sni[i].ssl_ctx = ctx_new(t, keys, t->sni[i].cert, t->sni[i].key, err);
        if (t->sni[i].ssl_ctx == NULL)
            return dl_error_prefix(err, "sni \"%s\"", t->sni[i].name);
    }
    if (t->n_sni > 0) {
        SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
        SSL_CTX_set_tlsext_servername_arg(ctx, t);
    }
    return 0;
}

void fsmtp_tls_free(struct fsmtp_tls *t)
{
    SSL_CTX_free(t->ssl_ctx);
    t->ssl_ctx = NULL;
    for (size_t i = 0; i < t->n_sni; i++) {
        SSL_CTX_free(t->sni[i].ssl_ctx);
        free(t->sni[i].name);
        free(t->sni[i].cert);
        free(t->sni[i].key);
    }
    free(t->sni);
    t->sni = NULL;
    t->n_sni = 0;
    free(t->cert);
    free(t->key);
    free(t->fault_cert);
    free(t->fault_key);
    free(t->alt_cert);
    free(t->alt_key);
    t->cert = t->key = t->fault_cert = t->fault_key = t->alt_cert = t->alt_key = NULL;
}

static void sha256_hex(const unsigned char *der, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (EVP_Digest(der, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        out[0] = '\0';
        return;
    }
    dl_hex(md, 32, out);
}

void fsmtp_tls_info_get(SSL *ssl, struct fsmtp_tls_info *info)
{
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    X509 *x = SSL_get_certificate(ssl);
    memset(info, 0, sizeof(*info));
    snprintf(info->version, sizeof(info->version), "%s", SSL_get_version(ssl));
    snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(ssl));
    snprintf(info->sni, sizeof(info->sni), "%s", sni != NULL ? sni : "");
    if (x != NULL) {
        BIO *b = BIO_new(BIO_s_mem());
        unsigned char *der = NULL;
        int n;
        if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0)
            BIO_read(b, info->cert_subject, sizeof(info->cert_subject) - 1);
        BIO_free(b);
        n = i2d_X509(x, &der);
        if (n > 0)
            sha256_hex(der, (size_t)n, info->cert_sha256);
        OPENSSL_free(der);
        der = NULL;
        n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
        if (n > 0)
            sha256_hex(der, (size_t)n, info->spki_sha256);
        OPENSSL_free(der);
    }
    for (char *c = info->sni; *c; c++) /* the client's bytes: keep them printable */
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
}
