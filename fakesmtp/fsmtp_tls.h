/*
 * fsmtp_tls: a listener's TLS settings and the OpenSSL contexts built from
 * them: certificate chain and key, per-SNI alternatives chosen in the
 * servername callback, protocol version bounds, and deliberate handshake
 * faults; and what a finished handshake looked like, for the session log.
 * It knows nothing of listeners: fsmtp_listener embeds a struct fsmtp_tls.
 */
#ifndef FSMTP_TLS_H
#define FSMTP_TLS_H

#include "dl_error.h"
#include "dl_pkey.h"

#include <openssl/ssl.h>
#include <stddef.h>

/* Deliberate TLS failures. */
enum fsmtp_tls_fault {
    FSMTP_FAULT_NONE = 0,
    FSMTP_FAULT_ABORT_AFTER_HELLO, /* fail the handshake once the ClientHello is in */
    FSMTP_FAULT_WRONG_KEY,         /* present the certificate, sign with another key */
    FSMTP_FAULT_OTHER_CERT,        /* present fault_cert/fault_key instead */
    FSMTP_FAULT_COUNT
};

/* The configuration names of the faults, indexed by the enum. */
extern const char *const fsmtp_tls_fault_names[FSMTP_FAULT_COUNT];
const char *fsmtp_tls_fault_name(enum fsmtp_tls_fault f);

struct fsmtp_sni {
    char *name;
    char *cert, *key;
    void *ssl_ctx; /* SSL_CTX * */
};

/* TLS settings (all owned) and, once fsmtp_tls_setup() ran, the contexts.
 * A zeroed struct is "no TLS". */
struct fsmtp_tls {
    char *cert, *key;             /* PEM chain (leaf first) and key; NULL: no TLS */
    int min_version, max_version; /* OpenSSL protocol versions, 0 for library defaults */
    struct fsmtp_sni *sni;
    size_t n_sni;
    enum fsmtp_tls_fault fault;
    char *fault_cert, *fault_key; /* other-cert: what to present; wrong-key: the key */
    /* A second chain and key of another key type, loaded into every context
     * beside its own (OpenSSL keeps one certificate per key type and
     * presents the one the client's signature algorithms prefer); NULL:
     * none. */
    char *alt_cert, *alt_key;
    void *ssl_ctx; /* SSL_CTX *, NULL without TLS */
};

/* Build t->ssl_ctx (and one context per SNI entry) from t's settings; t
 * must stay where it is while the contexts live (the servername callback
 * holds it). Keys are read with `keys` (NULL: a reader each). Returns 0,
 * or -1 with err naming the file and OpenSSL's reason. */
int fsmtp_tls_setup(struct fsmtp_tls *t, dl_pkey_reader *keys, struct dl_error *err);

/* Free the contexts fsmtp_tls_setup() made (safe when none were made) and
 * the settings; t itself is the caller's. */
void fsmtp_tls_free(struct fsmtp_tls *t);

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
