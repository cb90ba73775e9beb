#include "fsmtp_conns.h"
#include "fsmtp_log.h"
#include "fsmtp_tls.h"
#include "smtp_session.h"
#include "dl_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLOSE_WRITE_TIMEOUT 5           /* seconds to flush the last reply */
#define INPUT_HIGH          (64 * 1024) /* stop reading the socket beyond this */
#define OUTPUT_HIGH         (64 * 1024) /* stop processing input while replies wait */
#define EVICT_MIN_AGE       1.0         /* a line pending this long may lose its slot */

struct conn {
    struct fsmtp_conns *cs;
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

struct fsmtp_conns {
    struct event_base *base;
    struct fsmtp_guard *guard;
    struct fsmtp_conns_hooks hooks;
    const char *session_log;
    struct conn *list;
    int n, n_closing;
};

static void conn_act(struct conn *c, enum smtp_action act);

static void write_record(struct conn *c)
{
    struct dl_error err;
    char end[32];
    json_t *rec = smtp_session_record(c->sess);
    if (c->cs->session_log == NULL)
        return;
    fsmtp_log_now(end, sizeof(end));
    json_object_set_new(rec, "start", json_string(c->start));
    json_object_set_new(rec, "end", json_string(end));
    if (fsmtp_log_append(c->cs->session_log, rec, &err) != 0)
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
    struct fsmtp_conns *cs = c->cs;
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
        cs->list = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    cs->n--;
    cs->n_closing -= c->closing;
    free(c);
    if (cs->hooks.ended != NULL)
        cs->hooks.ended(cs->hooks.arg); /* a descriptor is free again */
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
    tls = bufferevent_openssl_filter_new(c->cs->base, c->bev, ssl, BUFFEREVENT_SSL_ACCEPTING,
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
        c->cs->n_closing += !c->closing;
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

/* A client trickling a line byte by byte gives its slot to a new one. */
bool fsmtp_conns_evict_slowest(struct fsmtp_conns *cs)
{
    double now = dl_mono();
    struct conn *slow = NULL;
    for (struct conn *c = cs->list; c != NULL; c = c->next)
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

static struct smtp_session *new_session(struct fsmtp_conns *cs, struct fsmtp_listener *l,
                                        const char *peer)
{
    struct smtp_session_hooks hooks = {
        .mem_ctx = cs->guard, .reserve = fsmtp_guard_reserve, .release = fsmtp_guard_release};
    return smtp_session_new(l, peer, &hooks);
}

void fsmtp_conns_accept(struct fsmtp_conns *cs, struct fsmtp_listener *l, evutil_socket_t fd,
                        const struct sockaddr *sa)
{
    struct conn *c;
    char peer[80];
    peer_name(sa, peer, sizeof(peer));
    set_nodelay(fd);
    c = dl_xcalloc(1, sizeof(*c));
    c->cs = cs;
    fsmtp_log_now(c->start, sizeof(c->start));
    c->started = dl_mono();
    c->sess = new_session(cs, l, peer);
    c->bev = bufferevent_socket_new(cs->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        smtp_session_free(c->sess);
        free(c);
        return;
    }
    c->next = cs->list;
    if (cs->list != NULL)
        cs->list->prev = c;
    cs->list = c;
    cs->n++;
    dl_debug("%s: session from %s", l->name, peer);
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    setup_bev(c);
    if (l->banner_delay_ms > 0) {
        struct timeval tv = {l->banner_delay_ms / 1000, (l->banner_delay_ms % 1000) * 1000};
        c->banner_timer = evtimer_new(cs->base, banner_cb, c);
        evtimer_add(c->banner_timer, &tv);
        return;
    }
    banner_cb(-1, 0, c);
}

/* A line begun more than command_timeout ago, or a session older than
 * session_timeout, ends with 421 (the idle timer alone restarts with every
 * byte, so a client trickling bytes would keep its slot). */
void fsmtp_conns_check_deadlines(struct fsmtp_conns *cs)
{
    double now = dl_mono();
    for (struct conn *c = cs->list, *next; c != NULL; c = next) {
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

void fsmtp_conns_shutdown(struct fsmtp_conns *cs)
{
    while (cs->list != NULL) {
        struct conn *c = cs->list;
        smtp_session_shutdown(c->sess);
        flush_output(c);
        if (bufferevent_get_underlying(c->bev) == NULL)
            write_pending(c->bev);
        conn_end(c);
    }
}

struct fsmtp_conns *fsmtp_conns_new(struct event_base *base, struct fsmtp_guard *guard,
                                    const struct fsmtp_conns_hooks *hooks)
{
    struct fsmtp_conns *cs = dl_xcalloc(1, sizeof(*cs));
    cs->base = base;
    cs->guard = guard;
    cs->hooks = *hooks;
    return cs;
}

void fsmtp_conns_set_log(struct fsmtp_conns *cs, const char *session_log)
{
    cs->session_log = session_log;
}

int fsmtp_conns_count(const struct fsmtp_conns *cs)
{
    return cs->n;
}

int fsmtp_conns_closing(const struct fsmtp_conns *cs)
{
    return cs->n_closing;
}

void fsmtp_conns_free(struct fsmtp_conns *cs)
{
    if (cs == NULL)
        return;
    while (cs->list != NULL)
        conn_end(cs->list);
    free(cs);
}
