/* Unit tests for lab/lab_html: the HTML page of a hand-made run report:
 * escaping, the cells' colours and mismatches, anchors, counts, links to
 * the chain-of-trust pictures. */
#include "lab_html.h"
#include "lab_htmlpage.h"
#include "lab_htmlpic.h"

#include "dl_util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Suite *html_suite(void);

#define NASTY "a<b>&\"c'd"

/* Two scenarios: NASTY, whose DNS check passed (markup in the verdict and
 * the why) and whose exchange-online check failed; `good`, checked under
 * rfc7672 only, with a retry timeline. */
static const char report_text[] =
    "{\"scenarios\": ["
    " {\"name\": \"a<b>&\\\"c'd\", \"domain\": \"nasty.test.\", \"check\": \"dnssec\","
    "  \"expected\": {\"dnssec\": \"bogus\"},"
    "  \"observed\": {\"dnssec\": \"bogus <&>\", \"rcode\": 0, \"why\": \"validation failure "
    "<nasty.test. MX IN>: & \\\"quoted\\\"\"},"
    "  \"rrsets\": [{\"rrset\": \"mx\", \"name\": \"nasty.test.\", \"type\": \"MX\","
    "    \"expected\": \"bogus\", \"observed\": \"bogus\", \"rcode\": 0, \"why\": \"<why>\","
    "    \"pass\": true}],"
    "  \"pass\": false,"
    "  \"delivery\": ["
    "   {\"profile\": \"rfc7672\","
    "    \"expected\": {\"status\": \"deferred\", \"code\": \"4.7.324\", \"reason\": "
    "\"dnssec-bogus\"},"
    "    \"observed\": {\"status\": \"deferred\", \"code\": \"4.7.324\", \"reason\": "
    "\"dnssec-bogus\", \"detail\": \"mx1: bogus\"},"
    "    \"pass\": true, \"seconds\": 0.01},"
    "   {\"profile\": \"exchange-online\","
    "    \"expected\": {\"status\": \"deferred\", \"code\": \"4.7.324\"},"
    "    \"observed\": {\"status\": \"deferred\", \"code\": \"4.4.312\", \"detail\": \"x\"},"
    "    \"pass\": false, \"mismatch\": \"expected code 4.7.324, observed 4.4.312 <q>\","
    "    \"seconds\": 0.02}],"
    "  \"seconds\": 0.05,"
    "  \"trace\": {\"smtp_log\": \"/r/log/fakesmtp.jsonl\", \"domain\": \"nasty.test\","
    "   \"explain\": \"danelab explain a<b>\"}},"
    " {\"name\": \"good\", \"domain\": \"good.test.\", \"check\": \"dnssec\","
    "  \"expected\": {\"dnssec\": \"secure\"},"
    "  \"observed\": {\"dnssec\": \"secure\", \"rcode\": 0, \"why\": \"NOERROR, 1 record\"},"
    "  \"rrsets\": [{\"rrset\": \"mx\", \"name\": \"good.test.\", \"type\": \"MX\","
    "    \"expected\": \"secure\", \"observed\": \"secure\", \"rcode\": 0, \"why\": \"ok\","
    "    \"pass\": true}],"
    "  \"pass\": true,"
    "  \"delivery\": ["
    "   {\"profile\": \"rfc7672\","
    "    \"expected\": {\"status\": \"delivered\", \"code\": \"2.0.0\"},"
    "    \"observed\": {\"status\": \"deferred\", \"code\": \"4.7.324\"},"
    "    \"pass\": true, \"seconds\": 0.01,"
    "    \"timeline\": {\"expected\": {\"status\": \"delivered\", \"code\": \"2.0.0\","
    "      \"attempts\": 2, \"at\": 5400, \"codes\": [{\"at\": 0, \"code\": \"4.7.324\"}]},"
    "     \"attempts\": ["
    "      {\"at\": 0, \"status\": \"deferred\", \"code\": \"4.7.324\", \"final\": false},"
    "      {\"at\": 5400, \"status\": \"delivered\", \"code\": \"2.0.0\", \"final\": false}],"
    "     \"pass\": true}}],"
    "  \"seconds\": 0.02}],"
    " \"summary\": {\"passed\": 1, \"failed\": 1, \"seconds\": 0.07},"
    " \"shard\": {\"index\": 2, \"count\": 3}}";

/* The page for the report above; the caller frees it. */
static char *page(const struct lab_html_opts *o)
{
    json_error_t je;
    json_t *report = json_loads(report_text, 0, &je);
    struct dl_error err = {{0}};
    char *text = NULL;
    size_t len = 0;
    FILE *m;
    ck_assert_msg(report != NULL, "report: %d: %s", je.line, je.text);
    m = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(lab_html_write(m, report, o, &err) == 0, "%s", err.msg);
    fclose(m);
    json_decref(report);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The text of the first element that starts with `open`, up to `close`. */
static char *element(const char *text, const char *open, const char *close)
{
    const char *a = strstr(text, open), *b;
    ck_assert_msg(a != NULL, "no %s", open);
    b = strstr(a, close);
    ck_assert_msg(b != NULL, "%s is not closed", open);
    return strndup(a, (size_t)(b - a));
}

START_TEST(escaped)
{
    struct lab_html_opts o = {0};
    char *t = page(&o);
    ck_assert_ptr_null(strstr(t, NASTY));
    ck_assert_ptr_null(strstr(t, "<nasty.test."));
    ck_assert_ptr_null(strstr(t, "<why>"));
    ck_assert_ptr_null(strstr(t, "<q>"));
    ck_assert_ptr_null(strstr(t, "explain a<b>"));
    ck_assert_ptr_nonnull(strstr(t, ">a&lt;b&gt;&amp;&quot;c&apos;d</a>"));
    ck_assert_ptr_nonnull(strstr(t, "validation failure &lt;nasty.test. MX IN&gt;: &amp; "
                                    "&quot;quoted&quot;"));
    ck_assert_ptr_nonnull(strstr(t, "4.4.312 &lt;q&gt;"));
    ck_assert_ptr_nonnull(strstr(t, "<b>bogus &lt;&amp;&gt;</b>"));
    ck_assert_ptr_nonnull(strstr(t, "danelab explain a&lt;b&gt;"));
    /* every '&' starts an entity: no raw one from the report */
    for (const char *p = strchr(t, '&'); p; p = strchr(p + 1, '&'))
        ck_assert_msg(strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0 ||
                          strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                          strncmp(p, "&apos;", 6) == 0 || strncmp(p, "&#10;", 5) == 0,
                      "raw & at: %.20s", p);
    free(t);
}
END_TEST

START_TEST(failing_cell_red_with_mismatch)
{
    struct lab_html_opts o = {0};
    char *t = page(&o), *row, *cell;
    /* the nasty row: DNS and rfc7672 green, exchange-online red */
    row = element(t, "<tr class=\"row fail\">", "</tr>");
    ck_assert_uint_eq(count(row, "<td class=\"cell pass\""), 2);
    ck_assert_uint_eq(count(row, "<td class=\"cell fail\""), 1);
    cell = element(row, "<td class=\"cell fail\"", "</td>");
    ck_assert_ptr_nonnull(strstr(cell, "<b>deferred 4.4.312</b>"));
    ck_assert_ptr_nonnull(
        strstr(cell, "<div class=\"mismatch\">expected code 4.7.324, observed 4.4.312 &lt;q&gt;"));
    ck_assert_ptr_nonnull(strstr(cell, "title=\"expected deferred 4.7.324&#10;observed deferred "
                                       "4.4.312&#10;expected code 4.7.324"));
    free(cell);
    free(row);
    /* the good row: green, green, and grey for the profile not checked */
    row = element(t, "<tr class=\"row pass\">", "</tr>");
    ck_assert_uint_eq(count(row, "<td class=\"cell pass\""), 2);
    ck_assert_uint_eq(count(row, "<td class=\"cell none\""), 1);
    ck_assert_ptr_nonnull(strstr(row, "not checked"));
    ck_assert_ptr_null(strstr(row, "mismatch"));
    ck_assert_ptr_nonnull(strstr(row, "retry: 2 attempts, then delivered 2.0.0"));
    free(row);
    free(t);
}
END_TEST

START_TEST(anchors_and_counts)
{
    struct lab_html_opts o = {0};
    char *t = page(&o), *a = lab_htmlpage_anchor(NASTY), *s;
    ck_assert_str_eq(a, "s-a_3Cb_3E_26_22c_27d");
    s = strstr(t, "id=\"s-a_3Cb_3E_26_22c_27d\"");
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(strstr(t, "id=\"s-good\""));
    /* the matrix row, the section's own heading and the failed list */
    ck_assert_uint_eq(count(t, "href=\"#s-a_3Cb_3E_26_22c_27d\""), 3);
    ck_assert_uint_eq(count(t, "href=\"#s-good\""), 2);
    ck_assert_uint_eq(count(t, "<tr class=\"row "), 2);
    ck_assert_uint_eq(count(t, "<div class=\"scen\" id=\"s-"), 2);
    ck_assert_ptr_nonnull(strstr(t, ">1 passed<"));
    ck_assert_ptr_nonnull(strstr(t, ">1 failed<"));
    ck_assert_ptr_nonnull(strstr(t, "2 scenarios in 0.1 s; shard 2 of 3"));
    /* per check: dns 2/0/0, rfc7672 2/0/0, exchange-online 0/1/1 */
    ck_assert_ptr_nonnull(strstr(t, "<tr><td>dns</td><td>2</td><td class=\"\">0</td><td>0</td>"));
    ck_assert_ptr_nonnull(
        strstr(t, "<tr><td>exchange-online</td><td>0</td><td class=\"fail\">1</td><td>1</td>"));
    /* the timeline table and the trace of the failure */
    ck_assert_ptr_nonnull(strstr(t, "<td>2</td><td>+1h30m</td><td>delivered</td>"));
    ck_assert_ptr_nonnull(strstr(t, "at attempt 2, +1h30m; before: +0 4.7.324"));
    ck_assert_ptr_nonnull(strstr(t, "<code>/r/log/fakesmtp.jsonl</code>"));
    ck_assert_uint_eq(count(t, "<h4>Where to look</h4>"), 1);
    free(a);
    free(t);
}
END_TEST

/* Run `call` with m_ a memory stream; what it wrote in `text` (the caller
 * frees it). */
#define WRITTEN(text, len, call)                                                                   \
    do {                                                                                           \
        FILE *m_ = open_memstream(&(text), &(len));                                                \
        ck_assert_ptr_nonnull(m_);                                                                 \
        call;                                                                                      \
        fclose(m_);                                                                                \
    } while (0)

/* lab_htmlpage, the frame both pages share: the summary line with the
 * shard and the number of merged reports (singular and plural), a
 * scenario's name cell and section head, every text escaped. */
START_TEST(page_frame)
{
    json_t *one =
        json_pack("{s:[{}], s:{s:f, s:i}}", "scenarios", "summary", "seconds", 1.5, "reports", 1);
    json_t *shard = json_pack("{s:[{}, {}], s:{s:f, s:i}, s:{s:i, s:i}}", "scenarios", "summary",
                              "seconds", 0.0, "reports", 3, "shard", "index", 2, "count", 3);
    const struct lab_htmlpage_count counts[] = {{"pass", "passed", "passed", 1},
                                                {"none", "failed", "failed", 0}};
    char *t = NULL;
    size_t len = 0;
    WRITTEN(t, len, lab_htmlpage_summary(m_, one, counts, 2));
    ck_assert_str_eq(t, "<p class=\"summary\"><span class=\"count pass\" id=\"passed\">1 passed"
                        "</span><span class=\"count none\" id=\"failed\">0 failed</span> 1 "
                        "scenarios in 1.5 s; merged from 1 report</p>\n");
    free(t);
    WRITTEN(t, len, lab_htmlpage_summary(m_, shard, counts, 0));
    ck_assert_str_eq(t, "<p class=\"summary\"> 2 scenarios in 0.0 s; shard 2 of 3; merged from 3 "
                        "reports</p>\n");
    free(t);
    WRITTEN(t, len, lab_htmlpage_name_cell(m_, "fail", NASTY, "x<.test."));
    ck_assert_str_eq(t, "<td class=\"name fail\"><a href=\"#s-a_3Cb_3E_26_22c_27d\">"
                        "a&lt;b&gt;&amp;&quot;c&apos;d</a><br/><span class=\"sub\">x&lt;.test."
                        "</span></td>");
    free(t);
    WRITTEN(t, len, lab_htmlpage_name_cell(m_, "", "good", "good.test."));
    ck_assert_str_eq(t, "<td class=\"name\"><a href=\"#s-good\">good</a><br/><span "
                        "class=\"sub\">good.test.</span></td>");
    free(t);
    WRITTEN(t, len, lab_htmlpage_scen_head(m_, "good", "leak", "LEAK", "good.test."));
    ck_assert_str_eq(t, "<div class=\"scen\" id=\"s-good\">\n<h3><a href=\"#s-good\">good</a> "
                        "<span class=\"badge leak\">LEAK</span></h3>\n<p>domain "
                        "<code>good.test.</code>");
    free(t);
    WRITTEN(t, len, lab_htmlpage_bold_sub(m_, "a&b", ""));
    ck_assert_str_eq(t, "<b>a&amp;b</b>");
    free(t);
    json_decref(one);
    json_decref(shard);
}
END_TEST

START_TEST(relpath)
{
    static const char *const cases[][3] = {
        {"/a/b", "/a/c/x.svg", "../c/x.svg"},   {"/a/b", "/a/b/g/x.svg", "g/x.svg"},
        {"/a/b", "/a/bc/x.svg", "../bc/x.svg"}, {"/", "/run/g/x.svg", "run/g/x.svg"},
        {"/a/b/c", "/x.svg", "../../../x.svg"}, {"/a/b", "/a/b", "."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *r = lab_htmlpic_relpath(cases[i][0], cases[i][1]);
        ck_assert_msg(strcmp(r, cases[i][2]) == 0, "%s -> %s: %s, wanted %s", cases[i][0],
                      cases[i][1], r, cases[i][2]);
        free(r);
    }
}
END_TEST

/* With the catalogue: RUN/graphs/good.dot written, linked relative to the
 * page's directory (the SVG when dot rendered it); the scenario that is not
 * in the catalogue says so; written to stdout, the link is a file:// URL. */
START_TEST(pictures)
{
    const char *paths[] = {"../../lab/scenarios"};
    char dir[] = "/tmp/check-html-XXXXXX", *run, *out, *html, *dot, *t, *want, *real;
    scen_catalog *cat = NULL;
    struct dl_error err = {{0}};
    struct stat st;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(scen_catalog_load(paths, 1, &cat, &err) == 0, "%s", err.msg);
    real = realpath(dir, NULL);
    run = dl_xasprintf("%s/run", real);
    out = dl_xasprintf("%s/out", real);
    html = dl_xasprintf("%s/report.html", out);
    ck_assert_int_eq(mkdir(out, 0755), 0);
    struct lab_html_opts o = {.run_dir = run, .html_path = html, .cat = cat};
    t = page(&o);
    dot = dl_xasprintf("%s/graphs/good.dot", run);
    ck_assert_msg(stat(dot, &st) == 0 && st.st_size > 0, "%s not written", dot);
    ck_assert_ptr_nonnull(strstr(t, "<a href=\"../run/graphs/good."));
    ck_assert_ptr_nonnull(strstr(t, "not in the catalogue"));
    free(t);
    o.html_path = NULL;
    t = page(&o);
    want = dl_xasprintf("<a href=\"file://%s/graphs/good.", run);
    ck_assert_msg(strstr(t, want) != NULL, "no %s", want);
    free(want);
    free(t);
    scen_catalog_free(cat);
    want = dl_xasprintf("rm -rf '%s'", real);
    ck_assert_int_eq(system(want), 0);
    free(want);
    free(dot);
    free(html);
    free(out);
    free(run);
    free(real);
}
END_TEST

Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, anchors_and_counts);
    tcase_add_test(pos, page_frame);
    tcase_add_test(pos, relpath);
    tcase_add_test(pos, pictures);
    tcase_set_timeout(pos, 30);
    tcase_add_test(neg, escaped);
    tcase_add_test(neg, failing_cell_red_with_mismatch);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
