/*
 * lab_refresh: a lab that already runs, brought up to date after a build.
 *
 * `danelab run`, `mta` and `up` build what changed before they use the
 * lab; when a lab already runs from the run directory it would otherwise
 * keep serving what it loaded when it started (a scenario edited since,
 * a certificate reissued). When a lab starts (and after each refresh) a
 * digest of what it loaded is kept in RUN/var/loaded.digest; lab_refresh()
 * compares it with the run directory after the build:
 *
 *   nothing changed          nothing is done;
 *   zone files, certificates or fakesmtp.json changed
 *                            reload in place: SIGHUP to both NSDs (they
 *                            load the zone files whose mtime changed),
 *                            Unbound (reloads, and forgets its cache) and
 *                            fakesmtp (rebinds its listeners); then wait,
 *                            bounded, until each NSD serves every zone's
 *                            new SOA serial, Unbound has started again and
 *                            fakesmtp has logged the reload;
 *   a server's configuration changed (zones added or removed)
 *                            the lab is stopped and started again (NSD
 *                            reads its zone list only at start), with a
 *                            message saying so.
 */
#ifndef LAB_REFRESH_H
#define LAB_REFRESH_H

#include "dl_error.h"

#include <stdbool.h>

struct zone_tree;

/* Record what the lab just loaded (lab_up_start, once it is up). */
void lab_refresh_record(const char *run_dir);

/* Whether the run directory is exactly what a lab started from it loaded
 * last (its record exists and the files have not changed since): then
 * it can start again from them as they are. */
bool lab_refresh_loaded(const char *run_dir);

/* After the build: when a lab runs from run_dir and the run directory
 * differs from what it loaded, reload it as above. Returns 0 (also when no
 * lab runs), 1 when its configuration changed and it was stopped (the
 * caller starts it again: lab_up_refresh), -1 after printing the error. */
int lab_refresh(const char *run_dir, const struct zone_tree *tree, bool quiet);

#endif
