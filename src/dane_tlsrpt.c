#include "dane_tlsrpt.h"

#include "dl_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TLSRPT_VERSION "v=TLSRPTv1"
#define TYPE_TXT       16

enum policy_state { POLICY_UNKNOWN, POLICY_NONE, POLICY_FOUND };

struct dane_tlsrpt {
    char *domain;
    json_t *policies; /* object: MX host -> policy object being built */
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

dane_tlsrpt *dane_tlsrpt_new(const char *policy_domain)
{
    dane_tlsrpt *r = dl_xcalloc(1, sizeof(*r));
    size_t n = strlen(policy_domain);
    r->domain = dl_xasprintf("%.*s", (int)(n > 1 && policy_domain[n - 1] == '.' ? n - 1 : n),
                             policy_domain);
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

static json_t *host_policy(dane_tlsrpt *r, const struct dane_host_result *h)
{
    json_t *p = json_object_get(r->policies, h->name), *strings;
    size_t n = strlen(h->name);
    if (p != NULL)
        return p;
    strings = json_array();
    for (size_t i = 0; i < h->n_tlsa; i++) {
        char text[400];
        dane_tlsa_format(&h->tlsa[i], text, sizeof(text), 256);
        json_array_append_new(strings, json_string(text));
    }
    p = json_pack("{s:{s:s, s:o, s:s, s:[s%]}, s:{s:i, s:i}, s:[]}", "policy", "policy-type",
                  h->n_tlsa ? "tlsa" : "no-policy-found", "policy-string", strings, "policy-domain",
                  r->domain, "mx-host", h->name, n > 1 ? n - 1 : n, "summary",
                  "total-successful-session-count", 0, "total-failure-session-count", 0,
                  "failure-details");
    json_object_set_new(r->policies, h->name, p);
    return p;
}

static void count(json_t *policy, const char *key)
{
    json_t *summary = json_object_get(policy, "summary");
    json_object_set_new(summary, key,
                        json_integer(json_integer_value(json_object_get(summary, key)) + 1));
}

/* One failure detail per (result type, host, address); counts merged. */
static void add_failure(json_t *policy, const struct dane_host_result *h)
{
    json_t *details = json_object_get(policy, "failure-details"), *d;
    size_t i, n = strlen(h->name);
    json_array_foreach(details, i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "result-type")), h->outcome.tlsrpt) == 0 &&
            strcmp(json_string_value(json_object_get(d, "receiving-ip")), h->address) == 0) {
            json_object_set_new(
                d, "failed-session-count",
                json_integer(json_integer_value(json_object_get(d, "failed-session-count")) + 1));
            return;
        }
    }
    json_array_append_new(details,
                          json_pack("{s:s, s:s%, s:s, s:i, s:s}", "result-type", h->outcome.tlsrpt,
                                    "receiving-mx-hostname", h->name, n > 1 ? n - 1 : n,
                                    "receiving-ip", h->address, "failed-session-count", 1,
                                    "failure-reason-code", dane_reason_name(h->reason)));
}

void dane_tlsrpt_add(dane_tlsrpt *r, const struct dane_client_result *res)
{
    for (size_t i = 0; i < res->n_hosts; i++) {
        const struct dane_host_result *h = &res->hosts[i];
        json_t *p;
        if (h->address[0] == '\0')
            continue; /* no session was attempted */
        p = host_policy(r, h);
        if (h->outcome.status == DANE_DELIVERED) {
            count(p, "total-successful-session-count");
        } else if (h->outcome.tlsrpt != NULL) {
            count(p, "total-failure-session-count");
            add_failure(p, h);
        }
    }
}

static void iso(time_t t, char *buf, size_t len)
{
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

int dane_tlsrpt_write(const dane_tlsrpt *r, const char *path, time_t start, time_t end,
                      struct dl_error *err)
{
    char s[32], e[32], *text;
    json_t *list = json_array(), *p, *top;
    const char *key;
    int rc;
    if (r->state == POLICY_NONE) {
        json_decref(list);
        dl_error_set(err, "%s publishes no TLS-RPT policy: %s", r->domain, r->why);
        return 1;
    }
    iso(start, s, sizeof(s));
    iso(end, e, sizeof(e));
    json_object_foreach(r->policies, key, p) json_array_append(list, p);
    top = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:o}", "organization-name", "danelab",
                    "date-range", "start-datetime", s, "end-datetime", e, "contact-info",
                    "dane-client (danelab)", "report-id", "", "policies", list);
    json_object_set_new(top, "report-id", json_sprintf("%s-%s-%lld", s, r->domain, (long long)end));
    text = json_dumps(top, JSON_INDENT(2));
    rc = dl_write_file(path, text, strlen(text), 0644, err);
    free(text);
    json_decref(top);
    return rc;
}
