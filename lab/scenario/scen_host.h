/*
 * scen_host: the MX hosts of a scenario and what their servers present:
 * `certificates:` (keys, issuers, names, validity), `mx:` (each host's
 * address, STARTTLS behaviour, TLS fault, chain, replies, SNI
 * certificates and TLSA records) and the host changes of a timeline step.
 * Every name a host or a change gives (certificate, issuer, TLSA `of:`,
 * SNI certificate) must be one of `certificates:`.
 *
 * Types and the scen_<type>_name() functions are public through scen.h;
 * the parsers and scen_host_apply are for the other scen_* modules.
 */
#ifndef SCEN_HOST_H
#define SCEN_HOST_H

#include "scen_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Placeholder until the certificates issue: parsed and checked, not built. */
struct scen_cert {
    struct scen_loc loc;
    char *name;       /* key in `certificates:` */
    char *key;        /* "ecdsa-p256" (default), "rsa2048", "rsa3072", "ed25519" */
    char *issuer;     /* NULL: self-signed; else the name of another certificate */
    bool ca;          /* may issue certificates */
    bool limit_path;  /* `pathlen:` given (CA only): basicConstraints pathLenConstraint */
    unsigned pathlen; /* CA certificates allowed below this one */
    char **permitted; /* `permitted:` (CA only): nameConstraints dNSName subtrees */
    size_t n_permitted;
    char **names; /* subject alternative names; default: the first MX host */
    size_t n_names;
    int64_t not_before; /* seconds relative to the lab's now (default -1d) */
    int64_t not_after;  /* seconds relative to the lab's now (default 365d) */
};

/* One TLSA record for a host: literal RDATA, or computed from a certificate. */
struct scen_tlsa {
    struct scen_loc loc;
    uint16_t port;                 /* default 25: the record is at _PORT._tcp.HOST */
    char *literal;                 /* "3 1 1 ab12..." RDATA text, or NULL */
    int usage, selector, matching; /* computed form */
    char *of;                      /* certificate name (computed form), or NULL */
};

/* What the fake SMTP server does for a host (placeholder until fakesmtp). */
enum scen_starttls {
    SCEN_STARTTLS_OFFER = 0, /* advertise and accept (default) */
    SCEN_STARTTLS_NONE,      /* not advertised */
    SCEN_STARTTLS_REJECT,    /* advertised, answered 454 */
    SCEN_STARTTLS_CLOSE,     /* advertised, connection closed */
};
const char *scen_starttls_name(enum scen_starttls s);

/* A deliberate TLS handshake fault of the host's server (fakesmtp tls.fault). */
enum scen_tls_fault {
    SCEN_TLS_FAULT_NONE = 0,          /* default */
    SCEN_TLS_FAULT_ABORT_AFTER_HELLO, /* handshake_failure alert after the ClientHello */
    SCEN_TLS_FAULT_WRONG_KEY,         /* presents its certificate, signs with another key */
};
const char *scen_tls_fault_name(enum scen_tls_fault f);

/* Which chain the host presents (cert_set.h, enum cert_chain_kind). */
enum scen_chain {
    SCEN_CHAIN_SERVED = 0,      /* leaf and intermediates, no root (default) */
    SCEN_CHAIN_LEAF,            /* the leaf alone */
    SCEN_CHAIN_FULL,            /* leaf, intermediates and the self-signed root */
    SCEN_CHAIN_NO_INTERMEDIATE, /* leaf and root: the intermediates forgotten */
};
const char *scen_chain_name(enum scen_chain c);

/* TLS protocol versions a scenario may bound a server to (tls_min,
 * tls_max). */
enum scen_tls_version {
    SCEN_TLS_ANY = 0, /* no bound: the library's default */
    SCEN_TLS_1_2,
    SCEN_TLS_1_3,
};
/* "1.2", "1.3"; NULL for SCEN_TLS_ANY. */
const char *scen_tls_version_name(enum scen_tls_version v);

/* SMTP steps whose reply a scenario may replace (fakesmtp reply). */
enum scen_reply_step {
    SCEN_REPLY_MAIL,
    SCEN_REPLY_RCPT,
    SCEN_REPLY_DATA,
    SCEN_REPLY_DOT,
    SCEN_REPLY_COUNT
};
const char *scen_reply_step_name(enum scen_reply_step r); /* "mail", ... */

/* A certificate the host presents when the client's SNI is `name`. */
struct scen_sni {
    struct scen_loc loc;
    char *name;        /* absolute, lower case: "alt.good.test." */
    char *certificate; /* a name of certificates */
};

/* One address of an MX host (`address:` or an item of `addresses:`):
 * a literal, or the address the lab's plan gives the host in that family
 * (`ipv4`, `ipv6`; lab_addr). An item may give the server listening on
 * that address a STARTTLS behaviour or a certificate of its own. */
struct scen_addr {
    struct scen_loc loc;
    int family;                  /* 4 or 6 */
    char *literal;               /* 127.0.0.0/8 or SCEN_ADDR6_PREFIX/48 (RFC 5952 form), or NULL */
    bool has_starttls;           /* starttls: given for this address */
    enum scen_starttls starttls; /* has_starttls: instead of the host's */
    char *certificate;           /* instead of the host's, or NULL */
};

struct scen_host {
    struct scen_loc loc;
    char *name;          /* "mx1.good.test." */
    uint16_t preference; /* default 10 */
    /* The host's addresses, in file order: at least one after parsing
     * (default: the lab's IPv4 address), IPv4-only, IPv6-only or both. */
    struct scen_addr addrs[SCEN_MAX_ADDRS];
    size_t n_addrs;
    char *certificate; /* certificate presented, or NULL */
    enum scen_starttls starttls;
    enum scen_tls_fault tls_fault;
    enum scen_chain chain;
    char *reply[SCEN_REPLY_COUNT]; /* "550 5.7.1 text" instead of accepting, or NULL */
    struct scen_sni *sni;
    size_t n_sni;
    enum scen_tls_version tls_min, tls_max; /* protocol versions the server accepts */
    /* A second certificate of another key type, loaded beside `certificate`
     * and beside each sni certificate: OpenSSL presents the one the
     * client's signature algorithms prefer. NULL: none. */
    char *alt_certificate;
    /* Plaintext lines (separated by \n) the server sends right after its
     * 220 to STARTTLS, before the handshake; NULL: none. */
    char *starttls_inject;
    struct scen_tlsa *tlsa;
    size_t n_tlsa;
    /* `tlsa_at: original`: with mx-cname or mx-cname-insecure, the TLSA
     * records stay at _PORT._tcp.<host> (the alias's own name, in the
     * signed domain zone) instead of moving to the CNAME target, so a
     * client must look them up at the unexpanded name (RFC 7672 2.2.2). */
    bool tlsa_at_original;
    /* `tlsa_at: wildcard`: the TLSA records are published at
     * *._tcp.<base> and reach a client as wildcard-synthesised answers for
     * _PORT._tcp.<base> (RFC 4592; RFC 4035 5.3.4: a validator also needs
     * the proof that the name asked for does not exist). */
    bool tlsa_at_wildcard;
    struct scen_loc tlsa_at_loc;
    /* `tlsa_alias: NAME`: _PORT._tcp.<base> is a CNAME to NAME (absolute,
     * in one of the scenario's zones), which holds the host's TLSA records:
     * the shared-RRset pattern of RFC 7671 7 and RFC 7672 2.2.3. NULL: none.
     * All the host's records then have one port. */
    char *tlsa_alias;
    struct scen_loc tlsa_alias_loc;
};

/* One MX host's change in a timeline step (`hosts:`): only the keys
 * given change; the others keep the value in force before the step. */
struct scen_host_change {
    struct scen_loc loc;
    size_t host;       /* index in scen->hosts */
    char *certificate; /* a name of certificates, or NULL: unchanged */
    bool has_starttls, has_tls_fault, has_chain, has_tlsa;
    enum scen_starttls starttls;
    enum scen_tls_fault tls_fault;
    enum scen_chain chain;
    struct scen_tlsa *tlsa; /* has_tlsa: the host's records from now on */
    size_t n_tlsa;
};

/* The parsers below fill a new array (*out, *n_out), allocated at its full
 * length before its items are filled so that the free function releases
 * it on any error. A NULL node is an absent key (nothing allocated). */

/* `certificates:`, with every issuer chain ending at a self-signed
 * certificate within SCEN_MAX_CHAIN. Free with scen_host_free_certs. */
int scen_host_parse_certs(struct scen_parse *c, yaml_node_t *n, struct scen_cert **out,
                          size_t *n_out);
/* Certificates without names get the first MX host's name, as in a
 * certificate (no trailing dot). Runs once the hosts are known. */
void scen_host_default_cert_names(struct scen_cert *certs, size_t n_certs,
                                  const struct scen_host *hosts, size_t n_hosts);
void scen_host_free_certs(struct scen_cert *certs, size_t n);

/* `mx:` (n not NULL), at least one host, names unique, relative to
 * c->domain; needs c->certs. Free with scen_host_free_list. */
int scen_host_parse_list(struct scen_parse *c, const yaml_node_t *n, struct scen_host **out,
                         size_t *n_out);
void scen_host_free_list(struct scen_host *h, size_t n);

/* A timeline step's `hosts:`: hosts of c->hosts, each changed at most once
 * by the step. Free with scen_host_free_changes. */
int scen_host_parse_changes(struct scen_parse *c, const yaml_node_t *n,
                            struct scen_host_change **out, size_t *n_out);
void scen_host_free_changes(struct scen_host_change *x, size_t n);

/* The index in c->hosts of the host named `name` (absolute, lower case),
 * or c->n_hosts when there is none. */
size_t scen_host_index(const struct scen_parse *c, const char *name);

/* Whether some host of the n has an IPv6 address. */
bool scen_host_has_ipv6(const struct scen_host *h, size_t n);

/* Apply change x to h: what x gives replaces h's, borrowing x's strings
 * and arrays. */
void scen_host_apply(struct scen_host *h, const struct scen_host_change *x);

#endif
