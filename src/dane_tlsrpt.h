/*
 * dane_tlsrpt: SMTP TLS Reporting (RFC 8460) for the client.
 *
 * The policy: a domain asks for reports with one TXT record at
 * _smtp._tls.DOMAIN (section 3), "v=TLSRPTv1; rua=URI[,URI...]" with
 * mailto: or https: URIs. dane_tlsrpt_lookup() fetches it through the
 * validating resolver; dane_tlsrpt_policy_from_txt() and
 * dane_tlsrpt_parse() hold the rules, without DNS, for tests.
 *
 * The report (section 4.4), field by field:
 * - organization-name DANE_TLSRPT_ORGANIZATION; contact-info
 *   DANE_TLSRPT_CONTACT, an addr-spec (RFC 5322 3.4.1) as 4.4 asks;
 *   report-id a random UUID, unique per report written;
 * - date-range: whole UTC days covering the sessions (4.1 SHOULD: a full
 *   UTC day), 00:00:00Z to 23:59:59Z, RFC 3339;
 * - policies: one "tlsa" policy per DANE host (TLSA records found, usable
 *   or not, or a bogus or failed TLSA lookup), policy-string its records
 *   in presentation form with owner name ("_25._tcp.HOST. IN TLSA ( 3 1 1
 *   HEX )"), mx-host [HOST]; one "no-policy-found" policy (no policy-string,
 *   no mx-host) for every host without DANE. policy-domain is the
 *   recipient domain whose _smtp._tls record asked for the report. (RFC
 *   8460 1.3 calls the TLSA base domain the DANE "Policy Domain"; this
 *   client, like the large senders, reports per recipient domain to that
 *   domain's rua, so the policy-domain names it.)
 * - summary: a session is a host the client connected to, or chose not to
 *   connect to for a DANE policy failure (bogus or SERVFAIL TLSA). A
 *   success is TLS negotiated as the host's policy asks (4.2.1); any
 *   other attempt with a result type (dane_outcome) is a failure: also
 *   mail delivered without TLS (starttls-not-supported) or over TLS to a
 *   host with unusable TLSA records only (tlsa-invalid). A host with
 *   bogus address records is a dnssec-invalid failure with neither
 *   receiving-ip nor sending-mta-ip (no session could be opened). A host
 *   never tried, a connection or DNS failure without a result type, and a
 *   bogus MX RRset (no MX host to name) are not counted; the outcome's
 *   result type still says what they were. No session: no report.
 * - failure-details: result-type (4.3, from dane_outcome), sending-mta-ip
 *   (this end of the SMTP connection, or when none was made the source
 *   address of the route to the host), receiving-mx-hostname,
 *   receiving-ip, failed-session-count, failure-reason-code (the client's
 *   reason, with OpenSSL's verification text after a handshake).
 * Integers are JSON numbers; names are written without their final dot.
 * A report is only written for a domain whose policy asks for one, when the
 * caller looked the policy up (dane_tlsrpt_set_policy); the run's index
 * of reports (which domains asked, where to, why not) is the caller's.
 */
#ifndef DANE_TLSRPT_H
#define DANE_TLSRPT_H

#include "dane_client.h"
#include "dane_dns.h"
#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* ---- The policy (RFC 8460 section 3) ---- */

struct dane_tlsrpt_policy {
    bool found;                    /* exactly one valid TLSRPT record */
    char **rua;                    /* its mailto:/https: URIs, in record order */
    size_t n_rua;                  /* > 0 when found */
    enum dane_dns_verdict verdict; /* of the TXT lookup (secure or insecure both count) */
    char why[512];                 /* when !found: why not, in words */
};
void dane_tlsrpt_policy_clear(struct dane_tlsrpt_policy *p);

/* Parse one record's text (a TXT record's strings joined without spaces,
 * len bytes, not NUL-terminated). Returns 0 with its usable URIs (mailto:
 * and https:; others are skipped) in *rua / *n_rua, which the caller frees
 * with dane_tlsrpt_rua_free(); 1 when the text is not a TLSRPT record (it
 * does not begin with "v=TLSRPTv1" followed by ";", a blank or the end);
 * -1 when it is one but malformed, with why in err: no rua, rua twice, a
 * bad URI, a bad extension field, no mailto: or https: URI. Unknown
 * fields of the right syntax are ignored, as section 3 requires. */
int dane_tlsrpt_parse(const char *text, size_t len, char ***rua, size_t *n_rua,
                      struct dl_error *err);
void dane_tlsrpt_rua_free(char **rua, size_t n);

/* Choose the policy from a TXT RRset (RDATA in wire form): the records
 * that begin with v=TLSRPTv1 are kept; exactly one, and valid, is a
 * policy, anything else none (p->why says which). Fills *p (clear it with
 * dane_tlsrpt_policy_clear), verdict left as it is. */
void dane_tlsrpt_policy_from_txt(const struct dane_dns_rr *rrs, size_t n,
                                 struct dane_tlsrpt_policy *p);

/* Look up _smtp._tls.DOMAIN TXT through `dns` and choose the policy.
 * A secure or insecure answer counts (RFC 8460 asks for no DNSSEC); a
 * bogus or failed one, NXDOMAIN or NODATA give no policy. Returns 0 with
 * *p filled, -1 when the lookup could not be made (err set). */
int dane_tlsrpt_lookup(dane_dns *dns, const char *domain, struct dane_tlsrpt_policy *p,
                       struct dl_error *err);

/* ---- The report ---- */

#define DANE_TLSRPT_ORGANIZATION "danelab"
#define DANE_TLSRPT_CONTACT      "tlsrpt@dane-client.invalid"

typedef struct dane_tlsrpt dane_tlsrpt;

/* A report for the recipient domain policy_domain; port (0: 25) names the
 * TLSA records' owner, _PORT._tcp.HOST. */
dane_tlsrpt *dane_tlsrpt_new(const char *policy_domain, unsigned port);
void dane_tlsrpt_free(dane_tlsrpt *r);

/* The policy domain, without its final dot. */
const char *dane_tlsrpt_domain(const dane_tlsrpt *r);

/* Count the sessions of one attempt. */
void dane_tlsrpt_add(dane_tlsrpt *r, const struct dane_client_result *res);

/* Record the domain's policy (copied): its rua list when found, else that
 * it publishes none, and why. Until this is called the policy is unknown. */
void dane_tlsrpt_set_policy(dane_tlsrpt *r, const struct dane_tlsrpt_policy *p);
/* Whether dane_tlsrpt_set_policy was called. */
bool dane_tlsrpt_policy_known(const dane_tlsrpt *r);
/* The rua URIs recorded (NULL-terminated; empty when unknown or none). */
const char *const *dane_tlsrpt_rua(const dane_tlsrpt *r);

/* Write the report (JSON, RFC 8460 section 4.4) covering [start, end]
 * (widened to whole UTC days).
 * Returns 0 when written; 1 when the recorded policy says the domain
 * publishes no valid TLSRPT record, or no session was counted: nothing is
 * written (the caller counts the domain as not asking for reports, not as
 * an error; err says why, for a verbose message); -1 on a write error or when no random report-id
 * could be made (err set).
 * With the policy unknown (never set) the report is written. */
int dane_tlsrpt_write(const dane_tlsrpt *r, const char *path, time_t start, time_t end,
                      struct dl_error *err);

#endif
