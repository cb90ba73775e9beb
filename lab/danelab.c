/*
 * danelab: the lab's command. Global options, then a sub-command; the
 * work is done by lab_cmd and lab_run.
 */
#include "dl_log.h"
#include "dl_util.h"
#include "lab_cmd.h"
#include "lab_explain.h"
#include "lab_graph.h"
#include "lab_merge.h"
#include "lab_mta.h"
#include "lab_resconf.h"
#include "lab_run.h"
#include "lab_trace.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef DANELAB_DATADIR
#define DANELAB_DATADIR "/usr/local/share/danelab"
#endif
#ifndef DANELAB_VERSION
#define DANELAB_VERSION "0.1"
#endif

/* The help of each command, as `danelab --help` and `danelab CMD --help`
 * print it. */
static const char help_run[] =
    "  run [--json | --tap] [--junit FILE] [--html FILE] [--tlsrpt DIR]\n"
    "      [--scenario NAME]... [--tag T]... [--shard K/N] [--profile P] [--jobs N]\n"
    "      [--exact-timelines] [--keep-up]\n"
    "                       build, bring the lab up, check every scenario's DNSSEC\n"
    "                       verdicts and the reference client's outcome (profiles\n"
    "                       rfc7672, exchange-online), bring it down; exit 0 when all passed\n"
    "    --json             one JSON object on stdout instead of the table\n"
    "    --tap              TAP 13 on stdout: one test point per scenario and check\n"
    "    --junit FILE       also write JUnit XML (one testsuite per check: dns, profiles)\n"
    "    --tlsrpt DIR       also write one RFC 8460 TLS-RPT report per domain to DIR\n"
    "    --html FILE        also write the HTML report (matrix, traces, chain pictures)\n"
    "    --shard K/N        only the K-th of N stable slices of the selected scenarios\n"
    "    --jobs N           N worker processes (default: 2 per online CPU, up to 4 per\n"
    "                       CPU as the catalogue grows (one per 50 scenarios), at most 8)\n"
    "    --resolvers LIST   the DNS checks under each resolver of LIST (comma-separated,\n"
    "                       or all), the lab brought up with each in turn, delivery\n"
    "                       under the first: the scenarios x validators matrix (EDE\n"
    "                       codes; an undeclared difference fails); --markdown:\n"
    "                       docs/validators.md\n"
    "    (danelab run --help lists every option)\n";

static const char help_report[] =
    "  report merge FILE.json... [--json OUT] [--junit OUT] [--tap OUT] [--html OUT]\n"
    "      [--tlsrpt-index OUT]\n"
    "                       join the `run --json` reports of shards into one (OUT\n"
    "                       may be - for stdout); --html: one HTML page, the\n"
    "                       scenario x check matrix, details, chain-of-trust\n"
    "                       pictures in RUN/graphs; exit 1 when a scenario failed;\n"
    "                       the same for the `mta --json` reports of one MTA's shards\n"
    "                       (exit 1 when a deviation or leak is left)\n"
    "  report table MTA.json... [--markdown] [--totals]\n"
    "                       the scenarios x MTA table of several MTAs' `mta --json`\n"
    "                       reports: pass, known, DEVIATION, LEAK and a totals row\n";

static const char help_mta[] =
    "  mta postfix [--scenario NAME]... [--tag T] [--shard K/N] [--json] [--junit FILE]\n"
    "      [--html FILE] [--timeout SECS] [--known FILE] [--postfix-option NAME=VALUE]...\n"
    "      [--keep-up] [--retry [--schedule PROFILE]]\n"
    "                       run a private Postfix instance in the lab, one message per\n"
    "                       scenario; verdict from Postfix's log and fakesmtp's sessions:\n"
    "                       pass, known (lab/mta/postfix/known-deviations), DEVIATION or\n"
    "                       LEAK; exit 0 when no unexplained deviation and no leak;\n"
    "                       --postfix-option only to test the runner (misconfigured MTA)\n"
    "  mta exim [same options] [--exim-binary PATH] [--exim-option [DRIVER:]NAME=VALUE]...\n"
    "      [--exim-retry RULE]\n"
    "                       the same with a private Exim (scripts/fetch-exim brings Debian's,\n"
    "                       never installed; lab/mta/exim/known-deviations); --retry: its\n"
    "                       queue life on the virtual clock (--exim-retry: its retry rule;\n"
    "                       --schedule exchange-online|rfc7672: a rule expressing that\n"
    "                       profile's schedule, each attempt compared with it; Postfix\n"
    "                       refuses --schedule: its backoff cannot express one)\n"
    "  mta command --start CMD --inject CMD [--status CMD] [--stop CMD]\n"
    "      [--kick CMD] [--queue-lifetime TIME] [--command-timeout SECS] [same options]\n"
    "                       any MTA, from shell templates with {rcpt} {msgid} {from}\n"
    "                       {scenario} {qid} {dir} {run} {resolver}; --status prints\n"
    "                       STATUS [DSN] [REASON] (sent|deferred|bounced|pending); without\n"
    "                       it fakesmtp and --timeout decide (see danelab(1)); --retry:\n"
    "                       the commands run on the virtual clock (its variables and\n"
    "                       DANELAB_CLOCK_ENV in their environment), --kick runs the\n"
    "                       queue, --status prints `attempt TIME STATUS [DSN] [REASON]`\n"
    "                       per attempt and `next TIME` while the message is queued\n";

static const char help_build[] =
    "  build                build the signed zones, keys, certificates, trust anchor, configs\n";

static const char help_up[] =
    "  up [--resolver R]    build what changed and start the lab (NSD x2, the validating\n"
    "                       resolver R, fakesmtp); a lab already up is reloaded with what\n"
    "                       changed (run and mta too). R: unbound (default), bind, knot,\n"
    "                       pdns; run, mta and exec take --resolver too (without it: the\n"
    "                       running lab's resolver)\n";

static const char help_down[] =
    "  down                 stop the lab; nothing it started survives\n";

static const char help_status[] =
    "  status [--json]      what runs where (exit 1 when no lab runs)\n";

static const char help_exec[] =
    "  exec [--resolver R] -- CMD [ARG]...\n"
    "                       run CMD inside the lab world, /etc/resolv.conf naming\n"
    "                       the lab resolver\n";

static const char help_lint[] =
    "  lint [FILE]...       check scenario files (default: the catalogue)\n";

static const char help_list[] = "  list [--json]        list the catalogue\n";

static const char help_trace[] =
    "  trace [--clauses FILE] [-o FILE]\n"
    "                       the RFC traceability table (docs/rfc-trace.md): each\n"
    "                       clause of the clause list and the scenarios naming it\n";

static const char help_explain[] =
    "  explain NAME... [--json] [--report FILE]\n"
    "                       what a scenario injects and what a validator reports,\n"
    "                       its TLS-RPT policy and whether a client can read it;\n"
    "                       what the validators observed (with EDE codes) in the\n"
    "                       last run --resolvers (RUN/validators.json) or FILE\n";

static const char help_graph[] =
    "  graph NAME [-o FILE.dot]\n"
    "                       the chain of trust as Graphviz dot (RUN/graphs/NAME.dot),\n"
    "                       rendered to .svg and .png when dot is installed\n";

static const char help_capture[] =
    "  capture DOMAIN [--resolver ADDR[@PORT]] [--trust-anchor FILE] [--port N]\n"
    "      [--timeout SECS] [-o FILE]\n"
    "  capture DOMAIN... -d DIR [-j N] [same options]\n"
    "                       observe a mail domain (DNS, DNSSEC, SMTP, TLS) as the\n"
    "                       reference client does into one JSON evidence file\n"
    "                       (danelab-evidence 1, docs/evidence.schema.json); no mail sent;\n"
    "                       -d: each domain's as DIR/DOMAIN.json, N at a time (default 4)\n";

static const char help_import[] =
    "  import EVIDENCE.json [-o SCENARIO.yaml]\n"
    "  import EVIDENCE.json... -d DIR\n"
    "  import [--dig FILE]... [--s-client [HOST=]FILE]...\n"
    "      [--expect [PROFILE=]STATUS:CODE[:REASON]]... [--evidence-out FILE]\n"
    "      [-o SCENARIO.yaml | -d DIR]\n"
    "                       a scenario under test. that reproduces the evidence, or\n"
    "                       the text of dig +dnssec and openssl s_client -starttls smtp\n"
    "                       -showcerts; what it cannot reproduce is listed (comments, stderr);\n"
    "                       -d: each as DIR/NAME.yaml, a catalogue for -s DIR;\n"
    "                       --evidence-out: the evidence made of the texts\n";

static const char usage_head[] = "usage: danelab [OPTIONS] COMMAND [ARGS]\n"
                                 "\n"
                                 "An offline lab for SMTP DANE (RFC 7672) over DNSSEC.\n"
                                 "\n"
                                 "Commands:\n";

static const char usage_tail[] =
    "\n"
    "Options:\n"
    "  -r, --run-dir DIR    generated material goes here (default $DANELAB_RUN_DIR or ./run)\n"
    "  -s, --scenarios DIR  scenario directory or file; repeatable (default: the catalogue)\n"
    "      --no-netns       run on the host's loopback instead of private namespaces\n"
    "      --now TIME       virtual time for signing: @UNIX or YYYY-MM-DDTHH:MM:SSZ\n"
    "  -v, --verbose        more messages (repeat for debug)\n"
    "  -h, --help           this text;  -V, --version  the version\n"
    "\n"
    "Exit status: 0 success, 1 a scenario deviated, 2 usage or configuration error,\n"
    "or a check that could not be made (an ERROR: the lab did not confirm a change).\n"
    "See danelab(1) and danelab-scenario(5).\n";

struct command {
    const char *name;
    int (*fn)(const struct lab_globals *, int, char **);
    bool makes_run_dir; /* creates the run directory; the others only read it */
    const char *help;   /* its lines of the usage */
    bool own_help;      /* it answers -h/--help itself (with every option) */
};

/* In the order of `danelab --help`. */
static const struct command commands[] = {
    {"run", lab_run_main, true, help_run, true},
    {"report", lab_merge_main, false, help_report, false},
    {"mta", lab_mta_main, true, help_mta, true},
    {"build", lab_cmd_build, true, help_build, false},
    {"up", lab_cmd_up, true, help_up, false},
    {"down", lab_cmd_down, false, help_down, false},
    {"status", lab_cmd_status, false, help_status, false},
    {"exec", lab_cmd_exec, false, help_exec, false},
    {"lint", lab_cmd_lint, false, help_lint, false},
    {"list", lab_cmd_list, false, help_list, false},
    {"trace", lab_cmd_trace, false, help_trace, true},
    {"explain", lab_explain_main, false, help_explain, false},
    {"graph", lab_graph_main, true, help_graph, false},
    {"capture", lab_cmd_capture, false, help_capture, true},
    {"import", lab_cmd_import, false, help_import, true},
};

/* The whole usage: every command's help between the head and the tail. */
static void print_usage(FILE *f)
{
    fputs(usage_head, f);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fputs(commands[i].help, f);
    fputs(usage_tail, f);
}

/* The commands that bring the lab up take `--resolver R` (or
 * --resolver=R) among their own options, before a "--": it is taken out
 * of argv here, once for all four, into g->resolver. Returns -1 (after
 * saying so) for an unknown or missing R. */
static int take_resolver(const char *cmd, int *argc, char **argv, struct lab_globals *g)
{
    static const char *const takers[] = {"up", "run", "mta", "exec"};
    bool takes = false;
    int out = 1;
    for (size_t i = 0; i < sizeof(takers) / sizeof(takers[0]); i++)
        takes = takes || strcmp(cmd, takers[i]) == 0;
    for (int i = 1; i < *argc; i++) {
        const char *v = NULL;
        if (takes && strcmp(argv[i], "--") == 0)
            takes = false;
        else if (takes && strcmp(argv[i], "--resolver") == 0)
            v = i + 1 < *argc ? argv[++i] : "";
        else if (takes && strncmp(argv[i], "--resolver=", 11) == 0)
            v = argv[i] + 11;
        if (v == NULL) {
            argv[out++] = argv[i];
            continue;
        }
        if (lab_resconf_lookup(v) < 0) {
            dl_err("--resolver '%s': expected unbound, bind, knot or pdns", v);
            return -1;
        }
        g->resolver = v;
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}

/* Whether the command's arguments (before a "--") ask for help. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    return false;
}

/* Built-in data: beside the binary in a source tree (bin/../REL, or
 * build-san/bin/../../REL), else the installed data directory
 * (DATADIR/INSTALLED); NULL when `must_exist` and none is there. */
static char *default_data(const char *rel, const char *installed, bool dir, bool must_exist)
{
    char exe[PATH_MAX];
    struct stat st;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *cand;
    if (n > 0) {
        const char *up[] = {"..", "../.."};
        char *bindir;
        exe[n] = '\0';
        bindir = dirname(exe);
        for (size_t i = 0; i < 2; i++) {
            char *real;
            cand = dl_xasprintf("%s/%s/%s", bindir, up[i], rel);
            real = stat(cand, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))
                       ? realpath(cand, NULL)
                       : NULL;
            free(cand);
            if (real != NULL)
                return real;
        }
    }
    cand = dl_xasprintf("%s/%s", DANELAB_DATADIR, installed);
    if (must_exist && stat(cand, &st) != 0) {
        free(cand);
        return NULL;
    }
    return cand;
}

/* The run directory as an absolute path; created when `create`, else it
 * may be missing (then nothing runs from it). */
static char *run_dir(const char *given, bool create)
{
    struct dl_error err;
    char *abs, *cwd;
    const char *dir = given ? given : getenv("DANELAB_RUN_DIR");
    if (dir == NULL || *dir == '\0')
        dir = "run";
    if (create && dl_mkdir_p(dir, 0755, &err) != 0) {
        dl_err("run directory: %s", err.msg);
        return NULL;
    }
    if ((abs = realpath(dir, NULL)) != NULL || create || errno != ENOENT) {
        if (abs == NULL)
            dl_err("run directory %s: %s", dir, strerror(errno));
        return abs;
    }
    if (dir[0] == '/')
        return dl_xstrdup(dir);
    cwd = getcwd(NULL, 0);
    abs = dl_xasprintf("%s/%s", cwd ? cwd : ".", dir);
    free(cwd);
    return abs;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"run-dir", required_argument, NULL, 'r'}, {"scenarios", required_argument, NULL, 's'},
        {"no-netns", no_argument, NULL, 'N'},      {"now", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
    };
    struct lab_globals g = {.netns = true, .now = time(NULL)};
    const char **dirs = dl_xcalloc((size_t)argc + 1, sizeof(char *));
    char *given_run = NULL, *catalogue = NULL, *clauses = NULL, *run = NULL;
    int c, n, verbose = 0, rc = 2;

    while ((c = getopt_long(argc, argv, "+r:s:vhV", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            given_run = optarg;
            break;
        case 's':
            dirs[g.n_scenario_dirs++] = optarg;
            break;
        case 'N':
            g.netns = false;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            print_usage(stdout);
            free(dirs);
            return 0;
        case 'V':
            printf("danelab %s\n", DANELAB_VERSION);
            free(dirs);
            return 0;
        case 'T':
            if (dl_parse_time(optarg, &g.now) == 0)
                break;
            fprintf(stderr, "danelab: --now '%s': expected @UNIX or YYYY-MM-DDTHH:MM:SSZ\n",
                    optarg);
            free(dirs);
            return 2;
        default:
            print_usage(stderr);
            free(dirs);
            return 2;
        }
    }
    dl_log_init("danelab", verbose);
    if (optind >= argc) {
        print_usage(stderr);
        free(dirs);
        return 2;
    }
    if (g.n_scenario_dirs == 0)
        dirs[g.n_scenario_dirs++] = catalogue =
            default_data("lab/scenarios", "scenarios", true, false);
    g.scenario_dirs = dirs;
    g.clauses = clauses = default_data("lab/rfc/clauses.txt", "rfc/clauses.txt", false, true);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, argv[optind]) != 0)
            continue;
        if (!commands[i].own_help && wants_help(argc - optind, argv + optind)) {
            printf("usage: danelab [GLOBAL-OPTIONS] COMMAND [ARGS]\n%s\n"
                   "Global options: danelab --help. See danelab(1).\n",
                   commands[i].help);
            rc = 0;
            goto out;
        }
        n = argc - optind;
        if (take_resolver(argv[optind], &n, argv + optind, &g) != 0)
            goto out;
        argc = optind + n;
        /* (no run directory is made only to print a command's help) */
        if ((run = run_dir(given_run, commands[i].makes_run_dir &&
                                          !wants_help(argc - optind, argv + optind))) != NULL) {
            g.run_dir = run;
            rc = commands[i].fn(&g, argc - optind, argv + optind);
        }
        goto out;
    }
    dl_err("unknown command '%s' (see danelab --help)", argv[optind]);
out:
    free(run);
    free(catalogue);
    free(clauses);
    free(dirs);
    return rc;
}
