/*
 * lab_timeline: a scenario's retry timeline (`timeline:` steps and
 * `expect: PROFILE: retry:`) run inside the lab world.
 *
 * Each profile's retry schedule (dane_retry.h: exchange-online 0, 15 min,
 * 30 min, then hourly, the last attempt at 24 h; rfc7672 0, 30 min, then
 * hourly, the last attempt at 5 d) runs on a virtual clock starting at the
 * lab's `now`; the profiles' attempts are merged in time order, so each
 * world state is installed once for all of them. Each distinct world state is a separate build. A
 * state begins at the last step due that changes faults or hosts (-1: the scenario's own) and holds
 * the faults (scen_faults_at) and host settings (scen_hosts_at) in force then. Before an attempt,
 * when the state in force differs from the one installed, the scenario's zones (with the TLSA
 * records of the hosts in force) are rebuilt alone (lab_plan_build_scenario) signed at the virtual
 * time the state began (`now` for the scenario's own state, now + at for a step) with the zone's
 * `validity`, copied over its zone files in RUN/zones/, and nsd-child reloads them on SIGHUP
 * (NSD 4.6 reads zone files whose mtime changed); the runner waits until nsd-child serves each new
 * SOA serial. When the host settings differ from those fakesmtp has, the scenario's listeners are
 * rewritten (lab_smtp_listener) and fakesmtp reloads them (lab_listen_set: under a lock, only this
 * scenario's listeners, waiting until they are live). The first attempt
 * rebuilds too, so that `validity` applies from the start. The client
 * then runs with a fresh libunbound context that iterates itself from
 * RUN/etc/root.hints (no shared cache, so no answer of another state or
 * time is re-used), validating and checking certificates as of the
 * attempt's virtual time, with `final` on the last attempt. Attempts stop
 * at the first that is not deferred. Afterwards the lab's own zone files
 * are put back and reloaded, and the scenario's listeners, if changed,
 * are configured again as the lab writes them.
 *
 * Attempts that cannot differ are not run again. Within one world state
 * the answers NSD gives do not change; what changes with the attempt's
 * time is only whether signatures and certificates are inside their
 * validity. An attempt (other than the final one) whose interval since the
 * attempt before contains no such boundary -- an RRSIG inception or
 * expiration in any zone file the lab serves, widened by the most clock
 * skew a validator allows (Unbound: val-sig-skew-max, one day), or a
 * certificate's notBefore/notAfter of the scenario -- reports the
 * attempt before's outcome, marked `reused`. The first attempt in a state
 * (new faults or new host settings) is always run. lab_timeline_set_exact
 * turns this off (`danelab run --exact-timelines`), and a test checks that
 * both give the same attempts.
 *
 * Must run inside the lab world (lab_world_enter() first); one scenario
 * at a time per process (it changes the scenario's zones in the running
 * lab); processes running different scenarios may run side by side.
 */
#ifndef LAB_TIMELINE_H
#define LAB_TIMELINE_H

#include "dane_outcome.h"
#include "dl_error.h"
#include "scen.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dane_retry.h"

#define LAB_TIMELINE_MAX DANE_RETRY_MAX /* attempts of the longest schedule */

struct lab_attempt {
    int64_t at; /* seconds after the first attempt */
    bool final; /* the last attempt of the profile's schedule (its expiry) */
    struct dane_outcome observed;
    char detail[256];
    bool reused; /* not run again: the outcome of the attempt before (see
                    lab_timeline_set_exact) */
};

struct lab_timeline_result {
    struct lab_attempt attempts[LAB_TIMELINE_MAX];
    size_t n;
    bool pass;
    char mismatch[256];
};

typedef struct lab_timeline lab_timeline;

lab_timeline *lab_timeline_new(const char *run_dir, time_t now, const scen_catalog *cat,
                               struct dl_error *err);
void lab_timeline_free(lab_timeline *tl);

/* exact: run the client at every attempt (--exact-timelines); otherwise
 * an attempt whose outcome provably equals the one before is not run
 * again but reported as the same. */
void lab_timeline_set_exact(lab_timeline *tl, bool exact);

/* The timelines of catalogue scenario i under every profile with want[p],
 * in one pass over the schedule (each world state installed once for all
 * of them), each judged against s->expect[p].retry into r[p]. Returns 0
 * (r[p] says pass or not), or -1 with err set when a state could not be
 * built or installed or an attempt could not be made. */
int lab_timeline_run_all(lab_timeline *tl, size_t i, const bool want[SCEN_PROFILE_COUNT],
                         struct lab_timeline_result r[SCEN_PROFILE_COUNT], struct dl_error *err);

#endif
