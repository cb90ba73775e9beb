/*
 * dane_tlsa: TLSA records (RFC 6698) as an SMTP client judges them
 * (RFC 7672 section 3.1): which records are usable, and why the others
 * are not. The judgement is OpenSSL's (SSL_dane_tlsa_add), made before any
 * connection, so the host's policy (RFC 7672 2.2: all records unusable ->
 * TLS without authentication) never depends on a handshake: usable are
 * DANE-TA(2) and DANE-EE(3) with a known selector (0 Cert, 1 SPKI) and
 * matching type (0 Full, 1 SHA2-256, 2 SHA2-512, RFC 6698 2.1, RFC 7218),
 * digests of the digest's length, and Full(0) data that is one whole DER
 * certificate with a public key OpenSSL knows (selector 0) or one whole DER
 * SubjectPublicKeyInfo (selector 1).
 *
 * Usages PKIX-TA(0) and PKIX-EE(1): RFC 7672 3.1.3 leaves their treatment
 * by an SMTP client undefined and lets a client treat them as unusable
 * (a MAY). This client does (OpenSSL would accept them): an SMTP client
 * has no agreed set of public CAs to check them with, and Postfix and Exim
 * do the same.
 */
#ifndef DANE_TLSA_H
#define DANE_TLSA_H

#include <stddef.h>
#include <stdint.h>

/* A TLSA RRset cannot have more records than a DNS message holds: 65535
 * bytes / 15 (the smallest TLSA RR: a 2-byte compressed owner, type,
 * class, TTL and RDLENGTH in 10, three bytes of RDATA). */
#define DANE_TLSA_MAX_RRSET (65535 / 15)

struct dane_tlsa {
    uint8_t usage, selector, mtype;
    unsigned char *data; /* owned */
    size_t len;
    const char *unusable; /* NULL when usable, else why (static text) */
};

/* Parse one RDATA (wire form) into rec, classifying it. Returns 0, or -1
 * for RDATA too short to hold the three fields (rec is then unusable) or
 * when the classification failed (see dane_tlsa_classify). */
int dane_tlsa_from_wire(const unsigned char *rdata, size_t len, struct dane_tlsa *rec);

/* Parse "U S M HEX" text (as in zone files; spaces inside HEX allowed).
 * Returns 0, or -1 when the text is not a TLSA RDATA (rec is then empty)
 * or the classification failed (rec is then kept). */
int dane_tlsa_from_text(const char *text, struct dane_tlsa *rec);

/* Classify, as SSL_dane_tlsa_add() would, except for usages 0 and 1 (see
 * above). Returns > 0 usable (rec->unusable NULL), 0 unusable
 * (rec->unusable says why), < 0 when OpenSSL failed for lack of memory
 * while parsing Full(0) data: the record could not be judged and is left
 * usable, so SSL_dane_tlsa_add() judges it at the handshake (a failure
 * there fails the host; it never lowers the host's policy). */
int dane_tlsa_classify(struct dane_tlsa *rec);

/* "3 1 1 ab12..." into buf; the data is cut with "..." past max_hex. */
void dane_tlsa_format(const struct dane_tlsa *rec, char *buf, size_t len, size_t max_hex);

void dane_tlsa_clear(struct dane_tlsa *rec);

#endif
