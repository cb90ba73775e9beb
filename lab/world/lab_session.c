#include "lab_session.h"

#include "lab_addr.h"

#include "dl_log.h"
#include "dl_util.h"
#include "lab_interrupt.h"
#include "lab_refresh.h"
#include "lab_world.h"
#include "scen.h"
#include "scen_select.h"
#include "zone_tree.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void lab_session_init(struct lab_session *s, const char *cmd, int argc)
{
    memset(s, 0, sizeof(*s));
    s->cmd = cmd;
    s->only = dl_xcalloc((size_t)argc + 1, sizeof(char *));
    s->tags = dl_xcalloc((size_t)argc + 1, sizeof(char *));
}

void lab_session_free(struct lab_session *s)
{
    lab_world_up_cancel(s->early);
    s->early = NULL;
    if (s->junit_f)
        fclose(s->junit_f);
    if (s->html_f)
        fclose(s->html_f);
    zone_tree_free(s->tree);
    scen_catalog_free(s->cat);
    free(s->sel);
    free(s->skipped);
    free(s->only);
    free(s->tags);
    memset(s, 0, sizeof(*s));
}

/* argv[*i] as one of the common options (*i advanced past its value):
 * 1 taken, 0 not a common option (or its value is missing), -1 a bad
 * value (printed). */
static int lab_session_option(struct lab_session *s, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    bool value = *i + 1 < argc;
    if (strcmp(a, "--json") == 0)
        s->json = true;
    else if (strcmp(a, "--keep-up") == 0)
        s->keep_up = true;
    else if (strcmp(a, "--scenario") == 0 && value)
        s->only[s->n_only++] = argv[++*i];
    else if (strcmp(a, "--tag") == 0 && value)
        s->tags[s->n_tags++] = argv[++*i];
    else if (strcmp(a, "--junit") == 0 && value)
        s->junit = argv[++*i];
    else if (strcmp(a, "--html") == 0 && value)
        s->html = argv[++*i];
    else if (strcmp(a, "--shard") == 0 && value) {
        if (scen_select_parse_shard(argv[++*i], &s->shard_k, &s->shard_n) != 0) {
            dl_err("%s: --shard '%s': expected K/N with 1 <= K <= N", s->cmd, argv[*i]);
            return -1;
        }
    } else
        return 0;
    return 1;
}

int lab_session_parse(struct lab_session *s, int argc, char **argv, lab_session_opt_fn *own,
                      void *ctx, const char *help)
{
    for (int i = 1; i < argc; i++) {
        int rc;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
        if ((rc = lab_session_option(s, argc, argv, &i)) == 0)
            rc = own(ctx, argc, argv, &i);
        if (rc < 0)
            return 2;
        if (rc == 0) {
            dl_err("%s: unknown argument '%s' (see %s)", s->cmd, argv[i], help);
            return 2;
        }
    }
    return 0;
}

static bool named(const struct lab_session *s, const struct scen *sc)
{
    if (s->n_only == 0)
        return true;
    for (size_t i = 0; i < s->n_only; i++)
        if (strcmp(s->only[i], sc->name) == 0)
            return true;
    return false;
}

void lab_session_skip_ipv6(struct lab_session *s, bool netns)
{
    size_t n = scen_catalog_count(s->cat);
    free(s->skipped);
    s->skipped = dl_xcalloc(n + 1, sizeof(bool));
    s->n_skipped = 0;
    s->skip_why = "needs IPv6: the lab's fd53::/48 exists only in its own network namespace, "
                  "not on the host's loopback (--no-netns)";
    for (size_t i = 0; !netns && i < n; i++)
        if (s->sel[i] && lab_addr_needs_ipv6(scen_catalog_get(s->cat, i))) {
            s->sel[i] = false;
            s->skipped[i] = true;
            s->n_sel--;
            s->n_skipped++;
        }
    if (s->n_skipped > 0)
        dl_info("%s: %zu scenario%s skipped: %s", s->cmd, s->n_skipped,
                s->n_skipped == 1 ? "" : "s", s->skip_why);
}

int lab_session_prepare(struct lab_session *s, const struct lab_globals *g,
                        lab_session_filter *keep)
{
    size_t n;
    if (lab_up_load(g, &s->cat) != 0)
        return -1;
    /* The servers start on the last build while this one runs. */
    s->early = lab_up_early_begin(g, s->cat, !s->keep_up);
    if (lab_up_prepare(g, s->cat, &s->tree, s->quiet) != 0)
        return -1;
    for (size_t i = 0; i < s->n_only; i++)
        if (scen_catalog_find(s->cat, s->only[i]) == NULL) {
            dl_err("%s: no scenario named '%s' in the catalogue", s->cmd, s->only[i]);
            return -1;
        }
    n = scen_catalog_count(s->cat);
    s->sel = dl_xcalloc(n + 1, sizeof(bool));
    s->n_sel = 0;
    for (size_t i = 0; i < n; i++) {
        const struct scen *sc = scen_catalog_get(s->cat, i);
        s->sel[i] = (keep == NULL || keep(sc)) && named(s, sc) &&
                    scen_select_has_tag(sc, s->tags, s->n_tags);
        s->n_sel += s->sel[i];
    }
    if (s->shard_n)
        s->n_sel = scen_select_shard(s->cat, s->sel, s->shard_k, s->shard_n);
    lab_session_skip_ipv6(s, g->netns);
    return 0;
}

int lab_session_open_outputs(struct lab_session *s)
{
    if (s->junit && (s->junit_f = fopen(s->junit, "w")) == NULL) {
        dl_err("%s: --junit %s: %s", s->cmd, s->junit, strerror(errno));
        return -1;
    }
    if (s->html && (s->html_f = fopen(s->html, "w")) == NULL) {
        dl_err("%s: --html %s: %s", s->cmd, s->html, strerror(errno));
        return -1;
    }
    return 0;
}

/* Make sure a lab runs; *started tells whether we started it (tied to
 * this process unless it is to be kept up). */
static int ensure_up(struct lab_session *s, const struct lab_globals *g, bool *started)
{
    struct lab_status st;
    struct dl_error err;
    *started = false;
    if (s->early != NULL) {
        lab_world_start *early = s->early;
        s->early = NULL;
        int rc = lab_up_early_finish(g, early, s->tree, started);
        if (rc != 0 || *started)
            return rc;
    }
    if (lab_world_status(g->run_dir, &st, &err) != 0) {
        dl_err("%s", err.msg);
        return -1;
    }
    if (st.running) {
        dl_info("using the lab already running from %s", g->run_dir);
        return lab_up_refresh(g, s->cat, s->tree, s->quiet);
    }
    if (lab_up_start(g, s->cat, s->tree, !s->keep_up) != 0)
        return -1;
    *started = true;
    return 0;
}

/* Wait for the child; on an interruption stop it as c->grace_s says.
 * Its exit status, or 2. */
static int wait_child(const struct lab_session *s, const struct lab_session_child *c, pid_t pid)
{
    double t_int = 0;
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            dl_err("%s: waiting for %s: %s", s->cmd, c->what, strerror(errno));
            return 2;
        }
        if (lab_interrupted() && t_int == 0) {
            t_int = dl_mono();
            kill(pid, c->grace_s > 0 ? SIGTERM : SIGKILL);
        }
        if (t_int > 0 && dl_mono() - t_int > c->grace_s)
            kill(pid, SIGKILL);
        dl_sleep_ms(50);
    }
    if (WIFSIGNALED(status)) {
        if (!lab_interrupted())
            dl_err("%s: %s was killed by signal %d", s->cmd, c->what, WTERMSIG(status));
        return 2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

/* The child runs in its own process: it joins the lab's namespaces, and
 * the session itself must stay outside to stop the lab afterwards. */
static int run_child(const struct lab_session *s, const struct lab_session_child *c)
{
    pid_t pid;
    fflush(stdout);
    if ((pid = fork()) < 0) {
        dl_err("%s: fork: %s", s->cmd, strerror(errno));
        return 2;
    }
    if (pid == 0)
        _exit(c->main(c->ctx));
    return wait_child(s, c, pid);
}

int lab_session_run(struct lab_session *s, const struct lab_globals *g,
                    const struct lab_session_child *c)
{
    struct lab_interrupt saved;
    struct dl_error err;
    bool started = false, was;
    int rc = 2;
    /* From here on SIGINT/SIGTERM only set a flag: the lab we start is
     * always stopped again, whenever the signal comes. */
    lab_interrupt_catch(&saved);
    if (ensure_up(s, g, &started) == 0 && !lab_interrupted()) {
        rc = run_child(s, c);
        /* Not after an interruption: a state the child installed may still
         * be there, and the next session's refresh must reload. */
        if (c->record && (!started || s->keep_up) && !lab_interrupted() && rc != 2)
            lab_refresh_record(g->run_dir);
    }
    if (started && (!s->keep_up || lab_interrupted()) &&
        lab_world_down(g->run_dir, &was, &err) != 0) {
        dl_err("%s: %s", s->cmd, err.msg);
        rc = 2;
    }
    lab_interrupt_release(&saved);
    if (lab_interrupted()) {
        dl_err("%s: interrupted by signal %d%s", s->cmd, lab_interrupted(),
               started ? "; the lab it started is stopped" : "");
        rc = 2;
    }
    return rc;
}
