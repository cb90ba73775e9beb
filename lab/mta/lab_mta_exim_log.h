/*
 * lab_mta_exim_log: reading Exim's mainlog for `danelab mta exim`
 * (lab_mta_exim): which queue ID a message got, and what the first
 * delivery attempt of each said, from Exim 4.96's mainlog lines with the
 * log_selector the adapter sets (+outgoing_port +smtp_confirmation
 * +tls_certificate_verified +tls_peerdn +tls_sni +deliver_time +millisec
 * +received_recipients).
 */
#ifndef LAB_MTA_EXIM_LOG_H
#define LAB_MTA_EXIM_LOG_H

#include "lab_mta_adapter.h"

#include <stddef.h>

/* One mainlog line ("DATE TIME [PID] ID TEXT"): a `<=` line's id= gives
 * the message whose Message-ID it is its queue ID; the first `=>` (sent),
 * `==` (deferred) or `**` (bounced) line of a message sets its status,
 * relay (from H=), reason (Exim's text; for a delivery its X=, CV=, DN=,
 * C=) and dsn: the enhanced code of the server's reply when the line
 * quotes one (Exim's own deferrals carry none). Other lines change
 * nothing. */
void lab_exim_log_line(const char *line, struct lab_mta_msg *msgs, size_t n);

/* --retry (the mainlog of an Exim on the virtual clock, log lines in UTC):
 * as lab_exim_log_line, but every `=>`, `==` or `**` line of a message not
 * yet finished is one attempt, appended to m->att with the line's time
 * (lab_mta_attempt_add), except Exim's own "retry time not reached ..."
 * deferrals (ERRNO_HRETRY, whose number changes between versions: a queue
 * run came before the host's retry time, no host was tried). A `**` line marks the
 * message returned (m->expired: its time); it is an attempt only when it
 * names a host (H=) it tried. */
void lab_exim_log_retry_line(const char *line, struct lab_mta_msg *msgs, size_t n);

/* --retry: the next try of a message to `domain` from the retry records
 * of `text`, the output of `exim_dumpdb SPOOL retry` (Exim 4.96: "  KEY
 * ERRNO MORE TEXT", then "FIRST-FAILED  LAST-TRY  NEXT-TRY [*]", each
 * "DD-Mon-YYYY HH:MM:SS" in UTC) whose key names `domain` or a host under
 * it (R:DOMAIN, T:mx1.DOMAIN:ADDRESS, with a message ID after it or not):
 * the earliest of the hosts' (T:) next tries, but no earlier than the
 * domain's routing record's (R:) when there is one: Exim routes the
 * address before it looks at a host, and skips it ("retry time not
 * reached") while routing is deferred, whatever the older host records
 * say. Into *when: 1; 0 when there is none. */
int lab_exim_retry_next(const char *text, const char *domain, time_t *when);

#endif
