/*
 * Fuzz harness: TLSA RDATA (dane_tlsa.h) as the client gets it. The input
 * is one RDATA in wire form, parsed and classified (dane_tlsa_from_wire
 * runs dane_tlsa_classify: Full(0) data goes to OpenSSL's certificate and
 * SubjectPublicKeyInfo parsers), then formatted; the same bytes as text
 * ("U S M HEX", NUL-terminated copy) go through dane_tlsa_from_text.
 */
#include "dane_tlsa.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_format(const struct dane_tlsa *rec)
{
    char buf[256];
    dane_tlsa_format(rec, buf, sizeof(buf), 64);
    if (memchr(buf, '\0', sizeof(buf)) == NULL)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dane_tlsa rec;
    char *text;
    memset(&rec, 0, sizeof(rec));
    if (dane_tlsa_from_wire(data, size, &rec) == 0 || rec.data != NULL)
        check_format(&rec);
    dane_tlsa_clear(&rec);

    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&rec, 0, sizeof(rec));
    if (dane_tlsa_from_text(text, &rec) == 0) {
        check_format(&rec);
        (void)dane_tlsa_classify(&rec);
    }
    dane_tlsa_clear(&rec);
    free(text);
    return 0;
}
