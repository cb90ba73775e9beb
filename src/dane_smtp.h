/*
 * dane_smtp: the client side of one SMTP connection (RFC 5321, 3207):
 * connect, read replies, send commands, switch to TLS. Blocking I/O with a
 * timeout on every step; replies are bounded (line length, line count) so
 * no server can make the client hang or grow without limit.
 *
 * The reply parser is a pure function (dane_smtp_parse_line) for tests.
 */
#ifndef DANE_SMTP_H
#define DANE_SMTP_H

#include "dl_error.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#define DANE_SMTP_MAX_LINE  2048 /* RFC 5321 says 512 for replies; be lenient */
#define DANE_SMTP_MAX_LINES 100

struct dane_smtp_reply {
    int code;        /* 3-digit reply code */
    char text[4096]; /* the lines' texts joined by '\n' (cut when longer) */
    unsigned lines;
};

/* Parse one reply line (without CRLF): "250-PIPELINING" / "250 OK".
 * Returns 0 and sets *code, *more (a continuation line follows) and *text,
 * or -1 when the line is not a reply line. */
int dane_smtp_parse_line(const char *line, size_t len, int *code, bool *more, const char **text);

typedef struct dane_smtp dane_smtp;

/* Connect to addr:port (IPv4 or IPv6 literal). `peer` names the server in
 * messages ("mx1.good.test[127.25.1.1]:25"). */
dane_smtp *dane_smtp_connect(const char *addr, unsigned port, const char *peer, int timeout_ms,
                             struct dl_error *err);
/* The connection over a stream socket connected already (what
 * dane_smtp_connect does after connect(); also a socketpair end): the
 * connection owns fd from here, dane_smtp_free closes it. */
dane_smtp *dane_smtp_adopt(int fd, const char *peer);
void dane_smtp_free(dane_smtp *s); /* closes; frees the SSL too */

/* This end's address on the connection (getsockname), as text in buf
 * (IPv4 dotted or IPv6 RFC 5952 form); -1 when it cannot be had. */
int dane_smtp_local_address(const dane_smtp *s, char *buf, size_t len);
/* The local address the system would send from to reach `addr` (an IPv4 or
 * IPv6 literal): the route's source, found by connecting a UDP socket,
 * which sends nothing. -1 when addr is no literal or has no route. */
int dane_smtp_source_address(const char *addr, char *buf, size_t len);

/* Read one (multi-line) reply. Errors name the peer and the step. */
int dane_smtp_read(dane_smtp *s, const char *step, struct dane_smtp_reply *r, int timeout_ms,
                   struct dl_error *err);
/* Send one command line (CRLF added) and read its reply. */
int dane_smtp_cmd(dane_smtp *s, const char *line, struct dane_smtp_reply *r, int timeout_ms,
                  struct dl_error *err);
/* Send raw bytes (the message body during DATA). */
int dane_smtp_write(dane_smtp *s, const char *data, size_t len, int timeout_ms,
                    struct dl_error *err);

/* Does a multi-line EHLO reply list this extension (case-insensitive)? */
bool dane_smtp_has_ext(const struct dane_smtp_reply *ehlo, const char *ext);

/* Run the TLS handshake over the connection with a prepared SSL (DANE,
 * SNI set by the caller); the connection owns ssl afterwards, also on
 * failure. Returns 0 when the handshake completed (whatever the
 * verification result: the caller reads SSL_get_verify_result). */
int dane_smtp_tls(dane_smtp *s, SSL *ssl, int timeout_ms, struct dl_error *err);

#endif
