/*
 * Fuzz harness: `danelab report merge` input (lab_merge.h). The input is
 * cut at its first NUL into one or two reports (JSON, as `danelab run
 * --json` or `danelab mta --json` write them), named a.json and b.json,
 * merged from memory by lab_merge_mem() with every file output (JSON,
 * JUnit, TAP, TLS-RPT index) asked for and written to /dev/null: every
 * writer runs, nothing is written to disk. The text summary goes to
 * stdout: run with -close_fd_mask=1.
 */
#include "lab_up.h"
#include "lab_merge.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char null[] = "/dev/null";
    char *argv[] = {"merge", "--json",     (char *)null,     "--junit",    (char *)null,
                    "--tap", (char *)null, "--tlsrpt-index", (char *)null, NULL};
    struct lab_globals g = {.run_dir = "/nonexistent", .now = 1700000000};
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t first = nul ? (size_t)(nul - text) : size;
    struct lab_merge_report r[2] = {{"a.json", text, first}, {"b.json", NULL, 0}};
    if (nul) {
        r[1].text = nul + 1;
        r[1].len = size - first - 1;
    }
    (void)lab_merge_mem(&g, r, nul ? 2 : 1, (int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
    return 0;
}
