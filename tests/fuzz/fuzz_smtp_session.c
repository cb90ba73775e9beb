/*
 * Fuzz harness: one fakesmtp session (smtp_session.h) fed arbitrary client
 * bytes. The input's first two bytes choose the listener's behaviour
 * (STARTTLS answer, TLS required, extensions, a step that rejects or
 * drops, how the handshake ends) and the size of the chunks the rest is
 * fed in, as reads from a socket would cut it. The store hook accepts
 * messages without writing anything. Invariants: the session never asks
 * for STARTTLS when the listener does not accept it, and closed stays
 * closed.
 */
#include "fsmtp_conf.h"
#include "fsmtp_tls.h"
#include "smtp_session.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int store_nothing(void *ctx, const char *maildir, const char *msg, size_t len, char *name,
                         size_t namelen, struct dl_error *err)
{
    (void)ctx;
    (void)maildir;
    (void)msg;
    (void)len;
    (void)err;
    snprintf(name, namelen, "fuzz");
    return 0;
}

/* A listener shaped by the two configuration bytes. */
static struct fsmtp_listener *listener(uint8_t a, uint8_t b)
{
    struct fsmtp_listener *l = fsmtp_listener_new("mx1.fuzz.test", "127.0.0.1", 25);
    l->starttls = (enum fsmtp_starttls)(a % FSMTP_STARTTLS_COUNT);
    l->starttls_advertise = (a & 0x04) != 0;
    l->require_tls = (a & 0x08) != 0;
    l->ehlo_extensions = (a & 0x10) != 0;
    l->tls.ssl_ctx = (a & 0x20) ? (void *)1 : NULL; /* never dereferenced by the session */
    l->max_size = (a & 0x40) ? 64 : l->max_size;
    l->max_recipients = (a & 0x80) ? 2 : l->max_recipients;
    /* the steps a configuration may give a reply (fsmtp_conf.c) */
    static const enum fsmtp_step reply_steps[] = {FSMTP_STEP_EHLO, FSMTP_STEP_MAIL, FSMTP_STEP_RCPT,
                                                  FSMTP_STEP_DATA, FSMTP_STEP_DOT};
    if (b & 0x01)
        l->reply[reply_steps[(b >> 1) % 5]] =
            dl_xstrdup((b & 0x40) ? "450 4.7.1 fuzz says later" : "550 5.7.1 fuzz says no");
    else
        l->drop_at = (enum fsmtp_step)((b >> 1) % FSMTP_STEP_COUNT);
    return l;
}

/* The handshake the session asked for: done or failed, by `ok`. */
static enum smtp_action handshake(struct smtp_session *s, bool ok)
{
    struct fsmtp_tls_info info = {.version = "TLSv1.3", .cipher = "X", .sni = "mx1.fuzz.test"};
    return ok ? smtp_session_tls_done(s, &info) : smtp_session_tls_failed(s, "fuzz", &info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct smtp_session_hooks hooks = {.store = store_nothing};
    struct fsmtp_listener *l;
    struct smtp_session *s;
    enum smtp_action act;
    size_t off = 3, chunk;
    if (size < 3)
        return 0;
    l = listener(data[0], data[1]);
    chunk = (size_t)(data[2] % 128) + 1;
    s = smtp_session_new(l, "192.0.2.1:1234", &hooks);
    act = smtp_session_start(s);
    while (act != SMTP_ACTION_CLOSE && off < size) {
        size_t n = size - off < chunk ? size - off : chunk;
        act = smtp_session_input(s, (const char *)data + off, n);
        off += n;
        smtp_session_output(s)->len = 0;
        if (act == SMTP_ACTION_STARTTLS) {
            if (l->starttls != FSMTP_STARTTLS_ACCEPT)
                __builtin_trap();
            act = handshake(s, (data[1] & 0x80) == 0);
        }
    }
    if (act == SMTP_ACTION_CLOSE && smtp_session_state(s) != SMTP_STATE_CLOSED)
        __builtin_trap();
    if (act != SMTP_ACTION_CLOSE)
        smtp_session_eof(s, "fuzz input ended");
    free(json_dumps(smtp_session_record(s), 0));
    smtp_session_free(s);
    l->tls.ssl_ctx = NULL; /* the stand-in above is no SSL_CTX to free */
    fsmtp_listener_unref(l);
    return 0;
}
