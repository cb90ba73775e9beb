/*
 * lab_smtp: the scenarios' mail servers. Issues each scenario's
 * certificates with certs/ (cached in RUN/certs/<scenario>/; a host that
 * names no certificate gets a self-signed one for its own name), computes
 * the TLSA records scenarios give as `{usage, selector, matching, of}`,
 * and writes RUN/etc/fakesmtp.json: one fakesmtp listener per address of
 * each MX host (lab_addr), port 25, with the host's STARTTLS behaviour, the chain
 * it presents (`chain:`; other than served, written as
 * RUN/certs/<scenario>/<cert>.chain-<kind>.pem), certificates by SNI, TLS
 * fault (wrong-key signs with the key of an implicit certificate
 * wrong-key.<host>), replaced replies, a maildir under RUN/mail/ and the
 * session log RUN/log/fakesmtp.jsonl.
 */
#ifndef LAB_SMTP_H
#define LAB_SMTP_H

#include "dl_error.h"
#include "scen.h"

#include <time.h>

typedef struct lab_smtp lab_smtp;

struct lab_smtp_stats {
    unsigned created, cached; /* certificates */
};

lab_smtp *lab_smtp_build(const scen_catalog *cat, const char *run_dir, time_t now,
                         struct lab_smtp_stats *st, struct dl_error *err);
void lab_smtp_free(lab_smtp *m);

/* "U S M HEX" for a computed TLSA record of catalogue scenario i; the
 * caller frees it. NULL with err ("FILE:LINE: ...") on failure. */
char *lab_smtp_tlsa(const lab_smtp *m, size_t i, const struct scen_tlsa *t, struct dl_error *err);

/* The fakesmtp listener of address k of host j of catalogue scenario i
 * (one listener per address: an address may give its server a STARTTLS
 * behaviour or certificate of its own, which wins) configured as
 * `h` (the scenario's own host, or as a timeline step changes it:
 * scen_hosts_at), as compact JSON text, the object RUN/etc/fakesmtp.json
 * lists; the caller frees it. NULL with err on failure. */
char *lab_smtp_listener(const lab_smtp *m, const scen_catalog *cat, size_t i, size_t j, size_t k,
                        const struct scen_host *h, struct dl_error *err);

/* Write RUN/etc/fakesmtp.json for the catalogue; without `ipv6` (the
 * host's loopback, --no-netns) the listeners of IPv6 addresses are left
 * out: their scenarios are skipped there (lab_session). */
int lab_smtp_write_conf(const lab_smtp *m, const scen_catalog *cat, bool ipv6,
                        struct dl_error *err);

#endif
