#include "lab_up.h"

#include "dl_util.h"
#include "lab_conf.h"
#include "lab_addr.h"
#include "lab_fakedns.h"
#include "lab_plan.h"
#include "lab_refresh.h"
#include "lab_smtp.h"
#include "lab_world.h"
#include "scen.h"

#include <stdio.h>

int lab_up_load(const struct lab_globals *g, scen_catalog **cat)
{
    struct dl_error err;
    if (scen_catalog_load(g->scenario_dirs, g->n_scenario_dirs, cat, &err) != 0) {
        dl_err("%s", err.msg);
        return -1;
    }
    return 0;
}

/* --resolver, else the one of the lab running from the run directory
 * (so `exec` or `run` without the option keep it), else Unbound. */
static enum lab_resolver chosen_resolver(const struct lab_globals *g)
{
    struct lab_status st;
    struct dl_error err;
    int r = g->resolver ? lab_resconf_lookup(g->resolver) : -1;
    if (r >= 0)
        return (enum lab_resolver)r;
    if (lab_world_status(g->run_dir, &st, &err) == 0 && st.running)
        return lab_resconf_current(g->run_dir);
    return LAB_RESOLVER_UNBOUND;
}

/* An IPv4 address the scenarios' SMTP servers listen on (the first of
 * the catalogue), or NULL when no scenario has one. */
static const char *smtp_probe(const scen_catalog *cat, char buf[LAB_ADDR_LEN])
{
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        for (size_t j = 0; j < s->n_hosts; j++)
            for (size_t k = 0; k < s->hosts[j].n_addrs; k++)
                if (s->hosts[j].addrs[k].family == 4)
                    return lab_addr_host(cat, i, j, k, buf);
    }
    return NULL;
}

int lab_up_prepare(const struct lab_globals *g, const scen_catalog *cat, zone_tree **tree,
                   bool quiet)
{
    struct lab_plan_opts po = {.run_dir = g->run_dir, .now = g->now};
    struct zone_tree_stats st = {0};
    struct lab_smtp_stats cs = {0};
    struct dl_error err;
    char addr[LAB_ADDR_LEN];
    lab_smtp *smtp = NULL;
    int rc = -1;
    if (dl_mkdir_p(g->run_dir, 0755, &err) == 0 &&
        (smtp = lab_smtp_build(cat, g->run_dir, g->now, &cs, &err)) != NULL) {
        po.smtp = smtp;
        if (lab_plan_build(cat, &po, tree, &st, &err) == 0) {
            rc = lab_conf_write(g->run_dir, *tree, g->netns, chosen_resolver(g), &err);
            if (rc == 0)
                rc = lab_fakedns_write(g->run_dir, cat, &err);
            if (rc == 0)
                rc = lab_smtp_write_conf(smtp, cat, g->netns, &err);
            if (rc == 0)
                rc = lab_conf_write_probes(g->run_dir, *tree, smtp_probe(cat, addr), &err);
            if (rc != 0)
                zone_tree_free(*tree);
        }
    }
    lab_smtp_free(smtp);
    if (rc != 0) {
        dl_err("%s", err.msg);
        return -1;
    }
    if (!quiet)
        printf("built %u zones for %zu scenarios: %u signed now (%u signatures in %.3f s), %u "
               "unchanged, %u new keys; certificates: %u issued, %u unchanged\n",
               st.zones, scen_catalog_count(cat), st.signed_now, st.signatures, st.sign_seconds,
               st.cached, st.keys_created, cs.created, cs.cached);
    return 0;
}

/* How long the servers may take to answer: 10 s, and 25 ms more for each
 * scenario. Start-up grows with the catalogue (a zone each for NSD, a
 * listener with its own TLS context each for fakesmtp): with 1,000
 * generated scenarios on a loaded 2-core machine, fakesmtp alone took
 * more than 10 s (bench/scale). */
static int start_timeout_ms(const scen_catalog *cat)
{
    size_t n = scen_catalog_count(cat);
    return n > 100000 ? 10000 + 25 * 100000 : 10000 + 25 * (int)n;
}

int lab_up_start(const struct lab_globals *g, const scen_catalog *cat, const zone_tree *tree,
                 bool tied)
{
    char addr[LAB_ADDR_LEN];
    struct lab_world_opts wo = {.run_dir = g->run_dir,
                                .netns = g->netns,
                                .timeout_ms = start_timeout_ms(cat),
                                .smtp_probe = smtp_probe(cat, addr),
                                .tied = tied};
    struct dl_error err;
    if (lab_world_up(&wo, tree, &err) != 0) {
        dl_err("%s", err.msg);
        return -1;
    }
    lab_refresh_record(g->run_dir);
    return 0;
}

/* How long an early lab's holder waits for the build to end: a build that
 * signs or issues much may take minutes; a danelab that dies closes the
 * pipe, which the holder sees at once. */
#define EARLY_ACK_MS (10 * 60 * 1000)

lab_world_start *lab_up_early_begin(const struct lab_globals *g, const scen_catalog *cat, bool tied)
{
    struct lab_world_opts wo = {.run_dir = g->run_dir,
                                .netns = g->netns,
                                .timeout_ms = start_timeout_ms(cat),
                                .tied = tied,
                                .ack_timeout_ms = EARLY_ACK_MS};
    char *probe[LAB_SERVER_COUNT];
    lab_world_start *st = NULL;
    struct lab_status status;
    struct dl_error err;
    if (!g->netns || lab_world_status(g->run_dir, &status, &err) != 0 || status.running ||
        (g->resolver != NULL &&
         lab_resconf_lookup(g->resolver) != (int)lab_resconf_current(g->run_dir)) ||
        !lab_refresh_loaded(g->run_dir))
        return NULL;
    if (lab_conf_read_probes(g->run_dir, probe, &err) != 0) {
        dl_debug("no start before the build: %s", err.msg);
        return NULL;
    }
    if (lab_world_up_begin(&wo, (const char *const *)probe, &st, &err) != 0) {
        dl_debug("no start before the build: %s", err.msg);
        st = NULL;
    } else {
        dl_debug("the servers start on the last build while this one runs");
    }
    for (int i = 0; i < LAB_SERVER_COUNT; i++)
        free(probe[i]);
    return st;
}

int lab_up_early_finish(const struct lab_globals *g, lab_world_start *st, const zone_tree *tree,
                        bool *started)
{
    struct dl_error err;
    int rc;
    *started = false;
    if (lab_world_up_end(st, &err) != 0) {
        dl_debug("the start before the build failed (%s): starting after it", err.msg);
        return 0;
    }
    /* What the build changed, the servers load now; a changed zone list
     * stops them (1), and the caller starts them again. */
    rc = lab_refresh(g->run_dir, tree, true);
    *started = rc != 1;
    return rc == 1 ? 0 : rc;
}

int lab_up_refresh(const struct lab_globals *g, const scen_catalog *cat, const zone_tree *tree,
                   bool quiet)
{
    int rc = lab_refresh(g->run_dir, tree, quiet);
    if (rc == 1)
        rc = lab_up_start(g, cat, tree, false);
    return rc;
}
