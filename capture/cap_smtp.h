/*
 * cap_smtp: what one SMTP server shows a probing client (danelab
 * capture), over dane_smtp and dane_tls: the banner, the EHLO keywords,
 * the answer to STARTTLS, the TLS version and cipher, and every
 * certificate presented (PEM, subject, issuer, DNS names, dates, key
 * type, CA constraints), once with SNI (the host name, as RFC 7672 8.1
 * has a DANE client send the TLSA base domain) and once without, to see
 * whether SNI changes the certificate. No message is sent: QUIT after the
 * handshake. Every step is bounded by the timeout.
 */
#ifndef CAP_SMTP_H
#define CAP_SMTP_H

#include <jansson.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define CAP_SMTP_MAX_CERTS 16 /* certificates kept per handshake */

/* Probe addr:port as `host`. Returns a new object (the caller owns it):
 * {address, banner, ehlo, starttls, tls, error}; a step that failed ends
 * the probe with its message in error. */
json_t *cap_smtp_probe(SSL_CTX *ctx, const char *host, const char *addr, unsigned port,
                       int timeout_ms);

/* One certificate as evidence: {pem, subject, issuer, names, not_before,
 * not_after, key, ca, pathlen, permitted, self_signed}. */
json_t *cap_smtp_cert(X509 *x);

#endif
