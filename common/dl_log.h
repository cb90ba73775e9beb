/*
 * dl_log: printf-checked logging helpers with verbosity levels, shared by
 * every danelab command.
 *
 * Messages go to stderr as "PROG: message". dl_log_init() sets the program
 * name and verbosity once, in main(); libraries only call the helpers.
 * Levels: errors and warnings always print; info prints at verbosity >= 1,
 * debug at >= 2.
 */
#ifndef DL_LOG_H
#define DL_LOG_H

#include <stdarg.h>

#define DL_PRINTF(a, b) __attribute__((format(printf, a, b)))

void dl_log_init(const char *progname, int verbosity);

void dl_err(const char *fmt, ...) DL_PRINTF(1, 2);
void dl_warn(const char *fmt, ...) DL_PRINTF(1, 2);
void dl_info(const char *fmt, ...) DL_PRINTF(1, 2);
void dl_debug(const char *fmt, ...) DL_PRINTF(1, 2);

#endif
