/*
 * fdns_pkt: the DNS messages fakedns reads and writes (RFC 1035 4.1).
 * fdns_pkt_parse reads a query's header and its one question from bytes a
 * client sent: hostile input, so every count and length in it is checked
 * against the message's size and nothing past it is read. fdns_pkt_reply
 * writes the answers fakedns makes up itself (an error rcode, or an empty
 * answer with the TC bit) from the query's header and question. No
 * allocation; the caller owns every buffer.
 */
#ifndef FDNS_PKT_H
#define FDNS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDNS_PKT_HEADER 12
#define FDNS_PKT_MAX    65535
/* A name as text: 255 octets on the wire, each at most 4 characters
 * (\DDD), plus dots and the terminating NUL. */
#define FDNS_NAME_TEXT 1100

enum fdns_pkt_status {
    FDNS_PKT_OK,
    FDNS_PKT_SHORT,     /* fewer than 12 octets, or the question runs past the end */
    FDNS_PKT_NOT_QUERY, /* QR set, or an opcode other than QUERY */
    FDNS_PKT_QDCOUNT,   /* not exactly one question */
    FDNS_PKT_BAD_NAME,  /* a compression pointer, a reserved label type, or over 255 octets */
};

struct fdns_query {
    uint16_t id;
    uint16_t flags;
    uint16_t qtype;
    uint16_t qclass;
    size_t question_end;        /* offset just past the question */
    char qname[FDNS_NAME_TEXT]; /* lower case, absolute ("mx1.example.test."), "." for the root */
};

/* Parse the query in msg[0..len). FDNS_PKT_OK fills *q; any other status
 * leaves *q unspecified. */
enum fdns_pkt_status fdns_pkt_parse(const uint8_t *msg, size_t len, struct fdns_query *q);
const char *fdns_pkt_strerror(enum fdns_pkt_status st);

/* The reply to query q (parsed from msg) with `rcode` and, when tc, the
 * TC bit: the query's header and question, QR set, RD and CD copied, no
 * records.
 * Returns its length, or 0 when out (outlen octets) is too small. */
size_t fdns_pkt_reply(const uint8_t *msg, const struct fdns_query *q, unsigned rcode, bool tc,
                      uint8_t *out, size_t outlen);

/* The RR type code of a mnemonic ("TLSA" -> 52, case-insensitive, or
 * "TYPEnnn"), or -1; and the mnemonic of a code (NULL when unnamed). */
int fdns_pkt_type_code(const char *name);
const char *fdns_pkt_type_name(uint16_t code);

/* Whether absolute name `name` is `zone` or below it, on a label boundary
 * (both lower case text as fdns_query.qname; zone "." matches every name). */
bool fdns_pkt_in_zone(const char *name, const char *zone);

#endif
