#include "smtp_session.h"
#include "fsmtp_store.h"
#include "fsmtp_tls.h"
#include "smtp_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRANSCRIPT_MAX  256         /* entries kept in the record */
#define TRANSCRIPT_TEXT 300         /* bytes of one entry */
#define JUNK_LINE_MAX   65536       /* an unterminated line this long ends the session */
#define MESSAGES_MAX    1000        /* messages listed in the record */
#define MSG_KEEP_CAP    (64 * 1024) /* a larger message buffer is freed after use */

static const char *const state_names[SMTP_STATE_COUNT] = {
    [SMTP_STATE_NEW] = "new",         [SMTP_STATE_CONNECTED] = "connected",
    [SMTP_STATE_GREETED] = "greeted", [SMTP_STATE_MAIL] = "mail",
    [SMTP_STATE_RCPT] = "rcpt",       [SMTP_STATE_DATA] = "data",
    [SMTP_STATE_TLS] = "tls",         [SMTP_STATE_CLOSED] = "closed",
};

const char *smtp_state_name(enum smtp_state st)
{
    return (unsigned)st < SMTP_STATE_COUNT ? state_names[st] : "?";
}

struct smtp_session {
    struct fsmtp_listener *l;
    struct smtp_session_hooks hooks;
    enum smtp_state state;
    bool tls;
    bool greeted;
    int errors;
    struct smtp_linebuf lb;
    struct dl_buf out;
    /* transaction */
    char from[SMTP_PATH_MAX + 1];
    json_t *rcpts;
    struct dl_buf msg;
    bool msg_too_big, msg_bare_lf, msg_long_line, msg_no_room;
    size_t reserved; /* message bytes reserved through hooks.reserve */
    /* record */
    json_t *rec, *transcript, *messages;
    size_t transcript_dropped;
    size_t discarded;
    const char *outcome;
};

static void record_line(struct smtp_session *s, const char *dir, const char *text, size_t len)
{
    char buf[TRANSCRIPT_TEXT + 8];
    size_t n = 0;
    if (json_array_size(s->transcript) >= TRANSCRIPT_MAX) {
        s->transcript_dropped++;
        return;
    }
    n = (size_t)snprintf(buf, sizeof(buf), "%s ", dir);
    for (size_t i = 0; i < len && n < TRANSCRIPT_TEXT; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[n++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
    }
    if (n >= TRANSCRIPT_TEXT)
        n = TRANSCRIPT_TEXT; /* truncated */
    json_array_append_new(s->transcript, json_stringn(buf, n));
}

/* Append a reply (may hold several lines separated by \n) to the output. */
static void reply(struct smtp_session *s, const char *fmt, ...) DL_PRINTF(2, 3);
static void reply(struct smtp_session *s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf))
        n = sizeof(buf) - 1;
    record_line(s, "S:", buf, (size_t)n);
    for (char *p = buf, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            dl_buf_append(&s->out, p, strlen(p));
            dl_buf_append(&s->out, "\r\n", 2);
            break;
        }
        dl_buf_append(&s->out, p, (size_t)(nl - p));
        dl_buf_append(&s->out, "\r\n", 2);
    }
}

static enum smtp_action close_with(struct smtp_session *s, const char *outcome)
{
    s->state = SMTP_STATE_CLOSED;
    if (s->outcome == NULL)
        s->outcome = outcome;
    return SMTP_ACTION_CLOSE;
}

/* Message memory back to the guard, and the buffer freed when large, so a
 * session that took a big message does not keep its memory. */
static void release_message(struct smtp_session *s)
{
    if (s->reserved > 0 && s->hooks.release != NULL)
        s->hooks.release(s->hooks.mem_ctx, s->reserved);
    s->reserved = 0;
    if (s->msg.cap > MSG_KEEP_CAP)
        dl_buf_free(&s->msg);
    s->msg.len = 0;
}

static void reset_transaction(struct smtp_session *s)
{
    s->from[0] = '\0';
    json_array_clear(s->rcpts);
    release_message(s);
    s->msg_too_big = s->msg_bare_lf = s->msg_long_line = s->msg_no_room = false;
}

static int default_store(void *ctx, const char *maildir, const char *data, size_t len, char *name,
                         size_t namelen, struct dl_error *err)
{
    (void)ctx;
    return fsmtp_store_deliver(maildir, data, len, name, namelen, err);
}

struct smtp_session *smtp_session_new(struct fsmtp_listener *l, const char *peer,
                                      const struct smtp_session_hooks *hooks)
{
    struct smtp_session *s = dl_xcalloc(1, sizeof(*s));
    s->l = fsmtp_listener_ref(l);
    if (hooks != NULL)
        s->hooks = *hooks;
    if (s->hooks.store == NULL)
        s->hooks.store = default_store;
    smtp_linebuf_reset(&s->lb);
    s->rcpts = json_array();
    s->transcript = json_array();
    s->messages = json_array();
    s->rec = json_pack("{s:s, s:s, s:i, s:s, s:b}", "listener", l->name, "address", l->address,
                       "port", l->port, "peer", peer, "starttls", 0);
    json_object_set(s->rec, "transcript", s->transcript);
    json_object_set(s->rec, "messages", s->messages);
    return s;
}

void smtp_session_free(struct smtp_session *s)
{
    if (s == NULL)
        return;
    release_message(s);
    fsmtp_listener_unref(s->l);
    dl_buf_free(&s->out);
    dl_buf_free(&s->msg);
    json_decref(s->rcpts);
    json_decref(s->transcript);
    json_decref(s->messages);
    json_decref(s->rec);
    free(s);
}

struct dl_buf *smtp_session_output(struct smtp_session *s)
{
    return &s->out;
}

size_t smtp_session_pending(const struct smtp_session *s)
{
    return smtp_linebuf_pending(&s->lb);
}

enum smtp_state smtp_session_state(const struct smtp_session *s)
{
    return s->state;
}

bool smtp_session_in_tls(const struct smtp_session *s)
{
    return s->tls;
}

const struct fsmtp_listener *smtp_session_listener(const struct smtp_session *s)
{
    return s->l;
}

json_t *smtp_session_record(struct smtp_session *s)
{
    json_object_set_new(s->rec, "state", json_string(smtp_state_name(s->state)));
    json_object_set_new(s->rec, "errors", json_integer(s->errors));
    json_object_set_new(s->rec, "outcome", json_string(s->outcome ? s->outcome : "open"));
    if (s->transcript_dropped > 0)
        json_object_set_new(s->rec, "transcript_dropped",
                            json_integer((json_int_t)s->transcript_dropped));
    if (s->discarded > 0)
        json_object_set_new(s->rec, "discarded_after_starttls",
                            json_integer((json_int_t)s->discarded));
    return s->rec;
}

enum smtp_action smtp_session_start(struct smtp_session *s)
{
    if (s->l->drop_at == FSMTP_STEP_CONNECT)
        return close_with(s, "dropped-at-connect");
    reply(s, "220 %s", s->l->banner);
    s->state = SMTP_STATE_CONNECTED;
    return SMTP_ACTION_NONE;
}

/* A protocol error: reply, count, and end the session at max_errors. */
static enum smtp_action proto_error(struct smtp_session *s, const char *text)
{
    reply(s, "%s", text);
    if (++s->errors >= s->l->max_errors) {
        reply(s, "421 4.7.0 %s Error: too many errors", s->l->name);
        return close_with(s, "too-many-errors");
    }
    return SMTP_ACTION_NONE;
}

/* A configured reply; 421 closes. */
static enum smtp_action scripted(struct smtp_session *s, enum fsmtp_step step)
{
    const char *r = s->l->reply[step];
    reply(s, "%s", r);
    if (strncmp(r, "421", 3) == 0)
        return close_with(s, "closed-by-421");
    return SMTP_ACTION_NONE;
}

static enum smtp_action drop(struct smtp_session *s, enum fsmtp_step step)
{
    static char names[FSMTP_STEP_COUNT][32];
    snprintf(names[step], sizeof(names[step]), "dropped-at-%s", fsmtp_step_name(step));
    return close_with(s, names[step]);
}

static enum smtp_action do_ehlo(struct smtp_session *s, const struct smtp_cmd *c)
{
    bool ehlo = c->verb == SMTP_VERB_EHLO;
    bool stls = s->l->starttls_advertise && !s->tls;
    if (s->l->drop_at == FSMTP_STEP_EHLO)
        return drop(s, FSMTP_STEP_EHLO);
    reset_transaction(s);
    json_object_set_new(s->rec, "helo", json_string(c->arg));
    if (s->l->reply[FSMTP_STEP_EHLO] != NULL)
        return scripted(s, FSMTP_STEP_EHLO);
    s->greeted = true;
    s->state = SMTP_STATE_GREETED;
    if (!ehlo) {
        reply(s, "250 %s", s->l->name);
        return SMTP_ACTION_NONE;
    }
    if (!s->l->ehlo_extensions && !stls) {
        reply(s, "250 %s", s->l->name);
        return SMTP_ACTION_NONE;
    }
    if (!s->l->ehlo_extensions) {
        reply(s, "250-%s\n250 STARTTLS", s->l->name);
        return SMTP_ACTION_NONE;
    }
    reply(s, "250-%s\n250-PIPELINING\n250-SIZE %zu\n250-8BITMIME\n250%sENHANCEDSTATUSCODES%s",
          s->l->name, s->l->max_size, stls ? "-" : " ", stls ? "\n250 STARTTLS" : "");
    return SMTP_ACTION_NONE;
}

static enum smtp_action do_starttls(struct smtp_session *s)
{
    if (s->tls)
        return proto_error(s, "503 5.5.1 Error: TLS already active");
    if (s->state != SMTP_STATE_GREETED)
        return proto_error(s, s->greeted ? "503 5.5.1 Error: STARTTLS inside a mail transaction"
                                         : "503 5.5.1 Error: send EHLO first");
    if (s->l->drop_at == FSMTP_STEP_STARTTLS || s->l->starttls == FSMTP_STARTTLS_CLOSE)
        return drop(s, FSMTP_STEP_STARTTLS);
    if (s->l->starttls == FSMTP_STARTTLS_454 || s->l->tls.ssl_ctx == NULL) {
        reply(s, "454 4.7.0 TLS not available");
        return SMTP_ACTION_NONE;
    }
    reply(s, "220 2.0.0 Ready to start TLS");
    if (s->l->starttls_inject != NULL) /* the attack under test: never sent otherwise */
        reply(s, "%s", s->l->starttls_inject);
    json_object_set_new(s->rec, "starttls", json_true());
    s->state = SMTP_STATE_TLS;
    return SMTP_ACTION_STARTTLS;
}

static enum smtp_action do_mail(struct smtp_session *s, const struct smtp_cmd *c)
{
    const char *size;
    if (s->state == SMTP_STATE_CONNECTED)
        return proto_error(s, "503 5.5.1 Error: send HELO/EHLO first");
    if (s->state != SMTP_STATE_GREETED)
        return proto_error(s, "503 5.5.1 Error: nested MAIL command");
    if (s->l->require_tls && !s->tls)
        return proto_error(s, "530 5.7.0 Must issue a STARTTLS command first");
    if (s->l->drop_at == FSMTP_STEP_MAIL)
        return drop(s, FSMTP_STEP_MAIL);
    size = strcasestr(c->params, "SIZE=");
    if (size != NULL && strtoull(size + 5, NULL, 10) > s->l->max_size) {
        reply(s, "552 5.3.4 Message size exceeds fixed limit");
        return SMTP_ACTION_NONE;
    }
    if (s->l->reply[FSMTP_STEP_MAIL] != NULL)
        return scripted(s, FSMTP_STEP_MAIL);
    snprintf(s->from, sizeof(s->from), "%s", c->path);
    s->state = SMTP_STATE_MAIL;
    reply(s, "250 2.1.0 Ok");
    return SMTP_ACTION_NONE;
}

static enum smtp_action do_rcpt(struct smtp_session *s, const struct smtp_cmd *c)
{
    if (s->state != SMTP_STATE_MAIL && s->state != SMTP_STATE_RCPT)
        return proto_error(s, "503 5.5.1 Error: need MAIL command");
    if (s->l->drop_at == FSMTP_STEP_RCPT)
        return drop(s, FSMTP_STEP_RCPT);
    if (json_array_size(s->rcpts) >= (size_t)s->l->max_recipients) {
        reply(s, "452 4.5.3 Error: too many recipients");
        return SMTP_ACTION_NONE;
    }
    if (s->l->reply[FSMTP_STEP_RCPT] != NULL)
        return scripted(s, FSMTP_STEP_RCPT);
    json_array_append_new(s->rcpts, json_string(c->path));
    s->state = SMTP_STATE_RCPT;
    reply(s, "250 2.1.5 Ok");
    return SMTP_ACTION_NONE;
}

static enum smtp_action do_data(struct smtp_session *s)
{
    if (s->state == SMTP_STATE_MAIL)
        return proto_error(s, "554 5.5.1 Error: no valid recipients");
    if (s->state != SMTP_STATE_RCPT)
        return proto_error(s, "503 5.5.1 Error: need RCPT command");
    if (s->l->drop_at == FSMTP_STEP_DATA)
        return drop(s, FSMTP_STEP_DATA);
    if (s->l->reply[FSMTP_STEP_DATA] != NULL)
        return scripted(s, FSMTP_STEP_DATA);
    s->state = SMTP_STATE_DATA;
    s->msg.len = 0;
    reply(s, "354 End data with <CR><LF>.<CR><LF>");
    return SMTP_ACTION_NONE;
}

static enum smtp_action end_of_data(struct smtp_session *s)
{
    char name[256];
    struct dl_error err;
    size_t size = s->msg.len;
    s->state = SMTP_STATE_GREETED;
    record_line(s, "C:", "<message>", 9);
    if (s->msg_bare_lf)
        reply(s, "550 5.6.0 Error: bare <LF> in message, use <CR><LF>");
    else if (s->msg_long_line)
        reply(s, "550 5.6.0 Error: message line longer than 1000 octets");
    else if (s->msg_too_big)
        reply(s, "552 5.3.4 Error: message size exceeds fixed limit");
    else if (s->msg_no_room)
        reply(s, "452 4.3.1 Error: insufficient system storage, try again later");
    else if (s->l->drop_at == FSMTP_STEP_DOT)
        return drop(s, FSMTP_STEP_DOT);
    else if (s->l->reply[FSMTP_STEP_DOT] != NULL) {
        reset_transaction(s);
        return scripted(s, FSMTP_STEP_DOT);
    } else {
        name[0] = '\0';
        if (s->l->maildir != NULL &&
            s->hooks.store(s->hooks.ctx, s->l->maildir, s->msg.data ? s->msg.data : "", size, name,
                           sizeof(name), &err) != 0) {
            dl_err("%s: %s", s->l->name, err.msg);
            reply(s, "451 4.3.0 Error: local storage failure");
        } else {
            if (json_array_size(s->messages) < MESSAGES_MAX)
                json_array_append_new(
                    s->messages, json_pack("{s:s, s:s, s:o, s:I}", "file", name, "from", s->from,
                                           "rcpt", json_copy(s->rcpts), "size", (json_int_t)size));
            if (s->l->maildir != NULL)
                reply(s, "250 2.0.0 Ok: queued as %s", name);
            else
                reply(s, "250 2.0.0 Ok: discarded");
        }
    }
    reset_transaction(s);
    return SMTP_ACTION_NONE;
}

static enum smtp_action data_line(struct smtp_session *s, const struct smtp_line *ln)
{
    const char *t = ln->text;
    size_t n = ln->len;
    if (ln->bare_lf)
        s->msg_bare_lf = true;
    if (ln->too_long)
        s->msg_long_line = true;
    if (!ln->bare_lf && !ln->too_long && n == 1 && t[0] == '.')
        return end_of_data(s);
    if (n > 0 && t[0] == '.') {
        t++;
        n--;
    }
    if (s->msg_too_big || s->msg.len + n + 2 > s->l->max_size) {
        s->msg_too_big = true;
        return SMTP_ACTION_NONE;
    }
    if (s->msg_no_room)
        return SMTP_ACTION_NONE;
    if (s->hooks.reserve != NULL && !s->hooks.reserve(s->hooks.mem_ctx, n + 2)) {
        /* This message is lost: give its memory back at once, so the
         * sessions still receiving theirs can finish; read on to the end
         * and hold nothing more. */
        s->msg_no_room = true;
        release_message(s);
        return SMTP_ACTION_NONE;
    }
    s->reserved += s->hooks.reserve != NULL ? n + 2 : 0;
    dl_buf_append(&s->msg, t, n);
    dl_buf_append(&s->msg, "\r\n", 2);
    return SMTP_ACTION_NONE;
}

static enum smtp_action command_line(struct smtp_session *s, const struct smtp_line *ln)
{
    struct smtp_cmd c;
    enum smtp_parse_status st;
    record_line(s, "C:", ln->text, ln->len);
    if (ln->too_long)
        return proto_error(s, "500 5.5.2 Error: line too long");
    if (ln->bare_lf)
        return proto_error(s, "500 5.5.2 Error: bare <LF> received, use <CR><LF>");
    st = smtp_parse_command(ln->text, ln->len, &c);
    switch (st) {
    case SMTP_PARSE_OK:
        break;
    case SMTP_PARSE_SYNTAX:
        return proto_error(s, "501 5.5.4 Syntax error in parameters or arguments");
    case SMTP_PARSE_PATH_LONG:
        return proto_error(s, "501 5.1.3 Error: path too long");
    case SMTP_PARSE_TOO_LONG:
        return proto_error(s, "500 5.5.2 Error: line too long");
    case SMTP_PARSE_BAD_CHAR:
        return proto_error(s, "500 5.5.2 Error: invalid character in command");
    default:
        return proto_error(s, "500 5.5.2 Error: command not recognized");
    }
    switch (c.verb) {
    case SMTP_VERB_HELO:
    case SMTP_VERB_EHLO:
        return do_ehlo(s, &c);
    case SMTP_VERB_STARTTLS:
        return do_starttls(s);
    case SMTP_VERB_MAIL:
        return do_mail(s, &c);
    case SMTP_VERB_RCPT:
        return do_rcpt(s, &c);
    case SMTP_VERB_DATA:
        return do_data(s);
    case SMTP_VERB_RSET:
        reset_transaction(s);
        if (s->state != SMTP_STATE_CONNECTED)
            s->state = SMTP_STATE_GREETED;
        reply(s, "250 2.0.0 Ok");
        return SMTP_ACTION_NONE;
    case SMTP_VERB_NOOP:
        reply(s, "250 2.0.0 Ok");
        return SMTP_ACTION_NONE;
    case SMTP_VERB_QUIT:
        reply(s, "221 2.0.0 Bye");
        return close_with(s, "quit");
    case SMTP_VERB_VRFY:
        reply(s, "252 2.0.0 Cannot VRFY user");
        return SMTP_ACTION_NONE;
    case SMTP_VERB_HELP:
        reply(s, "214 2.0.0 fakesmtp: see fakesmtp(8)");
        return SMTP_ACTION_NONE;
    default:
        return proto_error(s, "502 5.5.1 Error: command not implemented");
    }
}

enum smtp_action smtp_session_input(struct smtp_session *s, const char *data, size_t len)
{
    enum smtp_action act = SMTP_ACTION_NONE;
    while (len > 0 && act == SMTP_ACTION_NONE && s->state != SMTP_STATE_NEW &&
           s->state != SMTP_STATE_TLS && s->state != SMTP_STATE_CLOSED) {
        struct smtp_line ln;
        size_t used = 0;
        size_t max = s->state == SMTP_STATE_DATA ? SMTP_TEXT_LINE_MAX : SMTP_CMD_LINE_MAX;
        int r = smtp_linebuf_feed(&s->lb, data, len, max, &used, &ln);
        data += used;
        len -= used;
        if (r == 0) {
            if (smtp_linebuf_pending(&s->lb) > JUNK_LINE_MAX) {
                reply(s, "421 4.7.0 %s Error: line too long, closing", s->l->name);
                act = close_with(s, "line-too-long");
            }
            break;
        }
        act = s->state == SMTP_STATE_DATA ? data_line(s, &ln) : command_line(s, &ln);
    }
    if (act == SMTP_ACTION_STARTTLS) {
        /* whatever the client sent after STARTTLS was not protected: drop it */
        s->discarded += len + smtp_linebuf_pending(&s->lb);
        smtp_linebuf_reset(&s->lb);
    } else if (s->state == SMTP_STATE_TLS || s->state == SMTP_STATE_CLOSED) {
        s->discarded += len;
    }
    return act;
}

static json_t *tls_json(const struct fsmtp_tls_info *info)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "version", info->version, "cipher",
                     info->cipher, "sni", info->sni[0] ? info->sni : NULL, "cert_subject",
                     info->cert_subject, "cert_sha256", info->cert_sha256, "spki_sha256",
                     info->spki_sha256);
}

enum smtp_action smtp_session_tls_done(struct smtp_session *s, const struct fsmtp_tls_info *info)
{
    s->tls = true;
    s->greeted = false;
    s->state = SMTP_STATE_CONNECTED;
    reset_transaction(s);
    smtp_linebuf_reset(&s->lb);
    json_object_set_new(s->rec, "tls", tls_json(info));
    record_line(s, "T:", "handshake done", 14);
    if (s->l->drop_at == FSMTP_STEP_TLS)
        return drop(s, FSMTP_STEP_TLS);
    return SMTP_ACTION_NONE;
}

enum smtp_action smtp_session_tls_failed(struct smtp_session *s, const char *why,
                                         const struct fsmtp_tls_info *info)
{
    if (info != NULL)
        json_object_set_new(s->rec, "tls", tls_json(info));
    json_object_set_new(s->rec, "tls_error", json_string(why));
    record_line(s, "T:", why, strlen(why));
    return close_with(s, "tls-failed");
}

enum smtp_action smtp_session_timeout(struct smtp_session *s)
{
    if (s->state != SMTP_STATE_TLS && s->state != SMTP_STATE_CLOSED)
        reply(s, "421 4.4.2 %s Error: timeout exceeded", s->l->name);
    return close_with(s, "timeout");
}

enum smtp_action smtp_session_shutdown(struct smtp_session *s)
{
    if (s->state != SMTP_STATE_TLS && s->state != SMTP_STATE_CLOSED)
        reply(s, "421 4.3.2 %s Service shutting down", s->l->name);
    return close_with(s, "shutdown");
}

void smtp_session_eof(struct smtp_session *s, const char *why)
{
    if (s->state == SMTP_STATE_CLOSED)
        return;
    record_line(s, "E:", why, strlen(why));
    close_with(s, s->state == SMTP_STATE_DATA ? "client-closed-in-data" : "client-closed");
}
