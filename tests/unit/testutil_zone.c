#include "testutil_zone.h"

#include <check.h>
#include <stdio.h>

ldns_rr_list *tu_select_rrs(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *out = ldns_rr_list_new();
    ldns_rdf *name = owner != NULL ? ldns_dname_new_frm_str(owner) : NULL;
    for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
        ldns_rr *rr = ldns_rr_list_rr(all, i);
        if (ldns_rr_get_type(rr) == type &&
            (owner == NULL || ldns_dname_compare(ldns_rr_owner(rr), name) == 0))
            ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
    }
    ldns_rdf_deep_free(name);
    return out;
}

size_t tu_count_rrs(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *l = tu_select_rrs(all, owner, type);
    size_t n = ldns_rr_list_rr_count(l);
    ldns_rr_list_deep_free(l);
    return n;
}

ldns_rr_list *tu_read_zone_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    ldns_zone *z = NULL;
    ldns_rr_list *all;
    int line = 0;
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ck_assert_msg(ldns_zone_new_frm_fp_l(&z, fp, NULL, 0, LDNS_RR_CLASS_IN, &line) ==
                      LDNS_STATUS_OK,
                  "%s:%d does not parse", path, line);
    fclose(fp);
    all = ldns_rr_list_clone(ldns_zone_rrs(z));
    ldns_rr_list_push_rr(all, ldns_rr_clone(ldns_zone_soa(z)));
    ldns_zone_deep_free(z);
    return all;
}

ldns_rr *tu_find_ksk(const ldns_rr_list *all, const char *origin)
{
    ldns_rr_list *keys = tu_select_rrs(all, origin, LDNS_RR_TYPE_DNSKEY);
    ldns_rr *ksk = NULL;
    for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++)
        if (ldns_rdf2native_int16(ldns_rr_dnskey_flags(ldns_rr_list_rr(keys, i))) == 257)
            ksk = ldns_rr_clone(ldns_rr_list_rr(keys, i));
    ldns_rr_list_deep_free(keys);
    ck_assert_msg(ksk != NULL, "no KSK at %s", origin);
    return ksk;
}
