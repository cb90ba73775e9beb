/*
 * Fuzz harness: `danelab import --s-client` input (imp_sclient.h): the
 * bytes as the text of openssl s_client, parsed by imp_sclient_parse()
 * (PEM blocks through OpenSSL, certificates described by cap_smtp_cert).
 */
#include "dl_util.h"
#include "imp_sclient.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imp_sclient sc;
    struct dl_error err;
    struct dl_buf notes = {0};
    if (imp_sclient_parse("fuzz.s_client", (const char *)data, size, &sc, &notes, &err) == 0)
        imp_sclient_free(&sc);
    dl_buf_free(&notes);
    return 0;
}
