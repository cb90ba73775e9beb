#include "fdns_server.h"

#include "dl_util.h"
#include "fdns_pkt.h"
#include "fdns_rule.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX (1024 * 1024)

struct listener {
    char addr[16];
    int udp, tcp;
};

struct server {
    const struct fdns_server_opts *o;
    struct fdns_rules rules;
    struct listener l[FDNS_MAX_LISTENERS];
    size_t n;
    int sigfd;
    struct stat conf_st; /* the configuration file as last read */
    uint8_t buf[FDNS_PKT_MAX + 2];
    uint8_t reply[FDNS_PKT_MAX];
};

static int load_rules(const char *path, struct fdns_rules *rs, struct dl_error *err)
{
    char *text = NULL;
    int rc;
    if (dl_read_file(path, CONF_MAX, &text, NULL, err) != 0)
        return -1;
    rc = fdns_rules_parse(text, path, rs, err);
    free(text);
    return rc;
}

int fdns_server_check(const char *conf_path, struct dl_error *err)
{
    struct fdns_rules rs;
    if (load_rules(conf_path, &rs, err) != 0)
        return -1;
    fdns_rules_free(&rs);
    return 0;
}

static int make_addr(const char *addr, unsigned port, struct sockaddr_in *sin)
{
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
}

static int bound_socket(const char *addr, unsigned port, int type, struct dl_error *err)
{
    struct sockaddr_in sin;
    int one = 1, fd;
    if (make_addr(addr, port, &sin) != 0)
        return dl_error_set(err, "%s: not an IPv4 address", addr);
    if ((fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)) < 0)
        return dl_error_set(err, "socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        (type != SOCK_DGRAM && listen(fd, 64) != 0)) {
        dl_error_set(err, "%s:%u/%s: %s", addr, port, type != SOCK_DGRAM ? "tcp" : "udp",
                     strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void close_listeners(struct server *s)
{
    for (size_t i = 0; i < s->n; i++) {
        close(s->l[i].udp);
        close(s->l[i].tcp);
    }
    s->n = 0;
}

static bool have_listener(const struct server *s, const char *addr)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->l[i].addr, addr) == 0)
            return true;
    return false;
}

static int add_listener(struct server *s, const char *addr, struct dl_error *err)
{
    struct listener *l = &s->l[s->n];
    if (have_listener(s, addr))
        return 0;
    if (s->n >= FDNS_MAX_LISTENERS)
        return dl_error_set(err, "more than %d addresses", FDNS_MAX_LISTENERS);
    snprintf(l->addr, sizeof(l->addr), "%s", addr);
    if ((l->udp = bound_socket(addr, s->o->port, SOCK_DGRAM, err)) < 0)
        return -1;
    if ((l->tcp = bound_socket(addr, s->o->port, SOCK_STREAM | SOCK_NONBLOCK, err)) < 0) {
        close(l->udp);
        return -1;
    }
    s->n++;
    return 0;
}

/* Load the rules and open a listener for each of their addresses. On
 * failure the server keeps what it had. */
static int configure(struct server *s, struct dl_error *err)
{
    struct fdns_rules rs;
    if (stat(s->o->conf_path, &s->conf_st) != 0)
        memset(&s->conf_st, 0, sizeof(s->conf_st));
    if (load_rules(s->o->conf_path, &rs, err) != 0)
        return -1;
    close_listeners(s);
    fdns_rules_free(&s->rules);
    s->rules = rs;
    if (s->o->listen && add_listener(s, s->o->listen, err) != 0)
        return -1;
    for (size_t i = 0; i < rs.n; i++)
        if (add_listener(s, rs.r[i].addr, err) != 0)
            return -1;
    dl_info("%zu rules on %zu addresses (%s)", rs.n, s->n, s->o->conf_path);
    return 0;
}

static void set_timeouts(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Read exactly n octets (bounded by the socket's timeout). */
static int read_full(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One DNS message over a stream: the 2-octet length, then the message
 * into buf (FDNS_PKT_MAX octets). Its length, or -1. */
static ssize_t read_msg(int fd, uint8_t *buf)
{
    uint8_t len[2];
    size_t n;
    if (read_full(fd, len, 2) != 0)
        return -1;
    n = (size_t)len[0] << 8 | len[1];
    if (n == 0 || read_full(fd, buf, n) != 0)
        return -1;
    return (ssize_t)n;
}

static int write_msg(int fd, const uint8_t *msg, size_t n)
{
    uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    return dl_write_all(fd, len, 2) == 0 && dl_write_all(fd, msg, n) == 0 ? 0 : -1;
}

/* Send the query in buf[0..n) to the upstream over the same transport and
 * put its answer in buf. The answer's length, or -1 (logged). */
static ssize_t forward(struct server *s, size_t n, bool tcp)
{
    struct sockaddr_in up;
    ssize_t got = -1;
    int fd;
    if (make_addr(s->o->upstream, s->o->port, &up) != 0 ||
        (fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    set_timeouts(fd, s->o->timeout_ms);
    if (connect(fd, (struct sockaddr *)&up, sizeof(up)) == 0) {
        if (tcp)
            got = write_msg(fd, s->buf, n) == 0 ? read_msg(fd, s->buf) : -1;
        else if (send(fd, s->buf, n, 0) == (ssize_t)n)
            got = recv(fd, s->buf, FDNS_PKT_MAX, 0);
    }
    if (got < 0)
        dl_warn("upstream %s (%s): no answer: %s", s->o->upstream, tcp ? "tcp" : "udp",
                strerror(errno));
    close(fd);
    return got;
}

/* The answer to the query in s->buf[0..n) received on l, in s->buf:
 * its length, 0 for none (dropped). */
static size_t answer(struct server *s, const struct listener *l, size_t n, bool tcp)
{
    struct fdns_query q;
    enum fdns_pkt_status st = fdns_pkt_parse(s->buf, n, &q);
    enum fdns_action a;
    const char *tn;
    char tbuf[16];
    ssize_t got;
    size_t len;
    if (st != FDNS_PKT_OK) {
        dl_info("%s %s: %zu octets dropped: %s", l->addr, tcp ? "tcp" : "udp", n,
                fdns_pkt_strerror(st));
        return 0;
    }
    a = fdns_rules_decide(&s->rules, l->addr, &q, tcp);
    if ((tn = fdns_pkt_type_name(q.qtype)) == NULL) {
        snprintf(tbuf, sizeof(tbuf), "TYPE%u", q.qtype);
        tn = tbuf;
    }
    dl_info("%s %s %s %s: %s", l->addr, tcp ? "tcp" : "udp", q.qname, tn, fdns_action_name(a));
    if (a == FDNS_DROP)
        return 0;
    if (a == FDNS_FORWARD)
        return (got = forward(s, n, tcp)) > 0 ? (size_t)got : 0;
    len = fdns_pkt_reply(s->buf, &q, fdns_action_rcode(a), a == FDNS_TRUNCATE, s->reply,
                         sizeof(s->reply));
    memcpy(s->buf, s->reply, len);
    return len;
}

static void serve_udp(struct server *s, const struct listener *l)
{
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t n =
        recvfrom(l->udp, s->buf, FDNS_PKT_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
    size_t len;
    if (n <= 0)
        return;
    if ((len = answer(s, l, (size_t)n, false)) > 0)
        sendto(l->udp, s->buf, len, 0, (struct sockaddr *)&from, flen);
}

static void serve_tcp(struct server *s, const struct listener *l)
{
    /* the listener is non-blocking, the connection blocking: every read
     * and write on it bounded by the timeout */
    int fd = accept4(l->tcp, NULL, NULL, SOCK_CLOEXEC);
    ssize_t n;
    size_t len;
    if (fd < 0)
        return;
    set_timeouts(fd, s->o->timeout_ms);
    if ((n = read_msg(fd, s->buf)) > 0 && (len = answer(s, l, (size_t)n, true)) > 0)
        write_msg(fd, s->buf, len);
    close(fd);
}

/* The signal that came: SIGHUP reloads; 1 to stop. */
static int on_signal(struct server *s)
{
    struct signalfd_siginfo si;
    struct dl_error err;
    if (read(s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    if (si.ssi_signo != SIGHUP)
        return 1;
    if (configure(s, &err) != 0)
        dl_err("reload: %s", err.msg);
    return 0;
}

/* Read the configuration again when its file changed since last read. */
static void watch_conf(struct server *s)
{
    struct stat st;
    struct dl_error err;
    if (stat(s->o->conf_path, &st) != 0 ||
        (st.st_dev == s->conf_st.st_dev && st.st_ino == s->conf_st.st_ino &&
         st.st_size == s->conf_st.st_size && st.st_mtim.tv_sec == s->conf_st.st_mtim.tv_sec &&
         st.st_mtim.tv_nsec == s->conf_st.st_mtim.tv_nsec))
        return;
    dl_info("%s changed: reading it again", s->o->conf_path);
    if (configure(s, &err) != 0)
        dl_err("reload: %s", err.msg);
}

static int loop(struct server *s)
{
    struct pollfd p[1 + 2 * FDNS_MAX_LISTENERS];
    int64_t watched = dl_mono_ms();
    for (;;) {
        size_t np = 1;
        p[0] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
        for (size_t i = 0; i < s->n; i++) {
            p[np++] = (struct pollfd){.fd = s->l[i].udp, .events = POLLIN};
            p[np++] = (struct pollfd){.fd = s->l[i].tcp, .events = POLLIN};
        }
        int ready = poll(p, np, 1000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0) {
            dl_err("poll: %s", strerror(errno));
            return -1;
        }
        if (dl_mono_ms() - watched >= 1000) { /* also under steady traffic */
            watched = dl_mono_ms();
            watch_conf(s);
            continue; /* the listeners may have been reopened */
        }
        if ((p[0].revents & POLLIN) && on_signal(s))
            return 0;
        for (size_t i = 0; i < s->n && 1 + 2 * i < np; i++) {
            struct listener l = s->l[i]; /* a reload may close it */
            if (p[1 + 2 * i].revents & POLLIN)
                serve_udp(s, &l);
            if (p[2 + 2 * i].revents & POLLIN)
                serve_tcp(s, &l);
        }
    }
}

int fdns_server_run(const struct fdns_server_opts *o, struct dl_error *err)
{
    struct server *s = dl_xcalloc(1, sizeof(*s));
    sigset_t set;
    int rc = -1;
    s->o = o;
    s->sigfd = -1;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if ((s->sigfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
        dl_error_set(err, "signalfd: %s", strerror(errno));
    else if (configure(s, err) == 0)
        rc = loop(s);
    if (rc != 0 && err->msg[0] == '\0')
        dl_error_set(err, "the server loop failed");
    close_listeners(s);
    fdns_rules_free(&s->rules);
    if (s->sigfd >= 0)
        close(s->sigfd);
    free(s);
    return rc;
}
