/* lab_html: the run report as one self-contained HTML page. */
#include "lab_html.h"
#include "lab_htmlpage.h"
#include "lab_htmlpic.h"
#include "lab_report.h"
#include "lab_valmatrix.h"

#include "dl_ede.h"
#include "dl_json.h"
#include "dl_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- text of outcomes ---- */

/* A virtual-clock offset: "+0", "+15m", "+1h30m", "+1d2h". */
static void at_text(struct dl_buf *b, json_int_t at)
{
    json_int_t d = at / 86400, h = at % 86400 / 3600, m = at % 3600 / 60, s = at % 60;
    dl_buf_printf(b, "+");
    if (at == 0)
        dl_buf_printf(b, "0");
    if (d)
        dl_buf_printf(b, "%lldd", (long long)d);
    if (h)
        dl_buf_printf(b, "%lldh", (long long)h);
    if (m)
        dl_buf_printf(b, "%lldm", (long long)m);
    if (s)
        dl_buf_printf(b, "%llds", (long long)s);
}

/* The timeline's expectation: "delivered 2.0.0 (authenticated) at attempt
 * 4, +1h30m; before: +0 4.7.324, +15m 4.7.324". */
static void timeline_expected_text(struct dl_buf *b, const json_t *e)
{
    const json_t *c;
    size_t i;
    lab_report_expected_text(b, e, true);
    if (json_is_integer(json_object_get(e, "attempts")))
        dl_buf_printf(b, " at attempt %lld",
                      (long long)json_integer_value(json_object_get(e, "attempts")));
    if (json_is_integer(json_object_get(e, "at"))) {
        dl_buf_printf(b, ", ");
        at_text(b, json_integer_value(json_object_get(e, "at")));
    }
    json_array_foreach(json_object_get(e, "codes"), i, c) {
        dl_buf_printf(b, "%s", i == 0 ? "; before: " : ", ");
        at_text(b, json_integer_value(json_object_get(c, "at")));
        dl_buf_printf(b, " %s", dl_json_str(c, "code"));
    }
}

/* ---- checks ---- */

/* The delivery entry of `profile` in scenario `s`, or NULL. */
static const json_t *delivery(const json_t *s, const char *profile)
{
    const json_t *d;
    size_t i;
    json_array_foreach(json_object_get(s, "delivery"), i, d)
        if (strcmp(dl_json_str(d, "profile"), profile) == 0)
            return d;
    return NULL;
}

enum verdict { V_NONE, V_PASS, V_FAIL };
static const char *const verdict_class[] = {"none", "pass", "fail"};

static enum verdict dns_verdict(const json_t *s)
{
    if (json_array_size(json_object_get(s, "rrsets")) == 0 &&
        !*dl_json_str(json_object_get(s, "expected"), "dnssec"))
        return V_NONE;
    return lab_report_dns_pass(s) ? V_PASS : V_FAIL;
}

static enum verdict check_verdict(const json_t *s, const char *check)
{
    const json_t *d;
    if (strcmp(check, "dns") == 0)
        return dns_verdict(s);
    d = delivery(s, check);
    return d == NULL ? V_NONE : json_is_true(json_object_get(d, "pass")) ? V_PASS : V_FAIL;
}

/* ---- the page ---- */

static void summary(FILE *f, const json_t *report, const json_t *names)
{
    const json_t *scens = json_object_get(report, "scenarios"), *s, *n;
    long long passed = lab_report_count(report, "passed");
    long long failed = lab_report_count(report, "failed");
    long long errors = lab_report_count(report, "errors");
    const struct lab_htmlpage_count counts[] = {
        {passed ? "pass" : "none", "passed", "passed", passed},
        {failed ? "fail" : "none", "failed", "failed", failed},
        {"fail", "errors", "errors (not checked: not a verdict)", errors},
    };
    size_t i, j;
    lab_htmlpage_summary(f, report, counts, errors ? 3 : 2);
    fputs("<table class=\"checks\">\n<tr><th>check</th><th>passed</th><th>failed</th>"
          "<th>not checked</th></tr>\n",
          f);
    json_array_foreach(names, i, n) {
        size_t count[3] = {0};
        json_array_foreach(scens, j, s)
            count[check_verdict(s, json_string_value(n))]++;
        fputs("<tr><td>", f);
        lab_htmlpage_esc(f, json_string_value(n));
        fprintf(f, "</td><td>%zu</td><td class=\"%s\">%zu</td><td>%zu</td></tr>\n", count[V_PASS],
                count[V_FAIL] ? "fail" : "", count[V_FAIL], count[V_NONE]);
    }
    fputs("</table>\n", f);
    if (failed == 0 && errors == 0)
        return;
    fputs("<p>Failed or not checked:", f);
    json_array_foreach(scens, i, s)
        if (!json_is_true(json_object_get(s, "pass")))
            lab_htmlpage_link(f, dl_json_str(s, "name"));
    fputs("</p>\n", f);
}

/* A matrix cell: `head` in bold, `sub` under it; for a failure the
 * mismatch and, in the title, expected vs observed. */
static void cell(FILE *f, enum verdict v, const char *head, const char *sub, const char *title,
                 const char *mismatch)
{
    fprintf(f, "<td class=\"cell %s\"", verdict_class[v]);
    if (*title) {
        fputs(" title=\"", f);
        lab_htmlpage_attr(f, title);
        fputc('"', f);
    }
    fputc('>', f);
    lab_htmlpage_bold_sub(f, head, sub);
    if (v == V_FAIL) {
        fputs("<div class=\"mismatch\">", f);
        lab_htmlpage_esc(f, mismatch);
        fputs("</div>", f);
    }
    fputs("</td>", f);
}

/* The failed RRsets: "tlsa _25._tcp.mx1.x.test. TLSA: expected secure,
 * observed bogus (why)". */
static void dns_mismatch(struct dl_buf *b, const json_t *s)
{
    const json_t *r;
    size_t i;
    json_array_foreach(json_object_get(s, "rrsets"), i, r) {
        if (json_is_true(json_object_get(r, "pass")))
            continue;
        dl_buf_printf(b, "%s%s %s %s: expected %s, observed %s (%s)", b->len ? "; " : "",
                      dl_json_str(r, "rrset"), dl_json_str(r, "name"), dl_json_str(r, "type"),
                      dl_json_str(r, "expected"), dl_json_str(r, "observed"),
                      dl_json_str(r, "why"));
    }
    if (b->len == 0)
        dl_buf_printf(b, "expected %s, observed %s",
                      dl_json_str(json_object_get(s, "expected"), "dnssec"),
                      dl_json_str(json_object_get(s, "observed"), "dnssec"));
}

/* The DNS cell: the validator's verdict on the MX RRset in bold; under it
 * the why, or each RRset's verdict when several were checked; the title
 * has every RRset's expected and observed verdict and the why. */
static void dns_cell(FILE *f, const json_t *s)
{
    const json_t *obs = json_object_get(s, "observed"), *sets = json_object_get(s, "rrsets"), *r;
    enum verdict v = dns_verdict(s);
    struct dl_buf title = {0}, mis = {0}, sub = {0};
    size_t i;
    if (v == V_NONE) {
        cell(f, v, "not checked", "", "", "");
        return;
    }
    dl_buf_printf(&title, "expected %s, observed %s",
                  dl_json_str(json_object_get(s, "expected"), "dnssec"),
                  dl_json_str(obs, "dnssec"));
    json_array_foreach(sets, i, r) {
        dl_buf_printf(&title, "\n%s %s: expected %s, observed %s (%s)", dl_json_str(r, "rrset"),
                      dl_json_str(r, "type"), dl_json_str(r, "expected"),
                      dl_json_str(r, "observed"), dl_json_str(r, "why"));
        if (json_array_size(sets) > 1)
            dl_buf_printf(&sub, "%s%s %s", i ? ", " : "", dl_json_str(r, "rrset"),
                          dl_json_str(r, "observed"));
    }
    if (json_array_size(sets) <= 1)
        dl_buf_printf(&sub, "%s", dl_json_str(obs, "why"));
    if (v == V_FAIL)
        dns_mismatch(&mis, s);
    cell(f, v, dl_json_str(obs, "dnssec"), dl_buf_str(&sub), dl_buf_str(&title), dl_buf_str(&mis));
    dl_buf_free(&title);
    dl_buf_free(&mis);
    dl_buf_free(&sub);
}

static void profile_cell(FILE *f, const json_t *s, const char *profile)
{
    const json_t *d = delivery(s, profile), *obs = json_object_get(d, "observed");
    const json_t *tl = json_object_get(d, "timeline");
    enum verdict v = check_verdict(s, profile);
    struct dl_buf head = {0}, sub = {0}, title = {0};
    if (v == V_NONE) {
        cell(f, v, "not checked", "", "", "");
        return;
    }
    dl_buf_printf(&head, "%s %s", dl_json_str(obs, "status"), dl_json_str(obs, "code"));
    dl_buf_printf(&sub, "%s", dl_json_str(obs, "reason"));
    if (tl) {
        const json_t *atts = json_object_get(tl, "attempts");
        const json_t *last = json_array_get(atts, json_array_size(atts) - 1);
        dl_buf_printf(&sub, "%sretry: %zu attempts, then %s %s", sub.len ? "; " : "",
                      json_array_size(atts), dl_json_str(last, "status"),
                      dl_json_str(last, "code"));
    }
    dl_buf_printf(&title, "expected ");
    lab_report_expected_text(&title, json_object_get(d, "expected"), true);
    dl_buf_printf(&title, "\nobserved ");
    lab_report_expected_text(&title, obs, true);
    dl_buf_printf(&title, "\n%s",
                  v == V_FAIL ? dl_json_str(d, "mismatch") : dl_json_str(obs, "detail"));
    cell(f, v, dl_buf_str(&head), dl_buf_str(&sub), dl_buf_str(&title),
         *dl_json_str(d, "mismatch") ? dl_json_str(d, "mismatch") : "failed");
    dl_buf_free(&head);
    dl_buf_free(&sub);
    dl_buf_free(&title);
}

static void matrix(FILE *f, const json_t *scens, const json_t *names,
                   const struct lab_htmlpic *pics)
{
    const json_t *s, *n;
    size_t i, j;
    fputs("<h2 id=\"matrix\">Scenarios</h2>\n<table class=\"matrix\">\n<tr><th>#</th>"
          "<th>scenario</th>",
          f);
    json_array_foreach(names, j, n) {
        fputs("<th>", f);
        lab_htmlpage_esc(f, strcmp(json_string_value(n), "dns") == 0 ? "DNS check"
                                                                     : json_string_value(n));
        fputs("</th>", f);
    }
    fputs("<th>seconds</th><th>chain of trust</th></tr>\n", f);
    json_array_foreach(scens, i, s) {
        const char *cls = json_is_true(json_object_get(s, "pass")) ? "pass" : "fail";
        fprintf(f, "<tr class=\"row %s\"><td>%zu</td>", cls, i + 1);
        lab_htmlpage_name_cell(f, cls, dl_json_str(s, "name"), dl_json_str(s, "domain"));
        json_array_foreach(names, j, n) {
            if (strcmp(json_string_value(n), "dns") == 0)
                dns_cell(f, s);
            else
                profile_cell(f, s, json_string_value(n));
        }
        fprintf(f, "<td>%.3f</td><td>", json_number_value(json_object_get(s, "seconds")));
        if (pics[i].href) {
            fputs("<a href=\"", f);
            lab_htmlpage_attr(f, pics[i].href);
            fputs("\">graph</a>", f);
        } else
            fputs("-", f);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void rrsets_table(FILE *f, const json_t *s)
{
    const json_t *r, *exp = json_object_get(s, "expected"), *obs = json_object_get(s, "observed");
    size_t i;
    fputs("<h4>DNS: expected ", f);
    lab_htmlpage_esc(f, dl_json_str(exp, "dnssec"));
    fputs(", observed ", f);
    lab_htmlpage_esc(f, dl_json_str(obs, "dnssec"));
    fputs(" <span class=\"sub\">", f);
    lab_htmlpage_esc(f, dl_json_str(obs, "why"));
    fputs("</span></h4>\n", f);
    if (json_array_size(json_object_get(s, "rrsets")) == 0)
        return;
    fputs("<table class=\"rrsets\">\n<tr><th>RRset</th><th>name</th><th>type</th><th>expected</th>"
          "<th>observed</th><th>rcode</th><th>EDE</th><th>validator</th></tr>\n",
          f);
    json_array_foreach(json_object_get(s, "rrsets"), i, r) {
        char rcode[32], ede[300];
        const json_t *code = json_object_get(r, "ede");
        struct dl_buf b = {0};
        snprintf(rcode, sizeof(rcode), "%lld",
                 (long long)json_integer_value(json_object_get(r, "rcode")));
        dl_buf_printf(&b, "%s%s%s", dl_json_str(r, "expected"),
                      *dl_json_str(r, "reason") ? " - " : "", dl_json_str(r, "reason"));
        fprintf(f, "<tr class=\"%s\">", json_is_true(json_object_get(r, "pass")) ? "pass" : "fail");
        lab_htmlpage_td(f, "", dl_json_str(r, "rrset"));
        lab_htmlpage_td(f, "", dl_json_str(r, "name"));
        lab_htmlpage_td(f, "", dl_json_str(r, "type"));
        lab_htmlpage_td(f, "", dl_buf_str(&b));
        lab_htmlpage_td(f, "", dl_json_str(r, "observed"));
        lab_htmlpage_td(f, "", rcode);
        lab_htmlpage_td(f, "",
                        dl_ede_text(ede, sizeof(ede),
                                    json_is_integer(code) ? (int)json_integer_value(code) : -1,
                                    dl_json_str(r, "ede_text")));
        lab_htmlpage_td(f, "", dl_json_str(r, "why"));
        fputs("</tr>\n", f);
        dl_buf_free(&b);
    }
    fputs("</table>\n", f);
}

static void timeline_table(FILE *f, const json_t *d)
{
    const json_t *tl = json_object_get(d, "timeline"), *a;
    struct dl_buf b = {0};
    size_t i;
    bool pass = json_is_true(json_object_get(tl, "pass"));
    fputs("<h4>Retry timeline, ", f);
    lab_htmlpage_esc(f, dl_json_str(d, "profile"));
    fprintf(f, " <span class=\"badge %s\">%s</span></h4>\n<p>expected: ", pass ? "pass" : "fail",
            pass ? "pass" : "FAIL");
    timeline_expected_text(&b, json_object_get(tl, "expected"));
    lab_htmlpage_esc(f, dl_buf_str(&b));
    if (!pass) {
        fputs("<br/><span class=\"mismatch\">", f);
        lab_htmlpage_esc(f, dl_json_str(tl, "mismatch"));
        fputs("</span>", f);
    }
    fputs("</p>\n<table class=\"timeline\">\n<tr><th>attempt</th><th>at</th><th>status</th>"
          "<th>code</th><th>reason</th><th>tlsrpt</th><th>final</th><th>detail</th></tr>\n",
          f);
    json_array_foreach(json_object_get(tl, "attempts"), i, a) {
        dl_buf_reset(&b);
        at_text(&b, json_integer_value(json_object_get(a, "at")));
        fprintf(f, "<tr><td>%zu</td>", i + 1);
        lab_htmlpage_td(f, "", dl_buf_str(&b));
        lab_htmlpage_td(f, "", dl_json_str(a, "status"));
        lab_htmlpage_td(f, "", dl_json_str(a, "code"));
        lab_htmlpage_td(f, "", dl_json_str(a, "reason"));
        lab_htmlpage_td(f, "", dl_json_str(a, "tlsrpt"));
        lab_htmlpage_td(f, "", json_is_true(json_object_get(a, "final")) ? "yes" : "no");
        lab_htmlpage_td(f, "", dl_json_str(a, "detail"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    dl_buf_free(&b);
}

/* The row of a delivery entry's "probe" check, when it has one. */
static void probe_row(FILE *f, const json_t *d, struct dl_buf *b)
{
    const json_t *p = json_object_get(d, "probe");
    if (p == NULL)
        return;
    fprintf(f, "<tr class=\"%s\">", json_is_true(json_object_get(p, "pass")) ? "pass" : "fail");
    dl_buf_reset(b);
    dl_buf_printf(b, "%s (probe)", dl_json_str(d, "profile"));
    lab_htmlpage_td(f, "", dl_buf_str(b));
    dl_buf_reset(b);
    lab_report_expected_text(b, json_object_get(p, "expected"), true);
    lab_htmlpage_td(f, "", dl_buf_str(b));
    dl_buf_reset(b);
    lab_report_expected_text(b, json_object_get(p, "observed"), true);
    lab_htmlpage_td(f, "", dl_buf_str(b));
    lab_htmlpage_td(f, "", dl_json_str(json_object_get(p, "observed"), "detail"));
    lab_htmlpage_td(f, "", dl_json_str(p, "mismatch"));
    lab_htmlpage_td(f, "", "");
    fputs("</tr>\n", f);
}

static void delivery_table(FILE *f, const json_t *s)
{
    const json_t *d;
    struct dl_buf b = {0};
    size_t i;
    if (json_array_size(json_object_get(s, "delivery")) == 0)
        return;
    fputs("<h4>Delivery</h4>\n<table class=\"delivery\">\n<tr><th>profile</th><th>expected</th>"
          "<th>observed</th><th>detail</th><th>mismatch</th><th>seconds</th></tr>\n",
          f);
    json_array_foreach(json_object_get(s, "delivery"), i, d) {
        char secs[32];
        snprintf(secs, sizeof(secs), "%.3f", json_number_value(json_object_get(d, "seconds")));
        fprintf(f, "<tr class=\"%s\">", json_is_true(json_object_get(d, "pass")) ? "pass" : "fail");
        lab_htmlpage_td(f, "", dl_json_str(d, "profile"));
        dl_buf_reset(&b);
        lab_report_expected_text(&b, json_object_get(d, "expected"), true);
        lab_htmlpage_td(f, "", dl_buf_str(&b));
        dl_buf_reset(&b);
        lab_report_expected_text(&b, json_object_get(d, "observed"), true);
        lab_htmlpage_td(f, "", dl_buf_str(&b));
        lab_htmlpage_td(f, "", dl_json_str(json_object_get(d, "observed"), "detail"));
        lab_htmlpage_td(f, "", dl_json_str(d, "mismatch"));
        lab_htmlpage_td(f, "", secs);
        fputs("</tr>\n", f);
        probe_row(f, d, &b);
    }
    fputs("</table>\n", f);
    json_array_foreach(json_object_get(s, "delivery"), i, d)
        if (json_object_get(d, "timeline"))
            timeline_table(f, d);
    dl_buf_free(&b);
}

static void trace(FILE *f, const json_t *s)
{
    const json_t *t = json_object_get(s, "trace");
    if (t == NULL)
        return;
    fputs("<h4>Where to look</h4>\n<p class=\"trace\">SMTP sessions: <code>", f);
    lab_htmlpage_esc(f, dl_json_str(t, "smtp_log"));
    fputs("</code> (listener <code>*.", f);
    lab_htmlpage_esc(f, dl_json_str(t, "domain"));
    fputs("</code>)<br/>what the scenario injects and what a validator reports: <code>", f);
    lab_htmlpage_esc(f, dl_json_str(t, "explain"));
    fputs("</code></p>\n", f);
}

static void details(FILE *f, const json_t *s, const struct lab_htmlpic *pic)
{
    bool pass = json_is_true(json_object_get(s, "pass"));
    const char *error = lab_report_error(s);
    lab_htmlpage_scen_head(f, dl_json_str(s, "name"), pass ? "pass" : "fail",
                           error  ? "ERROR"
                           : pass ? "pass"
                                  : "FAIL",
                           dl_json_str(s, "domain"));
    fprintf(f, ", %.3f s - <a href=\"#matrix\">matrix</a></p>\n",
            json_number_value(json_object_get(s, "seconds")));
    if (error) {
        fputs("<p class=\"fail\">not checked (an error, not a verdict): ", f);
        lab_htmlpage_esc(f, error);
        fputs("</p>\n", f);
    }
    if (pic->href || pic->note) {
        fputs("<p class=\"graph\">chain of trust: ", f);
        if (pic->href) {
            fputs("<a href=\"", f);
            lab_htmlpage_attr(f, pic->href);
            fputs("\">", f);
            lab_htmlpage_esc(f, strrchr(pic->href, '/') ? strrchr(pic->href, '/') + 1 : pic->href);
            fputs("</a>", f);
        }
        if (pic->note) {
            fputs(pic->href ? " <span class=\"sub\">(" : "<span class=\"sub\">", f);
            lab_htmlpage_esc(f, pic->note);
            fputs(pic->href ? ")</span>" : "</span>", f);
        }
        if (pic->href && pic->note == NULL) {
            fputs("<br/><img src=\"", f);
            lab_htmlpage_attr(f, pic->href);
            fputs("\" alt=\"chain of trust of ", f);
            lab_htmlpage_attr(f, dl_json_str(s, "name"));
            fputs("\" loading=\"lazy\"/>", f);
        }
        fputs("</p>\n", f);
    }
    rrsets_table(f, s);
    lab_valmatrix_html_scen(f, s);
    delivery_table(f, s);
    trace(f, s);
    fputs("</div>\n", f);
}

int lab_html_write(FILE *f, const json_t *report, const struct lab_html_opts *opts,
                   struct dl_error *err)
{
    const json_t *scens = json_object_get(report, "scenarios"), *s;
    json_t *names = lab_report_check_names(scens);
    struct lab_htmlpic *pics = lab_htmlpic_all(opts->cat, opts->run_dir, opts->html_path, scens);
    size_t i;
    int rc = 0;
    lab_htmlpage_head(f, opts->title ? opts->title : "danelab report", lab_valmatrix_css);
    summary(f, report, names);
    matrix(f, scens, names, pics);
    lab_valmatrix_html(f, report);
    fputs("<h2 id=\"details\">Details</h2>\n", f);
    json_array_foreach(scens, i, s)
        details(f, s, &pics[i]);
    fputs("</body>\n</html>\n", f);
    if (fflush(f) != 0 || ferror(f))
        rc = dl_error_set(err, "html: write error: %s", strerror(errno));
    lab_htmlpic_free(pics, json_array_size(scens));
    json_decref(names);
    return rc;
}
