/*
 * dane_tls: TLS for one MX host with OpenSSL's DANE support, used the way
 * Postfix's tls_dane.c uses it: SSL_dane_enable() with the TLSA base
 * domain, every usable record through SSL_dane_tlsa_add() (> 0 usable,
 * 0 unusable: say so and go on, < 0 internal error), the MX host name as
 * an additional reference identifier for DANE-TA (RFC 7672 3.2.2), SNI =
 * the TLSA base domain, and verification judged after the handshake so
 * each failure gets its own reason. Validity is judged at a given time
 * (virtual, with --now).
 */
#ifndef DANE_TLS_H
#define DANE_TLS_H

#include "dane_outcome.h"
#include "dane_tlsa.h"
#include "dl_error.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <time.h>

/* A client context with DANE enabled; the caller frees it (SSL_CTX_free). */
SSL_CTX *dane_tls_ctx_new(struct dl_error *err);

struct dane_tls_setup {
    const char *sni;        /* TLSA base domain (or the MX host without DANE) */
    const char *mx_host;    /* additional name for DANE-TA checks, or NULL */
    struct dane_tlsa *tlsa; /* usable records to authenticate with; n == 0: no DANE */
    size_t n_tlsa;
    time_t now; /* 0: the clock */
};

/* A new SSL for one connection, or NULL (err set). */
SSL *dane_tls_new(SSL_CTX *ctx, const struct dane_tls_setup *setup, struct dl_error *err);

struct dane_tls_result {
    bool authenticated; /* a usable TLSA record matched and checks passed */
    long verify;        /* X509_V_* result */
    char verify_text[128];
    int match_usage; /* usage of the matching record, or -1 */
    int match_depth; /* chain depth it matched at, or -1 */
    bool leaf_expired, leaf_not_yet_valid;
    char version[16], cipher[64];
    char subject[256]; /* leaf subject */
    char issuer[256];
    char names[256]; /* leaf DNS SANs, comma separated (cut) */
    int chain_len;
};

/* What the handshake established, after dane_smtp_tls() succeeded. */
void dane_tls_result(SSL *ssl, time_t now, struct dane_tls_result *r);

/* The failure reason for a DANE host whose verification failed. */
enum dane_reason dane_tls_failure_reason(const struct dane_tls_result *r);

/* Offline: judge a certificate chain (leaf first) against TLSA records as
 * a handshake would, with `setup.sni` as the TLSA base domain. Fills *r
 * (version/cipher empty). Returns 0, or -1 when it could not be judged. */
int dane_tls_verify_chain(SSL_CTX *ctx, const struct dane_tls_setup *setup, STACK_OF(X509) * chain,
                          struct dane_tls_result *r, struct dl_error *err);
#endif
