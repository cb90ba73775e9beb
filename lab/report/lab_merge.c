#include "lab_merge.h"
#include "lab_html.h"
#include "lab_mtareport.h"
#include "lab_mtatable.h"
#include "lab_report.h"
#include "scen.h"

#include "dl_log.h"
#include "dl_json.h"
#include "dl_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Open OUT for writing ("-": stdout). */
static FILE *open_out(const char *path)
{
    FILE *f;
    if (strcmp(path, "-") == 0)
        return stdout;
    if ((f = fopen(path, "w")) == NULL)
        dl_err("report: %s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f);
    if (f != stdout && fclose(f) != 0)
        bad = 1;
    if (bad)
        dl_err("report: cannot write %s", path);
    return bad ? -1 : 0;
}

/* The shards must be 1..N of the same N, each once, when they say so. */
static int check_shards(json_t *const *tops, const char *const *files, size_t n)
{
    long count = -1;
    bool *seen;
    size_t with = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *sh = json_object_get(tops[i], "shard");
        if (sh == NULL)
            continue;
        with++;
        if (count < 0)
            count = (long)json_integer_value(json_object_get(sh, "count"));
        else if (count != (long)json_integer_value(json_object_get(sh, "count"))) {
            dl_err("report merge: %s is a shard of %lld, the others of %ld", files[i],
                   (long long)json_integer_value(json_object_get(sh, "count")), count);
            return -1;
        }
    }
    if (with == 0)
        return 0;
    if (with != n || count < 1 || count > 100000) {
        dl_err("report merge: some reports are shards (--shard), others not");
        return -1;
    }
    seen = dl_xcalloc((size_t)count + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        long k =
            (long)json_integer_value(json_object_get(json_object_get(tops[i], "shard"), "index"));
        if (k < 1 || k > count || seen[k]) {
            dl_err("report merge: %s: shard %ld/%ld %s", files[i], k, count,
                   k < 1 || k > count ? "is out of range" : "is given twice");
            rc = -1;
        } else
            seen[k] = true;
    }
    for (long k = 1; rc == 0 && k <= count; k++)
        if (!seen[k]) {
            dl_err("report merge: shard %ld/%ld is missing", k, count);
            rc = -1;
        }
    free(seen);
    return rc;
}

/* The HTML page of the merged report; the chain-of-trust pictures of the
 * scenarios found in the catalogue (-s) go to RUN/graphs/. A catalogue
 * that does not load only costs the pictures. */
static int write_html(const struct lab_globals *g, const json_t *merged, const char *path)
{
    scen_catalog *cat = NULL;
    struct dl_error err;
    struct lab_html_opts o = {.run_dir = g->run_dir, .html_path = path};
    FILE *f;
    int rc = -1;
    if (lab_up_load(g, &cat) != 0)
        dl_warn("report merge: no chain-of-trust pictures in %s: the catalogue did not load", path);
    o.cat = cat;
    if ((f = open_out(path)) != NULL) {
        rc = lab_html_write(f, merged, &o, &err);
        if (rc != 0)
            dl_err("report merge: %s: %s", path, err.msg);
        if (close_out(f, path) != 0)
            rc = -1;
    }
    scen_catalog_free(cat);
    return rc;
}

/* Load every report: the first n_mem from memory (mem[i], named
 * files[i]), the others from the files named; they must all be `danelab
 * mta` reports or all `danelab run` reports. */
static int load_all(json_t **tops, const char *const *files, size_t n,
                    const struct lab_merge_report *mem, size_t n_mem)
{
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        tops[i] = i < n_mem ? json_loadb(mem[i].text, mem[i].len, 0, &je)
                            : json_load_file(files[i], 0, &je);
        if (tops[i] == NULL) {
            dl_err("report merge: %s:%d: %s", files[i], je.line, je.text);
            return -1;
        }
        if (!json_is_object(tops[i])) {
            dl_err("report merge: %s: not a `danelab run --json` or `danelab mta --json` report",
                   files[i]);
            return -1;
        }
        if (lab_mtareport_is_mta(tops[i]) != lab_mtareport_is_mta(tops[0])) {
            size_t m = lab_mtareport_is_mta(tops[0]) ? 0 : i;
            dl_err("report merge: %s is a `danelab mta` report, %s a `danelab run` report: "
                   "merge each kind on its own",
                   files[m], files[m == 0 ? i : 0]);
            return -1;
        }
    }
    return 0;
}

/* The outputs asked for (NULL: not asked; "-": stdout). */
struct outputs {
    const char *json, *junit, *tap, *html, *index;
};

/* How many of the outputs go to stdout. */
static int to_stdout(const struct outputs *o)
{
    const char *const all[] = {o->json, o->junit, o->tap, o->html, o->index};
    int n = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        n += all[i] && strcmp(all[i], "-") == 0;
    return n;
}

/* Write `report` to `path` with `fn`; 0, or -1 when it cannot be written. */
static int write_with(const char *path, const json_t *report, int (*fn)(FILE *, const json_t *))
{
    FILE *f = open_out(path);
    if (f == NULL)
        return -1;
    if (fn(f, report) != 0) {
        close_out(f, path);
        dl_err("report: cannot write %s", path);
        return -1;
    }
    return close_out(f, path);
}

static int json_form(FILE *f, const json_t *report)
{
    return json_dumpf(report, f, JSON_INDENT(2)) != 0 || fputc('\n', f) == EOF ? -1 : 0;
}

static int html_form(FILE *f, const json_t *report)
{
    struct dl_error err;
    int rc = lab_mtareport_html(f, report, NULL, &err);
    if (rc != 0)
        dl_err("report merge: %s", err.msg);
    return rc;
}

/* The `danelab mta` reports of one MTA's shards joined (lab_mtareport):
 * exit 0 when no deviation and no leak is left, 1 when one is, 2 on an
 * error. */
static int merge_mta(const struct lab_globals *g, json_t *const *tops, const char *const *files,
                     size_t n, const struct outputs *o)
{
    struct dl_error err;
    json_t *merged;
    int rc;
    (void)g;
    if ((merged = lab_mtareport_join(tops, files, n, &err)) == NULL) {
        dl_err("report merge: %s", err.msg);
        return 2;
    }
    if (check_shards(tops, files, n) != 0) {
        json_decref(merged);
        return 2;
    }
    {
        const json_t *sum = json_object_get(merged, "summary");
        rc = json_integer_value(json_object_get(sum, "deviations")) ||
                     json_integer_value(json_object_get(sum, "leaks"))
                 ? 1
                 : 0;
    }
    if ((o->json && write_with(o->json, merged, json_form) != 0) ||
        (o->junit && write_with(o->junit, merged, lab_mtareport_junit) != 0) ||
        (o->tap && write_with(o->tap, merged, lab_mtareport_tap) != 0) ||
        (o->html && write_with(o->html, merged, html_form) != 0))
        rc = 2;
    if (to_stdout(o) == 0)
        lab_mtareport_text(stdout, merged);
    json_decref(merged);
    return rc;
}

/* --tlsrpt-index OUT: the index `run --tlsrpt DIR` writes to DIR/index.json,
 * {DOMAIN: {"rua", "file", "why"?}}, made from the "tlsrpt" objects of the
 * merged scenarios, byte for byte the run's form. A scenario with delivery
 * checks but no "tlsrpt" object comes from a run without --tlsrpt: its
 * domain would be missing, so that is an error, as is a domain twice. */
static int write_tlsrpt_index(json_t *const *list, size_t n, const char *path)
{
    json_t *index = json_object();
    char *text = NULL;
    FILE *f;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_object_get(list[i], "tlsrpt"), *e;
        const char *domain = json_string_value(json_object_get(t, "domain"));
        if (t == NULL) {
            if (json_array_size(json_object_get(list[i], "delivery")) == 0)
                continue;
            dl_err("report merge: --tlsrpt-index: scenario '%s' was checked without --tlsrpt "
                   "(no \"tlsrpt\" object): run every shard with --tlsrpt DIR",
                   dl_json_str(list[i], "name"));
            goto out;
        }
        if (domain == NULL || *domain == '\0' || !json_is_array(json_object_get(t, "rua"))) {
            dl_err("report merge: --tlsrpt-index: scenario '%s': a \"tlsrpt\" object without "
                   "domain or rua",
                   dl_json_str(list[i], "name"));
            goto out;
        }
        if (json_object_get(index, domain) != NULL) {
            dl_err("report merge: --tlsrpt-index: domain %s is in two scenarios", domain);
            goto out;
        }
        e = json_deep_copy(t);
        json_object_del(e, "domain");
        json_object_set_new(index, domain, e);
    }
    text = json_dumps(index, JSON_INDENT(2) | JSON_SORT_KEYS);
    if ((f = open_out(path)) != NULL) {
        rc = fputs(text, f) == EOF ? -1 : 0;
        if (f == stdout && rc == 0 && fputc('\n', f) == EOF)
            rc = -1;
        if (close_out(f, path) != 0)
            rc = -1;
    }
out:
    free(text);
    json_decref(index);
    return rc;
}

static const char merge_usage[] =
    "usage: danelab report merge FILE.json... [--json OUT] [--junit OUT] [--tap OUT]\n"
    "                            [--html OUT] [--tlsrpt-index OUT]\n"
    "       (FILE.json: all `danelab run --json` or all `danelab mta --json` reports)\n";

/* Free the `n` reports read and the arrays of reports and file names. */
static void free_inputs(json_t **tops, const char **files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(tops[i]);
    free(tops);
    free((void *)files);
}

/* The options and files of `report merge`, the files appended to the
 * *nfiles names already in files[] (which has room for argc more); 0, or
 * -1 after the usage message. */
static int merge_args(int argc, char **argv, struct outputs *o, const char **files, size_t *nfiles)
{
    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--json") == 0           ? &o->json
                            : strcmp(argv[i], "--junit") == 0        ? &o->junit
                            : strcmp(argv[i], "--tap") == 0          ? &o->tap
                            : strcmp(argv[i], "--html") == 0         ? &o->html
                            : strcmp(argv[i], "--tlsrpt-index") == 0 ? &o->index
                                                                     : NULL;
        if (slot && i + 1 < argc)
            *slot = argv[++i];
        else if (slot || (argv[i][0] == '-' && argv[i][1] != '\0')) {
            dl_err("report merge: %s '%s'", slot ? "a value is needed after" : "unknown option",
                   argv[i]);
            fputs(merge_usage, stderr);
            return -1;
        } else
            files[(*nfiles)++] = argv[i];
    }
    if (*nfiles == 0) {
        fputs(merge_usage, stderr);
        return -1;
    }
    if (to_stdout(o) > 1) {
        dl_err("report merge: only one output can go to stdout (-)");
        return -1;
    }
    return 0;
}

/* The scenarios of `danelab run` reports, each once, in the reports'
 * order (list[] borrows them from the reports), and their counts. */
struct joined {
    json_t **list;
    size_t n, cap, passed, failed, errors; /* errors: not checked, not a verdict */
    double seconds;
    json_t *skipped; /* the reports' "skipped" entries (--no-netns: IPv6), joined */
};

/* Gather the scenarios of every report into `j`; -1 when a report is not
 * a run report, or a scenario has no name or is in two reports. */
static int join_run(json_t *const *tops, const char *const *files, size_t nfiles, struct joined *j)
{
    json_t *where = json_object(); /* name -> {"file"} */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nfiles; i++) {
        json_t *scens = json_object_get(tops[i], "scenarios"), *s;
        size_t k;
        if (!json_is_array(scens) || !json_is_object(json_object_get(tops[i], "summary"))) {
            dl_err("report merge: %s: not a `danelab run --json` report", files[i]);
            rc = -1;
            break;
        }
        j->seconds +=
            json_number_value(json_object_get(json_object_get(tops[i], "summary"), "seconds"));
        json_array_extend(j->skipped, json_object_get(tops[i], "skipped"));
        json_array_foreach(scens, k, s) {
            const char *name = dl_json_str(s, "name");
            json_t *prev = json_object_get(where, name);
            if (*name == '\0') {
                dl_err("report merge: %s: a scenario without a name", files[i]);
                rc = -1;
                break;
            }
            if (prev) {
                dl_err("report merge: scenario '%s' is in %s and in %s", name,
                       dl_json_str(prev, "file"), files[i]);
                rc = -1;
                break;
            }
            json_object_set_new(where, name, json_pack("{s:s}", "file", files[i]));
            if (j->n == j->cap)
                j->list =
                    dl_xrealloc(j->list, (j->cap = j->cap ? 2 * j->cap : 64) * sizeof(json_t *));
            j->list[j->n++] = s;
            if (lab_report_error(s))
                j->errors++;
            else
                json_is_true(json_object_get(s, "pass")) ? j->passed++ : j->failed++;
        }
    }
    json_decref(where);
    return rc;
}

/* The merged run report: the scenarios sorted by name, the summary
 * recomputed. New reference. */
static json_t *merged_run(struct joined *j, size_t nfiles)
{
    json_t *merged;
    if (j->n > 1)
        qsort(j->list, j->n, sizeof(*j->list), dl_json_cmp_name);
    merged = json_pack("{s:[], s:{s:I, s:I, s:I, s:f, s:I}}", "scenarios", "summary", "passed",
                       (json_int_t)j->passed, "failed", (json_int_t)j->failed, "errors",
                       (json_int_t)j->errors, "seconds", j->seconds, "reports", (json_int_t)nfiles);
    for (size_t i = 0; i < j->n; i++)
        json_array_append(json_object_get(merged, "scenarios"), j->list[i]);
    if (json_array_size(j->skipped) > 0) {
        json_object_set_new(json_object_get(merged, "summary"), "skipped",
                            json_integer((json_int_t)json_array_size(j->skipped)));
        json_object_set(merged, "skipped", j->skipped);
    }
    return merged;
}

/* TAP 13 of the merged run report to `path`; 0, or -1. */
static int write_run_tap(const json_t *merged, const char *path)
{
    FILE *f = open_out(path);
    size_t points = 0, k = 0, i;
    json_t *s;
    if (f == NULL)
        return -1;
    json_array_foreach(json_object_get(merged, "scenarios"), i, s)
        points += lab_report_checks(s);
    lab_report_tap_plan(f, points);
    json_array_foreach(json_object_get(merged, "scenarios"), i, s)
        lab_report_tap_scenario(f, s, &k);
    return close_out(f, path);
}

/* Every output asked for of the merged run report, then the text summary
 * unless an output went to stdout. Returns 0, or 2 when one could not be
 * written. */
static int write_run(const struct lab_globals *g, const json_t *merged, const struct joined *j,
                     const struct outputs *o)
{
    int rc = 0;
    if (o->json && write_with(o->json, merged, json_form) != 0)
        rc = 2;
    if (o->junit && write_with(o->junit, merged, lab_report_junit) != 0)
        rc = 2;
    if (o->tap && write_run_tap(merged, o->tap) != 0)
        rc = 2;
    if (o->html && write_html(g, merged, o->html) != 0)
        rc = 2;
    if (o->index && write_tlsrpt_index(j->list, j->n, o->index) != 0)
        rc = 2;
    if (to_stdout(o) == 0)
        lab_report_text(stdout, merged);
    return rc;
}

/* The `danelab run` reports of a run's shards joined: exit 0 when every
 * scenario passed, 1 when one failed, 2 on an error (one that could not be
 * checked included: as `danelab run` itself). */
static int merge_run(const struct lab_globals *g, json_t *const *tops, const char *const *files,
                     size_t nfiles, const struct outputs *o)
{
    struct joined j = {.skipped = json_array()};
    json_t *merged;
    int rc = 2;
    if (join_run(tops, files, nfiles, &j) == 0 && check_shards(tops, files, nfiles) == 0) {
        merged = merged_run(&j, nfiles);
        rc = write_run(g, merged, &j, o);
        if (rc == 0)
            rc = j.errors ? 2 : j.failed ? 1 : 0;
        json_decref(merged);
    }
    free(j.list);
    json_decref(j.skipped);
    return rc;
}

/* `report merge` of the n_mem reports of mem, then those of the files
 * named in argv. */
static int merge(const struct lab_globals *g, int argc, char **argv,
                 const struct lab_merge_report *mem, size_t n_mem)
{
    struct outputs o = {0};
    const char **files = dl_xcalloc((size_t)argc + n_mem, sizeof(char *));
    json_t **tops = dl_xcalloc((size_t)argc + n_mem, sizeof(json_t *));
    size_t nfiles = 0;
    int rc = 2;
    for (; nfiles < n_mem; nfiles++)
        files[nfiles] = mem[nfiles].name;
    if (merge_args(argc, argv, &o, files, &nfiles) != 0 ||
        load_all(tops, files, nfiles, mem, n_mem) != 0)
        goto out;
    if (lab_mtareport_is_mta(tops[0]) && o.index)
        dl_err("report merge: --tlsrpt-index: only for `danelab run --json` reports (%s is a "
               "`danelab mta` report)",
               files[0]);
    else if (lab_mtareport_is_mta(tops[0]))
        rc = merge_mta(g, tops, files, nfiles, &o);
    else
        rc = merge_run(g, tops, files, nfiles, &o);
out:
    free_inputs(tops, files, nfiles);
    return rc;
}

static const char table_usage[] =
    "usage: danelab report table MTA.json... [--markdown] [--totals]\n";

/* `report table`: the scenarios x MTA table of `danelab mta --json`
 * reports (lab_mtatable). */
static int table(int argc, char **argv)
{
    const char **files = dl_xcalloc((size_t)argc, sizeof(char *));
    json_t **tops = dl_xcalloc((size_t)argc, sizeof(json_t *));
    bool markdown = false, totals = false;
    size_t nfiles = 0;
    struct dl_error err;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0)
            markdown = true;
        else if (strcmp(argv[i], "--totals") == 0)
            totals = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            dl_err("report table: unknown option '%s'", argv[i]);
            fputs(table_usage, stderr);
            goto out;
        } else
            files[nfiles++] = argv[i];
    }
    if (nfiles == 0) {
        fputs(table_usage, stderr);
        goto out;
    }
    for (size_t i = 0; i < nfiles; i++) {
        json_error_t je;
        if ((tops[i] = json_load_file(files[i], 0, &je)) == NULL) {
            dl_err("report table: %s:%d: %s", files[i], je.line, je.text);
            goto out;
        }
    }
    rc = lab_mtatable_write(stdout, tops, files, nfiles, markdown, totals, &err);
    if (rc < 0) {
        dl_err("report table: %s", err.msg);
        rc = 2;
    }
out:
    free_inputs(tops, files, nfiles);
    return rc;
}

int lab_merge_main(const struct lab_globals *g, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "merge") == 0)
        return merge(g, argc - 1, argv + 1, NULL, 0);
    if (argc >= 2 && strcmp(argv[1], "table") == 0)
        return table(argc - 1, argv + 1);
    dl_err("report: %s", argc < 2 ? "a sub-command is needed" : "unknown sub-command");
    fputs(merge_usage, stderr);
    fputs(table_usage, stderr);
    return 2;
}

int lab_merge_mem(const struct lab_globals *g, const struct lab_merge_report *r, size_t n, int argc,
                  char **argv)
{
    return merge(g, argc, argv, r, n);
}
