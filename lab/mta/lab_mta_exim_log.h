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

#endif
