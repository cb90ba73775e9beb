/*
 * zone_key: the KSK (flags 257, SEP) and ZSK (flags 256) of one zone.
 *
 * Keys are made with ldns and cached as ldns private key files in
 * KEYS_DIR/<origin without trailing dot, "root" for ".">/{ksk,zsk}-ALG.private
 * (ALG the algorithm number, so a zone in an algorithm rollover keeps one
 * pair per algorithm; files 0600, directory 0700). A cached pair is re-used
 * when both files exist and hold keys of the requested algorithm; otherwise a new pair is
 * created and the files replaced. A file that exists but cannot be read
 * is an error (a key is never silently thrown away for a parse error).
 */
#ifndef ZONE_KEY_H
#define ZONE_KEY_H

#include "dl_error.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct zone_keyset zone_keyset;

/* Whether the lab can make keys of `algorithm` and sign with them:
 * 8 RSASHA256 (2048 bits), 13 ECDSAP256SHA256, 14 ECDSAP384SHA384,
 * 15 ED25519, 16 ED448. */
bool zone_key_algorithm_supported(int algorithm);

/* Load or create the keys of `origin` (absolute, lower case) with
 * `algorithm` (zone_key_algorithm_supported).
 * Returns the keyset (caller frees with zone_keyset_free) or NULL with
 * `err` set. *created is set to the number of keys made (0 or 2). */
zone_keyset *zone_keyset_load(const char *keys_dir, const char *origin, int algorithm,
                              unsigned *created, struct dl_error *err);
void zone_keyset_free(zone_keyset *ks);

int zone_keyset_algorithm(const zone_keyset *ks);
uint16_t zone_keyset_ksk_tag(const zone_keyset *ks);
uint16_t zone_keyset_zsk_tag(const zone_keyset *ks);

/* The KSK and ZSK DNSKEY records with `ttl`, KSK first. New list, the
 * caller frees it with ldns_rr_list_deep_free. */
ldns_rr_list *zone_keyset_dnskeys(const zone_keyset *ks, uint32_t ttl);

/* The KSK's (ksk true) or ZSK's DNSKEY record with `ttl`; the caller
 * frees it. */
ldns_rr *zone_keyset_dnskey(const zone_keyset *ks, bool ksk, uint32_t ttl);

/* The KSK or the ZSK itself. Borrowed: valid until zone_keyset_free(). */
ldns_key *zone_keyset_key(zone_keyset *ks, bool ksk);

/* The DS of the KSK with digest type `digest` (LDNS_SHA1, LDNS_SHA256,
 * LDNS_SHA384) and `ttl`; the caller frees it. */
ldns_rr *zone_keyset_ds(const zone_keyset *ks, int digest, uint32_t ttl);

/* The signing key list with RRSIG inception and expiration set on both
 * keys. Borrowed: valid until zone_keyset_free(). */
ldns_key_list *zone_keyset_signing(zone_keyset *ks, uint32_t inception, uint32_t expiration);

#endif
