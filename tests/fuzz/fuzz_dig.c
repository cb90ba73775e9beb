/*
 * Fuzz harness: `danelab import --dig` input (imp_dig.h): the bytes as the
 * text of dig, parsed by imp_dig_parse() and, when they parse, turned into
 * an evidence object by imp_fromtext_evidence() and checked by
 * imp_evidence_parse() as import does (the scenario writer behind it has
 * its own harness, fuzz_evidence).
 */
#include "dl_util.h"
#include "imp_evidence.h"
#include "imp_fromtext.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct imp_fromtext in; /* large (64 answers): not on the stack */
    struct dl_error err;
    struct dl_buf notes = {0};
    json_t *ev;
    memset(&in, 0, sizeof(in));
    if (imp_dig_parse(&in.dig, "fuzz.dig", (const char *)data, size, &notes, &err) == 0 &&
        (ev = imp_fromtext_evidence(&in, &notes, &err)) != NULL) {
        char *text = json_dumps(ev, JSON_COMPACT);
        json_t *back = text ? imp_evidence_parse(text, strlen(text), &err) : NULL;
        json_decref(back);
        free(text);
        json_decref(ev);
    }
    imp_fromtext_free(&in);
    dl_buf_free(&notes);
    return 0;
}
