/*
 * fsmtp_listener: one fakesmtp listener, an address and the behaviour
 * served on it (banner, STARTTLS, scripted replies and drops, limits, TLS
 * through fsmtp_tls). fsmtp_conf fills listeners from the configuration;
 * fsmtp_listener_prepare() then creates what serving needs.
 *
 * Listeners are reference counted: the server holds one reference per
 * configuration and one per session, so sessions in flight keep the
 * behaviour they started with across a reload (SIGHUP).
 */
#ifndef FSMTP_LISTENER_H
#define FSMTP_LISTENER_H

#include "dl_error.h"
#include "fsmtp_tls.h"

#include <stdbool.h>
#include <stddef.h>

/* What the server answers to STARTTLS. */
enum fsmtp_starttls {
    FSMTP_STARTTLS_ACCEPT = 0, /* 220, then the TLS handshake */
    FSMTP_STARTTLS_454,        /* 454 4.7.0 TLS not available */
    FSMTP_STARTTLS_CLOSE,      /* close the connection without a reply */
    FSMTP_STARTTLS_COUNT
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

/* The configuration names of the values, indexed by the enums. */
extern const char *const fsmtp_starttls_names[FSMTP_STARTTLS_COUNT];
extern const char *const fsmtp_step_names[FSMTP_STEP_COUNT];
const char *fsmtp_starttls_name(enum fsmtp_starttls s);
const char *fsmtp_step_name(enum fsmtp_step s);

/* One listener: address and behaviour. Immutable once prepared. */
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
    /* Lines sent in plaintext right after "220 Ready to start TLS", before
     * the handshake (a STARTTLS response injection, as a man in the middle
     * would add it); NULL: none. */
    char *starttls_inject;
    struct fsmtp_tls tls; /* tls.cert NULL: no TLS */
    /* replies and drops */
    char *reply[FSMTP_STEP_COUNT]; /* "550 5.7.1 text" or NULL: accept */
    enum fsmtp_step drop_at;
    /* limits and storage */
    char *maildir;     /* NULL: accept and discard */
    char *fingerprint; /* what it was built from (fsmtp_listener_fingerprint) */
    size_t max_size;
    int idle_timeout;    /* seconds without a byte from the client */
    int command_timeout; /* seconds from a line's first byte to its end */
    int session_timeout; /* seconds a session may last in all */
    int max_errors;
    int max_recipients;
};

/* A listener with every default and no TLS (for the configuration, tests
 * and embedding); one reference, owned by the caller. */
struct fsmtp_listener *fsmtp_listener_new(const char *name, const char *address, int port);
struct fsmtp_listener *fsmtp_listener_ref(struct fsmtp_listener *l);
/* Drop a reference; frees the listener (and its TLS contexts) at zero. */
void fsmtp_listener_unref(struct fsmtp_listener *l);

/* The listener's fingerprint, set in l->fingerprint: its configuration
 * object (json, canonical text) and the identity of every file it reads
 * (certificates and keys: device, inode, size, modification time; the
 * maildir: device and inode). Two listeners with equal fingerprints serve
 * alike, so a reload keeps the prepared one (fsmtp_conf_reload). */
void fsmtp_listener_fingerprint(struct fsmtp_listener *l, const char *json);

/* Create the maildir's tmp/, new/ and cur/ and the TLS contexts: what
 * makes a listener servable. keys: the reader for its private keys (NULL:
 * one each). Returns 0, or -1 with err set. */
int fsmtp_listener_prepare(struct fsmtp_listener *l, dl_pkey_reader *keys, struct dl_error *err);

#endif
