/*
 * Unit tests for zones/zone_key: keys of every algorithm the lab signs
 * with (8, 13, 14, 15, 16), their files, the signatures they make (checked
 * by ldns, which verifies with OpenSSL) and their DS digests.
 */
#include "dl_util.h"
#include "zone_key.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

Suite *zone_key_suite(void);

#define ORIGIN "alg.test."

static const int algorithms[] = {LDNS_RSASHA256, LDNS_ECDSAP256SHA256, LDNS_ECDSAP384SHA384,
                                 LDNS_ED25519, LDNS_ED448};
#define N_ALGORITHMS (sizeof(algorithms) / sizeof(algorithms[0]))

static char *temp_dir(void)
{
    char *dir = dl_xstrdup("/tmp/dl-key-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void rm_rf(const char *dir)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

static zone_keyset *load_ok(const char *dir, int algorithm, unsigned *created)
{
    struct dl_error err = {{0}};
    zone_keyset *ks = zone_keyset_load(dir, ORIGIN, algorithm, created, &err);
    ck_assert_msg(ks != NULL, "algorithm %d: %s", algorithm, err.msg);
    return ks;
}

static ldns_rr_list *one_rrset(void)
{
    ldns_rr_list *l = ldns_rr_list_new();
    ldns_rr *rr = NULL;
    ck_assert_int_eq(ldns_rr_new_frm_str(&rr, "mx1.alg.test. 300 IN A 127.25.0.1", 0, NULL, NULL),
                     LDNS_STATUS_OK);
    ldns_rr_list_push_rr(l, rr);
    return l;
}

/* The RRSIG the ZSK makes over `set`, valid from an hour ago for a day. */
static ldns_rr *zsk_sign(zone_keyset *ks, const ldns_rr_list *set, time_t now)
{
    ldns_key_list *one = ldns_key_list_new();
    ldns_rr_list *sigs;
    ldns_rr *sig;
    zone_keyset_signing(ks, (uint32_t)(now - 3600), (uint32_t)(now + 86400));
    ldns_key_list_push_key(one, zone_keyset_key(ks, false));
    sigs = ldns_sign_public((ldns_rr_list *)set, one);
    ck_assert_ptr_nonnull(sigs);
    ck_assert_uint_eq(ldns_rr_list_rr_count(sigs), 1);
    sig = ldns_rr_clone(ldns_rr_list_rr(sigs, 0));
    ldns_rr_list_deep_free(sigs);
    ldns_key_list_set_key_count(one, 0); /* the key belongs to ks */
    ldns_key_list_free(one);
    return sig;
}

static void assert_file_0600(const char *dir, const char *role, int algorithm)
{
    char *path = dl_xasprintf("%s/alg.test/%s-%d.private", dir, role, algorithm);
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "%s missing", path);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    free(path);
}

/* Each algorithm: a new pair (files 0600), a ZSK signature over an A
 * RRset that ldns verifies with the ZSK's DNSKEY and rejects once one
 * byte of the signature is changed. */
START_TEST(sign_and_verify)
{
    int alg = algorithms[_i];
    char *dir = temp_dir();
    unsigned created = 0;
    zone_keyset *ks = load_ok(dir, alg, &created);
    ldns_rr_list *set = one_rrset(), *keys = ldns_rr_list_new();
    ldns_rr *sig;
    ldns_rdf *sigdata;
    time_t now = time(NULL);
    ck_assert_uint_eq(created, 2);
    ck_assert_int_eq(zone_keyset_algorithm(ks), alg);
    assert_file_0600(dir, "ksk", alg);
    assert_file_0600(dir, "zsk", alg);
    sig = zsk_sign(ks, set, now);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig)), alg);
    ldns_rr_list_push_rr(keys, zone_keyset_dnskey(ks, false, 300));
    ck_assert_int_eq(ldns_verify_rrsig_keylist_time(set, sig, keys, now, NULL), LDNS_STATUS_OK);
    sigdata = ldns_rr_rrsig_sig(sig);
    ldns_rdf_data(sigdata)[ldns_rdf_size(sigdata) / 2] ^= 0x01;
    ck_assert_int_ne(ldns_verify_rrsig_keylist_time(set, sig, keys, now, NULL), LDNS_STATUS_OK);
    ldns_rr_free(sig);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(set);
    zone_keyset_free(ks);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* A second load finds the cached pair of its algorithm; a zone with two
 * algorithms (a rollover) keeps both pairs side by side. */
START_TEST(cached_per_algorithm)
{
    char *dir = temp_dir();
    unsigned created = 0;
    zone_keyset *a = load_ok(dir, LDNS_RSASHA256, &created);
    zone_keyset *b = load_ok(dir, LDNS_ED448, &created);
    uint16_t tag_a = zone_keyset_ksk_tag(a), tag_b = zone_keyset_ksk_tag(b);
    zone_keyset_free(a);
    zone_keyset_free(b);
    a = load_ok(dir, LDNS_RSASHA256, &created);
    ck_assert_uint_eq(created, 0);
    b = load_ok(dir, LDNS_ED448, &created);
    ck_assert_uint_eq(created, 0);
    ck_assert_uint_eq(zone_keyset_ksk_tag(a), tag_a);
    ck_assert_uint_eq(zone_keyset_ksk_tag(b), tag_b);
    zone_keyset_free(a);
    zone_keyset_free(b);
    rm_rf(dir);
    free(dir);
}
END_TEST

/* The DS of the KSK with digest types 1, 2 and 4: the right type and
 * length, and ldns finds it is the DS of that DNSKEY. */
START_TEST(ds_digests)
{
    static const int digests[] = {LDNS_SHA1, LDNS_SHA256, LDNS_SHA384};
    static const size_t lengths[] = {20, 32, 48};
    char *dir = temp_dir();
    unsigned created = 0;
    zone_keyset *ks = load_ok(dir, LDNS_ECDSAP384SHA384, &created);
    ldns_rr *ksk = zone_keyset_dnskey(ks, true, 300);
    for (size_t i = 0; i < 3; i++) {
        ldns_rr *ds = zone_keyset_ds(ks, digests[i], 300);
        ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), digests[i]);
        ck_assert_uint_eq(ldns_rdf_size(ldns_rr_rdf(ds, 3)), lengths[i]);
        ck_assert(ldns_rr_compare_ds(ds, ksk));
        ldns_rr_free(ds);
    }
    ldns_rr_free(ksk);
    zone_keyset_free(ks);
    rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(unsupported_algorithm)
{
    char *dir = temp_dir();
    unsigned created = 9;
    struct dl_error err = {{0}};
    ck_assert(!zone_key_algorithm_supported(LDNS_RSASHA1));
    ck_assert_ptr_null(zone_keyset_load(dir, ORIGIN, LDNS_RSASHA1, &created, &err));
    ck_assert_msg(strstr(err.msg, "unsupported DNSSEC algorithm 5") != NULL, "%s", err.msg);
    rm_rf(dir);
    free(dir);
}
END_TEST

Suite *zone_key_suite(void)
{
    Suite *s = suite_create("zone_key");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_set_timeout(pos, 60);
    tcase_add_loop_test(pos, sign_and_verify, 0, (int)N_ALGORITHMS);
    tcase_add_test(pos, cached_per_algorithm);
    tcase_add_test(pos, ds_digests);
    tcase_add_test(neg, unsupported_algorithm);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
