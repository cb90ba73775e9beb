/*
 * Fuzz harness: the client's SMTP reply reader (dane_smtp.h). The input is
 * what a server sends: it is written into one end of a socketpair whose
 * other end the reader owns (dane_smtp_adopt(), what dane_smtp_connect()
 * does with its connected TCP socket), the write side shut, and replies
 * are read with dane_smtp_read() until it fails (EOF at the latest), each
 * EHLO-style reply asked for an extension. Each line is also given to the
 * pure line parser, dane_smtp_parse_line(), whose contract is checked.
 * Both ends are made and closed per input. (Until 2026-12-06 each input
 * opened a loopback TCP connection: 949 exec/s against 3268 from a
 * socketpair, 20 s each from the seeds; connecting is no part of
 * reading replies.)
 */
#include "dane_smtp.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536 /* below a socketpair's buffer: one write, no wait */

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
    int sv[2];
    dane_smtp *c;
    if (size > FUZZ_MAX_INPUT)
        size = FUZZ_MAX_INPUT;
    parse_lines((const char *)data, (const char *)data + size);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return 0;
    c = dane_smtp_adopt(sv[0], "fuzz");
    if (size == 0 || write(sv[1], data, size) == (ssize_t)size) {
        shutdown(sv[1], SHUT_WR);
        read_replies(c);
    }
    close(sv[1]);
    dane_smtp_free(c);
    return 0;
}
