/*
 * lab_mta_adapter: what `danelab mta ADAPTER` (lab_mta) needs of an MTA
 * under test, one table of functions per adapter (postfix, exim, command).
 *
 * The runner calls, inside the lab world and in this order: create (write
 * the instance's configuration under RUN/mta/NAME), start, inject (one
 * message per scenario), poll (again and again, bounded by --timeout, until
 * nothing is pending), queue_reasons (for what is still pending), stop
 * (always, on every path once start was called) and destroy. An adapter
 * never touches the machine's own MTA configuration, queue or logs.
 */
#ifndef LAB_MTA_ADAPTER_H
#define LAB_MTA_ADAPTER_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>

/* LAB_MTA_NO_STATUS: the adapter has no status witness (the command
 * adapter without --status); fakesmtp's records and the timeout decide. */
enum lab_mta_status {
    LAB_MTA_PENDING,
    LAB_MTA_SENT,
    LAB_MTA_DEFERRED,
    LAB_MTA_BOUNCED,
    LAB_MTA_NO_STATUS
};

/* "pending", "sent", "deferred", "bounced", "no-status". */
const char *lab_mta_status_name(enum lab_mta_status s);

/* How the MTA says it authenticated the server of a delivery, in its own
 * log (Postfix: "Verified/Trusted/Untrusted/Anonymous TLS connection
 * established"; Exim: CV=dane/yes/no). UNKNOWN when the adapter cannot
 * tell (the command adapter). */
enum lab_mta_auth {
    LAB_MTA_AUTH_UNKNOWN = 0,
    LAB_MTA_AUTH_PLAINTEXT,  /* no TLS */
    LAB_MTA_AUTH_UNVERIFIED, /* TLS, the server not authenticated */
    LAB_MTA_AUTH_VERIFIED,   /* TLS, the server authenticated (DANE or PKIX) */
};

/* "unknown", "plaintext", "unverified", "verified". */
const char *lab_mta_auth_name(enum lab_mta_auth a);

/* One injected message and what the MTA says of its first attempt. */
struct lab_mta_msg {
    char msgid[256]; /* without the angle brackets */
    char rcpt[300];
    char qid[32]; /* the MTA's queue ID, once known */
    enum lab_mta_status status;
    char dsn[16];
    char relay[300];
    char reason[768];
    enum lab_mta_auth auth; /* of the delivery, when sent */
    char auth_text[64];     /* the MTA's own words for it */
};

/* An adapter's own command-line option: `--FLAG VALUE` (flag without the
 * dashes), collected in order by the runner and handed to create. */
struct lab_mta_option {
    const char *flag;
    const char *value;
};

struct lab_mta_adapter {
    const char *name;         /* "postfix": `danelab mta NAME`, RUN/mta/NAME */
    const char *const *flags; /* its own options taking a value, NULL-terminated */
    const char *usage;        /* one line on them for error messages */
    /* Write the instance's configuration (removing a previous one). With
     * `ipv6` (the lab runs in its own network namespace, where its IPv6
     * range fd53::/48 exists) the MTA is configured for both families
     * (Postfix inet_protocols = all, Exim disable_ipv6 = false), else for
     * IPv4 alone (the host's loopback, --no-netns). */
    void *(*create)(const char *run_dir, bool ipv6, const struct lab_mta_option *opts,
                    size_t n_opts, struct dl_error *err);
    /* Where its configuration is (for reports). */
    const char *(*where)(void *mta);
    /* The MTA's name and version once started ("Postfix 3.7.11"), for
     * reports; NULL when unknown (the member itself may be NULL). */
    const char *(*version)(void *mta);
    int (*start)(void *mta, struct dl_error *err);
    /* Hand one message (m->msgid, m->rcpt) to the MTA. */
    int (*inject)(void *mta, const struct lab_mta_msg *m, const char *subject,
                  struct dl_error *err);
    /* Update status, dsn, relay, reason (and qid) of the messages from the
     * MTA's log or queue; returns how many are still pending. */
    size_t (*poll)(void *mta, struct lab_mta_msg *msgs, size_t n);
    /* For messages still pending: why, from the queue (may be NULL). */
    void (*queue_reasons)(void *mta, struct lab_mta_msg *msgs, size_t n);
    /* Stop the instance; nothing it started survives. Idempotent. */
    void (*stop)(void *mta);
    void (*destroy)(void *mta);
};

/* Helpers shared by the adapters. */

struct dl_buf;

/* Run argv (execvp) with `in` (or /dev/null) on its standard input, its
 * standard output and error appended to *out when out is not NULL. Killed
 * (SIGKILL, with its process group) after timeout_ms; 0: no limit.
 * Returns the exit status, or -1 (could not run, killed, timed out). */
int lab_mta_run(char *const argv[], const char *in, struct dl_buf *out, int timeout_ms);

/* /usr/sbin/NAME when it is there, else NAME (through PATH). */
const char *lab_mta_sbin(const char *name, char *buf, size_t len);

/* Remove a directory tree (no error when it is absent). */
void lab_mta_rm_tree(const char *path);

/* Every directory above `base` must let the MTA's user `uid` through
 * (o+x, or its own): 0, or -1 with err naming the first that does not,
 * `who` ("Postfix's daemons, running as postfix") saying for whom. */
int lab_mta_check_reachable(const char *base, unsigned uid, const char *who, struct dl_error *err);

/* SIGKILL to `parent` and its direct children (found in /proc). */
void lab_mta_kill_tree(int parent);

/* Call fn for every process this PID namespace's /proc shows, with its
 * parent's PID and its state letter (R, S, Z...), until fn returns false.
 * A process that ends meanwhile is skipped. */
typedef bool lab_mta_proc_fn(void *ctx, int pid, int ppid, char state);
void lab_mta_proc_each(lab_mta_proc_fn *fn, void *ctx);

/* Run fn(arg) in a forked child that ignores SIGINT and SIGTERM, and wait
 * for it: an adapter's stop, made in the lab's PID namespace (where the
 * MTA's PID files and /proc speak of the same PIDs) and never cut short
 * by the interruption it answers. */
void lab_mta_in_child(void (*fn)(const void *arg), const void *arg);

/* The message injected for a scenario: From, To (m->rcpt), Subject,
 * optionally Date (now), Message-ID (<m->msgid>) and a one-line body.
 * The caller frees it. */
char *lab_mta_message_text(const struct lab_mta_msg *m, const char *subject, bool date);

/* The message of msgs whose queue ID is the qlen bytes at qid, or NULL. */
struct lab_mta_msg *lab_mta_by_qid(struct lab_mta_msg *msgs, size_t n, const char *qid,
                                   size_t qlen);

/* How many of msgs are still LAB_MTA_PENDING. */
size_t lab_mta_pending(const struct lab_mta_msg *msgs, size_t n);

/* Follow an MTA's log file: each complete line it gained since *offset
 * (without its newline; a line still being written waits for the next
 * call) to fn, *offset advanced past it. A file that cannot be read yet
 * gives nothing. Returns lab_mta_pending(msgs, n) afterwards. */
typedef void lab_mta_line_fn(void *ctx, const char *line, struct lab_mta_msg *msgs, size_t n);
size_t lab_mta_log_poll(const char *path, long *offset, lab_mta_line_fn *fn, void *ctx,
                        struct lab_mta_msg *msgs, size_t n);

/* "sent", "deferred", "bounced" (as written by the adapters' status
 * commands) to a status; LAB_MTA_PENDING for anything else. */
enum lab_mta_status lab_mta_status_parse(const char *word);

#endif
