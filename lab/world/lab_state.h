/*
 * lab_state: a scenario's world state at a virtual time, installed in the
 * running lab and taken back (the part of a retry timeline that changes
 * the world; danelab(1), TIMELINES). Used by the reference client's
 * timelines (lab/check/lab_timeline) and by `danelab mta ADAPTER --retry`
 * (lab/mta/lab_mta_retry), so that both see the same worlds.
 *
 * A state begins at the last `timeline:` step due that changes faults or
 * hosts (-1: the scenario's own) and holds the faults (scen_faults_at) and
 * host settings (scen_hosts_at) in force then. Installing it rebuilds the
 * scenario's zones alone (lab_plan_build_scenario) into
 * RUN/timeline/NAME/state-K, signed at the virtual time the state began
 * (`now` for the scenario's own state, now + at for a step) with the zone's
 * `validity`, copies them over its zone files in RUN/zones/ (the lab's own
 * saved first in RUN/timeline/NAME/lab), has nsd-child reload them (SIGHUP)
 * and waits until it serves each new SOA serial; when the host settings
 * differ from those fakesmtp has, the scenario's listeners are rewritten
 * and fakesmtp reloads them, waiting until each is live (lab_listen_set).
 * Every change is confirmed before lab_state_install returns 0: a caller
 * never makes an attempt in a world it could not confirm.
 *
 * Must run inside the lab world (lab_world_enter() first); one process per
 * scenario at a time.
 */
#ifndef LAB_STATE_H
#define LAB_STATE_H

#include "dl_error.h"
#include "lab_smtp.h"
#include "scen.h"
#include "zone_tree.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define LAB_STATE_NONE -2 /* no state installed: the lab's own files */

/* What the states share: the lab, its catalogue, the virtual time of the
 * first attempt, and the certificates for computed TLSA records (built on
 * first use; the owner frees them with lab_smtp_free). */
struct lab_state_env {
    const char *run_dir;
    time_t now;
    const scen_catalog *cat;
    lab_smtp *smtp;
};

/* What one scenario's timeline has changed in the running lab. */
struct lab_state {
    int state;       /* the step the installed state began at; -1: the
                        scenario's own; LAB_STATE_NONE: the lab's own files */
    int hosts;       /* the step whose host settings fakesmtp has (-1: the lab's own) */
    zone_tree *tree; /* the installed state's zones */
    bool saved;      /* the lab's own zone files saved */
};

/* Nothing installed yet. */
void lab_state_init(struct lab_state *in);

/* The step whose state is in force `at` seconds after the first attempt:
 * the last step due then that changes faults or hosts, or -1 (the
 * scenario's own). */
int lab_state_at(const struct scen *s, int64_t at);

/* Build and install the state of catalogue scenario i that begins at step
 * `index` (see above), recording it in *in. 0, or -1 with err set. */
int lab_state_install(struct lab_state_env *env, size_t i, int index, struct lab_state *in,
                      struct dl_error *err);

/* Put the lab's own zone files back and fakesmtp's listeners of the
 * scenario as the lab writes them (when changed); frees in->tree and
 * leaves *in as lab_state_init does. 0, or -1 with err set (the first
 * error; the rest is still put back). */
int lab_state_restore(struct lab_state_env *env, size_t i, struct lab_state *in,
                      struct dl_error *err);

#endif
