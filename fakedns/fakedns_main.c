/*
 * fakedns: a DNS responder that misbehaves on purpose, in front of a real
 * authoritative server. Thin main over fdns_server; see fakedns(8).
 */
#include "dl_log.h"
#include "dl_util.h"
#include "fdns_server.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKEDNS_VERSION "0.1"

static void usage(FILE *f)
{
    fprintf(f, "usage: fakedns -c RULES -u UPSTREAM [-l ADDRESS] [-P PORT] [-p PIDFILE] [-t] "
               "[-v]...\n"
               "  -c, --config FILE     the rules, one a line: ADDRESS ZONE TYPE ACTION [EVERY]\n"
               "  -u, --upstream ADDR   the real server every other query goes to\n"
               "  -l, --listen ADDR     listen here too (no rules: everything forwarded)\n"
               "  -P, --port PORT       port to listen on and forward to (default 53)\n"
               "  -p, --pidfile FILE    write the process id to FILE\n"
               "  -t, --test            check the rules and exit\n"
               "  -v, --verbose         log every query and what was done with it\n"
               "  -h, --help            this text\n"
               "  -V, --version         print the version\n"
               "actions: servfail, refused, notimp, drop [EVERY: answer one query in EVERY], "
               "truncate (TC over UDP)\n"
               "signals: HUP reads the rules again, TERM/INT stop\n");
}

static int write_pid(const char *pidfile)
{
    struct dl_error err;
    char *pid = dl_xasprintf("%d\n", (int)getpid());
    int rc = dl_write_file(pidfile, pid, strlen(pid), 0644, &err);
    if (rc != 0)
        dl_err("%s", err.msg);
    free(pid);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"upstream", required_argument, NULL, 'u'},
        {"listen", required_argument, NULL, 'l'},  {"port", required_argument, NULL, 'P'},
        {"pidfile", required_argument, NULL, 'p'}, {"test", no_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0}};
    struct fdns_server_opts o = {.port = 53, .timeout_ms = 3000};
    const char *pidfile = NULL;
    bool test = false;
    int verbose = 0, ch, rc;
    struct dl_error err = {{0}};
    char *end;

    while ((ch = getopt_long(argc, argv, "c:u:l:P:p:tvhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o.conf_path = optarg;
            break;
        case 'u':
            o.upstream = optarg;
            break;
        case 'l':
            o.listen = optarg;
            break;
        case 'P':
            o.port = (unsigned)strtoul(optarg, &end, 10);
            if (*end != '\0' || o.port == 0 || o.port > 65535) {
                fprintf(stderr, "fakedns: bad port '%s'\n", optarg);
                return 2;
            }
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 't':
            test = true;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("fakedns %s\n", FAKEDNS_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (o.conf_path == NULL || (o.upstream == NULL && !test) || optind != argc) {
        usage(stderr);
        return 2;
    }
    dl_log_init("fakedns", verbose);
    if (test) {
        rc = fdns_server_check(o.conf_path, &err);
        if (rc != 0)
            dl_err("%s", err.msg);
        else
            printf("%s: ok\n", o.conf_path);
        return rc == 0 ? 0 : 2;
    }
    if (pidfile != NULL && write_pid(pidfile) != 0)
        return 1;
    rc = fdns_server_run(&o, &err);
    if (rc != 0)
        dl_err("%s", err.msg);
    if (pidfile != NULL)
        unlink(pidfile);
    return rc == 0 ? 0 : 1;
}
