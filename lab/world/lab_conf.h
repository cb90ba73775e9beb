/*
 * lab_conf: the lab's address plan and the configuration files of the
 * servers it runs, generated into the run directory:
 *
 *   RUN/etc/nsd-parent.conf  NSD for the root and the TLD (127.53.0.1,
 *                            fd53::53:1 in the lab's namespace)
 *   RUN/etc/nsd-child.conf   NSD for scenario and provider zones (127.53.0.2,
 *                            fd53::53:2)
 *   RUN/etc/unbound.conf     validating Unbound (127.53.0.53, fd53::53:53), lab root
 *                            hints and the lab trust anchor RUN/root.key;
 *                            or the resolver chosen in its place and its
 *                            configuration (lab_resconf.h)
 *   RUN/etc/unbound-clock.conf  included by unbound.conf: empty, or the
 *                            virtual validation time of `mta --retry`
 *                            (val-override-date, lab_vclock)
 *   RUN/etc/root.hints       the lab root server
 *   RUN/etc/resolv.conf      what `danelab exec` shows as /etc/resolv.conf
 *   RUN/etc/libunbound.conf  for libunbound-based tools (unbound-host -C):
 *                            the lab root hints, and test. not answered
 *                            locally (Unbound's RFC 6761 default), and
 *                            LAB_UB_PORTS
 *   RUN/etc/libunbound-client.conf  LAB_UB_PORTS alone: what the runner adds
 *                            to its reference client's libunbound contexts
 *                            (dane_dns_opts.config, LAB_CLIENT_UB_CONF)
 *   RUN/etc/unbound-iterator.conf  a non-validating Unbound (127.53.0.54),
 *                            not started by the lab, for validators that
 *                            validate themselves (delv)
 *   RUN/etc/delv.anchors     RUN/root.key as a BIND trust-anchors clause
 *                            (delv -a FILE)
 *   RUN/etc/fakedns.conf     fakedns's rules (lab_fakedns.h), when some zone
 *                            has `misbehave:` rules
 *   RUN/etc/probes           each server's readiness probe
 *                            (lab_conf_write_probes)
 *
 * Parents and children are served by separate NSD instances so that
 * resolvers follow real referrals (one NSD answers every name from the
 * deepest zone it holds).
 */
#ifndef LAB_CONF_H
#define LAB_CONF_H

#include "dl_error.h"
#include "lab_resconf.h"
#include "zone_tree.h"

#include <stdbool.h>
#include <time.h>

#define LAB_ADDR_PARENT   LAB_ROOT_NS_ADDR
#define LAB_ADDR_CHILD    "127.53.0.2"
#define LAB_ADDR_RESOLVER "127.53.0.53"
#define LAB_ADDR_ITERATOR "127.53.0.54" /* unbound-iterator.conf (not started by the lab) */
/* fakedns's own address (its start-up probe; everything forwarded): its
 * misbehaving ones are lab_addr_fakedns's */
#define LAB_ADDR_FAKEDNS "127.53.0.3"
#define LAB_DNS_PORT     53
/* IPv6, in the lab's own namespace only (lab_addr.h, lab_ip6.h). */
#define LAB_ADDR6_PARENT   "fd53::53:1"
#define LAB_ADDR6_CHILD    "fd53::53:2"
#define LAB_ADDR6_RESOLVER "fd53::53:53"
#define LAB_ROOT_NS        LAB_ROOT_NS_NAME
#define LAB_TLD_NS         "ns.nic.test."

/* The lab's libunbound contexts send queries from 1,024 UDP ports, not
 * from all of 1024-65535 (Unbound's default, RFC 5452: random ports
 * against spoofed answers). libunbound sets up a fresh worker, with its
 * own copy of the port list, for every synchronous ub_resolve(); with the
 * whole range that copy cost about 9 ms a lookup on a loaded 2-core
 * machine and was the largest part of a scenario's checks (bench/scale).
 * Nobody can spoof answers inside the lab's own network namespace, so the
 * narrower range loses nothing there; the reference client outside the
 * lab keeps libunbound's default. */
#define LAB_UB_PORTS                                                                               \
    "    outgoing-port-avoid: 0-65535\n"                                                           \
    "    outgoing-port-permit: 32768-33791\n"
#define LAB_RESOLVER_CLOCK_CONF "etc/unbound-clock.conf"     /* relative to the run directory */
#define LAB_CLIENT_UB_CONF      "etc/libunbound-client.conf" /* relative to the run directory */

/* How long the reference client waits for each step of an SMTP session
 * with the lab's fakesmtp (connect, each reply, the handshake). No
 * scenario expects a timeout, so this bound only has to outlast a loaded
 * machine (fakesmtp busy reloading for another worker, sanitizer builds):
 * a step that takes longer is reported as the client saw it. */
#define LAB_ATTEMPT_TIMEOUT_MS 30000

/* The servers of the lab world, in start order. fakedns (last, so that the
 * PID lists of labs started before it existed still read) runs only when
 * some zone has `misbehave:` rules. */
enum lab_server_id {
    LAB_NSD_PARENT,
    LAB_NSD_CHILD,
    LAB_RESOLVER, /* Unbound, or the resolver chosen in its place */
    LAB_FAKESMTP,
    LAB_FAKEDNS,
    LAB_SERVER_COUNT
};

struct lab_server_info {
    const char *name; /* "nsd-parent", "nsd-child", "unbound" (or the resolver
                       * in its place: "named", ...), "fakesmtp", "fakedns" */
    const char *addr;
    const char *role;  /* one line for `danelab status` */
    const char *addr6; /* its IPv6 address in the lab's own namespace */
};
/* Server `id` of the lab in run_dir: LAB_RESOLVER is the resolver
 * recorded there (lab_resconf_current). */
const struct lab_server_info *lab_conf_server(const char *run_dir, enum lab_server_id id);

/* Where server `id` writes its PID (as seen in the lab's PID namespace):
 * RUN/var/nsd-parent/nsd.pid, ..., RUN/var/fakesmtp.pid. Caller frees. */
char *lab_conf_pidfile(const char *run_dir, enum lab_server_id id);

/* Write every file above for the zones of a built tree. Zones whose name
 * server address is LAB_ADDR_PARENT go to nsd-parent, those at
 * LAB_ADDR_CHILD to nsd-child; lame zones (zone_def.lame) to none. With
 * `ipv6` (the lab's own namespace), NSD and Unbound listen on their
 * LAB_ADDR6_* address too; without (the host's loopback), IPv4 only. */
struct dl_buf;

/* The text of RUN/etc/unbound-clock.conf into b: a server clause with
 * val-override-date `when` (UNIX seconds), or none when `when` is 0. */
void lab_conf_resolver_clock(struct dl_buf *b, time_t when);

int lab_conf_write(const char *run_dir, const zone_tree *tree, bool ipv6,
                   enum lab_resolver resolver, struct dl_error *err);

/* argv (NULL-terminated, static strings and strings the caller frees with
 * lab_conf_argv_free) to start server `id` in the foreground. */
char **lab_conf_argv(const char *run_dir, enum lab_server_id id);
void lab_conf_argv_free(char **argv);

/* A zone the server must answer for with NOERROR once it is ready: "."
 * for nsd-parent and Unbound, the first child zone of the tree for
 * nsd-child (NULL when it serves none), the first zone behind fakedns for
 * fakedns (NULL when none: it is not started). Points into the tree. */
const char *lab_conf_probe_name(const zone_tree *tree, enum lab_server_id id);

/* RUN/etc/probes: the readiness probe of each server of the lab the run
 * directory describes, one line each in lab_server_id order, "-" for a
 * server not started: lab_conf_probe_name()'s, and for fakesmtp
 * `smtp_probe` (an address its listeners have, or NULL). Read back,
 * without the tree, by a start that overlaps the next build
 * (lab_up_early_begin). */
int lab_conf_write_probes(const char *run_dir, const zone_tree *tree, const char *smtp_probe,
                          struct dl_error *err);
/* The probes written last: each probe[i] a string the caller frees, or
 * NULL for none. 0, or -1 (err set) when the file is missing or not one
 * lab_conf_write_probes() writes. */
int lab_conf_read_probes(const char *run_dir, char *probe[LAB_SERVER_COUNT], struct dl_error *err);

#endif
