/*
 * smtp_parse: the SMTP server's input side as pure functions, without
 * sockets: a bounded line reader that splits a byte stream into lines, and
 * a command parser (verb, argument, the path of MAIL FROM / RCPT TO).
 *
 * Line rules (RFC 5321 §4.5.3.1): a line ends with CRLF. A command line is
 * at most 512 octets and a text line (DATA) at most 1000, both counting the
 * CRLF. A line ending in a bare LF is still split there but flagged
 * (bare_lf) so the caller can refuse it; a bare CR is ordinary data. A line
 * longer than the limit is consumed up to its LF and reported once, flagged
 * too_long, with only its first bytes kept.
 */
#ifndef SMTP_PARSE_H
#define SMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SMTP_CMD_LINE_MAX  512  /* octets, CRLF included */
#define SMTP_TEXT_LINE_MAX 1000 /* octets, CRLF included */
#define SMTP_PATH_MAX      256  /* octets of a reverse- or forward-path */

/* Line reader state. Zero-initialise it (or call smtp_linebuf_reset). */
struct smtp_linebuf {
    char buf[SMTP_TEXT_LINE_MAX + 1]; /* the line so far, NUL-terminated */
    size_t len;                       /* bytes kept in buf */
    size_t seen;                      /* bytes of the line seen, kept or not */
    int last;                         /* last byte seen on this line, -1 for none */
    bool complete;                    /* buf holds a finished line */
};

/* A complete line handed out by smtp_linebuf_feed(). text points into the
 * line buffer and is valid until the next feed; it excludes the CR LF (or
 * bare LF) and is NUL-terminated (it may also contain NUL bytes: use len). */
struct smtp_line {
    const char *text;
    size_t len;
    bool bare_lf;  /* ended in LF without CR */
    bool too_long; /* longer than max: text holds only the first bytes */
};

void smtp_linebuf_reset(struct smtp_linebuf *lb);

/* Consume bytes from data[0..len) until a line is complete. Returns 1 with
 * *line set when a line ended (more data may remain), 0 when every byte was
 * consumed without ending a line. *consumed says how many bytes were used.
 * max is the line limit including CRLF (SMTP_CMD_LINE_MAX or
 * SMTP_TEXT_LINE_MAX). Memory use is bounded whatever the input. */
int smtp_linebuf_feed(struct smtp_linebuf *lb, const char *data, size_t len, size_t max,
                      size_t *consumed, struct smtp_line *line);

/* Bytes of an incomplete line held (0 between lines). */
size_t smtp_linebuf_pending(const struct smtp_linebuf *lb);

enum smtp_verb {
    SMTP_VERB_NONE = 0, /* unknown verb */
    SMTP_VERB_HELO,
    SMTP_VERB_EHLO,
    SMTP_VERB_MAIL,
    SMTP_VERB_RCPT,
    SMTP_VERB_DATA,
    SMTP_VERB_RSET,
    SMTP_VERB_NOOP,
    SMTP_VERB_QUIT,
    SMTP_VERB_VRFY,
    SMTP_VERB_EXPN,
    SMTP_VERB_HELP,
    SMTP_VERB_STARTTLS,
    SMTP_VERB_BDAT,
    SMTP_VERB_AUTH,
    SMTP_VERB_COUNT
};

/* "EHLO", "MAIL", ...; "unknown" for SMTP_VERB_NONE. */
const char *smtp_verb_name(enum smtp_verb v);

enum smtp_parse_status {
    SMTP_PARSE_OK = 0,
    SMTP_PARSE_EMPTY,     /* empty line */
    SMTP_PARSE_TOO_LONG,  /* longer than the command line limit */
    SMTP_PARSE_BAD_CHAR,  /* NUL, other control or non-ASCII byte */
    SMTP_PARSE_UNKNOWN,   /* verb not recognised */
    SMTP_PARSE_SYNTAX,    /* verb known, argument malformed */
    SMTP_PARSE_PATH_LONG, /* path longer than SMTP_PATH_MAX */
    SMTP_PARSE_STATUS_COUNT
};

/* A short text for the status, used in replies and logs. */
const char *smtp_parse_strerror(enum smtp_parse_status st);

struct smtp_cmd {
    enum smtp_verb verb;
    char arg[SMTP_CMD_LINE_MAX];  /* everything after the verb and spaces */
    char path[SMTP_PATH_MAX + 1]; /* MAIL/RCPT: the address inside <>, source route removed */
    const char *params;           /* MAIL/RCPT: parameters after the path (in arg), or "" */
};

/* Parse one command line (without its CRLF; len bytes, may contain NUL).
 * Verbs are case-insensitive. HELO/EHLO need a domain argument; MAIL needs
 * "FROM:<path>" (empty path <> allowed), RCPT needs "TO:<path>" (non-empty);
 * a space after the colon is tolerated, as most servers do; DATA, RSET,
 * QUIT and STARTTLS take no argument. Fills *cmd (verb is set whenever the
 * verb is recognised, even on SYNTAX). */
enum smtp_parse_status smtp_parse_command(const char *line, size_t len, struct smtp_cmd *cmd);

#endif
