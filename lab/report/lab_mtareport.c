/* lab_mtareport: the MTA conformance report's forms and the scenarios x
 * MTA table. */
#include "lab_mtareport.h"
#include "lab_htmlpage.h"
#include "lab_report.h"

#include "dl_json.h"
#include "dl_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[LAB_MTA_V_COUNT] = {"pass", "known", "deviation", "leak"};
static const char *const verdict_labels[LAB_MTA_V_COUNT] = {"pass", "known", "DEVIATION", "LEAK"};

static int flushed(FILE *f)
{
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

bool lab_mtareport_is_mta(const json_t *report)
{
    return json_object_get(report, "mta") != NULL;
}

int lab_mtareport_verdict(const char *name)
{
    for (int v = 0; name && v < LAB_MTA_V_COUNT; v++)
        if (strcmp(name, verdict_names[v]) == 0)
            return v;
    return -1;
}

const char *lab_mtareport_label(enum lab_mta_verdict v)
{
    return (unsigned)v < LAB_MTA_V_COUNT ? verdict_labels[v] : "?";
}

int lab_mtareport_scen_verdict(const json_t *s)
{
    return lab_mtareport_verdict(json_string_value(json_object_get(s, "verdict")));
}

int lab_mtareport_count(const json_t *report, size_t counts[LAB_MTA_V_COUNT], struct dl_error *err)
{
    const json_t *s;
    size_t i;
    memset(counts, 0, LAB_MTA_V_COUNT * sizeof(counts[0]));
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        int v = lab_mtareport_scen_verdict(s);
        if (v < 0)
            return dl_error_set(err,
                                "scenario '%s': verdict '%s' is not pass, known, deviation "
                                "or leak",
                                dl_json_str(s, "name"), dl_json_str(s, "verdict"));
        counts[v]++;
    }
    return 0;
}

/* ---- join ---- */

int lab_mtareport_check_shape(const json_t *r, const char *file, struct dl_error *err)
{
    if (!json_is_string(json_object_get(r, "mta")) ||
        !json_is_array(json_object_get(r, "scenarios")) ||
        !json_is_object(json_object_get(r, "summary")))
        return dl_error_set(err, "%s: not a `danelab mta --json` report", file);
    return 0;
}

json_t *lab_mtareport_join(json_t *const *reports, const char *const *files, size_t n,
                           struct dl_error *err)
{
    json_t *where = json_object(), **list = NULL, *out = NULL, *s;
    size_t count = 0, cap = 0, counts[LAB_MTA_V_COUNT], j;
    double seconds = 0;
    if (n == 0) {
        dl_error_set(err, "no report to join");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (lab_mtareport_check_shape(reports[i], files[i], err) != 0)
            goto out;
        if (strcmp(dl_json_str(reports[i], "mta"), dl_json_str(reports[0], "mta")) != 0) {
            dl_error_set(err,
                         "%s is a report of %s, %s of %s: one MTA at a time (`danelab "
                         "report table` compares MTAs)",
                         files[0], dl_json_str(reports[0], "mta"), files[i],
                         dl_json_str(reports[i], "mta"));
            goto out;
        }
        seconds +=
            json_number_value(json_object_get(json_object_get(reports[i], "summary"), "seconds"));
        json_array_foreach(json_object_get(reports[i], "scenarios"), j, s) {
            const char *name = dl_json_str(s, "name");
            if (*name == '\0') {
                dl_error_set(err, "%s: a scenario without a name", files[i]);
                goto out;
            }
            if (lab_mtareport_scen_verdict(s) < 0) {
                dl_error_set(err,
                             "%s: scenario '%s': verdict '%s' is not pass, known, "
                             "deviation or leak",
                             files[i], name, dl_json_str(s, "verdict"));
                goto out;
            }
            if (json_object_get(where, name)) {
                dl_error_set(err, "scenario '%s' is in %s and in %s", name,
                             json_string_value(json_object_get(where, name)), files[i]);
                goto out;
            }
            json_object_set_new(where, name, json_string(files[i]));
            if (count == cap)
                list = dl_xrealloc(list, (cap = cap ? 2 * cap : 64) * sizeof(*list));
            list[count++] = s;
        }
    }
    if (count > 1)
        qsort(list, count, sizeof(*list), dl_json_cmp_name);
    out = json_pack("{s:s, s:s, s:[]}", "mta", dl_json_str(reports[0], "mta"), "config_directory",
                    dl_json_str(reports[0], "config_directory"), "scenarios");
    if (json_is_string(json_object_get(reports[0], "version")))
        json_object_set(out, "version", json_object_get(reports[0], "version"));
    for (size_t i = 0; i < count; i++)
        json_array_append(json_object_get(out, "scenarios"), list[i]);
    lab_mtareport_count(out, counts, NULL);
    json_object_set_new(out, "summary",
                        json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:I}", "scenarios",
                                  (json_int_t)count, "passed", (json_int_t)counts[LAB_MTA_V_PASS],
                                  "known", (json_int_t)counts[LAB_MTA_V_KNOWN], "deviations",
                                  (json_int_t)counts[LAB_MTA_V_DEVIATION], "leaks",
                                  (json_int_t)counts[LAB_MTA_V_LEAK], "seconds", seconds, "reports",
                                  (json_int_t)n));
out:
    json_decref(where);
    free(list);
    return out;
}

/* ---- words shared by the forms ---- */

void lab_mtareport_expected_text(struct dl_buf *b, const json_t *s)
{
    lab_report_expected_text(b, json_object_get(s, "expected"), false);
}

/* "deferred 4.7.5" ("-" for no dsn) */
static void mta_text(struct dl_buf *b, const json_t *s)
{
    const json_t *m = json_object_get(s, "mta");
    dl_buf_printf(b, "%s %s", dl_json_str(m, "status"),
                  *dl_json_str(m, "dsn") ? dl_json_str(m, "dsn") : "-");
}

/* What fakesmtp stored: "mx1.good.test TLSv1.3 sni=mx1.good.test, ..." or
 * "nothing stored". */
static void stored_text(struct dl_buf *b, const json_t *s)
{
    const json_t *st = json_object_get(json_object_get(s, "fakesmtp"), "stored"), *a;
    size_t i;
    if (json_array_size(st) == 0)
        dl_buf_printf(b, "nothing stored");
    json_array_foreach(st, i, a) {
        dl_buf_printf(b, "%s%s %s", i ? ", " : "", dl_json_str(a, "host"),
                      json_is_true(json_object_get(a, "tls")) ? dl_json_str(a, "version")
                                                              : "plaintext");
        if (*dl_json_str(a, "sni"))
            dl_buf_printf(b, " sni=%s", dl_json_str(a, "sni"));
    }
}

void lab_mtareport_after(char *buf, size_t len, long long secs)
{
    snprintf(buf, len, "+%lldd%02lldh%02lld", secs / 86400, secs % 86400 / 3600, secs % 3600 / 60);
}

static void after_text(struct dl_buf *b, json_int_t secs)
{
    char t[32];
    lab_mtareport_after(t, sizeof(t), (long long)secs);
    dl_buf_printf(b, "%s", t);
}

/* One line of a --retry attempt (lab_mta_retry_json's "attempts" item):
 * "attempt 3 at +0d01h30 (state 1): deferred 4.7.5 mx1.x.test [none]
 * Server certificate not verified; reference: refuses 4.7.323
 * no-tlsa-match", with --schedule "; planned +0d01h30". */
static void attempt_text(struct dl_buf *b, size_t k, const json_t *a)
{
    const json_t *ref = json_object_get(a, "reference");
    dl_buf_printf(b, "attempt %zu at ", k + 1);
    after_text(b, json_integer_value(json_object_get(a, "after")));
    dl_buf_printf(b, " (state %lld): %s %s",
                  (long long)json_integer_value(json_object_get(a, "state")),
                  dl_json_str(a, "status"), *dl_json_str(a, "dsn") ? dl_json_str(a, "dsn") : "-");
    if (*dl_json_str(a, "relay"))
        dl_buf_printf(b, " %s", dl_json_str(a, "relay"));
    dl_buf_printf(b, " [%s]", dl_json_str(a, "auth"));
    if (*dl_json_str(a, "reason"))
        dl_buf_printf(b, " %s", dl_json_str(a, "reason"));
    dl_buf_printf(b, "; reference: %s %s %s",
                  json_is_true(json_object_get(ref, "delivers")) ? "delivers" : "refuses",
                  dl_json_str(ref, "code"), dl_json_str(ref, "reason"));
    if (json_is_integer(json_object_get(a, "planned"))) { /* --schedule */
        dl_buf_printf(b, "; planned ");
        after_text(b, json_integer_value(json_object_get(a, "planned")));
    }
}

/* Every attempt of a --retry scenario, a line each, each begun by
 * `indent`, and the non-delivery report when one came; nothing without
 * --retry. */
static void attempts_text(struct dl_buf *b, const json_t *s, const char *indent)
{
    const json_t *r = json_object_get(s, "retry"), *a, *bounce;
    size_t k;
    if (!json_is_object(r))
        return;
    json_array_foreach(json_object_get(r, "attempts"), k, a) {
        dl_buf_printf(b, "%s", indent);
        attempt_text(b, k, a);
        dl_buf_printf(b, "\n");
    }
    if (json_is_integer(json_object_get(r, "expired_after"))) {
        dl_buf_printf(b, "%sreturned at ", indent);
        after_text(b, json_integer_value(json_object_get(r, "expired_after")));
        bounce = json_object_get(r, "bounce");
        if (json_is_true(json_object_get(bounce, "received")))
            dl_buf_printf(b, ": non-delivery report Action %s, Status %s\n",
                          dl_json_str(bounce, "action"), dl_json_str(bounce, "status"));
        else
            dl_buf_printf(b, ": no non-delivery report received\n");
    }
    if (json_is_object(json_object_get(r, "schedule"))) /* --schedule */
        dl_buf_printf(b, "%sschedule %s: %s: %s\n", indent,
                      dl_json_str(json_object_get(r, "schedule"), "profile"),
                      dl_json_str(json_object_get(r, "schedule"), "verdict"),
                      dl_json_str(json_object_get(r, "schedule"), "why"));
}

/* ---- JUnit, TAP, text ---- */

/* --schedule: the attempts departed from the schedule (retry.schedule's
 * verdict "deviation"), a verdict beside the DANE one. */
static bool schedule_missed(const json_t *s)
{
    const json_t *sc = json_object_get(json_object_get(s, "retry"), "schedule");
    return strcmp(dl_json_str(sc, "verdict"), "deviation") == 0;
}

/* How many scenarios whose DANE verdict is pass or known missed their
 * schedule: JUnit failures too. */
static size_t schedule_only(const json_t *report, size_t *known)
{
    const json_t *s;
    size_t i, n = 0;
    *known = 0;
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        int v = lab_mtareport_scen_verdict(s);
        if (schedule_missed(s) && (v == LAB_MTA_V_PASS || v == LAB_MTA_V_KNOWN)) {
            n++;
            *known += v == LAB_MTA_V_KNOWN;
        }
    }
    return n;
}

int lab_mtareport_junit(FILE *f, const json_t *report)
{
    const json_t *sum = json_object_get(report, "summary"), *s;
    const char *mta = dl_json_str(report, "mta");
    size_t counts[LAB_MTA_V_COUNT], i, sched_known, sched = schedule_only(report, &sched_known);
    struct dl_buf att = {0};
    lab_mtareport_count(report, counts, NULL);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
          "  <testsuite name=\"mta-",
          f);
    lab_xml_escape(f, mta, true);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
            json_array_size(json_object_get(report, "scenarios")),
            counts[LAB_MTA_V_DEVIATION] + counts[LAB_MTA_V_LEAK] + sched,
            counts[LAB_MTA_V_KNOWN] - sched_known,
            json_number_value(json_object_get(sum, "seconds")));
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        const json_t *m = json_object_get(s, "mta");
        int v = lab_mtareport_scen_verdict(s);
        bool missed = schedule_missed(s),
             failed = missed || (v != LAB_MTA_V_PASS && v != LAB_MTA_V_KNOWN);
        fputs("    <testcase classname=\"", f);
        lab_xml_escape(f, dl_json_str(s, "name"), true);
        fputs("\" name=\"mta-", f);
        lab_xml_escape(f, mta, true);
        fputc('"', f);
        attempts_text(&att, s, "");
        if (v == LAB_MTA_V_PASS && !failed && att.len == 0) {
            fputs("/>\n", f);
            continue;
        }
        if (v == LAB_MTA_V_PASS && !failed) {
            fputs(">\n      <system-out>", f);
            lab_xml_escape(f, dl_buf_str(&att), false);
            fputs("</system-out>\n    </testcase>\n", f);
            dl_buf_reset(&att);
            continue;
        }
        if (v == LAB_MTA_V_KNOWN && !failed) {
            fputs(">\n      <skipped message=\"known deviation: ", f);
            lab_xml_escape(f, dl_json_str(s, "known"), true);
            fputs("\"/>\n      <system-out>", f);
        } else if (v == LAB_MTA_V_PASS || v == LAB_MTA_V_KNOWN) { /* the schedule alone */
            const json_t *sc = json_object_get(json_object_get(s, "retry"), "schedule");
            fputs(">\n      <failure type=\"schedule-deviation\" message=\"", f);
            lab_xml_escape(f, dl_json_str(sc, "why"), true);
            fputs("\">", f);
        } else {
            fputs(">\n      <failure type=\"", f);
            lab_xml_escape(f, dl_json_str(s, "verdict"), true);
            fputs("\" message=\"", f);
            lab_xml_escape(f, dl_json_str(s, "why"), true);
            fputs("\">", f);
        }
        lab_xml_escape(f, dl_json_str(s, "why"), false);
        fputs(" | ", f);
        lab_xml_escape(f, mta, false);
        fputs(": ", f);
        lab_xml_escape(f, dl_json_str(m, "status"), false);
        fputs(" ", f);
        lab_xml_escape(f, dl_json_str(m, "dsn"), false);
        fputs(" ", f);
        lab_xml_escape(f, dl_json_str(m, "reason"), false);
        if (att.len) {
            fputs("\n", f);
            lab_xml_escape(f, dl_buf_str(&att), false);
        }
        fputs(failed ? "</failure>\n" : "</system-out>\n", f);
        fputs("    </testcase>\n", f);
        dl_buf_reset(&att);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    dl_buf_free(&att);
    return flushed(f);
}

/* A YAML double-quoted scalar (JSON's string syntax is YAML's). */
static void yaml_str(FILE *f, const char *key, const char *v)
{
    json_t *j = json_string(v);
    char *q = json_dumps(j, JSON_ENCODE_ANY);
    fprintf(f, "  %s: %s\n", key, q ? q : "\"\"");
    free(q);
    json_decref(j);
}

int lab_mtareport_tap(FILE *f, const json_t *report)
{
    const json_t *s;
    size_t i;
    fprintf(f, "TAP version 13\n1..%zu\n", json_array_size(json_object_get(report, "scenarios")));
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        struct dl_buf b = {0};
        int v = lab_mtareport_scen_verdict(s);
        if (v == LAB_MTA_V_PASS) {
            fprintf(f, "ok %zu - %s [mta-%s]\n", i + 1, dl_json_str(s, "name"),
                    dl_json_str(report, "mta"));
            attempts_text(&b, s, "# ");
            fputs(dl_buf_str(&b), f);
            dl_buf_free(&b);
            continue;
        }
        fprintf(f, "not ok %zu - %s [mta-%s]", i + 1, dl_json_str(s, "name"),
                dl_json_str(report, "mta"));
        if (v == LAB_MTA_V_KNOWN)
            fputs(" # TODO known deviation", f);
        fputs("\n  ---\n", f);
        yaml_str(f, "verdict", dl_json_str(s, "verdict"));
        lab_mtareport_expected_text(&b, s);
        yaml_str(f, "expected", dl_buf_str(&b));
        dl_buf_reset(&b);
        mta_text(&b, s);
        dl_buf_printf(&b, "%s%s", *dl_json_str(json_object_get(s, "mta"), "reason") ? " " : "",
                      dl_json_str(json_object_get(s, "mta"), "reason"));
        yaml_str(f, "mta", dl_buf_str(&b));
        dl_buf_reset(&b);
        stored_text(&b, s);
        yaml_str(f, "fakesmtp", dl_buf_str(&b));
        yaml_str(f, "why", dl_json_str(s, "why"));
        if (v == LAB_MTA_V_KNOWN)
            yaml_str(f, "known", dl_json_str(s, "known"));
        dl_buf_reset(&b);
        attempts_text(&b, s, "");
        if (b.len)
            yaml_str(f, "attempts", dl_buf_str(&b));
        fputs("  ...\n", f);
        dl_buf_free(&b);
    }
    return flushed(f);
}

int lab_mtareport_text(FILE *f, const json_t *report)
{
    const json_t *sum = json_object_get(report, "summary"), *s;
    const char *mta = dl_json_str(report, "mta");
    size_t counts[LAB_MTA_V_COUNT] = {0}, i;
    lab_mtareport_count(report, counts, NULL);
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        const json_t *m = json_object_get(s, "mta");
        struct dl_buf seen = {0};
        int v = lab_mtareport_scen_verdict(s);
        stored_text(&seen, s);
        fprintf(f, "%-9s %-34s expected %-9s %s %-8s %-6s fakesmtp: %s\n",
                lab_mtareport_label(v < 0 ? LAB_MTA_V_DEVIATION : (enum lab_mta_verdict)v),
                dl_json_str(s, "name"), dl_json_str(json_object_get(s, "expected"), "status"), mta,
                dl_json_str(m, "status"), *dl_json_str(m, "dsn") ? dl_json_str(m, "dsn") : "-",
                dl_buf_str(&seen));
        dl_buf_reset(&seen);
        attempts_text(&seen, s, "          ");
        if (v != LAB_MTA_V_PASS) {
            if (*dl_json_str(m, "reason"))
                fprintf(f, "          %s: %s\n", mta, dl_json_str(m, "reason"));
            fprintf(f, "          why: %s\n", dl_json_str(s, "why"));
            if (*dl_json_str(s, "known"))
                fprintf(f, "          known: %s\n", dl_json_str(s, "known"));
        }
        fputs(dl_buf_str(&seen), f);
        dl_buf_free(&seen);
    }
    fprintf(f,
            "%s: %zu scenarios: %zu passed, %zu known deviations, %zu deviations, %zu leaks "
            "(%.1f s)\n",
            mta, json_array_size(json_object_get(report, "scenarios")), counts[LAB_MTA_V_PASS],
            counts[LAB_MTA_V_KNOWN], counts[LAB_MTA_V_DEVIATION], counts[LAB_MTA_V_LEAK],
            json_number_value(json_object_get(sum, "seconds")));
    return flushed(f);
}

/* ---- HTML ---- */

static const char mta_css[] =
    ".known{background:#ffe08a}.deviation{background:#f6b8b8}\n"
    ".leak{background:#8b0000;color:#fff}.leak a{color:#fff}\n"
    "td.verdict{text-align:center;min-width:6em}td.verdict b{font-weight:700}\n"
    "td.verdict.leak b{font-weight:900;letter-spacing:.05em}\n"
    "table.about th{text-align:right}\n";

static void html_summary(FILE *f, const json_t *report)
{
    const json_t *scens = json_object_get(report, "scenarios"), *s;
    /* the counts' ids and words */
    static const char *const words[LAB_MTA_V_COUNT] = {"passed", "known", "deviations", "leaks"};
    struct lab_htmlpage_count counts[LAB_MTA_V_COUNT];
    size_t n[LAB_MTA_V_COUNT], i;
    bool bad = false;
    lab_mtareport_count(report, n, NULL);
    for (int v = 0; v < LAB_MTA_V_COUNT; v++)
        counts[v] = (struct lab_htmlpage_count){n[v] ? verdict_names[v] : "none", words[v],
                                                words[v], (long long)n[v]};
    lab_htmlpage_summary(f, report, counts, LAB_MTA_V_COUNT);
    fputs("<table class=\"about\">\n<tr><th>MTA</th>", f);
    lab_htmlpage_td(f, "", dl_json_str(report, "mta"));
    if (dl_json_str(report, "version")[0]) {
        fputs("</tr>\n<tr><th>version</th>", f);
        lab_htmlpage_td(f, "", dl_json_str(report, "version"));
    }
    fputs("</tr>\n<tr><th>its configuration</th><td><code>", f);
    lab_htmlpage_esc(f, dl_json_str(report, "config_directory"));
    fputs("</code></td></tr>\n<tr><th>expectations</th><td>each scenario's rfc7672 outcome; "
          "known deviations from lab/mta/",
          f);
    lab_htmlpage_esc(f, dl_json_str(report, "mta"));
    fputs("/known-deviations</td></tr>\n</table>\n", f);
    json_array_foreach(scens, i, s) {
        int v = lab_mtareport_scen_verdict(s);
        if (v == LAB_MTA_V_PASS || v == LAB_MTA_V_KNOWN)
            continue;
        if (!bad)
            fputs("<p>Deviations and leaks:", f);
        bad = true;
        lab_htmlpage_link(f, dl_json_str(s, "name"));
        fprintf(f, " (%s)", lab_mtareport_label(v < 0 ? LAB_MTA_V_DEVIATION : v));
    }
    if (bad)
        fputs("</p>\n", f);
}

static void html_row(FILE *f, const json_t *s, size_t i)
{
    const json_t *m = json_object_get(s, "mta");
    struct dl_buf b = {0};
    int v = lab_mtareport_scen_verdict(s);
    const char *cls = v < 0 ? "deviation" : verdict_names[v];
    fprintf(f, "<tr class=\"row v-%s\"><td>%zu</td>", cls, i + 1);
    lab_htmlpage_name_cell(f, "", dl_json_str(s, "name"), dl_json_str(s, "domain"));
    fprintf(f, "<td class=\"verdict %s\"><b>%s</b></td>", cls,
            lab_mtareport_label(v < 0 ? LAB_MTA_V_DEVIATION : v));
    lab_mtareport_expected_text(&b, s);
    lab_htmlpage_td(f, "", dl_buf_str(&b));
    dl_buf_reset(&b);
    mta_text(&b, s);
    fputs("<td>", f);
    lab_htmlpage_bold_sub(f, dl_buf_str(&b), dl_json_str(m, "reason"));
    fputs("</td>", f);
    dl_buf_reset(&b);
    stored_text(&b, s);
    lab_htmlpage_td(f, "", dl_buf_str(&b));
    lab_htmlpage_td(f, "", dl_json_str(s, "known"));
    fputs("</tr>\n", f);
    dl_buf_free(&b);
}

/* <tr><th>KEY</th><td>VALUE</td></tr>, nothing for an empty value. */
static void kv(FILE *f, const char *key, const char *value, bool code)
{
    if (*value == '\0')
        return;
    fprintf(f, "<tr><th>%s</th><td>%s", key, code ? "<code>" : "");
    lab_htmlpage_esc(f, value);
    fprintf(f, "%s</td></tr>\n", code ? "</code>" : "");
}

/* --schedule: attempt k's (0-based) planned time after the first, from
 * its "planned" ("" for one past the schedule's end), in the class
 * "deviation" when it is the attempt that departs (schedule.attempt). */
static void html_planned(FILE *f, struct dl_buf *b, const json_t *sched, const json_t *a, size_t k)
{
    bool departs = (json_int_t)(k + 1) == json_integer_value(json_object_get(sched, "attempt"));
    dl_buf_reset(b);
    if (json_is_integer(json_object_get(a, "planned")))
        after_text(b, json_integer_value(json_object_get(a, "planned")));
    lab_htmlpage_td(f, departs ? "deviation" : "", dl_buf_str(b));
}

/* --retry: a row per attempt, how the message was returned, and with
 * --schedule each attempt's planned time (a column "planned") and the
 * comparison with the schedule under the table. */
static void html_attempts(FILE *f, const json_t *s)
{
    const json_t *r = json_object_get(s, "retry"), *a, *bounce = json_object_get(r, "bounce");
    const json_t *sched = json_object_get(r, "schedule");
    struct dl_buf b = {0};
    size_t k;
    if (!json_is_object(r))
        return;
    fprintf(f,
            "<h4>Attempts on the virtual clock</h4>\n<table class=\"attempts\">\n<tr><th>#</th>"
            "<th>at</th>%s<th>state</th><th>status</th><th>DSN</th><th>relay</th>"
            "<th>authentication</th><th>reason</th><th>reference client</th></tr>\n",
            json_is_object(sched) ? "<th>planned</th>" : "");
    json_array_foreach(json_object_get(r, "attempts"), k, a) {
        const json_t *ref = json_object_get(a, "reference");
        fprintf(f, "<tr><td>%zu</td>", k + 1);
        dl_buf_reset(&b);
        after_text(&b, json_integer_value(json_object_get(a, "after")));
        lab_htmlpage_td(f, "", dl_buf_str(&b));
        if (json_is_object(sched))
            html_planned(f, &b, sched, a, k);
        fprintf(f, "<td>%lld</td>", (long long)json_integer_value(json_object_get(a, "state")));
        lab_htmlpage_td(f, "", dl_json_str(a, "status"));
        lab_htmlpage_td(f, "", dl_json_str(a, "dsn"));
        lab_htmlpage_td(f, "", dl_json_str(a, "relay"));
        lab_htmlpage_td(f, "", dl_json_str(a, "auth"));
        lab_htmlpage_td(f, "", dl_json_str(a, "reason"));
        dl_buf_reset(&b);
        dl_buf_printf(&b, "%s %s %s",
                      json_is_true(json_object_get(ref, "delivers")) ? "delivers" : "refuses",
                      dl_json_str(ref, "code"), dl_json_str(ref, "reason"));
        lab_htmlpage_td(f, "", dl_buf_str(&b));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    if (json_is_integer(json_object_get(r, "expired_after"))) {
        dl_buf_reset(&b);
        dl_buf_printf(&b, "Returned to the sender at ");
        after_text(&b, json_integer_value(json_object_get(r, "expired_after")));
        if (json_is_true(json_object_get(bounce, "received")))
            dl_buf_printf(&b, "; the non-delivery report's Action: %s, Status: %s",
                          dl_json_str(bounce, "action"), dl_json_str(bounce, "status"));
        else
            dl_buf_printf(&b, "; no non-delivery report reached the sender");
        fputs("<p>", f);
        lab_htmlpage_esc(f, dl_buf_str(&b));
        fputs("</p>\n", f);
    }
    if (json_is_object(sched)) { /* --schedule */
        dl_buf_reset(&b);
        dl_buf_printf(&b, "The %s schedule (%s): %s: %s", dl_json_str(sched, "profile"),
                      dl_json_str(sched, "source"), dl_json_str(sched, "verdict"),
                      dl_json_str(sched, "why"));
        fputs("<p>", f);
        lab_htmlpage_esc(f, dl_buf_str(&b));
        fputs("</p>\n", f);
    }
    dl_buf_free(&b);
}

static void html_details(FILE *f, const json_t *s, const char *mta)
{
    const json_t *m = json_object_get(s, "mta"), *a;
    const json_t *st = json_object_get(json_object_get(s, "fakesmtp"), "stored");
    struct dl_buf b = {0};
    int v = lab_mtareport_scen_verdict(s);
    const char *cls = v < 0 ? "deviation" : verdict_names[v];
    size_t i;
    lab_htmlpage_scen_head(f, dl_json_str(s, "name"), cls,
                           lab_mtareport_label(v < 0 ? LAB_MTA_V_DEVIATION : v),
                           dl_json_str(s, "domain"));
    fputs(" - <a href=\"#scenarios\">table</a></p>\n<table class=\"detail\">\n", f);
    lab_mtareport_expected_text(&b, s);
    kv(f, "expected (rfc7672)", dl_buf_str(&b), false);
    dl_buf_reset(&b);
    mta_text(&b, s);
    fputs("<tr><th>", f);
    lab_htmlpage_esc(f, mta);
    fputs("</th><td>", f);
    lab_htmlpage_esc(f, dl_buf_str(&b));
    fputs("</td></tr>\n", f);
    kv(f, "reason", dl_json_str(m, "reason"), false);
    kv(f, "relay", dl_json_str(m, "relay"), false);
    kv(f, "queue id", dl_json_str(m, "queue_id"), true);
    kv(f, "Message-ID", dl_json_str(m, "message_id"), true);
    kv(f, "reference client", dl_json_str(s, "reference"), false);
    kv(f, "why", dl_json_str(s, "why"), false);
    kv(f, "known deviation", dl_json_str(s, "known"), false);
    fputs("</table>\n", f);
    if (json_array_size(st) == 0)
        fputs("<p>fakesmtp: nothing stored</p>\n", f);
    else {
        fputs("<h4>Stored by fakesmtp</h4>\n<table class=\"stored\">\n<tr><th>host</th>"
              "<th>address</th><th>TLS</th><th>SNI</th><th>certificate SHA-256</th></tr>\n",
              f);
        json_array_foreach(st, i, a) {
            bool tls = json_is_true(json_object_get(a, "tls"));
            fputs("<tr>", f);
            lab_htmlpage_td(f, "", dl_json_str(a, "host"));
            lab_htmlpage_td(f, "", dl_json_str(a, "address"));
            lab_htmlpage_td(f, "", tls ? dl_json_str(a, "version") : "plaintext");
            lab_htmlpage_td(f, "", dl_json_str(a, "sni"));
            fputs("<td><code>", f);
            lab_htmlpage_esc(f, dl_json_str(a, "cert_sha256"));
            fputs("</code></td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    html_attempts(f, s);
    fputs("</div>\n", f);
    dl_buf_free(&b);
}

int lab_mtareport_html(FILE *f, const json_t *report, const char *title, struct dl_error *err)
{
    const json_t *scens = json_object_get(report, "scenarios"), *s;
    const char *mta = dl_json_str(report, "mta");
    char *deftitle = dl_xasprintf("danelab mta %s", mta);
    size_t i;
    lab_htmlpage_head(f, title ? title : deftitle, mta_css);
    free(deftitle);
    html_summary(f, report);
    fputs("<h2 id=\"scenarios\">Scenarios</h2>\n<table class=\"mta\">\n<tr><th>#</th>"
          "<th>scenario</th><th>verdict</th><th>expected (rfc7672)</th><th>",
          f);
    lab_htmlpage_esc(f, mta);
    fputs("</th><th>fakesmtp stored</th><th>known deviation</th></tr>\n", f);
    json_array_foreach(scens, i, s)
        html_row(f, s, i);
    fputs("</table>\n<h2 id=\"details\">Details</h2>\n", f);
    json_array_foreach(scens, i, s)
        html_details(f, s, mta);
    fputs("</body>\n</html>\n", f);
    if (flushed(f) != 0)
        return dl_error_set(err, "html: write error: %s", strerror(errno));
    return 0;
}
