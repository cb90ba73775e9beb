/*
 * Unit tests for lab/world/lab_conf's RUN/etc/probes: what a start before
 * the build (lab_up_early_begin) reads back without the tree must be the
 * probes lab_world_up() computes from it; anything but the file written
 * is refused with the file and the line named.
 */
#include "dl_util.h"
#include "lab_conf.h"
#include "testutil_certs.h"
#include "zone_tree.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Suite *lab_conf_suite(void);

static zone_tree *small_tree(const char *run)
{
    static const struct {
        const char *origin, *addr;
    } zones[] = {{".", LAB_ADDR_PARENT}, {"test.", LAB_ADDR_PARENT}, {"a.test.", LAB_ADDR_CHILD}};
    struct zone_tree_opts o = {.run_dir = run, .now = T2030};
    zone_tree *t = zone_tree_new(&o);
    struct dl_error err;
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        struct zone_def d = {.origin = zones[i].origin,
                             .is_signed = true,
                             .publish_ds = true,
                             .algorithm = 13,
                             .ns_name = "ns.nic.test.",
                             .ns_addr = zones[i].addr};
        ck_assert_msg(zone_tree_add_zone(t, &d, &err) == 0, "%s", err.msg);
    }
    return t;
}

START_TEST(probes_round_trip)
{
    char *run = tu_tmpdir_new(), *probe[LAB_SERVER_COUNT], *text = NULL,
         *path = dl_xasprintf("%s/etc/probes", run);
    zone_tree *t = small_tree(run);
    struct dl_error err;
    ck_assert_int_eq(dl_mkdir_p(path, 0755, &err), 0); /* etc/probes/ ... */
    ck_assert_int_eq(rmdir(path), 0);                  /* ... leaves etc/ */
    ck_assert_msg(lab_conf_write_probes(run, t, "127.25.1.1", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(dl_read_file(path, 4096, &text, NULL, &err), 0);
    ck_assert_str_eq(text, "nsd-parent .\nnsd-child a.test.\nunbound .\nfakesmtp 127.25.1.1\n"
                           "fakedns -\n");
    ck_assert_msg(lab_conf_read_probes(run, probe, &err) == 0, "%s", err.msg);
    for (int i = 0; i < LAB_SERVER_COUNT; i++) {
        const char *want = i == LAB_FAKESMTP ? "127.25.1.1" : lab_conf_probe_name(t, i);
        if (want == NULL)
            ck_assert_ptr_null(probe[i]);
        else
            ck_assert_str_eq(probe[i], want);
        free(probe[i]);
    }
    free(text);
    /* no SMTP server: fakesmtp not started */
    ck_assert_int_eq(lab_conf_write_probes(run, t, NULL, &err), 0);
    ck_assert_int_eq(lab_conf_read_probes(run, probe, &err), 0);
    ck_assert_ptr_null(probe[LAB_FAKESMTP]);
    for (int i = 0; i < LAB_SERVER_COUNT; i++)
        free(probe[i]);
    zone_tree_free(t);
    free(path);
    tu_rm_rf(run);
}
END_TEST

START_TEST(probes_refused)
{
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"nsd-parent .\nnsd-child a.test.\nunbound .\nfakesmtp 127.25.1.1\n", "line 5"},
        {"nsd-parent .\nnsd-child a.test.\nunbound .\nfakesmtp\nfakedns -\n", "line 4"},
        {"nsd-child a.test.\nnsd-parent .\nunbound .\nfakesmtp -\nfakedns -\n", "line 1"},
        {"nsd-parent . x\nnsd-child a.test.\nunbound .\nfakesmtp -\nfakedns -\n", "line 1"},
        {"nsd-parent \nnsd-child a.test.\nunbound .\nfakesmtp -\nfakedns -\n", "line 1"},
        {"", "line 1"},
    };
    char *run = tu_tmpdir_new(), *probe[LAB_SERVER_COUNT],
         *path = dl_xasprintf("%s/etc/probes", run), *etc = dl_xasprintf("%s/etc", run);
    struct dl_error err;
    ck_assert_int_eq(lab_conf_read_probes(run, probe, &err), -1); /* missing */
    ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
    ck_assert_int_eq(dl_mkdir_p(etc, 0755, &err), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(dl_write_file(path, bad[i].text, strlen(bad[i].text), 0644, &err), 0);
        ck_assert_msg(lab_conf_read_probes(run, probe, &err) == -1, "accepted: %s", bad[i].text);
        ck_assert_msg(strstr(err.msg, path) != NULL && strstr(err.msg, bad[i].says) != NULL,
                      "%s: %s", bad[i].text, err.msg);
        for (int k = 0; k < LAB_SERVER_COUNT; k++)
            ck_assert_ptr_null(probe[k]);
    }
    free(path);
    free(etc);
    tu_rm_rf(run);
}
END_TEST

Suite *lab_conf_suite(void)
{
    Suite *s = suite_create("lab_conf");
    TCase *tc = tcase_create("probes");
    tcase_add_test(tc, probes_round_trip);
    tcase_add_test(tc, probes_refused);
    suite_add_tcase(s, tc);
    return s;
}
