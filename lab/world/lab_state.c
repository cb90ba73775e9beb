#include "lab_state.h"

#include "dl_util.h"
#include "lab_conf.h"
#include "lab_listen.h"
#include "lab_plan.h"
#include "lab_probe.h"
#include "lab_world.h"
#include "zone_stamp.h"

#include <errno.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RELOAD_WAIT_MS 30000

void lab_state_init(struct lab_state *in)
{
    memset(in, 0, sizeof(*in));
    in->state = LAB_STATE_NONE;
    in->hosts = -1;
}

/* Copy src over dst atomically, with an mtime later than dst's (NSD
 * reloads a zone file when its mtime changed). */
static int install_file(const char *src, const char *dst, struct dl_error *err)
{
    struct stat old, cur;
    char *data;
    size_t len;
    int rc;
    bool had = stat(dst, &old) == 0;
    if (dl_read_file(src, 256u << 20, &data, &len, err) != 0)
        return -1;
    rc = dl_write_file(dst, data, len, 0644, err);
    free(data);
    if (rc == 0 && had && stat(dst, &cur) == 0 && cur.st_mtim.tv_sec <= old.st_mtim.tv_sec) {
        struct timespec ts[2] = {{.tv_sec = old.st_mtim.tv_sec + 1},
                                 {.tv_sec = old.st_mtim.tv_sec + 1}};
        if (utimensat(AT_FDCWD, dst, ts, 0) != 0)
            rc = dl_error_set(err, "%s: %s", dst, strerror(errno));
    }
    return rc;
}

/* SIGHUP to nsd-child: it loads the zone files whose mtime changed. */
static int reload_nsd(const char *run_dir, struct dl_error *err)
{
    return lab_world_signal(run_dir, LAB_NSD_CHILD, SIGHUP, err) == 0
               ? 0
               : dl_error_prefix(err, "timeline");
}

/* Wait until nsd-child serves serial[k] for origin[k], every k. The
 * SIGHUP is repeated while waiting: with `run --jobs`, another worker's
 * reload may have begun before our files were in place and absorbed our
 * signal (NSD loads what changed since its last reload, so a repeated
 * reload costs little). */
static int wait_served(const char *run_dir, char **origins, const uint32_t *serials, size_t n,
                       struct dl_error *err)
{
    ldns_resolver *res = lab_probe_resolver(LAB_ADDR_CHILD);
    size_t k = 0;
    int rc = 0;
    for (int waited = 0; k < n;) {
        if (lab_probe_serial(res, origins[k]) == (int64_t)serials[k]) {
            k++;
            continue;
        }
        if (waited >= RELOAD_WAIT_MS) {
            rc = dl_error_set(err, "timeline: nsd-child did not load %s serial %u within %d ms",
                              origins[k], serials[k], RELOAD_WAIT_MS);
            break;
        }
        usleep(5000);
        waited += 5;
        if (waited % 250 == 0 && reload_nsd(run_dir, err) != 0) {
            rc = -1;
            break;
        }
    }
    ldns_resolver_deep_free(res);
    return rc;
}

/* The zones of tree t that belong to the scenario (not the root or TLD,
 * not lame ones, which no server loads). */
static bool own_zone(const zone_tree *t, size_t z)
{
    const char *o = zone_tree_origin(t, z);
    return strcmp(o, ".") != 0 && strcmp(o, "test.") != 0 && !zone_tree_lame(t, z);
}

/* Install the zone files of `dir` (a state build, or the saved originals)
 * for the scenario's zones of t; save the lab's own first when `save`. */
static int install(struct lab_state_env *env, const zone_tree *t, const char *dir, const char *save,
                   struct dl_error *err)
{
    size_t n = zone_tree_count(t), m = 0;
    char **origins = dl_xcalloc(n + 1, sizeof(char *));
    uint32_t *serials = dl_xcalloc(n + 1, sizeof(uint32_t));
    int rc = 0;
    for (size_t z = 0; rc == 0 && z < n; z++) {
        char *src, *dst;
        struct zone_stamp st;
        if (!own_zone(t, z))
            continue;
        src = dl_xasprintf("%s/%s", dir, zone_tree_file(t, z));
        dst = dl_xasprintf("%s/zones/%s", env->run_dir, zone_tree_file(t, z));
        if (save != NULL) {
            char *keep = dl_xasprintf("%s/%s", save, zone_tree_file(t, z));
            rc = install_file(dst, keep, err);
            free(keep);
        }
        if (rc == 0)
            rc = install_file(src, dst, err);
        if (rc == 0 && zone_stamp_read(dst, &st)) {
            origins[m] = dl_xstrdup(zone_tree_origin(t, z));
            serials[m++] = st.serial;
        }
        free(src);
        free(dst);
    }
    if (rc == 0)
        rc = reload_nsd(env->run_dir, err);
    if (rc == 0)
        rc = wait_served(env->run_dir, origins, serials, m, err);
    for (size_t k = 0; k < m; k++)
        free(origins[k]);
    free(origins);
    free(serials);
    return rc;
}

/* The last step due at `at` that changes faults or hosts (the state in
 * force then begins at it), or -1: the scenario's own state. */
int lab_state_at(const struct scen *s, int64_t at)
{
    int index = -1;
    for (size_t k = 0; k < s->n_timeline && s->timeline[k].at <= at; k++)
        if (s->timeline[k].has_faults || s->timeline[k].n_hosts > 0)
            index = (int)k;
    return index;
}

/* The last step up to `index` that changes hosts, or -1. */
static int hosts_step(const struct scen *s, int index)
{
    int h = -1;
    for (int k = 0; k <= index; k++)
        if (s->timeline[k].n_hosts > 0)
            h = k;
    return h;
}

/* Configure fakesmtp's listeners of scenario i as its hosts are after
 * step `index` (-1 with `own`: the lab's own configuration, no tag); with
 * `lazy`, only when they do not already greet as that configuration does. */
static int set_listeners(struct lab_state_env *env, size_t i, int index, bool own, bool lazy,
                         struct dl_error *err)
{
    const struct scen *s = scen_catalog_get(env->cat, i);
    struct scen_host *hosts = scen_hosts_at(s, index);
    size_t n = 0, max = s->n_hosts * SCEN_MAX_ADDRS;
    char **l = dl_xcalloc(max + 1, sizeof(char *));
    char *tag =
        own ? NULL
            : dl_xasprintf("timeline %s step %d, pid %ld", s->name, index + 1, (long)getpid());
    int rc = 0;
    for (size_t j = 0; rc == 0 && j < s->n_hosts; j++)
        for (size_t k = 0; rc == 0 && k < s->hosts[j].n_addrs; k++)
            if ((l[n++] = lab_smtp_listener(env->smtp, env->cat, i, j, k, &hosts[j], err)) == NULL)
                rc = -1;
    if (rc == 0 && !(lazy && lab_listen_live(l, n, tag)) &&
        (rc = lab_listen_set(env->run_dir, l, n, tag, err)) != 0)
        dl_error_prefix(err, "timeline");
    for (size_t k = 0; k < n; k++)
        free(l[k]);
    free(l);
    free(tag);
    free(hosts);
    return rc;
}

/* Build the state that begins at step `index` (-1: the scenario's own)
 * into RUN/timeline/NAME/state-K and install it: its zones with the faults
 * and TLSA records in force then, and fakesmtp's listeners when the host
 * settings differ from those it has. */
int lab_state_install(struct lab_state_env *env, size_t i, int index, struct lab_state *in,
                      struct dl_error *err)
{
    const struct scen *s = scen_catalog_get(env->cat, i);
    int64_t at = index < 0 ? 0 : s->timeline[index].at;
    size_t nf;
    int fi;
    const struct scen_fault *f = scen_faults_at(s, at, &nf, &fi);
    struct scen_host *hosts = scen_hosts_at(s, index);
    char *dir = dl_xasprintf("%s/timeline/%s/state-%d", env->run_dir, s->name, index + 1);
    char *zones = dl_xasprintf("%s/zones", dir);
    char *save = dl_xasprintf("%s/timeline/%s/lab", env->run_dir, s->name);
    struct lab_plan_opts po = {.run_dir = env->run_dir, .now = env->now + (time_t)at};
    struct lab_smtp_stats cs;
    zone_tree *t = NULL;
    int rc = 0;
    if (env->smtp == NULL &&
        (env->smtp = lab_smtp_build(env->cat, env->run_dir, env->now, &cs, err)) == NULL)
        rc = -1;
    po.smtp = env->smtp;
    if (rc == 0 && !in->saved)
        rc = dl_mkdir_p(save, 0755, err);
    if (rc == 0)
        rc = lab_plan_build_scenario(env->cat, i, &po, f, nf, hosts, (uint32_t)s->zone.validity,
                                     dir, &t, err);
    if (rc == 0)
        rc = install(env, t, zones, in->saved ? NULL : save, err);
    if (rc == 0)
        in->saved = true;
    if (rc == 0) {
        zone_tree_free(in->tree);
        in->tree = t;
        in->state = index;
    } else
        zone_tree_free(t);
    if (rc == 0 && hosts_step(s, index) != in->hosts) {
        in->hosts = hosts_step(s, index);
        rc = set_listeners(env, i, in->hosts, false, false, err);
    } else if (rc == 0 && in->state == LAB_STATE_NONE && s->n_timeline > 0 &&
               hosts_step(s, (int)s->n_timeline - 1) >= 0)
        /* The lab's own listeners should be live: unless a killed run
         * left its change behind (the file is rewritten by every run). */
        rc = set_listeners(env, i, -1, true, true, err);
    free(hosts);
    free(dir);
    free(zones);
    free(save);
    return rc;
}

/* Put the lab's own zone files back, and fakesmtp's listeners of the
 * scenario as the lab writes them (lab_smtp_write_conf) when changed. */
int lab_state_restore(struct lab_state_env *env, size_t i, struct lab_state *in,
                      struct dl_error *err)
{
    const struct scen *s = scen_catalog_get(env->cat, i);
    char *save = dl_xasprintf("%s/timeline/%s/lab", env->run_dir, s->name);
    struct dl_error e2;
    int rc = 0;
    if (in->saved && in->tree != NULL)
        rc = install(env, in->tree, save, NULL, err);
    if (in->hosts != -1 && set_listeners(env, i, -1, true, false, &e2) != 0 && rc == 0) {
        *err = e2;
        rc = -1;
    }
    free(save);
    zone_tree_free(in->tree);
    lab_state_init(in);
    return rc;
}
