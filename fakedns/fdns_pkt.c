#include "fdns_pkt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLAG_QR   0x8000u
#define FLAG_TC   0x0200u
#define FLAG_RD   0x0100u
#define FLAG_CD   0x0010u
#define OPCODE(f) (((f) >> 11) & 0xfu)
#define NAME_WIRE 255
#define LABEL_MAX 63

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Append one label as text (lower case; other than letters, digits, '-'
 * and '_' escaped as \DDD) at *pos of out, then a dot. */
static void label_text(const uint8_t *l, size_t n, char *out, size_t *pos)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = l[i];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            out[(*pos)++] = (char)c;
        else
            *pos += (size_t)snprintf(out + *pos, 5, "\\%03u", c);
    }
    out[(*pos)++] = '.';
}

/* The question's name from msg[*off..len) into text; *off moves past it.
 * At most 255 octets of wire name, so at most 127 labels: the loop ends. */
static enum fdns_pkt_status read_name(const uint8_t *msg, size_t len, size_t *off, char *text)
{
    size_t pos = 0, wire = 0, o = *off;
    for (;;) {
        unsigned n;
        if (o >= len)
            return FDNS_PKT_SHORT;
        n = msg[o];
        if (n & 0xc0u)
            return FDNS_PKT_BAD_NAME; /* a pointer has nothing before it to point to here */
        wire += n + 1;
        if (wire > NAME_WIRE)
            return FDNS_PKT_BAD_NAME;
        if (n == 0)
            break;
        if (o + 1 + n > len)
            return FDNS_PKT_SHORT;
        label_text(msg + o + 1, n, text, &pos);
        o += 1 + n;
    }
    if (pos == 0)
        text[pos++] = '.';
    text[pos] = '\0';
    *off = o + 1;
    return FDNS_PKT_OK;
}

enum fdns_pkt_status fdns_pkt_parse(const uint8_t *msg, size_t len, struct fdns_query *q)
{
    size_t off = FDNS_PKT_HEADER;
    enum fdns_pkt_status st;
    if (msg == NULL || len < FDNS_PKT_HEADER)
        return FDNS_PKT_SHORT;
    q->id = get16(msg);
    q->flags = get16(msg + 2);
    if ((q->flags & FLAG_QR) || OPCODE(q->flags) != 0)
        return FDNS_PKT_NOT_QUERY;
    if (get16(msg + 4) != 1)
        return FDNS_PKT_QDCOUNT;
    if ((st = read_name(msg, len, &off, q->qname)) != FDNS_PKT_OK)
        return st;
    if (off + 4 > len)
        return FDNS_PKT_SHORT;
    q->qtype = get16(msg + off);
    q->qclass = get16(msg + off + 2);
    q->question_end = off + 4;
    return FDNS_PKT_OK;
}

const char *fdns_pkt_strerror(enum fdns_pkt_status st)
{
    static const char *const names[] = {
        [FDNS_PKT_OK] = "ok",
        [FDNS_PKT_SHORT] = "message too short",
        [FDNS_PKT_NOT_QUERY] = "not a query (QR set or opcode not QUERY)",
        [FDNS_PKT_QDCOUNT] = "not exactly one question",
        [FDNS_PKT_BAD_NAME] = "malformed question name",
    };
    return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown status";
}

size_t fdns_pkt_reply(const uint8_t *msg, const struct fdns_query *q, unsigned rcode, bool tc,
                      uint8_t *out, size_t outlen)
{
    /* RD and CD copied from the query (RFC 1035 4.1.1, RFC 4035 3.2.2) */
    unsigned flags =
        FLAG_QR | (q->flags & (FLAG_RD | FLAG_CD)) | (tc ? FLAG_TC : 0) | (rcode & 0xfu);
    size_t n = q->question_end;
    if (n < FDNS_PKT_HEADER || outlen < n)
        return 0;
    memcpy(out, msg, n);
    put16(out + 2, flags);
    put16(out + 4, 1);
    put16(out + 6, 0);
    put16(out + 8, 0);
    put16(out + 10, 0);
    return n;
}

static const struct {
    const char *name;
    uint16_t code;
} types[] = {{"A", 1},       {"NS", 2},     {"CNAME", 5}, {"SOA", 6},    {"MX", 15},
             {"TXT", 16},    {"AAAA", 28},  {"DS", 43},   {"RRSIG", 46}, {"NSEC", 47},
             {"DNSKEY", 48}, {"NSEC3", 50}, {"TLSA", 52}, {"ANY", 255}};

int fdns_pkt_type_code(const char *name)
{
    char *end;
    long v;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(name, types[i].name) == 0)
            return types[i].code;
    if (strncasecmp(name, "TYPE", 4) != 0 || name[4] < '0' || name[4] > '9')
        return -1;
    v = strtol(name + 4, &end, 10);
    return *end == '\0' && v >= 0 && v <= 65535 ? (int)v : -1;
}

const char *fdns_pkt_type_name(uint16_t code)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i].code == code)
            return types[i].name;
    return NULL;
}

bool fdns_pkt_in_zone(const char *name, const char *zone)
{
    size_t n = strlen(name), z = strlen(zone);
    if (strcmp(zone, ".") == 0)
        return true;
    if (z > n || strcmp(name + n - z, zone) != 0)
        return false;
    return z == n || name[n - z - 1] == '.';
}
