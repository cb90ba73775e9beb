/*
 * imp_certs: the certificates a captured server presented, as scenario
 * certificates: the same names (mapped under test.), key type, validity
 * relative to the capture time and chain shape, issued by the lab; and
 * each captured TLSA record either tied to the certificate it matched
 * (`of:`, so that it matches the lab's certificate the same way) or kept
 * literal (it matched nothing the server presented, and matches nothing
 * in the lab either).
 */
#ifndef IMP_CERTS_H
#define IMP_CERTS_H

#include "dl_util.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#define IMP_CERTS_MAX 64

struct imp_certs {
    struct dl_buf yaml;  /* the certificates: mapping's entries */
    struct dl_buf notes; /* "#   - ..." lines: what is not reproduced */
    size_t n;
    time_t captured; /* dates are relative to it */
};

/* The scenario's name of a captured name: lower case, no final dot,
 * ".test" appended ("mx1.example.com." -> "mx1.example.com.test"). */
char *imp_map_name(const char *name);

/* Add the chain `certs` (evidence certificates, leaf first) presented by
 * host number `host`, `tag` telling chains of one host apart ("", "sni").
 * Fills chain (served, full, no-intermediate, or "" for a lone self-signed
 * certificate) and leaf (the name of the leaf entry). 0, or -1 when
 * nothing usable was presented. */
int imp_certs_add(struct imp_certs *c, const json_t *certs, size_t host, const char *tag,
                  char *leaf, size_t leaf_len, char *chain, size_t chain_len);

/* One TLSA record "U S M HEX" as a YAML flow item: tied to the presented
 * certificate it matches (named as imp_certs_add named it), else quoted
 * literally. The caller frees it. */
char *imp_certs_tlsa(const struct imp_certs *c, const json_t *certs, size_t host, const char *rr);

/* The same against the chain added with `tag`: the YAML item when the
 * record matches one of its certificates, else NULL. */
char *imp_certs_tlsa_match(const json_t *certs, size_t host, const char *tag, const char *rr);

void imp_certs_free(struct imp_certs *c);

#endif
