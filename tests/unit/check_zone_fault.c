/*
 * Unit tests for zones/zone_fault and zones/zone_inject: the DS faults, bad
 * fault declarations and the catalogue table. The small world each fault is
 * built into, and how it is read back, are in testutil_zone_fault.
 */
#include "testutil_zone.h"
#include "testutil_zone_fault.h"
#include "dl_util.h"
#include "zone_fault.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdlib.h>

Suite *zone_fault_suite(void);

/* ---- DS faults --------------------------------------------------------- */

/* The DS of the child in the parent, after a fault; checks that nothing
 * else changed in either zone. Caller frees. */
static ldns_rr *faulty_ds(const char *fault, struct built *base, struct built *b)
{
    struct fault_case f = {fault, DOMAIN, LDNS_RR_TYPE_DS, false, NULL};
    ldns_rr_list *added;
    ldns_rr *ds;
    *base = tu_build(&tu_baseline);
    *b = tu_build(&f);
    tu_assert_diff(base->parent, b->parent, 1, 1, NULL, &added);
    tu_assert_diff(base->child, b->child, 0, 0, NULL, NULL);
    ds = ldns_rr_clone(tu_the_one(added, "changed DS"));
    ck_assert_int_eq(ldns_rr_get_type(ds), LDNS_RR_TYPE_DS);
    ldns_rr_list_deep_free(added);
    return ds;
}

START_TEST(ds_no_matching_key)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-no-matching-key", &base, &b);
    ldns_rr *ksk = tu_ksk_of(b.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_uint_ne(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_ne(ldns_rdf_compare(ldns_rr_rdf(ds, 3), ldns_rr_rdf(real, 3)), 0);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), LDNS_SHA256);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(ds_digest_mismatch)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-digest-mismatch", &base, &b);
    ldns_rr *ksk = tu_ksk_of(b.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)), 13);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), LDNS_SHA256);
    ck_assert_int_ne(ldns_rdf_compare(ldns_rr_rdf(ds, 3), ldns_rr_rdf(real, 3)), 0);
    ck_assert_uint_eq(ldns_rdf_size(ldns_rr_rdf(ds, 3)), 32);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

/* Right key tag and digest, another algorithm (one validators implement). */
START_TEST(ds_algorithm_mismatch)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-algorithm-mismatch", &base, &b);
    ldns_rr *ksk = tu_ksk_of(b.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(ksk)), 13);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)), ZONE_FAULT_DS_ALGORITHM);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), LDNS_SHA256);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(ds, 3), ldns_rr_rdf(real, 3)), 0);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 1);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(ds_unknown_digest)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-unknown-digest", &base, &b);
    ldns_rr *ksk = tu_ksk_of(b.child);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), ZONE_FAULT_UNKNOWN_DIGEST);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 1);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(insecure_delegation)
{
    struct fault_case f = {"insecure-delegation", DOMAIN, LDNS_RR_TYPE_DS, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    /* The DS went; the NSEC at the delegation no longer lists DS. */
    tu_assert_diff(base.parent, b.parent, 2, 1, NULL, NULL);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 0);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_NS), 1);
    tu_assert_diff(base.child, b.child, 0, 0, NULL, NULL);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(ds_without_dnskey)
{
    struct fault_case f = {"ds-without-dnskey", DOMAIN, 0, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr *ksk = tu_ksk_of(base.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ldns_rr_list *ds = tu_select_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(tu_the_one(ds, "DS"), 3), ldns_rr_rdf(real, 3)),
                     0);
    tu_assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_DNSKEY), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 1);
    ldns_rr_list_deep_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

/* ---- negative ---------------------------------------------------------- */

START_TEST(bad_fault_declarations)
{
    static const struct {
        struct fault_case f;
        const char *msg;
    } bad[] = {
        {{"rrsig-expird", TLSA, LDNS_RR_TYPE_TLSA, false, NULL},
         "t.yaml:9: unknown fault 'rrsig-expird'"},
        {{"rrsig-expired", "_443._tcp.mx1.a.test.", LDNS_RR_TYPE_TLSA, false, NULL},
         "zone a.test.: fault rrsig-expired@_443._tcp.mx1.a.test./TLSA: no such RRset in the "
         "zone"},
        {{"zone-expired", HOST, 0, false, NULL},
         "t.yaml:9: fault zone-expired@mx1.a.test./zone: not a zone apex"},
        {{"rrsig-missing", "a.example.", LDNS_RR_TYPE_A, false, NULL},
         "zone .: fault rrsig-missing@a.example./A: no such RRset in the zone"},
        {{"denial-wrong", TLSA, LDNS_RR_TYPE_TLSA, true, NULL},
         "zone a.test.: fault denial-wrong@_25._tcp.mx1.a.test./TLSA: needs an NSEC zone "
         "(denial: nsec)"},
        {{"nsec-type-bitmap-lies", TLSA, LDNS_RR_TYPE_TLSA, true, NULL},
         "zone a.test.: fault nsec-type-bitmap-lies@_25._tcp.mx1.a.test./TLSA: needs an NSEC "
         "zone (denial: nsec)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dl_error err;
        ck_assert_int_eq(tu_try_build(&bad[i].f, &err), -1);
        ck_assert_str_eq(err.msg, bad[i].msg);
    }
}
END_TEST

START_TEST(catalogue_table)
{
    size_t n;
    const struct zone_fault_info *all = zone_fault_all(&n);
    ck_assert_uint_eq(n, ZONE_FAULT_COUNT);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(all[i].id, (int)i);
        ck_assert_ptr_eq(zone_fault_lookup(all[i].name), &all[i]);
        ck_assert_ptr_eq(zone_fault_get(all[i].id), &all[i]);
        ck_assert(all[i].targets & ZONE_TARGET_BIT(all[i].default_target));
        ck_assert_ptr_nonnull(all[i].injected);
        ck_assert_ptr_nonnull(all[i].verdict);
    }
    ck_assert_ptr_null(zone_fault_lookup("nosuch"));
    ck_assert_str_eq(zone_fault_target_name(ZONE_TARGET_DNSKEY), "dnskey");
    ck_assert_int_eq(zone_fault_target_lookup("ds"), ZONE_TARGET_DS);
    ck_assert_int_eq(zone_fault_target_lookup("aaaa"), ZONE_TARGET_AAAA);
    ck_assert_int_eq(zone_fault_target_lookup("txt"), -1);
}
END_TEST

Suite *zone_fault_suite(void)
{
    Suite *s = suite_create("zone_fault");
    TCase *ds = tu_fault_tcase(s, "ds");
    TCase *neg = tu_fault_tcase(s, "negative");
    tcase_add_test(ds, ds_no_matching_key);
    tcase_add_test(ds, ds_digest_mismatch);
    tcase_add_test(ds, ds_algorithm_mismatch);
    tcase_add_test(ds, ds_unknown_digest);
    tcase_add_test(ds, insecure_delegation);
    tcase_add_test(ds, ds_without_dnskey);
    tcase_add_test(neg, bad_fault_declarations);
    tcase_add_test(neg, catalogue_table);
    return s;
}
