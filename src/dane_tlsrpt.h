/*
 * dane_tlsrpt: an RFC 8460 (SMTP TLS Reporting) report for the policy
 * domain, from the client's attempts: one policy per MX host ("tlsa" with
 * the host's TLSA records when DANE applied, "no-policy-found" otherwise),
 * with successful and failed session counts and failure details
 * (result-type, receiving MX host and IP, failure reason code).
 */
#ifndef DANE_TLSRPT_H
#define DANE_TLSRPT_H

#include "dane_client.h"
#include "dl_error.h"

#include <time.h>

typedef struct dane_tlsrpt dane_tlsrpt;

dane_tlsrpt *dane_tlsrpt_new(const char *policy_domain);
void dane_tlsrpt_free(dane_tlsrpt *r);

/* Count the sessions of one attempt. */
void dane_tlsrpt_add(dane_tlsrpt *r, const struct dane_client_result *res);

/* Write the report (JSON, RFC 8460 section 4.4) covering [start, end]. */
int dane_tlsrpt_write(const dane_tlsrpt *r, const char *path, time_t start, time_t end,
                      struct dl_error *err);

#endif
