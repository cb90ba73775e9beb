/*
 * cert_tlsa: TLSA association data (RFC 6698 §2.1) computed from a
 * certificate.
 *
 * selector 0: the full certificate, DER; 1: its SubjectPublicKeyInfo, DER.
 * matching 0: the selected bytes themselves; 1: SHA-256; 2: SHA-512.
 * Hex is lower case. Other selectors or matching types are errors: a
 * literal TLSA record can carry them, a computed one cannot.
 */
#ifndef CERT_TLSA_H
#define CERT_TLSA_H

#include "dl_error.h"

#include <openssl/x509.h>

/* The association data of `x` as hex. Returns a new string the caller frees
 * with free(), or NULL with `err` set. */
char *cert_tlsa_data(X509 *x, int selector, int matching, struct dl_error *err);

/* The RDATA in presentation form, "USAGE SELECTOR MATCHING HEX", for a usage
 * 0..255 (usages 0-3 are defined; others are for testing unusable records).
 * Returns a new string the caller frees with free(), or NULL with `err`. */
char *cert_tlsa_rdata(X509 *x, int usage, int selector, int matching, struct dl_error *err);

#endif
