/*
 * dl_ede: the Extended DNS Error INFO-CODEs (RFC 8914) in words, as a
 * resolver's EDE reaches the lab's reports: "EDE 6 (DNSSEC Bogus)". The
 * names are those of RFC 8914 section 4 (0 to 24) and of the IANA
 * "Extended DNS Error Codes" registry after it (25 to 27).
 */
#ifndef DL_EDE_H
#define DL_EDE_H

#include <stddef.h>

/* The registry's name of INFO-CODE `code` ("DNSSEC Bogus"), or
 * "unassigned" for a code it does not name (negative ones too). */
const char *dl_ede_name(int code);

/* "EDE 6 (DNSSEC Bogus)" into buf (len bytes, always terminated), with
 * ": EXTRA-TEXT" after it when `text` is neither NULL nor "". Returns
 * buf; "" for a negative code (no EDE given). */
char *dl_ede_text(char *buf, size_t len, int code, const char *text);

#endif
