/*
 * fsmtp_tls: a listener's TLS contexts (OpenSSL): certificate chain and
 * key, per-SNI alternatives chosen in the servername callback, protocol
 * version bounds, and deliberate handshake faults; and what a finished
 * handshake looked like, for the session log.
 */
#ifndef FSMTP_TLS_H
#define FSMTP_TLS_H

#include "fsmtp_conf.h"

#include <openssl/ssl.h>

/* Build l->ssl_ctx (and one context per SNI entry) from l's TLS settings.
 * Returns 0, or -1 with err naming the file and OpenSSL's reason. */
int fsmtp_tls_setup(struct fsmtp_listener *l, struct dl_error *err);

/* Free the contexts fsmtp_tls_setup() made (safe when none were made). */
void fsmtp_tls_free(struct fsmtp_listener *l);

/* A finished handshake, as text (empty strings when unknown). */
struct fsmtp_tls_info {
    char version[16];
    char cipher[64];
    char sni[256];          /* server name the client sent */
    char cert_subject[256]; /* RFC 2253 subject of the certificate presented */
    char cert_sha256[65];   /* SHA-256 of the certificate (DER), hex */
    char spki_sha256[65];   /* SHA-256 of its SubjectPublicKeyInfo (TLSA 3 1 1 data) */
};

void fsmtp_tls_info_get(SSL *ssl, struct fsmtp_tls_info *info);

#endif
