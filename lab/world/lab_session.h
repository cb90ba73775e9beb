/*
 * lab_session: the skeleton `danelab run` and `danelab mta` share. Their
 * common options (--scenario, --tag, --shard, --json, --junit, --html,
 * --keep-up), the catalogue loaded and built with the selection made
 * (lab_up, scen_select), then the lab brought up (or the running one
 * brought up to date), the command's work run in a child process (it
 * joins the lab's namespaces; the parent stays outside to stop the lab),
 * and the lab stopped again when the session started it, also on SIGINT
 * or SIGTERM (lab_interrupt) at any moment.
 *
 * Use: lab_session_init, lab_session_parse, lab_session_prepare,
 * lab_session_open_outputs, lab_session_run, lab_session_free. Each
 * function prints its errors (dl_err, prefixed with the command's name).
 */
#ifndef LAB_SESSION_H
#define LAB_SESSION_H

#include "lab_up.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct scen;

struct lab_session {
    const char *cmd; /* "run", "mta": the prefix of messages */
    /* the common options */
    bool json;           /* --json */
    bool keep_up;        /* --keep-up: leave a lab the session started running */
    bool quiet;          /* no summary lines on stdout (set by the command) */
    char **only, **tags; /* --scenario NAME, --tag T (repeatable) */
    size_t n_only, n_tags;
    unsigned shard_k, shard_n; /* --shard K/N; 0: no sharding */
    const char *junit, *html;  /* --junit FILE, --html FILE */
    /* what lab_session_prepare and lab_session_open_outputs made */
    struct scen_catalog *cat;
    struct zone_tree *tree;
    bool *sel;    /* catalogue index -> selected */
    size_t n_sel; /* how many */
    /* Scenarios chosen yet not run, and why: on the host's loopback
     * (--no-netns) those needing IPv6 (lab_addr_needs_ipv6). A skip is
     * reported as one (never as a pass). */
    bool *skipped; /* catalogue index -> skipped */
    size_t n_skipped;
    const char *skip_why;
    FILE *junit_f, *html_f;
    /* the lab started before the build (lab_up_early_begin), until
     * lab_session_run finishes starting it; NULL: none */
    struct lab_world_start *early;
};

/* Ready for at most argc options of the command `cmd`. */
void lab_session_init(struct lab_session *s, const char *cmd, int argc);

/* Frees what the session holds (closing the output files still open). */
void lab_session_free(struct lab_session *s);

/* Without `netns` (the host's loopback, --no-netns, where the lab has
 * only 127.0.0.0/8): the selected scenarios (s->sel over s->cat) that
 * need IPv6 (lab_addr_needs_ipv6) are unselected and marked in
 * s->skipped, counted in n_skipped, with the reason in skip_why, and
 * said so on standard error. With `netns`, nothing is skipped. Called
 * by lab_session_prepare. */
void lab_session_skip_ipv6(struct lab_session *s, bool netns);

/* A command's own option: 1 taken (*i advanced past its value), 0
 * unknown, -1 a bad value (printed). */
typedef int lab_session_opt_fn(void *ctx, int argc, char **argv, int *i);

/* Every argument in turn: -h or --help (returns 1 at once: the caller
 * prints its usage), a common option, else own(ctx, ...). An argument
 * neither takes is a usage error ("CMD: unknown argument 'X' (see
 * HELP)"). 0, 1, or 2 on a usage error (printed). */
int lab_session_parse(struct lab_session *s, int argc, char **argv, lab_session_opt_fn *own,
                      void *ctx, const char *help);

/* Which scenarios a command can check at all (NULL: every one). */
typedef bool lab_session_filter(const struct scen *sc);

/* Load the catalogue, build it (lab_up_prepare), check that every
 * --scenario names one, and select: the named ones (all by default) that
 * `keep` accepts and carry one of the --tag tags, then with --shard K/N
 * the K-th slice (scen_select_shard). 0, or -1. */
int lab_session_prepare(struct lab_session *s, const struct lab_globals *g,
                        lab_session_filter *keep);

/* Open --junit and --html FILE for writing, before the lab starts: a
 * path that cannot be written fails early. 0, or -1. */
int lab_session_open_outputs(struct lab_session *s);

/* The command's work, run in a child process by lab_session_run. */
struct lab_session_child {
    int (*main)(void *ctx); /* its exit status (0, 1, 2) */
    void *ctx;
    const char *what; /* "the checker": for messages */
    /* On SIGINT/SIGTERM: 0, the child is killed at once (SIGKILL); N, it
     * is sent SIGTERM to stop what it started, and SIGKILL after N
     * seconds if it has not ended. */
    int grace_s;
    /* After the child ended (status 0 or 1, not interrupted) in a lab
     * that stays up: record the run directory as what the lab serves
     * (lab_refresh_record), because the child changed and restored it. */
    bool record;
};

/* Make sure the lab runs (lab_up_start tied to this process unless
 * --keep-up, or lab_up_refresh), run the child, stop the lab again when
 * the session started it (and always after an interruption). From the
 * start on SIGINT/SIGTERM only set the flag of lab_interrupt. Returns the
 * child's exit status, or 2 (error, interrupted, the child killed). */
int lab_session_run(struct lab_session *s, const struct lab_globals *g,
                    const struct lab_session_child *c);

#endif
