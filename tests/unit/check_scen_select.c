/*
 * Unit tests for lab/scenario: the catalogue (scen_catalog_*) and scen_select:
 * order, shards, conflicts between files (data/scen/cat-*).
 */
#include "testutil_scen.h"
#include "dl_util.h"
#include "scen.h"
#include "scen_select.h"

#include <check.h>
#include <stdbool.h>
#include <string.h>

Suite *scen_select_suite(void);

/* ------------------------------------------------------------------ */
/* Catalogue                                                           */

START_TEST(catalog_sorted)
{
    const char *paths[] = {"data/scen/good", "data/scen/cat-a/dup.yaml",
                           "../../lab/scenarios/unsigned.yaml", "../../lab/scenarios/good.yaml"};
    scen_catalog *c = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_catalog_load(paths, 4, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(scen_catalog_count(c), 6);
    ck_assert_str_eq(scen_catalog_get(c, 0)->name, "dup");
    ck_assert_str_eq(scen_catalog_get(c, 1)->name, "full");
    ck_assert_str_eq(scen_catalog_get(c, 4)->name, "server");
    ck_assert_str_eq(scen_catalog_get(c, 5)->name, "unsigned");
    ck_assert_ptr_null(scen_catalog_get(c, 6));
    for (size_t i = 1; i < scen_catalog_count(c); i++)
        ck_assert_int_lt(strcmp(scen_catalog_get(c, i - 1)->name, scen_catalog_get(c, i)->name), 0);
    ck_assert_str_eq(scen_catalog_find(c, "good")->domain, "good.test.");
    ck_assert_ptr_null(scen_catalog_find(c, "nope"));
    scen_catalog_free(c);
}
END_TEST

/* --shard K/N keeps the selected scenarios whose rank in name order is
 * K-1 modulo N, whatever order the files were given in. */
START_TEST(catalog_shard)
{
    const char *paths[] = {"../../lab/scenarios/unsigned.yaml", "data/scen/good",
                           "../../lab/scenarios/good.yaml", "data/scen/cat-a/dup.yaml"};
    static const char *const want_all[] = {"full", "server"};
    bool all[6] = {true, true, true, true, true, true};
    bool some[6] = {true, false, true, true, false, true};
    scen_catalog *c = NULL;
    struct dl_error err = {{0}};
    size_t k = 0;
    ck_assert_msg(scen_catalog_load(paths, 4, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(scen_select_shard(c, all, 2, 3), 2);
    for (size_t i = 0; i < 6; i++) {
        if (!all[i])
            continue;
        ck_assert_uint_lt(k, 2);
        ck_assert_str_eq(scen_catalog_get(c, i)->name, want_all[k]);
        k++;
    }
    /* Ranks among the selected 0, 2, 3, 5: shard 1/2 keeps ranks 0 and 2. */
    ck_assert_uint_eq(scen_select_shard(c, some, 1, 2), 2);
    ck_assert(some[0] && !some[1] && !some[2] && some[3] && !some[4] && !some[5]);
    scen_catalog_free(c);
}
END_TEST

static const struct {
    const char *paths[2];
    const char *msg;
} bad_catalogs[] = {
    {{"data/scen/cat-a", "data/scen/cat-b"},
     "data/scen/cat-b/dup.yaml:2: scenario 'dup' already defined in data/scen/cat-a/dup.yaml"},
    {{"data/scen/cat-domain", NULL},
     "data/scen/cat-domain/two.yaml:4: domain 'shared.test.' already used by scenario 'one' in "
     "data/scen/cat-domain/one.yaml"},
    {{"data/scen/cat-zone", NULL},
     "data/scen/cat-zone/two.yaml:5: zone 'provider.test.' already used by scenario 'one' in "
     "data/scen/cat-zone/one.yaml"},
    {{"data/scen/good", "data/scen/bad/empty.yaml"}, "data/scen/bad/empty.yaml:1: empty file"},
    {{"data/scen/nowhere", NULL}, "data/scen/nowhere: No such file or directory"},
};

START_TEST(catalog_conflict)
{
    const char *const *paths = bad_catalogs[_i].paths;
    scen_catalog *c = NULL;
    struct dl_error err;
    ck_assert_int_eq(scen_catalog_load(paths, paths[1] ? 2 : 1, &c, &err), -1);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(err.msg, bad_catalogs[_i].msg);
}
END_TEST

Suite *scen_select_suite(void)
{
    Suite *s = suite_create("scen_select");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, catalog_sorted);
    tcase_add_test(pos, catalog_shard);
    tcase_add_loop_test(neg, catalog_conflict, 0, N(bad_catalogs));
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
