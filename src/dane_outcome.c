#include "dane_outcome.h"

#include <stdio.h>
#include <string.h>

/* One row per reason: the code (class digit left out), its name and text
 * as the operator documents give them, and the RFC 8460 result type. */
struct row {
    const char *name; /* fine reason */
    const char *code; /* "7.321"; NULL: delivered (2.0.0) */
    const char *code_name;
    const char *text;
    const char *tlsrpt;
    char permanent; /* the class is always 5 (bounced at once) */
};

static const struct row rfc_rows[DANE_R_COUNT] = {
    [DANE_R_AUTHENTICATED] = {"authenticated", NULL, "delivered", "DANE authenticated delivery",
                              NULL, 0},
    /* Delivered, yet TLS-RPT failures (RFC 8460 4.2.1 counts as successes
     * only policy-compliant TLS sessions): a TLSA RRset of unusable records
     * only is "tlsa-invalid" (4.3.2.1: "None of the records in the RRset
     * were found to be valid"); mail sent without TLS is
     * "starttls-not-supported" (4.3.1). */
    [DANE_R_TLS_REQUIRED_OK] = {"tls-required-unauthenticated", NULL, "delivered",
                                "TLS required by unusable TLSA records; not authenticated",
                                "tlsa-invalid", 0},
    [DANE_R_OPPORTUNISTIC_TLS] = {"opportunistic-tls", NULL, "delivered",
                                  "no DANE: opportunistic TLS", NULL, 0},
    [DANE_R_OPPORTUNISTIC_PLAIN] = {"opportunistic-plaintext", NULL, "delivered",
                                    "no DANE: delivered without TLS", "starttls-not-supported", 0},
    [DANE_R_STARTTLS_NOT_OFFERED] = {"starttls-not-offered", "7.321", "starttls-not-supported",
                                     "Destination mail server must support TLS to receive mail",
                                     "starttls-not-supported", 0},
    [DANE_R_STARTTLS_REFUSED] = {"starttls-refused", "7.321", "starttls-not-supported",
                                 "Destination mail server must support TLS to receive mail",
                                 "starttls-not-supported", 0},
    [DANE_R_HANDSHAKE_FAILED] = {"tls-handshake-failed", "7.321", "starttls-not-supported",
                                 "Destination mail server must support TLS to receive mail",
                                 "validation-failure", 0},
    [DANE_R_CERT_EXPIRED] = {"cert-expired", "7.322", "certificate-expired",
                             "Destination mail server's certificate is expired",
                             "certificate-expired", 0},
    [DANE_R_CERT_NOT_YET_VALID] = {"cert-not-yet-valid", "7.323", "tlsa-invalid",
                                   "The domain failed DANE validation", "validation-failure", 0},
    [DANE_R_NO_TLSA_MATCH] = {"no-tlsa-match", "7.323", "tlsa-invalid",
                              "The domain failed DANE validation", "tlsa-invalid", 0},
    [DANE_R_HOST_MISMATCH] = {"cert-host-mismatch", "7.325", "certificate-host-mismatch",
                              "Destination mail server's certificate does not match its name",
                              "certificate-host-mismatch", 0},
    [DANE_R_CHAIN_UNTRUSTED] = {"cert-chain-untrusted", "7.323", "tlsa-invalid",
                                "The domain failed DANE validation", "certificate-not-trusted", 0},
    [DANE_R_DNSSEC_BOGUS] = {"dnssec-bogus", "7.324", "dnssec-invalid",
                             "Destination domain returned invalid DNSSEC records", "dnssec-invalid",
                             0},
    [DANE_R_TLSA_SERVFAIL] = {"tlsa-servfail", "7.324", "dnssec-invalid",
                              "Destination domain returned invalid DNSSEC records",
                              "dnssec-invalid", 0},
    [DANE_R_DNS_FAILED] = {"dns-failed", "4.312", "DNS query failed", "DNS query failed", NULL, 0},
    [DANE_R_NO_MAIL_HOST] = {"no-mail-host", "1.2", "bad-destination",
                             "Destination domain or mail host does not exist", NULL, 1},
    [DANE_R_CONNECT_FAILED] = {"connect-failed", "4.1", "no-answer-from-host",
                               "No answer from the destination mail server", NULL, 0},
    [DANE_R_SMTP_TEMPFAIL] = {"smtp-tempfail", "0.0", "smtp-tempfail",
                              "Destination mail server deferred the message", NULL, 0},
    [DANE_R_SMTP_REJECTED] = {"smtp-rejected", "0.0", "smtp-rejected",
                              "Destination mail server rejected the message", NULL, 1},
};

/* exchange-online rows that differ from the RFC profile (seeds 001/004):
 * bogus DNSSEC surfaces as the generic DNS error (a known limitation the
 * operator documents), and a host-name mismatch has no code of its own:
 * it is "any other DANE error", 4.7.323. Not modelled: a limit on the
 * number of TLSA records considered per host (Exchange Online is said to
 * read only about twelve), because the seeds document none; every record
 * is considered, as RFC 7672 3.1 requires (scenario
 * tlsa-thirteen-records-match-last). */
static const struct row exo_bogus = {"dnssec-bogus",     "4.312",          "DNS query failed",
                                     "DNS query failed", "dnssec-invalid", 0};
static const struct row exo_host = {
    "cert-host-mismatch",        "7.323", "tlsa-invalid", "The domain failed DANE validation",
    "certificate-host-mismatch", 0};

const char *dane_reason_name(enum dane_reason r)
{
    return (unsigned)r < DANE_R_COUNT ? rfc_rows[r].name : "unknown";
}

const char *dane_profile_name(enum dane_profile p)
{
    return p == DANE_PROFILE_EXCHANGE_ONLINE ? "exchange-online" : "rfc7672";
}

int dane_profile_lookup(const char *name)
{
    if (strcmp(name, "rfc7672") == 0)
        return DANE_PROFILE_RFC7672;
    if (strcmp(name, "exchange-online") == 0)
        return DANE_PROFILE_EXCHANGE_ONLINE;
    return -1;
}

const char *dane_status_name(enum dane_status s)
{
    static const char *const names[] = {"delivered", "deferred", "bounced"};
    return names[s];
}

/* exchange-online judges what DANE-EE ignores: the seeds require a
 * certificate "valid and not expired" (4.7.322) and list "not yet valid"
 * among the 4.7.323 causes. */
static enum dane_reason exo_reason(enum dane_reason r, const struct dane_facts *f)
{
    if (r == DANE_R_AUTHENTICATED && f && f->leaf_expired)
        return DANE_R_CERT_EXPIRED;
    if (r == DANE_R_AUTHENTICATED && f && f->leaf_not_yet_valid)
        return DANE_R_CERT_NOT_YET_VALID;
    return r;
}

static const struct row *row_for(enum dane_profile p, enum dane_reason r)
{
    if (p == DANE_PROFILE_EXCHANGE_ONLINE && r == DANE_R_DNSSEC_BOGUS)
        return &exo_bogus;
    if (p == DANE_PROFILE_EXCHANGE_ONLINE && r == DANE_R_HOST_MISMATCH)
        return &exo_host;
    return &rfc_rows[r];
}

/* The subject.detail of the server's own enhanced code for a refused
 * message, else the row's. */
static const char *server_detail(enum dane_reason r, const struct dane_facts *f, const char *row)
{
    unsigned a, b, c;
    char end;
    if ((r != DANE_R_SMTP_REJECTED && r != DANE_R_SMTP_TEMPFAIL) || f == NULL ||
        sscanf(f->smtp_code, "%1u.%3u.%3u%c", &a, &b, &c, &end) != 3)
        return row;
    return f->smtp_code + 2;
}

void dane_outcome_map(enum dane_profile profile, enum dane_reason reason,
                      const struct dane_facts *facts, bool final, struct dane_outcome *out)
{
    const struct row *row;
    if (profile == DANE_PROFILE_EXCHANGE_ONLINE)
        reason = exo_reason(reason, facts);
    row = row_for(profile, reason);
    memset(out, 0, sizeof(*out));
    out->reason = reason;
    out->name = row->code_name;
    out->text = row->text;
    out->tlsrpt = row->tlsrpt;
    if (row->code == NULL) {
        out->status = DANE_DELIVERED;
        snprintf(out->code, sizeof(out->code), "2.0.0");
        return;
    }
    final = final || row->permanent;
    out->status = final ? DANE_BOUNCED : DANE_DEFERRED;
    snprintf(out->code, sizeof(out->code), "%c.%s", final ? '5' : '4',
             server_detail(reason, facts, row->code));
}

int dane_outcome_reply(const struct dane_outcome *o, char *buf, unsigned len)
{
    const char *smtp = o->status == DANE_DELIVERED  ? "250"
                       : o->status == DANE_DEFERRED ? "450"
                                                    : "550";
    return snprintf(buf, len, "%s %s %s: %s", smtp, o->code, o->name, o->text);
}
