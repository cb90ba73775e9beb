/*
 * dane_client: the reference SMTP DANE client (RFC 7672): for a mail
 * domain, the MX lookup, each MX host's addresses and TLSA records, SMTP
 * with STARTTLS, DANE authentication, and the outcome under a profile.
 * Each step is recorded in a trace a support engineer can read. The
 * decisions themselves are dane_decide's pure functions.
 *
 * MX records (RFC 5321 5.1, RFC 7505): NXDOMAIN or a lone null MX ("MX 0
 * .") → no mail (5.1.2); no MX RRset → the domain itself (implicit MX); an
 * MX RRset never falls back to the domain's addresses. A null MX beside
 * other MX records (RFC 7505 3 forbids it) is ignored and the other hosts
 * used. All records are sorted by preference, then the DANE_CLIENT_MX_LIMIT
 * most preferred are kept, with every host of the same preference as the
 * last kept, up to DANE_CLIENT_MAX_HOSTS.
 *
 * Policy per MX host (in preference order; a host that fails is skipped
 * for the next one): secure usable TLSA → authentication required;
 * only unusable TLSA → TLS required, no authentication; insecure or no
 * TLSA → opportunistic TLS; bogus or SERVFAIL → the host is not used.
 * DANE applies only when the MX RRset is secure (RFC 7672 2.2.1 lets a
 * client go further; Postfix and Exim do not, nor does this client) and
 * the host's address records allow it (RFC 7672 2.1.1, 2.2.2): any bogus
 * A or AAAA answer → the host is not used; any failed or indeterminate one
 * → the host is not used in this attempt (never a downgrade: the strict
 * choice; using the secure family alone with DANE also conforms); DANE
 * only when both answers are secure. CNAMEs (RFC 7672 2.2.2, 2.2.3): a
 * secure expansion → TLSA at the expanded name, then at the original
 * name; an insecure expansion → DANE only when the first CNAME, at the MX
 * host name, is secure, with TLSA at the original name only.
 *
 * Addresses (RFC 5321 5.1: "the SMTP client MUST be able to try (and
 * retry) each of the relevant addresses in this list in order, until a
 * delivery attempt succeeds"): every address of a usable host is tried in
 * turn, up to DANE_CLIENT_MAX_ADDRS, until one takes or rejects the
 * message; an address whose server fails (no connection, no STARTTLS
 * where TLS is required, DANE authentication failure) is skipped for the
 * next one, with the same policy (the TLSA records belong to the host
 * name, not the address). Order: the IPv4 addresses first, then the IPv6
 * ones, each in the answer's order. RFC 5321 and RFC 7672 do not order the
 * families and RFC 6555 / 8305 (prefer IPv6) are about interactive
 * clients: this client picks IPv4 first so that a run is the same on
 * every machine; either order conforms.
 *
 * The attempt's outcome over the hosts tried (RFC 7672 2.1.2, 2.2; RFC
 * 5321 5.1): delivered when a host took the message; else, when a server
 * rejected the message with 5xx, that answer (bounced); else deferred when
 * any host failed temporarily (a DNS failure, bogus records, a TLS or DANE
 * failure, no connection, a 4xx reply), so that a host without an address
 * never decides over one that may work later; bounced only when every
 * host failed permanently. The code and reason are those of the most
 * preferred host among those that decide.
 */
#ifndef DANE_CLIENT_H
#define DANE_CLIENT_H

#include "dane_decide.h"
#include "dane_dns.h"
#include "dane_outcome.h"
#include "dane_tls.h"
#include "dane_tlsa.h"
#include "dl_util.h"

#include <openssl/ssl.h>

/* MX hosts tried: the 10 most preferred, and the hosts of the same
 * preference as the 10th, up to 16 in all (the hard bound). */
#define DANE_CLIENT_MX_LIMIT  10
#define DANE_CLIENT_MAX_HOSTS 16
#define DANE_CLIENT_MAX_ADDRS 8 /* addresses tried per host (RFC 5321 5.1: at least two) */
/* Choices a run makes from a host's result (below): after each address,
 * before each message, and per host. */
#define DANE_CLIENT_MAX_DECISIONS (DANE_CLIENT_MAX_HOSTS * (2 * DANE_CLIENT_MAX_ADDRS + 1))

struct dane_client_opts {
    enum dane_profile profile;
    unsigned port;         /* default 25 */
    const char *helo;      /* EHLO name (default "dane-client.invalid") */
    int timeout_ms;        /* each step (default 30000) */
    bool deliver;          /* send a message; else probe (QUIT before MAIL) */
    const char *from, *to; /* envelope for --deliver */
    const char *message;   /* the message (headers and body), CRLF or LF lines */
    bool has_now;          /* judge DNSSEC and certificates at `now`; false: the clock */
    time_t now;
    bool final; /* this is the last attempt: 5.x.x on failure */
};

enum dane_host_policy {
    DANE_POLICY_NONE,
    DANE_POLICY_OPPORTUNISTIC,
    DANE_POLICY_TLS_REQUIRED,
    DANE_POLICY_DANE
};
const char *dane_host_policy_name(enum dane_host_policy p);

struct dane_host_result {
    char name[256]; /* MX host */
    unsigned preference;
    char address[64];                          /* the address of the last (or only) session */
    char addresses[DANE_CLIENT_MAX_ADDRS][64]; /* every address to try, in order */
    size_t n_addresses;
    char local_address[64]; /* this end of the SMTP connection, "" when none was made */
    enum dane_dns_verdict addr_verdict;
    char tlsa_base[256];  /* where the TLSA records were found */
    const char *base_why; /* why it is the TLSA base domain (static text), or NULL */
    enum dane_dns_verdict tlsa_verdict;
    struct dane_tlsa *tlsa; /* the whole RRset (owned; dane_client_result_clear frees it) */
    size_t n_tlsa;
    enum dane_host_policy policy;
    bool starttls_offered, tls_used;
    struct dane_tls_result tls;
    char last_reply[512]; /* the server's last reply line */
    enum dane_reason reason;
    struct dane_facts facts;
    struct dane_outcome outcome; /* this host's own outcome */
    bool tried;                  /* false: not tried (an earlier host decided) */
};

/* One choice the run made from a host's result under its profile
 * (dane_decide_host_class): whether to try the next address, whether to
 * send the message, whether to try the next host. */
struct dane_client_decision {
    enum dane_reason reason;
    struct dane_facts facts;
    enum dane_host_class cls;
};

struct dane_client_result {
    char domain[256];       /* the original next-hop domain */
    char domain_canon[256]; /* its CNAME expansion, from the MX lookup, or "" */
    enum dane_dns_verdict mx_verdict;
    char mx_why[512];
    struct dane_host_result hosts[DANE_CLIENT_MAX_HOSTS];
    size_t n_hosts;
    int delivered_by;  /* index of the host that took the message, or -1 */
    bool mx_failed;    /* the MX lookup decided the outcome: no host tried */
    size_t decided_by; /* the host whose outcome is the attempt's (unless mx_failed) */
    struct dane_client_decision decisions[DANE_CLIENT_MAX_DECISIONS];
    size_t n_decisions;
    bool decisions_lost; /* more than DANE_CLIENT_MAX_DECISIONS: not all kept */
    struct dane_outcome outcome;
    char detail[512];    /* one line: the reason in words */
    struct dl_buf trace; /* readable step-by-step trace */
};

/* Run one attempt for `domain`. Returns 0 with *res filled (whatever the
 * outcome), -1 only for a usage error (err set). The caller frees res with
 * dane_client_result_clear(). */
int dane_client_run(dane_dns *dns, SSL_CTX *tls, const struct dane_client_opts *o,
                    const char *domain, struct dane_client_result *res, struct dl_error *err);
void dane_client_result_clear(struct dane_client_result *res);

/* What a run observes (the DNS answers, the servers' replies, the TLS
 * handshakes and the DANE verdict on them) does not depend on the
 * profile; only what the client makes of it does (dane_outcome_map), and
 * through that the choices of the run: the next address, sending the
 * message, the next host. Whether a run of the same attempt under
 * profile p would have made every choice res's run made, so tried the
 * same hosts and addresses and sent the same messages: then its
 * observations are res's (the world being the same), and
 * dane_client_reprofile() gives its result without running it. False
 * when res's choices were not all kept. */
bool dane_client_same_path(const struct dane_client_result *res, enum dane_profile p);

/* res made into the result of that run under o (o->profile and
 * o->final), when dane_client_same_path(res, o->profile): each tried
 * host's outcome, the attempt's outcome and its detail mapped again. The
 * trace keeps the first run's lines and ends with one that says so. */
void dane_client_reprofile(struct dane_client_result *res, const struct dane_client_opts *o);

#endif
