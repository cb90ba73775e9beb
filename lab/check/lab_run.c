#include "lab_run.h"

#include "dl_util.h"
#include "lab_checker.h"
#include "lab_resolvers.h"
#include "lab_session.h"
#include "scen.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* run's options: the session's common ones, then its own. */
struct run_opts {
    struct lab_session s;
    struct lab_checker_opts c;
    const char *tlsrpt;    /* --tlsrpt DIR as given */
    char *tlsrpt_dir;      /* its absolute path */
    char *html_abs;        /* --html FILE's absolute path */
    const char *resolvers; /* --resolvers LIST|all (lab_resolvers) */
    bool markdown;         /* --markdown: with --resolvers, docs/validators.md */
};

static const char run_usage[] =
    "usage: danelab [GLOBAL-OPTIONS] run [--scenario NAME]... [--tag T]... [--shard K/N]\n"
    "           [--profile P] [--jobs N] [--json | --tap] [--junit FILE] [--html FILE]\n"
    "           [--tlsrpt DIR] [--exact-timelines] [--exact-profiles] [--keep-up]\n"
    "           [--resolver R | --resolvers LIST|all [--markdown]]\n"
    "Checks every selected scenario (DNSSEC verdicts, the reference client under each\n"
    "profile, retry timelines); exit 0 when all passed, 1 when one deviated, 2 on error.\n"
    "  --scenario NAME     only this scenario (repeatable)\n"
    "  --tag T             only scenarios tagged T (repeatable: any of them)\n"
    "  --shard K/N         only the K-th of N stable slices of the selection\n"
    "  --profile P         only this profile's delivery expectations (rfc7672,\n"
    "                      exchange-online)\n"
    "  --jobs N            N worker processes (default: 2 per online CPU, and up to\n"
    "                      4 per CPU as the catalogue grows, one per 50 scenarios;\n"
    "                      at most 8)\n"
    "  --json              one JSON object on stdout instead of the table\n"
    "  --tap               TAP 13 on stdout\n"
    "  --junit FILE        also write JUnit XML\n"
    "  --html FILE         also write an HTML report (matrix, traces, chain pictures)\n"
    "  --tlsrpt DIR        also write RFC 8460 TLS-RPT reports to DIR\n"
    "  --exact-timelines   run every retry attempt, even where one is provably\n"
    "                      the same as the one before (see danelab(1), TIMELINES)\n"
    "  --exact-profiles    run the reference client under each profile, even where\n"
    "                      the other profile's run made every choice this one would\n"
    "  --keep-up           leave the lab running when run started it\n"
    "  --resolver R        the lab's validating resolver: unbound (default), bind,\n"
    "                      knot, pdns (see danelab up)\n"
    "  --resolvers LIST    the DNS checks under each resolver of LIST (comma-separated,\n"
    "                      or all), the lab brought up with each in turn; delivery\n"
    "                      once, under the first; prints the scenarios x validators\n"
    "                      matrix (EDE codes, differences, declared or not); not with\n"
    "                      --tap or --junit\n"
    "  --markdown          with --resolvers: the matrix as Markdown (docs/validators.md)\n"
    "See danelab(1).\n";

/* run's own options; 1 taken, 0 unknown, -1 a bad value (printed). */
static int run_option(void *ctx, int argc, char **argv, int *i)
{
    struct run_opts *o = ctx;
    const char *a = argv[*i];
    bool value = *i + 1 < argc;
    if (strcmp(a, "--exact-timelines") == 0)
        o->c.exact = true;
    else if (strcmp(a, "--exact-profiles") == 0)
        o->c.exact_profiles = true;
    else if (strcmp(a, "--markdown") == 0)
        o->markdown = true;
    else if (strcmp(a, "--resolvers") == 0 && value)
        o->resolvers = argv[++*i];
    else if (strcmp(a, "--tap") == 0)
        o->c.tap = true;
    else if (strcmp(a, "--tlsrpt") == 0 && value)
        o->tlsrpt = argv[++*i];
    else if (strcmp(a, "--jobs") == 0 && value) {
        char *end;
        long v = strtol(argv[++*i], &end, 10);
        if (*end != '\0' || v < 1 || v > 64) {
            dl_err("run: --jobs '%s': expected a number of processes, 1..64", argv[*i]);
            return -1;
        }
        o->c.jobs = (unsigned)v;
    } else if (strcmp(a, "--profile") == 0 && value) {
        if ((o->c.profile = scen_profile_lookup(argv[++*i])) < 0) {
            dl_err("run: --profile '%s': expected rfc7672 or exchange-online", argv[*i]);
            return -1;
        }
    } else
        return 0;
    return 1;
}

/* 0, 1 when --help was printed, 2 on a usage error (printed). */
static int parse_opts(int argc, char **argv, struct run_opts *o)
{
    int rc;
    memset(o, 0, sizeof(*o));
    lab_session_init(&o->s, "run", argc);
    o->c.s = &o->s;
    o->c.profile = -1;
    o->c.jobs = 0; /* the checker's default for the scenarios selected */
    rc = lab_session_parse(&o->s, argc, argv, run_option, o, "danelab run --help");
    if (rc == 1)
        fputs(run_usage, stdout);
    if (rc != 0)
        return rc;
    if (o->s.json && o->c.tap) {
        dl_err("run: --json and --tap both print on stdout; choose one");
        return 2;
    }
    if (o->resolvers && (o->c.tap || o->s.junit)) {
        dl_err("run: --resolvers writes a matrix of its own; not with --tap or --junit");
        return 2;
    }
    if (o->markdown && (o->resolvers == NULL || o->s.json)) {
        dl_err("run: --markdown is the --resolvers matrix as Markdown, instead of --json");
        return 2;
    }
    o->s.quiet = o->s.json || o->c.tap || o->markdown;
    return 0;
}

/* --html FILE's absolute path, for the page's relative links. */
static int html_path(struct run_opts *o)
{
    const char *html = o->s.html;
    char *dir = dl_xstrdup(html), *slash = strrchr(dir, '/'), *real;
    const char *base = slash ? slash + 1 : html;
    if (slash)
        *slash = '\0';
    if ((real = realpath(slash ? (*dir ? dir : "/") : ".", NULL)) == NULL) {
        dl_err("run: --html %s: %s", html, strerror(errno));
        free(dir);
        return -1;
    }
    o->html_abs = dl_xasprintf("%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
    o->c.html_abs = o->html_abs;
    free(real);
    free(dir);
    return 0;
}

/* --tlsrpt DIR made, and its absolute path. */
static int tlsrpt_path(struct run_opts *o)
{
    struct dl_error err;
    struct stat st;
    if (dl_mkdir_p(o->tlsrpt, 0755, &err) != 0) {
        dl_err("run: --tlsrpt: %s", err.msg);
        return -1;
    }
    if ((o->tlsrpt_dir = realpath(o->tlsrpt, NULL)) == NULL || stat(o->tlsrpt_dir, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
        dl_err("run: --tlsrpt %s: %s", o->tlsrpt,
               o->tlsrpt_dir == NULL ? strerror(errno) : "not a directory");
        return -1;
    }
    o->c.tlsrpt_dir = o->tlsrpt_dir;
    return 0;
}

struct run_child {
    const struct lab_globals *g;
    const struct lab_checker_opts *c;
};

static int checker_child(void *ctx)
{
    const struct run_child *rc = ctx;
    return lab_checker_main(rc->g, rc->c);
}

/* The checker of a session: in a child process, inside the lab. */
static int run_session(struct run_opts *o, const struct lab_globals *g)
{
    struct run_child ctx = {.g = g, .c = &o->c};
    /* The checker is killed at once on SIGINT/SIGTERM: it starts nothing
     * that outlives it. Timelines put the lab's own zone files back (newer
     * mtimes) and reloaded them: what stays up serves the run directory
     * as it is now (record). */
    struct lab_session_child child = {
        .main = checker_child, .ctx = &ctx, .what = "the checker", .grace_s = 0, .record = true};
    if (lab_session_prepare(&o->s, g, NULL) != 0)
        return 2;
    if (o->s.n_sel == 0) {
        dl_err("run: no scenario selected%s",
               o->s.n_tags ? " (no scenario carries the --tag given)" : "");
        return 2;
    }
    if (lab_session_open_outputs(&o->s) != 0 || (o->s.html && html_path(o) != 0) ||
        (o->tlsrpt && tlsrpt_path(o) != 0))
        return 2;
    return lab_session_run(&o->s, g, &child);
}

struct run_args {
    int argc;
    char **argv;
};

/* One pass of --resolvers (lab_resolvers_pass_fn): run's options again,
 * its report to report_path; only the first pass delivers (and writes
 * --tlsrpt); --html and the printing are lab_resolvers'. */
static int resolver_pass(void *ctx, const struct lab_globals *g, bool first,
                         const char *report_path)
{
    const struct run_args *a = ctx;
    struct run_opts o;
    int rc = parse_opts(a->argc, a->argv, &o);
    if (rc == 0) {
        o.s.json = false;
        o.s.quiet = true;
        o.s.html = NULL;
        o.c.report_path = report_path;
        o.c.dns_only = !first;
        if (!first)
            o.tlsrpt = NULL;
        rc = run_session(&o, g);
    } else
        rc = 2;
    lab_session_free(&o.s);
    free(o.html_abs);
    free(o.tlsrpt_dir);
    return rc;
}

/* run --resolvers: lab_resolvers, --html opened here before any lab
 * starts (a path that cannot be written fails early). */
static int run_resolvers(struct run_opts *o, const struct lab_globals *g, int argc, char **argv)
{
    struct lab_resolvers_opts ro = {.json = o->s.json, .markdown = o->markdown, .html = o->s.html};
    struct run_args a = {.argc = argc, .argv = argv};
    int n;
    if (g->resolver != NULL) {
        dl_err("run: --resolver and --resolvers: choose one");
        return 2;
    }
    if ((n = lab_resolvers_parse(o->resolvers, ro.names)) < 0)
        return 2;
    ro.n = (size_t)n;
    if (o->s.html) {
        if (html_path(o) != 0)
            return 2;
        ro.html_abs = o->html_abs;
        if ((ro.html_f = fopen(o->s.html, "w")) == NULL) {
            dl_err("run: --html %s: %s", o->s.html, strerror(errno));
            return 2;
        }
    }
    return lab_resolvers_main(g, &ro, resolver_pass, &a);
}

int lab_run_main(const struct lab_globals *g, int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        rc = rc == 1 ? 0 : 2; /* 1: --help was printed */
    else if (o.resolvers)
        rc = run_resolvers(&o, g, argc, argv);
    else
        rc = run_session(&o, g);
    /* the checker wrote and closed its own copies of the output files */
    lab_session_free(&o.s);
    free(o.html_abs);
    free(o.tlsrpt_dir);
    return rc;
}
