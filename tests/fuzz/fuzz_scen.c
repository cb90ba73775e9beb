/*
 * Fuzz harness: the scenario loader (scen.h, scen_yaml.h) on a whole file,
 * as `danelab lint` reads one, but from memory: scen_load_mem() takes the
 * input as the content of "fuzz/fuzz.yaml" (a scenario's name must match
 * its file, so the seeds are named fuzz); nothing is written to disk, so
 * an execution costs the parse alone (scen_load adds only the read of a
 * regular file). A loaded scenario is walked as the runner does (hosts and
 * faults in force after each timeline step). A failure must leave a
 * one-line "FILE:LINE:" message. Run with yaml.dict.
 */
#include "scen.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct scen *s)
{
    for (int i = -1; i < (int)s->n_timeline; i++) {
        free(scen_hosts_at(s, i));
    }
    for (size_t i = 0; i < s->n_timeline; i++) {
        size_t n = 0;
        int index = 0;
        (void)scen_faults_at(s, s->timeline[i].at, &n, &index);
    }
    (void)scen_expected_dnssec(s);
    (void)scen_has_retry(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char path[] = "fuzz/fuzz.yaml";
    struct dl_error err;
    struct scen *s = NULL;
    memset(&err, 0, sizeof(err));
    if (scen_load_mem(path, (const char *)data, size, &s, &err) == 0)
        walk(s);
    else if (strncmp(err.msg, path, strlen(path)) != 0 || strchr(err.msg, '\n') != NULL)
        __builtin_trap(); /* every message starts with FILE and is one line */
    scen_free(s);
    return 0;
}
