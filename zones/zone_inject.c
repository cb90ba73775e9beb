/* zone_inject: the fault transformations (see zone_inject.h). */
#include "zone_inject.h"

#include "dl_util.h"

#include <stdlib.h>
#include <string.h>

#define RRSIG_ALGORITHM 1
#define RRSIG_LABELS    2
#define RRSIG_ORIG_TTL  3
#define RRSIG_KEYTAG    6
#define RRSIG_SIGNATURE 8
#define DNSKEY_FLAGS    0
#define DNSKEY_ALGO     2
#define DNSKEY_PUBKEY   3
#define DS_ALGORITHM    1
#define DS_DIGEST_TYPE  2
#define DS_DIGEST       3
#define NSEC_NEXT       0
#define NSEC_BITMAP     1
#define SIG_VALIDITY    (30u * 86400u) /* of re-made signatures */

bool zone_inject_broken(const struct zone_fault *f, size_t n)
{
    return zone_inject_has(f, n, ZONE_FAULT_TLSA_SERVFAIL);
}

bool zone_inject_has(const struct zone_fault *f, size_t n, enum zone_fault_id id)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].id == id)
            return true;
    return false;
}

char *zone_inject_describe(const struct zone_fault *f)
{
    char *owner = ldns_rdf2str(f->owner);
    char *type = f->type ? ldns_rr_type2str(f->type) : dl_xstrdup("zone");
    char *d = dl_xasprintf("%s@%s/%s", zone_fault_get(f->id)->name, owner, type);
    free(owner);
    free(type);
    return d;
}

/* ---- before signing -------------------------------------------------- */

static bool leaves_target_out(enum zone_fault_id id)
{
    return id == ZONE_FAULT_DENIAL_MISSING || id == ZONE_FAULT_DENIAL_WRONG ||
           id == ZONE_FAULT_NODATA_NSEC || id == ZONE_FAULT_NXDOMAIN_NSEC3 ||
           id == ZONE_FAULT_NSEC3_EXCESS_ITERATIONS || id == ZONE_FAULT_NSEC_TYPE_BITMAP_LIES;
}

static void drop_rrset(ldns_rr_list *rrs, const ldns_rdf *owner, uint16_t type)
{
    size_t w = 0, n = ldns_rr_list_rr_count(rrs);
    for (size_t r = 0; r < n; r++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, r);
        if (ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0) {
            ldns_rr_free(rr);
            continue;
        }
        ldns_rr_list_set_rr(rrs, rr, w++);
    }
    ldns_rr_list_set_rr_count(rrs, w);
}

static void add_placeholder(ldns_rr_list *rrs, const struct zone_fault *f, uint32_t ttl)
{
    char *name = ldns_rdf2str(f->owner);
    char *text = dl_xasprintf("%s %u IN TXT \"danelab %s: the RRset asked for was "
                              "withdrawn, this name keeps existing\"",
                              name, ttl, zone_fault_get(f->id)->name);
    ldns_rr *rr = NULL;
    if (ldns_rr_new_frm_str(&rr, text, ttl, NULL, NULL) != LDNS_STATUS_OK ||
        !ldns_rr_list_push_rr(rrs, rr))
        abort(); /* our own text about a name that is already in the zone */
    free(name);
    free(text);
}

void zone_inject_records(const struct zone_fault *f, size_t n, ldns_rr_list *rrs, uint32_t ttl)
{
    for (size_t i = 0; i < n; i++) {
        if (!leaves_target_out(f[i].id) || f[i].type == 0)
            continue;
        drop_rrset(rrs, f[i].owner, f[i].type);
        if (f[i].id == ZONE_FAULT_NODATA_NSEC || f[i].id == ZONE_FAULT_NSEC_TYPE_BITMAP_LIES)
            add_placeholder(rrs, &f[i], ttl);
    }
    /* ldns wants canonical order without duplicates (zone_tree's rule). */
    ldns_rr_list_sort(rrs);
}

void zone_inject_signing(const struct zone_fault *f, size_t n, time_t now,
                         struct zone_inject_signing *s)
{
    for (size_t i = 0; i < n; i++) {
        switch (f[i].id) {
        case ZONE_FAULT_DS_WITHOUT_DNSKEY:
        case ZONE_FAULT_MX_HOST_INSECURE:
        case ZONE_FAULT_MX_CNAME_INSECURE:
            s->sign = false;
            break;
        case ZONE_FAULT_NXDOMAIN_NSEC3:
            s->nsec3 = true;
            break;
        case ZONE_FAULT_NSEC3_EXCESS_ITERATIONS:
            s->nsec3 = true;
            s->iterations = ZONE_FAULT_EXCESS_ITERATIONS;
            break;
        case ZONE_FAULT_ZONE_EXPIRED:
            s->expiration = (uint32_t)now - ZONE_FAULT_SHIFT;
            s->inception = s->expiration - SIG_VALIDITY;
            break;
        default:
            break;
        }
    }
}

/* ---- DS in the parent ------------------------------------------------ */

static void rr_replace_rdf(ldns_rr *rr, size_t i, ldns_rdf *v)
{
    ldns_rdf_deep_free(ldns_rr_set_rdf(rr, v, i));
}

static void flip_last_byte(ldns_rr *rr, size_t i, uint8_t mask)
{
    ldns_rdf *rdf = ldns_rr_rdf(rr, i);
    ldns_rdf_data(rdf)[ldns_rdf_size(rdf) - 1] ^= mask;
}

static ldns_rr *ds_of(ldns_rr *dnskey, int digest, uint32_t ttl)
{
    ldns_rr *ds = ldns_key_rr2ds(dnskey, (ldns_hash)digest);
    if (ds == NULL)
        abort();
    ldns_rr_set_ttl(ds, ttl);
    return ds;
}

/* The KSK's DNSKEY as the child publishes it (after its own faults). */
static ldns_rr *child_ksk(const struct zone_fault *child_f, size_t child_n, const zone_keyset *ks,
                          uint32_t ttl)
{
    ldns_rr *k = zone_keyset_dnskey(ks, true, ttl);
    if (zone_inject_has(child_f, child_n, ZONE_FAULT_UNSUPPORTED_ALGORITHM))
        rr_replace_rdf(k, DNSKEY_ALGO,
                       ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, ZONE_FAULT_PRIVATE_ALGORITHM));
    return k;
}

ldns_rr *zone_inject_stale_ds(const zone_keyset *ks, int digest, uint32_t ttl)
{
    ldns_rr *ksk = zone_keyset_dnskey(ks, true, ttl), *ds;
    flip_last_byte(ksk, DNSKEY_PUBKEY, 0x01);
    ds = ds_of(ksk, digest, ttl);
    ldns_rr_free(ksk);
    return ds;
}

ldns_rr_list *zone_inject_ds(const struct zone_fault *parent_f, size_t parent_n,
                             const struct zone_fault *child_f, size_t child_n,
                             const zone_keyset *ks, int digest, uint32_t ttl)
{
    ldns_rr_list *out = ldns_rr_list_new();
    ldns_rr *ksk = child_ksk(child_f, child_n, ks, ttl), *ds;
    if (zone_inject_has(parent_f, parent_n, ZONE_FAULT_INSECURE_DELEGATION) ||
        zone_inject_has(child_f, child_n, ZONE_FAULT_MX_HOST_INSECURE) ||
        zone_inject_has(child_f, child_n, ZONE_FAULT_MX_CNAME_INSECURE)) {
        ldns_rr_free(ksk);
        return out;
    }
    /* A key the child does not publish: its KSK with one bit flipped. */
    if (zone_inject_has(parent_f, parent_n, ZONE_FAULT_DS_NO_MATCHING_KEY))
        flip_last_byte(ksk, DNSKEY_PUBKEY, 0x01);
    ds = ds_of(ksk, digest, ttl);
    ldns_rr_free(ksk);
    if (zone_inject_has(parent_f, parent_n, ZONE_FAULT_DS_DIGEST_MISMATCH))
        flip_last_byte(ds, DS_DIGEST, 0xff);
    /* Key tag and digest of the real key, another (implemented) algorithm. */
    if (zone_inject_has(parent_f, parent_n, ZONE_FAULT_DS_ALGORITHM_MISMATCH))
        rr_replace_rdf(ds, DS_ALGORITHM,
                       ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG,
                                            zone_keyset_algorithm(ks) == ZONE_FAULT_DS_ALGORITHM
                                                ? ZONE_FAULT_DS_ALGORITHM_ALT
                                                : ZONE_FAULT_DS_ALGORITHM));
    if (zone_inject_has(parent_f, parent_n, ZONE_FAULT_DS_UNKNOWN_DIGEST))
        rr_replace_rdf(ds, DS_DIGEST_TYPE,
                       ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, ZONE_FAULT_UNKNOWN_DIGEST));
    if (!ldns_rr_list_push_rr(out, ds))
        abort();
    return out;
}

/* ---- after signing --------------------------------------------------- */

struct inject {
    ldns_dnssec_zone *dz;
    zone_keyset *ks;
    time_t now;
    const char *origin;
    struct dl_error *err;
};

static int fail(const struct inject *x, const struct zone_fault *f, const char *what)
{
    char *d = zone_inject_describe(f);
    dl_error_set(x->err, "zone %s: fault %s: %s", x->origin, d, what);
    free(d);
    return -1;
}

static ldns_dnssec_rrsets *target(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = ldns_dnssec_zone_find_rrset(x->dz, f->owner, f->type);
    if (set == NULL)
        fail(x, f, "no such RRset in the zone");
    else if (set->signatures == NULL)
        fail(x, f, "the RRset is not signed (delegation or unsigned zone)");
    return set != NULL && set->signatures != NULL ? set : NULL;
}

/* New signatures over `rrs` by the KSK (DNSKEY RRset) or the ZSK. */
static ldns_dnssec_rrs *sign_rrs(const struct inject *x, ldns_dnssec_rrs *rrs, bool ksk,
                                 uint32_t inception, uint32_t expiration)
{
    ldns_rr_list *l = ldns_rr_list_new(), *sigs;
    ldns_key_list *keys = ldns_key_list_new();
    ldns_key *k = zone_keyset_key(x->ks, ksk);
    ldns_dnssec_rrs *out = NULL;
    for (; rrs != NULL; rrs = rrs->next)
        ldns_rr_list_push_rr(l, rrs->rr);
    ldns_key_set_inception(k, inception);
    ldns_key_set_expiration(k, expiration);
    ldns_key_set_use(k, true); /* ldns's zone signing may have cleared it */
    ldns_key_list_push_key(keys, k);
    sigs = ldns_sign_public(l, keys);
    ldns_key_list_set_key_count(keys, 0); /* the key stays in the keyset */
    ldns_key_list_free(keys);
    ldns_rr_list_free(l);
    for (size_t i = 0; sigs != NULL && i < ldns_rr_list_rr_count(sigs); i++) {
        if (out == NULL) {
            out = ldns_dnssec_rrs_new();
            out->rr = ldns_rr_list_rr(sigs, i);
        } else
            ldns_dnssec_rrs_add_rr(out, ldns_rr_list_rr(sigs, i));
    }
    ldns_rr_list_free(sigs);
    return out;
}

/* rrs signed again at the given times, the new signatures replacing (and
 * freeing) those in *slot; failure is the error when ldns cannot sign. */
static int sign_again(const struct inject *x, const struct zone_fault *f, ldns_dnssec_rrs *rrs,
                      bool ksk, uint32_t inception, uint32_t expiration, ldns_dnssec_rrs **slot,
                      const char *failure)
{
    ldns_dnssec_rrs *sigs = sign_rrs(x, rrs, ksk, inception, expiration);
    if (sigs == NULL)
        return fail(x, f, failure);
    ldns_dnssec_rrs_deep_free(*slot);
    *slot = sigs;
    return 0;
}

/* Re-sign the target RRset at other times (rrsig-expired, -not-yet-valid). */
static int resign(const struct inject *x, const struct zone_fault *f, int64_t inception,
                  int64_t expiration)
{
    ldns_dnssec_rrsets *set = target(x, f);
    if (set == NULL)
        return -1;
    return sign_again(x, f, set->rrs, set->type == LDNS_RR_TYPE_DNSKEY, (uint32_t)inception,
                      (uint32_t)expiration, &set->signatures,
                      "ldns could not sign the RRset again");
}

static int corrupt(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = target(x, f);
    if (set == NULL)
        return -1;
    for (ldns_dnssec_rrs *s = set->signatures; s != NULL; s = s->next) {
        ldns_rdf *sig = ldns_rr_rdf(s->rr, RRSIG_SIGNATURE);
        uint8_t *d = ldns_rdf_data(sig);
        size_t len = ldns_rdf_size(sig);
        d[0] ^= 0xff;
        d[len / 2] ^= 0xff;
        d[len - 1] ^= 0xff;
    }
    return 0;
}

static int strip_sigs(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = target(x, f);
    if (set == NULL)
        return -1;
    ldns_dnssec_rrs_deep_free(set->signatures);
    set->signatures = NULL;
    return 0;
}

static int unknown_key(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = target(x, f);
    uint16_t ksk = zone_keyset_ksk_tag(x->ks), zsk = zone_keyset_zsk_tag(x->ks), tag;
    if (set == NULL)
        return -1;
    tag = (uint16_t)(zsk + 1);
    while (tag == ksk || tag == zsk)
        tag++;
    for (ldns_dnssec_rrs *s = set->signatures; s != NULL; s = s->next)
        rr_replace_rdf(s->rr, RRSIG_KEYTAG, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, tag));
    return 0;
}

/* rrsig-labels-wrong: each RRSIG's Labels field one above the owner's
 * label count, and the signature computed again over the RRSIG with that
 * field (RFC 4034 section 3.1.8.1), by the key that made it. */
static int wrong_labels(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = target(x, f);
    uint16_t ksk = zone_keyset_ksk_tag(x->ks);
    if (set == NULL)
        return -1;
    for (ldns_dnssec_rrs *s = set->signatures; s != NULL; s = s->next) {
        ldns_rr *sig = s->rr;
        uint32_t orig_ttl = ldns_rdf2native_int32(ldns_rr_rdf(sig, RRSIG_ORIG_TTL));
        uint8_t labels = ldns_dname_label_count(ldns_rr_owner(sig));
        bool by_ksk = ldns_rdf2native_int16(ldns_rr_rdf(sig, RRSIG_KEYTAG)) == ksk;
        ldns_rr_list *canon = ldns_rr_list_new();
        ldns_buffer *buf = ldns_buffer_new(LDNS_MAX_PACKETLEN);
        ldns_rdf *bytes = NULL;
        for (ldns_dnssec_rrs *r = set->rrs; r != NULL; r = r->next) {
            ldns_rr *c = ldns_rr_clone(r->rr);
            ldns_rr_set_ttl(c, orig_ttl);
            ldns_rr2canonical(c);
            ldns_rr_list_push_rr(canon, c);
        }
        ldns_rr_list_sort(canon);
        rr_replace_rdf(sig, RRSIG_LABELS,
                       ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, (uint8_t)(labels + 1)));
        if (ldns_rrsig2buffer_wire(buf, sig) == LDNS_STATUS_OK &&
            ldns_rr_list2buffer_wire(buf, canon) == LDNS_STATUS_OK)
            bytes = ldns_sign_public_buffer(buf, zone_keyset_key(x->ks, by_ksk));
        ldns_buffer_free(buf);
        ldns_rr_list_deep_free(canon);
        if (bytes == NULL)
            return fail(x, f, "ldns could not sign the RRset again");
        rr_replace_rdf(sig, RRSIG_SIGNATURE, bytes);
    }
    return 0;
}

/* rrsig-original-ttl-exceeded: the RRset and its RRSIGs served with a TTL
 * above the Original TTL the signatures carry (and cover). */
static int raise_ttl(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = target(x, f);
    if (set == NULL)
        return -1;
    for (ldns_dnssec_rrs *r = set->rrs; r != NULL; r = r->next)
        ldns_rr_set_ttl(r->rr, ZONE_FAULT_RAISED_TTL);
    for (ldns_dnssec_rrs *s = set->signatures; s != NULL; s = s->next)
        ldns_rr_set_ttl(s->rr, ZONE_FAULT_RAISED_TTL);
    return 0;
}

/* Every name of the zone in canonical order. */
#define FOR_NAMES(dz, node, name)                                                                  \
    for (ldns_rbnode_t *node = ldns_rbtree_first((dz)->names); node != LDNS_RBTREE_NULL;           \
         node = ldns_rbtree_next(node))                                                            \
        for (ldns_dnssec_name *name = (ldns_dnssec_name *)node->data; name != NULL; name = NULL)

/* denial-missing and wildcard-proof-missing: no NSEC or NSEC3 record
 * left in the zone (an NSEC3 zone keeps its NSEC3PARAM, as a half-removed
 * chain would). */
static int strip_denial(const struct inject *x)
{
    FOR_NAMES(x->dz, node, name)
    {
        ldns_rr_free(name->nsec);
        name->nsec = NULL;
        ldns_dnssec_rrs_deep_free(name->nsec_signatures);
        name->nsec_signatures = NULL;
    }
    return 0;
}

/* The NSEC of `name` signed again by the ZSK, at its signature's times. */
static int resign_nsec(const struct inject *x, const struct zone_fault *f, ldns_dnssec_name *name)
{
    ldns_dnssec_rrs one = {.rr = name->nsec, .next = NULL};
    ldns_rr *sig = name->nsec_signatures ? name->nsec_signatures->rr : NULL;
    if (sig == NULL)
        return fail(x, f, "the NSEC is not signed");
    return sign_again(x, f, &one, false, ldns_rdf2native_int32(ldns_rr_rrsig_inception(sig)),
                      ldns_rdf2native_int32(ldns_rr_rrsig_expiration(sig)), &name->nsec_signatures,
                      "ldns could not sign the NSEC again");
}

/* The faults that edit an NSEC record need an NSEC zone, not NSEC3. */
static int check_nsec_zone(const struct inject *x, const struct zone_fault *f)
{
    FOR_NAMES(x->dz, node, name)
    {
        if (name->nsec != NULL && ldns_rr_get_type(name->nsec) != LDNS_RR_TYPE_NSEC)
            return fail(x, f, "needs an NSEC zone (denial: nsec)");
    }
    return 0;
}

/* denial-wrong: the NSEC covering the target name ends just after its
 * owner ("\000.<owner>"), and is signed again with the ZSK. */
static int shorten_nsec(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_name *cover = NULL;
    ldns_rdf *next;
    if (check_nsec_zone(x, f) != 0)
        return -1;
    FOR_NAMES(x->dz, node, name)
    {
        if (name->nsec != NULL && ldns_dname_compare(name->name, f->owner) < 0)
            cover = name;
    }
    if (cover == NULL)
        return fail(x, f, "no NSEC covers the name");
    next = ldns_dname_new_frm_str("\\000.");
    if (ldns_dname_cat(next, cover->name) != LDNS_STATUS_OK)
        return fail(x, f, "the shortened NSEC's next name is too long");
    rr_replace_rdf(cover->nsec, NSEC_NEXT, next);
    return resign_nsec(x, f, cover);
}

/* The types of an NSEC bitmap, plus `add`, in a new bitmap. */
static ldns_rdf *bitmap_with(const ldns_rdf *bitmap, uint16_t add)
{
    ldns_rr_type *types = dl_xmalloc(65536 * sizeof(*types));
    size_t n = 0;
    ldns_rdf *out;
    for (uint32_t t = 0; t < 65536; t++)
        if (t == add || ldns_nsec_bitmap_covers_type(bitmap, (ldns_rr_type)t))
            types[n++] = (ldns_rr_type)t;
    out = ldns_dnssec_create_nsec_bitmap(types, n, LDNS_RR_TYPE_NSEC);
    free(types);
    return out;
}

/* nsec-type-bitmap-lies: the NSEC at the target's owner (which keeps a
 * TXT record) lists the target's type, and is signed again by the ZSK. */
static int lying_bitmap(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_name *at = NULL;
    ldns_rdf *bitmap;
    if (check_nsec_zone(x, f) != 0)
        return -1;
    FOR_NAMES(x->dz, node, name)
    {
        if (ldns_dname_compare(name->name, f->owner) == 0)
            at = name;
    }
    if (at == NULL || at->nsec == NULL)
        return fail(x, f, "no NSEC at the name");
    bitmap = bitmap_with(ldns_rr_rdf(at->nsec, NSEC_BITMAP), f->type);
    if (bitmap == NULL)
        return fail(x, f, "ldns could not make the NSEC type bitmap");
    rr_replace_rdf(at->nsec, NSEC_BITMAP, bitmap);
    return resign_nsec(x, f, at);
}

/* dnskey-revoked: the KSK's DNSKEY with flags 385 (RFC 5011), and the
 * KSK's signatures over the DNSKEY RRset re-made by the revoked key
 * (its key tag follows the flags), at their own times. */
static int revoke_ksk(const struct inject *x, const struct zone_fault *f)
{
    ldns_dnssec_rrsets *set = target(x, f);
    ldns_key *k = zone_keyset_key(x->ks, true);
    uint16_t old_tag = ldns_key_keytag(k), old_flags = ldns_key_flags(k), new_tag = 0;
    ldns_dnssec_rrs *sigs, **p;
    ldns_rr *sig = NULL;
    if (set == NULL)
        return -1;
    for (ldns_dnssec_rrs *r = set->rrs; r != NULL; r = r->next)
        if (ldns_calc_keytag(r->rr) == old_tag &&
            ldns_rdf2native_int16(ldns_rr_rdf(r->rr, DNSKEY_FLAGS)) == old_flags) {
            rr_replace_rdf(r->rr, DNSKEY_FLAGS,
                           ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, ZONE_FAULT_REVOKED_FLAGS));
            new_tag = ldns_calc_keytag(r->rr);
        }
    for (ldns_dnssec_rrs *s = set->signatures; s != NULL && sig == NULL; s = s->next)
        if (ldns_rdf2native_int16(ldns_rr_rdf(s->rr, RRSIG_KEYTAG)) == old_tag)
            sig = s->rr;
    if (new_tag == 0 || sig == NULL)
        return fail(x, f, "the KSK or its signature over the DNSKEY RRset is not in the zone");
    ldns_key_set_flags(k, ZONE_FAULT_REVOKED_FLAGS);
    ldns_key_set_keytag(k, new_tag);
    sigs = sign_rrs(x, set->rrs, true, ldns_rdf2native_int32(ldns_rr_rrsig_inception(sig)),
                    ldns_rdf2native_int32(ldns_rr_rrsig_expiration(sig)));
    ldns_key_set_flags(k, old_flags);
    ldns_key_set_keytag(k, old_tag);
    if (sigs == NULL)
        return fail(x, f, "ldns could not sign the DNSKEY RRset again");
    /* The KSK's old signatures out, the revoked key's in. */
    for (p = &set->signatures; *p != NULL;) {
        ldns_dnssec_rrs *s = *p;
        if (ldns_rdf2native_int16(ldns_rr_rdf(s->rr, RRSIG_KEYTAG)) == old_tag) {
            *p = s->next;
            s->next = NULL;
            ldns_dnssec_rrs_deep_free(s);
        } else
            p = &s->next;
    }
    *p = sigs;
    return 0;
}

/* unsupported-algorithm: the zone's DNSKEYs and RRSIGs carry algorithm
 * 253; RRSIG key tags follow the rewritten keys' tags. */
static uint16_t private_tag(const struct inject *x, bool ksk)
{
    ldns_rr *k = zone_keyset_dnskey(x->ks, ksk, 0);
    uint16_t tag;
    rr_replace_rdf(k, DNSKEY_ALGO,
                   ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, ZONE_FAULT_PRIVATE_ALGORITHM));
    tag = ldns_calc_keytag(k);
    ldns_rr_free(k);
    return tag;
}

static void private_sigs(ldns_dnssec_rrs *s, uint16_t ksk, uint16_t new_ksk, uint16_t new_zsk)
{
    for (; s != NULL; s = s->next) {
        uint16_t tag = ldns_rdf2native_int16(ldns_rr_rdf(s->rr, RRSIG_KEYTAG));
        rr_replace_rdf(s->rr, RRSIG_ALGORITHM,
                       ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, ZONE_FAULT_PRIVATE_ALGORITHM));
        rr_replace_rdf(s->rr, RRSIG_KEYTAG,
                       ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, tag == ksk ? new_ksk : new_zsk));
    }
}

static int private_algorithm(const struct inject *x)
{
    uint16_t ksk = zone_keyset_ksk_tag(x->ks);
    uint16_t new_ksk = private_tag(x, true), new_zsk = private_tag(x, false);
    FOR_NAMES(x->dz, node, name)
    {
        for (ldns_dnssec_rrsets *set = name->rrsets; set != NULL; set = set->next) {
            for (ldns_dnssec_rrs *r = set->rrs; set->type == LDNS_RR_TYPE_DNSKEY && r; r = r->next)
                rr_replace_rdf(
                    r->rr, DNSKEY_ALGO,
                    ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, ZONE_FAULT_PRIVATE_ALGORITHM));
            private_sigs(set->signatures, ksk, new_ksk, new_zsk);
        }
        private_sigs(name->nsec_signatures, ksk, new_ksk, new_zsk);
    }
    return 0;
}

static int apply_one(const struct inject *x, const struct zone_fault *f)
{
    int64_t now = (int64_t)x->now;
    switch (f->id) {
    case ZONE_FAULT_RRSIG_EXPIRED:
    case ZONE_FAULT_DNSKEY_RRSIG_EXPIRED:
        return resign(x, f, now - ZONE_FAULT_SHIFT - SIG_VALIDITY, now - ZONE_FAULT_SHIFT);
    case ZONE_FAULT_RRSIG_NOT_YET_VALID:
        return resign(x, f, now + ZONE_FAULT_SHIFT, now + ZONE_FAULT_SHIFT + SIG_VALIDITY);
    case ZONE_FAULT_RRSIG_BAD_SIGNATURE:
        return corrupt(x, f);
    case ZONE_FAULT_RRSIG_MISSING:
        return strip_sigs(x, f);
    case ZONE_FAULT_RRSIG_UNKNOWN_KEY:
        return unknown_key(x, f);
    case ZONE_FAULT_RRSIG_LABELS_WRONG:
        return wrong_labels(x, f);
    case ZONE_FAULT_RRSIG_ORIGINAL_TTL_EXCEEDED:
        return raise_ttl(x, f);
    case ZONE_FAULT_DENIAL_MISSING:
    case ZONE_FAULT_WILDCARD_PROOF_MISSING: /* the same strip, the target kept */
        return strip_denial(x);
    case ZONE_FAULT_DENIAL_WRONG:
        return shorten_nsec(x, f);
    case ZONE_FAULT_NSEC_TYPE_BITMAP_LIES:
        return lying_bitmap(x, f);
    case ZONE_FAULT_DNSKEY_REVOKED:
        return revoke_ksk(x, f);
    case ZONE_FAULT_UNSUPPORTED_ALGORITHM:
        return private_algorithm(x);
    default:
        return 0; /* applied before signing, to the DS, or by the plan */
    }
}

int zone_inject_signed(const struct zone_fault *f, size_t n, ldns_dnssec_zone *dz, zone_keyset *ks,
                       time_t now, const char *origin, struct dl_error *err)
{
    struct inject x = {dz, ks, now, origin, err};
    /* The algorithm rewrite last: the others sign with the real keys. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if ((f[i].id == ZONE_FAULT_UNSUPPORTED_ALGORITHM) == (pass == 1) &&
                apply_one(&x, &f[i]) != 0)
                return -1;
    return 0;
}
