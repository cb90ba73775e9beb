/* zone_sign: sign one zone with ldns and print it. */
#include "zone_sign.h"

#include <time.h>

#define NSEC3_HASH_SHA1 1

/* SOA first: ldns keys the zone's apex (and NSEC3 hashing) on it. */
static int zone_fill(ldns_dnssec_zone *dz, const ldns_rr_list *rrs, const char *origin,
                     struct dl_error *err)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
            ldns_rr *rr = ldns_rr_list_rr(rrs, i);
            bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
            ldns_rr *copy;
            ldns_status st;
            if (soa != (pass == 0))
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

static int zone_sign(ldns_dnssec_zone *dz, const struct zone_sign_params *p,
                     struct zone_sign_result *res, struct dl_error *err)
{
    ldns_key_list *keys = zone_keyset_signing(p->keys, p->inception, p->expiration);
    ldns_rr_list *new_rrs = ldns_rr_list_new();
    struct timespec t0;
    ldns_status st;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* flags 0: the DNSKEY RRset is signed by the SEP key (KSK) only and
     * the other RRsets by the non-SEP key (ZSK) only. */
    if (p->nsec3)
        st = ldns_dnssec_zone_sign_nsec3_flg(
            dz, new_rrs, keys, ldns_dnssec_default_replace_signatures, NULL, NSEC3_HASH_SHA1, 0,
            p->iterations, p->salt_len, (uint8_t *)p->salt, 0);
    else
        st = ldns_dnssec_zone_sign_flg(dz, new_rrs, keys, ldns_dnssec_default_replace_signatures,
                                       NULL, 0);
    res->seconds = seconds_since(&t0);
    res->signatures = count_rrsigs(new_rrs);
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
    int rc;
    res->signatures = 0;
    res->seconds = 0;
    if (dz == NULL)
        return dl_error_set(err, "zone %s: out of memory", p->origin);
    rc = zone_fill(dz, rrs, p->origin, err);
    if (rc == 0 && p->keys != NULL)
        rc = zone_sign(dz, p, res, err);
    /* Named faults (zone_inject.h) on the signed zone, before printing. */
    if (rc == 0 && p->keys != NULL && p->n_faults > 0)
        rc = zone_inject_signed(p->faults, p->n_faults, dz, p->keys, p->now, p->origin, err);
    if (rc == 0)
        ldns_dnssec_zone_print(out, dz);
    ldns_dnssec_zone_deep_free(dz);
    return rc;
}
