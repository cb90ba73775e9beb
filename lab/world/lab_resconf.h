/*
 * lab_resconf: which validating resolver sits at the lab's resolver
 * address (Unbound, BIND 9, Knot Resolver or PowerDNS Recursor), and the
 * configuration of the three that are not Unbound (Unbound's own is
 * lab_conf's, which shares it with the iterator), and how to start each
 * and ask its version, generated into the run
 * directory from the lab's trust anchor RUN/root.key and root hints
 * RUN/etc/root.hints:
 *
 *   RUN/etc/resolver                      the chosen one's name, one line
 *   RUN/etc/named.conf                    BIND 9 (named), log RUN/log/named.log
 *   RUN/etc/kresd.conf                    Knot Resolver (kresd), cache in
 *                                         RUN/var/kresd, log RUN/log/kresd.stderr
 *   RUN/etc/pdns_recursor/recursor.conf   PowerDNS Recursor, with
 *   RUN/etc/pdns_recursor/recursor.lua    its trust anchor; log
 *                                         RUN/log/pdns_recursor.stderr
 *
 * Each file says, option by option, which documentation it follows.
 */
#ifndef LAB_RESCONF_H
#define LAB_RESCONF_H

#include "dl_error.h"

#include <stddef.h>

/* The lab root server (lab_conf's LAB_ROOT_NS and LAB_ADDR_PARENT, which
 * are defined from these). */
#define LAB_ROOT_NS_NAME "a.root-servers.test."
#define LAB_ROOT_NS_ADDR "127.53.0.1"

enum lab_resolver {
    LAB_RESOLVER_UNBOUND,
    LAB_RESOLVER_BIND,
    LAB_RESOLVER_KNOT,
    LAB_RESOLVER_PDNS,
    LAB_RESOLVER_COUNT
};

/* "unbound", "bind", "knot", "pdns": the names --resolver takes. */
const char *lab_resconf_name(enum lab_resolver r);
/* The resolver of a name above, or -1. */
int lab_resconf_lookup(const char *name);
/* The daemon's program name, which is also its server name in `danelab
 * status` and its log's: "unbound", "named", "kresd", "pdns_recursor". */
const char *lab_resconf_daemon(enum lab_resolver r);

/* The resolver recorded in RUN/etc/resolver; Unbound when there is none
 * (a run directory from before the choice existed) or it is unreadable. */
enum lab_resolver lab_resconf_current(const char *run_dir);

/* Write RUN/etc/resolver and the configuration of resolver r (nothing
 * more for Unbound) to answer on addr:port. Needs RUN/root.key. */
int lab_resconf_write(const char *run_dir, enum lab_resolver r, const char *addr, unsigned port,
                      struct dl_error *err);

/* argv (NULL-terminated, every string allocated; free each and the
 * array) to run resolver r in the foreground. */
char **lab_resconf_argv(const char *run_dir, enum lab_resolver r);

/* The version resolver r's program says it is ("BIND 9.18.28-1~deb12u2-Debian
 * (Extended Support Version) <id:>", "Knot Resolver, version 5.6.0"...)
 * into buf; "unknown (PROGRAM: why)" when it cannot be run or says none. */
void lab_resconf_version(enum lab_resolver r, char *buf, size_t len);

/* A daemon's program: $ENV when set, else the first of PATH, /usr/sbin
 * and /usr/local/sbin that has it, else the bare name. Caller frees. */
char *lab_resconf_program(const char *name, const char *env);

#endif
