#include "dane_client.h"

#include "dane_smtp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define T_MX    15
#define T_A     1
#define T_TLSA  52
#define T_AAAA  28
#define T_CNAME 5

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

/* One MX record, in answer order (`order` keeps equal preferences so). */
struct mx_rr {
    unsigned preference;
    size_t order;
    char name[256];
};

static int by_preference(const void *a, const void *b)
{
    const struct mx_rr *x = a, *y = b;
    if (x->preference != y->preference)
        return x->preference < y->preference ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The MX records of `a` with a host name into rr[] (null MX and malformed
 * records left out and counted); returns how many. */
static size_t mx_records(const struct dane_dns_answer *a, struct mx_rr *rr, size_t *n_null,
                         struct dane_client_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_rrs; i++) {
        size_t off = 2;
        if (a->rrs[i].len < 3 || dane_dns_wire_name(a->rrs[i].data, a->rrs[i].len, &off, rr[n].name,
                                                    sizeof(rr[n].name)) != 0) {
            trace(r, "  MX record %zu malformed: left out", i + 1);
            continue;
        }
        if (strcmp(rr[n].name, ".") == 0) {
            (*n_null)++;
            continue;
        }
        rr[n].preference = (unsigned)(a->rrs[i].data[0] << 8 | a->rrs[i].data[1]);
        rr[n].order = i;
        n++;
    }
    return n;
}

/* The most preferred MX hosts into r->hosts, traced (RFC 5321 5.1: sorted
 * by preference first, then cut). */
static void keep_mx(struct mx_rr *rr, size_t n, struct dane_client_result *r)
{
    unsigned pref[DANE_CLIENT_MAX_HOSTS + 1];
    size_t keep, m = n < DANE_CLIENT_MAX_HOSTS + 1 ? n : DANE_CLIENT_MAX_HOSTS + 1;
    qsort(rr, n, sizeof(rr[0]), by_preference);
    for (size_t i = 0; i < m; i++)
        pref[i] = rr[i].preference;
    keep = dane_decide_mx_keep(pref, m, DANE_CLIENT_MX_LIMIT, DANE_CLIENT_MAX_HOSTS);
    for (size_t i = 0; i < keep; i++) {
        snprintf(r->hosts[i].name, sizeof(r->hosts[i].name), "%s", rr[i].name);
        r->hosts[i].preference = rr[i].preference;
    }
    r->n_hosts = keep;
    for (size_t i = keep; i < n && i < keep + 8; i++)
        trace(r,
              "  MX %u %s left out: the client tries the %d most preferred hosts (and "
              "those of the same preference as the last, up to %d)",
              rr[i].preference, rr[i].name, DANE_CLIENT_MX_LIMIT, DANE_CLIENT_MAX_HOSTS);
    if (n > keep + 8)
        trace(r, "  ... and %zu more MX records left out", n - keep - 8);
}

/* The MX RRset into r->hosts (dane_decide_mx). Returns the number of
 * hosts, 0 when there is no MX RRset (implicit MX), -1 when the RRset
 * names no host: a null MX, or only malformed records. */
static int parse_mx(const struct dane_dns_answer *a, struct dane_client_result *r)
{
    struct mx_rr *rr = dl_xcalloc(a->n_rrs ? a->n_rrs : 1, sizeof(*rr));
    size_t n_null = 0, n = mx_records(a, rr, &n_null, r);
    const char *why;
    enum dane_mx_decision d = dane_decide_mx(a->n_rrs, n, n_null, &why);
    if (d != DANE_MX_IMPLICIT && d != DANE_MX_HOSTS)
        trace(r, "  %s", why);
    if (n > 0)
        keep_mx(rr, n, r);
    free(rr);
    return d == DANE_MX_IMPLICIT ? 0 : n > 0 ? (int)r->n_hosts : -1;
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
    snprintf(r->domain_canon, sizeof(r->domain_canon), "%s", a.canonname ? a.canonname : "");
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
        *why = DANE_R_NO_MAIL_HOST;
        return -1;
    }
    if (n == 0) { /* RFC 5321 5.1: the domain itself, preference 0 */
        snprintf(r->hosts[0].name, sizeof(r->hosts[0].name), "%s", domain);
        r->n_hosts = 1;
    }
    return 0;
}

static const char *type_name(int type)
{
    return type == T_A ? "A" : type == T_AAAA ? "AAAA" : type == T_CNAME ? "CNAME" : "TLSA";
}

/* One lookup for a host (A, AAAA or CNAME), traced, summed up in *l (which
 * points into *a). A lookup that could not be made counts as failed. */
static void host_lookup(dane_dns *dns, const struct dane_host_result *h,
                        struct dane_client_result *r, int type, struct dane_dns_answer *a,
                        struct dane_decide_lookup *l, struct dl_error *err)
{
    memset(l, 0, sizeof(*l));
    if (dane_dns_lookup(dns, h->name, type, a, err) != 0) {
        l->verdict = DANE_DNS_FAILED;
        trace(r, "  %s %s: failed: %s", type_name(type), h->name, err->msg);
        return;
    }
    l->verdict = a->verdict;
    l->count = a->n_rrs;
    l->canonname = a->canonname;
    trace(r, "  %s %s: %s, %zu record%s%s%s%s%s%s", type_name(type), h->name,
          dane_dns_verdict_name(a->verdict), a->n_rrs, a->n_rrs == 1 ? "" : "s",
          a->nxdomain ? ", NXDOMAIN" : "", a->canonname ? " via CNAME to " : "",
          a->canonname ? a->canonname : "", a->why[0] ? ": " : "", a->why);
}

/* The answer's addresses (4 or 16 bytes each) appended to h->addresses,
 * as far as there is room; malformed records skipped. */
static void keep_addresses(const struct dane_dns_answer *a, int family, struct dane_host_result *h,
                           struct dane_client_result *r)
{
    size_t want = family == 4 ? 4 : 16;
    for (size_t i = 0; i < a->n_rrs; i++) {
        char *text = h->addresses[h->n_addresses];
        if (h->n_addresses == DANE_CLIENT_MAX_ADDRS) {
            trace(r, "  more than %d addresses: the first %d kept", DANE_CLIENT_MAX_ADDRS,
                  DANE_CLIENT_MAX_ADDRS);
            return;
        }
        if (a->rrs[i].len == want && inet_ntop(family == 4 ? AF_INET : AF_INET6, a->rrs[i].data,
                                               text, sizeof(h->addresses[0])) != NULL)
            h->n_addresses++;
        else
            trace(r, "  malformed %s record", family == 4 ? "A" : "AAAA");
    }
}

static enum dane_dns_verdict addr_verdict(const struct dane_addr_choice *c,
                                          const struct dane_decide_lookup *l4,
                                          const struct dane_decide_lookup *l6)
{
    if (c->decision == DANE_ADDR_BOGUS)
        return DANE_DNS_BOGUS;
    if (c->decision == DANE_ADDR_FAILED)
        return DANE_DNS_FAILED;
    return l4->verdict == DANE_DNS_SECURE && l6->verdict == DANE_DNS_SECURE ? DANE_DNS_SECURE
                                                                            : DANE_DNS_INSECURE;
}

/* The host's A and AAAA lookups and the choice they allow (RFC 7672
 * 2.1.1, 2.2.2; dane_decide_addr); the address in h->address and the CNAME
 * expansion in canon ("" when none). -1 with h->reason when the host
 * cannot be used. */
static int host_address(dane_dns *dns, struct dane_host_result *h, struct dane_client_result *r,
                        struct dane_addr_choice *c, char *canon, size_t canonlen,
                        struct dl_error *err)
{
    struct dane_dns_answer a4, a6;
    struct dane_decide_lookup l4, l6;
    int rc = -1;
    host_lookup(dns, h, r, T_A, &a4, &l4, err);
    host_lookup(dns, h, r, T_AAAA, &a6, &l6, err);
    dane_decide_addr(&l4, &l6, c);
    h->addr_verdict = addr_verdict(c, &l4, &l6);
    snprintf(canon, canonlen, "%s", c->canonname ? c->canonname : "");
    c->canonname = canon[0] ? canon : NULL;
    trace(r, "  addresses: %s", c->why);
    if (c->decision == DANE_ADDR_BOGUS)
        h->reason = DANE_R_DNSSEC_BOGUS;
    else if (c->decision == DANE_ADDR_FAILED)
        h->reason = DANE_R_DNS_FAILED;
    else if (c->decision == DANE_ADDR_NONE)
        h->reason = DANE_R_NO_MAIL_HOST;
    else {
        keep_addresses(&a4, 4, h, r); /* IPv4 first (dane_client.h) */
        keep_addresses(&a6, 6, h, r);
        if (h->n_addresses == 0)
            h->reason = DANE_R_DNS_FAILED;
        else
            rc = 0;
    }
    dane_dns_answer_clear(&a4);
    dane_dns_answer_clear(&a6);
    return rc;
}

/* The whole TLSA RRset, never cut: the answer bounds it (a DNS message of
 * at most 65535 bytes holds at most DANE_TLSA_MAX_RRSET records). */
static void keep_tlsa(struct dane_host_result *h, const struct dane_dns_answer *a,
                      struct dane_client_result *r)
{
    size_t n = a->n_rrs;
    if (n > DANE_TLSA_MAX_RRSET - h->n_tlsa) {
        trace(r, "    %zu TLSA records: more than a DNS message holds; the first %zu kept", n,
              (size_t)DANE_TLSA_MAX_RRSET - h->n_tlsa);
        n = DANE_TLSA_MAX_RRSET - h->n_tlsa;
    }
    h->tlsa = dl_xrealloc(h->tlsa, (h->n_tlsa + n + 1) * sizeof(*h->tlsa));
    for (size_t i = 0; i < n; i++) {
        struct dane_tlsa *t = &h->tlsa[h->n_tlsa++];
        char text[160];
        dane_tlsa_from_wire(a->rrs[i].data, a->rrs[i].len, t);
        dane_tlsa_format(t, text, sizeof(text), 64);
        trace(r, "    TLSA %s: %s", text, t->unusable ? t->unusable : "usable");
    }
}

/* One TLSA candidate base domain: 1 found, 0 none there, -1 failure. */
static int tlsa_at(dane_dns *dns, const char *base, const char *why, unsigned port,
                   struct dane_host_result *h, struct dane_client_result *r, struct dl_error *err)
{
    struct dane_dns_answer a;
    char qname[300];
    int rc = 0;
    snprintf(qname, sizeof(qname), "_%u._tcp.%s", port, base);
    if (dane_dns_lookup(dns, qname, T_TLSA, &a, err) != 0) {
        trace(r, "  TLSA %s: failed: %s", qname, err->msg);
        h->reason = DANE_R_TLSA_SERVFAIL;
        return -1;
    }
    h->tlsa_verdict = a.verdict;
    trace(r, "  TLSA %s: %s, %zu record%s%s%s%s", qname, dane_dns_verdict_name(a.verdict), a.n_rrs,
          a.n_rrs == 1 ? "" : "s", a.nxdomain ? ", NXDOMAIN" : "", a.why[0] ? ": " : "", a.why);
    if (a.verdict == DANE_DNS_BOGUS) {
        h->reason = DANE_R_DNSSEC_BOGUS;
        h->facts.dns_bogus_on_tlsa = true;
        rc = -1;
    } else if (a.verdict == DANE_DNS_FAILED) {
        h->reason = DANE_R_TLSA_SERVFAIL;
        rc = -1;
    } else if (a.n_rrs > 0 && a.verdict == DANE_DNS_SECURE) {
        snprintf(h->tlsa_base, sizeof(h->tlsa_base), "%s", base);
        h->base_why = why;
        keep_tlsa(h, &a, r);
        rc = 1;
    }
    dane_dns_answer_clear(&a);
    return rc;
}

/* The TLSA records at the plan's candidate base domains, in order, the
 * first with secure records winning (RFC 7672 2.2.3). Sets h->policy. */
static int host_tlsa(dane_dns *dns, unsigned port, const struct dane_base_plan *p,
                     struct dane_host_result *h, struct dane_client_result *r, struct dl_error *err)
{
    size_t usable = 0;
    int rc = 0;
    for (size_t i = 0; i < p->n_base && rc == 0; i++) {
        if (i > 0)
            trace(r, "  no secure TLSA records at %s; next: the %s", p->base[i - 1],
                  p->base_why[i]);
        rc = tlsa_at(dns, p->base[i], p->base_why[i], port, h, r, err);
    }
    if (rc < 0)
        return -1;
    if (rc > 0)
        trace(r, "  TLSA base domain %s: the %s", h->tlsa_base, h->base_why);
    else
        trace(r, "  no secure TLSA records: no DANE for this host");
    for (size_t i = 0; i < h->n_tlsa; i++)
        usable += h->tlsa[i].unusable == NULL;
    h->policy = usable      ? DANE_POLICY_DANE
                : h->n_tlsa ? DANE_POLICY_TLS_REQUIRED
                            : DANE_POLICY_OPPORTUNISTIC;
    return 0;
}

/* Whether DANE applies to the host and where its TLSA records are (RFC
 * 7672 2.2.2, 2.2.3; dane_decide_tlsa_base), asking the first CNAME's own
 * security when needed. Sets h->policy; -1 with h->reason when the host is
 * not used. */
static int host_policy(dane_dns *dns, unsigned port, bool mx_secure,
                       const struct dane_addr_choice *c, struct dane_host_result *h,
                       struct dane_client_result *r, struct dl_error *err)
{
    struct dane_base_plan p;
    dane_decide_tlsa_base(mx_secure, c->decision, h->name, c->canonname, NULL, &p);
    trace(r, "  DANE: %s", p.why);
    if (p.decision == DANE_BASE_ASK_CNAME) {
        struct dane_dns_answer a;
        struct dane_decide_lookup first;
        host_lookup(dns, h, r, T_CNAME, &a, &first, err);
        dane_decide_tlsa_base(mx_secure, c->decision, h->name, c->canonname, &first, &p);
        dane_dns_answer_clear(&a);
        trace(r, "  DANE: %s", p.why);
    }
    if (p.decision == DANE_BASE_BOGUS || p.decision == DANE_BASE_FAILED) {
        h->reason = p.decision == DANE_BASE_BOGUS ? DANE_R_DNSSEC_BOGUS : DANE_R_DNS_FAILED;
        return -1;
    }
    if (p.decision == DANE_BASE_NO_DANE)
        return 0;
    return host_tlsa(dns, port, &p, h, r, err);
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
    if (dane_smtp_local_address(s->smtp, s->h->local_address, sizeof(s->h->local_address)) != 0)
        s->h->local_address[0] = '\0';
    note_reply(s, "greeting");
    if (s->reply.code != 220 || ehlo(s) != 0) {
        s->h->reason = DANE_R_CONNECT_FAILED;
        return -1;
    }
    s->h->starttls_offered = dane_smtp_has_ext(&s->reply, "STARTTLS");
    return 0;
}

/* DANE-TA reference identifiers besides the TLSA base domain (RFC 7672
 * 3.2.2): the MX host name, the original next-hop domain and, when the MX
 * lookup followed a CNAME, its expansion. At most three: they always fit. */
static void reference_names(struct dane_tls_setup *setup, const struct dane_host_result *h,
                            struct dane_client_result *r)
{
    if (dane_tls_setup_add_name(setup, h->name) != 0 ||
        dane_tls_setup_add_name(setup, r->domain) != 0 ||
        dane_tls_setup_add_name(setup, r->domain_canon) != 0)
        trace(r, "    too many reference names");
}

/* STARTTLS and the handshake with `setup`; 0 when TLS is up. */
static int handshake(struct session *s, SSL_CTX *ctx, const struct dane_tls_setup *setup)
{
    struct dane_host_result *h = s->h;
    SSL *ssl;
    if (command(s, "STARTTLS", 2) != 0) {
        h->reason = DANE_R_STARTTLS_REFUSED;
        return -1;
    }
    if ((ssl = dane_tls_new(ctx, setup, &s->err)) == NULL ||
        dane_smtp_tls(s->smtp, ssl, s->o->timeout_ms, &s->err) != 0) {
        trace(s->r, "    %s", s->err.msg);
        h->reason = DANE_R_HANDSHAKE_FAILED;
        return -1;
    }
    h->tls_used = true;
    dane_tls_result(ssl, &h->tls);
    trace(s->r, "    TLS %s %s, SNI %s; certificate %s (SAN %s), chain of %d; verify: %s%s",
          h->tls.version, h->tls.cipher, setup->sni, h->tls.subject, h->tls.names, h->tls.chain_len,
          h->tls.verify_text, h->tls.match_usage >= 0 ? ", a TLSA record matched" : "");
    return 0;
}

/* TLS for the host: its usable records (all of them), SNI = the TLSA base
 * domain, the reference names. 0 when TLS is up. */
static int start_tls(struct session *s, SSL_CTX *ctx)
{
    struct dane_host_result *h = s->h;
    struct dane_tls_setup setup = {.sni = h->tlsa_base[0] ? h->tlsa_base : h->name,
                                   .has_now = s->o->has_now,
                                   .now = s->o->now};
    struct dane_tlsa *usable = dl_xcalloc(h->n_tlsa + 1, sizeof(*usable));
    int rc;
    for (size_t i = 0; i < h->n_tlsa && h->policy == DANE_POLICY_DANE; i++)
        if (h->tlsa[i].unusable == NULL)
            usable[setup.n_tlsa++] = h->tlsa[i];
    setup.tlsa = usable;
    reference_names(&setup, h, s->r);
    rc = handshake(s, ctx, &setup);
    free(usable);
    return rc;
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

/* The class of h's result under o's profile: each choice of the run is
 * made from it, and kept in r's decision log (dane_client_same_path). */
static enum dane_host_class decide(const struct dane_client_opts *o,
                                   const struct dane_host_result *h, struct dane_client_result *r)
{
    enum dane_host_class c = dane_decide_host_class(o->profile, h->reason, &h->facts);
    if (r->n_decisions < DANE_CLIENT_MAX_DECISIONS)
        r->decisions[r->n_decisions++] =
            (struct dane_client_decision){.reason = h->reason, .facts = h->facts, .cls = c};
    else
        r->decisions_lost = true;
    return c;
}

/* After the host is accepted: deliver (or not, when probing), then QUIT.
 * The message goes when the host's result so far takes it (its outcome,
 * map_host(), says delivered). */
static void finish_session(struct session *s)
{
    struct dane_host_result *h = s->h;
    if (s->o->deliver && decide(s->o, h, s->r) == DANE_HOST_TOOK) {
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

/* What one address's session left in h, cleared before the next address
 * (what the DNS lookups found stays). */
static void clear_session(struct dane_host_result *h)
{
    h->local_address[0] = '\0';
    h->starttls_offered = h->tls_used = false;
    memset(&h->tls, 0, sizeof(h->tls));
    h->last_reply[0] = '\0';
    h->facts.leaf_expired = h->facts.leaf_not_yet_valid = false;
    h->facts.smtp_code[0] = '\0';
}

/* Each address of the host in turn until one's server takes or rejects
 * the message (RFC 5321 5.1); h keeps the last session's result. */
static void smtp_addresses(SSL_CTX *ctx, const struct dane_client_opts *o,
                           struct dane_host_result *h, struct dane_client_result *r)
{
    for (size_t k = 0; k < h->n_addresses; k++) {
        if (k > 0) {
            trace(r, "  %s failed (%s): the next address (RFC 5321 5.1)", h->address,
                  dane_reason_name(h->reason));
            clear_session(h);
        }
        snprintf(h->address, sizeof(h->address), "%s", h->addresses[k]);
        smtp_host(ctx, o, h, r);
        if (dane_decide_stop(decide(o, h, r)))
            return;
    }
}

/* --- the attempt -------------------------------------------------------- */

static void try_host(dane_dns *dns, SSL_CTX *ctx, const struct dane_client_opts *o,
                     struct dane_host_result *h, struct dane_client_result *r, struct dl_error *err)
{
    char canon[256];
    struct dane_addr_choice c;
    trace(r, "MX host %s (preference %u)", h->name, h->preference);
    h->tried = true;
    h->policy = DANE_POLICY_OPPORTUNISTIC;
    if (host_address(dns, h, r, &c, canon, sizeof(canon), err) != 0 ||
        host_policy(dns, o->port, r->mx_verdict == DANE_DNS_SECURE, &c, h, r, err) != 0)
        goto judged;
    trace(r, "  policy: %s", dane_host_policy_name(h->policy));
    smtp_addresses(ctx, o, h, r);
    trace(r, "  => %s %s (%s)", dane_status_name(h->outcome.status), h->outcome.code,
          dane_reason_name(h->reason));
    return;
judged:
    h->policy = DANE_POLICY_NONE;
    map_host(o, h);
    trace(r, "  => host not used: %s %s (%s)", h->outcome.code, h->outcome.name,
          dane_reason_name(h->reason));
}

/* The attempt's outcome and detail: those of host `at`, which decided. */
static void take_host_outcome(struct dane_client_result *r, size_t at)
{
    r->decided_by = at;
    r->outcome = r->hosts[at].outcome;
    snprintf(r->detail, sizeof(r->detail), "%s: %s", r->hosts[at].name,
             dane_reason_name(r->outcome.reason));
}

/* Every host in preference order until one takes the message (or its
 * server rejects it); the outcome is chosen by dane_decide_outcome(). */
static void try_hosts(dane_dns *dns, SSL_CTX *ctx, const struct dane_client_opts *o,
                      struct dane_client_result *r, struct dl_error *err)
{
    enum dane_host_class cls[DANE_CLIENT_MAX_HOSTS];
    size_t n = 0, at;
    const char *why;
    bool stop = false;
    while (n < r->n_hosts && !stop) {
        struct dane_host_result *h = &r->hosts[n];
        try_host(dns, ctx, o, h, r, err);
        cls[n] = decide(o, h, r);
        stop = dane_decide_stop(cls[n++]);
    }
    at = dane_decide_outcome(cls, n, &why);
    if (cls[at] == DANE_HOST_TOOK)
        r->delivered_by = (int)at;
    take_host_outcome(r, at);
    trace(r, "outcome: %s %s, from %s (%s): %s", dane_status_name(r->outcome.status),
          r->outcome.code, r->hosts[at].name, dane_decide_host_class_name(cls[at]), why);
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
        r->mx_failed = true;
        dane_outcome_map(o->profile, why, NULL, o->final, &r->outcome);
        snprintf(r->detail, sizeof(r->detail), "MX lookup for %s: %s", domain,
                 r->mx_why[0] ? r->mx_why : dane_reason_name(why));
        return 0;
    }
    try_hosts(dns, ctx, o, r, err);
    return 0;
}

bool dane_client_same_path(const struct dane_client_result *r, enum dane_profile p)
{
    if (r->decisions_lost)
        return false;
    for (size_t i = 0; i < r->n_decisions; i++) {
        const struct dane_client_decision *d = &r->decisions[i];
        if (dane_decide_host_class(p, d->reason, &d->facts) != d->cls)
            return false;
    }
    return true;
}

void dane_client_reprofile(struct dane_client_result *r, const struct dane_client_opts *o)
{
    if (r->mx_failed)
        dane_outcome_map(o->profile, r->outcome.reason, NULL, o->final, &r->outcome);
    else {
        for (size_t i = 0; i < r->n_hosts; i++)
            if (r->hosts[i].tried)
                map_host(o, &r->hosts[i]);
        take_host_outcome(r, r->decided_by);
    }
    trace(r, "profile %s: every choice above is the same under it; outcome %s %s (%s)",
          dane_profile_name(o->profile), dane_status_name(r->outcome.status), r->outcome.code,
          dane_reason_name(r->outcome.reason));
}

void dane_client_result_clear(struct dane_client_result *r)
{
    for (size_t i = 0; i < r->n_hosts; i++) {
        for (size_t k = 0; k < r->hosts[i].n_tlsa; k++)
            dane_tlsa_clear(&r->hosts[i].tlsa[k]);
        free(r->hosts[i].tlsa);
        r->hosts[i].tlsa = NULL;
        r->hosts[i].n_tlsa = 0;
    }
    dl_buf_free(&r->trace);
}
