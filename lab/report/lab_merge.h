/*
 * lab_merge: `danelab report merge FILE.json... [--json OUT] [--junit OUT]
 * [--tap OUT] [--html OUT] [--tlsrpt-index OUT]`: joins the `danelab run --json` reports of the
 * shards of a run (--shard K/N) into one report, scenarios sorted by name,
 * the summary recomputed; refuses a scenario present twice and, when the
 * reports say they are shards, a missing or repeated shard. --html writes
 * the lab_html page, the chain-of-trust pictures of the scenarios found in
 * the catalogue into RUN/graphs/. --tlsrpt-index writes the index of the
 * shards' TLS-RPT reports (run --tlsrpt DIR's DIR/index.json, same form)
 * from the merged scenarios' "tlsrpt" objects. Prints the text summary
 * (unless an output is "-", stdout); exit 0 all passed, 1 some failed,
 * 2 usage, unreadable report or incomplete shards.
 *
 * `danelab mta --json` reports are merged the same way (lab_mtareport):
 * all of one MTA, the summary's verdict counts recomputed, written as
 * JSON, JUnit, TAP, the MTA report's HTML page and its text; exit 1 when
 * a deviation or a leak is left. Mixing run and mta reports is refused
 * (exit 2).
 *
 * `danelab report table MTA.json... [--markdown] [--totals]`: the
 * scenarios x MTA table of several MTAs' reports (lab_mtatable);
 * exit 0, 1 when a deviation or leak is in it, 2 on an error.
 */
#ifndef LAB_MERGE_H
#define LAB_MERGE_H

#include "lab_up.h"

int lab_merge_main(const struct lab_globals *g, int argc, char **argv);

/* One report held in memory: `len` bytes of JSON at `text` (need not end
 * in a NUL), named `name` in messages as a FILE.json would be. */
struct lab_merge_report {
    const char *name;
    const char *text;
    size_t len;
};

/* `report merge` of the `n` reports of r, then of any FILE.json in argv
 * (argv[0] is "merge", then the options and files as for lab_merge_main):
 * the same checks, outputs and exit codes, without reading a file for r.
 * The fuzz harness (tests/fuzz/fuzz_merge.c) merges its inputs this way. */
int lab_merge_mem(const struct lab_globals *g, const struct lab_merge_report *r, size_t n, int argc,
                  char **argv);

#endif
