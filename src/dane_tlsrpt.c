#include "dane_tlsrpt.h"

#include "dane_smtp.h"
#include "dl_util.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TLSRPT_VERSION "v=TLSRPTv1"
#define TYPE_TXT       16

enum policy_state { POLICY_UNKNOWN, POLICY_NONE, POLICY_FOUND };

struct dane_tlsrpt {
    char *domain;
    unsigned port;    /* of the TLSA owner names, _PORT._tcp.HOST */
    json_t *policies; /* object: policy key (see policy_key) -> policy object being built */
    enum policy_state state;
    char **rua; /* NULL-terminated, n_rua items */
    size_t n_rua;
    char why[512]; /* POLICY_NONE: why */
};

/* ------------------------------------------------------------------ */
/* The policy record (RFC 8460 section 3)                              */

static bool wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* text[0..len) for a message: at most 80 bytes, non-printables as '?'. */
static const char *shown(const char *text, size_t len, char buf[84])
{
    size_t n = len > 80 ? 80 : len;
    for (size_t i = 0; i < n; i++)
        buf[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    snprintf(buf + n, 4, "%s", len > n ? "..." : "");
    return buf;
}

static bool is_tlsrpt(const char *t, size_t len)
{
    size_t n = strlen(TLSRPT_VERSION);
    return len >= n && memcmp(t, TLSRPT_VERSION, n) == 0 && (len == n || t[n] == ';' || wsp(t[n]));
}

/* RFC 3986 characters a tlsrpt-uri may hold after its scheme: unreserved,
 * gen-delims and sub-delims but "!" and "," (section 3: they must be
 * percent-encoded), ";" (it ends the field); "%" starts an escape. */
static bool uri_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("-._~:/?#[]@$&'()*+=", c) != NULL);
}

static bool hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A URI's syntax; *scheme_len is the length of its scheme. */
static bool uri_valid(const char *u, size_t len, size_t *scheme_len)
{
    size_t i = 0;
    if (len == 0 || !((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
        return false;
    while (i < len && u[i] != ':') {
        char c = u[i++];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return false;
    }
    if (i == len || i + 1 == len)
        return false; /* no ":" or nothing after it */
    *scheme_len = i;
    for (i++; i < len; i++) {
        if (u[i] == '%') {
            if (i + 2 >= len || !hex_digit(u[i + 1]) || !hex_digit(u[i + 2]))
                return false;
            i += 2;
        } else if (!uri_char(u[i]))
            return false;
    }
    return true;
}

/* A mailto: URI with a local part and a domain, or an https: URI with a
 * host: a place a report can go. */
static bool uri_usable(const char *u, size_t len, size_t scheme_len)
{
    const char *rest = u + scheme_len + 1, *at;
    size_t n = len - scheme_len - 1, addr;
    if (scheme_len == 6 && strncasecmp(u, "mailto", 6) == 0) {
        const char *q = memchr(rest, '?', n);
        addr = q ? (size_t)(q - rest) : n;
        at = memchr(rest, '@', addr);
        return at != NULL && at > rest && at < rest + addr - 1;
    }
    if (scheme_len == 5 && strncasecmp(u, "https", 5) == 0)
        return n > 2 && rest[0] == '/' && rest[1] == '/' && strchr("/?#", rest[2]) == NULL;
    return false;
}

/* rua=URI *(*WSP "," *WSP URI): usable URIs appended to *rua. */
static int parse_rua(const char *v, size_t len, char ***rua, size_t *n, struct dl_error *err)
{
    size_t i = 0, bad = 0;
    char show[84];
    while (i <= len) {
        size_t start = i, end, scheme;
        while (i < len && v[i] != ',')
            i++;
        end = i++;
        while (start < end && wsp(v[start]))
            start++;
        while (end > start && wsp(v[end - 1]))
            end--;
        if (!uri_valid(v + start, end - start, &scheme))
            return dl_error_set(err, "rua: '%s' is not a URI", shown(v + start, end - start, show));
        if (!uri_usable(v + start, end - start, scheme)) {
            bad++;
            continue;
        }
        *rua = dl_xrealloc(*rua, (*n + 2) * sizeof(**rua));
        (*rua)[(*n)++] = dl_xasprintf("%.*s", (int)(end - start), v + start);
        (*rua)[*n] = NULL;
    }
    if (*n == 0)
        return dl_error_set(err, "rua: no mailto: or https: URI (%zu other%s)", bad,
                            bad == 1 ? "" : "s");
    return 0;
}

/* tlsrpt-ext-name "=" tlsrpt-ext-value; name and value already split. */
static int check_extension(const char *f, size_t name_len, size_t len, struct dl_error *err)
{
    char show[84];
    bool ok = name_len >= 1 && name_len <= 32 && len > name_len + 1;
    for (size_t i = 0; ok && i < name_len; i++) {
        char c = f[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             (i > 0 && (c == '_' || c == '-' || c == '.'));
    }
    for (size_t i = name_len + 1; ok && i < len; i++)
        ok = f[i] > 0x20 && f[i] < 0x7f && f[i] != '=' && f[i] != ';';
    if (!ok)
        return dl_error_set(err, "bad field '%s'", shown(f, len, show));
    return 0;
}

static int parse_field(const char *f, size_t len, char ***rua, size_t *n, bool *seen_rua,
                       struct dl_error *err)
{
    const char *eq = memchr(f, '=', len);
    char show[84];
    if (eq == NULL)
        return dl_error_set(err, "field '%s' is not NAME=VALUE", shown(f, len, show));
    if (eq - f == 3 && memcmp(f, "rua", 3) == 0) {
        if (*seen_rua)
            return dl_error_set(err, "rua given twice");
        *seen_rua = true;
        return parse_rua(eq + 1, len - 4, rua, n, err);
    }
    return check_extension(f, (size_t)(eq - f), len, err);
}

int dane_tlsrpt_parse(const char *text, size_t len, char ***rua, size_t *n_rua,
                      struct dl_error *err)
{
    size_t p = strlen(TLSRPT_VERSION);
    bool seen_rua = false;
    *rua = NULL;
    *n_rua = 0;
    if (!is_tlsrpt(text, len))
        return 1;
    for (;;) {
        size_t start, end;
        while (p < len && wsp(text[p]))
            p++;
        if (p == len)
            break;
        if (text[p] != ';') {
            dl_error_set(err, "expected ';' at offset %zu", p);
            goto fail;
        }
        for (p++; p < len && wsp(text[p]); p++)
            ;
        if (p == len)
            break; /* a final delimiter */
        start = p;
        while (p < len && text[p] != ';')
            p++;
        for (end = p; end > start && wsp(text[end - 1]); end--)
            ;
        if (parse_field(text + start, end - start, rua, n_rua, &seen_rua, err) != 0)
            goto fail;
    }
    if (!seen_rua) {
        dl_error_set(err, "no rua field");
        goto fail;
    }
    return 0;
fail:
    dane_tlsrpt_rua_free(*rua, *n_rua);
    *rua = NULL;
    *n_rua = 0;
    return -1;
}

void dane_tlsrpt_rua_free(char **rua, size_t n)
{
    for (size_t i = 0; rua != NULL && i < n; i++)
        free(rua[i]);
    free(rua);
}

void dane_tlsrpt_policy_clear(struct dane_tlsrpt_policy *p)
{
    dane_tlsrpt_rua_free(p->rua, p->n_rua);
    p->rua = NULL;
    p->n_rua = 0;
    p->found = false;
    p->why[0] = '\0';
}

/* A TXT RDATA's character-strings joined; -1 when they overrun it. */
static int txt_join(const struct dane_dns_rr *rr, struct dl_buf *out)
{
    size_t off = 0;
    out->len = 0;
    while (off < rr->len) {
        size_t l = rr->data[off++];
        if (off + l > rr->len)
            return -1;
        dl_buf_append(out, rr->data + off, l);
        off += l;
    }
    dl_buf_append(out, "", 1); /* NUL-terminated for messages; not counted */
    out->len--;
    return 0;
}

void dane_tlsrpt_policy_from_txt(const struct dane_dns_rr *rrs, size_t n,
                                 struct dane_tlsrpt_policy *p)
{
    struct dl_buf b = {0}, one = {0};
    size_t found = 0;
    struct dl_error err;
    dane_tlsrpt_policy_clear(p);
    for (size_t i = 0; i < n; i++)
        if (txt_join(&rrs[i], &b) == 0 && is_tlsrpt(b.data, b.len)) {
            found++;
            dl_buf_free(&one);
            one = b;
            memset(&b, 0, sizeof(b));
        }
    if (found == 0)
        snprintf(p->why, sizeof(p->why), "no TXT record begins with %s (%zu TXT record%s)",
                 TLSRPT_VERSION, n, n == 1 ? "" : "s");
    else if (found > 1)
        snprintf(p->why, sizeof(p->why),
                 "%zu TXT records begin with %s (RFC 8460 section 3 wants exactly one)", found,
                 TLSRPT_VERSION);
    else if (dane_tlsrpt_parse(one.data, one.len, &p->rua, &p->n_rua, &err) != 0)
        snprintf(p->why, sizeof(p->why), "malformed TLSRPT record: %s", err.msg);
    else
        p->found = true;
    dl_buf_free(&b);
    dl_buf_free(&one);
}

int dane_tlsrpt_lookup(dane_dns *dns, const char *domain, struct dane_tlsrpt_policy *p,
                       struct dl_error *err)
{
    size_t n = strlen(domain);
    char *name = dl_xasprintf("_smtp._tls.%s%s", domain, n > 0 && domain[n - 1] == '.' ? "" : ".");
    struct dane_dns_answer a;
    int rc = dane_dns_lookup(dns, name, TYPE_TXT, &a, err);
    memset(p, 0, sizeof(*p));
    if (rc == 0) {
        p->verdict = a.verdict;
        if (a.verdict == DANE_DNS_BOGUS || a.verdict == DANE_DNS_FAILED)
            snprintf(p->why, sizeof(p->why), "%s TXT: %s: %s", name,
                     dane_dns_verdict_name(a.verdict), a.why);
        else if (a.n_rrs == 0)
            snprintf(p->why, sizeof(p->why), "%s TXT: %s (%s)", name,
                     a.nxdomain ? "no such name" : "no TXT record",
                     dane_dns_verdict_name(a.verdict));
        else {
            dane_tlsrpt_policy_from_txt(a.rrs, a.n_rrs, p);
            p->verdict = a.verdict;
        }
        dane_dns_answer_clear(&a);
    }
    free(name);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The report                                                          */

dane_tlsrpt *dane_tlsrpt_new(const char *policy_domain, unsigned port)
{
    dane_tlsrpt *r = dl_xcalloc(1, sizeof(*r));
    size_t n = strlen(policy_domain);
    r->domain = dl_xasprintf("%.*s", (int)(n > 1 && policy_domain[n - 1] == '.' ? n - 1 : n),
                             policy_domain);
    r->port = port ? port : 25;
    r->policies = json_object();
    return r;
}

void dane_tlsrpt_free(dane_tlsrpt *r)
{
    if (r == NULL)
        return;
    json_decref(r->policies);
    dane_tlsrpt_rua_free(r->rua, r->n_rua);
    free(r->domain);
    free(r);
}

const char *dane_tlsrpt_domain(const dane_tlsrpt *r)
{
    return r->domain;
}

void dane_tlsrpt_set_policy(dane_tlsrpt *r, const struct dane_tlsrpt_policy *p)
{
    dane_tlsrpt_rua_free(r->rua, r->n_rua);
    r->n_rua = p->found ? p->n_rua : 0;
    r->rua = dl_xcalloc(r->n_rua + 1, sizeof(*r->rua));
    for (size_t i = 0; i < r->n_rua; i++)
        r->rua[i] = dl_xstrdup(p->rua[i]);
    r->state = p->found ? POLICY_FOUND : POLICY_NONE;
    snprintf(r->why, sizeof(r->why), "%s", p->found ? "" : p->why);
}

bool dane_tlsrpt_policy_known(const dane_tlsrpt *r)
{
    return r->state != POLICY_UNKNOWN;
}

const char *const *dane_tlsrpt_rua(const dane_tlsrpt *r)
{
    static const char *const none[] = {NULL}; /* constant: no state */
    return r->rua ? (const char *const *)r->rua : none;
}

/* A name without its final dot, as the report writes names. */
static json_t *bare_name(const char *name)
{
    size_t n = strlen(name);
    return json_stringn(name, n > 1 && name[n - 1] == '.' ? n - 1 : n);
}

/* Whether the host was judged under a DANE policy: it has TLSA records
 * (usable or not), or its TLSA lookup failed (RFC 7672 2.2: the host is
 * then not used; the failure is a DANE policy failure, RFC 8460 4.3.2.1). */
static bool dane_host(const struct dane_host_result *h)
{
    return h->n_tlsa > 0 || h->reason == DANE_R_TLSA_SERVFAIL ||
           (h->reason == DANE_R_DNSSEC_BOGUS && h->facts.dns_bogus_on_tlsa);
}

/* One TLSA record in presentation form with its owner name, as RFC 8460
 * 4.4 shows "policy-string" (RFC 6698 2.3): "_25._tcp.mx.example. IN TLSA
 * ( 3 1 1 HEX )", the association data in full. */
static json_t *tlsa_string(const dane_tlsrpt *r, const struct dane_host_result *h,
                           const struct dane_tlsa *t)
{
    const char *base = h->tlsa_base[0] ? h->tlsa_base : h->name;
    size_t n = strlen(base);
    char *hex = dl_xmalloc(t->len * 2 + 1), *text;
    json_t *j;
    dl_hex(t->data, t->len, hex);
    for (char *c = hex; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    text =
        dl_xasprintf("_%u._tcp.%s%s IN TLSA ( %u %u %u %s )", r->port, base,
                     n > 0 && base[n - 1] == '.' ? "" : ".", t->usage, t->selector, t->mtype, hex);
    j = json_string(text);
    free(text);
    free(hex);
    return j;
}

/* The policy block a host's sessions are counted in: one "tlsa" block per
 * DANE host (its records, its name as the mx-host), one "no-policy-found"
 * block for every host without DANE. The policy domain is the recipient
 * domain the report is for (see dane_tlsrpt.h). */
static json_t *host_policy(dane_tlsrpt *r, const struct dane_host_result *h)
{
    bool dane = dane_host(h);
    char *key = dane ? dl_xasprintf("tlsa %s", h->name) : dl_xstrdup("no-policy-found");
    json_t *p = json_object_get(r->policies, key), *policy;
    if (p == NULL) {
        policy = json_pack("{s:s}", "policy-type", dane ? "tlsa" : "no-policy-found");
        if (dane) {
            json_t *strings = json_array();
            for (size_t i = 0; i < h->n_tlsa; i++)
                json_array_append_new(strings, tlsa_string(r, h, &h->tlsa[i]));
            json_object_set_new(policy, "policy-string", strings);
        }
        json_object_set_new(policy, "policy-domain", json_string(r->domain));
        if (dane)
            json_object_set_new(policy, "mx-host", json_pack("[o]", bare_name(h->name)));
        p = json_pack("{s:o, s:{s:i, s:i}, s:[]}", "policy", policy, "summary",
                      "total-successful-session-count", 0, "total-failure-session-count", 0,
                      "failure-details");
        json_object_set_new(r->policies, key, p);
    }
    free(key);
    return p;
}

static void count(json_t *obj, const char *key)
{
    json_object_set_new(obj, key, json_integer(json_integer_value(json_object_get(obj, key)) + 1));
}

/* How one host's attempt counts (RFC 8460 4.2): NULL for a success (TLS
 * negotiated as the host's policy asks), else the result type of the
 * failure (dane_outcome's, also for plaintext and unusable-TLSA
 * deliveries); *counted false when it is neither (no TLS session was
 * tried: the connection or SMTP itself failed). dane-required is never
 * reported: this client has no mandatory-DANE setting (4.3.2.1 keeps it for
 * senders configured to require DANE). */
static const char *result_type(const struct dane_host_result *h, bool *counted)
{
    *counted = h->outcome.tlsrpt != NULL || h->tls_used;
    return h->outcome.tlsrpt;
}

/* "sending-mta-ip": this end of the SMTP connection; when none was made
 * (the host failed before it), the address the system would have sent
 * from to reach the host (its route's source). */
static bool sending_ip(const struct dane_host_result *h, char *buf, size_t len)
{
    if (h->local_address[0]) {
        snprintf(buf, len, "%s", h->local_address);
        return true;
    }
    return h->address[0] && dane_smtp_source_address(h->address, buf, len) == 0;
}

/* "failure-reason-code": the client's reason, with the certificate
 * verification's own words when a handshake completed and it failed. */
static char *reason_code(const struct dane_host_result *h)
{
    if (h->tls_used && h->tls.verify != 0 && h->tls.verify_text[0])
        return dl_xasprintf("%s: %s", dane_reason_name(h->reason), h->tls.verify_text);
    return dl_xstrdup(dane_reason_name(h->reason));
}

static bool same(json_t *d, const char *key, const char *value)
{
    const char *v = json_string_value(json_object_get(d, key));
    return v == NULL ? value == NULL : value != NULL && strcmp(v, value) == 0;
}

/* One failure detail per (result type, sending and receiving address, MX
 * host, reason code); the counts of equal ones are merged. */
static void add_failure(json_t *policy, const struct dane_host_result *h, const char *type)
{
    json_t *details = json_object_get(policy, "failure-details"), *d;
    char from[64], *code = reason_code(h);
    json_t *mx = bare_name(h->name);
    const char *ip = sending_ip(h, from, sizeof(from)) ? from : NULL;
    const char *to = h->address[0] ? h->address : NULL;
    size_t i;
    json_array_foreach(details, i, d) {
        if (same(d, "result-type", type) && same(d, "sending-mta-ip", ip) &&
            same(d, "receiving-mx-hostname", json_string_value(mx)) &&
            same(d, "receiving-ip", to) && same(d, "failure-reason-code", code)) {
            count(d, "failed-session-count");
            json_decref(mx);
            free(code);
            return;
        }
    }
    d = json_pack("{s:s}", "result-type", type); /* the fields in the order of 4.4 */
    if (ip != NULL)
        json_object_set_new(d, "sending-mta-ip", json_string(ip));
    json_object_set_new(d, "receiving-mx-hostname", mx);
    if (to != NULL)
        json_object_set_new(d, "receiving-ip", json_string(to));
    json_object_set_new(d, "failed-session-count", json_integer(1));
    json_object_set_new(d, "failure-reason-code", json_string(code));
    json_array_append_new(details, d);
    free(code);
}

void dane_tlsrpt_add(dane_tlsrpt *r, const struct dane_client_result *res)
{
    for (size_t i = 0; i < res->n_hosts; i++) {
        const struct dane_host_result *h = &res->hosts[i];
        bool counted;
        const char *type;
        json_t *p;
        type = result_type(h, &counted);
        if (!counted)
            continue;
        p = host_policy(r, h);
        count(json_object_get(p, "summary"),
              type ? "total-failure-session-count" : "total-successful-session-count");
        if (type)
            add_failure(p, h, type);
    }
}

/* RFC 8460 4.1: a report SHOULD cover a full UTC day (00:00-24:00), so the
 * range [start, end] is widened to whole UTC days: from 00:00:00Z of
 * start's day to 23:59:59Z of end's (as the RFC's example report ends). */
static void day_range(time_t start, time_t end, char s[32], char e[32])
{
    time_t first = start - start % 86400, last = end - end % 86400 + 86399;
    struct tm tm;
    strftime(s, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&first, &tm));
    strftime(e, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&last, &tm));
}

/* A unique report id (RFC 8460 4.4: "a unique identifier"): a random
 * (version 4) UUID, as the RFC's example uses. */
static int report_id(char out[40], struct dl_error *err)
{
    unsigned char b[16];
    char hex[33];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return dl_error_set(err, "report-id: no random bytes from OpenSSL");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    dl_hex(b, sizeof(b), hex);
    snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return 0;
}

int dane_tlsrpt_write(const dane_tlsrpt *r, const char *path, time_t start, time_t end,
                      struct dl_error *err)
{
    char s[32], e[32], id[40], *text;
    json_t *list, *p, *top;
    const char *key;
    int rc;
    if (r->state == POLICY_NONE) {
        dl_error_set(err, "%s publishes no TLS-RPT policy: %s", r->domain, r->why);
        return 1;
    }
    if (json_object_size(r->policies) == 0) {
        dl_error_set(err, "%s: no TLS session to report", r->domain);
        return 1;
    }
    if (report_id(id, err) != 0)
        return -1;
    day_range(start, end, s, e);
    list = json_array();
    json_object_foreach(r->policies, key, p)
        json_array_append(list, p);
    top = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:o}", "organization-name",
                    DANE_TLSRPT_ORGANIZATION, "date-range", "start-datetime", s, "end-datetime", e,
                    "contact-info", DANE_TLSRPT_CONTACT, "report-id", id, "policies", list);
    text = json_dumps(top, JSON_INDENT(2));
    rc = dl_write_file(path, text, strlen(text), 0644, err);
    free(text);
    json_decref(top);
    return rc;
}
