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
 * (lab_postfix_stop) on every path once lab_postfix_start was called.
 */
#ifndef LAB_MTA_POSTFIX_H
#define LAB_MTA_POSTFIX_H

#include "dl_error.h"
#include "lab_mta_adapter.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lab_postfix lab_postfix;

/* Write the instance's configuration under RUN/mta/postfix (removing a
 * previous one, stopping it first when it still runs). `options` are extra
 * main.cf lines NAME=VALUE appended last (--postfix-option, for testing). */
lab_postfix *lab_postfix_new(const char *run_dir, char *const *options, size_t n_options,
                             struct dl_error *err);
void lab_postfix_free(lab_postfix *p);

/* The configuration directory (for messages). */
const char *lab_postfix_dir(const lab_postfix *p);

/* `postfix -c DIR start`. */
int lab_postfix_start(lab_postfix *p, struct dl_error *err);

/* `sendmail -C DIR -f <> -i RCPT` with a small message carrying m->msgid. */
int lab_postfix_inject(lab_postfix *p, const struct lab_mta_msg *m, const char *subject,
                       struct dl_error *err);

/* Read what the maillog gained since the last call and update the
 * messages (queue ID by Message-ID, then the first final or deferred
 * status of each). Returns how many are still pending. */
size_t lab_postfix_poll(lab_postfix *p, struct lab_mta_msg *msgs, size_t n);

/* For messages still pending: their queue and delay reason from
 * `postqueue -c DIR -j`, into reason. */
void lab_postfix_queue_reasons(lab_postfix *p, struct lab_mta_msg *msgs, size_t n);

/* `postfix -c DIR stop`, then wait (bounded) for the master to exit and
 * kill what is left of it (the master and its children, by PID). */
void lab_postfix_stop(lab_postfix *p);

/* The adapter table of `danelab mta postfix`; its option:
 * --postfix-option NAME=VALUE (repeatable), an extra main.cf line. */
extern const struct lab_mta_adapter lab_mta_postfix;

#endif
