/*
 * Unit tests for lab/scenario: reading the YAML (scen_parse.c, scen_yaml.c): the
 * size limit, and hostile files built to cost time or memory.
 */
#include "testutil_scen.h"
#include "dl_util.h"
#include "scen.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

Suite *scen_parse_suite(void);

START_TEST(too_large)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path, *text = dl_xmalloc(1024 * 1024 + 2);
    struct scen *s = NULL;
    struct dl_error err;
    memset(text, '#', 1024 * 1024 + 1);
    text[1024 * 1024 + 1] = '\0';
    path = tu_write_temp("big", text, dir);
    ck_assert_int_eq(scen_load(path, &s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "at most 1048576 bytes"));
    tu_remove_temp(path, dir);
    free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Hostile: well-formed files built to cost time or memory. Each must   */
/* fail with FILE:LINE quickly (the test case's timeout bounds time).   */

/* The start of a scenario named `name` with one MX host. */
#define HOSTILE_HEAD(name) "name: " name "\nsummary: hostile\n"

#define load_fails tu_load_fails

/* Billion laughs in certificate names: ten levels, each a list of ten
 * aliases of the level before (10^10 names once expanded). */
START_TEST(hostile_alias_bomb)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("bomb") "mx: [{host: mx1}]\ncertificates:\n  l0: {names: &l0 [a.test]}\n",
          f);
    for (int l = 1; l <= 10; l++) {
        fprintf(f, "  l%d: {names: &l%d [", l, l);
        for (int i = 0; i < 10; i++)
            fprintf(f, "%s*l%d", i ? ", " : "", l - 1);
        fputs("]}\n", f);
    }
    fclose(f);
    /* Level 5 (line 10) is the first to expand past 100,000 nodes. */
    load_fails("bomb", text, "10: aliases expand this to more than 100000 nodes");
    free(text);
}
END_TEST

/* One 64 KiB records block read 41 times (its anchor and 40 aliases). */
START_TEST(hostile_alias_bytes)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("bytes") "records:\n  - &r |\n", f);
    for (int i = 0; i < 2048; i++)
        fputs("    x 300 IN TXT \"0123456789012345\"\n", f);
    for (int i = 0; i < 40; i++)
        fputs("  - *r\n", f);
    fclose(f);
    load_fails("bytes", text, "4: aliases expand this to more than 2097152 bytes");
    free(text);
}
END_TEST

/* An alias inside its own anchor's collection never ends. */
START_TEST(hostile_alias_loop)
{
    load_fails("loop", HOSTILE_HEAD("loop") "tags: &t [a, *t]\n",
               "3: nesting deeper than 32 levels (aliases expanded)");
}
END_TEST

/* A chain of `n` certificates: c0 self-signed, each next issued by the
 * one before; the text the caller frees. */
static char *cert_chain(int n)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("chain") "mx: [{host: mx1}]\ncertificates:\n  c0: {ca: true}\n", f);
    for (int i = 1; i < n; i++)
        fprintf(f, "  c%d: {ca: true, issuer: c%d}\n", i, i - 1);
    fclose(f);
    return text;
}

/* 4,000 certificates in one chain (94 KB once took 119 s to lint);
 * a chain of SCEN_MAX_CHAIN + 1 within the certificate limit. */
START_TEST(hostile_cert_chain)
{
    char *text = cert_chain(4000);
    load_fails("chain", text, "5: key 'certificates': more than 256 keys");
    free(text);
    text = cert_chain(SCEN_MAX_CERTS + 1);
    load_fails("chain", text, "5: key 'certificates': more than 64 certificates");
    free(text);
    text = cert_chain(SCEN_MAX_CHAIN + 1);
    load_fails("chain", text, "21: certificate 'c16': issuer chain longer than 16 certificates");
    free(text);
    text = cert_chain(SCEN_MAX_CHAIN);
    {
        char dir[] = "/tmp/check-scen-XXXXXX", *path = tu_write_temp("chain", text, dir);
        struct scen *s = tu_load_ok(path);
        ck_assert_uint_eq(s->n_certs, SCEN_MAX_CHAIN);
        scen_free(s);
        tu_remove_temp(path, dir);
    }
    free(text);
}
END_TEST

/* 20,000 MX hosts (duplicate checks once took 46 s on 1 MiB). */
START_TEST(hostile_many_hosts)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("hosts") "mx:\n", f);
    for (int i = 0; i < 20000; i++)
        fprintf(f, "  - host: mx%d\n", i);
    fclose(f);
    load_fails("hosts", text, "4: key 'mx': more than 64 items");
    free(text);
}
END_TEST

/* More anchors than libyaml should search through for each alias. */
START_TEST(hostile_many_anchors)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("anchors") "tags:\n", f);
    for (int i = 0; i < 300; i++)
        fprintf(f, "  - &a%d x\n", i);
    fclose(f);
    load_fails("anchors", text, "260: more than 256 anchors (&name)");
    free(text);
}
END_TEST

/* "a\0b" is a valid YAML string libyaml reports with its length: read
 * as a C string it would be cut to "a". */
START_TEST(hostile_nul)
{
    load_fails("nul", "name: nul\nsummary: \"a\\0b\"\n", "2: a string contains a NUL character");
    load_fails("nul", "name: nul\nsummary: s\n\"t\\0ags\": []\n",
               "3: a string contains a NUL character");
}
END_TEST

/* A FIFO named like a scenario: refused at once, not waited on. */
START_TEST(hostile_fifo)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_ptr_nonnull(mkdtemp(dir));
    path = dl_xasprintf("%s/x.yaml", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(scen_load(path, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
    tu_remove_temp(path, dir);
}
END_TEST

Suite *scen_parse_suite(void)
{
    Suite *s = suite_create("scen_parse");
    TCase *neg = tcase_create("Negative");
    TCase *hostile = tcase_create("Hostile");
    tcase_add_test(neg, too_large);
    tcase_add_test(hostile, hostile_alias_bomb);
    tcase_add_test(hostile, hostile_alias_bytes);
    tcase_add_test(hostile, hostile_alias_loop);
    tcase_add_test(hostile, hostile_cert_chain);
    tcase_add_test(hostile, hostile_many_hosts);
    tcase_add_test(hostile, hostile_many_anchors);
    tcase_add_test(hostile, hostile_nul);
    tcase_add_test(hostile, hostile_fifo);
    suite_add_tcase(s, neg);
    suite_add_tcase(s, hostile);
    return s;
}
