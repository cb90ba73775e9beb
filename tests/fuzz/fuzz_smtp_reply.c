/*
 * Fuzz harness: the client's SMTP reply reader (dane_smtp.h). The input is
 * what a server sends: it is written into a loopback TCP connection the
 * client made with dane_smtp_connect(), the write side shut, and replies
 * are read with dane_smtp_read() until it fails (EOF at the latest), each
 * EHLO-style reply asked for an extension. Each line is also given to the
 * pure line parser, dane_smtp_parse_line(), whose contract is checked.
 * Everything (listener included) is made and closed per input.
 */
#include "dane_smtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536 /* below a loopback socket's buffer: one write, no wait */

static void one_line(const char *line, size_t len)
{
    int code = -1;
    bool more = false;
    const char *text = NULL;
    if (dane_smtp_parse_line(line, len, &code, &more, &text) != 0)
        return;
    if (code < 200 || code > 599 || text == NULL || text < line || text > line + len)
        __builtin_trap();
}

static void parse_lines(const char *p, const char *end)
{
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (nl && len > 0 && p[len - 1] == '\r')
            len--;
        one_line(p, len);
        p = nl ? nl + 1 : end;
    }
}

/* A listener on 127.0.0.1, port chosen by the kernel; -1 on failure. */
static int listen_any(unsigned *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

/* Read replies until the reader fails; it must fail by the end. */
static void read_replies(dane_smtp *c)
{
    struct dane_smtp_reply r;
    struct dl_error err;
    for (unsigned i = 0; i <= FUZZ_MAX_INPUT; i++) {
        if (dane_smtp_read(c, "fuzz", &r, 1000, &err) != 0)
            return;
        if (r.code < 200 || r.code > 599 || r.lines == 0 || r.lines > DANE_SMTP_MAX_LINES ||
            memchr(r.text, '\0', sizeof(r.text)) == NULL)
            __builtin_trap();
        (void)dane_smtp_has_ext(&r, "STARTTLS");
    }
    __builtin_trap(); /* more replies than bytes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dl_error err;
    unsigned port = 0;
    int lfd, sfd;
    dane_smtp *c;
    if (size > FUZZ_MAX_INPUT)
        size = FUZZ_MAX_INPUT;
    parse_lines((const char *)data, (const char *)data + size);
    if ((lfd = listen_any(&port)) < 0)
        return 0;
    c = dane_smtp_connect("127.0.0.1", port, "fuzz", 1000, &err);
    sfd = c ? accept(lfd, NULL, NULL) : -1;
    close(lfd);
    if (sfd >= 0) {
        if (size == 0 || write(sfd, data, size) == (ssize_t)size) {
            shutdown(sfd, SHUT_WR);
            read_replies(c);
        }
        close(sfd);
    }
    dane_smtp_free(c);
    return 0;
}
