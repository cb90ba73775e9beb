/*
 * lab_vclock: the lab's virtual clock for programs the lab does not link,
 * `danelab mta ADAPTER --retry` (danelab(1), MTA CONFORMANCE, Retries on
 * the virtual clock). The reference client takes its virtual time as an
 * argument (dane_client_opts.now); a real MTA reads the system clock, so:
 *
 * - its processes run with libfaketime preloaded (Debian package
 *   libfaketime), reading their offset from RUN/etc/faketime.rc on every
 *   call (FAKETIME_TIMESTAMP_FILE, FAKETIME_NO_CACHE=1): "+N" or "-N"
 *   seconds from the real clock, so the virtual clock ticks with the real
 *   one between moves and every process of the MTA sees the same time;
 *   stat() is not faked (NO_FAKE_STAT=1: the times an MTA writes on its
 *   queue files with utime() are virtual already), nor CLOCK_MONOTONIC
 *   (timeouts stay real); TZ=UTC;
 * - the lab's Unbound validates signatures at the same virtual time:
 *   val-override-date in RUN/etc/unbound-clock.conf, which unbound.conf
 *   includes, reloaded by SIGHUP (which also empties its cache, so that
 *   each attempt after a move resolves from scratch).
 *
 * Only Unbound has this setting: --resolver bind|knot|pdns are refused.
 * Must run inside the lab world (lab_world_enter() first).
 */
#ifndef LAB_VCLOCK_H
#define LAB_VCLOCK_H

#include "dl_error.h"

#include <time.h>

typedef struct lab_vclock lab_vclock;

/* The clock of the lab in run_dir; nothing is changed yet. NULL with err
 * set when libfaketime is not installed ($DANELAB_LIBFAKETIME names it
 * elsewhere) or the lab's resolver is not Unbound. */
lab_vclock *lab_vclock_new(const char *run_dir, struct dl_error *err);

/* Move the virtual clock to `when` (UNIX seconds): the offset file, then
 * Unbound's validation time, reloaded; returns 0 once Unbound has
 * restarted and answers again, -1 with err set. */
int lab_vclock_set(lab_vclock *c, time_t when, struct dl_error *err);

/* The virtual time now (the real clock plus the offset last set). */
time_t lab_vclock_now(const lab_vclock *c);

/* The environment that puts a program on the clock: NULL-terminated
 * "NAME=VALUE" strings, owned by c. */
const char *const *lab_vclock_env(const lab_vclock *c);

/* Unbound back to the real clock (reloaded) when the clock was set, then
 * c freed. 0, or -1 with err set. NULL is fine. */
int lab_vclock_free(lab_vclock *c, struct dl_error *err);

#endif
