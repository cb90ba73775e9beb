#include "testutil_zone.h"

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
