/*
 * lab_mtatable: the scenarios x MTA table of several MTAs' `danelab mta
 * --json` reports (`danelab report table`), as aligned text or Markdown,
 * made from the reports' verdicts and rfc7672 expectations
 * (lab_mtareport). Errors are values: nothing here prints to stderr.
 */
#ifndef LAB_MTATABLE_H
#define LAB_MTATABLE_H

#include "dl_error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* The scenarios x MTA table of the `n` reports: one row per scenario (the
 * union, sorted by name) with the rfc7672 expectation and one column per
 * report (its MTA's name; the file's base name when two reports are of the
 * same MTA) saying pass, known, DEVIATION, LEAK or "-" (not in that
 * report); then a totals row. `markdown`: a Markdown table, else aligned
 * text. `totals_only`: one row per report instead (MTA, scenarios and the
 * four counts). Returns 0 when no report has a deviation or a leak, 1 when
 * one has, -1 with `err` set (nothing written) when a report is not an
 * MTA report or is a shard (merge the shards first), a scenario's
 * expectation differs between reports (different catalogues), or `f`
 * could not be written. */
int lab_mtatable_write(FILE *f, json_t *const *reports, const char *const *files, size_t n,
                       bool markdown, bool totals_only, struct dl_error *err);

#endif
