/*
 * lab_htmlpage: the frame and the small pieces both HTML reports share,
 * the run report's page (lab_html) and the MTA report's (lab_mtareport):
 * the page head with the common style sheet, escaping, the summary line,
 * scenario anchors and links, cells, and the head of a scenario's section.
 * Every text given is escaped (lab_xml_escape); the pages are polyglot
 * XHTML.
 */
#ifndef LAB_HTMLPAGE_H
#define LAB_HTMLPAGE_H

#include <jansson.h>
#include <stdio.h>

/* The page's start: doctype, <html>, <head> with `title` and the common
 * style sheet followed by `extra_css` (NULL: none), <body> and the <h1>
 * title; the caller writes the rest and "</body>\n</html>\n". */
void lab_htmlpage_head(FILE *f, const char *title, const char *extra_css);

/* `s` escaped as element text / as an attribute value. */
void lab_htmlpage_esc(FILE *f, const char *s);
void lab_htmlpage_attr(FILE *f, const char *s);

/* The anchor of scenario `name` in a page: "s-" and the name, bytes
 * other than [A-Za-z0-9._-] written as "_XX" (hex). The caller frees it. */
char *lab_htmlpage_anchor(const char *name);

/* " <a href="#ANCHOR">NAME</a>": a link to scenario `name`'s section. */
void lab_htmlpage_link(FILE *f, const char *name);

/* One count of the summary line: <span class="count CLS" id="ID">N WORD</span>. */
struct lab_htmlpage_count {
    const char *cls, *id, *word;
    long long n;
};

/* The summary line of `report`: <p class="summary">, the `n` counts, "S
 * scenarios in T s" (the report's "scenarios" and "summary"."seconds"),
 * the shard ("; shard K of N") when the report is one, the number of
 * merged reports ("; merged from N reports") when it says, and </p>. */
void lab_htmlpage_summary(FILE *f, const json_t *report, const struct lab_htmlpage_count *counts,
                          size_t n);

/* <td class="CLS">TEXT</td>; CLS "" for none. */
void lab_htmlpage_td(FILE *f, const char *cls, const char *text);

/* <b>HEAD</b>, and <br/><span class="sub">SUB</span> when SUB is not "". */
void lab_htmlpage_bold_sub(FILE *f, const char *head, const char *sub);

/* A scenario's name cell: <td class="name[ CLS]"><a href="#ANCHOR">NAME</a>
 * <br/><span class="sub">DOMAIN</span></td> (CLS "" for none). */
void lab_htmlpage_name_cell(FILE *f, const char *cls, const char *name, const char *domain);

/* The start of a scenario's section, up to its domain: <div class="scen"
 * id="ANCHOR"><h3> with the linked name and a badge (class `badge_cls`,
 * text `badge`), then "<p>domain <code>DOMAIN</code>"; the caller ends the
 * paragraph, writes the section and "</div>\n". */
void lab_htmlpage_scen_head(FILE *f, const char *name, const char *badge_cls, const char *badge,
                            const char *domain);

#endif
