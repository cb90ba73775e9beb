/*
 * fsmtp_conns: fakesmtp's sessions in flight, one per accepted connection:
 * the socket's bufferevent feeding an smtp_session, the banner delay, TLS
 * through a bufferevent_openssl filter after STARTTLS, back-pressure on a
 * client that sends without reading, the line and session deadlines, and
 * the session log record written when a session ends.
 *
 * What to accept is the caller's (fsmtp_server: listeners, the session
 * bound, signals); it learns through the ended hook that a descriptor is
 * free again.
 */
#ifndef FSMTP_CONNS_H
#define FSMTP_CONNS_H

#include "fsmtp_guard.h"
#include "fsmtp_listener.h"

#include <event2/event.h>
#include <stdbool.h>
#include <sys/socket.h>

struct fsmtp_conns;

struct fsmtp_conns_hooks {
    void *arg;
    /* A connection ended and its socket is closed (called after the count
     * dropped). */
    void (*ended)(void *arg);
};

/* Sessions on base; message text reserved in guard (borrowed, as base;
 * both must outlive the set). hooks is copied. */
struct fsmtp_conns *fsmtp_conns_new(struct event_base *base, struct fsmtp_guard *guard,
                                    const struct fsmtp_conns_hooks *hooks);

/* End every session (records written, ended hook called) and free the set. */
void fsmtp_conns_free(struct fsmtp_conns *cs);

/* Where the records of sessions that end from now on go: borrowed until
 * the next call; NULL for no session log. */
void fsmtp_conns_set_log(struct fsmtp_conns *cs, const char *session_log);

/* Serve a session of listener l (one reference taken) on the accepted
 * socket fd, from the peer sa. The set owns fd from here on. */
void fsmtp_conns_accept(struct fsmtp_conns *cs, struct fsmtp_listener *l, evutil_socket_t fd,
                        const struct sockaddr *sa);

/* Sessions in flight, and how many of those are closing (their last reply
 * going out, within a few seconds). */
int fsmtp_conns_count(const struct fsmtp_conns *cs);
int fsmtp_conns_closing(const struct fsmtp_conns *cs);

/* End with 421 the session whose pending line began longest ago (at least
 * a second), to give its slot to a new client. Returns whether one was. */
bool fsmtp_conns_evict_slowest(struct fsmtp_conns *cs);

/* End with 421 every session past its command or session deadline; call
 * it about once a second. */
void fsmtp_conns_check_deadlines(struct fsmtp_conns *cs);

/* The grace period is over: 421 to every session, sent as far as the
 * socket takes it without blocking, and each ended. */
void fsmtp_conns_shutdown(struct fsmtp_conns *cs);

#endif
