/*
 * smtp_session: one SMTP server session as an explicit state machine,
 * without sockets. The caller (fsmtp_server, or a unit test) feeds the
 * bytes the client sent, sends what smtp_session_output() holds, and acts
 * on the returned action (start TLS, close). Messages are handed to the
 * store hook, which must make them durable before returning: only then is
 * 250 written.
 *
 * Policies (documented in fakesmtp(8)):
 * - lines end with CRLF; a command ending in a bare LF is answered
 *   500 5.5.2 and ignored; a message containing a bare LF is refused at
 *   its end with 550 5.6.0 (and a bare-LF "." never ends DATA);
 * - command lines are limited to 512 octets, text lines to 1000, messages
 *   to the listener's max_size (552 5.3.4), recipients to max_recipients;
 * - pipelined commands are answered in order; whatever follows STARTTLS in
 *   the same read is discarded (CVE-2011-0411) and counted in the record;
 * - max_errors protocol errors end the session with 421;
 * - message text is held in memory only as far as the reserve hook allows
 *   (452 4.3.1 at the end of a message that found no room).
 */
#ifndef SMTP_SESSION_H
#define SMTP_SESSION_H

#include "dl_error.h"
#include "dl_util.h"
#include "fsmtp_listener.h"

#include <jansson.h>
#include <stdbool.h>

enum smtp_state {
    SMTP_STATE_NEW = 0,   /* connected, banner not sent yet */
    SMTP_STATE_CONNECTED, /* banner (or TLS) done, waiting for HELO/EHLO */
    SMTP_STATE_GREETED,   /* HELO/EHLO accepted, no transaction */
    SMTP_STATE_MAIL,      /* MAIL FROM accepted */
    SMTP_STATE_RCPT,      /* at least one RCPT TO accepted */
    SMTP_STATE_DATA,      /* reading the message text */
    SMTP_STATE_TLS,       /* 220 to STARTTLS sent, handshake under way */
    SMTP_STATE_CLOSED,    /* done: flush the output and close */
    SMTP_STATE_COUNT
};

const char *smtp_state_name(enum smtp_state st);

/* What the caller must do after a call into the session. */
enum smtp_action {
    SMTP_ACTION_NONE = 0, /* send the output, keep reading */
    SMTP_ACTION_STARTTLS, /* send the output (the 220), drop buffered input, handshake */
    SMTP_ACTION_CLOSE     /* send the output, then close */
};

struct smtp_session_hooks {
    void *ctx;
    /* Store a complete message in maildir durably; fill name. 0 or -1. */
    int (*store)(void *ctx, const char *maildir, const char *data, size_t len, char *name,
                 size_t namelen, struct dl_error *err);
    /* Optional: reserve n bytes of message text before holding them in
     * memory (false: no room, the message is refused with 452 4.3.1), and
     * give them back when the transaction ends (fsmtp_guard). */
    void *mem_ctx;
    bool (*reserve)(void *mem_ctx, size_t n);
    void (*release)(void *mem_ctx, size_t n);
};

struct fsmtp_tls_info;
struct smtp_session;

/* A new session on listener l (takes a reference, released by _free) for
 * the peer named peer ("addr:port"). hooks is copied; NULL hooks or a NULL
 * store use fsmtp_store_deliver(). */
struct smtp_session *smtp_session_new(struct fsmtp_listener *l, const char *peer,
                                      const struct smtp_session_hooks *hooks);
void smtp_session_free(struct smtp_session *s);

/* Send the banner (after any delay the caller applied). */
enum smtp_action smtp_session_start(struct smtp_session *s);

/* Feed len bytes from the client. Bytes fed while a TLS handshake is
 * pending or after the session closed are discarded (and counted). */
enum smtp_action smtp_session_input(struct smtp_session *s, const char *data, size_t len);

/* The handshake after STARTTLS finished (info describes it) or failed
 * (why says how; info, when not NULL, holds what was learnt: the SNI
 * the client sent, the certificate chosen). Success resets the session
 * to CONNECTED (RFC 3207). */
enum smtp_action smtp_session_tls_done(struct smtp_session *s, const struct fsmtp_tls_info *info);
enum smtp_action smtp_session_tls_failed(struct smtp_session *s, const char *why,
                                         const struct fsmtp_tls_info *info);

/* The client was idle too long / the server is shutting down: 421, close. */
enum smtp_action smtp_session_timeout(struct smtp_session *s);
enum smtp_action smtp_session_shutdown(struct smtp_session *s);

/* The connection ended (client closed or network error: why). */
void smtp_session_eof(struct smtp_session *s, const char *why);

/* Replies waiting to be sent; the caller sends them and sets len to 0. */
struct dl_buf *smtp_session_output(struct smtp_session *s);

enum smtp_state smtp_session_state(const struct smtp_session *s);
/* Bytes of a line the client has begun and not ended yet (a command, or a
 * line of message text): the server's per-line deadline runs while > 0. */
size_t smtp_session_pending(const struct smtp_session *s);
bool smtp_session_in_tls(const struct smtp_session *s);
const struct fsmtp_listener *smtp_session_listener(const struct smtp_session *s);

/* The session's record for the log (borrowed; valid until _free): listener,
 * peer, helo, tls, transcript (bounded), messages, errors, outcome. The
 * caller may add keys. */
json_t *smtp_session_record(struct smtp_session *s);

#endif
