#include "dane_client.h"

#include "dane_smtp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define T_MX   15
#define T_A    1
#define T_TLSA 52
#define T_AAAA 28

const char *dane_host_policy_name(enum dane_host_policy p)
{
    static const char *const names[] = {"none", "opportunistic", "tls-required", "dane"};
    return names[p];
}

static void trace(struct dane_client_result *r, const char *fmt, ...) DL_PRINTF(2, 3);

static void trace(struct dane_client_result *r, const char *fmt, ...)
{
    char line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    dl_buf_printf(&r->trace, "%s\n", line);
}

/* --- DNS: MX, addresses, TLSA ------------------------------------------ */

static int by_preference(const void *a, const void *b)
{
    const struct dane_host_result *x = a, *y = b;
    return (int)x->preference - (int)y->preference;
}

/* MX RDATA into hosts; returns how many, or -1 for a null MX (RFC 7505). */
static int parse_mx(const struct dane_dns_answer *a, struct dane_client_result *r)
{
    for (size_t i = 0; i < a->n_rrs && r->n_hosts < DANE_CLIENT_MAX_HOSTS; i++) {
        struct dane_host_result *h = &r->hosts[r->n_hosts];
        size_t off = 2;
        if (a->rrs[i].len < 3 ||
            dane_dns_wire_name(a->rrs[i].data, a->rrs[i].len, &off, h->name, sizeof(h->name)) != 0)
            continue;
        h->preference = (unsigned)(a->rrs[i].data[0] << 8 | a->rrs[i].data[1]);
        if (strcmp(h->name, ".") == 0)
            return a->n_rrs == 1 ? -1 : 0;
        r->n_hosts++;
    }
    qsort(r->hosts, r->n_hosts, sizeof(r->hosts[0]), by_preference);
    return (int)r->n_hosts;
}

static enum dane_reason dns_failure(const struct dane_dns_answer *a)
{
    return a->verdict == DANE_DNS_BOGUS ? DANE_R_DNSSEC_BOGUS : DANE_R_DNS_FAILED;
}

/* The MX lookup. Returns -1 with *why set when no host can be tried. */
static int lookup_mx(dane_dns *dns, const char *domain, struct dane_client_result *r,
                     enum dane_reason *why, struct dl_error *err)
{
    struct dane_dns_answer a;
    int n;
    if (dane_dns_lookup(dns, domain, T_MX, &a, err) != 0) {
        *why = DANE_R_DNS_FAILED;
        snprintf(r->mx_why, sizeof(r->mx_why), "%s", err->msg);
        return -1;
    }
    r->mx_verdict = a.verdict;
    snprintf(r->mx_why, sizeof(r->mx_why), "%s", a.why);
    trace(r, "MX %s: %s%s%s%s", domain, dane_dns_verdict_name(a.verdict),
          a.nxdomain                  ? ", NXDOMAIN"
          : a.n_rrs == 0 && !a.why[0] ? ", no MX (implicit MX)"
                                      : "",
          a.why[0] ? ": " : "", a.why);
    if (a.verdict == DANE_DNS_BOGUS || a.verdict == DANE_DNS_FAILED || a.nxdomain) {
        *why = a.nxdomain ? DANE_R_NO_MAIL_HOST : dns_failure(&a);
        dane_dns_answer_clear(&a);
        return -1;
    }
    n = parse_mx(&a, r);
    dane_dns_answer_clear(&a);
    if (n < 0) {
        trace(r, "  null MX (RFC 7505): the domain accepts no mail");
        *why = DANE_R_NO_MAIL_HOST;
        return -1;
    }
    if (n == 0) { /* RFC 5321 5.1: the domain itself, preference 0 */
        snprintf(r->hosts[0].name, sizeof(r->hosts[0].name), "%s", domain);
        r->n_hosts = 1;
    }
    return 0;
}

/* One address lookup (A or AAAA), traced; -1 when it could not be made. */
static int addr_lookup(dane_dns *dns, const struct dane_host_result *h,
                       struct dane_client_result *r, int type, struct dane_dns_answer *a,
                       struct dl_error *err)
{
    const char *label = type == T_A ? "A" : "AAAA";
    if (dane_dns_lookup(dns, h->name, type, a, err) != 0) {
        trace(r, "  %s %s: %s", label, h->name, err->msg);
        return -1;
    }
    trace(r, "  %s %s: %s, %zu record%s%s%s%s%s", label, h->name, dane_dns_verdict_name(a->verdict),
          a->n_rrs, a->n_rrs == 1 ? "" : "s", a->canonname ? " via CNAME to " : "",
          a->canonname ? a->canonname : "", a->why[0] ? ": " : "", a->why);
    return 0;
}

/* The verdict on the host's addresses: bogus when either RRset is, secure
 * only when both answers (data or denial) are, failed when neither
 * answered; else insecure. */
static enum dane_dns_verdict addr_verdict(const struct dane_dns_answer *a4,
                                          const struct dane_dns_answer *a6)
{
    if (a4->verdict == DANE_DNS_BOGUS || a6->verdict == DANE_DNS_BOGUS)
        return DANE_DNS_BOGUS;
    if (a4->verdict == DANE_DNS_FAILED && a6->verdict == DANE_DNS_FAILED)
        return DANE_DNS_FAILED;
    if (a4->verdict == DANE_DNS_SECURE && a6->verdict == DANE_DNS_SECURE)
        return DANE_DNS_SECURE;
    return DANE_DNS_INSECURE;
}

/* The host's address (its first IPv4 address, else its first IPv6 one)
 * from its A and AAAA records (RFC 7672 2.2.2); -1 with h->reason when the
 * host cannot be used. */
static int host_address(dane_dns *dns, struct dane_host_result *h, struct dane_client_result *r,
                        char *canon, size_t canonlen, struct dl_error *err)
{
    struct dane_dns_answer a4, a6;
    int rc = -1;
    if (addr_lookup(dns, h, r, T_A, &a4, err) != 0) {
        h->reason = DANE_R_DNS_FAILED;
        return -1;
    }
    if (addr_lookup(dns, h, r, T_AAAA, &a6, err) != 0) {
        dane_dns_answer_clear(&a4);
        h->reason = DANE_R_DNS_FAILED;
        return -1;
    }
    h->addr_verdict = addr_verdict(&a4, &a6);
    snprintf(canon, canonlen, "%s",
             a4.canonname   ? a4.canonname
             : a6.canonname ? a6.canonname
                            : h->name);
    if (h->addr_verdict == DANE_DNS_BOGUS || h->addr_verdict == DANE_DNS_FAILED)
        h->reason = h->addr_verdict == DANE_DNS_BOGUS ? DANE_R_DNSSEC_BOGUS : DANE_R_DNS_FAILED;
    else if (a4.n_rrs > 0 && a4.rrs[0].len == 4)
        rc = inet_ntop(AF_INET, a4.rrs[0].data, h->address, sizeof(h->address)) ? 0 : -1;
    else if (a6.n_rrs > 0 && a6.rrs[0].len == 16)
        rc = inet_ntop(AF_INET6, a6.rrs[0].data, h->address, sizeof(h->address)) ? 0 : -1;
    else if (a4.verdict == DANE_DNS_FAILED || a6.verdict == DANE_DNS_FAILED)
        h->reason = DANE_R_DNS_FAILED; /* no address known, one lookup failed */
    else
        h->reason = DANE_R_NO_MAIL_HOST;
    dane_dns_answer_clear(&a4);
    dane_dns_answer_clear(&a6);
    return rc;
}

static void keep_tlsa(struct dane_host_result *h, const struct dane_dns_answer *a,
                      struct dane_client_result *r)
{
    for (size_t i = 0; i < a->n_rrs && h->n_tlsa < 16; i++) {
        struct dane_tlsa *t = &h->tlsa[h->n_tlsa++];
        char text[160];
        dane_tlsa_from_wire(a->rrs[i].data, a->rrs[i].len, t);
        dane_tlsa_format(t, text, sizeof(text), 64);
        trace(r, "    TLSA %s: %s", text, t->unusable ? t->unusable : "usable");
    }
}

/* One TLSA candidate base domain: 1 found, 0 none there, -1 failure. */
static int tlsa_at(dane_dns *dns, const char *base, unsigned port, struct dane_host_result *h,
                   struct dane_client_result *r, struct dl_error *err)
{
    struct dane_dns_answer a;
    char qname[300];
    int rc = 0;
    snprintf(qname, sizeof(qname), "_%u._tcp.%s", port, base);
    if (dane_dns_lookup(dns, qname, T_TLSA, &a, err) != 0) {
        h->reason = DANE_R_TLSA_SERVFAIL;
        return -1;
    }
    h->tlsa_verdict = a.verdict;
    trace(r, "  TLSA %s: %s, %zu record%s%s%s", qname, dane_dns_verdict_name(a.verdict), a.n_rrs,
          a.n_rrs == 1 ? "" : "s", a.why[0] ? ": " : "", a.why);
    if (a.verdict == DANE_DNS_BOGUS) {
        h->reason = DANE_R_DNSSEC_BOGUS;
        h->facts.dns_bogus_on_tlsa = true;
        rc = -1;
    } else if (a.verdict == DANE_DNS_FAILED) {
        h->reason = DANE_R_TLSA_SERVFAIL;
        rc = -1;
    } else if (a.n_rrs > 0 && a.verdict == DANE_DNS_SECURE) {
        snprintf(h->tlsa_base, sizeof(h->tlsa_base), "%s", base);
        keep_tlsa(h, &a, r);
        rc = 1;
    }
    dane_dns_answer_clear(&a);
    return rc;
}

/* RFC 7672 2.2.2: with a secure CNAME expansion, TLSA at the expanded name
 * first, then at the original name. Sets h->policy. */
static int host_tlsa(dane_dns *dns, unsigned port, const char *canon, struct dane_host_result *h,
                     struct dane_client_result *r, struct dl_error *err)
{
    size_t usable = 0;
    int rc = 0;
    if (strcasecmp(canon, h->name) != 0)
        rc = tlsa_at(dns, canon, port, h, r, err);
    if (rc == 0)
        rc = tlsa_at(dns, h->name, port, h, r, err);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < h->n_tlsa; i++)
        usable += h->tlsa[i].unusable == NULL;
    h->policy = usable      ? DANE_POLICY_DANE
                : h->n_tlsa ? DANE_POLICY_TLS_REQUIRED
                            : DANE_POLICY_OPPORTUNISTIC;
    return 0;
}

/* --- SMTP and TLS ------------------------------------------------------ */

struct session {
    dane_smtp *smtp;
    struct dane_smtp_reply reply;
    struct dl_error err;
    const struct dane_client_opts *o;
    struct dane_host_result *h;
    struct dane_client_result *r;
};

static void note_reply(struct session *s, const char *step)
{
    char first[512];
    snprintf(first, sizeof(first), "%.*s", (int)strcspn(s->reply.text, "\n"), s->reply.text);
    snprintf(s->h->last_reply, sizeof(s->h->last_reply), "%d %s", s->reply.code, first);
    trace(s->r, "    %s: %d %s%s", step, s->reply.code, first, s->reply.lines > 1 ? " ..." : "");
}

/* Send a command; 0 when the reply is in the 2xx/3xx class wanted. */
static int command(struct session *s, const char *line, int want)
{
    if (dane_smtp_cmd(s->smtp, line, &s->reply, s->o->timeout_ms, &s->err) != 0) {
        trace(s->r, "    %s", s->err.msg);
        return -1;
    }
    note_reply(s, line);
    return s->reply.code / 100 == want ? 0 : 1;
}

static int ehlo(struct session *s)
{
    char line[300];
    snprintf(line, sizeof(line), "EHLO %s", s->o->helo ? s->o->helo : "dane-client.invalid");
    return command(s, line, 2);
}

static int open_session(struct session *s)
{
    char peer[400];
    snprintf(peer, sizeof(peer), "%s[%s]:%u", s->h->name, s->h->address, s->o->port);
    trace(s->r, "  connect %s", peer);
    s->smtp = dane_smtp_connect(s->h->address, s->o->port, peer, s->o->timeout_ms, &s->err);
    if (s->smtp == NULL ||
        dane_smtp_read(s->smtp, "greeting", &s->reply, s->o->timeout_ms, &s->err) != 0) {
        trace(s->r, "    %s", s->err.msg);
        s->h->reason = DANE_R_CONNECT_FAILED;
        return -1;
    }
    note_reply(s, "greeting");
    if (s->reply.code != 220 || ehlo(s) != 0) {
        s->h->reason = DANE_R_CONNECT_FAILED;
        return -1;
    }
    s->h->starttls_offered = dane_smtp_has_ext(&s->reply, "STARTTLS");
    return 0;
}

/* STARTTLS and the handshake; 0 when TLS is up. */
static int start_tls(struct session *s, SSL_CTX *ctx)
{
    struct dane_host_result *h = s->h;
    struct dane_tls_setup setup = {
        .sni = h->tlsa_base[0] ? h->tlsa_base : h->name, .mx_host = h->name, .now = s->o->now};
    struct dane_tlsa usable[16];
    SSL *ssl;
    for (size_t i = 0; i < h->n_tlsa && h->policy == DANE_POLICY_DANE; i++)
        if (h->tlsa[i].unusable == NULL)
            usable[setup.n_tlsa++] = h->tlsa[i];
    setup.tlsa = usable;
    if (command(s, "STARTTLS", 2) != 0) {
        h->reason = DANE_R_STARTTLS_REFUSED;
        return -1;
    }
    if ((ssl = dane_tls_new(ctx, &setup, &s->err)) == NULL ||
        dane_smtp_tls(s->smtp, ssl, s->o->timeout_ms, &s->err) != 0) {
        trace(s->r, "    %s", s->err.msg);
        h->reason = DANE_R_HANDSHAKE_FAILED;
        return -1;
    }
    h->tls_used = true;
    dane_tls_result(ssl, s->o->now, &h->tls);
    trace(s->r, "    TLS %s %s, SNI %s; certificate %s (SAN %s), chain of %d; verify: %s%s",
          h->tls.version, h->tls.cipher, setup.sni, h->tls.subject, h->tls.names, h->tls.chain_len,
          h->tls.verify_text, h->tls.match_usage >= 0 ? ", a TLSA record matched" : "");
    return 0;
}

/* What the connection established, as a reason (before any message). */
static enum dane_reason judge_tls(struct dane_host_result *h)
{
    h->facts.leaf_expired = h->tls.leaf_expired;
    h->facts.leaf_not_yet_valid = h->tls.leaf_not_yet_valid;
    if (h->policy == DANE_POLICY_DANE)
        return h->tls.authenticated ? DANE_R_AUTHENTICATED : dane_tls_failure_reason(&h->tls);
    if (h->policy == DANE_POLICY_TLS_REQUIRED)
        return DANE_R_TLS_REQUIRED_OK;
    return DANE_R_OPPORTUNISTIC_TLS;
}

static int send_message(struct session *s)
{
    const char *msg = s->o->message ? s->o->message : "Subject: danelab test\n\ndanelab\n";
    char line[600];
    struct dl_buf data = {0};
    int rc;
    snprintf(line, sizeof(line), "MAIL FROM:<%s>", s->o->from ? s->o->from : "");
    if ((rc = command(s, line, 2)) == 0) {
        snprintf(line, sizeof(line), "RCPT TO:<%s>", s->o->to);
        rc = command(s, line, 2);
    }
    if (rc == 0)
        rc = command(s, "DATA", 3);
    if (rc != 0)
        return rc;
    for (const char *p = msg; *p;) { /* CRLF line ends, dot-stuffing */
        size_t n = strcspn(p, "\r\n");
        if (*p == '.')
            dl_buf_append(&data, ".", 1);
        dl_buf_append(&data, p, n);
        dl_buf_append(&data, "\r\n", 2);
        p += n;
        p += (*p == '\r' && p[1] == '\n') ? 2 : (*p ? 1 : 0);
    }
    dl_buf_append(&data, ".\r\n", 3);
    rc = dane_smtp_write(s->smtp, data.data, data.len, s->o->timeout_ms, &s->err);
    dl_buf_free(&data);
    if (rc == 0 && dane_smtp_read(s->smtp, "reply to end of data", &s->reply, s->o->timeout_ms,
                                  &s->err) == 0) {
        note_reply(s, "end of data");
        return s->reply.code / 100 == 2 ? 0 : 1;
    }
    trace(s->r, "    %s", s->err.msg);
    return -1;
}

/* The enhanced status code (RFC 3463) opening a reply's text, when its
 * class is the reply's: "5.7.1" of "554 5.7.1 rejected"; else "". */
static void enhanced_code(const struct dane_smtp_reply *r, char *buf, size_t len)
{
    size_t n = strspn(r->text, "0123456789.");
    buf[0] = '\0';
    if (n >= 5 && n < len && r->text[0] - '0' == r->code / 100 && r->text[1] == '.' &&
        (r->text[n] == ' ' || r->text[n] == '\0' || r->text[n] == '\n'))
        snprintf(buf, len, "%.*s", (int)n, r->text);
}

/* After the host is accepted: deliver (or not, when probing), then QUIT. */
static void finish_session(struct session *s)
{
    struct dane_host_result *h = s->h;
    if (h->outcome.status == DANE_DELIVERED && s->o->deliver) {
        int rc = send_message(s);
        if (rc != 0) {
            h->reason = s->reply.code / 100 == 5 ? DANE_R_SMTP_REJECTED : DANE_R_SMTP_TEMPFAIL;
            enhanced_code(&s->reply, h->facts.smtp_code, sizeof(h->facts.smtp_code));
        }
    }
    if (command(s, "QUIT", 2) < 0) {
        /* the server is gone: nothing more to say */
    }
}

static void map_host(const struct dane_client_opts *o, struct dane_host_result *h)
{
    dane_outcome_map(o->profile, h->reason, &h->facts, o->final, &h->outcome);
}

/* Connect, negotiate and judge one host; h->reason and h->outcome set. */
static void smtp_host(SSL_CTX *ctx, const struct dane_client_opts *o, struct dane_host_result *h,
                      struct dane_client_result *r)
{
    struct session s = {.o = o, .h = h, .r = r};
    if (open_session(&s) != 0)
        goto out;
    if (!h->starttls_offered) {
        trace(r, "    STARTTLS not offered");
        h->reason = h->policy == DANE_POLICY_OPPORTUNISTIC ? DANE_R_OPPORTUNISTIC_PLAIN
                                                           : DANE_R_STARTTLS_NOT_OFFERED;
    } else if (start_tls(&s, ctx) != 0) {
        if (h->policy == DANE_POLICY_OPPORTUNISTIC) {
            /* opportunistic: try again without TLS, on a new connection */
            dane_smtp_free(s.smtp);
            s.smtp = NULL;
            h->starttls_offered = false;
            if (open_session(&s) != 0)
                goto out;
            h->reason = DANE_R_OPPORTUNISTIC_PLAIN;
        }
    } else {
        h->reason = judge_tls(h);
        if (ehlo(&s) != 0)
            h->reason = DANE_R_CONNECT_FAILED;
    }
    map_host(o, h);
    finish_session(&s);
out:
    map_host(o, h);
    dane_smtp_free(s.smtp);
}

/* --- the attempt -------------------------------------------------------- */

static void try_host(dane_dns *dns, SSL_CTX *ctx, const struct dane_client_opts *o,
                     struct dane_host_result *h, struct dane_client_result *r, struct dl_error *err)
{
    char canon[256];
    trace(r, "MX host %s (preference %u)", h->name, h->preference);
    h->policy = DANE_POLICY_OPPORTUNISTIC;
    if (host_address(dns, h, r, canon, sizeof(canon), err) != 0)
        goto judged;
    if (r->mx_verdict == DANE_DNS_SECURE && h->addr_verdict == DANE_DNS_SECURE &&
        host_tlsa(dns, o->port, canon, h, r, err) != 0)
        goto judged;
    trace(r, "  policy: %s", dane_host_policy_name(h->policy));
    smtp_host(ctx, o, h, r);
    trace(r, "  => %s %s (%s)", dane_status_name(h->outcome.status), h->outcome.code,
          dane_reason_name(h->reason));
    return;
judged:
    h->policy = DANE_POLICY_NONE;
    map_host(o, h);
    trace(r, "  => host not used: %s %s (%s)", h->outcome.code, h->outcome.name,
          dane_reason_name(h->reason));
}

int dane_client_run(dane_dns *dns, SSL_CTX *ctx, const struct dane_client_opts *o,
                    const char *domain, struct dane_client_result *r, struct dl_error *err)
{
    enum dane_reason why;
    memset(r, 0, sizeof(*r));
    r->delivered_by = -1;
    if (o->deliver && (o->to == NULL || *o->to == '\0'))
        return dl_error_set(err, "delivering needs a recipient (--to)");
    snprintf(r->domain, sizeof(r->domain), "%s", domain);
    if (lookup_mx(dns, domain, r, &why, err) != 0) {
        dane_outcome_map(o->profile, why, NULL, o->final, &r->outcome);
        snprintf(r->detail, sizeof(r->detail), "MX lookup for %s: %s", domain,
                 r->mx_why[0] ? r->mx_why : dane_reason_name(why));
        return 0;
    }
    for (size_t i = 0; i < r->n_hosts && r->delivered_by < 0; i++) {
        try_host(dns, ctx, o, &r->hosts[i], r, err);
        if (r->hosts[i].outcome.status == DANE_DELIVERED)
            r->delivered_by = (int)i;
    }
    /* The outcome: the host that took the message, else the most preferred
     * host's failure (the one its operator must look at first). */
    r->outcome = r->hosts[r->delivered_by >= 0 ? r->delivered_by : 0].outcome;
    snprintf(r->detail, sizeof(r->detail), "%s: %s",
             r->hosts[r->delivered_by >= 0 ? r->delivered_by : 0].name,
             dane_reason_name(r->outcome.reason));
    return 0;
}

void dane_client_result_clear(struct dane_client_result *r)
{
    for (size_t i = 0; i < r->n_hosts; i++)
        for (size_t k = 0; k < r->hosts[i].n_tlsa; k++)
            dane_tlsa_clear(&r->hosts[i].tlsa[k]);
    dl_buf_free(&r->trace);
}
