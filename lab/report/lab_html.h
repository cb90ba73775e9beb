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
 * parses it. Every text from the report is escaped. Its frame (head,
 * style sheet, summary line, cells) is lab_htmlpage's, shared with the MTA
 * report's page (lab_mtareport); the chain-of-trust pictures, when a
 * catalogue is given, are lab_htmlpic's (RUN/graphs/NAME.dot and .svg,
 * linked relative to the page, or by file:// URL on stdout).
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

#endif
