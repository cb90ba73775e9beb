/*
 * lab_mtareport: the MTA conformance report in its other forms, all made
 * from the `danelab mta ADAPTER --json` object ({"mta", "scenarios": [...],
 * "summary": {...}}, see lab_mta), so that `danelab mta` and `danelab
 * report merge` of its shards write the same thing:
 *
 *   join     the reports of one MTA's shards as one report;
 *   JUnit    one <testsuite> "mta-ADAPTER", a <testcase> per scenario,
 *            <failure> per deviation or leak, <skipped> per known one;
 *   TAP 13   one point per scenario, a known deviation `# TODO`;
 *   text     one line per scenario and the summary line;
 *   HTML     one self-contained page (polyglot XHTML, everything escaped):
 *            summary, one row per scenario (verdict cell coloured: pass
 *            green, known amber, deviation red, LEAK dark red), details.
 *
 * With --retry (a scenario's "retry" object, lab_mta_retry_json) every
 * form lists each attempt: its virtual time after the first, the world
 * state it met, the MTA's status, DSN, relay and authentication, and the
 * reference client's outcome then; and the return to the sender with the
 * non-delivery report's Action and Status. Text: a line each under the
 * scenario's; JUnit: the <system-out> (or <failure>) text; TAP: comment
 * lines, or an "attempts" key; HTML: a table in the details.
 *
 * The scenarios x MTA table of several MTAs' reports (`danelab report
 * table`) is lab_mtatable's, made with the helpers at the end.
 *
 * Verdicts: "pass", "known", "deviation", "leak" (lab_mtareport_verdict
 * numbers them in that order). Nothing here prints to stderr: errors are
 * values.
 */
#ifndef LAB_MTAREPORT_H
#define LAB_MTAREPORT_H

#include "dl_error.h"
#include "dl_util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum lab_mta_verdict {
    LAB_MTA_V_PASS,
    LAB_MTA_V_KNOWN,
    LAB_MTA_V_DEVIATION,
    LAB_MTA_V_LEAK,
    LAB_MTA_V_COUNT
};

/* "+1d02h30": `secs` seconds after a --retry run's first attempt, the
 * form every report and message about attempts uses. */
void lab_mtareport_after(char *buf, size_t len, long long secs);

/* Whether `report` is a `danelab mta --json` report (it has "mta"). */
bool lab_mtareport_is_mta(const json_t *report);

/* The verdict named `name`, or -1 for another word (or NULL). */
int lab_mtareport_verdict(const char *name);

/* The label printed for a verdict: "pass", "known", "DEVIATION", "LEAK". */
const char *lab_mtareport_label(enum lab_mta_verdict v);

/* Count the verdicts of `report`'s scenarios into counts[LAB_MTA_V_COUNT].
 * Returns 0, or -1 with `err` naming the first scenario whose verdict is
 * not one of the four. */
int lab_mtareport_count(const json_t *report, size_t counts[LAB_MTA_V_COUNT], struct dl_error *err);

/* Join the `n` reports (files[i] names reports[i] in messages) of one MTA:
 * a new report with that "mta", the first one's "config_directory", the
 * scenarios sorted by name and the summary recomputed (the counts, seconds
 * the reports' sum, "reports" n). Returns NULL with `err` set when a
 * report is not an MTA report, two name different MTAs, a scenario has no
 * name or an unknown verdict, or a scenario is in two reports. Shards are
 * not checked here. The caller frees the result (json_decref). */
json_t *lab_mtareport_join(json_t *const *reports, const char *const *files, size_t n,
                           struct dl_error *err);

/* Write `report` as JUnit XML / TAP 13 / text. Return 0, -1 on a write
 * error. */
int lab_mtareport_junit(FILE *f, const json_t *report);
int lab_mtareport_tap(FILE *f, const json_t *report);
int lab_mtareport_text(FILE *f, const json_t *report);

/* Write the HTML page of `report` (`title` NULL: "danelab mta MTA").
 * Returns 0, or -1 with `err` set when `f` could not be written. */
int lab_mtareport_html(FILE *f, const json_t *report, const char *title, struct dl_error *err);

/* The verdict of a scenario object: its "verdict" (lab_mtareport_verdict),
 * -1 when it is none of the four. */
int lab_mtareport_scen_verdict(const json_t *scen);

/* Whether `r` has the shape of an MTA report ("mta", "scenarios",
 * "summary"): 0, or -1 with `err` naming `file`. */
int lab_mtareport_check_shape(const json_t *r, const char *file, struct dl_error *err);

/* A scenario object's rfc7672 expectation in words: "deferred 4.7.324
 * (dnssec-bogus)", or each alternative (lab_report_expected_text). */
void lab_mtareport_expected_text(struct dl_buf *b, const json_t *scen);

#endif
