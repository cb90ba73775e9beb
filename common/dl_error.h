/*
 * dl_error: errors as values. A library function that can fail takes a
 * `struct dl_error *` last, returns -1 (or NULL) on failure and leaves a
 * complete, human-readable message in it: "file:line: what is wrong" for
 * input files, "peer: step: what failed" for network errors. The caller
 * decides whether to print it; the callee never prints.
 */
#ifndef DL_ERROR_H
#define DL_ERROR_H

#include "dl_log.h"

#include <stddef.h>

struct dl_error {
    char msg[1024];
};

/* Set the message (printf style). Always returns -1 so callers can write
 * `return dl_error_set(err, ...);`. err may be NULL. */
int dl_error_set(struct dl_error *err, const char *fmt, ...) DL_PRINTF(2, 3);

/* Prefix the existing message with more context: "ctx: old message". */
int dl_error_prefix(struct dl_error *err, const char *fmt, ...) DL_PRINTF(2, 3);

/* Append OpenSSL's error queue (and clear it) to the message. */
int dl_error_openssl(struct dl_error *err, const char *fmt, ...) DL_PRINTF(2, 3);

#endif
