/*
 * lab_fakedns: fakedns's rules for the catalogue. Each zone with
 * `misbehave:` rules (scen_misbehave.h) is delegated to fakedns at its
 * scenario's address (lab_addr_fakedns; lab_plan), which forwards every
 * query to nsd-child except those its rules script. This module writes
 * those rules, one a line as fdns_rule.h reads them, to
 * RUN/etc/fakedns.conf:
 *
 *     127.54.0.7 legacy.test. TYPE52 servfail    # scenario:line
 *
 * The file is written whatever the catalogue (comments only when no zone
 * misbehaves: fakedns is then not started), and only when its text
 * changes: a running fakedns reads it again when it is replaced.
 */
#ifndef LAB_FAKEDNS_H
#define LAB_FAKEDNS_H

#include "dl_error.h"
#include "scen.h"

int lab_fakedns_write(const char *run_dir, const scen_catalog *cat, struct dl_error *err);

#endif
