/*
 * dane_report: a client result as JSON (jansson) and as the text a
 * support engineer reads. The JSON carries the same content as the trace.
 */
#ifndef DANE_REPORT_H
#define DANE_REPORT_H

#include "dane_client.h"

#include <jansson.h>
#include <stdio.h>

/* A new JSON object for one attempt; the caller owns it (json_decref). */
json_t *dane_report_json(const struct dane_client_result *r, enum dane_profile p);

/* The trace and the outcome lines. */
void dane_report_text(FILE *out, const struct dane_client_result *r, enum dane_profile p);

#endif
