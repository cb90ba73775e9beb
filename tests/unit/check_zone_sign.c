/*
 * Unit tests for zones/zone_sign: a zone signed with two algorithms at
 * once (every RRset signed by each, RFC 4035 2.2 / RFC 6840 5.11) and
 * NSEC3 opt-out over an unsigned delegation (RFC 5155 6). The printed
 * zone is read back and its signatures verified by ldns.
 */
#include "testutil_zone.h"
#include "dl_util.h"
#include "zone_key.h"
#include "zone_sign.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

Suite *zone_sign_suite(void);

#define ORIGIN "opt.test."
#define DS_HEX "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"

static const char *const zone_text[] = {
    "opt.test. 300 IN SOA ns1.opt.test. hostmaster.opt.test. 1 3600 600 1209600 300",
    "opt.test. 300 IN NS ns1.opt.test.",
    "ns1.opt.test. 300 IN A 127.53.0.2",
    "mx1.opt.test. 300 IN A 127.25.0.1",
    "child.opt.test. 300 IN NS ns1.child.opt.test.", /* unsigned delegation */
    "ns1.child.opt.test. 300 IN A 127.53.0.2",       /* its glue */
    "sec.opt.test. 300 IN NS ns1.opt.test.",         /* signed delegation */
    "sec.opt.test. 300 IN DS 12345 13 2 " DS_HEX,
};

struct fixture {
    char dir[32];
    zone_keyset *ks[2];
    ldns_rr_list *rrs;
    time_t now;
};

static void fixture_init(struct fixture *f)
{
    struct dl_error err = {{0}};
    unsigned created;
    static const int algs[2] = {LDNS_RSASHA256, LDNS_ECDSAP256SHA256};
    memset(f, 0, sizeof(*f));
    strcpy(f->dir, "/tmp/dl-sign-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->dir));
    for (int i = 0; i < 2; i++) {
        f->ks[i] = zone_keyset_load(f->dir, ORIGIN, algs[i], &created, &err);
        ck_assert_msg(f->ks[i] != NULL, "%s", err.msg);
    }
    f->rrs = ldns_rr_list_new();
    for (size_t i = 0; i < sizeof(zone_text) / sizeof(zone_text[0]); i++) {
        ldns_rr *rr = NULL;
        ck_assert_int_eq(ldns_rr_new_frm_str(&rr, zone_text[i], 0, NULL, NULL), LDNS_STATUS_OK);
        ldns_rr_list_push_rr(f->rrs, rr);
    }
    for (int i = 0; i < 2; i++) {
        ldns_rr_list *keys = zone_keyset_dnskeys(f->ks[i], 300);
        ldns_rr_list_cat(f->rrs, keys); /* the records move; the list is freed */
        ldns_rr_list_free(keys);
    }
    f->now = time(NULL);
}

static void fixture_free(struct fixture *f)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", f->dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    zone_keyset_free(f->ks[0]);
    zone_keyset_free(f->ks[1]);
    ldns_rr_list_deep_free(f->rrs);
}

/* Sign (both pairs when `both`, NSEC3 with opt-out when `optout`) and
 * read the printed zone back; the caller deep-frees it. */
static ldns_rr_list *sign(const struct fixture *f, bool both, bool optout)
{
    struct zone_sign_params p = {.origin = ORIGIN,
                                 .keys = f->ks[0],
                                 .keys2 = both ? f->ks[1] : NULL,
                                 .inception = (uint32_t)(f->now - 3600),
                                 .expiration = (uint32_t)(f->now + 86400),
                                 .nsec3 = true,
                                 .nsec3_optout = optout,
                                 .now = f->now};
    struct zone_sign_result res;
    struct dl_error err = {{0}};
    char *text = NULL, path[] = "/tmp/dl-signed-XXXXXX";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ldns_rr_list *all;
    int fd;
    ck_assert_msg(zone_sign_print(f->rrs, &p, out, &res, &err) == 0, "%s", err.msg);
    fclose(out);
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(dl_write_file(path, text, len, 0600, &err), 0);
    all = tu_read_zone_file(path);
    unlink(path);
    close(fd);
    free(text);
    return all;
}

/* The algorithms of the RRSIGs over owner/type, as a bit mask (1 << alg). */
static unsigned sig_algorithms(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *sigs = tu_select_rrs(all, owner, LDNS_RR_TYPE_RRSIG);
    unsigned mask = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *sig = ldns_rr_list_rr(sigs, i);
        if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) == type)
            mask |= 1u << ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
    }
    ldns_rr_list_deep_free(sigs);
    return mask;
}

/* Every RRSIG of the zone verifies with the zone's DNSKEY RRset. */
static void verify_all(const ldns_rr_list *all, time_t now)
{
    ldns_rr_list *keys = tu_select_rrs(all, ORIGIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *sigs = tu_select_rrs(all, NULL, LDNS_RR_TYPE_RRSIG);
    ck_assert_uint_gt(ldns_rr_list_rr_count(sigs), 0);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *sig = ldns_rr_list_rr(sigs, i);
        char *owner = ldns_rdf2str(ldns_rr_owner(sig));
        ldns_rr_list *set =
            tu_select_rrs(all, owner, ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)));
        ldns_status st = ldns_verify_rrsig_keylist_time(set, sig, keys, now, NULL);
        ck_assert_msg(st == LDNS_STATUS_OK, "%s: %s", owner, ldns_get_errorstr_by_id(st));
        free(owner);
        ldns_rr_list_deep_free(set);
    }
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(keys);
}

/* Whether an NSEC3 of the zone is owned by the hash of `name`; *flags
 * gets the OR of every NSEC3's flags. */
static bool has_nsec3_for(const ldns_rr_list *all, const char *name, unsigned *flags)
{
    ldns_rr_list *n3 = tu_select_rrs(all, NULL, LDNS_RR_TYPE_NSEC3);
    ldns_rdf *dn = ldns_dname_new_frm_str(name), *zone = ldns_dname_new_frm_str(ORIGIN);
    bool found = false;
    *flags = 0;
    ck_assert_uint_gt(ldns_rr_list_rr_count(n3), 0);
    for (size_t i = 0; i < ldns_rr_list_rr_count(n3); i++) {
        ldns_rr *rr = ldns_rr_list_rr(n3, i);
        ldns_rdf *hashed = ldns_nsec3_hash_name_frm_nsec3(rr, dn);
        ck_assert_int_eq(ldns_dname_cat(hashed, zone), LDNS_STATUS_OK);
        found = found || ldns_dname_compare(hashed, ldns_rr_owner(rr)) == 0;
        *flags |= ldns_nsec3_flags(rr);
        ldns_rdf_deep_free(hashed);
    }
    ldns_rdf_deep_free(dn);
    ldns_rdf_deep_free(zone);
    ldns_rr_list_deep_free(n3);
    return found;
}

/* Two pairs: each RRset signed by algorithm 8 and 13, the DNSKEY RRset by
 * both KSKs; the delegation NS and glue unsigned; all signatures valid. */
START_TEST(two_algorithms_sign_everything)
{
    struct fixture f;
    ldns_rr_list *all;
    unsigned both = (1u << LDNS_RSASHA256) | (1u << LDNS_ECDSAP256SHA256);
    fixture_init(&f);
    all = sign(&f, true, false);
    ck_assert_uint_eq(sig_algorithms(all, "mx1.opt.test.", LDNS_RR_TYPE_A), both);
    ck_assert_uint_eq(sig_algorithms(all, ORIGIN, LDNS_RR_TYPE_SOA), both);
    ck_assert_uint_eq(sig_algorithms(all, ORIGIN, LDNS_RR_TYPE_DNSKEY), both);
    ck_assert_uint_eq(sig_algorithms(all, "sec.opt.test.", LDNS_RR_TYPE_DS), both);
    ck_assert_uint_eq(sig_algorithms(all, "child.opt.test.", LDNS_RR_TYPE_NS), 0);
    ck_assert_uint_eq(sig_algorithms(all, "ns1.child.opt.test.", LDNS_RR_TYPE_A), 0);
    ck_assert_uint_eq(tu_count_rrs(all, ORIGIN, LDNS_RR_TYPE_DNSKEY), 4);
    verify_all(all, f.now);
    ldns_rr_list_deep_free(all);
    all = sign(&f, false, false);
    ck_assert_uint_eq(sig_algorithms(all, "mx1.opt.test.", LDNS_RR_TYPE_A), 1u << LDNS_RSASHA256);
    ck_assert_uint_eq(sig_algorithms(all, ORIGIN, LDNS_RR_TYPE_DNSKEY), 1u << LDNS_RSASHA256);
    ck_assert_uint_eq(tu_count_rrs(all, ORIGIN, LDNS_RR_TYPE_DNSKEY), 4);
    ldns_rr_list_deep_free(all);
    fixture_free(&f);
}
END_TEST

/* Opt-out: no NSEC3 for the unsigned delegation (nor its glue), every
 * NSEC3 with the Opt-Out flag, the secure delegation keeps its NSEC3, the
 * NS and glue are still served. Without opt-out the delegation has one. */
START_TEST(optout_skips_unsigned_delegation)
{
    struct fixture f;
    ldns_rr_list *all;
    unsigned flags;
    fixture_init(&f);
    all = sign(&f, false, true);
    ck_assert(!has_nsec3_for(all, "child.opt.test.", &flags));
    ck_assert_uint_eq(flags, LDNS_NSEC3_VARS_OPTOUT_MASK);
    ck_assert(!has_nsec3_for(all, "ns1.child.opt.test.", &flags));
    ck_assert(has_nsec3_for(all, "sec.opt.test.", &flags));
    ck_assert(has_nsec3_for(all, "mx1.opt.test.", &flags));
    ck_assert_uint_eq(tu_count_rrs(all, "child.opt.test.", LDNS_RR_TYPE_NS), 1);
    ck_assert_uint_eq(tu_count_rrs(all, "ns1.child.opt.test.", LDNS_RR_TYPE_A), 1);
    verify_all(all, f.now);
    ldns_rr_list_deep_free(all);
    all = sign(&f, false, false);
    ck_assert(has_nsec3_for(all, "child.opt.test.", &flags));
    ck_assert_uint_eq(flags, 0);
    ldns_rr_list_deep_free(all);
    fixture_free(&f);
}
END_TEST

Suite *zone_sign_suite(void)
{
    Suite *s = suite_create("zone_sign");
    TCase *pos = tcase_create("Positive");
    tcase_set_timeout(pos, 60);
    tcase_add_test(pos, two_algorithms_sign_everything);
    tcase_add_test(pos, optout_skips_unsigned_delegation);
    suite_add_tcase(s, pos);
    return s;
}
