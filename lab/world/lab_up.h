/*
 * lab_up: the options every command shares, and bringing the lab up or up
 * to date from a catalogue: load it, build its zones, certificates and
 * server configurations into the run directory, start the servers. Used by
 * `up`, `run`, `mta` and `exec`; each function prints its error (dl_err)
 * and returns -1, or returns 0.
 */
#ifndef LAB_UP_H
#define LAB_UP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct lab_globals {
    const char *run_dir;        /* absolute */
    const char **scenario_dirs; /* catalogue directories or files */
    size_t n_scenario_dirs;
    /* The RFC clause list (lab/rfc/clauses.txt beside the binary, else the
     * installed one); NULL when neither exists. */
    const char *clauses;
    bool netns; /* false with --no-netns */
    time_t now; /* signing time: --now, or the wall clock */
    /* --resolver: "unbound", "bind", "knot" or "pdns" (checked by main);
     * NULL: the running lab's, else Unbound */
    const char *resolver;
};

struct scen_catalog;
struct zone_tree;
typedef struct lab_world_start lab_world_start;

/* Load the catalogue named by the options. */
int lab_up_load(const struct lab_globals *g, struct scen_catalog **cat);

/* Build the zones, certificates and configurations (those of the
 * resolver g->resolver names); on success *tree is
 * the signed zone tree (the caller frees it). quiet: no summary line. */
int lab_up_prepare(const struct lab_globals *g, const struct scen_catalog *cat,
                   struct zone_tree **tree, bool quiet);

/* Start (or refresh) the servers. tied: the lab stops when this process
 * ends, even killed (run and mta without --keep-up); else it stays until
 * `danelab down`. */
int lab_up_start(const struct lab_globals *g, const struct scen_catalog *cat,
                 const struct zone_tree *tree, bool tied);

/* A lab that already runs from g->run_dir, brought up to date after
 * lab_up_prepare (lab_refresh: reloaded in place, or stopped and started
 * again when its zone list changed). 0 also when no lab runs. */
int lab_up_refresh(const struct lab_globals *g, const struct scen_catalog *cat,
                   const struct zone_tree *tree, bool quiet);

/* A start that overlaps the build (run, mta): when no lab runs from
 * g->run_dir, in the lab's own namespaces, and the run directory is
 * exactly what the last lab started from it loaded (lab_refresh_loaded),
 * the servers are started on those files before the build
 * (lab_world_up_begin), and brought up to date after it by
 * lab_up_early_finish. Returns NULL when that does not apply or the start
 * could not begin: the caller then starts after the build, as always. */
lab_world_start *lab_up_early_begin(const struct lab_globals *g, const struct scen_catalog *cat,
                                    bool tied);

/* After the build (st from lab_up_early_begin, freed here): wait until the
 * servers answer, then have them load what the build changed
 * (lab_refresh). *started: the lab runs and serves the build. A start
 * that failed, or a lab stopped because its zone list changed, returns 0
 * with *started false: the caller starts it (lab_up_start). -1 after
 * printing the error (*started true: the lab still runs, to be stopped). */
int lab_up_early_finish(const struct lab_globals *g, lab_world_start *st,
                        const struct zone_tree *tree, bool *started);

#endif
