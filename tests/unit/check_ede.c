/* Unit tests for common/dl_ede: the RFC 8914 INFO-CODEs in words. */
#include "dl_ede.h"

#include <check.h>
#include <string.h>

Suite *ede_suite(void);

/* The names the lab's resolvers give for the catalogue's faults. */
START_TEST(registry_names)
{
    ck_assert_str_eq(dl_ede_name(0), "Other");
    ck_assert_str_eq(dl_ede_name(6), "DNSSEC Bogus");
    ck_assert_str_eq(dl_ede_name(7), "Signature Expired");
    ck_assert_str_eq(dl_ede_name(9), "DNSKEY Missing");
    ck_assert_str_eq(dl_ede_name(12), "NSEC Missing");
    ck_assert_str_eq(dl_ede_name(24), "Invalid Data");
    ck_assert_str_eq(dl_ede_name(27), "Unsupported NSEC3 Iterations Value");
}
END_TEST

START_TEST(text_forms)
{
    char buf[64];
    ck_assert_str_eq(dl_ede_text(buf, sizeof(buf), 6, NULL), "EDE 6 (DNSSEC Bogus)");
    ck_assert_str_eq(dl_ede_text(buf, sizeof(buf), 9, ""), "EDE 9 (DNSKEY Missing)");
    ck_assert_str_eq(dl_ede_text(buf, sizeof(buf), 7, "RRSIG expired"),
                     "EDE 7 (Signature Expired): RRSIG expired");
    dl_ede_text(buf, 12, 6, "long text that does not fit");
    ck_assert_uint_eq(strlen(buf), 11); /* truncated, terminated */
}
END_TEST

START_TEST(outside_the_registry)
{
    char buf[64] = "x";
    ck_assert_str_eq(dl_ede_name(-1), "unassigned");
    ck_assert_str_eq(dl_ede_name(28), "unassigned");
    ck_assert_str_eq(dl_ede_name(49152), "unassigned");
    ck_assert_str_eq(dl_ede_text(buf, sizeof(buf), -1, "x"), ""); /* no EDE */
    ck_assert_str_eq(dl_ede_text(buf, sizeof(buf), 999, NULL), "EDE 999 (unassigned)");
}
END_TEST

Suite *ede_suite(void)
{
    Suite *s = suite_create("ede");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, registry_names);
    tcase_add_test(pos, text_forms);
    tcase_add_test(neg, outside_the_registry);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
