#include "lab_htmlpage.h"
#include "lab_report.h"

#include "dl_util.h"

#include <stdlib.h>

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

void lab_htmlpage_esc(FILE *f, const char *s)
{
    lab_xml_escape(f, s, false);
}

void lab_htmlpage_attr(FILE *f, const char *s)
{
    lab_xml_escape(f, s, true);
}

void lab_htmlpage_head(FILE *f, const char *title, const char *extra_css)
{
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n<title>",
          f);
    lab_htmlpage_esc(f, title);
    fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n<h1>", css,
            extra_css ? extra_css : "");
    lab_htmlpage_esc(f, title);
    fputs("</h1>\n", f);
}

char *lab_htmlpage_anchor(const char *name)
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

void lab_htmlpage_link(FILE *f, const char *name)
{
    char *a = lab_htmlpage_anchor(name);
    fprintf(f, " <a href=\"#%s\">", a);
    lab_htmlpage_esc(f, name);
    fputs("</a>", f);
    free(a);
}

void lab_htmlpage_summary(FILE *f, const json_t *report, const struct lab_htmlpage_count *counts,
                          size_t n)
{
    const json_t *sum = json_object_get(report, "summary"), *sh = json_object_get(report, "shard");
    json_int_t reports = json_integer_value(json_object_get(sum, "reports"));
    fputs("<p class=\"summary\">", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "<span class=\"count %s\" id=\"%s\">%lld %s</span>", counts[i].cls, counts[i].id,
                counts[i].n, counts[i].word);
    fprintf(f, " %zu scenarios in %.1f s", json_array_size(json_object_get(report, "scenarios")),
            json_number_value(json_object_get(sum, "seconds")));
    if (sh)
        fprintf(f, "; shard %lld of %lld",
                (long long)json_integer_value(json_object_get(sh, "index")),
                (long long)json_integer_value(json_object_get(sh, "count")));
    if (json_is_integer(json_object_get(sum, "reports")))
        fprintf(f, "; merged from %lld report%s", (long long)reports, reports == 1 ? "" : "s");
    fputs("</p>\n", f);
}

void lab_htmlpage_td(FILE *f, const char *cls, const char *text)
{
    if (*cls)
        fprintf(f, "<td class=\"%s\">", cls);
    else
        fputs("<td>", f);
    lab_htmlpage_esc(f, text);
    fputs("</td>", f);
}

void lab_htmlpage_bold_sub(FILE *f, const char *head, const char *sub)
{
    fputs("<b>", f);
    lab_htmlpage_esc(f, head);
    fputs("</b>", f);
    if (*sub) {
        fputs("<br/><span class=\"sub\">", f);
        lab_htmlpage_esc(f, sub);
        fputs("</span>", f);
    }
}

void lab_htmlpage_name_cell(FILE *f, const char *cls, const char *name, const char *domain)
{
    char *a = lab_htmlpage_anchor(name);
    fprintf(f, "<td class=\"name%s%s\"><a href=\"#%s\">", *cls ? " " : "", cls, a);
    lab_htmlpage_esc(f, name);
    fputs("</a><br/><span class=\"sub\">", f);
    lab_htmlpage_esc(f, domain);
    fputs("</span></td>", f);
    free(a);
}

void lab_htmlpage_scen_head(FILE *f, const char *name, const char *badge_cls, const char *badge,
                            const char *domain)
{
    char *a = lab_htmlpage_anchor(name);
    fprintf(f, "<div class=\"scen\" id=\"%s\">\n<h3><a href=\"#%s\">", a, a);
    lab_htmlpage_esc(f, name);
    fprintf(f, "</a> <span class=\"badge %s\">%s</span></h3>\n<p>domain <code>", badge_cls, badge);
    lab_htmlpage_esc(f, domain);
    fputs("</code>", f);
    free(a);
}
