/*
 * lab_valmatrix: the scenarios x validators matrix of `danelab run
 * --resolvers` (lab_resolvers runs one pass per validator), made from the
 * passes' `run --json` reports, whose scenario objects carry
 * "validator_dns" (lab_checker: every RRset looked up, its expectation for
 * that validator, the observed verdict, RCODE, EDE), and written as text,
 * Markdown (docs/validators.md) and a section of the HTML report
 * (lab_html). Errors are values: nothing here prints to stderr.
 *
 * The reference validator is Unbound when it is listed, else the first
 * listed. An RRset *differs* when a validator's observed verdict is not
 * the reference's; the difference is *declared* when the scenario states
 * the verdict of either of the two on its own (`expect: dns: VALIDATOR:`,
 * the RRset's "validator_own"). Where the RRset has an expectation, the
 * expectation decides (an undeclared difference then breaks one of them);
 * where it has none, an undeclared difference fails the validator's
 * RRset: the run fails on it as on any unmet expectation.
 */
#ifndef LAB_VALMATRIX_H
#define LAB_VALMATRIX_H

#include "dl_error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Join the passes into `base`, the first validator's whole report (its
 * delivery checks too): reports[k] is validator names[k]'s report
 * (reports[0] may be base itself), versions[k] what its program says it
 * is (NULL: unknown). Each scenario of base gets "validators": {NAME:
 * {"rrsets": [{..., "differs", "declared"}], "pass", "error"?}} in the
 * order of `names` ("validator_dns" removed), its "pass" false when a
 * validator's entry fails, its "error" set when a pass could not check it
 * (or lacks it); the summary's passed, failed and errors are recounted;
 * base gets "validators": {"names": [...], "reference", "versions":
 * {NAME: VERSION}}. Returns 0, or -1 with err when a report is not a run
 * report (no "scenarios" array) or n is 0. */
int lab_valmatrix_merge(json_t *base, json_t *const *reports, const char *const *names,
                        const char *const *versions, size_t n, struct dl_error *err);

/* A cell's text: "bogus EDE 6" (observed verdict, EDE code when given),
 * then " ~" for a declared difference, " !" for an undeclared one, and
 * " FAIL" when the RRset failed. Into buf (len bytes). */
void lab_valmatrix_cell(char *buf, size_t len, const json_t *rrset);

/* The text table of a merged report: one row per scenario and RRset that
 * has an expectation for some validator, differs or failed; columns the
 * expectation (the reference's) and each validator's cell; a legend;
 * then each failed scenario's lines (lab_report_scenario_text) and the
 * validators' failed RRsets; then "N passed, N failed". */
void lab_valmatrix_text(FILE *f, const json_t *report, bool tty);

/* docs/validators.md: the prose, the validators' versions, a Markdown
 * table of every RRset where the validators' verdicts differ or one
 * failed (with the scenario's why and ref), and the EDE codes each
 * validator gave, by scenario. No timing: the same catalogue and
 * programs give the same text. */
void lab_valmatrix_markdown(FILE *f, const json_t *report);

/* The HTML section of a merged report (nothing for another report):
 * <h2 id="validators">, the versions, a scenarios x validators table,
 * each cell every RRset's verdict with its EDE code and name, a declared
 * difference highlighted (class "differs"), a failure red. */
void lab_valmatrix_html(FILE *f, const json_t *report);

/* The rows of one scenario's section: per validator and RRset the
 * expectation, the observed verdict, RCODE, EDE ("EDE 6 (DNSSEC Bogus)"
 * and its text) and whether it differs (nothing without "validators"). */
void lab_valmatrix_html_scen(FILE *f, const json_t *scen);

/* The style sheet lines of the classes above. */
extern const char lab_valmatrix_css[];

#endif
