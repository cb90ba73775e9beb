/*
 * Unit tests for zones/zone_fault and zones/zone_inject: the RRSIG and DNSKEY
 * faults, each on every target it may hit, and how faulted zones are cached
 * and re-signed (fixture in testutil_zone_fault).
 */
#include "testutil_zone.h"
#include "testutil_zone_fault.h"
#include "dl_util.h"
#include "zone_fault.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdlib.h>

Suite *zone_fault_rrsig_suite(void);

/* ---- RRSIG faults, on each target -------------------------------------- */

/* Build with `fault` on target i: the records are those of the baseline,
 * the signatures of every other RRset untouched; returns the target's
 * RRSIGs. */
static ldns_rr_list *rrsig_fault(const char *fault, int i, struct built *b)
{
    struct fault_case f = {fault, tu_targets[i].owner, tu_targets[i].type, false, NULL};
    struct built base = tu_build(&tu_baseline);
    *b = tu_build(&f);
    tu_assert_diff(base.child, b->child, 0, 0, NULL, NULL);
    tu_assert_diff(base.parent, b->parent, 0, 0, NULL, NULL);
    tu_assert_others_nominal(b->child, tu_targets[i].owner, tu_targets[i].type);
    tu_built_free(&base);
    return tu_sigs_of(b->child, tu_targets[i].owner, tu_targets[i].type);
}

START_TEST(rrsig_expired)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-expired", _i, &b);
    ldns_rr *s = tu_the_one(sigs, "RRSIG");
    uint32_t exp = tu_sig_time(s, true);
    /* Expired before the signing time by more than any skew allowance. */
    ck_assert_uint_eq(exp, (uint32_t)NOW - ZONE_FAULT_SHIFT);
    ck_assert_uint_lt(exp + 86400u, (uint32_t)NOW);
    ck_assert_uint_lt(tu_sig_time(s, false), exp);
    ck_assert_int_eq(tu_verify_at(b.child, s, NOW), LDNS_STATUS_CRYPTO_SIG_EXPIRED);
    ck_assert_int_eq(tu_verify_at(b.child, s, (time_t)exp - 60), LDNS_STATUS_OK); /* real key */
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

START_TEST(rrsig_not_yet_valid)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-not-yet-valid", _i, &b);
    ldns_rr *s = tu_the_one(sigs, "RRSIG");
    uint32_t inc = tu_sig_time(s, false);
    ck_assert_uint_eq(inc, (uint32_t)NOW + ZONE_FAULT_SHIFT);
    ck_assert_uint_gt(inc, (uint32_t)NOW + 86400u);
    ck_assert_int_eq(tu_verify_at(b.child, s, NOW), LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED);
    ck_assert_int_eq(tu_verify_at(b.child, s, (time_t)inc + 60), LDNS_STATUS_OK);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

START_TEST(rrsig_bad_signature)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-bad-signature", _i, &b);
    ldns_rr *s = tu_the_one(sigs, "RRSIG");
    ck_assert_uint_eq(tu_sig_time(s, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_int_ne(tu_verify_at(b.child, s, NOW), LDNS_STATUS_OK);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

START_TEST(rrsig_missing)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-missing", _i, &b);
    ck_assert_uint_eq(ldns_rr_list_rr_count(sigs), 0);
    ck_assert_uint_gt(tu_count_rrs(b.child, tu_targets[_i].owner, tu_targets[_i].type), 0);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

START_TEST(rrsig_unknown_key)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-unknown-key", _i, &b);
    ldns_rr_list *keys = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(tu_the_one(sigs, "RRSIG")));
    for (size_t k = 0; k < ldns_rr_list_rr_count(keys); k++)
        ck_assert_uint_ne(tag, ldns_calc_keytag(ldns_rr_list_rr(keys, k)));
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

/* The key tag of the key that signs target i: the KSK for DNSKEY. */
static uint16_t signer_tag(const ldns_rr_list *all, int i)
{
    ldns_rr_list *keys = tu_select_rrs(all, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    uint16_t want = tu_targets[i].type == LDNS_RR_TYPE_DNSKEY ? 257 : 256, tag = 0;
    for (size_t k = 0; k < ldns_rr_list_rr_count(keys); k++)
        if (ldns_rdf2native_int16(ldns_rr_dnskey_flags(ldns_rr_list_rr(keys, k))) == want)
            tag = ldns_calc_keytag(ldns_rr_list_rr(keys, k));
    ldns_rr_list_deep_free(keys);
    ck_assert_uint_ne(tag, 0);
    return tag;
}

START_TEST(rrsig_labels_wrong)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-labels-wrong", _i, &b);
    ldns_rr *s = tu_the_one(sigs, "RRSIG");
    ldns_rdf *owner = ldns_dname_new_frm_str(tu_targets[_i].owner);
    /* One label more than the owner has (the root label not counted) ... */
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rrsig_labels(s)),
                     ldns_dname_label_count(owner) + 1);
    /* ... and everything else as a good signature: times, key, bytes over
     * the RRSIG as it stands (ldns does not check the label count). */
    ck_assert_uint_eq(tu_sig_time(s, false), (uint32_t)(NOW - BACKDATE));
    ck_assert_uint_eq(tu_sig_time(s, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(s)), signer_tag(b.child, _i));
    ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rrsig_origttl(s)), 300);
    ck_assert_int_eq(tu_verify_at(b.child, s, NOW), LDNS_STATUS_OK);
    ldns_rdf_deep_free(owner);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

/* Served TTL of the target RRset and its RRSIG raised; every other record
 * keeps the zone's TTL; the signature (over the Original TTL) verifies. */
START_TEST(rrsig_original_ttl_exceeded)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-original-ttl-exceeded", _i, &b);
    ldns_rr *s = tu_the_one(sigs, "RRSIG");
    ldns_rdf *owner = ldns_dname_new_frm_str(tu_targets[_i].owner);
    size_t raised = 0;
    ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rrsig_origttl(s)), 300);
    ck_assert_uint_eq(tu_sig_time(s, false), (uint32_t)(NOW - BACKDATE));
    ck_assert_uint_eq(tu_sig_time(s, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_int_eq(tu_verify_at(b.child, s, NOW), LDNS_STATUS_OK);
    for (size_t k = 0; k < ldns_rr_list_rr_count(b.child); k++) {
        ldns_rr *rr = ldns_rr_list_rr(b.child, k);
        ldns_rr_type t = ldns_rr_get_type(rr);
        bool hit = ldns_dname_compare(ldns_rr_owner(rr), owner) == 0 &&
                   (t == tu_targets[_i].type ||
                    (t == LDNS_RR_TYPE_RRSIG &&
                     ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == tu_targets[_i].type));
        ck_assert_uint_eq(ldns_rr_ttl(rr), hit ? ZONE_FAULT_RAISED_TTL : 300u);
        raised += hit;
    }
    ck_assert_uint_eq(raised, tu_count_rrs(b.child, tu_targets[_i].owner, tu_targets[_i].type) + 1);
    ldns_rdf_deep_free(owner);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

START_TEST(dnskey_rrsig_expired)
{
    struct fault_case f = {"dnskey-rrsig-expired", DOMAIN, LDNS_RR_TYPE_DNSKEY, false, NULL};
    struct built b = tu_build(&f);
    ldns_rr_list *sigs = tu_sigs_of(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ck_assert_uint_lt(tu_sig_time(tu_the_one(sigs, "RRSIG"), true), (uint32_t)NOW - 86400u);
    tu_assert_others_nominal(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&b);
}
END_TEST

/* dnskey-revoked: the KSK's DNSKEY is the same key with flags 385 and
 * self-signs the DNSKEY RRset under its new tag; the parent's DS is still
 * the pre-revocation key's, so it matches no DNSKEY; nothing else moved. */
START_TEST(dnskey_revoked)
{
    struct fault_case f = {"dnskey-revoked", DOMAIN, LDNS_RR_TYPE_DNSKEY, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr_list *removed, *added, *keys = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *sigs = tu_sigs_of(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *ds = tu_select_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS);
    ldns_rr *old, *revoked, *sig = tu_the_one(sigs, "RRSIG DNSKEY");
    uint16_t tag;
    tu_assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    tu_assert_diff(base.child, b.child, 1, 1, &removed, &added);
    old = tu_the_one(removed, "removed DNSKEY");
    revoked = tu_the_one(added, "added DNSKEY");
    tag = ldns_calc_keytag(revoked);
    ck_assert_int_eq(ldns_rr_get_type(revoked), LDNS_RR_TYPE_DNSKEY);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_dnskey_flags(old)), 257);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_dnskey_flags(revoked)),
                      ZONE_FAULT_REVOKED_FLAGS);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_dnskey_key(old), ldns_rr_dnskey_key(revoked)), 0);
    ck_assert_int_eq(
        ldns_rdf_compare(ldns_rr_dnskey_algorithm(old), ldns_rr_dnskey_algorithm(revoked)), 0);
    ck_assert_uint_ne(tag, ldns_calc_keytag(old));
    ck_assert_uint_eq(ldns_rr_list_rr_count(keys), 2); /* ZSK and the revoked KSK only */
    /* The DS names the key as it was, not as it is published. */
    ck_assert(ldns_rr_compare_ds(tu_the_one(ds, "DS"), old));
    ck_assert(!ldns_rr_compare_ds(tu_the_one(ds, "DS"), revoked));
    ck_assert_uint_ne(ldns_rdf2native_int16(ldns_rr_rdf(tu_the_one(ds, "DS"), 0)), tag);
    /* Self-signed by the revoked key, at the zone's times, and valid. */
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)), tag);
    ck_assert_uint_eq(tu_sig_time(sig, false), (uint32_t)(NOW - BACKDATE));
    ck_assert_uint_eq(tu_sig_time(sig, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_int_eq(tu_verify_at(b.child, sig, NOW), LDNS_STATUS_OK);
    tu_assert_others_nominal(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list_deep_free(removed);
    ldns_rr_list_deep_free(added);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(ds);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(zone_expired)
{
    struct fault_case f = {"zone-expired", DOMAIN, 0, false, NULL};
    struct built base = tu_build(&tu_baseline), b = tu_build(&f);
    ldns_rr_list *sigs = tu_select_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG);
    ck_assert_uint_gt(ldns_rr_list_rr_count(sigs), 5);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        ck_assert_uint_eq(tu_sig_time(s, true), (uint32_t)NOW - ZONE_FAULT_SHIFT);
        ck_assert_int_eq(tu_verify_at(b.child, s, NOW), LDNS_STATUS_CRYPTO_SIG_EXPIRED);
    }
    tu_assert_diff(base.child, b.child, 0, 0, NULL, NULL);
    tu_assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&base);
    tu_built_free(&b);
}
END_TEST

START_TEST(unsupported_algorithm)
{
    struct fault_case f = {"unsupported-algorithm", DOMAIN, 0, false, NULL};
    struct built b = tu_build(&f);
    ldns_rr_list *keys = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *sigs = tu_select_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG);
    ldns_rr_list *ds = tu_select_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS);
    ldns_rr *ksk = tu_ksk_of(b.child), *want = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_uint_eq(ldns_rr_list_rr_count(keys), 2);
    for (size_t i = 0; i < 2; i++)
        ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ldns_rr_list_rr(keys, i), 2)),
                         ZONE_FAULT_PRIVATE_ALGORITHM);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(s));
        ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(s)),
                         ZONE_FAULT_PRIVATE_ALGORITHM);
        ck_assert(tag == ldns_calc_keytag(ldns_rr_list_rr(keys, 0)) ||
                  tag == ldns_calc_keytag(ldns_rr_list_rr(keys, 1)));
    }
    /* The DS matches the KSK as published: algorithm 253, same digest. */
    ck_assert_int_eq(ldns_rr_compare_ds(tu_the_one(ds, "DS"), ksk), true);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(tu_the_one(ds, "DS"), 3), ldns_rr_rdf(want, 3)),
                     0);
    ldns_rr_free(ksk);
    ldns_rr_free(want);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(ds);
    tu_built_free(&b);
}
END_TEST

/* A second build with the same fault re-uses the files; another fault
 * rebuilds (faults are part of the fingerprint). */
START_TEST(faults_are_in_the_fingerprint)
{
    struct fault_case f = {"rrsig-missing", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built a = tu_build(&tu_baseline), b = tu_build(&f), c = tu_build(&f);
    ldns_rr_list *s1 = tu_sigs_of(a.child, TLSA, LDNS_RR_TYPE_TLSA);
    ldns_rr_list *s2 = tu_sigs_of(b.child, TLSA, LDNS_RR_TYPE_TLSA);
    ck_assert_uint_eq(ldns_rr_list_rr_count(s1), 1);
    ck_assert_uint_eq(ldns_rr_list_rr_count(s2), 0);
    ck_assert_int_eq(ldns_rr_list_compare(b.child, c.child), 0); /* cached, same file */
    ldns_rr_list_deep_free(s1);
    ldns_rr_list_deep_free(s2);
    tu_built_free(&a);
    tu_built_free(&b);
    tu_built_free(&c);
}
END_TEST

/* A not-yet-valid signature stays in the future however long the lab is
 * re-used: the zone is re-signed at each new signing time. */
START_TEST(not_yet_valid_follows_the_clock)
{
    struct fault_case f = {"rrsig-not-yet-valid", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built a = tu_build(&f), b;
    ldns_rr_list *sigs;
    tu_fault_set_now(NOW + 8 * 86400); /* within the files' freshness window */
    b = tu_build(&f);
    sigs = tu_sigs_of(b.child, TLSA, LDNS_RR_TYPE_TLSA);
    ck_assert_uint_eq(tu_sig_time(tu_the_one(sigs, "RRSIG"), false),
                      (uint32_t)tu_fault_now() + ZONE_FAULT_SHIFT);
    ldns_rr_list_deep_free(sigs);
    tu_built_free(&a);
    tu_built_free(&b);
}
END_TEST

Suite *zone_fault_rrsig_suite(void)
{
    Suite *s = suite_create("zone_fault_rrsig");
    TCase *sig = tu_fault_tcase(s, "rrsig");
    tcase_add_loop_test(sig, rrsig_expired, 0, TU_N_TARGETS);
    tcase_add_loop_test(sig, rrsig_not_yet_valid, 0, TU_N_TARGETS);
    tcase_add_loop_test(sig, rrsig_bad_signature, 0, TU_N_TARGETS);
    tcase_add_loop_test(sig, rrsig_missing, 0, TU_N_TARGETS);
    tcase_add_loop_test(sig, rrsig_unknown_key, 0, TU_N_TARGETS);
    tcase_add_loop_test(sig, rrsig_labels_wrong, 0, TU_N_TARGETS);
    tcase_add_loop_test(sig, rrsig_original_ttl_exceeded, 0, TU_N_TARGETS);
    tcase_add_test(sig, dnskey_rrsig_expired);
    tcase_add_test(sig, dnskey_revoked);
    tcase_add_test(sig, zone_expired);
    tcase_add_test(sig, unsupported_algorithm);
    tcase_add_test(sig, faults_are_in_the_fingerprint);
    tcase_add_test(sig, not_yet_valid_follows_the_clock);
    return s;
}
