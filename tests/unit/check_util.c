/* Unit tests for common/dl_util (durations, atomic files and modes, the
 * text buffer) and common/dl_json. */
#include "dl_json.h"
#include "dl_util.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Suite *util_suite(void);

/* Both families' literals as socket addresses; anything else refused. */
START_TEST(sockaddr_families)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    ck_assert_int_eq(dl_sockaddr("127.25.1.1", 25, &ss, &len), 0);
    ck_assert_int_eq(ss.ss_family, AF_INET);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
    ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 25);
    ck_assert_int_eq(dl_sockaddr("fd53::25:1:1", 2525, &ss, &len), 0);
    ck_assert_int_eq(ss.ss_family, AF_INET6);
    ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
    ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 2525);
    ck_assert_int_eq(dl_sockaddr("mx1.good.test", 25, &ss, &len), -1);
    ck_assert_int_eq(dl_sockaddr("[::1]", 25, &ss, &len), -1);
}
END_TEST

START_TEST(duration_units)
{
    int64_t s;
    ck_assert_int_eq(dl_parse_duration("90", &s), 0);
    ck_assert_int_eq(s, 90);
    ck_assert_int_eq(dl_parse_duration("15m", &s), 0);
    ck_assert_int_eq(s, 900);
    ck_assert_int_eq(dl_parse_duration("24h", &s), 0);
    ck_assert_int_eq(s, 86400);
    ck_assert_int_eq(dl_parse_duration("-1d", &s), 0);
    ck_assert_int_eq(s, -86400);
    ck_assert_int_eq(dl_parse_duration("2w", &s), 0);
    ck_assert_int_eq(s, 14 * 86400);
}
END_TEST

START_TEST(duration_rejects)
{
    int64_t s;
    const char *bad[] = {"", "m", "15x", "15mm", "1.5h", "-", "99999999999999999999d", " 5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(dl_parse_duration(bad[i], &s) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(write_file_mode_and_content)
{
    char dir[] = "/tmp/dl-util-XXXXXX";
    struct dl_error err;
    struct stat st;
    char *sub, *path, *back = NULL;
    size_t len;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    sub = dl_xasprintf("%s/a/b", dir);
    path = dl_xasprintf("%s/secret.private", sub);
    ck_assert_int_eq(dl_mkdir_p(sub, 0700, &err), 0);
    ck_assert_int_eq(dl_write_file(path, "key\n", 4, 0600, &err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(dl_read_file(path, 100, &back, &len, &err), 0);
    ck_assert_str_eq(back, "key\n");
    ck_assert_int_eq(dl_read_file(path, 2, &back, &len, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "secret.private"));
    free(back);
    free(path);
    free(sub);
}
END_TEST

START_TEST(read_missing_names_file)
{
    struct dl_error err;
    char *out;
    ck_assert_int_eq(dl_read_file("/nonexistent/x.yaml", 10, &out, NULL, &err), -1);
    ck_assert_str_eq(err.msg, "/nonexistent/x.yaml: No such file or directory");
}
END_TEST

START_TEST(time_forms)
{
    time_t t;
    ck_assert_int_eq(dl_parse_time("@1893456000", &t), 0);
    ck_assert_int_eq(t, 1893456000);
    ck_assert_int_eq(dl_parse_time("2030-01-01T00:00:00Z", &t), 0);
    ck_assert_int_eq(t, 1893456000);
    ck_assert_int_eq(dl_parse_time("2030-01-01 00:00:00", &t), -1);
    ck_assert_int_eq(dl_parse_time("@", &t), -1);
    ck_assert_int_eq(dl_parse_time("@12x", &t), -1);
    ck_assert_int_eq(dl_parse_time("2030-01-01T00:00:00Zjunk", &t), -1);
}
END_TEST

START_TEST(clock_and_sleep)
{
    /* A sleep lasts at least what it was asked, on the monotonic clock in
     * either unit (nanosleep's promise; no upper bound is asserted). */
    int64_t t0 = dl_mono_ms();
    double s0 = dl_mono();
    dl_sleep_ms(25);
    ck_assert_int_ge(dl_mono_ms() - t0, 25);
    ck_assert(dl_mono() - s0 >= 0.025);
}
END_TEST

START_TEST(buf_str_and_reset)
{
    struct dl_buf b = {0};
    /* an untouched buffer reads as "", not NULL */
    ck_assert_str_eq(dl_buf_str(&b), "");
    ck_assert_ptr_nonnull(b.data);
    ck_assert_uint_eq(b.len, 0);
    dl_buf_printf(&b, "%s %d", "deferred", 4);
    ck_assert_str_eq(dl_buf_str(&b), "deferred 4");
    /* reset empties it and keeps its memory: the next text starts afresh */
    dl_buf_reset(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_nonnull(b.data);
    ck_assert_str_eq(dl_buf_str(&b), "");
    dl_buf_printf(&b, "ok");
    ck_assert_str_eq(dl_buf_str(&b), "ok");
    dl_buf_free(&b);
    /* reset of a buffer that never held anything stays empty */
    dl_buf_reset(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_str_eq(dl_buf_str(&b), "");
    dl_buf_free(&b);
}
END_TEST

/* Whole labels, any case; "." holds every name. */
START_TEST(name_under_labels)
{
    ck_assert(dl_name_under("mail.good.test.", "good.test."));
    ck_assert(dl_name_under("Good.Test.", "good.test."));
    ck_assert(dl_name_under("good.test.", "."));
    ck_assert(!dl_name_under("notgood.test.", "good.test."));
    ck_assert(!dl_name_under("test.", "good.test."));
}
END_TEST

START_TEST(json_str_members)
{
    json_t *o = json_pack("{s:s, s:i, s:n}", "name", "good", "port", 25, "none");
    ck_assert_str_eq(dl_json_str(o, "name"), "good");
    /* not a string, null, missing, or not an object: "" */
    ck_assert_str_eq(dl_json_str(o, "port"), "");
    ck_assert_str_eq(dl_json_str(o, "none"), "");
    ck_assert_str_eq(dl_json_str(o, "missing"), "");
    ck_assert_str_eq(dl_json_str(NULL, "name"), "");
    ck_assert_str_eq(dl_json_str(json_object_get(o, "port"), "name"), "");
    json_decref(o);
}
END_TEST

START_TEST(json_sort_by_name)
{
    json_t *a[4] = {json_pack("{s:s}", "name", "b"), json_pack("{s:s}", "name", "a"),
                    json_pack("{s:i}", "name", 1), json_pack("{s:s}", "name", "c")};
    qsort(a, 4, sizeof(a[0]), dl_json_cmp_name);
    /* a name that is not a string sorts as "" */
    ck_assert_str_eq(dl_json_str(a[0], "name"), "");
    ck_assert_str_eq(dl_json_str(a[1], "name"), "a");
    ck_assert_str_eq(dl_json_str(a[2], "name"), "b");
    ck_assert_str_eq(dl_json_str(a[3], "name"), "c");
    for (size_t i = 0; i < 4; i++)
        json_decref(a[i]);
}
END_TEST

Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, duration_units);
    tcase_add_test(pos, sockaddr_families);
    tcase_add_test(pos, write_file_mode_and_content);
    tcase_add_test(pos, time_forms);
    tcase_add_test(pos, clock_and_sleep);
    tcase_add_test(pos, buf_str_and_reset);
    tcase_add_test(pos, json_str_members);
    tcase_add_test(pos, json_sort_by_name);
    tcase_add_test(pos, name_under_labels);
    tcase_add_test(neg, duration_rejects);
    tcase_add_test(neg, read_missing_names_file);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
