/*
 * lab_mta_postfix: an isolated Postfix instance for `danelab mta postfix`
 * (danelab(1), MTA CONFORMANCE). Everything lives under RUN/mta/postfix/:
 *
 *   etc/     config_directory: main.cf, master.cf (chroot column `n`)
 *   queue/   queue_directory, outside the config directory
 *   data/    data_directory, owned by the mail_owner (postfix)
 *   log/     maillog (maillog_file through postlogd: there is no syslog)
 *
 * The instance has no inet listener (mail enters through `sendmail -C`
 * and pickup), mydestination and relayhost empty, DANE as Postfix's
 * documentation says (smtp_dns_support_level = dnssec,
 * smtp_tls_security_level = dane) and queue timers tuned for the lab.
 * Must run inside the lab world: Postfix then resolves through the lab's
 * validating Unbound (resolv.conf with trust-ad). The caller must stop it
 * (the table's stop) on every path once its start was called.
 */
#ifndef LAB_MTA_POSTFIX_H
#define LAB_MTA_POSTFIX_H

#include "lab_mta_adapter.h"

/* The adapter table of `danelab mta postfix`; its option:
 * --postfix-option NAME=VALUE (repeatable), an extra main.cf line. */
extern const struct lab_mta_adapter lab_mta_postfix;

#endif
