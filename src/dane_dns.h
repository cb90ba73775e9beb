/*
 * dane_dns: DNSSEC-validated lookups for the client, with libunbound
 * in-process. The validator's own verdict (secure, insecure, bogus and its
 * why_bogus text) reaches the caller unchanged.
 *
 * Where answers come from: the resolvers of /etc/resolv.conf (default), a
 * given resolver (ADDR[@PORT]), or full iteration from root hints. Names
 * under test. are resolved, never answered locally (Unbound's RFC 6761
 * default local zone is turned off: the client asks, the resolver decides).
 */
#ifndef DANE_DNS_H
#define DANE_DNS_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct dane_dns_opts {
    const char *trust_anchor; /* DS/DNSKEY file; NULL: the system's (/usr/share/dns/root.key) */
    const char *resolver;     /* "ADDR[@PORT]" to forward to, or NULL */
    const char *root_hints;   /* iterate from these hints, or NULL */
    const char *config;       /* an unbound.conf-style file applied first, or NULL */
    bool has_now;             /* validate as of `now` (1 to 2^31-1); false: the clock */
    time_t now;
    int timeout_ms; /* the bound of each lookup; 0: DANE_DNS_TIMEOUT_MS */
};

/* How long one lookup may take before it is an error (dane_dns_lookup()
 * returns -1: no verdict is made of it). libunbound gives its own answer
 * (SERVFAIL) for servers that do not answer well before this: the bound
 * is for a resolver or a machine that is stuck, not for slow DNS. */
#define DANE_DNS_TIMEOUT_MS 60000

enum dane_dns_verdict {
    DANE_DNS_SECURE,
    DANE_DNS_INSECURE,
    DANE_DNS_BOGUS,
    DANE_DNS_FAILED, /* SERVFAIL, REFUSED, timeout: no trustworthy answer */
};
const char *dane_dns_verdict_name(enum dane_dns_verdict v);

struct dane_dns_rr {
    unsigned char *data; /* RDATA, wire form (names uncompressed) */
    size_t len;
};

struct dane_dns_answer {
    enum dane_dns_verdict verdict;
    int rcode;
    bool nxdomain;
    char *canonname;         /* after CNAMEs (absolute), or NULL */
    struct dane_dns_rr *rrs; /* empty for NODATA / NXDOMAIN */
    size_t n_rrs;
    char why[512]; /* why_bogus, or the failure */
    /* The whole answer packet as the validator gave it (wire form, with
     * RRSIGs; also for a bogus answer), or NULL: for callers that record
     * more than the RRset's data (danelab capture). */
    unsigned char *packet;
    size_t packet_len;
};

typedef struct dane_dns dane_dns;

dane_dns *dane_dns_new(const struct dane_dns_opts *o, struct dl_error *err);
void dane_dns_free(dane_dns *d);

/* Look up name/type (RR type number). Returns 0 with *ans filled (whatever
 * the verdict), or -1 when the lookup could not be made at all or had no
 * answer within the bound (err names the resolver, the name, the type).
 * Each context keeps one background thread (dane_ub.h: make it in the
 * process that looks up, after any fork). The
 * verdict is the validator's one for the whole answer: through CNAMEs, the
 * final RRset's (canonname says where the CNAMEs led). A query of type
 * CNAME (5) is answered with the alias RRset itself, not followed: its
 * verdict is that CNAME's own (RFC 7672 2.2.2 needs it for the first
 * CNAME of an MX host name). */
int dane_dns_lookup(dane_dns *d, const char *name, int type, struct dane_dns_answer *ans,
                    struct dl_error *err);
void dane_dns_answer_clear(struct dane_dns_answer *ans);

/* The memo: with it on, each answer (not a failed lookup) is kept by
 * name (case and a final dot aside) and type, and the same question is
 * answered from it without asking the validator again, up to
 * DANE_DNS_MEMO_MAX answers. For a caller whose world does not change
 * between the lookups it groups, which clears the memo between groups:
 * danelab's checks of one scenario (its DNS check, then its deliveries),
 * where a cached answer of libunbound costs almost as much as a new one
 * (the hand-off to its thread and the answer packet built and parsed
 * again) and after bogus records would carry another reason ("key ... is
 * marked as invalid"). Off by default. */
#define DANE_DNS_MEMO_MAX 64
void dane_dns_memo_on(dane_dns *d);
void dane_dns_memo_clear(dane_dns *d);
/* How many lookups this context gave its validator (not answered from
 * the memo). */
size_t dane_dns_asked(const dane_dns *d);

/* An uncompressed wire-form name at data[*off] into text (absolute, lower
 * case); advances *off. Returns -1 when malformed or too long. */
int dane_dns_wire_name(const unsigned char *data, size_t len, size_t *off, char *out,
                       size_t outlen);

#endif
