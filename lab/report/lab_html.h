/*
 * lab_html: the run report as one self-contained HTML5 page (inline CSS,
 * no script, no external resource), made from the `danelab run --json`
 * object as lab_report's forms are, for `danelab run --html FILE` and
 * `danelab report merge ... --html OUT`:
 *
 *   summary   passed/failed scenarios, seconds, the shard or the number of
 *             merged reports, per check (dns, each profile) passed/failed;
 *   matrix    one row per scenario in the report's order; a DNS column and
 *             one per profile, each cell green (pass), red (fail) or grey
 *             (not checked) with the observed status and code (the
 *             validator's verdict for DNS); a failed cell shows the
 *             mismatch and carries expected vs observed in its title;
 *   details   one section per scenario (anchor "s-NAME", the row links to
 *             it): RRsets, delivery per profile, the retry timeline's
 *             attempts, and for a failure the fakesmtp log and the
 *             `danelab explain NAME` command.
 *
 * The page is also well-formed XML (polyglot XHTML): `xmllint --noout`
 * parses it. Every text from the report is escaped. The MTA report's page
 * (lab_mtareport) starts with the same head and style sheet.
 *
 * Chain-of-trust pictures: when a catalogue is given, each scenario found
 * in it gets RUN/graphs/NAME.dot (lab_graph_write) and, when Graphviz's
 * `dot` runs, RUN/graphs/NAME.svg (rendered again only when the dot text
 * changed or the SVG is missing; each rendering bounded to 10 s). The
 * page links them relative to its own directory, so the page and the run
 * directory can move together; written to stdout (no path), it links them
 * by absolute file:// URL. A picture that cannot be written or rendered is
 * a warning (dl_warn) and a note on the page, not an error.
 */
#ifndef LAB_HTML_H
#define LAB_HTML_H

#include "dl_error.h"
#include "scen.h"

#include <jansson.h>
#include <stdio.h>

struct lab_html_opts {
    const char *run_dir;     /* absolute; pictures go to RUN/graphs/ */
    const char *html_path;   /* the file `f` writes, for relative links;
                                NULL or "-": absolute file:// links */
    const scen_catalog *cat; /* NULL: no chain-of-trust pictures */
    const char *title;       /* NULL: "danelab report" */
};

/* Write the page for `report` to `f`. Returns 0, or -1 with `err` set
 * when `f` could not be written. */
int lab_html_write(FILE *f, const json_t *report, const struct lab_html_opts *opts,
                   struct dl_error *err);

/* The page's start: doctype, <html>, <head> with `title` and the report's
 * style sheet followed by `extra_css` (NULL: none), <body> and the <h1>
 * title; the caller writes the rest and "</body>\n</html>\n". Used by
 * lab_mtareport for the MTA report's page. */
void lab_html_page_head(FILE *f, const char *title, const char *extra_css);

/* The relative path from directory `from_dir` to `to`, both absolute and
 * canonical ("/a/b", "/a/c/x.svg" -> "../c/x.svg"). The caller frees it. */
char *lab_html_relpath(const char *from_dir, const char *to);

/* The anchor of scenario `name` in the page: "s-" and the name, bytes
 * other than [A-Za-z0-9._-] written as "_XX" (hex). The caller frees it. */
char *lab_html_anchor(const char *name);

#endif
