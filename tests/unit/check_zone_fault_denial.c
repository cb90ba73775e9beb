/*
 * Unit tests for zones/zone_fault and zones/zone_inject: the denial faults
 * (NSEC, NSEC3) and the faults that change a zone's shape (tlsa-servfail,
 * mx-host-insecure) (fixture in testutil_zone_fault).
 */
#include "testutil_zone.h"
#include "testutil_zone_fault.h"
#include "dl_util.h"
#include "zone_fault.h"
#include "zone_inject.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

Suite *zone_fault_denial_suite(void);

/* ---- denial faults ----------------------------------------------------- */

START_TEST(denial_missing)
{
    struct fault_case f = {"denial-missing", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr_list *removed;
    ck_assert_uint_gt(tu_count_rrs(base.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    /* Only the TLSA record and the NSEC chain went. */
    tu_assert_diff(base.child, b.child, 1 + tu_count_rrs(base.child, NULL, LDNS_RR_TYPE_NSEC), 0,
                   &removed, NULL);
    for (size_t i = 0; i < ldns_rr_list_rr_count(removed); i++) {
        ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(removed, i));
        ck_assert(t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_TLSA);
    }
    ldns_rr_list_deep_free(removed);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(wildcard_proof_missing)
{
    struct fault_case f = {"wildcard-proof-missing", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr_list *removed;
    ck_assert_uint_gt(tu_count_rrs(base.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    /* The TLSA RRset (the wildcard's, in a scenario) stays, signed. */
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 1);
    tu_assert_diff(base.child, b.child, tu_count_rrs(base.child, NULL, LDNS_RR_TYPE_NSEC), 0,
                   &removed, NULL);
    for (size_t i = 0; i < ldns_rr_list_rr_count(removed); i++)
        ck_assert_int_eq(ldns_rr_get_type(ldns_rr_list_rr(removed, i)), LDNS_RR_TYPE_NSEC);
    ldns_rr_list_deep_free(removed);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(denial_wrong)
{
    struct fault_case f = {"denial-wrong", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built b = tu_build(&f);
    ldns_rr_list *nsec = tu_select_rrs(b.child, HOST, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *sigs = tu_sigs_of(b.child, HOST, LDNS_RR_TYPE_NSEC);
    ldns_rr *n = tu_the_one(nsec, "NSEC at the host");
    ldns_rdf *owner = ldns_rr_owner(n), *next = ldns_rr_rdf(n, 0);
    ldns_rdf *name = ldns_dname_new_frm_str(TLSA);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    /* owner < next < the name: the NSEC does not cover it ... */
    ck_assert_int_lt(ldns_dname_compare(owner, next), 0);
    ck_assert_int_lt(ldns_dname_compare(next, name), 0);
    /* ... and is validly signed. */
    ck_assert_int_eq(tu_verify_at(b.child, tu_the_one(sigs, "RRSIG NSEC"), NOW), LDNS_STATUS_OK);
    ldns_rdf_deep_free(name);
    ldns_rr_list_deep_free(nsec);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

START_TEST(nodata_nsec)
{
    struct fault_case f = {"nodata-nsec", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr_list *nsec = tu_select_rrs(b.child, TLSA, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *sigs = tu_sigs_of(b.child, TLSA, LDNS_RR_TYPE_NSEC);
    ldns_rr *n = tu_the_one(nsec, "NSEC at the TLSA name");
    ldns_rdf *bitmap = ldns_rr_rdf(n, 1);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TXT), 1);
    ck_assert(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_TXT));
    ck_assert(!ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_TLSA));
    ck_assert_int_eq(tu_verify_at(b.child, tu_the_one(sigs, "RRSIG NSEC"), NOW), LDNS_STATUS_OK);
    tu_assert_diff(base.child, b.child, 2, 2, NULL, NULL); /* TLSA out, TXT in, NSEC bitmap */
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(nsec);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

/* nsec-type-bitmap-lies on target i (TLSA, MX, A): the RRset is gone, a
 * TXT keeps its name, and the NSEC there, same next name, lists the
 * RRset's type besides TXT; its signature is a good one. Nothing else
 * changed, every signature verifies. */
START_TEST(nsec_type_bitmap_lies)
{
    const char *owner = tu_targets[_i].owner;
    ldns_rr_type type = tu_targets[_i].type;
    struct fault_case f = {"nsec-type-bitmap-lies", owner, type, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr_list *removed, *added, *was = tu_select_rrs(base.child, owner, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *nsec = tu_select_rrs(b.child, owner, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *sigs = tu_sigs_of(b.child, owner, LDNS_RR_TYPE_NSEC);
    ldns_rr *n = tu_the_one(nsec, "NSEC at the name"), *old = tu_the_one(was, "NSEC before");
    ldns_rdf *bitmap = ldns_rr_rdf(n, 1);
    ck_assert_uint_eq(tu_count_rrs(b.child, owner, type), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, owner, LDNS_RR_TYPE_TXT), 1);
    ck_assert(!ldns_nsec_bitmap_covers_type(ldns_rr_rdf(old, 1), LDNS_RR_TYPE_TXT));
    ck_assert(ldns_nsec_bitmap_covers_type(bitmap, type)); /* the lie */
    ck_assert(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_TXT));
    ck_assert(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_RRSIG));
    ck_assert(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_NSEC));
    ck_assert_int_eq(ldns_dname_compare(ldns_rr_rdf(n, 0), ldns_rr_rdf(old, 0)), 0);
    for (uint32_t t = 1; t < 256; t++)
        ck_assert(ldns_nsec_bitmap_covers_type(bitmap, (ldns_rr_type)t) ==
                  (t == LDNS_RR_TYPE_TXT ||
                   ldns_nsec_bitmap_covers_type(ldns_rr_rdf(old, 1), (ldns_rr_type)t)));
    ck_assert_int_eq(tu_verify_at(b.child, tu_the_one(sigs, "RRSIG NSEC"), NOW), LDNS_STATUS_OK);
    /* The RRset and the old NSEC out; the TXT and the lying NSEC in. */
    tu_assert_diff(base.child, b.child, 2, 2, &removed, &added);
    for (size_t k = 0; k < 2; k++) {
        ldns_rr_type r = ldns_rr_get_type(ldns_rr_list_rr(removed, k));
        ldns_rr_type a = ldns_rr_get_type(ldns_rr_list_rr(added, k));
        ck_assert(r == type || r == LDNS_RR_TYPE_NSEC);
        ck_assert(a == LDNS_RR_TYPE_TXT || a == LDNS_RR_TYPE_NSEC);
    }
    tu_assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    tu_assert_others_nominal(b.child, owner, type);
    ldns_rr_list_deep_free(removed);
    ldns_rr_list_deep_free(added);
    ldns_rr_list_deep_free(was);
    ldns_rr_list_deep_free(nsec);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(nxdomain_nsec3)
{
    struct fault_case f = {"nxdomain-nsec3", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built b = tu_build(&f);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_gt(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC3), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, DOMAIN, LDNS_RR_TYPE_NSEC3PARAM), 1);
    tu_built_free(&b);
}
END_TEST

START_TEST(nsec3_excess_iterations)
{
    struct fault_case f = {"nsec3-excess-iterations", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built b = tu_build(&f);
    ldns_rr_list *p = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_NSEC3PARAM);
    ck_assert_int_eq(ldns_rdf2native_int16(ldns_rr_rdf(tu_the_one(p, "NSEC3PARAM"), 2)),
                     ZONE_FAULT_EXCESS_ITERATIONS);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    ldns_rr_list_deep_free(p);
    tu_built_free(&b);
}
END_TEST

/* ---- shapes ------------------------------------------------------------ */

/* tlsa-servfail: the _tcp zone is written signed, with its DS in the
 * parent, and then a line no zone parser accepts. */
START_TEST(tlsa_servfail_zone_does_not_load)
{
    struct fault_case f = {"tlsa-servfail", "_tcp.mx1.a.test.", 0, false, "_tcp.mx1.a.test."};
    struct dl_error err;
    char *path = dl_xasprintf("%s/zones/_tcp.mx1.a.test.zone", tu_fault_dir()), *text = NULL;
    ldns_rr_list *parent;
    ldns_rr *rr = NULL;
    ck_assert_msg(tu_try_build(&f, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(dl_read_file(path, 1 << 20, &text, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(text, ZONE_INJECT_BROKEN_LINE));
    ck_assert_ptr_nonnull(strstr(text, "TLSA\t3 1 1 " TLSA_HEX)); /* the data is there */
    /* The poison record itself does not parse (ldns leaks when a whole
     * zone fails, so only the record is tried). */
    ck_assert_int_ne(ldns_rr_new_frm_str(&rr, "_tcp.mx1.a.test. 300 IN TLSA broken", 0, NULL, NULL),
                     LDNS_STATUS_OK);
    parent = tu_read_zone("a.test.zone");
    ck_assert_uint_eq(tu_count_rrs(parent, "_tcp.mx1.a.test.", LDNS_RR_TYPE_DS), 1);
    ck_assert_uint_eq(tu_count_rrs(parent, "_tcp.mx1.a.test.", LDNS_RR_TYPE_NS), 1);
    ldns_rr_list_deep_free(parent);
    free(text);
    free(path);
}
END_TEST

/* mx-host-insecure: the zone holding the host is served unsigned and its
 * parent has no DS for it. */
START_TEST(mx_host_insecure_unsigns_the_host_zone)
{
    struct fault_case f = {"mx-host-insecure", HOST, LDNS_RR_TYPE_A, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_DNSKEY), 0);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, HOST, LDNS_RR_TYPE_A), 1);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 1);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

Suite *zone_fault_denial_suite(void)
{
    Suite *s = suite_create("zone_fault_denial");
    TCase *den = tu_fault_tcase(s, "denial");
    tcase_add_test(den, denial_missing);
    tcase_add_test(den, wildcard_proof_missing);
    tcase_add_test(den, denial_wrong);
    tcase_add_test(den, nodata_nsec);
    tcase_add_loop_test(den, nsec_type_bitmap_lies, 0, TU_N_TARGETS - 1); /* TLSA, MX, A */
    tcase_add_test(den, nxdomain_nsec3);
    tcase_add_test(den, nsec3_excess_iterations);
    tcase_add_test(den, tlsa_servfail_zone_does_not_load);
    tcase_add_test(den, mx_host_insecure_unsigns_the_host_zone);
    return s;
}
