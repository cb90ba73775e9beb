/*
 * testutil_scen: helpers the lab/scenario unit tests share (check_scen,
 * check_scen_*): scenario files written at run time, and loading one that
 * must load.
 */
#ifndef TESTUTIL_SCEN_H
#define TESTUTIL_SCEN_H

#include "scen.h"

/* The number of elements of array `a`. */
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Write `text` to DIR/NAME.yaml in a new temporary directory: `dir` is a
 * mkdtemp template (changed in place); returns the path, which
 * tu_remove_temp removes with the directory and frees. */
char *tu_write_temp(const char *name, const char *text, char *dir);
void tu_remove_temp(char *path, const char *dir);

/* The scenario at `path`, asserted to load; the caller scen_frees it. */
struct scen *tu_load_ok(const char *path);

/* Load `text` as DIR/NAME.yaml and assert it fails with "DIR/NAME.yaml:"
 * followed by `msg`. */
void tu_load_fails(const char *name, const char *text, const char *msg);

#endif
