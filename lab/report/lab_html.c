/* lab_html: the run report as one self-contained HTML page. */
#include "lab_html.h"
#include "lab_graph.h"
#include "lab_report.h"

#include "dl_log.h"
#include "dl_json.h"
#include "dl_util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RENDER_TIMEOUT_MS 10000

static void esc(FILE *f, const char *s)
{
    lab_xml_escape(f, s, false);
}

static void attr(FILE *f, const char *s)
{
    lab_xml_escape(f, s, true);
}

/* ---- paths and links ---- */

char *lab_html_anchor(const char *name)
{
    struct dl_buf b = {0};
    dl_buf_printf(&b, "s-");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '-')
            dl_buf_append(&b, p, 1);
        else
            dl_buf_printf(&b, "_%02X", *p);
    }
    return b.data;
}

char *lab_html_relpath(const char *from_dir, const char *to)
{
    struct dl_buf b = {0};
    const char *from_rest, *to_rest;
    size_t common = 0, i;
    /* the longest common prefix that ends at a component boundary */
    for (i = 0; from_dir[i] && from_dir[i] == to[i]; i++)
        if (from_dir[i] == '/')
            common = i + 1;
    from_rest = from_dir + common;
    to_rest = to + common;
    if (from_dir[i] == '\0' && (to[i] == '/' || to[i] == '\0')) {
        from_rest = from_dir + i;
        to_rest = to + i + (to[i] == '/');
    }
    for (const char *p = from_rest; *p;) {
        dl_buf_printf(&b, "../");
        p += strcspn(p, "/");
        p += strspn(p, "/");
    }
    dl_buf_printf(&b, "%s", to_rest);
    if (b.len == 0)
        dl_buf_printf(&b, ".");
    return b.data;
}

/* `path` percent-encoded for a URL ('/' kept). */
static char *url_path(const char *path)
{
    struct dl_buf b = {0};
    dl_buf_append(&b, "", 0);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            dl_buf_append(&b, p, 1);
        else
            dl_buf_printf(&b, "%%%02X", *p);
    }
    return b.data;
}

/* ---- chain-of-trust pictures ---- */

struct picture {
    char *href; /* URL of the SVG (or of the dot text when not rendered), or NULL */
    char *note; /* why there is no picture, or NULL */
};

/* dot -Tsvg -o OUT.tmp IN, renamed to OUT; killed after the timeout.
 * Returns 0, 127 when dot could not be run, -1 on another failure. */
static int render_svg(const char *in, const char *out)
{
    char *tmp = dl_xasprintf("%s.tmp", out);
    int status = 0, rc = -1;
    pid_t pid = fork(), w = 0;
    if (pid == 0) {
        execlp("dot", "dot", "-Tsvg", "-o", tmp, in, (char *)NULL);
        _exit(127);
    }
    for (int ms = 0; pid > 0 && ms < RENDER_TIMEOUT_MS; ms += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        if ((w = waitpid(pid, &status, WNOHANG)) != 0)
            break;
        nanosleep(&ts, NULL);
    }
    if (pid > 0 && w == 0) {
        dl_warn("html: dot took more than %d s to render %s: killed", RENDER_TIMEOUT_MS / 1000,
                out);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else if (pid > 0 && w == pid && WIFEXITED(status))
        rc = WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 127 ? 127 : -1;
    if (rc == 0 && rename(tmp, out) != 0)
        rc = -1;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* RUN/graphs/NAME.dot written when its text changed; *changed says so. */
static int write_dot(const struct scen *s, const char *path, bool *changed, struct dl_error *err)
{
    char *text = NULL, *old = NULL;
    size_t len = 0, oldlen = 0;
    FILE *m = open_memstream(&text, &len);
    int rc = 0;
    if (m == NULL)
        return dl_error_set(err, "%s: %s", path, strerror(errno));
    lab_graph_write(s, m);
    fclose(m);
    *changed = dl_read_file(path, 1 << 20, &old, &oldlen, NULL) != 0 || oldlen != len ||
               memcmp(old, text, len) != 0;
    if (*changed)
        rc = dl_write_file(path, text, len, 0644, err);
    free(old);
    free(text);
    return rc;
}

/* The picture of scenario `name`: written into `graphs` (canonical), linked
 * from `html_dir` (canonical) or by file:// URL when it is NULL. *dot_ok is
 * cleared once dot turns out not to be installed. */
static struct picture picture(const struct lab_html_opts *o, const char *graphs,
                              const char *html_dir, const char *name, bool *dot_ok)
{
    struct picture p = {0};
    const struct scen *s = scen_catalog_find(o->cat, name);
    struct dl_error err;
    char *dot, *svg, *target, *rel;
    bool changed = false, rendered = false;
    struct stat st;
    if (s == NULL) {
        p.note = dl_xstrdup("not in the catalogue");
        return p;
    }
    dot = dl_xasprintf("%s/%s.dot", graphs, s->name);
    svg = dl_xasprintf("%s/%s.svg", graphs, s->name);
    if (write_dot(s, dot, &changed, &err) != 0) {
        dl_warn("html: chain of trust of %s: %s", name, err.msg);
        p.note = dl_xasprintf("not written: %s", err.msg);
        goto out;
    }
    if (!changed && stat(svg, &st) == 0)
        rendered = true;
    else if (*dot_ok) {
        int rc = render_svg(dot, svg);
        rendered = rc == 0;
        if (rc == 127) {
            dl_warn("html: Graphviz 'dot' could not be run: chain-of-trust pictures as dot text "
                    "only");
            *dot_ok = false;
        } else if (rc != 0)
            dl_warn("html: dot could not render %s", svg);
    }
    if (!rendered)
        p.note = dl_xstrdup(*dot_ok ? "dot could not render the picture: dot text only"
                                    : "Graphviz dot is not installed: dot text only");
    target = rendered ? svg : dot;
    rel = html_dir ? lab_html_relpath(html_dir, target) : dl_xstrdup(target);
    p.href = url_path(rel);
    if (html_dir == NULL) {
        char *u = dl_xasprintf("file://%s", p.href);
        free(p.href);
        p.href = u;
    }
    free(rel);
out:
    free(dot);
    free(svg);
    return p;
}

/* One picture per scenario of the report (all empty without a catalogue). */
static struct picture *pictures(const struct lab_html_opts *o, const json_t *scens)
{
    struct picture *pics = dl_xcalloc(json_array_size(scens) + 1, sizeof(*pics));
    char *gdir, graphs[PATH_MAX], html_dir[PATH_MAX], *hp = NULL;
    const json_t *s;
    struct dl_error err;
    bool dot_ok = true, rel;
    size_t i;
    if (o->cat == NULL || o->run_dir == NULL)
        return pics;
    gdir = dl_xasprintf("%s/graphs", o->run_dir);
    err.msg[0] = '\0';
    if (dl_mkdir_p(gdir, 0755, &err) != 0 || realpath(gdir, graphs) == NULL) {
        dl_warn("html: no chain-of-trust pictures: %s", err.msg[0] ? err.msg : strerror(errno));
        json_array_foreach(scens, i, s) pics[i].note = dl_xstrdup("not written");
        free(gdir);
        return pics;
    }
    free(gdir);
    rel = o->html_path && strcmp(o->html_path, "-") != 0;
    if (rel) {
        const char *slash = strrchr(o->html_path, '/');
        hp = slash ? dl_xasprintf("%.*s", (int)(slash - o->html_path + (slash == o->html_path)),
                                  o->html_path)
                   : dl_xstrdup(".");
        rel = realpath(hp, html_dir) != NULL;
        free(hp);
    }
    json_array_foreach(scens, i, s) pics[i] =
        picture(o, graphs, rel ? html_dir : NULL, dl_json_str(s, "name"), &dot_ok);
    return pics;
}

/* ---- text of outcomes ---- */

/* "deferred 4.7.323 (no-tlsa-match) tlsrpt validation-failure" */
/* An expected or observed outcome in words (lab_report_expected_text:
 * every alternative of an expectation, and its clauses). */
static void outcome_text(struct dl_buf *b, const json_t *o)
{
    lab_report_expected_text(b, o, true);
}

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
    outcome_text(b, e);
    if (json_is_integer(json_object_get(e, "attempts")))
        dl_buf_printf(b, " at attempt %lld",
                      (long long)json_integer_value(json_object_get(e, "attempts")));
    if (json_is_integer(json_object_get(e, "at"))) {
        dl_buf_printf(b, ", ");
        at_text(b, json_integer_value(json_object_get(e, "at")));
    }
    json_array_foreach(json_object_get(e, "codes"), i, c)
    {
        dl_buf_printf(b, "%s", i == 0 ? "; before: " : ", ");
        at_text(b, json_integer_value(json_object_get(c, "at")));
        dl_buf_printf(b, " %s", dl_json_str(c, "code"));
    }
}

/* ---- checks ---- */

/* The checks of the report, in order of first appearance: "dns", then the
 * profiles. */
static json_t *check_names(const json_t *scens)
{
    json_t *names = json_array(), *s, *d, *n;
    size_t i, j, k;
    json_array_append_new(names, json_string("dns"));
    json_array_foreach(scens, i, s) json_array_foreach(json_object_get(s, "delivery"), j, d)
    {
        bool seen = false;
        json_array_foreach(names, k, n) seen =
            seen || strcmp(json_string_value(n), dl_json_str(d, "profile")) == 0;
        if (!seen)
            json_array_append_new(names, json_string(dl_json_str(d, "profile")));
    }
    return names;
}

/* The delivery entry of `profile` in scenario `s`, or NULL. */
static const json_t *delivery(const json_t *s, const char *profile)
{
    const json_t *d;
    size_t i;
    json_array_foreach(json_object_get(s, "delivery"), i,
                       d) if (strcmp(dl_json_str(d, "profile"), profile) == 0) return d;
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

static const char css[] =
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:1.5em;color:#222;"
    "font-size:14px}\n"
    "h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.25em;margin:1.2em 0 .4em}\n"
    "h3{font-size:1.1em;margin:0 0 .3em}h4{font-size:1em;margin:.8em 0 .3em}\n"
    "table{border-collapse:collapse;margin:.3em 0}\n"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}\n"
    "th{background:#eee}\n"
    ".pass{background:#c9eec9}.fail{background:#f6b8b8}.none{background:#e2e2e2;color:#666}\n"
    "td.name{white-space:nowrap}td.cell{min-width:11em}td.cell b{font-weight:600}\n"
    ".sub{font-size:.85em;color:#444}\n"
    ".mismatch{font-size:.85em;color:#8b0000;font-weight:600}\n"
    ".count{display:inline-block;padding:.2em .6em;border-radius:.3em;margin-right:.4em;"
    "font-weight:600}\n"
    ".badge{font-size:.8em;padding:.1em .5em;border-radius:.3em;vertical-align:middle}\n"
    "div.scen{border:1px solid #ccc;border-radius:.4em;padding:.6em .9em;margin:.8em 0}\n"
    "div.scen:target{outline:3px solid #3367d6}\n"
    "div.scen img{max-width:100%;height:auto;border:1px solid #ddd;margin-top:.3em}\n"
    "code{background:#f3f3f3;padding:0 .2em}\n"
    "a{color:#1a4fb0}\n";

void lab_html_page_head(FILE *f, const char *title, const char *extra_css)
{
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n<title>",
          f);
    esc(f, title);
    fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n<h1>", css,
            extra_css ? extra_css : "");
    esc(f, title);
    fputs("</h1>\n", f);
}

static void summary(FILE *f, const json_t *report, const json_t *names)
{
    const json_t *sum = json_object_get(report, "summary"), *sh = json_object_get(report, "shard");
    const json_t *scens = json_object_get(report, "scenarios"), *s, *n;
    json_int_t passed = json_integer_value(json_object_get(sum, "passed"));
    json_int_t failed = json_integer_value(json_object_get(sum, "failed"));
    size_t i, j;
    fprintf(f,
            "<p class=\"summary\"><span class=\"count %s\" id=\"passed\">%lld passed</span>"
            "<span class=\"count %s\" id=\"failed\">%lld failed</span> %zu scenarios in %.1f s",
            passed ? "pass" : "none", (long long)passed, failed ? "fail" : "none",
            (long long)failed, json_array_size(scens),
            json_number_value(json_object_get(sum, "seconds")));
    if (sh)
        fprintf(f, "; shard %lld of %lld",
                (long long)json_integer_value(json_object_get(sh, "index")),
                (long long)json_integer_value(json_object_get(sh, "count")));
    if (json_is_integer(json_object_get(sum, "reports")))
        fprintf(f, "; merged from %lld report%s",
                (long long)json_integer_value(json_object_get(sum, "reports")),
                json_integer_value(json_object_get(sum, "reports")) == 1 ? "" : "s");
    fputs("</p>\n<table class=\"checks\">\n<tr><th>check</th><th>passed</th><th>failed</th>"
          "<th>not checked</th></tr>\n",
          f);
    json_array_foreach(names, i, n)
    {
        size_t count[3] = {0};
        json_array_foreach(scens, j, s) count[check_verdict(s, json_string_value(n))]++;
        fputs("<tr><td>", f);
        esc(f, json_string_value(n));
        fprintf(f, "</td><td>%zu</td><td class=\"%s\">%zu</td><td>%zu</td></tr>\n", count[V_PASS],
                count[V_FAIL] ? "fail" : "", count[V_FAIL], count[V_NONE]);
    }
    fputs("</table>\n", f);
    if (failed == 0)
        return;
    fputs("<p>Failed:", f);
    json_array_foreach(scens, i, s) if (!json_is_true(json_object_get(s, "pass")))
    {
        char *a = lab_html_anchor(dl_json_str(s, "name"));
        fprintf(f, " <a href=\"#%s\">", a);
        esc(f, dl_json_str(s, "name"));
        fputs("</a>", f);
        free(a);
    }
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
        attr(f, title);
        fputc('"', f);
    }
    fputs("><b>", f);
    esc(f, head);
    fputs("</b>", f);
    if (*sub) {
        fputs("<br/><span class=\"sub\">", f);
        esc(f, sub);
        fputs("</span>", f);
    }
    if (v == V_FAIL) {
        fputs("<div class=\"mismatch\">", f);
        esc(f, mismatch);
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
    json_array_foreach(json_object_get(s, "rrsets"), i, r)
    {
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
    json_array_foreach(sets, i, r)
    {
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
    outcome_text(&title, json_object_get(d, "expected"));
    dl_buf_printf(&title, "\nobserved ");
    outcome_text(&title, obs);
    dl_buf_printf(&title, "\n%s",
                  v == V_FAIL ? dl_json_str(d, "mismatch") : dl_json_str(obs, "detail"));
    cell(f, v, dl_buf_str(&head), dl_buf_str(&sub), dl_buf_str(&title),
         *dl_json_str(d, "mismatch") ? dl_json_str(d, "mismatch") : "failed");
    dl_buf_free(&head);
    dl_buf_free(&sub);
    dl_buf_free(&title);
}

static void matrix(FILE *f, const json_t *scens, const json_t *names, const struct picture *pics)
{
    const json_t *s, *n;
    size_t i, j;
    fputs("<h2 id=\"matrix\">Scenarios</h2>\n<table class=\"matrix\">\n<tr><th>#</th>"
          "<th>scenario</th>",
          f);
    json_array_foreach(names, j, n)
    {
        fputs("<th>", f);
        esc(f, strcmp(json_string_value(n), "dns") == 0 ? "DNS check" : json_string_value(n));
        fputs("</th>", f);
    }
    fputs("<th>seconds</th><th>chain of trust</th></tr>\n", f);
    json_array_foreach(scens, i, s)
    {
        char *a = lab_html_anchor(dl_json_str(s, "name"));
        bool pass = json_is_true(json_object_get(s, "pass"));
        fprintf(f, "<tr class=\"row %s\"><td>%zu</td><td class=\"name %s\"><a href=\"#%s\">",
                pass ? "pass" : "fail", i + 1, pass ? "pass" : "fail", a);
        esc(f, dl_json_str(s, "name"));
        fputs("</a><br/><span class=\"sub\">", f);
        esc(f, dl_json_str(s, "domain"));
        fputs("</span></td>", f);
        json_array_foreach(names, j, n)
        {
            if (strcmp(json_string_value(n), "dns") == 0)
                dns_cell(f, s);
            else
                profile_cell(f, s, json_string_value(n));
        }
        fprintf(f, "<td>%.3f</td><td>", json_number_value(json_object_get(s, "seconds")));
        if (pics[i].href) {
            fputs("<a href=\"", f);
            attr(f, pics[i].href);
            fputs("\">graph</a>", f);
        } else
            fputs("-", f);
        fputs("</td></tr>\n", f);
        free(a);
    }
    fputs("</table>\n", f);
}

/* <td>TEXT</td> */
static void td(FILE *f, const char *text)
{
    fputs("<td>", f);
    esc(f, text);
    fputs("</td>", f);
}

static void rrsets_table(FILE *f, const json_t *s)
{
    const json_t *r, *exp = json_object_get(s, "expected"), *obs = json_object_get(s, "observed");
    size_t i;
    fputs("<h4>DNS: expected ", f);
    esc(f, dl_json_str(exp, "dnssec"));
    fputs(", observed ", f);
    esc(f, dl_json_str(obs, "dnssec"));
    fputs(" <span class=\"sub\">", f);
    esc(f, dl_json_str(obs, "why"));
    fputs("</span></h4>\n", f);
    if (json_array_size(json_object_get(s, "rrsets")) == 0)
        return;
    fputs("<table class=\"rrsets\">\n<tr><th>RRset</th><th>name</th><th>type</th><th>expected</th>"
          "<th>observed</th><th>rcode</th><th>validator</th></tr>\n",
          f);
    json_array_foreach(json_object_get(s, "rrsets"), i, r)
    {
        char rcode[32];
        struct dl_buf b = {0};
        snprintf(rcode, sizeof(rcode), "%lld",
                 (long long)json_integer_value(json_object_get(r, "rcode")));
        dl_buf_printf(&b, "%s%s%s", dl_json_str(r, "expected"),
                      *dl_json_str(r, "reason") ? " - " : "", dl_json_str(r, "reason"));
        fprintf(f, "<tr class=\"%s\">", json_is_true(json_object_get(r, "pass")) ? "pass" : "fail");
        td(f, dl_json_str(r, "rrset"));
        td(f, dl_json_str(r, "name"));
        td(f, dl_json_str(r, "type"));
        td(f, dl_buf_str(&b));
        td(f, dl_json_str(r, "observed"));
        td(f, rcode);
        td(f, dl_json_str(r, "why"));
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
    esc(f, dl_json_str(d, "profile"));
    fprintf(f, " <span class=\"badge %s\">%s</span></h4>\n<p>expected: ", pass ? "pass" : "fail",
            pass ? "pass" : "FAIL");
    timeline_expected_text(&b, json_object_get(tl, "expected"));
    esc(f, dl_buf_str(&b));
    if (!pass) {
        fputs("<br/><span class=\"mismatch\">", f);
        esc(f, dl_json_str(tl, "mismatch"));
        fputs("</span>", f);
    }
    fputs("</p>\n<table class=\"timeline\">\n<tr><th>attempt</th><th>at</th><th>status</th>"
          "<th>code</th><th>reason</th><th>tlsrpt</th><th>final</th><th>detail</th></tr>\n",
          f);
    json_array_foreach(json_object_get(tl, "attempts"), i, a)
    {
        dl_buf_reset(&b);
        at_text(&b, json_integer_value(json_object_get(a, "at")));
        fprintf(f, "<tr><td>%zu</td>", i + 1);
        td(f, dl_buf_str(&b));
        td(f, dl_json_str(a, "status"));
        td(f, dl_json_str(a, "code"));
        td(f, dl_json_str(a, "reason"));
        td(f, dl_json_str(a, "tlsrpt"));
        td(f, json_is_true(json_object_get(a, "final")) ? "yes" : "no");
        td(f, dl_json_str(a, "detail"));
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
    td(f, dl_buf_str(b));
    dl_buf_reset(b);
    outcome_text(b, json_object_get(p, "expected"));
    td(f, dl_buf_str(b));
    dl_buf_reset(b);
    outcome_text(b, json_object_get(p, "observed"));
    td(f, dl_buf_str(b));
    td(f, dl_json_str(json_object_get(p, "observed"), "detail"));
    td(f, dl_json_str(p, "mismatch"));
    td(f, "");
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
    json_array_foreach(json_object_get(s, "delivery"), i, d)
    {
        char secs[32];
        snprintf(secs, sizeof(secs), "%.3f", json_number_value(json_object_get(d, "seconds")));
        fprintf(f, "<tr class=\"%s\">", json_is_true(json_object_get(d, "pass")) ? "pass" : "fail");
        td(f, dl_json_str(d, "profile"));
        dl_buf_reset(&b);
        outcome_text(&b, json_object_get(d, "expected"));
        td(f, dl_buf_str(&b));
        dl_buf_reset(&b);
        outcome_text(&b, json_object_get(d, "observed"));
        td(f, dl_buf_str(&b));
        td(f, dl_json_str(json_object_get(d, "observed"), "detail"));
        td(f, dl_json_str(d, "mismatch"));
        td(f, secs);
        fputs("</tr>\n", f);
        probe_row(f, d, &b);
    }
    fputs("</table>\n", f);
    json_array_foreach(json_object_get(s, "delivery"), i, d) if (json_object_get(d, "timeline"))
        timeline_table(f, d);
    dl_buf_free(&b);
}

static void trace(FILE *f, const json_t *s)
{
    const json_t *t = json_object_get(s, "trace");
    if (t == NULL)
        return;
    fputs("<h4>Where to look</h4>\n<p class=\"trace\">SMTP sessions: <code>", f);
    esc(f, dl_json_str(t, "smtp_log"));
    fputs("</code> (listener <code>*.", f);
    esc(f, dl_json_str(t, "domain"));
    fputs("</code>)<br/>what the scenario injects and what a validator reports: <code>", f);
    esc(f, dl_json_str(t, "explain"));
    fputs("</code></p>\n", f);
}

static void details(FILE *f, const json_t *s, const struct picture *pic)
{
    char *a = lab_html_anchor(dl_json_str(s, "name"));
    bool pass = json_is_true(json_object_get(s, "pass"));
    fprintf(f, "<div class=\"scen\" id=\"%s\">\n<h3><a href=\"#%s\">", a, a);
    esc(f, dl_json_str(s, "name"));
    fprintf(f, "</a> <span class=\"badge %s\">%s</span></h3>\n<p>domain <code>",
            pass ? "pass" : "fail", pass ? "pass" : "FAIL");
    esc(f, dl_json_str(s, "domain"));
    fprintf(f, "</code>, %.3f s - <a href=\"#matrix\">matrix</a></p>\n",
            json_number_value(json_object_get(s, "seconds")));
    if (pic->href || pic->note) {
        fputs("<p class=\"graph\">chain of trust: ", f);
        if (pic->href) {
            fputs("<a href=\"", f);
            attr(f, pic->href);
            fputs("\">", f);
            esc(f, strrchr(pic->href, '/') ? strrchr(pic->href, '/') + 1 : pic->href);
            fputs("</a>", f);
        }
        if (pic->note) {
            fputs(pic->href ? " <span class=\"sub\">(" : "<span class=\"sub\">", f);
            esc(f, pic->note);
            fputs(pic->href ? ")</span>" : "</span>", f);
        }
        if (pic->href && pic->note == NULL) {
            fputs("<br/><img src=\"", f);
            attr(f, pic->href);
            fputs("\" alt=\"chain of trust of ", f);
            attr(f, dl_json_str(s, "name"));
            fputs("\" loading=\"lazy\"/>", f);
        }
        fputs("</p>\n", f);
    }
    rrsets_table(f, s);
    delivery_table(f, s);
    trace(f, s);
    fputs("</div>\n", f);
    free(a);
}

int lab_html_write(FILE *f, const json_t *report, const struct lab_html_opts *opts,
                   struct dl_error *err)
{
    const json_t *scens = json_object_get(report, "scenarios"), *s;
    json_t *names = check_names(scens);
    struct picture *pics = pictures(opts, scens);
    size_t i;
    int rc = 0;
    lab_html_page_head(f, opts->title ? opts->title : "danelab report", NULL);
    summary(f, report, names);
    matrix(f, scens, names, pics);
    fputs("<h2 id=\"details\">Details</h2>\n", f);
    json_array_foreach(scens, i, s) details(f, s, &pics[i]);
    fputs("</body>\n</html>\n", f);
    if (fflush(f) != 0 || ferror(f))
        rc = dl_error_set(err, "html: write error: %s", strerror(errno));
    json_array_foreach(scens, i, s)
    {
        free(pics[i].href);
        free(pics[i].note);
    }
    free(pics);
    json_decref(names);
    return rc;
}
