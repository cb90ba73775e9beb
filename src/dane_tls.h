/*
 * dane_tls: TLS for one MX host with OpenSSL's DANE support, used the way
 * Postfix's tls_dane.c uses it: SSL_dane_enable() with the TLSA base
 * domain, every usable record through SSL_dane_tlsa_add() (> 0 usable,
 * 0 unusable: say so and go on, < 0 internal error), SNI = the TLSA base
 * domain, and verification judged after the handshake so each failure
 * gets its own reason. Validity is judged at a given time (virtual, with
 * --now) or by the clock.
 *
 * Names (RFC 7672 3.2): DANE-EE(3) checks none (3.1.1, 3.2.1); DANE-TA(2)
 * matches the certificate's DNS-IDs (or its CN-ID when it has none)
 * against the TLSA base domain and the extra reference identifiers the
 * caller gives (3.2.2: the MX host name, the original next-hop domain and
 * its CNAME expansion), a wildcard only as the whole left-most label and
 * matching exactly one label (3.2.3; the MAY to match more labels is not
 * taken, as in Postfix).
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

/* At most this many reference identifiers besides the TLSA base domain
 * (RFC 7672 3.2.2 names three: MX host, next-hop domain, its expansion). */
#define DANE_TLS_MAX_NAMES 8

struct dane_tls_setup {
    /* TLSA base domain (or the MX host without DANE): the SNI and the first
     * reference identifier. NULL only with DANE-EE records alone (no name
     * is checked then, and no SNI is sent). */
    const char *sni;
    const char *names[DANE_TLS_MAX_NAMES]; /* more DANE-TA reference identifiers */
    size_t n_names;
    const struct dane_tlsa *tlsa; /* usable records to authenticate with; n == 0: no DANE */
    size_t n_tlsa;
    bool has_now; /* judge validity at `now`; false: the clock */
    time_t now;
};

/* Add a DANE-TA reference identifier to s->names (borrowed: it must
 * outlive the setup's use). NULL and empty names are ignored. Returns 0,
 * or -1 when DANE_TLS_MAX_NAMES are there already. */
int dane_tls_setup_add_name(struct dane_tls_setup *s, const char *name);

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

/* What the handshake established, after dane_smtp_tls() succeeded; the
 * leaf's dates are judged at the time dane_tls_new() set (or the clock). */
void dane_tls_result(SSL *ssl, struct dane_tls_result *r);

/* The failure reason for a DANE host whose verification failed. */
enum dane_reason dane_tls_failure_reason(const struct dane_tls_result *r);

/* Offline: judge a certificate chain (leaf first) against TLSA records as
 * a handshake would, with `setup.sni` as the TLSA base domain and
 * `setup.names` as the other reference identifiers. Fills *r
 * (version/cipher empty). Returns 0, or -1 when it could not be judged. */
int dane_tls_verify_chain(SSL_CTX *ctx, const struct dane_tls_setup *setup, STACK_OF(X509) * chain,
                          struct dane_tls_result *r, struct dl_error *err);
#endif
