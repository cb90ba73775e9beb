/*
 * Unit tests for zones/zone_tree: the signed hierarchy as written to disk.
 * Every check reads the zone files back (ldns_zone_new_frm_fp) and judges
 * them as a resolver would: DS against the child's DNSKEY, RRSIGs verified
 * cryptographically at the build's virtual time, ldns-verify-zone.
 */
#include "testutil_zone.h"
#include "dl_util.h"
#include "zone_tree.h"

#include <check.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Suite *zone_tree_suite(void);

#define T2030    ((time_t)1893456000) /* 2030-01-01T00:00:00Z */
#define VALIDITY (10u * 86400u)
#define BACKDATE 7200u
#define TLSA_HEX "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"

/* ---- fixture: a small world --------------------------------------------- */

struct world {
    char dir[64];
    time_t now;
    const char *extra_rr; /* one more record in good.test., or NULL */
};

static void world_init(struct world *w, time_t now)
{
    memset(w, 0, sizeof(*w));
    strcpy(w->dir, "/tmp/dl-zone-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(w->dir));
    w->now = now;
}

static void rm_rf(const char *dir)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

static void add_zone(zone_tree *t, const char *origin, bool is_signed, const char *ns)
{
    struct zone_def d = {.origin = origin,
                         .is_signed = is_signed,
                         .publish_ds = true,
                         .algorithm = 13,
                         .ns_name = ns,
                         .ns_addr = "127.53.0.1"};
    struct dl_error err;
    if (strcmp(origin, "nsec3.test.") == 0) {
        d.nsec3 = true;
        d.nsec3_iterations = 5;
        d.nsec3_salt = "aabbccdd";
    }
    ck_assert_msg(zone_tree_add_zone(t, &d, &err) == 0, "%s", err.msg);
}

static void add_rr(zone_tree *t, const char *text, const char *origin)
{
    struct dl_error err;
    ck_assert_msg(zone_tree_add_rr(t, text, origin, "test.yaml:1", &err) == 0, "%s", err.msg);
}

/* Root, TLD, a signed domain, an unsigned one and an NSEC3 one. Zones and
 * records are declared in no particular order on purpose. */
static int world_build(const struct world *w, struct zone_tree_stats *st, struct dl_error *err)
{
    struct zone_tree_opts o = {
        .run_dir = w->dir, .now = w->now, .validity = VALIDITY, .backdate = BACKDATE};
    zone_tree *t = zone_tree_new(&o);
    int rc;
    add_zone(t, "good.test.", true, "ns.good.test.");
    add_rr(t, "@ MX 10 mx", "good.test.");
    add_rr(t, "mx A 127.25.0.1", "good.test.");
    add_rr(t, "_25._tcp.mx.good.test. TLSA 3 1 1 " TLSA_HEX, NULL);
    if (w->extra_rr != NULL)
        add_rr(t, w->extra_rr, "good.test.");
    add_zone(t, ".", true, "a.root-servers.test.");
    add_zone(t, "test.", true, "ns.test.");
    add_zone(t, "plain.test.", false, "ns.test.");
    add_zone(t, "nsec3.test.", true, "ns.nsec3.test.");
    add_rr(t, "plain.test. MX 10 mx.plain.test.", NULL);
    add_rr(t, "mx.plain.test. A 127.25.1.1", NULL);
    add_rr(t, "www.nsec3.test. A 127.25.2.1", NULL);
    rc = zone_tree_build(t, st, err);
    zone_tree_free(t);
    return rc;
}

static void world_build_ok(const struct world *w, struct zone_tree_stats *st)
{
    struct dl_error err;
    ck_assert_msg(world_build(w, st, &err) == 0, "%s", err.msg);
}

/* ---- reading the written files ------------------------------------------ */

static char *zone_path(const struct world *w, const char *file)
{
    return dl_xasprintf("%s/zones/%s", w->dir, file);
}

/* Every record of a written zone file, SOA included; caller deep-frees. */
static ldns_rr_list *read_zone(const struct world *w, const char *file)
{
    char *path = zone_path(w, file);
    ldns_rr_list *all = tu_read_zone_file(path);
    free(path);
    return all;
}

static uint16_t rrsig_tag(const ldns_rr *sig)
{
    return ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
}

/* The RRset an RRSIG covers. */
static ldns_rr_list *covered_rrset(const ldns_rr_list *all, const ldns_rr *sig)
{
    char *owner = ldns_rdf2str(ldns_rr_owner(sig));
    ldns_rr_type type = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
    ldns_rr_list *set = tu_select_rrs(all, owner, type);
    free(owner);
    return set;
}

/* Verify every RRSIG of a written zone with its DNSKEY RRset at `when`;
 * DNSKEY must be signed by the KSK only, everything else by the ZSK only.
 * Returns the number of signatures checked. */
static size_t verify_zone(const ldns_rr_list *all, const char *origin, time_t when)
{
    ldns_rr_list *keys = tu_select_rrs(all, origin, LDNS_RR_TYPE_DNSKEY);
    ldns_rr_list *sigs = tu_select_rrs(all, NULL, LDNS_RR_TYPE_RRSIG);
    ldns_rr *ksk = tu_find_ksk(all, origin);
    uint16_t ksk_tag = ldns_calc_keytag(ksk);
    size_t n;
    ck_assert_uint_eq(ldns_rr_list_rr_count(keys), 2);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *sig = ldns_rr_list_rr(sigs, i);
        ldns_rr_list *set = covered_rrset(all, sig), *good = ldns_rr_list_new();
        bool is_dnskey = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) == LDNS_RR_TYPE_DNSKEY;
        ldns_status st = ldns_verify_rrsig_keylist_time(set, sig, keys, when, good);
        char *text = ldns_rr2str(sig);
        ck_assert_msg(st == LDNS_STATUS_OK, "%s: %s", text, ldns_get_errorstr_by_id(st));
        ck_assert_msg(is_dnskey == (rrsig_tag(sig) == ksk_tag), "wrong key for %s", text);
        free(text);
        ldns_rr_list_deep_free(set);
        ldns_rr_list_free(good);
    }
    ldns_rr_free(ksk);
    ldns_rr_list_deep_free(keys);
    n = ldns_rr_list_rr_count(sigs);
    ldns_rr_list_deep_free(sigs);
    return n;
}

/* Whether the RRset owner/type carries an RRSIG in the file. */
static bool is_signed_rrset(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *sigs = tu_select_rrs(all, owner, LDNS_RR_TYPE_RRSIG);
    bool found = false;
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++)
        if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(ldns_rr_list_rr(sigs, i))) == type)
            found = true;
    ldns_rr_list_deep_free(sigs);
    return found;
}

static char *read_text(const char *path)
{
    struct dl_error err;
    char *text = NULL;
    ck_assert_msg(dl_read_file(path, 1 << 20, &text, NULL, &err) == 0, "%s", err.msg);
    return text;
}

/* ---- positive ------------------------------------------------------------ */

static void assert_ds_matches(const struct world *w, const char *child, const char *child_file,
                              const char *parent_file)
{
    ldns_rr_list *c = read_zone(w, child_file), *p = read_zone(w, parent_file);
    ldns_rr *ksk = tu_find_ksk(c, child), *want = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ldns_rr_list *ds = tu_select_rrs(p, child, LDNS_RR_TYPE_DS);
    ck_assert_uint_eq(ldns_rr_list_rr_count(ds), 1);
    ck_assert_msg(ldns_rr_compare(want, ldns_rr_list_rr(ds, 0)) == 0, "DS of %s does not match",
                  child);
    ck_assert_msg(is_signed_rrset(p, child, LDNS_RR_TYPE_DS), "DS of %s unsigned", child);
    ldns_rr_free(want);
    ldns_rr_free(ksk);
    ldns_rr_list_deep_free(ds);
    ldns_rr_list_deep_free(c);
    ldns_rr_list_deep_free(p);
}

START_TEST(ds_matches_child_ksk)
{
    struct world w;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    assert_ds_matches(&w, "good.test.", "good.test.zone", "test.zone");
    assert_ds_matches(&w, "nsec3.test.", "nsec3.test.zone", "test.zone");
    assert_ds_matches(&w, "test.", "test.zone", "root.zone");
    rm_rf(w.dir);
}
END_TEST

/* How many of the DS records `ds` match one of the DNSKEYs `keys`. */
static size_t ds_matching(const ldns_rr_list *ds, const ldns_rr_list *keys)
{
    size_t n = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(ds); i++)
        for (size_t k = 0; k < ldns_rr_list_rr_count(keys); k++)
            if (ldns_rr_compare_ds(ldns_rr_list_rr(ds, i), ldns_rr_list_rr(keys, k)))
                n++;
    return n;
}

/* The DS RRset a parent publishes: for the second algorithm's KSK only
 * (ds_algorithms 2), SHA-384, beside a stale DS that matches no key; and a
 * SHA-1 DS alone. The rollover child publishes both pairs. */
START_TEST(ds_forms)
{
    struct world w;
    struct zone_tree_opts o;
    struct zone_def roll = {.origin = "roll.test.",
                            .is_signed = true,
                            .publish_ds = true,
                            .algorithm = LDNS_RSASHA256,
                            .algorithm2 = LDNS_ECDSAP256SHA256,
                            .algorithm2_signs = true,
                            .ds_algorithms = 2,
                            .ds_digest = LDNS_SHA384,
                            .ds_stale = true,
                            .ns_name = "ns.test.",
                            .ns_addr = "127.53.0.1"};
    struct zone_def sha1 = roll;
    struct dl_error err;
    ldns_rr_list *test, *rz, *sz, *ds, *keys;
    zone_tree *t;
    world_init(&w, T2030);
    o = (struct zone_tree_opts){.run_dir = w.dir, .now = w.now, .validity = VALIDITY};
    t = zone_tree_new(&o);
    sha1.origin = "sha1.test.";
    sha1.algorithm = LDNS_ECDSAP256SHA256;
    sha1.algorithm2 = 0;
    sha1.ds_algorithms = 0;
    sha1.ds_digest = LDNS_SHA1;
    sha1.ds_stale = false;
    add_zone(t, ".", true, "a.root-servers.test.");
    add_zone(t, "test.", true, "ns.test.");
    ck_assert_msg(zone_tree_add_zone(t, &roll, &err) == 0, "%s", err.msg);
    ck_assert_msg(zone_tree_add_zone(t, &sha1, &err) == 0, "%s", err.msg);
    ck_assert_msg(zone_tree_build(t, NULL, &err) == 0, "%s", err.msg);
    zone_tree_free(t);
    test = read_zone(&w, "test.zone");
    rz = read_zone(&w, "roll.test.zone");
    keys = tu_select_rrs(rz, "roll.test.", LDNS_RR_TYPE_DNSKEY);
    ck_assert_uint_eq(ldns_rr_list_rr_count(keys), 4);
    ds = tu_select_rrs(test, "roll.test.", LDNS_RR_TYPE_DS);
    ck_assert_uint_eq(ldns_rr_list_rr_count(ds), 2);
    ck_assert_uint_eq(ds_matching(ds, keys), 1);
    for (size_t i = 0; i < 2; i++) {
        ldns_rr *d = ldns_rr_list_rr(ds, i);
        ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(d, 1)), LDNS_ECDSAP256SHA256);
        ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(d, 2)), LDNS_SHA384);
    }
    ldns_rr_list_deep_free(ds);
    ldns_rr_list_deep_free(keys);
    sz = read_zone(&w, "sha1.test.zone");
    keys = tu_select_rrs(sz, "sha1.test.", LDNS_RR_TYPE_DNSKEY);
    ds = tu_select_rrs(test, "sha1.test.", LDNS_RR_TYPE_DS);
    ck_assert_uint_eq(ldns_rr_list_rr_count(ds), 1);
    ck_assert_uint_eq(ds_matching(ds, keys), 1);
    ck_assert_int_eq(ldns_rdf2native_int8(ldns_rr_rdf(ldns_rr_list_rr(ds, 0), 2)), LDNS_SHA1);
    ldns_rr_list_deep_free(ds);
    ldns_rr_list_deep_free(keys);
    ldns_rr_list_deep_free(sz);
    ldns_rr_list_deep_free(rz);
    ldns_rr_list_deep_free(test);
    rm_rf(w.dir);
}
END_TEST

START_TEST(signatures_verify_with_right_keys)
{
    struct world w;
    const char *zones[][2] = {{".", "root.zone"},
                              {"test.", "test.zone"},
                              {"good.test.", "good.test.zone"},
                              {"nsec3.test.", "nsec3.test.zone"}};
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    for (size_t i = 0; i < 4; i++) {
        ldns_rr_list *all = read_zone(&w, zones[i][1]);
        ck_assert_uint_gt(verify_zone(all, zones[i][0], T2030), 3);
        ldns_rr_list_deep_free(all);
    }
    rm_rf(w.dir);
}
END_TEST

START_TEST(delegations_and_glue)
{
    struct world w;
    ldns_rr_list *test, *good, *root;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    test = read_zone(&w, "test.zone");
    good = read_zone(&w, "good.test.zone");
    ck_assert_uint_eq(tu_count_rrs(test, "good.test.", LDNS_RR_TYPE_NS), 1);
    ck_assert_uint_eq(tu_count_rrs(test, "ns.good.test.", LDNS_RR_TYPE_A), 1); /* glue */
    ck_assert(!is_signed_rrset(test, "good.test.", LDNS_RR_TYPE_NS));
    ck_assert(!is_signed_rrset(test, "ns.good.test.", LDNS_RR_TYPE_A));
    ck_assert_uint_eq(tu_count_rrs(test, "a.root-servers.test.", LDNS_RR_TYPE_A), 1);
    ck_assert(is_signed_rrset(test, "a.root-servers.test.", LDNS_RR_TYPE_A));
    root = read_zone(&w, "root.zone"); /* and as unsigned glue in the root */
    ck_assert_uint_eq(tu_count_rrs(root, "a.root-servers.test.", LDNS_RR_TYPE_A), 1);
    ck_assert(!is_signed_rrset(root, "a.root-servers.test.", LDNS_RR_TYPE_A));
    ck_assert(!is_signed_rrset(root, "ns.test.", LDNS_RR_TYPE_A));
    ldns_rr_list_deep_free(root);
    ck_assert_uint_eq(tu_count_rrs(test, "ns.test.", LDNS_RR_TYPE_A), 1); /* shared: once */
    ck_assert(is_signed_rrset(good, "good.test.", LDNS_RR_TYPE_NS));
    ck_assert(is_signed_rrset(good, "ns.good.test.", LDNS_RR_TYPE_A));
    ck_assert(is_signed_rrset(good, "_25._tcp.mx.good.test.", LDNS_RR_TYPE_TLSA));
    ck_assert(is_signed_rrset(good, "good.test.", LDNS_RR_TYPE_MX));
    ck_assert_uint_gt(tu_count_rrs(good, NULL, LDNS_RR_TYPE_NSEC), 3);
    ldns_rr_list_deep_free(test);
    ldns_rr_list_deep_free(good);
    rm_rf(w.dir);
}
END_TEST

START_TEST(rrsig_times_follow_virtual_now)
{
    struct world w;
    ldns_rr_list *all, *sigs;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    all = read_zone(&w, "good.test.zone");
    sigs = tu_select_rrs(all, NULL, LDNS_RR_TYPE_RRSIG);
    ck_assert_uint_gt(ldns_rr_list_rr_count(sigs), 5);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        ck_assert_int_eq(ldns_rdf2native_time_t(ldns_rr_rrsig_inception(s)), T2030 - BACKDATE);
        ck_assert_int_eq(ldns_rdf2native_time_t(ldns_rr_rrsig_expiration(s)), T2030 + VALIDITY);
    }
    ldns_rr_list_deep_free(sigs);
    ldns_rr_list_deep_free(all);
    rm_rf(w.dir);
}
END_TEST

START_TEST(trust_anchor_is_root_ksk_ds)
{
    struct world w;
    char *path, *text;
    ldns_rr *ds = NULL, *ksk, *want;
    ldns_rr_list *root;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    path = dl_xasprintf("%s/root.key", w.dir);
    text = read_text(path);
    ck_assert_ptr_eq(strchr(text, '\n'), text + strlen(text) - 1); /* one record, one line */
    ck_assert_int_eq(ldns_rr_new_frm_str(&ds, text, 0, NULL, NULL), LDNS_STATUS_OK);
    ck_assert_int_eq(ldns_rr_get_type(ds), LDNS_RR_TYPE_DS);
    root = read_zone(&w, "root.zone");
    ksk = tu_find_ksk(root, ".");
    want = ldns_key_rr2ds(ksk, LDNS_SHA256);
    ck_assert_int_eq(ldns_rr_compare(ds, want), 0);
    ldns_rr_free(want);
    ldns_rr_free(ksk);
    ldns_rr_free(ds);
    ldns_rr_list_deep_free(root);
    free(text);
    free(path);
    rm_rf(w.dir);
}
END_TEST

START_TEST(unsigned_child_has_no_ds)
{
    struct world w;
    ldns_rr_list *test, *plain;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    test = read_zone(&w, "test.zone");
    plain = read_zone(&w, "plain.test.zone");
    ck_assert_uint_eq(tu_count_rrs(test, "plain.test.", LDNS_RR_TYPE_NS), 1);
    ck_assert_uint_eq(tu_count_rrs(test, "plain.test.", LDNS_RR_TYPE_DS), 0);
    ck_assert_uint_eq(tu_count_rrs(plain, NULL, LDNS_RR_TYPE_RRSIG), 0);
    ck_assert_uint_eq(tu_count_rrs(plain, NULL, LDNS_RR_TYPE_DNSKEY), 0);
    ck_assert_uint_eq(tu_count_rrs(plain, "plain.test.", LDNS_RR_TYPE_MX), 1);
    ldns_rr_list_deep_free(test);
    ldns_rr_list_deep_free(plain);
    rm_rf(w.dir);
}
END_TEST

START_TEST(nsec3_zone_has_requested_params)
{
    struct world w;
    ldns_rr_list *all, *n3;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    all = read_zone(&w, "nsec3.test.zone");
    ck_assert_uint_eq(tu_count_rrs(all, "nsec3.test.", LDNS_RR_TYPE_NSEC3PARAM), 1);
    ck_assert_uint_eq(tu_count_rrs(all, NULL, LDNS_RR_TYPE_NSEC), 0);
    n3 = tu_select_rrs(all, NULL, LDNS_RR_TYPE_NSEC3);
    ck_assert_uint_ge(ldns_rr_list_rr_count(n3), 3); /* apex, ns, www */
    for (size_t i = 0; i < ldns_rr_list_rr_count(n3); i++) {
        ldns_rr *rr = ldns_rr_list_rr(n3, i);
        ck_assert_uint_eq(ldns_nsec3_iterations(rr), 5);
        ck_assert_uint_eq(ldns_nsec3_salt_length(rr), 4);
        ck_assert_uint_eq(ldns_nsec3_flags(rr) & 1, 0); /* no opt-out */
    }
    ldns_rr_list_deep_free(n3);
    ldns_rr_list_deep_free(all);
    rm_rf(w.dir);
}
END_TEST

/* ---- incremental builds ---------------------------------------------------- */

struct key_file {
    char *text;
    struct stat st;
};

static void key_file_read(const struct world *w, const char *rel, struct key_file *k)
{
    char *path = dl_xasprintf("%s/keys/%s", w->dir, rel);
    ck_assert_int_eq(stat(path, &k->st), 0);
    ck_assert_int_eq(k->st.st_mode & 0777, 0600);
    k->text = read_text(path);
    free(path);
}

/* The whole text of a written zone file; caller frees. */
static char *zone_text(const struct world *w, const char *file)
{
    char *path = zone_path(w, file), *text = read_text(path);
    free(path);
    return text;
}

static char *zone_head(const struct world *w, const char *file)
{
    char *path = zone_path(w, file), *text = read_text(path), *nl = strchr(text, '\n');
    free(path);
    if (nl != NULL)
        nl[1] = '\0';
    return text;
}

START_TEST(warm_rebuild_reuses_keys_and_files)
{
    struct world w;
    struct zone_tree_stats s1, s2;
    struct key_file a, b;
    struct stat dst;
    char *keydir, *head1, *head2;
    world_init(&w, T2030);
    world_build_ok(&w, &s1);
    ck_assert_uint_eq(s1.zones, 5);
    ck_assert_uint_eq(s1.keys_created, 8);
    ck_assert_uint_eq(s1.signed_now, 5);
    ck_assert_uint_gt(s1.signatures, 20);
    key_file_read(&w, "good.test/ksk-13.private", &a);
    keydir = dl_xasprintf("%s/keys/root", w.dir);
    ck_assert_int_eq(stat(keydir, &dst), 0);
    ck_assert_int_eq(dst.st_mode & 0777, 0700);
    head1 = zone_head(&w, "root.zone");
    ck_assert_ptr_nonnull(strstr(head1, "; danelab-zone fingerprint="));

    world_build_ok(&w, &s2);
    ck_assert_uint_eq(s2.keys_created, 0);
    ck_assert_uint_eq(s2.cached, s2.zones);
    ck_assert_uint_eq(s2.signed_now, 0);
    ck_assert_uint_eq(s2.signatures, 0);
    key_file_read(&w, "good.test/ksk-13.private", &b);
    ck_assert_str_eq(a.text, b.text);
    ck_assert_int_eq(a.st.st_ino, b.st.st_ino); /* not even rewritten */
    head2 = zone_head(&w, "root.zone");
    ck_assert_str_eq(head1, head2);
    free(a.text);
    free(b.text);
    free(head1);
    free(head2);
    free(keydir);
    rm_rf(w.dir);
}
END_TEST

static uint32_t soa_serial(const struct world *w, const char *file)
{
    ldns_rr_list *all = read_zone(w, file), *soa = tu_select_rrs(all, NULL, LDNS_RR_TYPE_SOA);
    uint32_t serial = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(soa, 0), 2));
    ldns_rr_list_deep_free(soa);
    ldns_rr_list_deep_free(all);
    return serial;
}

START_TEST(changed_record_resigns_its_zone_only)
{
    struct world w;
    struct zone_tree_stats s;
    ldns_rr_list *all;
    uint32_t serial1;
    char *test1, *test2;
    world_init(&w, T2030);
    world_build_ok(&w, &s);
    serial1 = soa_serial(&w, "good.test.zone");
    test1 = zone_text(&w, "test.zone");
    w.extra_rr = "www A 127.25.0.2";
    world_build_ok(&w, &s);
    ck_assert_uint_eq(s.signed_now, 1);
    ck_assert_uint_eq(s.cached, 4);
    ck_assert_uint_gt(soa_serial(&w, "good.test.zone"), serial1); /* same now: bumped */
    all = read_zone(&w, "good.test.zone");
    ck_assert_uint_eq(tu_count_rrs(all, "www.good.test.", LDNS_RR_TYPE_A), 1);
    ck_assert_uint_gt(verify_zone(all, "good.test.", T2030), 5);
    ldns_rr_list_deep_free(all);
    test2 = zone_text(&w, "test.zone");
    ck_assert_str_eq(test1, test2); /* the DS did not change */
    free(test1);
    free(test2);
    rm_rf(w.dir);
}
END_TEST

START_TEST(ageing_signatures_are_renewed)
{
    struct world w;
    struct zone_tree_stats s;
    world_init(&w, T2030);
    world_build_ok(&w, &s);
    w.now = T2030 + VALIDITY / 2 - 60; /* still half the validity left */
    world_build_ok(&w, &s);
    ck_assert_uint_eq(s.cached, 5);
    w.now = T2030 + VALIDITY / 2 + 60;
    world_build_ok(&w, &s);
    ck_assert_uint_eq(s.signed_now, 4); /* every signed zone; plain.test. kept */
    ck_assert_uint_eq(s.cached, 1);
    w.now = T2030 - 86400; /* back before the inception */
    world_build_ok(&w, &s);
    ck_assert_uint_eq(s.signed_now, 4);
    rm_rf(w.dir);
}
END_TEST

/* ---- an independent validator ------------------------------------------------ */

static int run_verify_zone(const char *path, const char *when)
{
    int status;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execlp("ldns-verify-zone", "ldns-verify-zone", "-V", "1", "-t", when, path, (char *)NULL);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(ldns_verify_zone_accepts_every_signed_zone)
{
    struct world w;
    const char *files[] = {"root.zone", "test.zone", "good.test.zone", "nsec3.test.zone"};
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    for (size_t i = 0; i < 4; i++) {
        char *path = zone_path(&w, files[i]);
        ck_assert_msg(run_verify_zone(path, "20300101120000") == 0, "ldns-verify-zone %s", path);
        /* and the same tool rejects it once the signatures have expired */
        ck_assert_msg(run_verify_zone(path, "20300201000000") != 0, "expired %s", path);
        free(path);
    }
    rm_rf(w.dir);
}
END_TEST

/* ---- negative -------------------------------------------------------------- */

static zone_tree *tld_only(const char *dir)
{
    struct zone_tree_opts o = {.run_dir = dir, .now = T2030};
    zone_tree *t = zone_tree_new(&o);
    add_zone(t, "test.", true, "ns.test.");
    return t;
}

START_TEST(record_outside_every_zone)
{
    struct world w;
    struct dl_error err;
    zone_tree *t;
    world_init(&w, T2030);
    t = tld_only(w.dir);
    ck_assert_int_eq(zone_tree_add_rr(t, "www.example. A 192.0.2.1", NULL, "s.yaml:7", &err), 0);
    ck_assert_int_eq(zone_tree_build(t, NULL, &err), -1);
    ck_assert_str_eq(err.msg, "s.yaml:7: record owner 'www.example.' is in no lab zone");
    zone_tree_free(t);
    rm_rf(w.dir);
}
END_TEST

START_TEST(duplicate_zone)
{
    struct world w;
    struct dl_error err;
    struct zone_def d = {
        .origin = "TEST.", .algorithm = 13, .ns_name = "ns.test.", .ns_addr = "127.0.0.1"};
    zone_tree *t;
    world_init(&w, T2030);
    t = tld_only(w.dir);
    ck_assert_int_eq(zone_tree_add_zone(t, &d, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "test."));
    ck_assert_ptr_nonnull(strstr(err.msg, "twice"));
    zone_tree_free(t);
    rm_rf(w.dir);
}
END_TEST

START_TEST(bad_record_text_names_where)
{
    struct world w;
    struct dl_error err;
    const char *bad[] = {"www A 300.1.2.3", "www TLSA 3 1 1 zz", "www NOSUCHTYPE 1",
                         "test. SOA a. b. 1 2 3 4 5"};
    zone_tree *t;
    world_init(&w, T2030);
    t = tld_only(w.dir);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(zone_tree_add_rr(t, bad[i], "test.", "s.yaml:12", &err), -1);
        ck_assert_msg(strncmp(err.msg, "s.yaml:12: ", 11) == 0, "%s", err.msg);
    }
    zone_tree_free(t);
    rm_rf(w.dir);
}
END_TEST

START_TEST(bad_zone_definitions)
{
    struct dl_error err;
    struct zone_tree_opts o = {.run_dir = "/nonexistent"};
    struct zone_def defs[] = {
        {.origin = "test", .algorithm = 13, .ns_name = "ns.test.", .ns_addr = "127.0.0.1"},
        {.origin = "a/b.test.", .algorithm = 13, .ns_name = "ns.test.", .ns_addr = "127.0.0.1"},
        {.origin = "x.test.",
         .is_signed = true,
         .algorithm = 5,
         .ns_name = "ns.test.",
         .ns_addr = "127.0.0.1"},
        {.origin = "x.test.", .algorithm = 13, .ns_name = "ns.test.", .ns_addr = "::1"},
        {.origin = "x.test.", .algorithm = 13, .ns_name = "ns", .ns_addr = "127.0.0.1"},
        {.origin = "x.test.",
         .is_signed = true,
         .algorithm = 13,
         .nsec3 = true,
         .nsec3_salt = "xyz",
         .ns_name = "ns.test.",
         .ns_addr = "127.0.0.1"},
    };
    zone_tree *t = zone_tree_new(&o);
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        ck_assert_int_eq(zone_tree_add_zone(t, &defs[i], &err), -1);
        ck_assert_msg(strstr(err.msg, defs[i].origin) != NULL || i == 0, "%s", err.msg);
    }
    ck_assert_uint_eq(zone_tree_count(t), 0);
    zone_tree_free(t);
}
END_TEST

START_TEST(name_server_in_no_zone)
{
    struct world w;
    struct dl_error err;
    zone_tree *t;
    world_init(&w, T2030);
    t = tld_only(w.dir);
    add_zone(t, "good.test.", true, "ns.example.");
    ck_assert_int_eq(zone_tree_build(t, NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "good.test."));
    ck_assert_ptr_nonnull(strstr(err.msg, "ns.example."));
    zone_tree_free(t);
    rm_rf(w.dir);
}
END_TEST

START_TEST(corrupt_cached_key_is_an_error)
{
    struct world w;
    struct dl_error err;
    char *path;
    world_init(&w, T2030);
    world_build_ok(&w, NULL);
    path = dl_xasprintf("%s/keys/good.test/zsk-13.private", w.dir);
    ck_assert_int_eq(dl_write_file(path, "garbage\n", 8, 0600, &err), 0);
    ck_assert_int_eq(world_build(&w, NULL, &err), -1);
    ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
    free(path);
    rm_rf(w.dir);
}
END_TEST

Suite *zone_tree_suite(void)
{
    Suite *s = suite_create("zone_tree");
    TCase *pos = tcase_create("Positive");
    TCase *inc = tcase_create("Incremental");
    TCase *neg = tcase_create("Negative");
    tcase_set_timeout(pos, 60);
    tcase_set_timeout(inc, 60);
    tcase_add_test(pos, ds_matches_child_ksk);
    tcase_add_test(pos, ds_forms);
    tcase_add_test(pos, signatures_verify_with_right_keys);
    tcase_add_test(pos, delegations_and_glue);
    tcase_add_test(pos, rrsig_times_follow_virtual_now);
    tcase_add_test(pos, trust_anchor_is_root_ksk_ds);
    tcase_add_test(pos, unsigned_child_has_no_ds);
    tcase_add_test(pos, nsec3_zone_has_requested_params);
    tcase_add_test(pos, ldns_verify_zone_accepts_every_signed_zone);
    tcase_add_test(inc, warm_rebuild_reuses_keys_and_files);
    tcase_add_test(inc, changed_record_resigns_its_zone_only);
    tcase_add_test(inc, ageing_signatures_are_renewed);
    tcase_add_test(neg, record_outside_every_zone);
    tcase_add_test(neg, duplicate_zone);
    tcase_add_test(neg, bad_record_text_names_where);
    tcase_add_test(neg, bad_zone_definitions);
    tcase_add_test(neg, name_server_in_no_zone);
    tcase_add_test(neg, corrupt_cached_key_is_an_error);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, inc);
    suite_add_tcase(s, neg);
    return s;
}
