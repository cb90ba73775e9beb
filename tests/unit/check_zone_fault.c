/*
 * Unit tests for zones/zone_fault and zones/zone_inject: each fault of the
 * catalogue, built into a small world (root, test., a.test. with MX, A and
 * TLSA), read back from the zone files and compared with the same world
 * built without the fault (same run directory, so the same keys): the
 * file really contains what the fault says, and nothing else changed.
 */
#include "testutil_zone.h"
#include "dl_util.h"
#include "zone_fault.h"
#include "zone_inject.h"
#include "zone_tree.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Suite *zone_fault_suite(void);

#define NOW      ((time_t)1893456000) /* 2030-01-01T00:00:00Z */
#define VALIDITY (30u * 86400u)
#define BACKDATE 3600u
#define DOMAIN   "a.test."
#define HOST     "mx1.a.test."
#define TLSA     "_25._tcp.mx1.a.test."
#define TLSA_HEX "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"

/* ---- fixture ----------------------------------------------------------- */

struct built {
    ldns_rr_list *child;  /* a.test. */
    ldns_rr_list *parent; /* test. */
};

struct fault_case {
    const char *fault; /* NULL: none */
    const char *owner;
    uint16_t type;
    bool nsec3;             /* the domain zone uses NSEC3 */
    const char *extra_zone; /* one more signed zone (served by ns1.a.test.), or NULL */
};

static char dir[64];
static time_t build_now = NOW; /* signing time of the next build */

static void setup(void)
{
    build_now = NOW;
    strcpy(dir, "/tmp/dl-fault-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

static void add_zone(zone_tree *t, const char *origin, const char *ns, bool nsec3)
{
    struct zone_def d = {.origin = origin,
                         .is_signed = true,
                         .publish_ds = true,
                         .algorithm = 13,
                         .nsec3 = nsec3,
                         .ns_name = ns,
                         .ns_addr = "127.53.0.1"};
    struct dl_error err;
    ck_assert_msg(zone_tree_add_zone(t, &d, &err) == 0, "%s", err.msg);
}

static void add_rr(zone_tree *t, const char *text)
{
    struct dl_error err;
    ck_assert_msg(zone_tree_add_rr(t, text, NULL, "t.yaml:1", &err) == 0, "%s", err.msg);
}

static int try_build(const struct fault_case *f, struct dl_error *err)
{
    struct zone_tree_opts o = {
        .run_dir = dir, .now = build_now, .validity = VALIDITY, .backdate = BACKDATE};
    zone_tree *t = zone_tree_new(&o);
    int rc;
    add_zone(t, ".", "a.root-servers.test.", false);
    add_zone(t, "test.", "ns.nic.test.", false);
    add_zone(t, DOMAIN, "ns1.a.test.", f->nsec3);
    if (f->extra_zone != NULL)
        add_zone(t, f->extra_zone, "ns1.a.test.", false);
    add_rr(t, DOMAIN " MX 10 " HOST);
    add_rr(t, HOST " A 127.25.0.1");
    add_rr(t, TLSA " TLSA 3 1 1 " TLSA_HEX);
    rc = 0;
    if (f->fault != NULL)
        rc = zone_tree_add_fault(t, f->fault, f->owner, f->type, "t.yaml:9", err);
    if (rc == 0)
        rc = zone_tree_build(t, NULL, err);
    zone_tree_free(t);
    return rc;
}

static ldns_rr_list *read_zone(const char *file)
{
    char *path = dl_xasprintf("%s/zones/%s", dir, file);
    FILE *fp = fopen(path, "r");
    ldns_zone *z = NULL;
    ldns_rr_list *all;
    int line = 0;
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ck_assert_msg(ldns_zone_new_frm_fp_l(&z, fp, NULL, 0, LDNS_RR_CLASS_IN, &line) ==
                      LDNS_STATUS_OK,
                  "%s:%d does not parse", path, line);
    fclose(fp);
    free(path);
    all = ldns_rr_list_clone(ldns_zone_rrs(z));
    ldns_rr_list_push_rr(all, ldns_rr_clone(ldns_zone_soa(z)));
    ldns_zone_deep_free(z);
    return all;
}

static struct built build(const struct fault_case *f)
{
    struct dl_error err;
    struct built b;
    ck_assert_msg(try_build(f, &err) == 0, "%s", err.msg);
    b.child = read_zone("a.test.zone");
    b.parent = read_zone("test.zone");
    return b;
}

static void built_free(struct built *b)
{
    ldns_rr_list_deep_free(b->child);
    ldns_rr_list_deep_free(b->parent);
}

/* ---- reading ----------------------------------------------------------- */

/* The RRSIGs over owner/type; caller deep-frees. */
static ldns_rr_list *sigs_of(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *sigs = tu_select_rrs(all, owner, LDNS_RR_TYPE_RRSIG), *out = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(s)) == type)
            ldns_rr_list_push_rr(out, ldns_rr_clone(s));
    }
    ldns_rr_list_deep_free(sigs);
    return out;
}

static ldns_rr *the_one(ldns_rr_list *l, const char *what)
{
    ck_assert_msg(ldns_rr_list_rr_count(l) == 1, "%zu %s, wanted 1", ldns_rr_list_rr_count(l),
                  what);
    return ldns_rr_list_rr(l, 0);
}

static ldns_rr *ksk_of(const ldns_rr_list *all)
{
    ldns_rr_list *keys = tu_select_rrs(all, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr *ksk = NULL;
    for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++)
        if (ldns_rdf2native_int16(ldns_rr_dnskey_flags(ldns_rr_list_rr(keys, i))) == 257)
            ksk = ldns_rr_clone(ldns_rr_list_rr(keys, i));
    ldns_rr_list_deep_free(keys);
    ck_assert_ptr_nonnull(ksk);
    return ksk;
}

static uint32_t sig_time(const ldns_rr *sig, bool expiration)
{
    return ldns_rdf2native_int32(expiration ? ldns_rr_rrsig_expiration(sig)
                                            : ldns_rr_rrsig_inception(sig));
}

/* Verify `sig` over its RRset with the zone's DNSKEYs at `when`. */
static ldns_status verify_at(const ldns_rr_list *all, const ldns_rr *sig, time_t when)
{
    char *owner = ldns_rdf2str(ldns_rr_owner(sig));
    ldns_rr_type t = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
    ldns_rr_list *set = tu_select_rrs(all, owner, t);
    ldns_rr_list *keys = tu_select_rrs(all, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *good = ldns_rr_list_new();
    ldns_status st;
    st = ldns_verify_rrsig_keylist_time(set, (ldns_rr *)sig, keys, when, good);
    free(owner);
    ldns_rr_list_deep_free(set);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_free(good);
    return st;
}

/* Records of `a` not in `b` (RRSIGs and the SOA ignored: signatures are
 * randomised and the serial moves with every build). Caller deep-frees. */
static ldns_rr_list *minus(const ldns_rr_list *a, const ldns_rr_list *b)
{
    ldns_rr_list *out = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(a); i++) {
        ldns_rr *rr = ldns_rr_list_rr(a, i);
        bool found = false;
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG || ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
            continue;
        for (size_t j = 0; j < ldns_rr_list_rr_count(b) && !found; j++)
            found = ldns_rr_compare(rr, ldns_rr_list_rr(b, j)) == 0;
        if (!found)
            ldns_rr_list_push_rr(out, ldns_rr_clone(rr));
    }
    return out;
}

/* `after` differs from `before` by exactly n_removed and n_added records
 * (RRSIGs and SOA aside); removed and added (optional) get them. */
static void assert_diff(const ldns_rr_list *before, const ldns_rr_list *after, size_t n_removed,
                        size_t n_added, ldns_rr_list **removed, ldns_rr_list **added)
{
    ldns_rr_list *r = minus(before, after), *a = minus(after, before);
    char *rt = ldns_rr_list2str(r), *at = ldns_rr_list2str(a);
    ck_assert_msg(ldns_rr_list_rr_count(r) == n_removed && ldns_rr_list_rr_count(a) == n_added,
                  "removed:\n%s\nadded:\n%s", rt, at);
    free(rt);
    free(at);
    if (removed)
        *removed = r;
    else
        ldns_rr_list_deep_free(r);
    if (added)
        *added = a;
    else
        ldns_rr_list_deep_free(a);
}

/* Every RRSIG of `all` except those over owner/type has the nominal times
 * and verifies at NOW. */
static void assert_others_nominal(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *sigs = tu_select_rrs(all, NULL, LDNS_RR_TYPE_RRSIG);
    ldns_rdf *o = ldns_dname_new_frm_str(owner);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        if (ldns_dname_compare(ldns_rr_owner(s), o) == 0 &&
            ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(s)) == type)
            continue;
        ck_assert_uint_eq(sig_time(s, false), (uint32_t)(NOW - BACKDATE));
        ck_assert_uint_eq(sig_time(s, true), (uint32_t)(NOW + VALIDITY));
        ck_assert_int_eq(verify_at(all, s, NOW), LDNS_STATUS_OK);
    }
    ldns_rdf_deep_free(o);
    ldns_rr_list_deep_free(sigs);
}

static const struct fault_case baseline = {NULL, NULL, 0, false, NULL};

/* ---- DS faults --------------------------------------------------------- */

/* The DS of the child in the parent, after a fault; checks that nothing
 * else changed in either zone. Caller frees. */
static ldns_rr *faulty_ds(const char *fault, struct built *base, struct built *b)
{
    struct fault_case f = {fault, DOMAIN, LDNS_RR_TYPE_DS, false, NULL};
    ldns_rr_list *added;
    ldns_rr *ds;
    *base = build(&baseline);
    *b = build(&f);
    assert_diff(base->parent, b->parent, 1, 1, NULL, &added);
    assert_diff(base->child, b->child, 0, 0, NULL, NULL);
    ds = ldns_rr_clone(the_one(added, "changed DS"));
    ck_assert_int_eq(ldns_rr_get_type(ds), LDNS_RR_TYPE_DS);
    ldns_rr_list_deep_free(added);
    return ds;
}

START_TEST(ds_no_matching_key)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-no-matching-key", &base, &b);
    ldns_rr *ksk = ksk_of(b.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_uint_ne(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_ne(ldns_rdf_compare(ldns_rr_rdf(ds, 3), ldns_rr_rdf(real, 3)), 0);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), LDNS_SHA256);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(ds_digest_mismatch)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-digest-mismatch", &base, &b);
    ldns_rr *ksk = ksk_of(b.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)), 13);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), LDNS_SHA256);
    ck_assert_int_ne(ldns_rdf_compare(ldns_rr_rdf(ds, 3), ldns_rr_rdf(real, 3)), 0);
    ck_assert_uint_eq(ldns_rdf_size(ldns_rr_rdf(ds, 3)), 32);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    built_free(&base);
    built_free(&b);
}
END_TEST

/* Right key tag and digest, another algorithm (one validators implement). */
START_TEST(ds_algorithm_mismatch)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-algorithm-mismatch", &base, &b);
    ldns_rr *ksk = ksk_of(b.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(ksk)), 13);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)), ZONE_FAULT_DS_ALGORITHM);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), LDNS_SHA256);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(ds, 3), ldns_rr_rdf(real, 3)), 0);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 1);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(ds_unknown_digest)
{
    struct built base, b;
    ldns_rr *ds = faulty_ds("ds-unknown-digest", &base, &b);
    ldns_rr *ksk = ksk_of(b.child);
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), ldns_calc_keytag(ksk));
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), ZONE_FAULT_UNKNOWN_DIGEST);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 1);
    ldns_rr_free(ds);
    ldns_rr_free(ksk);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(insecure_delegation)
{
    struct fault_case f = {"insecure-delegation", DOMAIN, LDNS_RR_TYPE_DS, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    /* The DS went; the NSEC at the delegation no longer lists DS. */
    assert_diff(base.parent, b.parent, 2, 1, NULL, NULL);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 0);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_NS), 1);
    assert_diff(base.child, b.child, 0, 0, NULL, NULL);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(ds_without_dnskey)
{
    struct fault_case f = {"ds-without-dnskey", DOMAIN, 0, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    ldns_rr *ksk = ksk_of(base.child), *real = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ldns_rr_list *ds = tu_select_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(the_one(ds, "DS"), 3), ldns_rr_rdf(real, 3)), 0);
    assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_DNSKEY), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 1);
    ldns_rr_list_deep_free(ds);
    ldns_rr_free(ksk);
    ldns_rr_free(real);
    built_free(&base);
    built_free(&b);
}
END_TEST

/* ---- RRSIG faults, on each target -------------------------------------- */

static const struct {
    const char *owner;
    ldns_rr_type type;
} targets[] = {
    {TLSA, LDNS_RR_TYPE_TLSA},
    {DOMAIN, LDNS_RR_TYPE_MX},
    {HOST, LDNS_RR_TYPE_A},
    {DOMAIN, LDNS_RR_TYPE_DNSKEY},
};
#define N_TARGETS (int)(sizeof(targets) / sizeof(targets[0]))

/* Build with `fault` on target i: the records are those of the baseline,
 * the signatures of every other RRset untouched; returns the target's
 * RRSIGs. */
static ldns_rr_list *rrsig_fault(const char *fault, int i, struct built *b)
{
    struct fault_case f = {fault, targets[i].owner, targets[i].type, false, NULL};
    struct built base = build(&baseline);
    *b = build(&f);
    assert_diff(base.child, b->child, 0, 0, NULL, NULL);
    assert_diff(base.parent, b->parent, 0, 0, NULL, NULL);
    assert_others_nominal(b->child, targets[i].owner, targets[i].type);
    built_free(&base);
    return sigs_of(b->child, targets[i].owner, targets[i].type);
}

START_TEST(rrsig_expired)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-expired", _i, &b);
    ldns_rr *s = the_one(sigs, "RRSIG");
    uint32_t exp = sig_time(s, true);
    /* Expired before the signing time by more than any skew allowance. */
    ck_assert_uint_eq(exp, (uint32_t)NOW - ZONE_FAULT_SHIFT);
    ck_assert_uint_lt(exp + 86400u, (uint32_t)NOW);
    ck_assert_uint_lt(sig_time(s, false), exp);
    ck_assert_int_eq(verify_at(b.child, s, NOW), LDNS_STATUS_CRYPTO_SIG_EXPIRED);
    ck_assert_int_eq(verify_at(b.child, s, (time_t)exp - 60), LDNS_STATUS_OK); /* real key */
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

START_TEST(rrsig_not_yet_valid)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-not-yet-valid", _i, &b);
    ldns_rr *s = the_one(sigs, "RRSIG");
    uint32_t inc = sig_time(s, false);
    ck_assert_uint_eq(inc, (uint32_t)NOW + ZONE_FAULT_SHIFT);
    ck_assert_uint_gt(inc, (uint32_t)NOW + 86400u);
    ck_assert_int_eq(verify_at(b.child, s, NOW), LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED);
    ck_assert_int_eq(verify_at(b.child, s, (time_t)inc + 60), LDNS_STATUS_OK);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

START_TEST(rrsig_bad_signature)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-bad-signature", _i, &b);
    ldns_rr *s = the_one(sigs, "RRSIG");
    ck_assert_uint_eq(sig_time(s, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_int_ne(verify_at(b.child, s, NOW), LDNS_STATUS_OK);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

START_TEST(rrsig_missing)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-missing", _i, &b);
    ck_assert_uint_eq(ldns_rr_list_rr_count(sigs), 0);
    ck_assert_uint_gt(tu_count_rrs(b.child, targets[_i].owner, targets[_i].type), 0);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

START_TEST(rrsig_unknown_key)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-unknown-key", _i, &b);
    ldns_rr_list *keys = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    uint16_t tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(the_one(sigs, "RRSIG")));
    for (size_t k = 0; k < ldns_rr_list_rr_count(keys); k++)
        ck_assert_uint_ne(tag, ldns_calc_keytag(ldns_rr_list_rr(keys, k)));
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

/* The key tag of the key that signs target i: the KSK for DNSKEY. */
static uint16_t signer_tag(const ldns_rr_list *all, int i)
{
    ldns_rr_list *keys = tu_select_rrs(all, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    uint16_t want = targets[i].type == LDNS_RR_TYPE_DNSKEY ? 257 : 256, tag = 0;
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
    ldns_rr *s = the_one(sigs, "RRSIG");
    ldns_rdf *owner = ldns_dname_new_frm_str(targets[_i].owner);
    /* One label more than the owner has (the root label not counted) ... */
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rrsig_labels(s)),
                     ldns_dname_label_count(owner) + 1);
    /* ... and everything else as a good signature: times, key, bytes over
     * the RRSIG as it stands (ldns does not check the label count). */
    ck_assert_uint_eq(sig_time(s, false), (uint32_t)(NOW - BACKDATE));
    ck_assert_uint_eq(sig_time(s, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(s)), signer_tag(b.child, _i));
    ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rrsig_origttl(s)), 300);
    ck_assert_int_eq(verify_at(b.child, s, NOW), LDNS_STATUS_OK);
    ldns_rdf_deep_free(owner);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

/* Served TTL of the target RRset and its RRSIG raised; every other record
 * keeps the zone's TTL; the signature (over the Original TTL) verifies. */
START_TEST(rrsig_original_ttl_exceeded)
{
    struct built b;
    ldns_rr_list *sigs = rrsig_fault("rrsig-original-ttl-exceeded", _i, &b);
    ldns_rr *s = the_one(sigs, "RRSIG");
    ldns_rdf *owner = ldns_dname_new_frm_str(targets[_i].owner);
    size_t raised = 0;
    ck_assert_uint_eq(ldns_rdf2native_int32(ldns_rr_rrsig_origttl(s)), 300);
    ck_assert_uint_eq(sig_time(s, false), (uint32_t)(NOW - BACKDATE));
    ck_assert_uint_eq(sig_time(s, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_int_eq(verify_at(b.child, s, NOW), LDNS_STATUS_OK);
    for (size_t k = 0; k < ldns_rr_list_rr_count(b.child); k++) {
        ldns_rr *rr = ldns_rr_list_rr(b.child, k);
        ldns_rr_type t = ldns_rr_get_type(rr);
        bool hit = ldns_dname_compare(ldns_rr_owner(rr), owner) == 0 &&
                   (t == targets[_i].type ||
                    (t == LDNS_RR_TYPE_RRSIG &&
                     ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == targets[_i].type));
        ck_assert_uint_eq(ldns_rr_ttl(rr), hit ? ZONE_FAULT_RAISED_TTL : 300u);
        raised += hit;
    }
    ck_assert_uint_eq(raised, tu_count_rrs(b.child, targets[_i].owner, targets[_i].type) + 1);
    ldns_rdf_deep_free(owner);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

START_TEST(dnskey_rrsig_expired)
{
    struct fault_case f = {"dnskey-rrsig-expired", DOMAIN, LDNS_RR_TYPE_DNSKEY, false, NULL};
    struct built b = build(&f);
    ldns_rr_list *sigs = sigs_of(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ck_assert_uint_lt(sig_time(the_one(sigs, "RRSIG"), true), (uint32_t)NOW - 86400u);
    assert_others_nominal(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

/* dnskey-revoked: the KSK's DNSKEY is the same key with flags 385 and
 * self-signs the DNSKEY RRset under its new tag; the parent's DS is still
 * the pre-revocation key's, so it matches no DNSKEY; nothing else moved. */
START_TEST(dnskey_revoked)
{
    struct fault_case f = {"dnskey-revoked", DOMAIN, LDNS_RR_TYPE_DNSKEY, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    ldns_rr_list *removed, *added, *keys = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *sigs = sigs_of(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *ds = tu_select_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS);
    ldns_rr *old, *revoked, *sig = the_one(sigs, "RRSIG DNSKEY");
    uint16_t tag;
    assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    assert_diff(base.child, b.child, 1, 1, &removed, &added);
    old = the_one(removed, "removed DNSKEY");
    revoked = the_one(added, "added DNSKEY");
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
    ck_assert(ldns_rr_compare_ds(the_one(ds, "DS"), old));
    ck_assert(!ldns_rr_compare_ds(the_one(ds, "DS"), revoked));
    ck_assert_uint_ne(ldns_rdf2native_int16(ldns_rr_rdf(the_one(ds, "DS"), 0)), tag);
    /* Self-signed by the revoked key, at the zone's times, and valid. */
    ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)), tag);
    ck_assert_uint_eq(sig_time(sig, false), (uint32_t)(NOW - BACKDATE));
    ck_assert_uint_eq(sig_time(sig, true), (uint32_t)(NOW + VALIDITY));
    ck_assert_int_eq(verify_at(b.child, sig, NOW), LDNS_STATUS_OK);
    assert_others_nominal(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list_deep_free(removed);
    ldns_rr_list_deep_free(added);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(ds);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(zone_expired)
{
    struct fault_case f = {"zone-expired", DOMAIN, 0, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    ldns_rr_list *sigs = tu_select_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG);
    ck_assert_uint_gt(ldns_rr_list_rr_count(sigs), 5);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        ck_assert_uint_eq(sig_time(s, true), (uint32_t)NOW - ZONE_FAULT_SHIFT);
        ck_assert_int_eq(verify_at(b.child, s, NOW), LDNS_STATUS_CRYPTO_SIG_EXPIRED);
    }
    assert_diff(base.child, b.child, 0, 0, NULL, NULL);
    assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    ldns_rr_list_deep_free(sigs);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(unsupported_algorithm)
{
    struct fault_case f = {"unsupported-algorithm", DOMAIN, 0, false, NULL};
    struct built b = build(&f);
    ldns_rr_list *keys = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *sigs = tu_select_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG);
    ldns_rr_list *ds = tu_select_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS);
    ldns_rr *ksk = ksk_of(b.child), *want = ldns_key_rr2ds(ksk, LDNS_SHA256);
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
    ck_assert_int_eq(ldns_rr_compare_ds(the_one(ds, "DS"), ksk), true);
    ck_assert_int_eq(ldns_rdf_compare(ldns_rr_rdf(the_one(ds, "DS"), 3), ldns_rr_rdf(want, 3)), 0);
    ldns_rr_free(ksk);
    ldns_rr_free(want);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(ds);
    built_free(&b);
}
END_TEST

/* ---- denial faults ----------------------------------------------------- */

START_TEST(denial_missing)
{
    struct fault_case f = {"denial-missing", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    ldns_rr_list *removed;
    ck_assert_uint_gt(tu_count_rrs(base.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    /* Only the TLSA record and the NSEC chain went. */
    assert_diff(base.child, b.child, 1 + tu_count_rrs(base.child, NULL, LDNS_RR_TYPE_NSEC), 0,
                &removed, NULL);
    for (size_t i = 0; i < ldns_rr_list_rr_count(removed); i++) {
        ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(removed, i));
        ck_assert(t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_TLSA);
    }
    ldns_rr_list_deep_free(removed);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(denial_wrong)
{
    struct fault_case f = {"denial-wrong", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built b = build(&f);
    ldns_rr_list *nsec = tu_select_rrs(b.child, HOST, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *sigs = sigs_of(b.child, HOST, LDNS_RR_TYPE_NSEC);
    ldns_rr *n = the_one(nsec, "NSEC at the host");
    ldns_rdf *owner = ldns_rr_owner(n), *next = ldns_rr_rdf(n, 0);
    ldns_rdf *name = ldns_dname_new_frm_str(TLSA);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    /* owner < next < the name: the NSEC does not cover it ... */
    ck_assert_int_lt(ldns_dname_compare(owner, next), 0);
    ck_assert_int_lt(ldns_dname_compare(next, name), 0);
    /* ... and is validly signed. */
    ck_assert_int_eq(verify_at(b.child, the_one(sigs, "RRSIG NSEC"), NOW), LDNS_STATUS_OK);
    ldns_rdf_deep_free(name);
    ldns_rr_list_deep_free(nsec);
    ldns_rr_list_deep_free(sigs);
    built_free(&b);
}
END_TEST

START_TEST(nodata_nsec)
{
    struct fault_case f = {"nodata-nsec", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    ldns_rr_list *nsec = tu_select_rrs(b.child, TLSA, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *sigs = sigs_of(b.child, TLSA, LDNS_RR_TYPE_NSEC);
    ldns_rr *n = the_one(nsec, "NSEC at the TLSA name");
    ldns_rdf *bitmap = ldns_rr_rdf(n, 1);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TXT), 1);
    ck_assert(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_TXT));
    ck_assert(!ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_TLSA));
    ck_assert_int_eq(verify_at(b.child, the_one(sigs, "RRSIG NSEC"), NOW), LDNS_STATUS_OK);
    assert_diff(base.child, b.child, 2, 2, NULL, NULL); /* TLSA out, TXT in, NSEC bitmap */
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(nsec);
    built_free(&base);
    built_free(&b);
}
END_TEST

/* nsec-type-bitmap-lies on target i (TLSA, MX, A): the RRset is gone, a
 * TXT keeps its name, and the NSEC there, same next name, lists the
 * RRset's type besides TXT; its signature is a good one. Nothing else
 * changed, every signature verifies. */
START_TEST(nsec_type_bitmap_lies)
{
    const char *owner = targets[_i].owner;
    ldns_rr_type type = targets[_i].type;
    struct fault_case f = {"nsec-type-bitmap-lies", owner, type, false, NULL};
    struct built base = build(&baseline), b = build(&f);
    ldns_rr_list *removed, *added, *was = tu_select_rrs(base.child, owner, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *nsec = tu_select_rrs(b.child, owner, LDNS_RR_TYPE_NSEC);
    ldns_rr_list *sigs = sigs_of(b.child, owner, LDNS_RR_TYPE_NSEC);
    ldns_rr *n = the_one(nsec, "NSEC at the name"), *old = the_one(was, "NSEC before");
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
    ck_assert_int_eq(verify_at(b.child, the_one(sigs, "RRSIG NSEC"), NOW), LDNS_STATUS_OK);
    /* The RRset and the old NSEC out; the TXT and the lying NSEC in. */
    assert_diff(base.child, b.child, 2, 2, &removed, &added);
    for (size_t k = 0; k < 2; k++) {
        ldns_rr_type r = ldns_rr_get_type(ldns_rr_list_rr(removed, k));
        ldns_rr_type a = ldns_rr_get_type(ldns_rr_list_rr(added, k));
        ck_assert(r == type || r == LDNS_RR_TYPE_NSEC);
        ck_assert(a == LDNS_RR_TYPE_TXT || a == LDNS_RR_TYPE_NSEC);
    }
    assert_diff(base.parent, b.parent, 0, 0, NULL, NULL);
    assert_others_nominal(b.child, owner, type);
    ldns_rr_list_deep_free(removed);
    ldns_rr_list_deep_free(added);
    ldns_rr_list_deep_free(was);
    ldns_rr_list_deep_free(nsec);
    ldns_rr_list_deep_free(sigs);
    built_free(&base);
    built_free(&b);
}
END_TEST

START_TEST(nxdomain_nsec3)
{
    struct fault_case f = {"nxdomain-nsec3", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built b = build(&f);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC), 0);
    ck_assert_uint_gt(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_NSEC3), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, DOMAIN, LDNS_RR_TYPE_NSEC3PARAM), 1);
    built_free(&b);
}
END_TEST

START_TEST(nsec3_excess_iterations)
{
    struct fault_case f = {"nsec3-excess-iterations", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built b = build(&f);
    ldns_rr_list *p = tu_select_rrs(b.child, DOMAIN, LDNS_RR_TYPE_NSEC3PARAM);
    ck_assert_int_eq(ldns_rdf2native_int16(ldns_rr_rdf(the_one(p, "NSEC3PARAM"), 2)),
                     ZONE_FAULT_EXCESS_ITERATIONS);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 0);
    ldns_rr_list_deep_free(p);
    built_free(&b);
}
END_TEST

/* ---- shapes ------------------------------------------------------------ */

/* tlsa-servfail: the _tcp zone is written signed, with its DS in the
 * parent, and then a line no zone parser accepts. */
START_TEST(tlsa_servfail_zone_does_not_load)
{
    struct fault_case f = {"tlsa-servfail", "_tcp.mx1.a.test.", 0, false, "_tcp.mx1.a.test."};
    struct dl_error err;
    char *path = dl_xasprintf("%s/zones/_tcp.mx1.a.test.zone", dir), *text = NULL;
    ldns_rr_list *parent;
    ldns_rr *rr = NULL;
    ck_assert_msg(try_build(&f, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(dl_read_file(path, 1 << 20, &text, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(text, ZONE_INJECT_BROKEN_LINE));
    ck_assert_ptr_nonnull(strstr(text, "TLSA\t3 1 1 " TLSA_HEX)); /* the data is there */
    /* The poison record itself does not parse (ldns leaks when a whole
     * zone fails, so only the record is tried). */
    ck_assert_int_ne(ldns_rr_new_frm_str(&rr, "_tcp.mx1.a.test. 300 IN TLSA broken", 0, NULL, NULL),
                     LDNS_STATUS_OK);
    parent = read_zone("a.test.zone");
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
    struct built base = build(&baseline), b = build(&f);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_RRSIG), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, NULL, LDNS_RR_TYPE_DNSKEY), 0);
    ck_assert_uint_eq(tu_count_rrs(b.parent, DOMAIN, LDNS_RR_TYPE_DS), 0);
    ck_assert_uint_eq(tu_count_rrs(b.child, HOST, LDNS_RR_TYPE_A), 1);
    ck_assert_uint_eq(tu_count_rrs(b.child, TLSA, LDNS_RR_TYPE_TLSA), 1);
    built_free(&base);
    built_free(&b);
}
END_TEST

/* A second build with the same fault re-uses the files; another fault
 * rebuilds (faults are part of the fingerprint). */
START_TEST(faults_are_in_the_fingerprint)
{
    struct fault_case f = {"rrsig-missing", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built a = build(&baseline), b = build(&f), c = build(&f);
    ldns_rr_list *s1 = sigs_of(a.child, TLSA, LDNS_RR_TYPE_TLSA);
    ldns_rr_list *s2 = sigs_of(b.child, TLSA, LDNS_RR_TYPE_TLSA);
    ck_assert_uint_eq(ldns_rr_list_rr_count(s1), 1);
    ck_assert_uint_eq(ldns_rr_list_rr_count(s2), 0);
    ck_assert_int_eq(ldns_rr_list_compare(b.child, c.child), 0); /* cached, same file */
    ldns_rr_list_deep_free(s1);
    ldns_rr_list_deep_free(s2);
    built_free(&a);
    built_free(&b);
    built_free(&c);
}
END_TEST

/* A not-yet-valid signature stays in the future however long the lab is
 * re-used: the zone is re-signed at each new signing time. */
START_TEST(not_yet_valid_follows_the_clock)
{
    struct fault_case f = {"rrsig-not-yet-valid", TLSA, LDNS_RR_TYPE_TLSA, false, NULL};
    struct built a = build(&f), b;
    ldns_rr_list *sigs;
    build_now = NOW + 8 * 86400; /* within the files' freshness window */
    b = build(&f);
    sigs = sigs_of(b.child, TLSA, LDNS_RR_TYPE_TLSA);
    ck_assert_uint_eq(sig_time(the_one(sigs, "RRSIG"), false),
                      (uint32_t)build_now + ZONE_FAULT_SHIFT);
    ldns_rr_list_deep_free(sigs);
    built_free(&a);
    built_free(&b);
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
        ck_assert_int_eq(try_build(&bad[i].f, &err), -1);
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
    TCase *ds = tcase_create("ds"), *sig = tcase_create("rrsig"), *den = tcase_create("denial");
    TCase *neg = tcase_create("negative");
    TCase *all[] = {ds, sig, den, neg};
    for (size_t i = 0; i < 4; i++) {
        tcase_add_checked_fixture(all[i], setup, teardown);
        tcase_set_timeout(all[i], 60);
        suite_add_tcase(s, all[i]);
    }
    tcase_add_test(ds, ds_no_matching_key);
    tcase_add_test(ds, ds_digest_mismatch);
    tcase_add_test(ds, ds_algorithm_mismatch);
    tcase_add_test(ds, ds_unknown_digest);
    tcase_add_test(ds, insecure_delegation);
    tcase_add_test(ds, ds_without_dnskey);
    tcase_add_loop_test(sig, rrsig_expired, 0, N_TARGETS);
    tcase_add_loop_test(sig, rrsig_not_yet_valid, 0, N_TARGETS);
    tcase_add_loop_test(sig, rrsig_bad_signature, 0, N_TARGETS);
    tcase_add_loop_test(sig, rrsig_missing, 0, N_TARGETS);
    tcase_add_loop_test(sig, rrsig_unknown_key, 0, N_TARGETS);
    tcase_add_loop_test(sig, rrsig_labels_wrong, 0, N_TARGETS);
    tcase_add_loop_test(sig, rrsig_original_ttl_exceeded, 0, N_TARGETS);
    tcase_add_test(sig, dnskey_rrsig_expired);
    tcase_add_test(sig, dnskey_revoked);
    tcase_add_test(sig, zone_expired);
    tcase_add_test(sig, unsupported_algorithm);
    tcase_add_test(sig, faults_are_in_the_fingerprint);
    tcase_add_test(sig, not_yet_valid_follows_the_clock);
    tcase_add_test(den, denial_missing);
    tcase_add_test(den, denial_wrong);
    tcase_add_test(den, nodata_nsec);
    tcase_add_loop_test(den, nsec_type_bitmap_lies, 0, N_TARGETS - 1); /* TLSA, MX, A */
    tcase_add_test(den, nxdomain_nsec3);
    tcase_add_test(den, nsec3_excess_iterations);
    tcase_add_test(den, tlsa_servfail_zone_does_not_load);
    tcase_add_test(den, mx_host_insecure_unsigns_the_host_zone);
    tcase_add_test(neg, bad_fault_declarations);
    tcase_add_test(neg, catalogue_table);
    return s;
}
