/*
 * Fuzz harness: the TLS-RPT policy record (RFC 8460 section 3) as the
 * client reads it from _smtp._tls.DOMAIN TXT. The input is split at 0xFF
 * bytes into TXT RDATAs (wire form: length-prefixed strings, possibly
 * malformed) for dane_tlsrpt_policy_from_txt(); the whole input is also
 * given to dane_tlsrpt_parse() as one record's text.
 */
#include "dane_dns.h"
#include "dane_tlsrpt.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RRS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dane_dns_rr rrs[MAX_RRS];
    struct dane_tlsrpt_policy p;
    struct dl_error err;
    char **rua = NULL;
    size_t n_rua = 0, n = 0;
    const uint8_t *cur = data, *end = data + size;

    if (dane_tlsrpt_parse((const char *)data, size, &rua, &n_rua, &err) == 0) {
        if (n_rua == 0)
            __builtin_trap(); /* a valid record has a usable URI */
        dane_tlsrpt_rua_free(rua, n_rua);
    }
    while (cur <= end && n < MAX_RRS) {
        const uint8_t *ff = memchr(cur, 0xff, (size_t)(end - cur));
        const uint8_t *stop = ff ? ff : end;
        rrs[n].data = (unsigned char *)cur;
        rrs[n].len = (size_t)(stop - cur);
        n++;
        cur = stop + 1;
    }
    memset(&p, 0, sizeof(p));
    dane_tlsrpt_policy_from_txt(rrs, n, &p);
    if (p.found && p.n_rua == 0)
        __builtin_trap();
    dane_tlsrpt_policy_clear(&p);
    return 0;
}
