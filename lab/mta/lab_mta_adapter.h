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

#include "dane_outcome.h"
#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

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
 * tell (the command adapter: fakesmtp's sessions still tell plaintext). */
enum lab_mta_auth {
    LAB_MTA_AUTH_UNKNOWN = 0,
    LAB_MTA_AUTH_PLAINTEXT,  /* no TLS */
    LAB_MTA_AUTH_UNVERIFIED, /* TLS, the server not authenticated */
    LAB_MTA_AUTH_VERIFIED,   /* TLS, the server authenticated (DANE or PKIX) */
};

/* "unknown", "plaintext", "unverified", "verified". */
const char *lab_mta_auth_name(enum lab_mta_auth a);

/* --retry: one delivery attempt of a message, from the MTA's log. */
struct lab_mta_attempt {
    time_t at;                  /* virtual time, as the MTA logged it */
    enum lab_mta_status status; /* sent, deferred or bounced */
    char dsn[16];
    char relay[300];
    char reason[512];
    enum lab_mta_auth auth;
    /* filled in by the runner: the reference client at that time, in
     * the world state then in force (the oracle of the retry verdict) */
    int state;         /* the timeline step in force (-1: the scenario's own) */
    bool ref_delivers; /* the reference client delivered */
    char ref_code[16]; /* its enhanced code */
    char ref_reason[40];
};

/* One injected message and what the MTA says of its first attempt (with
 * --retry: of its last, every attempt in att[]). */
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
    /* --retry (the runner owns att; lab_mta_attempt_add appends) */
    struct lab_mta_attempt *att;
    size_t n_att;
    time_t expired;      /* when the MTA gave up and returned it (0: not) */
    char bounce_qid[32]; /* the non-delivery report's queue ID */
};

/* --retry: what the runner gives the adapter before start (lab_vclock). */
struct lab_mta_clock {
    const char *const *env; /* NAME=VALUE strings that put a process on the clock */
    const time_t *now;      /* the virtual time, kept current by the runner */
    const char *sender;     /* the envelope sender; its mailbox is the MTA's own */
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
    /* --retry (each NULL when the adapter does not support it): */
    /* Configure the instance for a run on the virtual clock, before
     * start: the MTA's own retry timers (not the lab's short ones), the
     * clock's environment in every process, and a local mailbox for
     * c->sender where its non-delivery reports land. */
    int (*retry)(void *mta, const struct lab_mta_clock *c, struct dl_error *err);
    /* --schedule PROFILE, before retry: retry rules that express profile
     * p's schedule (dane_retry.h) in place of the MTA's own; an adapter
     * whose MTA cannot express it refuses, err saying why. */
    int (*schedule)(void *mta, enum dane_profile p, struct dl_error *err);
    /* When the MTA will next try m: 1 with the virtual time in *when; 0
     * while it is in flight (or not found in the queue yet). */
    int (*next_try)(void *mta, const struct lab_mta_msg *m, time_t *when);
    /* Ask the MTA to look at its queue now (no message is forced: one
     * not yet due stays). 0, or -1 with err set when the MTA could not be
     * asked (lab_mta_retry names it if no due message is taken then). */
    int (*kick)(void *mta, struct dl_error *err);
    /* Its queue lifetime, seconds, from its configuration. */
    long (*lifetime)(void *mta);
    /* The non-delivery report m's sender received (m->bounce_qid) from
     * the sender's mailbox, or NULL; the caller frees it. */
    char *(*bounce)(void *mta, const struct lab_mta_msg *m);
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

/* The lab sender's non-delivery report for msgid: the file of
 * MAIL/sender/new, where both adapters deliver the sender's mail under
 * --retry, that names msgid and is not a delay warning (a report whose
 * Action is delayed, RFC 3464 2.3.3), as text; NULL when none. The
 * caller frees it. */
char *lab_mta_sender_report(const char *mail, const char *msgid);

/* --retry: append a copy of a to m->att. */
void lab_mta_attempt_add(struct lab_mta_msg *m, const struct lab_mta_attempt *a);

/* A syslog-style stamp "Mon dd HH:MM:SS" (UTC) as UNIX seconds, the year
 * chosen so that it lies within half a year of `near`; -1 when
 * unreadable. */
time_t lab_mta_log_time(const char *stamp, time_t near);

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
