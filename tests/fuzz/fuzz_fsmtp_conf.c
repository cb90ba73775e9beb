/*
 * Fuzz harness: fakesmtp's JSON configuration (fsmtp_conf.h). The input,
 * as a NUL-terminated string, is parsed with fsmtp_conf_parse(), which
 * reads jansson's tree and checks every key; certificate files it names
 * are not opened at parse time. A failure must leave a message.
 */
#include "fsmtp_conf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dl_error err;
    struct fsmtp_conf *conf;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&err, 0, sizeof(err));
    conf = fsmtp_conf_parse(text, "fuzz.json", &err);
    if (conf == NULL && err.msg[0] == '\0')
        __builtin_trap();
    fsmtp_conf_free(conf);
    free(text);
    return 0;
}
