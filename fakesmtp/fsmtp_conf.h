/*
 * fsmtp_conf: the fakesmtp configuration, a JSON file (format in
 * fakesmtp(8)). Loading resolves relative paths against the configuration
 * file's directory, creates each listener's maildir and builds its TLS
 * context, so that a configuration that loads is one that can be served.
 * Errors name the file and line (JSON syntax) or the JSON path of the
 * offending value ("conf.json: $.listeners[1].tls.cert: ...").
 * The listeners themselves are fsmtp_listener's.
 */
#ifndef FSMTP_CONF_H
#define FSMTP_CONF_H

#include "dl_error.h"
#include "fsmtp_listener.h"

#include <stddef.h>

struct fsmtp_conf {
    char *path;        /* absolute path of the file */
    char *session_log; /* NULL: no session log */
    char *pidfile;
    int grace;           /* seconds to let sessions finish at SIGTERM */
    int max_sessions;    /* as configured; the server may lower it (fsmtp_guard) */
    size_t max_buffered; /* message bytes held in memory by all sessions */
    struct fsmtp_listener **listeners;
    size_t n_listeners;
};

/* Load and validate a configuration file. Returns a new configuration the
 * caller releases with fsmtp_conf_free(), or NULL with err set. */
struct fsmtp_conf *fsmtp_conf_load(const char *path, struct dl_error *err);

/* Parse a configuration from JSON text (path names it in errors and anchors
 * relative paths). Same contract as fsmtp_conf_load(). */
struct fsmtp_conf *fsmtp_conf_parse(const char *text, const char *path, struct dl_error *err);

/* Load old's file again, for a reload: a listener whose configuration
 * object and files are unchanged (fsmtp_listener_fingerprint) is old's
 * own, referenced, not built again; *rebuilt counts the others. Same
 * contract as fsmtp_conf_load(); old is not changed. */
struct fsmtp_conf *fsmtp_conf_reload(const struct fsmtp_conf *old, size_t *rebuilt,
                                     struct dl_error *err);

void fsmtp_conf_free(struct fsmtp_conf *conf);

#endif
