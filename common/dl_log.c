#include "dl_log.h"

#include <stdio.h>

/*
 * Process-wide logging settings: set once by main() before any other work
 * and only read afterwards, so every module logs the same way without
 * passing a logger around.
 */
static const char *log_prog = "danelab";
static int log_verbosity = 0;

void dl_log_init(const char *progname, int verbosity)
{
    log_prog = progname;
    log_verbosity = verbosity;
}

static void log_v(const char *tag, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", log_prog, tag);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

#define DL_LOG_FN(name, min, tag)                                                                  \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        va_list ap;                                                                                \
        if (log_verbosity < (min))                                                                 \
            return;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_v(tag, fmt, ap);                                                                       \
        va_end(ap);                                                                                \
    }

DL_LOG_FN(dl_err, -100, "error: ")
DL_LOG_FN(dl_warn, -100, "warning: ")
DL_LOG_FN(dl_info, 1, "")
DL_LOG_FN(dl_debug, 2, "debug: ")
