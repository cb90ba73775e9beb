#include "dane_smtp.h"

#include "dl_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct dane_smtp {
    int fd;
    SSL *ssl;
    char *peer;
    char buf[DANE_SMTP_MAX_LINE * 2];
    size_t have; /* bytes buffered */
};

int dane_smtp_parse_line(const char *line, size_t len, int *code, bool *more, const char **text)
{
    if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9')
        return -1;
    if (len > 3 && line[3] != ' ' && line[3] != '-')
        return -1;
    for (size_t i = 0; i < len; i++)
        if (line[i] == '\0')
            return -1;
    *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    *more = len > 3 && line[3] == '-';
    *text = len > 4 ? line + 4 : line + len;
    return 0;
}

static void set_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Non-blocking connect bounded by timeout_ms. */
static int connect_within(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, sa, len) != 0 && errno != EINPROGRESS)
        return -1;
    if (poll(&p, 1, timeout_ms) != 1) {
        errno = ETIMEDOUT;
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
        errno = soerr ? soerr : EIO;
        return -1;
    }
    fcntl(fd, F_SETFL, flags);
    return 0;
}

dane_smtp *dane_smtp_connect(const char *addr, unsigned port, const char *peer, int timeout_ms,
                             struct dl_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd;
    if (dl_sockaddr(addr, port, &ss, &len) != 0) {
        dl_error_set(err, "%s: not an IP address: %s", peer, addr);
        return NULL;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect_within(fd, (struct sockaddr *)&ss, len, timeout_ms) != 0) {
        dl_error_set(err, "%s: connect: %s", peer, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    /* each command is one write; never hold it back for an ACK (Nagle) */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    return dane_smtp_adopt(fd, peer);
}

dane_smtp *dane_smtp_adopt(int fd, const char *peer)
{
    dane_smtp *s = dl_xcalloc(1, sizeof(*s));
    s->fd = fd;
    s->peer = dl_xstrdup(peer);
    return s;
}

void dane_smtp_free(dane_smtp *s)
{
    if (s == NULL)
        return;
    if (s->ssl)
        SSL_free(s->ssl);
    close(s->fd);
    free(s->peer);
    free(s);
}

/* A socket's own address as text. */
static int sock_name(int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    const void *a;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    a = ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                                : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
    return inet_ntop(ss.ss_family, a, buf, (socklen_t)len) ? 0 : -1;
}

int dane_smtp_local_address(const dane_smtp *s, char *buf, size_t len)
{
    return sock_name(s->fd, buf, len);
}

int dane_smtp_source_address(const char *addr, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, rc = -1;
    if (dl_sockaddr(addr, 25, &ss, &sl) != 0)
        return -1;
    fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
        rc = sock_name(fd, buf, len);
    close(fd);
    return rc;
}

/* Read more bytes into the buffer; 0 on EOF, -1 on error/timeout. */
static ssize_t fill(dane_smtp *s)
{
    size_t room = sizeof(s->buf) - s->have;
    ssize_t n;
    if (s->ssl) {
        int r = SSL_read(s->ssl, s->buf + s->have, (int)room);
        n = r > 0 ? r : (SSL_get_error(s->ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
    } else {
        do
            n = read(s->fd, s->buf + s->have, room);
        while (n < 0 && errno == EINTR);
    }
    if (n > 0)
        s->have += (size_t)n;
    return n;
}

/* One line (CRLF or bare LF stripped) into out. */
static int read_line(dane_smtp *s, const char *step, char *out, size_t outlen, size_t *len,
                     struct dl_error *err)
{
    for (;;) {
        char *nl = memchr(s->buf, '\n', s->have);
        if (nl != NULL) {
            size_t n = (size_t)(nl - s->buf), consumed = n + 1;
            if (n > 0 && s->buf[n - 1] == '\r')
                n--;
            if (n >= outlen)
                return dl_error_set(err, "%s: %s: reply line longer than %zu bytes", s->peer, step,
                                    outlen - 1);
            memcpy(out, s->buf, n);
            out[n] = '\0';
            *len = n;
            memmove(s->buf, s->buf + consumed, s->have - consumed);
            s->have -= consumed;
            return 0;
        }
        if (s->have >= DANE_SMTP_MAX_LINE)
            return dl_error_set(err, "%s: %s: reply line longer than %d bytes", s->peer, step,
                                DANE_SMTP_MAX_LINE);
        ssize_t n = fill(s);
        if (n == 0)
            return dl_error_set(err, "%s: %s: connection closed by the server", s->peer, step);
        if (n < 0)
            return dl_error_set(err, "%s: %s: %s", s->peer, step,
                                errno == EAGAIN || errno == EWOULDBLOCK ? "timeout" : "read error");
    }
}

static void append_text(struct dane_smtp_reply *r, const char *text)
{
    size_t used = strlen(r->text);
    snprintf(r->text + used, sizeof(r->text) - used, "%s%s", used ? "\n" : "", text);
}

int dane_smtp_read(dane_smtp *s, const char *step, struct dane_smtp_reply *r, int timeout_ms,
                   struct dl_error *err)
{
    char line[DANE_SMTP_MAX_LINE];
    memset(r, 0, sizeof(*r));
    set_timeout(s->fd, timeout_ms);
    for (;;) {
        const char *text = NULL;
        size_t len = 0;
        bool more = false;
        int code = 0;
        if (read_line(s, step, line, sizeof(line), &len, err) != 0)
            return -1;
        if (dane_smtp_parse_line(line, len, &code, &more, &text) != 0)
            return dl_error_set(err, "%s: %s: not an SMTP reply line", s->peer, step);
        if (r->lines > 0 && code != r->code)
            return dl_error_set(err, "%s: %s: reply code changed within a reply", s->peer, step);
        r->code = code;
        append_text(r, text);
        if (++r->lines > DANE_SMTP_MAX_LINES)
            return dl_error_set(err, "%s: %s: more than %d reply lines", s->peer, step,
                                DANE_SMTP_MAX_LINES);
        if (!more)
            return 0;
    }
}

int dane_smtp_write(dane_smtp *s, const char *data, size_t len, int timeout_ms,
                    struct dl_error *err)
{
    set_timeout(s->fd, timeout_ms);
    while (len > 0) {
        ssize_t n;
        if (s->ssl) {
            int w = SSL_write(s->ssl, data, len > 16384 ? 16384 : (int)len);
            n = w > 0 ? w : -1;
        } else {
            n = send(s->fd, data, len, MSG_NOSIGNAL);
        }
        if (n < 0 && errno == EINTR && !s->ssl)
            continue;
        if (n <= 0)
            return dl_error_set(err, "%s: write: %s", s->peer, strerror(errno));
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int dane_smtp_cmd(dane_smtp *s, const char *line, struct dane_smtp_reply *r, int timeout_ms,
                  struct dl_error *err)
{
    char *cmd = dl_xasprintf("%s\r\n", line);
    char step[64];
    int rc = dane_smtp_write(s, cmd, strlen(cmd), timeout_ms, err);
    free(cmd);
    snprintf(step, sizeof(step), "reply to %.*s", (int)strcspn(line, " :"), line);
    if (rc == 0)
        rc = dane_smtp_read(s, step, r, timeout_ms, err);
    return rc;
}

bool dane_smtp_has_ext(const struct dane_smtp_reply *ehlo, const char *ext)
{
    size_t n = strlen(ext);
    const char *p = strchr(ehlo->text, '\n'); /* the first line is the greeting */
    while (p != NULL) {
        p++;
        if (strncasecmp(p, ext, n) == 0 && (p[n] == '\0' || p[n] == '\n' || p[n] == ' '))
            return true;
        p = strchr(p, '\n');
    }
    return false;
}

int dane_smtp_tls(dane_smtp *s, SSL *ssl, int timeout_ms, struct dl_error *err)
{
    int rc;
    s->ssl = ssl;
    if (s->have > 0)
        return dl_error_set(err, "%s: STARTTLS: the server sent data before the handshake",
                            s->peer);
    set_timeout(s->fd, timeout_ms);
    if (SSL_set_fd(ssl, s->fd) != 1)
        return dl_error_openssl(err, "%s: TLS set-up", s->peer);
    rc = SSL_connect(ssl);
    if (rc != 1)
        return dl_error_openssl(err, "%s: TLS handshake failed", s->peer);
    return 0;
}
