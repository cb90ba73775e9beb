#include "fsmtp_server.h"
#include "fsmtp_guard.h"
#include "fsmtp_log.h"
#include "fsmtp_tls.h"
#include "smtp_session.h"
#include "dl_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLOSE_WRITE_TIMEOUT 5           /* seconds to flush the last reply */
#define INPUT_HIGH          (64 * 1024) /* stop reading the socket beyond this */
#define OUTPUT_HIGH         (64 * 1024) /* stop processing input while replies wait */
#define TICK_MS             1000        /* how often line and session deadlines are checked */
#define ACCEPT_PAUSE_MS     1000        /* accepting paused this long after EMFILE at most */
#define EVICT_MIN_AGE       1.0         /* a line pending this long may lose its slot */
#define CLOSING_SLACK       16          /* closing sessions allowed beyond max_sessions */

struct bound {
    struct fsmtp_server *srv;
    struct evconnlistener *evl;
    struct fsmtp_listener *l; /* one reference */
};

struct conn {
    struct fsmtp_server *srv;
    struct conn *prev, *next;
    struct bufferevent *bev;
    struct smtp_session *sess;
    struct event *banner_timer;
    char start[32];
    double started;       /* dl_mono() at accept */
    double partial_since; /* dl_mono() when the pending line began, or 0 */
    bool closing;
    bool throttled; /* replies pile up: input waits until they are sent */
};

struct fsmtp_server {
    struct event_base *base;
    struct fsmtp_conf *conf;
    struct bound **bound;
    size_t n_bound;
    struct conn *conns;
    int n_conns, n_closing;
    int max_sessions; /* conf's, lowered to what the descriptor limit allows */
    struct fsmtp_guard *guard;
    bool stopping, accept_paused;
    double pause_logged; /* dl_mono() of the last "not accepting" log line */
    unsigned long pauses;
    struct event *sig_hup, *sig_term, *sig_int, *grace_timer, *tick, *resume_timer;
};

static void conn_end(struct conn *c);
static void conn_act(struct conn *c, enum smtp_action act);
static void resume_accepting(struct fsmtp_server *srv);

static void write_record(struct conn *c)
{
    struct dl_error err;
    char end[32];
    json_t *rec = smtp_session_record(c->sess);
    if (c->srv->conf->session_log == NULL)
        return;
    fsmtp_log_now(end, sizeof(end));
    json_object_set_new(rec, "start", json_string(c->start));
    json_object_set_new(rec, "end", json_string(end));
    if (fsmtp_log_append(c->srv->conf->session_log, rec, &err) != 0)
        dl_err("session log: %s", err.msg);
}

/* Write what bev still holds straight to its socket, once, without
 * blocking (a socket bufferevent's output cannot be drained from outside
 * its callbacks, so copy it out). */
static void write_pending(struct bufferevent *bev)
{
    struct evbuffer *out = bufferevent_get_output(bev);
    size_t n = evbuffer_get_length(out);
    unsigned char *p = n > 0 ? evbuffer_pullup(out, -1) : NULL;
    if (p != NULL && write(bufferevent_getfd(bev), p, n) < 0)
        dl_debug("final write: %s", strerror(errno));
}

static void conn_end(struct conn *c)
{
    struct fsmtp_server *srv = c->srv;
    struct bufferevent *under;
    smtp_session_eof(c->sess, "connection closed");
    write_record(c);
    /* best effort: a TLS filter may leave the last reply in the socket's buffer */
    under = bufferevent_get_underlying(c->bev);
    if (under != NULL)
        write_pending(under);
    if (c->banner_timer != NULL)
        event_free(c->banner_timer);
    bufferevent_free(c->bev);
    smtp_session_free(c->sess);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    srv->n_conns--;
    srv->n_closing -= c->closing;
    free(c);
    if (srv->accept_paused)
        resume_accepting(srv); /* a descriptor is free again */
    if (srv->stopping && srv->n_conns == 0)
        event_base_loopexit(srv->base, NULL);
}

static void flush_output(struct conn *c)
{
    struct dl_buf *out = smtp_session_output(c->sess);
    if (out->len > 0)
        bufferevent_write(c->bev, out->data, out->len);
    out->len = 0;
}

static void read_cb(struct bufferevent *bev, void *arg);
static void write_cb(struct bufferevent *bev, void *arg);
static void event_cb(struct bufferevent *bev, short events, void *arg);

/* Timeouts and the input bound for c->bev. */
static void setup_bev(struct conn *c)
{
    struct timeval tv = {smtp_session_listener(c->sess)->idle_timeout, 0};
    bufferevent_set_timeouts(c->bev, &tv, &tv);
    bufferevent_setwatermark(c->bev, EV_READ, 0, INPUT_HIGH);
}

static void start_tls(struct conn *c)
{
    const struct fsmtp_listener *l = smtp_session_listener(c->sess);
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct bufferevent *tls;
    SSL *ssl;
    char junk[4096];
    int n;
    /* bytes pipelined after STARTTLS were never protected: discard them */
    while ((n = evbuffer_remove(in, junk, sizeof(junk))) > 0)
        smtp_session_input(c->sess, junk, (size_t)n);
    ssl = SSL_new(l->tls.ssl_ctx);
    if (ssl == NULL) {
        conn_act(c, smtp_session_tls_failed(c->sess, "SSL_new failed", NULL));
        return;
    }
    tls = bufferevent_openssl_filter_new(c->srv->base, c->bev, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (tls == NULL) {
        SSL_free(ssl);
        conn_act(c, smtp_session_tls_failed(c->sess, "cannot start TLS", NULL));
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
    c->bev = tls;
    bufferevent_setcb(tls, read_cb, write_cb, event_cb, c);
    setup_bev(c);
    bufferevent_enable(tls, EV_READ | EV_WRITE);
}

static void conn_act(struct conn *c, enum smtp_action act)
{
    flush_output(c);
    switch (act) {
    case SMTP_ACTION_NONE:
        break;
    case SMTP_ACTION_STARTTLS:
        start_tls(c);
        break;
    case SMTP_ACTION_CLOSE: {
        struct timeval tv = {CLOSE_WRITE_TIMEOUT, 0};
        c->srv->n_closing += !c->closing;
        c->closing = true;
        bufferevent_disable(c->bev, EV_READ);
        bufferevent_set_timeouts(c->bev, NULL, &tv);
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            conn_end(c);
        break;
    }
    }
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    enum smtp_action act = SMTP_ACTION_NONE;
    char buf[4096];
    int n;
    if (c->closing) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    /* Decrypted bytes can come before the handshake is reported done (the
     * client's EHLO in the same segment as its Finished): they are
     * protected, so keep them for when it is (event_cb). */
    if (smtp_session_state(c->sess) == SMTP_STATE_TLS)
        return;
    /* a client that sends without reading replies is paused, not buffered */
    while (act == SMTP_ACTION_NONE &&
           evbuffer_get_length(bufferevent_get_output(bev)) < OUTPUT_HIGH &&
           (n = evbuffer_remove(in, buf, sizeof(buf))) > 0) {
        act = smtp_session_input(c->sess, buf, (size_t)n);
        flush_output(c);
    }
    if (act == SMTP_ACTION_NONE && evbuffer_get_length(in) > 0) {
        c->throttled = true;
        bufferevent_disable(bev, EV_READ);
    }
    conn_act(c, act);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->closing) {
        conn_end(c);
    } else if (c->throttled) {
        c->throttled = false;
        bufferevent_enable(bev, EV_READ);
        read_cb(bev, c);
    }
}

static void event_cb(struct bufferevent *bev, short events, void *arg)
{
    struct conn *c = arg;
    if (events & BEV_EVENT_CONNECTED) {
        struct fsmtp_tls_info info;
        enum smtp_action act;
        fsmtp_tls_info_get(bufferevent_openssl_get_ssl(bev), &info);
        act = smtp_session_tls_done(c->sess, &info);
        conn_act(c, act); /* may end (free) the connection unless NONE */
        if (act == SMTP_ACTION_NONE && evbuffer_get_length(bufferevent_get_input(bev)) > 0)
            read_cb(bev, c); /* what arrived with the end of the handshake */
        return;
    }
    if (c->closing) {
        conn_end(c);
        return;
    }
    if (events & BEV_EVENT_TIMEOUT) {
        conn_act(c, smtp_session_timeout(c->sess));
        return;
    }
    if (smtp_session_state(c->sess) == SMTP_STATE_TLS) {
        struct dl_buf why = {0};
        struct fsmtp_tls_info info;
        unsigned long e;
        dl_buf_printf(&why, "handshake failed");
        if (events & BEV_EVENT_EOF)
            dl_buf_printf(&why, ": client closed the connection");
        /* libevent queues OpenSSL's errors, or SSL_get_error()'s code alone */
        while ((e = bufferevent_get_openssl_error(bev)) != 0 && why.len < 400) {
            const char *r = ERR_GET_LIB(e) != 0 ? ERR_reason_error_string(e) : NULL;
            if (r != NULL)
                dl_buf_printf(&why, ": %s", r);
            else
                dl_buf_printf(&why, ": SSL error %lu", e);
        }
        fsmtp_tls_info_get(bufferevent_openssl_get_ssl(bev), &info);
        smtp_session_tls_failed(c->sess, why.data, &info);
        dl_buf_free(&why);
    } else {
        smtp_session_eof(c->sess, (events & BEV_EVENT_EOF)
                                      ? "client closed the connection"
                                      : evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    conn_end(c);
}

static void banner_cb(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    conn_act(c, smtp_session_start(c->sess));
}

static void peer_name(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        evutil_inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        snprintf(buf, len, "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        snprintf(buf, len, "[%s]:%d", host, port);
    } else {
        snprintf(buf, len, "unknown");
    }
}

/* Replies go out as soon as they are written: a reply written in pieces
 * must not wait for the client's delayed ACK (Nagle), which would cost
 * every exchange tens of milliseconds. */
static void set_nodelay(evutil_socket_t fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        dl_debug("TCP_NODELAY: %s", strerror(errno));
}

/* The session whose pending line began longest ago (at least
 * EVICT_MIN_AGE seconds), ended with 421 to make room: a client trickling
 * a line byte by byte gives its slot to a new one. Returns whether one was. */
static bool evict_slowest(struct fsmtp_server *srv)
{
    double now = dl_mono();
    struct conn *slow = NULL;
    for (struct conn *c = srv->conns; c != NULL; c = c->next)
        if (!c->closing && c->partial_since > 0 && now - c->partial_since >= EVICT_MIN_AGE &&
            (slow == NULL || c->partial_since < slow->partial_since))
            slow = c;
    if (slow == NULL)
        return false;
    dl_debug("%s: slot given to a new client: a line pending for %.0f s",
             smtp_session_listener(slow->sess)->name, now - slow->partial_since);
    conn_act(slow, smtp_session_timeout(slow->sess));
    return true;
}

/* Room for one more session: under max_sessions once closing ones are
 * left out (they end within CLOSE_WRITE_TIMEOUT), evicting the slowest
 * when full, and never more than CLOSING_SLACK sockets beyond the bound. */
static bool have_room(struct fsmtp_server *srv)
{
    if (srv->stopping || srv->n_conns >= srv->max_sessions + CLOSING_SLACK)
        return false;
    return srv->n_conns - srv->n_closing < srv->max_sessions || evict_slowest(srv);
}

static struct smtp_session *new_session(struct fsmtp_server *srv, struct fsmtp_listener *l,
                                        const char *peer)
{
    struct smtp_session_hooks hooks = {
        .mem_ctx = srv->guard, .reserve = fsmtp_guard_reserve, .release = fsmtp_guard_release};
    return smtp_session_new(l, peer, &hooks);
}

static void accept_cb(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    struct bound *b = arg;
    struct fsmtp_server *srv = b->srv;
    struct conn *c;
    char peer[80];
    (void)evl;
    (void)socklen;
    if (!have_room(srv)) {
        static const char busy[] = "421 4.3.2 Too many sessions, try again later\r\n";
        if (write(fd, busy, sizeof(busy) - 1) < 0)
            dl_debug("busy reply: %s", strerror(errno));
        evutil_closesocket(fd);
        return;
    }
    peer_name(sa, peer, sizeof(peer));
    set_nodelay(fd);
    c = dl_xcalloc(1, sizeof(*c));
    c->srv = srv;
    fsmtp_log_now(c->start, sizeof(c->start));
    c->started = dl_mono();
    c->sess = new_session(srv, b->l, peer);
    c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        smtp_session_free(c->sess);
        free(c);
        return;
    }
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
    dl_debug("%s: session from %s", b->l->name, peer);
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    setup_bev(c);
    if (b->l->banner_delay_ms > 0) {
        struct timeval tv = {b->l->banner_delay_ms / 1000, (b->l->banner_delay_ms % 1000) * 1000};
        c->banner_timer = evtimer_new(srv->base, banner_cb, c);
        evtimer_add(c->banner_timer, &tv);
        return;
    }
    banner_cb(-1, 0, c);
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
               b->l->name, evutil_socket_error_to_string(e), srv->n_conns, srv->pauses);
        srv->pause_logged = dl_mono();
    }
    srv->accept_paused = true;
    set_listening(srv, false);
    evtimer_add(srv->resume_timer, &tv);
}

/* Once a second: a line begun more than command_timeout ago, or a session
 * older than session_timeout, ends with 421 (the idle timer alone restarts
 * with every byte, so a client trickling bytes would keep its slot). */
static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fsmtp_server *srv = arg;
    double now = dl_mono();
    (void)fd;
    (void)what;
    for (struct conn *c = srv->conns, *next; c != NULL; c = next) {
        const struct fsmtp_listener *l = smtp_session_listener(c->sess);
        next = c->next;
        if (c->closing)
            continue;
        if (smtp_session_pending(c->sess) == 0 || smtp_session_state(c->sess) == SMTP_STATE_TLS)
            c->partial_since = 0;
        else if (c->partial_since == 0)
            c->partial_since = now;
        if ((c->partial_since > 0 && now - c->partial_since > l->command_timeout) ||
            now - c->started > l->session_timeout) {
            dl_debug("%s: %s deadline passed", l->name,
                     c->partial_since > 0 && now - c->partial_since > l->command_timeout
                         ? "line"
                         : "session");
            conn_act(c, smtp_session_timeout(c->sess)); /* may free c: next saved */
        }
    }
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
    dl_info("grace period over: closing %d sessions", srv->n_conns);
    while (srv->conns != NULL) {
        struct conn *c = srv->conns;
        smtp_session_shutdown(c->sess);
        flush_output(c);
        if (bufferevent_get_underlying(c->bev) == NULL)
            write_pending(c->bev);
        conn_end(c);
    }
    event_base_loopexit(srv->base, NULL);
}

void fsmtp_server_stop(struct fsmtp_server *srv)
{
    struct timeval tv = {srv->conf->grace, 0};
    if (srv->stopping)
        return;
    srv->stopping = true;
    close_listeners(srv);
    if (srv->n_conns == 0) {
        event_base_loopexit(srv->base, NULL);
        return;
    }
    dl_info("stopping: %d sessions in flight, %d s grace", srv->n_conns, srv->conf->grace);
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

int fsmtp_server_reload(struct fsmtp_server *srv, struct dl_error *err)
{
    struct fsmtp_conf *nc = fsmtp_conf_load(srv->conf->path, err);
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
    session_cap(srv);
    return 0;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    struct fsmtp_server *srv = arg;
    (void)what;
    if (sig == SIGHUP) {
        struct dl_error err;
        if (srv->stopping)
            return;
        if (fsmtp_server_reload(srv, &err) != 0)
            dl_err("reload failed, keeping the running configuration: %s", err.msg);
        else
            dl_info("configuration reloaded: %zu listeners", srv->n_bound);
        return;
    }
    fsmtp_server_stop(srv);
}

struct fsmtp_server *fsmtp_server_new(struct fsmtp_conf *conf, struct dl_error *err)
{
    struct fsmtp_server *srv = dl_xcalloc(1, sizeof(*srv));
    srv->conf = conf;
    srv->base = event_base_new();
    if (srv->base == NULL) {
        dl_error_set(err, "event_base_new failed");
        goto fail;
    }
    srv->guard = fsmtp_guard_new(conf->max_buffered);
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
    if (srv == NULL)
        return;
    while (srv->conns != NULL)
        conn_end(srv->conns);
    close_listeners(srv);
    if (srv->grace_timer != NULL)
        event_free(srv->grace_timer);
    if (srv->tick != NULL)
        event_free(srv->tick);
    if (srv->resume_timer != NULL)
        event_free(srv->resume_timer);
    if (srv->sig_hup != NULL)
        event_free(srv->sig_hup);
    if (srv->sig_term != NULL)
        event_free(srv->sig_term);
    if (srv->sig_int != NULL)
        event_free(srv->sig_int);
    if (srv->base != NULL)
        event_base_free(srv->base);
    fsmtp_conf_free(srv->conf);
    fsmtp_guard_free(srv->guard);
    free(srv);
}
