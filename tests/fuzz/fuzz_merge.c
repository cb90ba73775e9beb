/*
 * Fuzz harness: `danelab report merge` input (lab_merge.h). The input is
 * cut at its first NUL into one or two report files (JSON, as `danelab run
 * --json` or `danelab mta --json` write them) in a fresh temporary
 * directory, merged by lab_merge_main() with every file output (JSON,
 * JUnit, TAP, TLS-RPT index) into that directory. The text summary goes
 * to stdout: run with -close_fd_mask=1.
 */
#include "dl_util.h"
#include "lab_up.h"
#include "lab_merge.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const outputs[] = {"out.json", "out.xml", "out.tap", "index.json"};

/* Write the input's parts; the number of files written (0 on failure). */
static int write_parts(const char *dir, const uint8_t *data, size_t size, char **files)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t first = nul ? (size_t)(nul - data) : size;
    struct dl_error err;
    int n = nul ? 2 : 1;
    files[0] = dl_xasprintf("%s/a.json", dir);
    files[1] = dl_xasprintf("%s/b.json", dir);
    if (dl_write_file(files[0], data, first, 0600, &err) != 0 ||
        (nul && dl_write_file(files[1], nul + 1, size - first - 1, 0600, &err) != 0))
        return 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/danelab-fuzz-merge-XXXXXX", *files[2], *out[4], *argv[16];
    struct lab_globals g = {.run_dir = "/nonexistent", .now = 1700000000};
    int argc = 0, n;
    if (mkdtemp(dir) == NULL)
        return 0;
    n = write_parts(dir, data, size, files);
    for (int i = 0; i < 4; i++)
        out[i] = dl_xasprintf("%s/%s", dir, outputs[i]);
    argv[argc++] = "report";
    argv[argc++] = "merge";
    for (int i = 0; i < n; i++)
        argv[argc++] = files[i];
    argv[argc++] = "--json";
    argv[argc++] = out[0];
    argv[argc++] = "--junit";
    argv[argc++] = out[1];
    argv[argc++] = "--tap";
    argv[argc++] = out[2];
    argv[argc++] = "--tlsrpt-index";
    argv[argc++] = out[3];
    argv[argc] = NULL;
    if (n > 0)
        (void)lab_merge_main(&g, argc, argv);
    for (int i = 0; i < 4; i++) {
        unlink(out[i]);
        free(out[i]);
    }
    for (int i = 0; i < 2; i++) {
        unlink(files[i]);
        free(files[i]);
    }
    rmdir(dir);
    return 0;
}
