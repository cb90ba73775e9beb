#include "fsmtp_server.h"
#include "fsmtp_conns.h"
#include "fsmtp_guard.h"
#include "dl_util.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TICK_MS         1000 /* how often line and session deadlines are checked */
#define ACCEPT_PAUSE_MS 1000 /* accepting paused this long after EMFILE at most */
#define CLOSING_SLACK   16   /* closing sessions allowed beyond max_sessions */

struct bound {
    struct fsmtp_server *srv;
    struct evconnlistener *evl;
    struct fsmtp_listener *l; /* one reference */
};

struct fsmtp_server {
    struct event_base *base;
    struct fsmtp_conf *conf;
    struct bound **bound;
    size_t n_bound;
    struct fsmtp_conns *conns;
    int max_sessions; /* conf's, lowered to what the descriptor limit allows */
    struct fsmtp_guard *guard;
    bool stopping, accept_paused;
    double pause_logged; /* dl_mono() of the last "not accepting" log line */
    unsigned long pauses;
    struct event *sig_hup, *sig_term, *sig_int, *grace_timer, *tick, *resume_timer;
};

static void resume_accepting(struct fsmtp_server *srv);

/* A session ended: its descriptor is free again. */
static void conn_ended(void *arg)
{
    struct fsmtp_server *srv = arg;
    if (srv->accept_paused)
        resume_accepting(srv);
    if (srv->stopping && fsmtp_conns_count(srv->conns) == 0)
        event_base_loopexit(srv->base, NULL);
}

/* Room for one more session: under max_sessions once closing ones are
 * left out (they end within seconds: fsmtp_conns), evicting the slowest
 * when full, and never more than CLOSING_SLACK sockets beyond the bound. */
static bool have_room(struct fsmtp_server *srv)
{
    int n = fsmtp_conns_count(srv->conns);
    if (srv->stopping || n >= srv->max_sessions + CLOSING_SLACK)
        return false;
    return n - fsmtp_conns_closing(srv->conns) < srv->max_sessions ||
           fsmtp_conns_evict_slowest(srv->conns);
}

static void accept_cb(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    struct bound *b = arg;
    struct fsmtp_server *srv = b->srv;
    (void)evl;
    (void)socklen;
    if (!have_room(srv)) {
        static const char busy[] = "421 4.3.2 Too many sessions, try again later\r\n";
        if (write(fd, busy, sizeof(busy) - 1) < 0)
            dl_debug("busy reply: %s", strerror(errno));
        evutil_closesocket(fd);
        return;
    }
    fsmtp_conns_accept(srv->conns, b->l, fd, sa);
}

static void set_listening(struct fsmtp_server *srv, bool on)
{
    for (size_t i = 0; i < srv->n_bound; i++)
        if (srv->bound[i] != NULL)
            (on ? evconnlistener_enable : evconnlistener_disable)(srv->bound[i]->evl);
}

static void resume_accepting(struct fsmtp_server *srv)
{
    if (!srv->accept_paused || srv->stopping)
        return;
    srv->accept_paused = false;
    evtimer_del(srv->resume_timer);
    set_listening(srv, true);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    resume_accepting(arg);
}

/* accept() failed. Out of descriptors or memory: stop accepting until a
 * session ends or ACCEPT_PAUSE_MS pass (not a busy loop on a listening
 * socket that stays readable), and say so at most every 10 seconds. */
static void accept_error_cb(struct evconnlistener *evl, void *arg)
{
    struct bound *b = arg;
    struct fsmtp_server *srv = b->srv;
    int e = EVUTIL_SOCKET_ERROR();
    struct timeval tv = {ACCEPT_PAUSE_MS / 1000, (ACCEPT_PAUSE_MS % 1000) * 1000};
    (void)evl;
    if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
        dl_debug("%s: accept: %s", b->l->name, evutil_socket_error_to_string(e));
        return;
    }
    srv->pauses++;
    if (dl_mono() - srv->pause_logged >= 10) {
        dl_err("%s: accept: %s: not accepting until a session ends (%d sessions; %lu pauses)",
               b->l->name, evutil_socket_error_to_string(e), fsmtp_conns_count(srv->conns),
               srv->pauses);
        srv->pause_logged = dl_mono();
    }
    srv->accept_paused = true;
    set_listening(srv, false);
    evtimer_add(srv->resume_timer, &tv);
}

/* Once a second: the sessions' deadlines (fsmtp_conns). */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fsmtp_server *srv = arg;
    (void)fd;
    (void)what;
    fsmtp_conns_check_deadlines(srv->conns);
}

static struct bound *bind_listener(struct fsmtp_server *srv, struct fsmtp_listener *l,
                                   struct dl_error *err)
{
    struct sockaddr_storage ss;
    int sslen = sizeof(ss);
    char *spec = strchr(l->address, ':') != NULL ? dl_xasprintf("[%s]:%d", l->address, l->port)
                                                 : dl_xasprintf("%s:%d", l->address, l->port);
    struct bound *b;
    memset(&ss, 0, sizeof(ss));
    if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0) {
        dl_error_set(err, "%s: %s: not an IP address", l->name, l->address);
        free(spec);
        return NULL;
    }
    b = dl_xcalloc(1, sizeof(*b));
    b->srv = srv;
    b->evl = evconnlistener_new_bind(
        srv->base, accept_cb, b, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        256, (struct sockaddr *)&ss, sslen);
    if (b->evl == NULL) {
        dl_error_set(err, "%s: bind %s: %s", l->name, spec, strerror(errno));
        free(spec);
        free(b);
        return NULL;
    }
    free(spec);
    b->l = fsmtp_listener_ref(l);
    evconnlistener_set_error_cb(b->evl, accept_error_cb);
    if (srv->accept_paused)
        evconnlistener_disable(b->evl);
    dl_info("%s: listening on %s port %d", l->name, l->address, l->port);
    return b;
}

static void bound_free(struct bound *b)
{
    evconnlistener_free(b->evl);
    fsmtp_listener_unref(b->l);
    free(b);
}

static void close_listeners(struct fsmtp_server *srv)
{
    for (size_t i = 0; i < srv->n_bound; i++)
        bound_free(srv->bound[i]);
    free(srv->bound);
    srv->bound = NULL;
    srv->n_bound = 0;
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fsmtp_server *srv = arg;
    (void)fd;
    (void)what;
    dl_info("grace period over: closing %d sessions", fsmtp_conns_count(srv->conns));
    fsmtp_conns_shutdown(srv->conns);
    event_base_loopexit(srv->base, NULL);
}

/* Stop accepting; end the loop once sessions finish or the grace ends. */
static void server_stop(struct fsmtp_server *srv)
{
    struct timeval tv = {srv->conf->grace, 0};
    if (srv->stopping)
        return;
    srv->stopping = true;
    close_listeners(srv);
    if (fsmtp_conns_count(srv->conns) == 0) {
        event_base_loopexit(srv->base, NULL);
        return;
    }
    dl_info("stopping: %d sessions in flight, %d s grace", fsmtp_conns_count(srv->conns),
            srv->conf->grace);
    srv->grace_timer = evtimer_new(srv->base, grace_cb, srv);
    evtimer_add(srv->grace_timer, &tv);
}

/* max_sessions as the descriptor limit allows (fsmtp_guard). */
static void session_cap(struct fsmtp_server *srv)
{
    char why[256];
    srv->max_sessions =
        fsmtp_guard_session_cap(srv->conf->max_sessions, srv->conf->n_listeners, why, sizeof(why));
    if (why[0] != '\0')
        dl_warn("%s", why);
}

/* Re-read the configuration file; on error the running one stays. */
static int server_reload(struct fsmtp_server *srv, size_t *rebuilt, struct dl_error *err)
{
    struct fsmtp_conf *nc = fsmtp_conf_reload(srv->conf, rebuilt, err);
    struct bound **nb;
    size_t n = 0;
    if (nc == NULL)
        return -1;
    nb = dl_xcalloc(nc->n_listeners, sizeof(*nb));
    for (size_t i = 0; i < nc->n_listeners; i++) {
        struct fsmtp_listener *l = nc->listeners[i];
        struct bound *b = NULL;
        for (size_t k = 0; k < srv->n_bound && b == NULL; k++) {
            struct bound *o = srv->bound[k];
            if (o != NULL && o->l->port == l->port && strcmp(o->l->address, l->address) == 0) {
                b = o;
                srv->bound[k] = NULL;
            }
        }
        if (b != NULL) { /* same socket, new behaviour for new sessions */
            fsmtp_listener_unref(b->l);
            b->l = fsmtp_listener_ref(l);
        } else {
            struct dl_error e;
            b = bind_listener(srv, l, &e);
            if (b == NULL) {
                dl_err("reload: %s", e.msg);
                continue;
            }
        }
        nb[n++] = b;
    }
    for (size_t k = 0; k < srv->n_bound; k++)
        if (srv->bound[k] != NULL) {
            dl_info("%s: no longer listening on %s port %d", srv->bound[k]->l->name,
                    srv->bound[k]->l->address, srv->bound[k]->l->port);
            bound_free(srv->bound[k]);
        }
    free(srv->bound);
    srv->bound = nb;
    srv->n_bound = n;
    fsmtp_conf_free(srv->conf);
    srv->conf = nc;
    fsmtp_conns_set_log(srv->conns, nc->session_log);
    session_cap(srv);
    return 0;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    struct fsmtp_server *srv = arg;
    (void)what;
    if (sig == SIGHUP) {
        struct dl_error err;
        size_t rebuilt = 0;
        if (srv->stopping)
            return;
        if (server_reload(srv, &rebuilt, &err) != 0)
            dl_err("reload failed, keeping the running configuration: %s", err.msg);
        else
            dl_info("configuration reloaded: %zu listeners (%zu changed)", srv->n_bound, rebuilt);
        return;
    }
    server_stop(srv);
}

struct fsmtp_server *fsmtp_server_new(struct fsmtp_conf *conf, struct dl_error *err)
{
    struct fsmtp_server *srv = dl_xcalloc(1, sizeof(*srv));
    struct fsmtp_conns_hooks hooks = {.arg = srv, .ended = conn_ended};
    srv->conf = conf;
    srv->base = event_base_new();
    if (srv->base == NULL) {
        dl_error_set(err, "event_base_new failed");
        goto fail;
    }
    srv->guard = fsmtp_guard_new(conf->max_buffered);
    srv->conns = fsmtp_conns_new(srv->base, srv->guard, &hooks);
    fsmtp_conns_set_log(srv->conns, conf->session_log);
    session_cap(srv);
    srv->resume_timer = evtimer_new(srv->base, resume_cb, srv);
    srv->tick = event_new(srv->base, -1, EV_PERSIST, tick_cb, srv);
    {
        struct timeval tick = {TICK_MS / 1000, (TICK_MS % 1000) * 1000};
        evtimer_add(srv->tick, &tick);
    }
    srv->bound = dl_xcalloc(conf->n_listeners, sizeof(*srv->bound));
    for (size_t i = 0; i < conf->n_listeners; i++) {
        srv->bound[i] = bind_listener(srv, conf->listeners[i], err);
        if (srv->bound[i] == NULL)
            goto fail;
        srv->n_bound++;
    }
    signal(SIGPIPE, SIG_IGN);
    srv->sig_hup = evsignal_new(srv->base, SIGHUP, signal_cb, srv);
    srv->sig_term = evsignal_new(srv->base, SIGTERM, signal_cb, srv);
    srv->sig_int = evsignal_new(srv->base, SIGINT, signal_cb, srv);
    evsignal_add(srv->sig_hup, NULL);
    evsignal_add(srv->sig_term, NULL);
    evsignal_add(srv->sig_int, NULL);
    return srv;
fail:
    fsmtp_server_free(srv);
    return NULL;
}

int fsmtp_server_run(struct fsmtp_server *srv)
{
    event_base_dispatch(srv->base);
    return 0;
}

const struct fsmtp_conf *fsmtp_server_conf(const struct fsmtp_server *srv)
{
    return srv->conf;
}

void fsmtp_server_free(struct fsmtp_server *srv)
{
    struct event *events[6];
    if (srv == NULL)
        return;
    fsmtp_conns_free(srv->conns);
    srv->conns = NULL;
    close_listeners(srv);
    events[0] = srv->grace_timer;
    events[1] = srv->tick;
    events[2] = srv->resume_timer;
    events[3] = srv->sig_hup;
    events[4] = srv->sig_term;
    events[5] = srv->sig_int;
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (events[i] != NULL)
            event_free(events[i]);
    if (srv->base != NULL)
        event_base_free(srv->base);
    fsmtp_conf_free(srv->conf);
    fsmtp_guard_free(srv->guard);
    free(srv);
}
