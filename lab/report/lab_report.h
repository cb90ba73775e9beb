/*
 * lab_report: the run report in the forms CI systems read, all made from
 * the `danelab run --json` object ({"scenarios": [...], "summary": {...}}),
 * so that a run and a merge of shards' reports write the same thing:
 *
 *   JUnit XML   one <testsuite> per check ("dns", then each profile), one
 *               <testcase> per scenario in it (classname the scenario,
 *               name the check), <failure> with what differs;
 *   TAP 13      `ok N - SCENARIO [CHECK]`, a YAML block under `not ok`;
 *   text        one line per scenario (for `report merge`).
 */
#ifndef LAB_REPORT_H
#define LAB_REPORT_H

#include "dl_util.h"
#include "lab_up.h"
#include "scen.h"

#include <jansson.h>
#include <stdio.h>

/* Append s to f with the XML special characters escaped (&, <, >, ", ')
 * and the characters XML 1.0 cannot carry (C0 controls other than tab,
 * newline, carriage return) replaced by '?'; in an attribute (`attr`),
 * tab, newline and carriage return become character references so that
 * they survive attribute-value normalisation. */
void lab_xml_escape(FILE *f, const char *s, bool attr);

/* An expectation as JSON: {"status", "code", "reason", "tlsrpt"} of the
 * alternative `matched` (the first when matched < 0); with several
 * alternatives also "any": [{"status", "code", "reason", "tlsrpt",
 * "note"}...] and "matched" (the index, when one matched); "rfc": [...]
 * when the expectation names clauses. */
json_t *lab_report_accept_json(const struct scen_accept *a, int matched);

/* An outcome object in words: "deferred 4.7.323 (no-tlsa-match) tlsrpt
 * tlsa-invalid" (the TLS-RPT type only with `tlsrpt`); an expectation
 * with "any" gives each alternative, joined by " | ", and its "rfc"
 * clauses in brackets. */
void lab_report_expected_text(struct dl_buf *b, const json_t *o, bool tlsrpt);

/* The checks of the scenario objects `scens`, in order of first
 * appearance: "dns", then each profile of their "delivery" entries, as a
 * new JSON array of strings. */
json_t *lab_report_check_names(const json_t *scens);

/* Whether a scenario object's DNS check passed (every RRset did). */
bool lab_report_dns_pass(const json_t *scen);

/* The scenario object's "error" (it could not be checked: a server did not
 * confirm a change in time, the lab failed; an error, not a verdict), or
 * NULL when it was checked. */
const char *lab_report_error(const json_t *scen);

/* "ERROR NAME MESSAGE" and a newline: the line of a scenario that has an
 * error, in the text reports. */
void lab_report_error_line(FILE *f, const json_t *scen);

/* The count `key` ("passed", "failed", "errors") of a report's "summary";
 * 0 when absent (reports older than "errors"). */
long long lab_report_count(const json_t *report, const char *key);

/* The number of checks (test points) of a scenario object: its DNS check
 * and one per entry of "delivery". */
size_t lab_report_checks(const json_t *scen);

/* Write the whole report as JUnit XML. Returns 0, -1 on a write error. */
int lab_report_junit(FILE *f, const json_t *report);

/* TAP 13: the header with the plan (`n` test points), then each
 * scenario's points numbered from *num + 1 (*num advanced). */
void lab_report_tap_plan(FILE *f, size_t n);
void lab_report_tap_scenario(FILE *f, const json_t *scen, size_t *num);

/* Where to look for a failed scenario: a "trace" object for its JSON,
 * {"smtp_log": RUN/log/fakesmtp.jsonl, "domain", "explain": "danelab
 * explain NAME"}. */
json_t *lab_report_trace(const char *run_dir, const char *name, const char *domain);

/* The table `danelab run` prints for one scenario object: its MX verdict
 * line, one more per other RRset declared, one per profile checked (with
 * the retry timeline, attempts of equal outcome on one line), and where to
 * look when it failed. `tty`: colours. */
void lab_report_scenario_text(FILE *f, const json_t *scen, bool tty);

/* The text summary of a report: one line per scenario, what differs for
 * those that failed and where to look, and "N passed, N failed". */
void lab_report_text(FILE *f, const json_t *report);

#endif
