/*
 * lab_listen: change some of fakesmtp's listeners in the running lab (a
 * retry timeline turning STARTTLS on, switching a host's certificate).
 *
 * Every listener lives in the one file RUN/etc/fakesmtp.json, and several
 * processes (`danelab run --jobs N`) may change different scenarios'
 * listeners at once: the read-modify-write of that file is done under an
 * exclusive flock(2) on RUN/etc/fakesmtp.json.lock and touches only the
 * listeners given (matched by address and port). fakesmtp (whose PID is in
 * RUN/var/fakesmtp.pid, as seen in the lab's PID namespace) is then sent
 * SIGHUP from a child process, and the call waits until each changed
 * listener greets a new connection with the banner its new configuration
 * says: that proves fakesmtp swapped that listener's whole configuration
 * (it does so atomically per listener, for new sessions).
 *
 * Must run inside the lab world (lab_world_enter() first). Every wait is
 * bounded: LAB_LISTEN_LOCK_MS for the lock, LAB_LISTEN_WAIT_MS for
 * fakesmtp.
 */
#ifndef LAB_LISTEN_H
#define LAB_LISTEN_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>

#define LAB_LISTEN_LOCK_MS 60000
#define LAB_LISTEN_WAIT_MS 30000

/* Replace the n listeners `listeners` (JSON object texts as
 * lab_smtp_listener gives them) in the running lab. With `tag`, each gets
 * the banner "NAME ESMTP fakesmtp (TAG)", so that the new configuration
 * can be told from any earlier one; without, its banner is the object's
 * own (fakesmtp's default "NAME ESMTP fakesmtp" when it has none).
 * Returns 0 once every listener is live, -1 with err (the file is then
 * left as written). A listener whose address and port are not in the file
 * is an error, and nothing is written. */
int lab_listen_set(const char *run_dir, char *const *listeners, size_t n, const char *tag,
                   struct dl_error *err);

/* Whether each of the n listeners greets a new connection, now, with the
 * banner lab_listen_set would give it with `tag` (a quick check that no
 * earlier change was left behind, say by a killed process). */
bool lab_listen_live(char *const *listeners, size_t n, const char *tag);

#endif
