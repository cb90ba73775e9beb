#include "dl_error.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int dl_error_set(struct dl_error *err, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int dl_error_prefix(struct dl_error *err, const char *fmt, ...)
{
    char old[sizeof(err->msg)];
    char pre[sizeof(err->msg)];
    va_list ap;
    if (err == NULL)
        return -1;
    memcpy(old, err->msg, sizeof(old));
    va_start(ap, fmt);
    vsnprintf(pre, sizeof(pre), fmt, ap);
    va_end(ap);
    snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
    return -1;
}

int dl_error_openssl(struct dl_error *err, const char *fmt, ...)
{
    char buf[256];
    unsigned long e;
    size_t len;
    va_list ap;
    if (err == NULL) {
        ERR_clear_error();
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        len = strlen(err->msg);
        snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", buf);
    }
    return -1;
}
