/*
 * lab_mta_exim: an isolated Exim instance for `danelab mta exim`
 * (danelab(1), MTA CONFORMANCE). Everything lives under RUN/mta/exim/:
 *
 *   etc/     exim.conf (used with -C), and passwd/group for nss_wrapper
 *   spool/   spool_directory (input, msglog, db), owned by the exim user
 *   log/     mainlog, rejectlog, paniclog (log_file_path), kept after stop
 *
 * Which Exim: --exim-binary PATH, else the one scripts/fetch-exim extracts
 * (LAB_EXIM_DEFAULT), else exim4 or exim on PATH. Debian's postfix and
 * exim4-daemon-* conflict, so fetch-exim does not install Exim: it
 * `apt-get download`s exim4-daemon-light, exim4-base, the libraries the
 * machine lacks (libidn12) and libnss-wrapper, `dpkg -x`es them into a
 * prefix and clears the setuid bit. How that binary runs:
 *
 * - Every Exim command runs through env(1) with LD_LIBRARY_PATH naming the
 *   prefix's library directories, and kept by keep_environment for Exim's
 *   re-execs of itself (exim_path names the binary: Debian's is compiled
 *   for /usr/sbin/exim4).
 * - Debian builds Exim with EXIM_USER ref:Debian-exim, looked up at every
 *   start, before the configuration is read; that user exists only where
 *   the package is installed. When the machine has no such user,
 *   nss_wrapper (LD_PRELOAD) shows Exim etc/passwd and etc/group: copies
 *   of the machine's with Debian-exim added under the mail user's IDs.
 *   Nothing on the machine changes.
 * - The adapter runs Exim as root (root may use -C). A message is received
 *   as the exim user, which re-execs Exim (exim_path) for the delivery; a
 *   setuid binary would then run in secure mode, where the loader ignores
 *   LD_LIBRARY_PATH and LD_PRELOAD: hence no setuid bit, and
 *   deliver_drop_privilege, so that the delivery runs as the exim user
 *   (all remote SMTP needs) and Exim does not log the lost privilege of
 *   -C as a panic. Exim's specification (4.96, spec.txt in exim4-base),
 *   56.3 "Running Exim without privilege".
 *
 * DANE as that specification says (43.18 "DANE"): dns_dnssec_ok = 1,
 * dnssec_request_domains = * on the dnslookup router and the smtp
 * transport, hosts_try_dane = * (opportunistic: no hosts_require_tls, so
 * hosts without usable TLSA get opportunistic TLS, RFC 7672 2.2). No
 * listener and no queue-runner daemon: each message is injected with
 * `exim -C CONF -odb -f <> -i -- RCPT`, so each gets its own delivery
 * process at once and the first attempt's result is in the mainlog within
 * a second (the whole catalogue in about 6 s).
 * Must run inside the lab world: Exim resolves through the system
 * resolver, there the lab's validating Unbound; glibc >= 2.31 strips the AD
 * bit unless resolv.conf says `options trust-ad` (Exim's specification,
 * dns_dnssec_ok), which the lab's does. The caller must stop it
 * (the table's stop) on every path once its start was called. The
 * mainlog is read by lab_mta_exim_log.
 */
#ifndef LAB_MTA_EXIM_H
#define LAB_MTA_EXIM_H

#include "lab_mta_adapter.h"

/* Where scripts/fetch-exim puts Exim. */
#define LAB_EXIM_DEFAULT "/var/cache/danelab/exim/current/usr/sbin/exim4"

/* The adapter table of `danelab mta exim`; its options: --exim-binary
 * PATH, --exim-option [DRIVER:]NAME=VALUE (repeatable). */
extern const struct lab_mta_adapter lab_mta_exim;

#endif
