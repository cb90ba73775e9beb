/*
 * lab_cmd: the sub-commands of `danelab` (see danelab(1)). Each takes the
 * global options and the command's own arguments (argv[0] is the command
 * name) and returns the exit status: 0 success, 1 a scenario deviated (or
 * a check failed), 2 usage or configuration error.
 */
#ifndef LAB_CMD_H
#define LAB_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct lab_cmd_globals {
    const char *run_dir;        /* absolute */
    const char **scenario_dirs; /* catalogue directories or files */
    size_t n_scenario_dirs;
    bool netns; /* false with --no-netns */
    time_t now; /* signing time: --now, or the wall clock */
};

int lab_cmd_build(const struct lab_cmd_globals *g, int argc, char **argv);
int lab_cmd_up(const struct lab_cmd_globals *g, int argc, char **argv);
int lab_cmd_down(const struct lab_cmd_globals *g, int argc, char **argv);
int lab_cmd_status(const struct lab_cmd_globals *g, int argc, char **argv);
int lab_cmd_exec(const struct lab_cmd_globals *g, int argc, char **argv);
int lab_cmd_lint(const struct lab_cmd_globals *g, int argc, char **argv);
int lab_cmd_list(const struct lab_cmd_globals *g, int argc, char **argv);

/* Shared by the commands (and lab_run): load the catalogue, reporting the
 * error; build the zones and configs; bring the lab up. Each returns 0 or
 * prints the error and returns -1. */
struct scen_catalog;
struct zone_tree;
int lab_cmd_load(const struct lab_cmd_globals *g, struct scen_catalog **cat);
int lab_cmd_prepare(const struct lab_cmd_globals *g, const struct scen_catalog *cat,
                    struct zone_tree **tree, bool quiet);
/* tied: the lab stops when this process ends, even killed (run and mta
 * without --keep-up); else it stays until `danelab down`. */
int lab_cmd_start(const struct lab_cmd_globals *g, const struct scen_catalog *cat,
                  const struct zone_tree *tree, bool tied);

/* Selecting scenarios, the same for `run` and `mta`:
 * "K/N" with 1 <= K <= N (--shard); returns 0, or -1 when malformed. */
int lab_cmd_parse_shard(const char *text, unsigned *k, unsigned *n);

/* Keep in sel[] (indexed like the catalogue, true = selected) only the
 * K-th of N slices: the selected scenarios whose rank in name order,
 * counted from 0, is K-1 modulo N. Every scenario is in exactly one
 * shard, the same on every machine, the shards' sizes within one of each
 * other. Returns how many remain selected. */
size_t lab_cmd_shard(const struct scen_catalog *cat, bool *sel, unsigned k, unsigned n);

/* Whether a scenario carries one of the tags (true when n_tags is 0). */
struct scen;
bool lab_cmd_has_tag(const struct scen *s, char *const *tags, size_t n_tags);

#endif
