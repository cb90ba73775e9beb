/*
 * dane_tlsa: TLSA records (RFC 6698) as an SMTP client judges them
 * (RFC 7672 section 3.1): which records are usable, and why the others
 * are not. Usable: DANE-TA(2) and DANE-EE(3) with a known selector (0, 1)
 * and matching type (0, 1, 2) and data of the right length.
 */
#ifndef DANE_TLSA_H
#define DANE_TLSA_H

#include <stddef.h>
#include <stdint.h>

struct dane_tlsa {
    uint8_t usage, selector, mtype;
    unsigned char *data; /* owned */
    size_t len;
    const char *unusable; /* NULL when usable, else why (static text) */
};

/* Parse one RDATA (wire form) into rec, classifying it. Returns 0, or -1
 * for RDATA too short to hold the three fields (rec is then unusable). */
int dane_tlsa_from_wire(const unsigned char *rdata, size_t len, struct dane_tlsa *rec);

/* Parse "U S M HEX" text (as in zone files; spaces inside HEX allowed).
 * Returns 0, or -1 when the text is not a TLSA RDATA. */
int dane_tlsa_from_text(const char *text, struct dane_tlsa *rec);

/* Classify (sets rec->unusable). */
void dane_tlsa_classify(struct dane_tlsa *rec);

/* "3 1 1 ab12..." into buf; the data is cut with "..." past max_hex. */
void dane_tlsa_format(const struct dane_tlsa *rec, char *buf, size_t len, size_t max_hex);

void dane_tlsa_clear(struct dane_tlsa *rec);

#endif
