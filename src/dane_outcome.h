/*
 * dane_outcome: the contract between the reference client and its users:
 * what happened (a `dane_reason`, independent of any profile), and what a
 * sender reports for it under a profile: status, enhanced status code,
 * code name, reply text and RFC 8460 result type.
 *
 * Profiles differ only where the brief and the operator documents say so;
 * every difference is a row in dane_outcome.c and a line in dane-client(1).
 */
#ifndef DANE_OUTCOME_H
#define DANE_OUTCOME_H

#include <stdbool.h>

enum dane_profile { DANE_PROFILE_RFC7672, DANE_PROFILE_EXCHANGE_ONLINE, DANE_PROFILE_COUNT };

enum dane_status { DANE_DELIVERED, DANE_DEFERRED, DANE_BOUNCED };

/* What happened to a delivery attempt (to one MX host, or before any). */
enum dane_reason {
    DANE_R_AUTHENTICATED,        /* DANE authenticated TLS */
    DANE_R_TLS_REQUIRED_OK,      /* only unusable TLSA: TLS used, not authenticated */
    DANE_R_OPPORTUNISTIC_TLS,    /* no DANE: TLS used */
    DANE_R_OPPORTUNISTIC_PLAIN,  /* no DANE: no TLS (not offered or failed) */
    DANE_R_STARTTLS_NOT_OFFERED, /* TLS required, STARTTLS not in EHLO */
    DANE_R_STARTTLS_REFUSED,     /* TLS required, STARTTLS answered non-220 or closed */
    DANE_R_HANDSHAKE_FAILED,     /* TLS required, handshake failed */
    DANE_R_CERT_EXPIRED,         /* the server's certificate has expired */
    DANE_R_CERT_NOT_YET_VALID,   /* ... is not yet valid */
    DANE_R_NO_TLSA_MATCH,        /* no usable TLSA record matches */
    DANE_R_HOST_MISMATCH,        /* DANE-TA: names do not match */
    DANE_R_CHAIN_UNTRUSTED,      /* DANE-TA: no chain to the trust anchor */
    DANE_R_DNSSEC_BOGUS,         /* MX, address or TLSA records are bogus */
    DANE_R_TLSA_SERVFAIL,        /* SERVFAIL (or no answer) on the TLSA query */
    DANE_R_DNS_FAILED,           /* any other DNS failure */
    DANE_R_NO_MAIL_HOST,         /* domain or MX host does not exist */
    DANE_R_CONNECT_FAILED,       /* no TCP connection, or no SMTP greeting */
    DANE_R_SMTP_TEMPFAIL,        /* the server answered 4xx to the message */
    DANE_R_SMTP_REJECTED,        /* the server answered 5xx to the message */
    DANE_R_COUNT
};

/* "authenticated", "starttls-not-offered", ... (the fine reason). */
const char *dane_reason_name(enum dane_reason r);
const char *dane_profile_name(enum dane_profile p);
int dane_profile_lookup(const char *name); /* -1 when unknown */
const char *dane_status_name(enum dane_status s);

/* Facts a profile may judge differently from the RFC. */
struct dane_facts {
    bool leaf_expired;       /* the leaf is outside its validity at "now" ... */
    bool leaf_not_yet_valid; /* ... even where DANE-EE ignores it (RFC 7672 3.1.1) */
    bool dns_bogus_on_tlsa;  /* the bogus RRset was the TLSA one */
    /* The server's enhanced status code (RFC 3463) refusing the message
     * ("5.7.1"), or "": the outcome of smtp-rejected / smtp-tempfail
     * then carries its subject and detail (5.7.1, 4.3.0), as a
     * delivering MTA's DSN does, instead of x.0.0. */
    char smtp_code[16];
};

struct dane_outcome {
    enum dane_status status;
    char code[16];      /* "4.7.324" */
    const char *name;   /* "dnssec-invalid" */
    const char *text;   /* "Destination domain returned invalid DNSSEC records" */
    const char *tlsrpt; /* RFC 8460 result type of the session, or NULL (a TLS-RPT
                         * success, or no TLS session); set for some delivered
                         * outcomes too: plaintext, unusable TLSA only */
    enum dane_reason reason;
};

/* The outcome of `reason` under `profile`. `final` turns 4.x.x into 5.x.x
 * and deferred into bounced (the message expired). An authenticated host
 * whose leaf is expired is still delivered under rfc7672 (DANE-EE ignores
 * validity) but not under exchange-online. */
void dane_outcome_map(enum dane_profile profile, enum dane_reason reason,
                      const struct dane_facts *facts, bool final, struct dane_outcome *out);

/* An SMTP reply line for a failed outcome: "450 4.7.324 dnssec-invalid: ...". */
int dane_outcome_reply(const struct dane_outcome *o, char *buf, unsigned len);

#endif
