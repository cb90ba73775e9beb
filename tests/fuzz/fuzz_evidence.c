/*
 * Fuzz harness: `danelab import` input (imp_evidence.h, imp_import.h): the
 * bytes as an evidence file, checked by imp_evidence_parse() and, when
 * they pass, turned into a scenario by imp_scenario() (in memory; the
 * scenario parser that import runs after it has its own harness,
 * fuzz_scen).
 */
#include "dl_util.h"
#include "imp_evidence.h"
#include "imp_import.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dl_error err;
    struct dl_buf yaml = {0}, notes = {0};
    json_t *ev = imp_evidence_parse((const char *)data, size, &err);
    if (ev == NULL)
        return 0;
    imp_scenario(ev, "fuzz.json", &yaml, &notes, &err);
    dl_buf_free(&yaml);
    dl_buf_free(&notes);
    json_decref(ev);
    return 0;
}
