/*
 * fsmtp_server: the fakesmtp event loop (libevent 2.1): one listening
 * socket per configured listener, what to accept (the session bound, a
 * pause when descriptors run out; the sessions themselves are
 * fsmtp_conns'), and the signals: SIGHUP reloads the configuration
 * (sessions in flight keep the behaviour they started with; listeners are
 * added and removed), SIGTERM and SIGINT stop accepting and give sessions
 * in flight the configured grace period before the loop ends.
 */
#ifndef FSMTP_SERVER_H
#define FSMTP_SERVER_H

#include "dl_error.h"
#include "fsmtp_conf.h"

struct fsmtp_server;

/* Bind every listener of conf (the server takes ownership of conf, also on
 * failure). Returns NULL with err set when a listener cannot be bound. */
struct fsmtp_server *fsmtp_server_new(struct fsmtp_conf *conf, struct dl_error *err);

/* Run until stopped by SIGTERM or SIGINT. Returns 0. */
int fsmtp_server_run(struct fsmtp_server *srv);

/* The configuration in force (borrowed). */
const struct fsmtp_conf *fsmtp_server_conf(const struct fsmtp_server *srv);

void fsmtp_server_free(struct fsmtp_server *srv);

#endif
