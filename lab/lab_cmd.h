/*
 * lab_cmd: the sub-commands of `danelab` (see danelab(1)). Each takes the
 * global options and the command's own arguments (argv[0] is the command
 * name) and returns the exit status: 0 success, 1 a scenario deviated (or
 * a check failed), 2 usage or configuration error.
 */
#ifndef LAB_CMD_H
#define LAB_CMD_H

#include "lab_up.h"

int lab_cmd_build(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_up(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_down(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_status(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_exec(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_lint(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_list(const struct lab_globals *g, int argc, char **argv);
/* capture (cap_capture) and import (imp_import): they need no lab. */
int lab_cmd_capture(const struct lab_globals *g, int argc, char **argv);
int lab_cmd_import(const struct lab_globals *g, int argc, char **argv);

#endif
