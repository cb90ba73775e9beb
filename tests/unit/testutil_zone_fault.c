#include "testutil_zone_fault.h"
#include "testutil_zone.h"
#include "dl_util.h"
#include "zone_tree.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The fixture's state: the run directory of the test under way and the
 * signing time of its next build (Check runs one test at a time per process). */
static char dir[64];
static time_t build_now = NOW;

const char *tu_fault_dir(void)
{
    return dir;
}

time_t tu_fault_now(void)
{
    return build_now;
}

void tu_fault_set_now(time_t now)
{
    build_now = now;
}

static void fault_setup(void)
{
    build_now = NOW;
    strcpy(dir, "/tmp/dl-fault-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void fault_teardown(void)
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

int tu_try_build(const struct fault_case *f, struct dl_error *err)
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

ldns_rr_list *tu_read_zone(const char *file)
{
    char *path = dl_xasprintf("%s/zones/%s", dir, file);
    ldns_rr_list *all = tu_read_zone_file(path);
    free(path);
    return all;
}

struct built tu_build(const struct fault_case *f)
{
    struct dl_error err;
    struct built b;
    ck_assert_msg(tu_try_build(f, &err) == 0, "%s", err.msg);
    b.child = tu_read_zone("a.test.zone");
    b.parent = tu_read_zone("test.zone");
    return b;
}

void tu_built_free(struct built *b)
{
    ldns_rr_list_deep_free(b->child);
    ldns_rr_list_deep_free(b->parent);
}

/* ---- reading ----------------------------------------------------------- */

/* The RRSIGs over owner/type; caller deep-frees. */
ldns_rr_list *tu_sigs_of(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
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

ldns_rr *tu_the_one(ldns_rr_list *l, const char *what)
{
    ck_assert_msg(ldns_rr_list_rr_count(l) == 1, "%zu %s, wanted 1", ldns_rr_list_rr_count(l),
                  what);
    return ldns_rr_list_rr(l, 0);
}

ldns_rr *tu_ksk_of(const ldns_rr_list *all)
{
    return tu_find_ksk(all, DOMAIN);
}

uint32_t tu_sig_time(const ldns_rr *sig, bool expiration)
{
    return ldns_rdf2native_int32(expiration ? ldns_rr_rrsig_expiration(sig)
                                            : ldns_rr_rrsig_inception(sig));
}

/* Verify `sig` over its RRset with the zone's DNSKEYs at `when`. */
ldns_status tu_verify_at(const ldns_rr_list *all, const ldns_rr *sig, time_t when)
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
void tu_assert_diff(const ldns_rr_list *before, const ldns_rr_list *after, size_t n_removed,
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
void tu_assert_others_nominal(const ldns_rr_list *all, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *sigs = tu_select_rrs(all, NULL, LDNS_RR_TYPE_RRSIG);
    ldns_rdf *o = ldns_dname_new_frm_str(owner);
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr *s = ldns_rr_list_rr(sigs, i);
        if (ldns_dname_compare(ldns_rr_owner(s), o) == 0 &&
            ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(s)) == type)
            continue;
        ck_assert_uint_eq(tu_sig_time(s, false), (uint32_t)(NOW - BACKDATE));
        ck_assert_uint_eq(tu_sig_time(s, true), (uint32_t)(NOW + VALIDITY));
        ck_assert_int_eq(tu_verify_at(all, s, NOW), LDNS_STATUS_OK);
    }
    ldns_rdf_deep_free(o);
    ldns_rr_list_deep_free(sigs);
}

const struct fault_case tu_baseline = {NULL, NULL, 0, false, NULL};

const struct tu_target tu_targets[TU_N_TARGETS] = {
    {TLSA, LDNS_RR_TYPE_TLSA},
    {DOMAIN, LDNS_RR_TYPE_MX},
    {HOST, LDNS_RR_TYPE_A},
    {DOMAIN, LDNS_RR_TYPE_DNSKEY},
};

TCase *tu_fault_tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, fault_setup, fault_teardown);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return tc;
}
