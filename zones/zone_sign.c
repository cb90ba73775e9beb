/* zone_sign: sign one zone with ldns and print it. */
#include "zone_sign.h"

#include <time.h>

#define NSEC3_HASH_SHA1 1

/* Whether rr's owner is at or below the owner of one of `cuts`. */
static bool under_cut(const ldns_rr *rr, const ldns_rr_list *cuts)
{
    for (size_t i = 0; cuts != NULL && i < ldns_rr_list_rr_count(cuts); i++) {
        const ldns_rdf *cut = ldns_rr_owner(ldns_rr_list_rr(cuts, i));
        if (ldns_dname_compare(ldns_rr_owner(rr), cut) == 0 ||
            ldns_dname_is_subdomain(ldns_rr_owner(rr), cut))
            return true;
    }
    return false;
}

static bool has_ds_at(const ldns_rr_list *rrs, const ldns_rdf *owner)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS &&
            ldns_dname_compare(ldns_rr_owner(rr), owner) == 0)
            return true;
    }
    return false;
}

/* The NS records of the unsigned delegations of the zone whose apex is
 * `apex` (an NS below the apex with no DS beside it). A new list that
 * borrows the records (free it with ldns_rr_list_free). */
static ldns_rr_list *unsigned_cuts(const ldns_rr_list *rrs, const ldns_rdf *apex)
{
    ldns_rr_list *cuts = ldns_rr_list_new();
    if (cuts == NULL)
        abort();
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS &&
            ldns_dname_compare(ldns_rr_owner(rr), apex) != 0 &&
            !has_ds_at(rrs, ldns_rr_owner(rr)) && !ldns_rr_list_push_rr(cuts, rr))
            abort();
    }
    return cuts;
}

/* Add to dz the records of rrs that are (held true) or are not (false)
 * at or below one of `cuts`. SOA first: ldns keys the zone's apex (and
 * NSEC3 hashing) on it. */
static int zone_fill(ldns_dnssec_zone *dz, const ldns_rr_list *rrs, const ldns_rr_list *cuts,
                     bool held, const char *origin, struct dl_error *err)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
            ldns_rr *rr = ldns_rr_list_rr(rrs, i);
            bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
            ldns_rr *copy;
            ldns_status st;
            if (soa != (pass == 0) || under_cut(rr, cuts) != held)
                continue;
            copy = ldns_rr_clone(rr);
            st = ldns_dnssec_zone_add_rr(dz, copy);
            if (st != LDNS_STATUS_OK) {
                ldns_rr_free(copy);
                return dl_error_set(err, "zone %s: cannot add a record: %s", origin,
                                    ldns_get_errorstr_by_id(st));
            }
        }
    }
    if (dz->soa == NULL)
        return dl_error_set(err, "zone %s: no SOA record", origin);
    return 0;
}

/* RFC 5155 6: with opt-out, an unsigned delegation has no NSEC3 of its
 * own; an NSEC3 with the Opt-Out flag covers its hash. ldns makes an
 * NSEC3 for every name, so the delegations' NS and glue are held back
 * while it signs (they are never signed) and added after. */
static ldns_rr_list *held_cuts(const ldns_rr_list *rrs, const struct zone_sign_params *p)
{
    ldns_rdf *apex = NULL;
    ldns_rr_list *cuts;
    if (p->keys == NULL || !p->nsec3 || !p->nsec3_optout)
        return NULL;
    for (size_t i = 0; apex == NULL && i < ldns_rr_list_rr_count(rrs); i++)
        if (ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) == LDNS_RR_TYPE_SOA)
            apex = ldns_rr_owner(ldns_rr_list_rr(rrs, i));
    if (apex == NULL)
        return NULL; /* zone_fill reports the missing SOA */
    cuts = unsigned_cuts(rrs, apex);
    return cuts;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static unsigned count_rrsigs(const ldns_rr_list *l)
{
    unsigned n = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
        if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_RRSIG)
            n++;
    return n;
}

/* The signing keys of both pairs: a new list that borrows the keys (free
 * it with keys_release: ldns_key_list_free frees the keys too). */
static ldns_key_list *signing_keys(const struct zone_sign_params *p)
{
    ldns_key_list *all = ldns_key_list_new();
    if (all == NULL)
        abort();
    for (int k = 0; k < 2; k++) {
        zone_keyset *ks = k == 0 ? p->keys : p->keys2;
        ldns_key_list *l;
        if (ks == NULL)
            continue;
        l = zone_keyset_signing(ks, p->inception, p->expiration);
        for (size_t i = 0; i < ldns_key_list_key_count(l); i++)
            if (!ldns_key_list_push_key(all, ldns_key_list_key(l, i)))
                abort();
    }
    return all;
}

static void keys_release(ldns_key_list *borrowed)
{
    ldns_key_list_set_key_count(borrowed, 0);
    ldns_key_list_free(borrowed);
}

static int zone_sign(ldns_dnssec_zone *dz, const struct zone_sign_params *p,
                     struct zone_sign_result *res, struct dl_error *err)
{
    ldns_key_list *keys = signing_keys(p);
    ldns_rr_list *new_rrs = ldns_rr_list_new();
    struct timespec t0;
    ldns_status st;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* flags 0: the DNSKEY RRset is signed by the SEP keys (KSKs) only and
     * the other RRsets by the non-SEP keys (ZSKs) only; with two pairs,
     * each RRset gets one signature per algorithm (RFC 4035 2.2). */
    if (p->nsec3)
        st = ldns_dnssec_zone_sign_nsec3_flg(
            dz, new_rrs, keys, ldns_dnssec_default_replace_signatures, NULL, NSEC3_HASH_SHA1,
            p->nsec3_optout ? LDNS_NSEC3_VARS_OPTOUT_MASK : 0, p->iterations, p->salt_len,
            (uint8_t *)p->salt, 0);
    else
        st = ldns_dnssec_zone_sign_flg(dz, new_rrs, keys, ldns_dnssec_default_replace_signatures,
                                       NULL, 0);
    res->seconds = seconds_since(&t0);
    res->signatures = count_rrsigs(new_rrs);
    keys_release(keys);
    ldns_rr_list_free(new_rrs); /* the records belong to the zone */
    if (st != LDNS_STATUS_OK)
        return dl_error_set(err, "zone %s: signing failed: %s", p->origin,
                            ldns_get_errorstr_by_id(st));
    return 0;
}

int zone_sign_print(const ldns_rr_list *rrs, const struct zone_sign_params *p, FILE *out,
                    struct zone_sign_result *res, struct dl_error *err)
{
    ldns_dnssec_zone *dz = ldns_dnssec_zone_new();
    ldns_rr_list *cuts;
    int rc;
    res->signatures = 0;
    res->seconds = 0;
    if (dz == NULL)
        return dl_error_set(err, "zone %s: out of memory", p->origin);
    cuts = held_cuts(rrs, p);
    rc = zone_fill(dz, rrs, cuts, false, p->origin, err);
    if (rc == 0 && p->keys != NULL)
        rc = zone_sign(dz, p, res, err);
    if (rc == 0 && cuts != NULL)
        rc = zone_fill(dz, rrs, cuts, true, p->origin, err);
    if (cuts != NULL)
        ldns_rr_list_free(cuts);
    /* Named faults (zone_inject.h) on the signed zone, before printing. */
    if (rc == 0 && p->keys != NULL && p->n_faults > 0)
        rc = zone_inject_signed(p->faults, p->n_faults, dz, p->keys, p->now, p->origin, err);
    if (rc == 0)
        ldns_dnssec_zone_print(out, dz);
    ldns_dnssec_zone_deep_free(dz);
    return rc;
}
