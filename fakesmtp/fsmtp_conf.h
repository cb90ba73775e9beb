/*
 * fsmtp_conf: the fakesmtp configuration, a JSON file (format in
 * fakesmtp(8)). Loading resolves relative paths against the configuration
 * file's directory, creates each listener's maildir and builds its TLS
 * context, so that a configuration that loads is one that can be served.
 * Errors name the file and line (JSON syntax) or the JSON path of the
 * offending value ("conf.json: $.listeners[1].tls.cert: ...").
 *
 * Listener behaviours are reference counted: the server holds one
 * reference per configuration and one per session, so sessions in flight
 * keep the behaviour they started with across a reload (SIGHUP).
 */
#ifndef FSMTP_CONF_H
#define FSMTP_CONF_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>

/* What the server answers to STARTTLS. */
enum fsmtp_starttls {
    FSMTP_STARTTLS_ACCEPT = 0, /* 220, then the TLS handshake */
    FSMTP_STARTTLS_454,        /* 454 4.7.0 TLS not available */
    FSMTP_STARTTLS_CLOSE,      /* close the connection without a reply */
    FSMTP_STARTTLS_COUNT
};

/* Deliberate TLS failures. */
enum fsmtp_tls_fault {
    FSMTP_FAULT_NONE = 0,
    FSMTP_FAULT_ABORT_AFTER_HELLO, /* fail the handshake once the ClientHello is in */
    FSMTP_FAULT_WRONG_KEY,         /* present the certificate, sign with another key */
    FSMTP_FAULT_OTHER_CERT,        /* present fault_cert/fault_key instead */
    FSMTP_FAULT_COUNT
};

/* SMTP steps where a listener can reject or drop. */
enum fsmtp_step {
    FSMTP_STEP_NONE = 0,
    FSMTP_STEP_CONNECT,  /* drop only: close before the banner */
    FSMTP_STEP_EHLO,     /* HELO or EHLO */
    FSMTP_STEP_STARTTLS, /* drop only: use starttls "close" for that */
    FSMTP_STEP_TLS,      /* drop only: close right after the handshake */
    FSMTP_STEP_MAIL,
    FSMTP_STEP_RCPT,
    FSMTP_STEP_DATA, /* the DATA command */
    FSMTP_STEP_DOT,  /* the end of the message (reply to the final dot) */
    FSMTP_STEP_COUNT
};

const char *fsmtp_starttls_name(enum fsmtp_starttls s);
const char *fsmtp_tls_fault_name(enum fsmtp_tls_fault f);
const char *fsmtp_step_name(enum fsmtp_step s);

struct fsmtp_sni {
    char *name;
    char *cert, *key;
    void *ssl_ctx; /* SSL_CTX * */
};

/* One listener: address and behaviour. Immutable once loaded. */
struct fsmtp_listener {
    int refs;
    char *name;    /* the MX host name, used in the banner, EHLO and logs */
    char *address; /* IPv4 or IPv6 literal */
    int port;
    char *banner;         /* text after "220 " */
    int banner_delay_ms;  /* wait before the banner */
    bool ehlo_extensions; /* list PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES */
    bool starttls_advertise;
    enum fsmtp_starttls starttls;
    bool require_tls; /* 530 to MAIL before STARTTLS */
    /* TLS */
    char *cert, *key;     /* PEM chain (leaf first) and key; NULL: no TLS */
    int tls_min, tls_max; /* OpenSSL protocol versions, 0 for library defaults */
    struct fsmtp_sni *sni;
    size_t n_sni;
    enum fsmtp_tls_fault fault;
    char *fault_cert, *fault_key; /* other-cert: what to present; wrong-key: the key */
    void *ssl_ctx;                /* SSL_CTX *, NULL without TLS */
    /* replies and drops */
    char *reply[FSMTP_STEP_COUNT]; /* "550 5.7.1 text" or NULL: accept */
    enum fsmtp_step drop_at;
    /* limits and storage */
    char *maildir; /* NULL: accept and discard */
    size_t max_size;
    int idle_timeout;    /* seconds without a byte from the client */
    int command_timeout; /* seconds from a line's first byte to its end */
    int session_timeout; /* seconds a session may last in all */
    int max_errors;
    int max_recipients;
};

struct fsmtp_conf {
    char *path;        /* absolute path of the file */
    char *session_log; /* NULL: no session log */
    char *pidfile;
    int grace;           /* seconds to let sessions finish at SIGTERM */
    int max_sessions;    /* as configured; the server may lower it (fsmtp_guard) */
    size_t max_buffered; /* message bytes held in memory by all sessions */
    struct fsmtp_listener **listeners;
    size_t n_listeners;
};

/* Load and validate a configuration file. Returns a new configuration the
 * caller releases with fsmtp_conf_free(), or NULL with err set. */
struct fsmtp_conf *fsmtp_conf_load(const char *path, struct dl_error *err);

/* Parse a configuration from JSON text (path names it in errors and anchors
 * relative paths). Same contract as fsmtp_conf_load(). */
struct fsmtp_conf *fsmtp_conf_parse(const char *text, const char *path, struct dl_error *err);

void fsmtp_conf_free(struct fsmtp_conf *conf);

/* A listener with every default and no TLS (for tests and embedding);
 * one reference, owned by the caller. */
struct fsmtp_listener *fsmtp_listener_new(const char *name, const char *address, int port);
struct fsmtp_listener *fsmtp_listener_ref(struct fsmtp_listener *l);
/* Drop a reference; frees the listener (and its TLS contexts) at zero. */
void fsmtp_listener_unref(struct fsmtp_listener *l);

#endif
