#include "lab_cmd.h"

#include "dl_util.h"
#include "imp_import.h"
#include "lab_capture.h"
#include "lab_conf.h"
#include "lab_explain.h"
#include "lab_plan.h"
#include "lab_probe.h"
#include "lab_refresh.h"
#include "lab_resconf.h"
#include "lab_report.h"
#include "lab_smtp.h"
#include "lab_trace.h"
#include "lab_world.h"
#include "scen.h"
#include "zone_fault.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Parse a command's only option, --json; 0, or 2 for a usage error. */
static int json_opt(int argc, char **argv, bool *json)
{
    *json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            *json = true;
        else {
            dl_err("%s: unknown argument '%s' (see danelab --help)", argv[0], argv[i]);
            return 2;
        }
    }
    return 0;
}

static int no_args(int argc, char **argv)
{
    if (argc > 1) {
        dl_err("%s: unexpected argument '%s' (see danelab --help)", argv[0], argv[1]);
        return 2;
    }
    return 0;
}

int lab_cmd_build(const struct lab_globals *g, int argc, char **argv)
{
    scen_catalog *cat;
    zone_tree *tree;
    if (no_args(argc, argv) != 0)
        return 2;
    if (lab_up_load(g, &cat) != 0)
        return 2;
    if (lab_up_prepare(g, cat, &tree, false) != 0) {
        scen_catalog_free(cat);
        return 2;
    }
    printf("trust anchor: %s/root.key\n", g->run_dir);
    zone_tree_free(tree);
    scen_catalog_free(cat);
    return 0;
}

int lab_cmd_up(const struct lab_globals *g, int argc, char **argv)
{
    scen_catalog *cat;
    zone_tree *tree;
    int rc = 2;
    if (no_args(argc, argv) != 0)
        return 2;
    if (lab_up_load(g, &cat) != 0)
        return 2;
    if (lab_up_prepare(g, cat, &tree, false) == 0) {
        struct lab_status st = {0};
        struct dl_error err;
        if (lab_world_status(g->run_dir, &st, &err) == 0 && st.running && st.netns != g->netns)
            dl_err("a lab already runs from %s %s (holder pid %ld); `danelab down` first",
                   g->run_dir, st.netns ? "in its own namespaces" : "on the host's loopback",
                   (long)st.holder);
        else if (st.running) {
            /* Up already: bring it up to date with what was just built. */
            if (lab_up_refresh(g, cat, tree, false) == 0) {
                printf("lab already up (holder pid %ld), run directory %s\n", (long)st.holder,
                       g->run_dir);
                rc = 0;
            }
        } else if (lab_up_start(g, cat, tree, false) == 0) {
            printf("lab up (%s): resolver %s (%s), run directory %s\n",
                   g->netns ? "own namespaces" : "host loopback", LAB_ADDR_RESOLVER,
                   lab_resconf_daemon(lab_resconf_current(g->run_dir)), g->run_dir);
            rc = 0;
        }
        zone_tree_free(tree);
    }
    scen_catalog_free(cat);
    return rc;
}

int lab_cmd_down(const struct lab_globals *g, int argc, char **argv)
{
    struct dl_error err;
    bool was;
    if (no_args(argc, argv) != 0)
        return 2;
    if (lab_world_down(g->run_dir, &was, &err) != 0) {
        dl_err("%s", err.msg);
        return 2;
    }
    printf(was ? "lab down\n" : "no lab was running from %s\n", g->run_dir);
    return 0;
}

static int server_port(int id)
{
    return id == LAB_FAKESMTP ? 25 : LAB_DNS_PORT;
}

/* The SMTP listeners of RUN/etc/fakesmtp.json: [{name, address, port}]. */
static json_t *listeners(const struct lab_globals *g)
{
    char *path = dl_xasprintf("%s/etc/fakesmtp.json", g->run_dir);
    json_t *conf = json_load_file(path, 0, NULL), *out = json_array(), *l;
    size_t i;
    json_array_foreach(json_object_get(conf, "listeners"), i, l)
        json_array_append_new(out, json_pack("{s:O, s:O, s:O}", "name", json_object_get(l, "name"),
                                             "address", json_object_get(l, "address"), "port",
                                             json_object_get(l, "port")));
    json_decref(conf);
    free(path);
    return out;
}

static json_t *status_json(const struct lab_globals *g, const struct lab_status *st)
{
    json_t *o = json_object(), *servers = json_array();
    json_object_set_new(o, "running", json_boolean(st->running));
    json_object_set_new(o, "run_dir", json_string(g->run_dir));
    json_object_set_new(o, "trust_anchor", json_sprintf("%s/root.key", g->run_dir));
    json_object_set_new(o, "servers", servers);
    if (!st->running)
        return o;
    {
        enum lab_resolver r = lab_resconf_current(g->run_dir);
        char version[256];
        lab_resconf_version(r, version, sizeof(version));
        json_object_set_new(o, "resolver",
                            json_pack("{s:s, s:s, s:s}", "name", lab_resconf_name(r), "program",
                                      lab_resconf_daemon(r), "version", version));
    }
    json_object_set_new(o, "holder_pid", json_integer(st->holder));
    json_object_set_new(o, "mode", json_string(st->netns ? "netns" : "host"));
    json_object_set_new(o, "started", json_integer((json_int_t)st->started));
    for (int i = 0; i < LAB_SERVER_COUNT; i++) {
        const struct lab_server_info *si = lab_conf_server(g->run_dir, i);
        json_array_append_new(servers, json_pack("{s:s, s:s, s:i, s:I, s:s}", "name", si->name,
                                                 "address", si->addr, "port", server_port(i), "pid",
                                                 (json_int_t)st->pids[i], "role", si->role));
    }
    json_object_set_new(o, "smtp_listeners", listeners(g));
    return o;
}

static void status_listeners(const struct lab_globals *g)
{
    json_t *ls = listeners(g), *l;
    size_t i;
    if (json_array_size(ls) > 0)
        printf("SMTP listeners (fakesmtp):\n");
    json_array_foreach(ls, i, l)
        printf("  %-40s %s:%lld\n", json_string_value(json_object_get(l, "name")),
               json_string_value(json_object_get(l, "address")),
               (long long)json_integer_value(json_object_get(l, "port")));
    json_decref(ls);
}

static void status_text(const struct lab_globals *g, const struct lab_status *st)
{
    char when[64], version[256];
    if (!st->running) {
        printf("no lab runs from %s\n", g->run_dir);
        return;
    }
    lab_resconf_version(lab_resconf_current(g->run_dir), version, sizeof(version));
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&st->started));
    printf("lab up since %s (holder pid %ld, %s)\nrun directory: %s\ntrust anchor:  %s/root.key\n",
           when, (long)st->holder, st->netns ? "own namespaces" : "host loopback", g->run_dir,
           g->run_dir);
    for (int i = 0; i < LAB_SERVER_COUNT; i++) {
        const struct lab_server_info *si = lab_conf_server(g->run_dir, i);
        char where[32];
        snprintf(where, sizeof(where), "%s:%d", si->addr, server_port(i));
        printf("  %-13s %-16s pid %-5ld %s\n", si->name, where, (long)st->pids[i], si->role);
    }
    printf("resolver:      %s\n", version);
    status_listeners(g);
}

int lab_cmd_status(const struct lab_globals *g, int argc, char **argv)
{
    struct lab_status st;
    struct dl_error err;
    bool json;
    if (json_opt(argc, argv, &json) != 0)
        return 2;
    if (lab_world_status(g->run_dir, &st, &err) != 0) {
        dl_err("%s", err.msg);
        return 2;
    }
    if (json) {
        json_t *o = status_json(g, &st);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
    } else
        status_text(g, &st);
    return st.running ? 0 : 1;
}

/* Wait for pid; its exit status as shells report it (128+N for signal N),
 * or 2 when waiting fails. */
static int wait_status(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 2;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* The intermediate process of exec: joins the lab, then runs argv in a
 * grandchild, which is forked after the join and so lives in the lab's PID
 * namespace too. Never returns. */
static void exec_in_lab(const char *run, char **argv)
{
    struct dl_error err;
    pid_t pid;
    if (lab_world_enter(run, &err) != 0) {
        dl_err("exec: %s", err.msg);
        _exit(2);
    }
    if ((pid = fork()) < 0) {
        dl_err("exec: fork: %s", strerror(errno));
        _exit(2);
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execvp(argv[0], argv);
        dl_err("exec %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    _exit(wait_status(pid));
}

/* danelab exec: the danelab process itself never changes namespaces (its
 * /proc stays the host's, which the sanitizers' leak check at exit needs);
 * a child does. Terminal signals reach the command directly (same process
 * group), so danelab and the intermediate ignore them. */
int lab_cmd_exec(const struct lab_globals *g, int argc, char **argv)
{
    int first = 1;
    pid_t pid;
    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    if (first >= argc) {
        dl_err("exec: no command given (usage: danelab exec -- COMMAND [ARG...])");
        return 2;
    }
    setenv("DANELAB_RUN_DIR", g->run_dir, 1);
    setenv("DANELAB_RESOLVER", LAB_ADDR_RESOLVER, 1);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    fflush(NULL);
    if ((pid = fork()) < 0) {
        dl_err("exec: fork: %s", strerror(errno));
        return 2;
    }
    if (pid == 0)
        exec_in_lab(g->run_dir, argv + first);
    return wait_status(pid);
}

/* The clause list to check `clauses:` IDs against: NULL (said on stderr)
 * when there is none, or it cannot be read (then *bad is counted up). */
static struct scen_clauses *lint_clauses(const struct lab_globals *g, int *bad)
{
    struct scen_clauses *l = NULL;
    struct dl_error err;
    if (g->clauses == NULL)
        dl_warn("lint: no clause list built in or installed: clause IDs not checked");
    else if (scen_clauses_load(g->clauses, &l, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        (*bad)++;
    }
    return l;
}

/* The catalogue-wide checks, and every scenario's clause IDs (l: may be NULL). */
static int lint_catalogue(const char *const *paths, size_t n, const struct scen_clauses *l,
                          size_t *count)
{
    struct dl_error err;
    scen_catalog *cat;
    int bad = 0;
    if (scen_catalog_load(paths, n, &cat, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; l != NULL && i < scen_catalog_count(cat); i++)
        bad += lab_trace_check(l, scen_catalog_get(cat, i));
    *count = scen_catalog_count(cat);
    scen_catalog_free(cat);
    return bad;
}

/* lint: each file (or every file of the catalogue) on its own, so every
 * broken file gets its message; then the catalogue-wide checks and the
 * clause IDs against the clause list (when there is one). */
int lab_cmd_lint(const struct lab_globals *g, int argc, char **argv)
{
    struct dl_error err;
    struct scen_clauses *l;
    int bad = 0, n = 0;
    size_t count = 0;
    l = lint_clauses(g, &bad);
    if (argc < 2) {
        int rc = bad == 0 ? lint_catalogue(g->scenario_dirs, g->n_scenario_dirs, l, &count) : bad;
        scen_clauses_free(l);
        if (rc != 0)
            return 2;
        printf("%zu scenarios: ok\n", count);
        return 0;
    }
    for (int i = 1; i < argc; i++, n++) {
        struct scen *s;
        if (scen_load(argv[i], &s, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            bad++;
            continue;
        }
        scen_free(s);
    }
    if (bad == 0)
        bad += lint_catalogue((const char **)argv + 1, (size_t)argc - 1, l, &count);
    scen_clauses_free(l);
    if (bad == 0)
        printf("%d file%s: ok\n", n, n == 1 ? "" : "s");
    return bad ? 2 : 0;
}

static json_t *strings_json(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *faults_json(const struct scen *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_faults; i++)
        json_array_append_new(a, json_string(s->faults[i].name));
    return a;
}

/* The delivery expectations: {"rfc7672": {status, code, reason, tlsrpt,
 * any?, rfc?, probe?}, ...} (lab_report_accept_json). */
static json_t *expect_json(const struct scen *s)
{
    json_t *o = json_object();
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        const struct scen_expect *e = &s->expect[p];
        json_t *x;
        if (!e->set)
            continue;
        x = lab_report_accept_json(&e->deliver, -1);
        if (e->probe.set)
            json_object_set_new(x, "probe", lab_report_accept_json(&e->probe, -1));
        json_object_set_new(o, scen_profile_name(p), x);
    }
    return o;
}

/* The scenario's top-level rfc: clauses. */
static json_t *rfc_json(const struct scen *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_rfc; i++)
        json_array_append_new(a, json_string(s->rfc[i]));
    return a;
}

/* The scenario's clauses: [{"id": ID, "side": "conforming"|"violating"|"any"}]. */
static json_t *clauses_json(const struct scen *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n_clauses; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "id", s->clauses[i].id, "side",
                                           scen_side_name(s->clauses[i].side)));
    return a;
}

static void list_text(const scen_catalog *cat)
{
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        printf("%-28s %-34s %s\n", s->name, s->domain, s->summary);
        if (s->n_faults > 0 || s->n_tags > 0) {
            printf("%-28s", "");
            for (size_t k = 0; k < s->n_faults; k++)
                printf(" fault:%s", s->faults[k].name);
            for (size_t k = 0; k < s->n_tags; k++)
                printf(" #%s", s->tags[k]);
            putchar('\n');
        }
    }
}

int lab_cmd_list(const struct lab_globals *g, int argc, char **argv)
{
    scen_catalog *cat;
    bool json;
    if (json_opt(argc, argv, &json) != 0)
        return 2;
    if (lab_up_load(g, &cat) != 0)
        return 2;
    if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < scen_catalog_count(cat); i++) {
            const struct scen *s = scen_catalog_get(cat, i);
            json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", s->name, "domain",
                                  s->domain, "summary", s->summary, "file", s->path, "faults",
                                  faults_json(s), "tags", strings_json(s->tags, s->n_tags));
            char *text = lab_explain_text(s);
            json_object_set_new(o, "explain", json_string(text));
            json_object_set_new(o, "expect", expect_json(s));
            if (s->n_rfc > 0)
                json_object_set_new(o, "rfc", rfc_json(s));
            if (s->n_clauses > 0)
                json_object_set_new(o, "clauses", clauses_json(s));
            free(text);
            json_array_append_new(a, o);
        }
        json_dumpf(a, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(a);
    } else
        list_text(cat);
    scen_catalog_free(cat);
    return 0;
}

int lab_cmd_capture(const struct lab_globals *g, int argc, char **argv)
{
    (void)g;
    return lab_capture_main(argc, argv);
}

int lab_cmd_import(const struct lab_globals *g, int argc, char **argv)
{
    (void)g;
    return imp_main(argc, argv);
}
