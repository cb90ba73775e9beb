/*
 * cert_issue: X.509 v3 certificates for the lab, made with OpenSSL 3.
 *
 * One call issues one certificate: self-signed (a DANE-EE leaf, or a root
 * CA) or signed by a given issuer certificate and key (intermediates and
 * leaves of DANE-TA chains). What the certificate carries:
 *   - version 3, a random 128-bit positive serial number;
 *   - subject O=danelab, OU=<label>, CN=<first name> (CN=<label> when there
 *     are no names; no CN when the first name exceeds 64 characters);
 *     issuer = the issuer's subject (or the own subject when self-signed);
 *   - validity now+not_before .. now+not_after (seconds; `now` may be a
 *     virtual time), so expired and not-yet-valid certificates are simply
 *     windows on the wrong side of now;
 *   - basicConstraints (critical) CA:TRUE with an optional pathlen, or
 *     CA:FALSE; keyUsage (critical) keyCertSign+cRLSign for a CA,
 *     digitalSignature (+keyEncipherment for RSA) for a leaf, whose
 *     extendedKeyUsage is serverAuth+clientAuth; subjectKeyIdentifier, and
 *     authorityKeyIdentifier when issued by another certificate;
 *   - subjectAltName: exactly the given dNSNames, in order (none: no SAN);
 *   - signature with SHA-256 (ECDSA, RSA PKCS#1 v1.5) or Ed25519.
 */
#ifndef CERT_ISSUE_H
#define CERT_ISSUE_H

#include "dl_error.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct cert_issue_params {
    const char *label;        /* the certificate's name: messages, subject OU */
    const char *const *names; /* dNSNames for subjectAltName ("*.x.test" allowed) */
    size_t n_names;
    bool ca;          /* may issue certificates */
    bool limit_path;  /* CA only: add pathLenConstraint = pathlen */
    unsigned pathlen; /* number of intermediates allowed below this CA */
    /* CA only: a critical nameConstraints extension permitting these
     * dNSName subtrees (none: no extension) */
    const char *const *permitted;
    size_t n_permitted;
    time_t now;         /* the reference time of the window (virtual or real) */
    int64_t not_before; /* seconds relative to now (negative: in the past) */
    int64_t not_after;  /* seconds relative to now */
};

/* Issue a certificate for `key` (the subject's key; only its public half is
 * used). With `issuer` and `issuer_key` NULL it is self-signed by `key`;
 * otherwise `issuer` must be a CA certificate whose private key is
 * `issuer_key`. Returns a new certificate the caller frees with X509_free,
 * or NULL with `err` saying which certificate and which step failed. */
X509 *cert_issue(const struct cert_issue_params *p, EVP_PKEY *key, X509 *issuer,
                 EVP_PKEY *issuer_key, struct dl_error *err);

/* The dNSNames of the certificate's subjectAltName, in order, as a new
 * NULL-terminated array; the caller frees each string and the array with
 * free(). *n (may be NULL) gets the count. Never NULL. */
char **cert_issue_san_names(X509 *x, size_t *n);

#endif
