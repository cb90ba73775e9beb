/*
 * imp_sclient: the text of `openssl s_client -starttls smtp -showcerts
 * [-connect HOST:PORT] [-servername NAME]` (standard output, and standard
 * error mixed in or not) as the evidence of one SMTP server, for
 * `danelab import --s-client`. Read as hostile input (imp_text bounds
 * the file and its lines): at most IMP_SCLIENT_MAX_CERTS certificates,
 * each PEM block at most IMP_SCLIENT_MAX_PEM bytes and parsed by OpenSSL;
 * anything malformed is an error "FILE:LINE: what"; a line that is not
 * understood is a note (not reproduced), never dropped silently.
 *
 * What s_client's text tells: whether the EHLO reply offered STARTTLS
 * ("Didn't find STARTTLS in server response"), whether the handshake gave
 * a certificate, the protocol and cipher, and the certificates presented
 * (all of them with -showcerts, the leaf alone without). What it does not
 * tell, each said in a note: the banner, the EHLO keywords, the reply to
 * STARTTLS (a refused STARTTLS and a handshake that fails look alike),
 * whether the chain changes without SNI. The host is the one named by
 * -connect when the text holds the command line, else unknown ("").
 */
#ifndef IMP_SCLIENT_H
#define IMP_SCLIENT_H

#include "dl_error.h"
#include "dl_util.h"

#include <jansson.h>

#define IMP_SCLIENT_MAX_CERTS 16
#define IMP_SCLIENT_MAX_PEM   65536

struct imp_sclient {
    char host[256]; /* from "-connect HOST:PORT" in the text, or "" */
    char servername[256];
    unsigned port;  /* 25 unless -connect says otherwise */
    json_t *server; /* the evidence server object (owned) */
};

/* Read `len` bytes of `file` into *out (zeroed here); notes go to notes.
 * 0, or -1 with err set. */
int imp_sclient_parse(const char *file, const char *data, size_t len, struct imp_sclient *out,
                      struct dl_buf *notes, struct dl_error *err);

/* The leaf certificate's DNS names (an array, borrowed), or NULL. */
const json_t *imp_sclient_leaf_names(const struct imp_sclient *s);

void imp_sclient_free(struct imp_sclient *s);

#endif
