/* lab_valmatrix: the scenarios x validators matrix of run --resolvers. */
#include "lab_valmatrix.h"
#include "lab_htmlpage.h"
#include "lab_report.h"

#include "dl_ede.h"
#include "dl_json.h"
#include "dl_util.h"

#include <stdlib.h>
#include <string.h>

static const char *const rrset_order[] = {"mx", "a", "tlsa", "aaaa"};
#define N_RRSETS (sizeof(rrset_order) / sizeof(rrset_order[0]))

const char lab_valmatrix_css[] = ".differs{background:#fbeaa6}\n"
                                 "td.vcell{white-space:nowrap;font-size:.9em}\n";

/* ---- merging ---- */

static const json_t *find_named(const json_t *array, const char *key, const char *value)
{
    const json_t *o;
    size_t i;
    json_array_foreach(array, i, o)
        if (strcmp(dl_json_str(o, key), value) == 0)
            return o;
    return NULL;
}

static const json_t *find_rrset(const json_t *entry, const char *rrset)
{
    return find_named(json_object_get(entry, "rrsets"), "rrset", rrset);
}

/* Validator `val`'s entry for scenario `name` in `report`: a copy of its
 * "validator_dns", with the pass's "error" when it has one; an entry
 * with an error when the report lacks the scenario. */
static json_t *entry_of(const json_t *report, const char *name)
{
    const json_t *s = find_named(json_object_get(report, "scenarios"), "name", name);
    const json_t *v = json_object_get(s, "validator_dns");
    json_t *e;
    if (v == NULL)
        return json_pack("{s:[], s:b, s:s}", "rrsets", "pass", false, "error",
                         s ? "no DNS result in the pass" : "not in the pass's report");
    e = json_deep_copy(v);
    json_object_del(e, "validator");
    if (lab_report_error(s))
        json_object_set_new(e, "error", json_string(lab_report_error(s)));
    return e;
}

/* Mark each RRset of `e` against the reference's entry; returns whether
 * every RRset of `e` passes. */
static bool mark_differences(json_t *e, const json_t *ref, bool is_ref, const char *val,
                             const char *ref_name)
{
    json_t *r;
    size_t i;
    bool all = !json_object_get(e, "error");
    json_array_foreach(json_object_get(e, "rrsets"), i, r) {
        const json_t *rr = find_rrset(ref, dl_json_str(r, "rrset"));
        bool differs = !is_ref && rr != NULL &&
                       strcmp(dl_json_str(r, "observed"), dl_json_str(rr, "observed")) != 0;
        bool declared = differs && (json_object_get(r, "validator_own") != NULL ||
                                    json_object_get(rr, "validator_own") != NULL);
        json_object_set_new(r, "differs", json_boolean(differs));
        json_object_set_new(r, "declared", json_boolean(declared));
        if (differs && !declared && strcmp(dl_json_str(r, "expected"), "unset") == 0) {
            json_object_set_new(r, "pass", json_false());
            json_object_set_new(r, "mismatch",
                                json_sprintf("%s says %s, %s %s, and the scenario states no "
                                             "verdict of its own for either",
                                             val, dl_json_str(r, "observed"), ref_name,
                                             dl_json_str(rr, "observed")));
        }
        all = all && json_is_true(json_object_get(r, "pass"));
    }
    json_object_set_new(e, "pass", json_boolean(all));
    return all;
}

/* The scenario's "validators" object from every pass. */
static json_t *validators_of(json_t *scen, json_t *const *reports, const char *const *names,
                             size_t n)
{
    json_t *out = json_object();
    for (size_t k = 0; k < n; k++)
        json_object_set_new(out, names[k], entry_of(reports[k], dl_json_str(scen, "name")));
    return out;
}

static void recount(json_t *base)
{
    json_t *summary = json_object_get(base, "summary"), *s;
    json_int_t passed = 0, failed = 0, errors = 0;
    size_t i;
    json_array_foreach(json_object_get(base, "scenarios"), i, s) {
        if (lab_report_error(s))
            errors++;
        else if (json_is_true(json_object_get(s, "pass")))
            passed++;
        else
            failed++;
    }
    if (summary == NULL)
        json_object_set_new(base, "summary", summary = json_object());
    json_object_set_new(summary, "passed", json_integer(passed));
    json_object_set_new(summary, "failed", json_integer(failed));
    json_object_set_new(summary, "errors", json_integer(errors));
}

/* Join one scenario's entries: differences marked, pass and error. */
static void join_scenario(json_t *scen, json_t *vals, const char *const *names, size_t n,
                          size_t ref)
{
    const json_t *ref_entry = json_object_get(vals, names[ref]);
    bool all = json_is_true(json_object_get(scen, "pass"));
    for (size_t k = 0; k < n; k++) {
        json_t *e = json_object_get(vals, names[k]);
        all = mark_differences(e, ref_entry, k == ref, names[k], names[ref]) && all;
        if (json_object_get(e, "error") && !lab_report_error(scen))
            json_object_set_new(
                scen, "error", json_sprintf("dns under %s: %s", names[k], dl_json_str(e, "error")));
    }
    json_object_set_new(scen, "pass", json_boolean(all));
}

int lab_valmatrix_merge(json_t *base, json_t *const *reports, const char *const *names,
                        const char *const *versions, size_t n, struct dl_error *err)
{
    json_t *scens = json_object_get(base, "scenarios"), *s, **vals, *list, *vers;
    size_t i, ref = 0;
    if (n == 0 || !json_is_array(scens))
        return dl_error_set(err, "validators: no report to join");
    for (size_t k = 0; k < n; k++) {
        if (!json_is_array(json_object_get(reports[k], "scenarios")))
            return dl_error_set(err, "validators: the %s pass's report has no scenarios", names[k]);
        if (strcmp(names[k], "unbound") == 0)
            ref = k;
    }
    vals = dl_xcalloc(json_array_size(scens) + 1, sizeof(*vals));
    json_array_foreach(scens, i, s) /* all first: reports[0] may be base */
        vals[i] = validators_of(s, reports, names, n);
    json_array_foreach(scens, i, s) {
        json_object_del(s, "validator_dns");
        join_scenario(s, vals[i], names, n, ref);
        json_object_set_new(s, "validators", vals[i]);
    }
    free(vals);
    recount(base);
    list = json_array();
    vers = json_object();
    for (size_t k = 0; k < n; k++) {
        json_array_append_new(list, json_string(names[k]));
        json_object_set_new(vers, names[k],
                            json_string(versions && versions[k] ? versions[k] : "unknown"));
    }
    json_object_set_new(
        base, "validators",
        json_pack("{s:o, s:s, s:o}", "names", list, "reference", names[ref], "versions", vers));
    return 0;
}

/* ---- cells and rows ---- */

void lab_valmatrix_cell(char *buf, size_t len, const json_t *r)
{
    const json_t *ede = json_object_get(r, "ede");
    char code[32] = "";
    if (len == 0)
        return;
    if (r == NULL) {
        snprintf(buf, len, "-");
        return;
    }
    if (json_is_integer(ede))
        snprintf(code, sizeof(code), " EDE %lld", (long long)json_integer_value(ede));
    snprintf(buf, len, "%s%s%s%s", dl_json_str(r, "observed"), code,
             !json_is_true(json_object_get(r, "differs"))   ? ""
             : json_is_true(json_object_get(r, "declared")) ? " ~"
                                                            : " !",
             json_is_true(json_object_get(r, "pass")) ? "" : " FAIL");
}

/* The names of the report's validators (an array of strings), its
 * reference's name. */
static const json_t *val_names(const json_t *report)
{
    return json_object_get(json_object_get(report, "validators"), "names");
}

static const char *ref_name(const json_t *report)
{
    return dl_json_str(json_object_get(report, "validators"), "reference");
}

/* RRset `rr` of scenario `s` under validator `val`, or NULL. */
static const json_t *rrset_of(const json_t *s, const char *val, const char *rr)
{
    return find_rrset(json_object_get(json_object_get(s, "validators"), val), rr);
}

/* Whether the row (scenario s, RRset rr) goes into the table: some
 * validator has an expectation for it, or differs, or failed (`all`:
 * every validator's verdicts the same is enough to leave it out only
 * when not `all`; the Markdown table drops rows without a difference). */
static bool row_wanted(const json_t *s, const json_t *names, const char *rr, bool expected_too)
{
    const json_t *n;
    size_t i;
    json_array_foreach(names, i, n) {
        const json_t *r = rrset_of(s, json_string_value(n), rr);
        if (r == NULL)
            continue;
        if (json_is_true(json_object_get(r, "differs")) ||
            !json_is_true(json_object_get(r, "pass")) ||
            (expected_too && strcmp(dl_json_str(r, "expected"), "unset") != 0))
            return true;
    }
    return false;
}

/* The reference's expectation for the row ("-" when it has none). */
static const char *row_expected(const json_t *report, const json_t *s, const char *rr)
{
    const json_t *r = rrset_of(s, ref_name(report), rr);
    return r && strcmp(dl_json_str(r, "expected"), "unset") != 0 ? dl_json_str(r, "expected") : "-";
}

/* ---- text ---- */

struct table {
    char **cells; /* rows x cols */
    size_t rows, cols, *width;
};

static void table_add(struct table *t, const char *const *cells)
{
    t->cells = dl_xrealloc(t->cells, (t->rows + 1) * t->cols * sizeof(char *));
    for (size_t c = 0; c < t->cols; c++) {
        size_t w = strlen(cells[c]);
        t->cells[t->rows * t->cols + c] = dl_xstrdup(cells[c]);
        if (w > t->width[c])
            t->width[c] = w;
    }
    t->rows++;
}

static void table_print_free(FILE *f, struct table *t)
{
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            const char *cell = t->cells[r * t->cols + c];
            fprintf(f, "%s%-*s", c ? "  " : "", c + 1 < t->cols ? (int)t->width[c] : 0, cell);
            free(t->cells[r * t->cols + c]);
        }
        fputc('\n', f);
    }
    free(t->cells);
    free(t->width);
}

static void text_rows(struct table *t, const json_t *report, const json_t *names)
{
    const json_t *s, *n;
    size_t i, j, nv = json_array_size(names);
    const char **row = dl_xcalloc(nv + 4, sizeof(char *));
    char(*buf)[64] = dl_xcalloc(nv + 1, sizeof(*buf));
    json_array_foreach(json_object_get(report, "scenarios"), i, s)
        for (size_t k = 0; k < N_RRSETS; k++) {
            if (!row_wanted(s, names, rrset_order[k], true))
                continue;
            row[0] = dl_json_str(s, "name");
            row[1] = rrset_order[k];
            row[2] = row_expected(report, s, rrset_order[k]);
            json_array_foreach(names, j, n) {
                lab_valmatrix_cell(buf[j], sizeof(buf[j]),
                                   rrset_of(s, json_string_value(n), rrset_order[k]));
                row[3 + j] = buf[j];
            }
            table_add(t, row);
        }
    free(row);
    free(buf);
}

/* The failed validators' RRsets of a scenario: "     knot tlsa: expected
 * nxdomain, observed insecure (why)". */
static void failed_rrsets(FILE *f, const json_t *s, const json_t *names)
{
    const json_t *n, *r;
    size_t i, j;
    json_array_foreach(names, i, n) {
        const json_t *e = json_object_get(json_object_get(s, "validators"), json_string_value(n));
        if (json_object_get(e, "error"))
            fprintf(f, "     %s: %s\n", json_string_value(n), dl_json_str(e, "error"));
        json_array_foreach(json_object_get(e, "rrsets"), j, r) {
            if (json_is_true(json_object_get(r, "pass")))
                continue;
            fprintf(f, "     %s %s %s: expected %s, observed %s (%s)%s%s\n", json_string_value(n),
                    dl_json_str(r, "rrset"), dl_json_str(r, "name"), dl_json_str(r, "expected"),
                    dl_json_str(r, "observed"), dl_json_str(r, "why"),
                    *dl_json_str(r, "mismatch") ? ": " : "", dl_json_str(r, "mismatch"));
        }
    }
}

void lab_valmatrix_text(FILE *f, const json_t *report, bool tty)
{
    const json_t *names = val_names(report), *n, *s;
    size_t i, nv = json_array_size(names);
    struct table t = {.cols = nv + 3};
    const char **head = dl_xcalloc(nv + 4, sizeof(char *));
    t.width = dl_xcalloc(t.cols, sizeof(size_t));
    head[0] = "scenario";
    head[1] = "rrset";
    head[2] = "expected";
    json_array_foreach(names, i, n)
        head[3 + i] = json_string_value(n);
    table_add(&t, head);
    free(head);
    text_rows(&t, report, names);
    table_print_free(f, &t);
    fprintf(f,
            "(EDE N: the resolver's Extended DNS Error, RFC 8914; ~ differs from %s, declared "
            "by the scenario; ! differs, not declared; FAIL: not what is expected)\n",
            ref_name(report));
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        if (json_is_true(json_object_get(s, "pass")))
            continue;
        if (lab_report_error(s))
            lab_report_error_line(f, s);
        else
            lab_report_scenario_text(f, s, tty);
        failed_rrsets(f, s, names);
    }
    fprintf(f, "%lld passed, %lld failed", lab_report_count(report, "passed"),
            lab_report_count(report, "failed"));
    if (lab_report_count(report, "errors"))
        fprintf(f, ", %lld errors", lab_report_count(report, "errors"));
    fprintf(f, " (DNS under %zu validators, delivery under %s)\n", nv,
            json_string_value(json_array_get(names, 0)));
}

/* ---- Markdown ---- */

static void md_cell(FILE *f, const json_t *r)
{
    const json_t *ede = json_object_get(r, "ede");
    if (r == NULL) {
        fputs(" - |", f);
        return;
    }
    fprintf(f, " %s", dl_json_str(r, "observed"));
    if (json_is_integer(ede))
        fprintf(f, " (EDE %lld)", (long long)json_integer_value(ede));
    if (!json_is_true(json_object_get(r, "pass")))
        fputs(" **DEVIATES**", f);
    else if (json_is_true(json_object_get(r, "differs")) &&
             !json_is_true(json_object_get(r, "declared")))
        fputs(" **UNDECLARED**", f);
    fputs(" |", f);
}

/* The scenario's stated reasons for the row: "knot: WHY (REF); ...". */
static void md_why(FILE *f, const json_t *s, const json_t *names, const char *rr)
{
    const json_t *n;
    size_t i;
    bool any = false;
    json_array_foreach(names, i, n) {
        const json_t *own = json_object_get(rrset_of(s, json_string_value(n), rr), "validator_own");
        if (own == NULL)
            continue;
        fprintf(f, "%s%s: %s (%s)", any ? "; " : " ", json_string_value(n), dl_json_str(own, "why"),
                dl_json_str(own, "ref"));
        any = true;
    }
    fputs(any ? " |\n" : " not declared |\n", f);
}

static void md_ede(FILE *f, const json_t *report, const json_t *names)
{
    const json_t *s, *n;
    size_t i, j;
    fputs("\nEDE codes (RFC 8914) the validators gave, by scenario and RRset (Unbound is "
          "judged in-process by libunbound, which has no EDE):\n\n| scenario | RRset |",
          f);
    json_array_foreach(names, j, n)
        fprintf(f, " %s |", json_string_value(n));
    fputs("\n|---|---|", f);
    json_array_foreach(names, j, n)
        fputs("---|", f);
    fputc('\n', f);
    json_array_foreach(json_object_get(report, "scenarios"), i, s)
        for (size_t k = 0; k < N_RRSETS; k++) {
            bool any = false;
            json_array_foreach(names, j, n)
                any = any || json_is_integer(json_object_get(
                                 rrset_of(s, json_string_value(n), rrset_order[k]), "ede"));
            if (!any)
                continue;
            fprintf(f, "| %s | %s |", dl_json_str(s, "name"), rrset_order[k]);
            json_array_foreach(names, j, n) {
                const json_t *r = rrset_of(s, json_string_value(n), rrset_order[k]);
                const json_t *ede = json_object_get(r, "ede");
                char t[96];
                fprintf(f, " %s%s%s |", r ? dl_json_str(r, "observed") : "-",
                        json_is_integer(ede) ? ", " : "",
                        dl_ede_text(t, sizeof(t),
                                    json_is_integer(ede) ? (int)json_integer_value(ede) : -1,
                                    NULL));
            }
            fputc('\n', f);
        }
}

void lab_valmatrix_markdown(FILE *f, const json_t *report)
{
    const json_t *names = val_names(report), *n, *s;
    const json_t *vers = json_object_get(json_object_get(report, "validators"), "versions");
    size_t i, j, rows = 0;
    fputs("# DNS verdicts: where the lab's validators differ\n\n"
          "Generated by `danelab run --resolvers all --markdown` (do not edit): the\n"
          "catalogue's DNS checks with each validator as the lab's resolver in turn.\n"
          "Unbound is judged by the lab's in-process libunbound; the others are asked\n"
          "directly (AD bit, RCODE, SERVFAIL asked again with CD: an answer then is\n"
          "*bogus*, none *servfail*; the RFC 8914 EDE code where the resolver gives one).\n"
          "A verdict that differs from the reference's must be declared by the scenario\n"
          "(`expect: dns: VALIDATOR:`, with why and ref); an undeclared one fails the run.\n\n",
          f);
    json_array_foreach(names, i, n)
        fprintf(f, "- %s: %s\n", json_string_value(n), dl_json_str(vers, json_string_value(n)));
    fprintf(f, "\nReference: %s.\n\n| scenario | RRset | expected |", ref_name(report));
    json_array_foreach(names, i, n)
        fprintf(f, " %s |", json_string_value(n));
    fputs(" why (the scenario's `expect: dns: VALIDATOR:`) |\n|---|---|---|", f);
    json_array_foreach(names, i, n)
        fputs("---|", f);
    fputs("---|\n", f);
    json_array_foreach(json_object_get(report, "scenarios"), i, s)
        for (size_t k = 0; k < N_RRSETS; k++) {
            if (!row_wanted(s, names, rrset_order[k], false))
                continue;
            fprintf(f, "| %s | %s | %s |", dl_json_str(s, "name"), rrset_order[k],
                    row_expected(report, s, rrset_order[k]));
            json_array_foreach(names, j, n)
                md_cell(f, rrset_of(s, json_string_value(n), rrset_order[k]));
            md_why(f, s, names, rrset_order[k]);
            rows++;
        }
    if (rows == 0)
        fputs("| (none) | | |\n", f);
    md_ede(f, report, names);
}

/* ---- HTML ---- */

static const char *rrset_class(const json_t *r)
{
    if (r == NULL)
        return "none";
    if (!json_is_true(json_object_get(r, "pass")))
        return "fail";
    return json_is_true(json_object_get(r, "differs")) ? "differs" : "pass";
}

/* A matrix cell: each RRset's verdict and EDE on a line; the cell's class
 * the worst of its RRsets (fail, then differs). */
static void html_cell(FILE *f, const json_t *e)
{
    const json_t *r;
    size_t i;
    const char *cls = e == NULL ? "none" : "pass";
    json_array_foreach(json_object_get(e, "rrsets"), i, r) {
        const char *c = rrset_class(r);
        if (strcmp(c, "fail") == 0 || (strcmp(c, "differs") == 0 && strcmp(cls, "pass") == 0))
            cls = c;
    }
    if (json_object_get(e, "error"))
        cls = "fail";
    fprintf(f, "<td class=\"vcell %s\">", cls);
    json_array_foreach(json_object_get(e, "rrsets"), i, r) {
        const json_t *ede = json_object_get(r, "ede");
        char t[96], line[256];
        snprintf(line, sizeof(line), "%s %s%s%s", dl_json_str(r, "rrset"),
                 dl_json_str(r, "observed"), json_is_integer(ede) ? ", " : "",
                 dl_ede_text(t, sizeof(t), json_is_integer(ede) ? (int)json_integer_value(ede) : -1,
                             NULL));
        fprintf(f, "%s<span class=\"%s\">", i ? "<br/>" : "", rrset_class(r));
        lab_htmlpage_esc(f, line);
        fputs("</span>", f);
    }
    if (json_object_get(e, "error"))
        lab_htmlpage_esc(f, dl_json_str(e, "error"));
    fputs("</td>", f);
}

void lab_valmatrix_html(FILE *f, const json_t *report)
{
    const json_t *names = val_names(report), *n, *s;
    const json_t *vers = json_object_get(json_object_get(report, "validators"), "versions");
    size_t i, j;
    if (names == NULL)
        return;
    fputs("<h2 id=\"validators\">Validators</h2>\n<p>DNS verdicts under each validator (the "
          "lab brought up with each in turn); delivery checked under ",
          f);
    lab_htmlpage_esc(f, json_string_value(json_array_get(names, 0)));
    fputs(". Highlighted: a verdict that differs from ", f);
    lab_htmlpage_esc(f, ref_name(report));
    fputs("'s, declared by the scenario; red: not what is expected, or an undeclared "
          "difference.</p>\n<ul>\n",
          f);
    json_array_foreach(names, i, n) {
        fputs("<li>", f);
        lab_htmlpage_esc(f, json_string_value(n));
        fputs(": ", f);
        lab_htmlpage_esc(f, dl_json_str(vers, json_string_value(n)));
        fputs("</li>\n", f);
    }
    fputs("</ul>\n<table class=\"validators\">\n<tr><th>scenario</th>", f);
    json_array_foreach(names, i, n) {
        fputs("<th>", f);
        lab_htmlpage_esc(f, json_string_value(n));
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        const json_t *vals = json_object_get(s, "validators");
        const char *cls = json_is_true(json_object_get(s, "pass")) ? "pass" : "fail";
        fputs("<tr>", f);
        lab_htmlpage_name_cell(f, cls, dl_json_str(s, "name"), dl_json_str(s, "domain"));
        json_array_foreach(names, j, n)
            html_cell(f, json_object_get(vals, json_string_value(n)));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

void lab_valmatrix_html_scen(FILE *f, const json_t *scen)
{
    const json_t *vals = json_object_get(scen, "validators"), *e, *r;
    const char *val;
    size_t i;
    if (vals == NULL)
        return;
    fputs("<h4>DNS under each validator</h4>\n<table class=\"rrsets\">\n<tr><th>validator</th>"
          "<th>RRset</th><th>expected</th><th>observed</th><th>rcode</th><th>EDE</th>"
          "<th>differs</th><th>why</th></tr>\n",
          f);
    json_object_foreach((json_t *)vals, val, e) {
        json_array_foreach(json_object_get(e, "rrsets"), i, r) {
            const json_t *ede = json_object_get(r, "ede");
            char t[300], rcode[32];
            snprintf(rcode, sizeof(rcode), "%lld",
                     (long long)json_integer_value(json_object_get(r, "rcode")));
            dl_ede_text(t, sizeof(t), json_is_integer(ede) ? (int)json_integer_value(ede) : -1,
                        dl_json_str(r, "ede_text"));
            fprintf(f, "<tr class=\"%s\">", rrset_class(r));
            lab_htmlpage_td(f, "", val);
            lab_htmlpage_td(f, "", dl_json_str(r, "rrset"));
            lab_htmlpage_td(f, "", dl_json_str(r, "expected"));
            lab_htmlpage_td(f, "", dl_json_str(r, "observed"));
            lab_htmlpage_td(f, "", rcode);
            lab_htmlpage_td(f, "", t);
            lab_htmlpage_td(f, "",
                            !json_is_true(json_object_get(r, "differs"))   ? ""
                            : json_is_true(json_object_get(r, "declared")) ? "declared"
                                                                           : "NOT DECLARED");
            lab_htmlpage_td(f, "",
                            *dl_json_str(r, "mismatch") ? dl_json_str(r, "mismatch")
                                                        : dl_json_str(r, "why"));
            fputs("</tr>\n", f);
        }
    }
    fputs("</table>\n", f);
}
