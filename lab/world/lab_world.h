/*
 * lab_world: the running lab. `up` starts one holder process which, in
 * its own user (when not root), network, mount and PID namespaces (PID 1
 * there, so nothing it starts can outlive it), brings loopback up,
 * shows RUN/etc/resolv.conf as /etc/resolv.conf, starts both NSDs and
 * Unbound, waits until each answers, and supervises them: when any of
 * them dies, or the holder gets SIGTERM/SIGINT/SIGHUP, it stops them all
 * and exits. Without namespaces (`netns` false: a container without the
 * capabilities) the same world runs on the host's loopback; the servers
 * then die with the holder through PR_SET_PDEATHSIG.
 *
 * The holder's host PID and start time are kept in RUN/lab.pid, so
 * `status`, `exec` and `down` find it and never signal a recycled PID.
 * The holder logs to RUN/log/lab.log, each server to RUN/log/NAME.log.
 */
#ifndef LAB_WORLD_H
#define LAB_WORLD_H

#include "dl_error.h"
#include "lab_conf.h"
#include "zone_tree.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct lab_world_opts {
    const char *run_dir;    /* absolute; configs written by lab_conf_write() */
    bool netns;             /* own namespaces (default) or the host's loopback */
    int timeout_ms;         /* how long the servers may take to answer */
    const char *smtp_probe; /* an MX host address fakesmtp listens on, or NULL:
                               no MX host in the catalogue, no fakesmtp */
    bool tied;              /* the lab stops when this process exits, even when
                               it is killed (run, mta); else it stays until down */
    int ack_timeout_ms;     /* how long the holder waits, once its servers answer,
                               for lab_world_up_end() before it stops them all
                               (0: 30 s) */
};

/* Start the world for a built tree; returns 0 once every server answers.
 * SIGINT or SIGTERM while waiting stops everything that was started.
 * Fails when a lab already runs from this run directory. */
int lab_world_up(const struct lab_world_opts *o, const zone_tree *tree, struct dl_error *err);

/* lab_world_up() in two halves, for a caller with work to do while the
 * servers start (the servers read the run directory as it is at the
 * begin). lab_world_up_begin() takes the run directory's lock, starts
 * the holder with each server's readiness probe (lab_holder_args) and
 * returns; lab_world_up_end() waits until every server answers, records
 * the lab, releases the lock and frees st: 0, or -1 with everything
 * stopped; lab_world_up_cancel() stops it all and frees st. In between,
 * SIGINT and SIGTERM keep their usual effect: this process ends, and the
 * holder, whose acknowledgement then never comes, stops what it started. */
typedef struct lab_world_start lab_world_start;
int lab_world_up_begin(const struct lab_world_opts *o, const char *const probe[LAB_SERVER_COUNT],
                       lab_world_start **st, struct dl_error *err);
int lab_world_up_end(lab_world_start *st, struct dl_error *err);
void lab_world_up_cancel(lab_world_start *st);

struct lab_status {
    bool running;
    pid_t holder; /* host PID of the holder */
    bool netns;
    bool userns;
    time_t started;
    pid_t pids[LAB_SERVER_COUNT]; /* PIDs as seen inside the lab */
};

/* Read RUN/lab.pid and check the holder is alive. A stale file (holder
 * gone) reads as not running and is removed. */
int lab_world_status(const char *run_dir, struct lab_status *st, struct dl_error *err);

/* Stop the lab and wait (bounded) until the holder and everything in its
 * namespaces are gone. *was_running tells whether there was anything. */
int lab_world_down(const char *run_dir, bool *was_running, struct dl_error *err);

/* Join the running lab's namespaces (or, without them, only a mount
 * namespace showing the lab's resolv.conf, when permitted). Processes the
 * caller forks afterwards live in the lab world; the caller itself is in
 * its network. The caller must be single-threaded. */
int lab_world_enter(const char *run_dir, struct dl_error *err);

/* Send `sig` to server `id` of the running lab, from inside the lab world
 * (after lab_world_enter): its PID file (lab_conf_pidfile) gives its PID as
 * seen in the lab's PID namespace, so the signal is sent from a child
 * process, which lives there. (lab_world_status cannot be used there: in
 * the lab's mount namespace the holder's host PID is not in /proc.) */
int lab_world_signal(const char *run_dir, enum lab_server_id id, int sig, struct dl_error *err);

#endif
