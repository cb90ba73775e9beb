/*
 * fsmtp_log: the session log, one JSON object per line (JSON Lines),
 * appended with a single write(2) per session so that concurrent writers
 * and a crash never interleave or half-write records.
 */
#ifndef FSMTP_LOG_H
#define FSMTP_LOG_H

#include "dl_error.h"

#include <jansson.h>

/* Append rec as one line to path (created 0644 if missing). */
int fsmtp_log_append(const char *path, const json_t *rec, struct dl_error *err);

/* Current time as "2026-11-22T19:17:57.123Z" into buf (at least 32 bytes). */
void fsmtp_log_now(char *buf, size_t len);

#endif
