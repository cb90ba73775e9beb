/* lab_mtatable: the scenarios x MTA table of several MTAs' reports. */
#include "lab_mtatable.h"
#include "lab_mtareport.h"

#include "dl_json.h"
#include "dl_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct table {
    size_t n;     /* reports, columns */
    char **heads; /* column heads */
    json_t *rows; /* name -> {"expected": text, "cells": [verdict label or "-"]} */
    size_t (*counts)[LAB_MTA_V_COUNT];
    size_t *missing; /* per column: scenarios not in that report */
};

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "postfix.json" and "/x/postfix-3.7.json" -> "postfix", "postfix-3.7" */
static char *base_name(const char *file)
{
    const char *b = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    size_t l = strlen(b);
    if (l > 5 && strcmp(b + l - 5, ".json") == 0)
        l -= 5;
    return dl_xasprintf("%.*s", (int)l, b);
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->heads[i]);
    free(t->heads);
    free(t->counts);
    free(t->missing);
    json_decref(t->rows);
}

static int table_build(struct table *t, json_t *const *reports, const char *const *files, size_t n,
                       struct dl_error *err)
{
    const json_t *s;
    size_t j;
    memset(t, 0, sizeof(*t));
    t->n = n;
    t->heads = dl_xcalloc(n + 1, sizeof(char *));
    t->counts = dl_xcalloc(n + 1, sizeof(*t->counts));
    t->missing = dl_xcalloc(n + 1, sizeof(size_t));
    t->rows = json_object();
    for (size_t i = 0; i < n; i++) {
        bool twice = false;
        if (lab_mtareport_check_shape(reports[i], files[i], err) != 0)
            return -1;
        if (json_object_get(reports[i], "shard"))
            return dl_error_set(err,
                                "%s is shard %lld/%lld: join the shards first (danelab "
                                "report merge --json)",
                                files[i],
                                (long long)json_integer_value(
                                    json_object_get(json_object_get(reports[i], "shard"), "index")),
                                (long long)json_integer_value(json_object_get(
                                    json_object_get(reports[i], "shard"), "count")));
        if (lab_mtareport_count(reports[i], t->counts[i], err) != 0)
            return dl_error_prefix(err, "%s", files[i]);
        for (size_t k = 0; k < n; k++)
            twice = twice || (k != i && strcmp(dl_json_str(reports[k], "mta"),
                                               dl_json_str(reports[i], "mta")) == 0);
        t->heads[i] = twice ? base_name(files[i])
                      : dl_json_str(reports[i], "version")[0]
                          ? dl_xasprintf("%s (%s)", dl_json_str(reports[i], "mta"),
                                         dl_json_str(reports[i], "version"))
                          : dl_xstrdup(dl_json_str(reports[i], "mta"));
    }
    for (size_t i = 0; i < n; i++)
        json_array_foreach(json_object_get(reports[i], "scenarios"), j, s) {
            struct dl_buf b = {0};
            json_t *row = json_object_get(t->rows, dl_json_str(s, "name"));
            lab_mtareport_expected_text(&b, s);
            if (row == NULL) {
                json_t *cells = json_array();
                for (size_t k = 0; k < n; k++)
                    json_array_append_new(cells, json_string("-"));
                row = json_pack("{s:s, s:o, s:s}", "expected", dl_buf_str(&b), "cells", cells,
                                "from", files[i]);
                json_object_set_new(t->rows, dl_json_str(s, "name"), row);
            } else if (strcmp(dl_json_str(row, "expected"), dl_buf_str(&b)) != 0) {
                dl_error_set(err,
                             "scenario '%s': %s expects %s, %s %s (reports of different "
                             "catalogues?)",
                             dl_json_str(s, "name"), dl_json_str(row, "from"),
                             dl_json_str(row, "expected"), files[i], dl_buf_str(&b));
                dl_buf_free(&b);
                return -1;
            }
            dl_buf_free(&b);
            json_array_set_new(json_object_get(row, "cells"), i,
                               json_string(lab_mtareport_label(lab_mtareport_scen_verdict(s))));
        }
    for (size_t i = 0; i < n; i++)
        t->missing[i] =
            json_object_size(t->rows) - json_array_size(json_object_get(reports[i], "scenarios"));
    return 0;
}

/* The table's cells as strings: rows x (2 + n) columns, with a head row
 * and a totals row (or, totals_only, one row per report). */
static json_t *table_cells(const struct table *t, bool totals_only)
{
    json_t *out = json_array(), *head = json_array(), *total = json_array();
    const char **names = dl_xcalloc(json_object_size(t->rows) + 1, sizeof(char *));
    const char *name;
    json_t *row;
    size_t nn = 0;
    if (totals_only) {
        json_array_append_new(out, json_pack("[s, s, s, s, s, s]", "MTA", "scenarios", "pass",
                                             "known", "DEVIATION", "LEAK"));
        for (size_t i = 0; i < t->n; i++) {
            size_t all = 0;
            json_t *r = json_pack("[s]", t->heads[i]);
            for (int v = 0; v < LAB_MTA_V_COUNT; v++)
                all += t->counts[i][v];
            json_array_append_new(r, json_sprintf("%zu", all));
            for (int v = 0; v < LAB_MTA_V_COUNT; v++)
                json_array_append_new(r, json_sprintf("%zu", t->counts[i][v]));
            json_array_append_new(out, r);
        }
        json_decref(head);
        json_decref(total);
        free(names);
        return out;
    }
    json_object_foreach(t->rows, name, row)
        names[nn++] = name;
    qsort(names, nn, sizeof(*names), strcmp_ptr);
    json_array_append_new(head, json_string("scenario"));
    json_array_append_new(head, json_string("expected (rfc7672)"));
    json_array_append_new(total, json_string("total"));
    json_array_append_new(total, json_sprintf("%zu scenarios", nn));
    for (size_t i = 0; i < t->n; i++) {
        struct dl_buf b = {0};
        json_array_append_new(head, json_string(t->heads[i]));
        for (int v = 0; v < LAB_MTA_V_COUNT; v++)
            dl_buf_printf(&b, "%s%zu %s", v ? ", " : "", t->counts[i][v],
                          lab_mtareport_label((enum lab_mta_verdict)v));
        if (t->missing[i])
            dl_buf_printf(&b, ", %zu not run", t->missing[i]);
        json_array_append_new(total, json_string(dl_buf_str(&b)));
        dl_buf_free(&b);
    }
    json_array_append_new(out, head);
    for (size_t k = 0; k < nn; k++) {
        json_t *r = json_object_get(t->rows, names[k]);
        json_t *line = json_pack("[s, s]", names[k], dl_json_str(r, "expected"));
        json_array_extend(line, json_object_get(r, "cells"));
        json_array_append_new(out, line);
    }
    json_array_append_new(out, total);
    free(names);
    return out;
}

/* A Markdown cell: '|' escaped, DEVIATION and LEAK in bold. */
static void md_cell(FILE *f, const char *text, bool bold)
{
    fputs(bold ? " **" : " ", f);
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputc('\\', f);
        fputc(*p, f);
    }
    fputs(bold ? "** |" : " |", f);
}

static void write_markdown(FILE *f, const json_t *cells)
{
    const json_t *line, *c;
    size_t i, j;
    json_array_foreach(cells, i, line) {
        bool last = i + 1 == json_array_size(cells) && json_array_size(cells) > 2;
        fputc('|', f);
        json_array_foreach(line, j, c) {
            const char *t = json_string_value(c);
            md_cell(f, t,
                    i > 0 && (strcmp(t, "DEVIATION") == 0 || strcmp(t, "LEAK") == 0 ||
                              (last && j == 0 && strcmp(t, "total") == 0)));
        }
        fputc('\n', f);
        if (i == 0) {
            fputc('|', f);
            for (j = 0; j < json_array_size(line); j++)
                fputs(" --- |", f);
            fputc('\n', f);
        }
    }
}

static void write_text(FILE *f, const json_t *cells)
{
    const json_t *line, *c;
    size_t ncol = json_array_size(json_array_get(cells, 0)), *w = dl_xcalloc(ncol + 1, sizeof(*w));
    size_t i, j;
    json_array_foreach(cells, i, line)
        json_array_foreach(line, j, c)
            if (j < ncol && strlen(json_string_value(c)) > w[j])
                w[j] = strlen(json_string_value(c));
    json_array_foreach(cells, i, line) {
        json_array_foreach(line, j, c) {
            if (j + 1 == json_array_size(line))
                fprintf(f, "%s\n", json_string_value(c));
            else
                fprintf(f, "%-*s  ", (int)w[j], json_string_value(c));
        }
    }
    free(w);
}

int lab_mtatable_write(FILE *f, json_t *const *reports, const char *const *files, size_t n,
                       bool markdown, bool totals_only, struct dl_error *err)
{
    struct table t;
    json_t *cells;
    int rc = 0;
    if (n == 0)
        return dl_error_set(err, "no report");
    if (table_build(&t, reports, files, n, err) != 0) {
        table_free(&t);
        return -1;
    }
    cells = table_cells(&t, totals_only);
    if (markdown)
        write_markdown(f, cells);
    else
        write_text(f, cells);
    for (size_t i = 0; i < n; i++)
        if (t.counts[i][LAB_MTA_V_DEVIATION] || t.counts[i][LAB_MTA_V_LEAK])
            rc = 1;
    json_decref(cells);
    table_free(&t);
    if (fflush(f) != 0 || ferror(f))
        return dl_error_set(err, "table: write error: %s", strerror(errno));
    return rc;
}
