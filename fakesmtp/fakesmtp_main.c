/*
 * fakesmtp: a scripted SMTP server for DANE tests. Thin main over
 * fsmtp_conf and fsmtp_server; see fakesmtp(8).
 */
#include "dl_log.h"
#include "dl_util.h"
#include "fsmtp_conf.h"
#include "fsmtp_server.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKESMTP_VERSION "0.1"

static void usage(FILE *f)
{
    fprintf(f, "usage: fakesmtp -c CONFIG [-f] [-p PIDFILE] [-t] [-v]...\n"
               "  -c, --config FILE   configuration (JSON, see fakesmtp(8))\n"
               "  -f, --foreground    do not detach; log to stderr\n"
               "  -p, --pidfile FILE  write the process id to FILE\n"
               "  -t, --test          check the configuration and exit\n"
               "  -v, --verbose       more log output (repeatable)\n"
               "  -h, --help          this text\n"
               "  -V, --version       print the version\n"
               "signals: HUP reloads the configuration, TERM/INT stop gracefully\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"foreground", no_argument, NULL, 'f'},
        {"pidfile", required_argument, NULL, 'p'}, {"test", no_argument, NULL, 't'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0}};
    const char *config = NULL, *pidfile = NULL;
    bool foreground = false, test = false;
    int verbose = 0, ch, rc;
    struct dl_error err;
    struct fsmtp_conf *conf;
    struct fsmtp_server *srv;
    char *pid;

    while ((ch = getopt_long(argc, argv, "c:fp:tvhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case 'f':
            foreground = true;
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
            printf("fakesmtp %s\n", FAKESMTP_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (config == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    dl_log_init("fakesmtp", verbose);
    conf = fsmtp_conf_load(config, &err);
    if (conf == NULL) {
        dl_err("%s", err.msg);
        return 2;
    }
    if (test) {
        printf("%s: ok, %zu listeners\n", config, conf->n_listeners);
        fsmtp_conf_free(conf);
        return 0;
    }
    if (pidfile == NULL && conf->pidfile != NULL)
        pidfile = conf->pidfile;
    if (pidfile != NULL && pidfile[0] != '/') { /* daemon() moves to / */
        char *cwd = getcwd(NULL, 0);
        pidfile = dl_xasprintf("%s/%s", cwd != NULL ? cwd : ".", pidfile);
        free(cwd);
    } else if (pidfile != NULL) {
        pidfile = dl_xstrdup(pidfile);
    }
    srv = fsmtp_server_new(conf, &err);
    if (srv == NULL) {
        dl_err("%s", err.msg);
        free((char *)pidfile);
        return 1;
    }
    if (!foreground && daemon(0, 0) != 0) {
        dl_err("daemon: %m");
        fsmtp_server_free(srv);
        free((char *)pidfile);
        return 1;
    }
    if (pidfile != NULL) {
        pid = dl_xasprintf("%d\n", (int)getpid());
        if (dl_write_file(pidfile, pid, strlen(pid), 0644, &err) != 0)
            dl_warn("%s", err.msg);
        free(pid);
    }
    dl_info("ready: %zu listeners", fsmtp_server_conf(srv)->n_listeners);
    rc = fsmtp_server_run(srv);
    fsmtp_server_free(srv);
    if (pidfile != NULL)
        unlink(pidfile);
    free((char *)pidfile);
    return rc;
}
