/*
 * Unit tests for lab_merge: `report merge` of reports given in memory
 * (lab_merge_mem, what tests/fuzz/fuzz_merge.c drives) writes what the
 * same reports read from files write, and refuses what they refuse.
 * data/report/shard1.json and shard2.json are the two shards of a
 * `danelab run --shard K/2 --json` of good and tlsa-ee-no-match.
 */
#include "dl_util.h"
#include "lab_merge.h"
#include "lab_up.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Suite *lab_merge_suite(void);

#define SHARD1 "data/report/shard1.json"
#define SHARD2 "data/report/shard2.json"

static const char *const outs[] = {"out.json", "out.xml", "out.tap", "index.json", "stdout"};

/* One merge into the new directory `dir` (a mkdtemp template): the n
 * reports of mem, then the files named (NULL-terminated), every file output
 * asked for, stdout captured into DIR/stdout. Returns the exit code. */
static int merge_into(char *dir, const struct lab_merge_report *mem, size_t n,
                      const char *const *files)
{
    struct lab_globals g = {.run_dir = "/nonexistent", .now = 1700000000};
    char *argv[16], *paths[4];
    const char *opts[] = {"--json", "--junit", "--tap", "--tlsrpt-index"};
    int argc = 0, rc, saved, fd;
    char *out;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    argv[argc++] = "merge";
    for (size_t i = 0; files[i] != NULL; i++)
        argv[argc++] = (char *)files[i];
    for (int i = 0; i < 4; i++) {
        paths[i] = dl_xasprintf("%s/%s", dir, outs[i]);
        argv[argc++] = (char *)opts[i];
        argv[argc++] = paths[i];
    }
    argv[argc] = NULL;
    out = dl_xasprintf("%s/stdout", dir);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    rc = lab_merge_mem(&g, mem, n, argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    free(out);
    for (int i = 0; i < 4; i++)
        free(paths[i]);
    return rc;
}

/* The content of DIR/NAME ("" when it does not exist); the caller frees. */
static char *read_out(const char *dir, const char *name)
{
    char *path = dl_xasprintf("%s/%s", dir, name), *text;
    struct dl_error err;
    if (dl_read_file(path, 1 << 20, &text, NULL, &err) != 0)
        text = dl_xstrdup("");
    free(path);
    return text;
}

static void remove_dir(const char *dir)
{
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
        char *path = dl_xasprintf("%s/%s", dir, outs[i]);
        unlink(path);
        free(path);
    }
    rmdir(dir);
}

/* A file read into memory, as a report called `name` (no such file: a
 * merge that tried to read it would fail). */
static struct lab_merge_report in_memory(const char *path, const char *name)
{
    struct lab_merge_report r = {name, NULL, 0};
    struct dl_error err;
    char *text;
    ck_assert_msg(dl_read_file(path, 1 << 20, &text, &r.len, &err) == 0, "%s", err.msg);
    r.text = text;
    return r;
}

/* The shards merged from files, one from memory and one from a file, and
 * both from memory: exit 0, and every output the same, byte for byte. */
START_TEST(memory_as_files)
{
    char d0[] = "/tmp/check-merge-XXXXXX", d1[] = "/tmp/check-merge-XXXXXX",
         d2[] = "/tmp/check-merge-XXXXXX";
    const char *const both[] = {SHARD1, SHARD2, NULL}, *const second[] = {SHARD2, NULL},
                      *const none[] = {NULL};
    struct lab_merge_report mem[2] = {in_memory(SHARD1, "mem/1.json"),
                                      in_memory(SHARD2, "mem/2.json")};
    ck_assert_int_eq(merge_into(d0, NULL, 0, both), 0);
    ck_assert_int_eq(merge_into(d1, mem, 1, second), 0);
    ck_assert_int_eq(merge_into(d2, mem, 2, none), 0);
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
        char *a = read_out(d0, outs[i]), *b = read_out(d1, outs[i]), *c = read_out(d2, outs[i]);
        ck_assert_msg(*a != '\0', "%s is empty", outs[i]);
        ck_assert_str_eq(a, b);
        ck_assert_str_eq(a, c);
        free(a);
        free(b);
        free(c);
    }
    {
        char *json = read_out(d2, "out.json");
        ck_assert_ptr_nonnull(strstr(json, "\"tlsa-ee-no-match\""));
        ck_assert_ptr_nonnull(strstr(json, "\"reports\": 2"));
        free(json);
    }
    remove_dir(d0);
    remove_dir(d1);
    remove_dir(d2);
    free((void *)mem[0].text);
    free((void *)mem[1].text);
}
END_TEST

/* From memory as from files: a shard alone, a report given twice, JSON
 * cut short and no report at all are refused (exit 2, no output). */
START_TEST(memory_refused)
{
    static const char cut[] = "{\"scenarios\": [";
    struct lab_merge_report one = in_memory(SHARD1, "mem/1.json");
    struct lab_merge_report twice[2] = {one, one};
    struct lab_merge_report bad = {"cut.json", cut, sizeof(cut) - 1};
    const char *const none[] = {NULL};
    struct {
        const struct lab_merge_report *r;
        size_t n;
    } cases[] = {{&one, 1}, {twice, 2}, {&bad, 1}, {NULL, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[] = "/tmp/check-merge-XXXXXX", *json;
        ck_assert_int_eq(merge_into(dir, cases[i].r, cases[i].n, none), 2);
        json = read_out(dir, "out.json");
        ck_assert_str_eq(json, "");
        free(json);
        remove_dir(dir);
    }
    free((void *)one.text);
}
END_TEST

Suite *lab_merge_suite(void)
{
    Suite *s = suite_create("lab_merge");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, memory_as_files);
    tcase_add_test(neg, memory_refused);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
