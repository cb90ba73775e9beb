/*
 * dane_client: the reference SMTP DANE client (RFC 7672): for a mail
 * domain, the MX lookup, each MX host's addresses and TLSA records, SMTP
 * with STARTTLS, DANE authentication, and the outcome under a profile.
 * Each step is recorded in a trace a support engineer can read.
 *
 * Policy per MX host (in preference order; a host that fails is skipped
 * for the next one): secure usable TLSA → authentication required;
 * only unusable TLSA → TLS required, no authentication; insecure or no
 * TLSA → opportunistic TLS; bogus or SERVFAIL → the host is not used.
 * DANE applies only when the MX RRset and the host's address records are
 * secure (RFC 7672 2.2.1 lets a client go further; Postfix and Exim do
 * not, nor does this client).
 */
#ifndef DANE_CLIENT_H
#define DANE_CLIENT_H

#include "dane_dns.h"
#include "dane_outcome.h"
#include "dane_tls.h"
#include "dane_tlsa.h"
#include "dl_util.h"

#include <openssl/ssl.h>

#define DANE_CLIENT_MAX_HOSTS 10

struct dane_client_opts {
    enum dane_profile profile;
    unsigned port;         /* default 25 */
    const char *helo;      /* EHLO name (default "dane-client.invalid") */
    int timeout_ms;        /* each step (default 30000) */
    bool deliver;          /* send a message; else probe (QUIT before MAIL) */
    const char *from, *to; /* envelope for --deliver */
    const char *message;   /* the message (headers and body), CRLF or LF lines */
    time_t now;            /* 0: the clock */
    bool final;            /* this is the last attempt: 5.x.x on failure */
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
    char address[64];
    char local_address[64]; /* this end of the SMTP connection, "" when none was made */
    enum dane_dns_verdict addr_verdict;
    char tlsa_base[256]; /* where the TLSA records were found */
    enum dane_dns_verdict tlsa_verdict;
    struct dane_tlsa tlsa[16];
    size_t n_tlsa;
    enum dane_host_policy policy;
    bool starttls_offered, tls_used;
    struct dane_tls_result tls;
    char last_reply[512]; /* the server's last reply line */
    enum dane_reason reason;
    struct dane_facts facts;
    struct dane_outcome outcome; /* this host's own outcome */
};

struct dane_client_result {
    char domain[256];
    enum dane_dns_verdict mx_verdict;
    char mx_why[512];
    struct dane_host_result hosts[DANE_CLIENT_MAX_HOSTS];
    size_t n_hosts;
    int delivered_by; /* index of the host that took the message, or -1 */
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

#endif
