/* zone_key: a zone's KSK and ZSK, made with ldns and cached on disk. */
#include "zone_key.h"

#include "dl_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_KEY_FLAGS_ZSK 256
#define ZONE_KEY_FLAGS_KSK 257

struct zone_keyset {
    ldns_key_list *list; /* owns both keys: [0] KSK, [1] ZSK */
    ldns_key *ksk, *zsk;
    int algorithm;
};

static const char *const key_file_roles[2] = {"ksk", "zsk"};

/* The key size ldns is asked for; 0 for an algorithm the lab cannot sign
 * with. ECDSA and EdDSA sizes are fixed by the curve (ldns ignores them). */
static int algorithm_bits(int algorithm)
{
    switch (algorithm) {
    case LDNS_SIGN_RSASHA256:
        return 2048;
    case LDNS_SIGN_ECDSAP256SHA256:
    case LDNS_SIGN_ED25519:
        return 256;
    case LDNS_SIGN_ECDSAP384SHA384:
        return 384;
    case LDNS_SIGN_ED448:
        return 456;
    default:
        return 0;
    }
}

bool zone_key_algorithm_supported(int algorithm)
{
    return algorithm_bits(algorithm) != 0;
}

/* Flags, owner and key tag: what the private key file does not hold. */
static int key_finish(ldns_key *k, const char *origin, uint16_t flags, struct dl_error *err)
{
    ldns_rdf *owner = NULL;
    ldns_rr *dnskey;
    if (ldns_str2rdf_dname(&owner, origin) != LDNS_STATUS_OK)
        return dl_error_set(err, "zone %s: bad origin for its keys", origin);
    ldns_key_set_pubkey_owner(k, owner);
    ldns_key_set_flags(k, flags);
    ldns_key_set_use(k, true);
    dnskey = ldns_key2rr(k);
    if (dnskey == NULL)
        return dl_error_set(err, "zone %s: cannot make the DNSKEY of a key", origin);
    ldns_key_set_keytag(k, ldns_calc_keytag(dnskey));
    ldns_rr_free(dnskey);
    return 0;
}

/* Parse one private key file; *k is NULL when the file does not exist. */
static int key_read(const char *path, ldns_key **k, struct dl_error *err)
{
    FILE *fp;
    ldns_status st;
    *k = NULL;
    fp = fopen(path, "r");
    if (fp == NULL && errno == ENOENT)
        return 0;
    if (fp == NULL)
        return dl_error_set(err, "%s: %s", path, strerror(errno));
    st = ldns_key_new_frm_fp(k, fp);
    fclose(fp);
    if (st != LDNS_STATUS_OK) {
        *k = NULL;
        return dl_error_set(err, "%s: not an ldns private key: %s", path,
                            ldns_get_errorstr_by_id(st));
    }
    return 0;
}

static int key_write(const char *path, const ldns_key *k, struct dl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL)
        return dl_error_set(err, "%s: open_memstream: %s", path, strerror(errno));
    ldns_key_print(mem, k);
    if (fclose(mem) != 0 || len == 0) {
        free(text);
        return dl_error_set(err, "%s: cannot print the private key", path);
    }
    rc = dl_write_file(path, text, len, 0600, err);
    free(text);
    return rc;
}

static zone_keyset *keyset_wrap(ldns_key *ksk, ldns_key *zsk, int algorithm)
{
    zone_keyset *ks = dl_xcalloc(1, sizeof(*ks));
    ks->list = ldns_key_list_new();
    if (ks->list == NULL)
        abort();
    ks->ksk = ksk;
    ks->zsk = zsk;
    ks->algorithm = algorithm;
    ldns_key_list_push_key(ks->list, ksk);
    ldns_key_list_push_key(ks->list, zsk);
    return ks;
}

static void keys_free(ldns_key **keys)
{
    for (int i = 0; i < 2; i++) {
        if (keys[i] != NULL)
            ldns_key_deep_free(keys[i]);
        keys[i] = NULL;
    }
}

/* Both cached keys, or none (missing or of another algorithm). */
static int keys_load_cached(char *const paths[2], int algorithm, ldns_key **keys,
                            struct dl_error *err)
{
    for (int i = 0; i < 2; i++) {
        if (key_read(paths[i], &keys[i], err) < 0) {
            keys_free(keys);
            return -1;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (keys[i] == NULL || (int)ldns_key_algorithm(keys[i]) != algorithm) {
            dl_debug("%s: no cached key of algorithm %d", paths[i], algorithm);
            keys_free(keys);
            return 0;
        }
    }
    return 0;
}

static int keys_create(char *const paths[2], const char *origin, int algorithm, ldns_key **keys,
                       struct dl_error *err)
{
    for (int i = 0; i < 2; i++) {
        keys[i] = ldns_key_new_frm_algorithm(algorithm, algorithm_bits(algorithm));
        if (keys[i] == NULL) {
            keys_free(keys);
            return dl_error_set(err, "zone %s: cannot create a key of algorithm %d", origin,
                                algorithm);
        }
        if (key_write(paths[i], keys[i], err) < 0) {
            keys_free(keys);
            return dl_error_prefix(err, "zone %s", origin);
        }
    }
    return 0;
}

static char *keys_dir_of(const char *keys_dir, const char *origin)
{
    size_t n = strlen(origin);
    if (strcmp(origin, ".") == 0)
        return dl_xasprintf("%s/root", keys_dir);
    if (n > 0 && origin[n - 1] == '.')
        n--;
    return dl_xasprintf("%s/%.*s", keys_dir, (int)n, origin);
}

static int keys_get(const char *dir, const char *origin, int algorithm, ldns_key **keys,
                    unsigned *created, struct dl_error *err)
{
    char *paths[2];
    int rc = 0;
    if (dl_mkdir_p(dir, 0700, err) < 0)
        return dl_error_prefix(err, "zone %s: key directory", origin);
    for (int i = 0; i < 2; i++)
        paths[i] = dl_xasprintf("%s/%s-%d.private", dir, key_file_roles[i], algorithm);
    if (keys_load_cached(paths, algorithm, keys, err) < 0)
        rc = -1;
    else if (keys[0] == NULL && keys_create(paths, origin, algorithm, keys, err) == 0)
        *created = 2;
    else if (keys[0] == NULL)
        rc = -1;
    free(paths[0]);
    free(paths[1]);
    return rc;
}

zone_keyset *zone_keyset_load(const char *keys_dir, const char *origin, int algorithm,
                              unsigned *created, struct dl_error *err)
{
    ldns_key *keys[2] = {NULL, NULL};
    char *dir;
    int rc;
    *created = 0;
    if (algorithm_bits(algorithm) == 0) {
        dl_error_set(err, "zone %s: unsupported DNSSEC algorithm %d (use 8, 13, 14, 15 or 16)",
                     origin, algorithm);
        return NULL;
    }
    dir = keys_dir_of(keys_dir, origin);
    rc = keys_get(dir, origin, algorithm, keys, created, err);
    free(dir);
    if (rc < 0)
        return NULL;
    if (key_finish(keys[0], origin, ZONE_KEY_FLAGS_KSK, err) < 0 ||
        key_finish(keys[1], origin, ZONE_KEY_FLAGS_ZSK, err) < 0) {
        keys_free(keys);
        return NULL;
    }
    return keyset_wrap(keys[0], keys[1], algorithm);
}

void zone_keyset_free(zone_keyset *ks)
{
    if (ks == NULL)
        return;
    ldns_key_list_free(ks->list);
    free(ks);
}

int zone_keyset_algorithm(const zone_keyset *ks)
{
    return ks->algorithm;
}

uint16_t zone_keyset_ksk_tag(const zone_keyset *ks)
{
    return ldns_key_keytag(ks->ksk);
}

uint16_t zone_keyset_zsk_tag(const zone_keyset *ks)
{
    return ldns_key_keytag(ks->zsk);
}

static ldns_rr *dnskey_of(const ldns_key *k, uint32_t ttl)
{
    ldns_rr *rr = ldns_key2rr(k);
    if (rr == NULL)
        abort(); /* key_finish() made this very DNSKEY already */
    ldns_rr_set_ttl(rr, ttl);
    return rr;
}

ldns_rr_list *zone_keyset_dnskeys(const zone_keyset *ks, uint32_t ttl)
{
    ldns_rr_list *l = ldns_rr_list_new();
    if (l == NULL)
        abort();
    ldns_rr_list_push_rr(l, dnskey_of(ks->ksk, ttl));
    ldns_rr_list_push_rr(l, dnskey_of(ks->zsk, ttl));
    return l;
}

ldns_rr *zone_keyset_dnskey(const zone_keyset *ks, bool ksk, uint32_t ttl)
{
    return dnskey_of(ksk ? ks->ksk : ks->zsk, ttl);
}

ldns_key *zone_keyset_key(zone_keyset *ks, bool ksk)
{
    return ksk ? ks->ksk : ks->zsk;
}

ldns_rr *zone_keyset_ds(const zone_keyset *ks, int digest, uint32_t ttl)
{
    ldns_rr *dnskey = dnskey_of(ks->ksk, ttl);
    ldns_rr *ds = ldns_key_rr2ds(dnskey, (ldns_hash)digest);
    ldns_rr_free(dnskey);
    if (ds == NULL)
        abort();
    ldns_rr_set_ttl(ds, ttl);
    return ds;
}

ldns_key_list *zone_keyset_signing(zone_keyset *ks, uint32_t inception, uint32_t expiration)
{
    for (int i = 0; i < 2; i++) {
        ldns_key *k = ldns_key_list_key(ks->list, i);
        ldns_key_set_inception(k, inception);
        ldns_key_set_expiration(k, expiration);
        ldns_key_set_use(k, true);
    }
    return ks->list;
}
