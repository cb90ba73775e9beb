#include "lab_refresh.h"

#include "dl_util.h"
#include "lab_conf.h"
#include "lab_probe.h"
#include "lab_world.h"
#include "scen.h"
#include "zone_stamp.h"
#include "zone_tree.h"

#include <dirent.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS                                                                                    \
    30000 /* for each server to take the reload (an ASan build of fakesmtp reloading some 150      \
             listeners took over 5 s) */
#define DIGEST "var/loaded.digest"

struct snap {
    unsigned char conf[32]; /* the servers' configuration files */
    unsigned char data[32]; /* zone files, certificates, fakesmtp.json */
};
#define MAX_DEPTH 4 /* zones/, certs/SCENARIO/... */

static void hash_file(EVP_MD_CTX *md, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    struct dl_error err;
    EVP_DigestUpdate(md, path, strlen(path) + 1);
    if (dl_read_file(path, 64u << 20, &data, &len, &err) == 0)
        EVP_DigestUpdate(md, data, len);
    free(data);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names, sizes and modification times of every file under dir, in name
 * order (the builders rewrite a file only when its content changes). */
static void hash_tree(EVP_MD_CTX *md, const char *dir, int depth)
{
    DIR *d = depth < MAX_DEPTH ? opendir(dir) : NULL;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = dl_xrealloc(names, cap * sizeof(char *));
        }
        names[n++] = dl_xstrdup(e->d_name);
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(char *), by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = dl_xasprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (lstat(path, &st) == 0) {
            long long v[3] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec,
                              (long long)st.st_mtim.tv_nsec};
            EVP_DigestUpdate(md, path, strlen(path) + 1);
            EVP_DigestUpdate(md, v, sizeof(v));
            if (S_ISDIR(st.st_mode))
                hash_tree(md, path, depth + 1);
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

static void snapshot(const char *run_dir, struct snap *s)
{
    static const char *const confs[] = {"etc/nsd-parent.conf", "etc/nsd-child.conf",
                                        "etc/unbound.conf", "etc/resolver", "etc/probes"};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *path;
    memset(s, 0, sizeof(*s));
    if (md == NULL)
        return;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
        path = dl_xasprintf("%s/%s", run_dir, confs[i]);
        hash_file(md, path);
        free(path);
    }
    EVP_DigestFinal_ex(md, s->conf, NULL);
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    path = dl_xasprintf("%s/zones", run_dir);
    hash_tree(md, path, 0);
    free(path);
    path = dl_xasprintf("%s/certs", run_dir);
    hash_tree(md, path, 0);
    free(path);
    path = dl_xasprintf("%s/etc/fakesmtp.json", run_dir);
    hash_file(md, path);
    free(path);
    EVP_DigestFinal_ex(md, s->data, NULL);
    EVP_MD_CTX_free(md);
}

/* How many lines of a log file contain `what`. */
static size_t count_lines(const char *path, const char *what)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t n = 0;
    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, what) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* Wait until `path` has more than `before` lines with `what`. */
static int wait_log(const char *run_dir, const char *file, const char *what, size_t before,
                    const char *server, struct dl_error *err)
{
    char *path = dl_xasprintf("%s/log/%s", run_dir, file);
    int waited = 0;
    while (count_lines(path, what) <= before && waited < WAIT_MS) {
        dl_sleep_ms(20);
        waited += 20;
    }
    free(path);
    if (waited >= WAIT_MS)
        return dl_error_set(err, "%s did not take the reload within %d ms (see %s/log/%s)", server,
                            WAIT_MS, run_dir, file);
    return 0;
}

/* A zone to wait for after the reload: served now with another serial
 * than its file has (a zone NSD does not serve at all, such as one broken
 * on purpose, is not waited for). */
struct pending {
    const char *origin;
    uint32_t serial;
    int server; /* 0 nsd-parent, 1 nsd-child */
};

static size_t find_pending(const char *run_dir, const zone_tree *tree, ldns_resolver *res[2],
                           struct pending *out)
{
    size_t m = 0;
    for (size_t z = 0; z < zone_tree_count(tree); z++) {
        char *path = dl_xasprintf("%s/zones/%s", run_dir, zone_tree_file(tree, z));
        const char *origin = zone_tree_origin(tree, z);
        struct zone_stamp st;
        if (!zone_tree_lame(tree, z) && zone_stamp_read(path, &st))
            for (int k = 0; k < 2; k++) {
                int64_t now = lab_probe_serial(res[k], origin);
                if (now >= 0 && now != (int64_t)st.serial) {
                    out[m++] = (struct pending){origin, st.serial, k};
                    break;
                }
                if (now >= 0)
                    break;
            }
        free(path);
    }
    return m;
}

/* Until each zone of p is served with its new serial; the exit status
 * for the parent. */
static int wait_zones(ldns_resolver *res[2], const struct pending *p, size_t n)
{
    int waited = 0;
    for (size_t k = 0; k < n; k++)
        while (lab_probe_serial(res[p[k].server], p[k].origin) != (int64_t)p[k].serial) {
            if (waited >= WAIT_MS) {
                dl_err("refresh: NSD does not serve %s serial %u after %d ms", p[k].origin,
                       p[k].serial, WAIT_MS);
                return 1;
            }
            dl_sleep_ms(20);
            waited += 20;
        }
    return 0;
}

/* In the lab world: find what must change, signal, wait for the zones. */
static int reload_here(const char *run_dir, const zone_tree *tree, const struct lab_status *st)
{
    ldns_resolver *res[2] = {lab_probe_resolver(LAB_ADDR_PARENT),
                             lab_probe_resolver(LAB_ADDR_CHILD)};
    struct pending *p = dl_xcalloc(zone_tree_count(tree) + 1, sizeof(*p));
    size_t n = find_pending(run_dir, tree, res, p);
    struct dl_error e;
    int rc = 0;
    for (int i = 0; rc == 0 && i < LAB_SERVER_COUNT; i++)
        if (st->pids[i] > 0 && lab_world_signal(run_dir, (enum lab_server_id)i, SIGHUP, &e) != 0) {
            dl_err("refresh: %s", e.msg);
            rc = 1;
        }
    if (rc == 0)
        rc = wait_zones(res, p, n);
    free(p);
    ldns_resolver_deep_free(res[0]);
    ldns_resolver_deep_free(res[1]);
    return rc;
}

/* In a child that joins the lab world: SIGHUP to every server that runs
 * (lab_world_signal), then wait for the zones. */
static int reload(const char *run_dir, const zone_tree *tree, const struct lab_status *st,
                  struct dl_error *err)
{
    int status = 0;
    pid_t pid;
    fflush(NULL);
    if ((pid = fork()) < 0)
        return dl_error_set(err, "refresh: fork: %s", strerror(errno));
    if (pid == 0) {
        struct dl_error e;
        if (lab_world_enter(run_dir, &e) != 0) {
            dl_err("refresh: %s", e.msg);
            _exit(1);
        }
        _exit(reload_here(run_dir, tree, st));
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return dl_error_set(err, "refresh: waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return dl_error_set(err, "refresh: the lab did not take the new zones");
    return 0;
}

void lab_refresh_record(const char *run_dir)
{
    struct snap s;
    struct dl_error err;
    char *path = dl_xasprintf("%s/" DIGEST, run_dir);
    snapshot(run_dir, &s);
    if (dl_write_file(path, (const char *)&s, sizeof(s), 0644, &err) != 0)
        dl_warn("%s", err.msg); /* the next run then reloads once more */
    free(path);
}

/* What the lab loaded; false when unknown (zeroes). */
static bool recorded(const char *run_dir, struct snap *s)
{
    char *path = dl_xasprintf("%s/" DIGEST, run_dir), *data = NULL;
    size_t len = 0;
    struct dl_error err;
    bool ok = dl_read_file(path, 4096, &data, &len, &err) == 0 && len == sizeof(*s);
    memset(s, 0, sizeof(*s));
    if (ok)
        memcpy(s, data, sizeof(*s));
    free(data);
    free(path);
    return ok;
}

bool lab_refresh_loaded(const char *run_dir)
{
    struct snap now, before;
    if (!recorded(run_dir, &before))
        return false;
    snapshot(run_dir, &now);
    return memcmp(&now, &before, sizeof(now)) == 0;
}

int lab_refresh(const char *run_dir, const zone_tree *tree, bool quiet)
{
    struct snap now, before;
    struct lab_status st;
    struct dl_error err;
    size_t unbound_starts, smtp_reloads, smtp_verbose;
    bool was;
    if (lab_world_status(run_dir, &st, &err) != 0) {
        dl_err("%s", err.msg);
        return -1;
    }
    if (!st.running)
        return 0;
    snapshot(run_dir, &now);
    (void)recorded(run_dir, &before);
    if (memcmp(&now, &before, sizeof(now)) == 0)
        return 0;
    /* Only Unbound is told to reload (SIGHUP: it rereads its configuration
     * and empties its cache); another resolver is restarted with the lab,
     * which empties its cache as surely. */
    if (memcmp(now.conf, before.conf, sizeof(now.conf)) != 0 ||
        lab_resconf_current(run_dir) != LAB_RESOLVER_UNBOUND) {
        dl_debug("refresh: the servers' configuration changed since they loaded it: "
                 "stopping them to start again");
        if (!quiet && memcmp(now.conf, before.conf, sizeof(now.conf)) != 0)
            printf("the running lab's zone list changed (scenarios added or removed, or "
                   "--resolver): restarting it\n");
        else if (!quiet)
            printf("the running lab's resolver is %s, not Unbound: restarting it to load what "
                   "changed\n",
                   lab_resconf_name(lab_resconf_current(run_dir)));
        if (lab_world_down(run_dir, &was, &err) != 0) {
            dl_err("%s", err.msg);
            return -1;
        }
        return 1; /* the caller starts it again, and that records */
    }
    dl_debug("refresh: zone files, certificates or fakesmtp.json changed since the servers "
             "loaded them: reloading");
    {
        char *u = dl_xasprintf("%s/log/unbound.log", run_dir);
        char *f = dl_xasprintf("%s/log/fakesmtp.stderr", run_dir);
        unbound_starts = count_lines(u, "start of service");
        smtp_reloads = count_lines(f, "configuration reloaded");
        smtp_verbose = count_lines(f, "ready: "); /* started with -v: it logs reloads */
        free(u);
        free(f);
    }
    if (reload(run_dir, tree, &st, &err) != 0 ||
        wait_log(run_dir, "unbound.log", "start of service", unbound_starts, "unbound", &err) !=
            0 ||
        (st.pids[LAB_FAKESMTP] > 0 && smtp_verbose > 0 &&
         wait_log(run_dir, "fakesmtp.stderr", "configuration reloaded", smtp_reloads, "fakesmtp",
                  &err) != 0)) {
        dl_err("%s", err.msg);
        return -1;
    }
    lab_refresh_record(run_dir);
    if (!quiet)
        printf("the running lab reloaded what changed since it loaded it (zones, certificates, "
               "fakesmtp)\n");
    return 0;
}
