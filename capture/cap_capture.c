#include "cap_capture.h"

#include "cap_dns.h"
#include "cap_smtp.h"
#include "dane_client.h"
#include "dane_tls.h"
#include "dl_log.h"
#include "dl_util.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define T_A          1
#define T_SOA        6
#define T_MX         15
#define T_TXT        16
#define T_AAAA       28
#define T_DS         43
#define T_DNSKEY     48
#define T_NSEC3PARAM 51
#define T_TLSA       52

/* The names whose zone cuts are recorded (the domain, hosts, aliases). */
struct names {
    char *v[CAP_MAX_HOSTS * 4 + 4];
    size_t n;
};

static void names_add(struct names *s, const char *name)
{
    if (name == NULL || *name == '\0' || strcmp(name, ".") == 0)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (strcasecmp(s->v[i], name) == 0)
            return;
    if (s->n < sizeof(s->v) / sizeof(s->v[0]))
        s->v[s->n++] = dl_xstrdup(name);
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

static void note(json_t *ev, const char *fmt, ...) DL_PRINTF(2, 3);
static void note(json_t *ev, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(json_object_get(ev, "notes"), json_string(buf));
}

/* The absolute lower-case form of a name; NULL when it is no host name. */
static char *absolute_name(const char *in)
{
    size_t n = strlen(in);
    char *out;
    if (n == 0 || n > 253 || strstr(in, ".."))
        return NULL;
    out = dl_xasprintf("%s%s", in, in[n - 1] == '.' ? "" : ".");
    for (char *p = out; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
            free(out);
            return NULL;
        }
        *p = (char)tolower((unsigned char)*p);
    }
    return out;
}

/* Probe each address the host's A and AAAA records name. */
static json_t *servers(SSL_CTX *ctx, const struct cap_opts *o, const char *host, json_t *h)
{
    const char *keys[] = {"a", "aaaa"};
    json_t *a = json_array();
    for (size_t k = 0; k < 2; k++) {
        json_t *recs = json_object_get(json_object_get(h, keys[k]), "records");
        for (size_t i = 0; i < json_array_size(recs) && json_array_size(a) < CAP_MAX_ADDRS; i++)
            json_array_append_new(a, cap_smtp_probe(ctx, host,
                                                    json_string_value(json_array_get(recs, i)),
                                                    o->port, o->timeout_ms));
    }
    return a;
}

static json_t *host_json(dane_dns *dns, SSL_CTX *ctx, const struct cap_opts *o, const char *name,
                         long pref, struct names *zn)
{
    struct cap_rrset a, aaaa, t;
    char tlsa[300];
    json_t *h = json_pack("{s:s,s:i}", "name", name, "preference", (int)pref);
    dl_info("capture: host %s", name);
    json_object_set_new(h, "a", cap_dns_rrset(dns, name, T_A, &a));
    json_object_set_new(h, "aaaa", cap_dns_rrset(dns, name, T_AAAA, &aaaa));
    snprintf(tlsa, sizeof(tlsa), "_%u._tcp.%s", o->port, name);
    json_object_set_new(h, "tlsa", cap_dns_rrset(dns, tlsa, T_TLSA, &t));
    names_add(zn, name);
    names_add(zn, t.canon); /* a TLSA CNAME's target zone (RFC 7671 7) */
    if (a.canon[0] || aaaa.canon[0]) {
        const char *canon = a.canon[0] ? a.canon : aaaa.canon;
        snprintf(tlsa, sizeof(tlsa), "_%u._tcp.%s", o->port, canon);
        json_object_set_new(h, "tlsa_expanded", cap_dns_rrset(dns, tlsa, T_TLSA, NULL));
        names_add(zn, canon);
    }
    json_object_set_new(h, "servers", servers(ctx, o, name, h));
    return h;
}

/* The MX hosts (in the answer's order); an MX RRset that exists with no
 * host, or none at all, gives the implicit MX (RFC 5321 5.1). */
static void hosts(dane_dns *dns, SSL_CTX *ctx, const struct cap_opts *o, const char *domain,
                  json_t *ev, struct names *zn)
{
    struct cap_rrset info;
    json_t *mx = cap_dns_rrset(dns, domain, T_MX, &info), *hs = json_array();
    json_t *recs = json_object_get(mx, "records");
    json_object_set_new(ev, "mx", mx);
    json_object_set_new(ev, "hosts", hs);
    if (json_array_size(recs) == 0 && !json_is_true(json_object_get(mx, "nxdomain")) &&
        (info.verdict == DANE_DNS_SECURE || info.verdict == DANE_DNS_INSECURE)) {
        json_t *h = host_json(dns, ctx, o, domain, 0, zn);
        json_object_set_new(h, "implicit", json_true());
        json_array_append_new(hs, h);
        return;
    }
    for (size_t i = 0; i < json_array_size(recs); i++) {
        char name[256];
        long pref;
        if (sscanf(json_string_value(json_array_get(recs, i)), "%ld %255s", &pref, name) != 2 ||
            strcmp(name, ".") == 0)
            continue;
        if (json_array_size(hs) >= CAP_MAX_HOSTS) {
            note(ev, "MX host %s and later ones not captured (at most %d hosts)", name,
                 CAP_MAX_HOSTS);
            break;
        }
        json_array_append_new(hs, host_json(dns, ctx, o, name, pref, zn));
    }
}

static json_t *zone_json(dane_dns *dns, const char *apex)
{
    json_t *z = json_pack("{s:s}", "name", apex);
    dl_info("capture: zone %s", apex);
    json_object_set_new(z, "ds", cap_dns_rrset(dns, apex, T_DS, NULL));
    json_object_set_new(z, "dnskey", cap_dns_rrset(dns, apex, T_DNSKEY, NULL));
    json_object_set_new(z, "nsec3param", cap_dns_rrset(dns, apex, T_NSEC3PARAM, NULL));
    return z;
}

/* Each zone cut above each name (root excluded): a name whose SOA RRset
 * exists there, not through a CNAME, is a zone apex. */
static void zones(dane_dns *dns, const struct names *zn, json_t *ev)
{
    struct names seen = {0}, apexes = {0};
    json_t *zs = json_array();
    for (size_t i = 0; i < zn->n; i++) {
        for (const char *p = zn->v[i]; p && *p && strcmp(p, ".") != 0;) {
            struct cap_rrset info;
            size_t before = seen.n;
            names_add(&seen, p);
            if (seen.n > before) {
                json_decref(cap_dns_rrset(dns, p, T_SOA, &info));
                if (info.has_data && info.canon[0] == '\0')
                    names_add(&apexes, p);
            }
            p = strchr(p, '.');
            p = p ? p + 1 : NULL;
        }
    }
    for (size_t i = 0; i < apexes.n && i < CAP_MAX_ZONES; i++)
        json_array_append_new(zs, zone_json(dns, apexes.v[i]));
    if (apexes.n > CAP_MAX_ZONES)
        note(ev, "%zu zones found, the first %d captured", apexes.n, CAP_MAX_ZONES);
    json_object_set_new(ev, "zones", zs);
    names_free(&seen);
    names_free(&apexes);
}

/* The reference client's outcome under each profile, a probe. */
static json_t *outcomes(dane_dns *dns, SSL_CTX *ctx, const struct cap_opts *o, const char *domain)
{
    json_t *out = json_object();
    for (int p = 0; p < DANE_PROFILE_COUNT; p++) {
        struct dane_client_opts co = {
            .profile = (enum dane_profile)p, .port = o->port, .timeout_ms = o->timeout_ms};
        struct dane_client_result r;
        struct dl_error err;
        if (dane_client_run(dns, ctx, &co, domain, &r, &err) != 0) {
            json_object_set_new(out, dane_profile_name((enum dane_profile)p),
                                json_pack("{s:s}", "error", err.msg));
            continue;
        }
        json_object_set_new(
            out, dane_profile_name((enum dane_profile)p),
            json_pack("{s:s,s:s,s:s,s:o,s:s}", "status", dane_status_name(r.outcome.status), "code",
                      r.outcome.code, "reason", dane_reason_name(r.outcome.reason), "tlsrpt",
                      r.outcome.tlsrpt ? json_string(r.outcome.tlsrpt) : json_null(), "detail",
                      r.detail));
        dane_client_result_clear(&r);
    }
    return out;
}

static json_t *now_json(time_t t)
{
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

json_t *cap_capture(const struct cap_opts *o, const char *given, struct dl_error *err)
{
    char *domain = absolute_name(given), tlsrpt[300];
    struct names zn = {0};
    dane_dns *dns;
    SSL_CTX *ctx;
    json_t *ev;
    if (domain == NULL) {
        dl_error_set(err, "'%s' is no domain name", given);
        return NULL;
    }
    if ((dns = dane_dns_new(&o->dns, err)) == NULL) {
        free(domain);
        return NULL;
    }
    if ((ctx = dane_tls_ctx_new(err)) == NULL) {
        dane_dns_free(dns);
        free(domain);
        return NULL;
    }
    ev = json_pack("{s:s,s:i,s:s,s:o,s:i,s:s,s:[]}", "format", CAP_EVIDENCE_FORMAT, "version",
                   CAP_EVIDENCE_VERSION, "domain", domain, "captured_at", now_json(time(NULL)),
                   "port", (int)o->port, "resolver", o->dns.resolver ? o->dns.resolver : "system",
                   "notes");
    names_add(&zn, domain);
    hosts(dns, ctx, o, domain, ev, &zn);
    zones(dns, &zn, ev);
    snprintf(tlsrpt, sizeof(tlsrpt), "_smtp._tls.%s", domain);
    json_object_set_new(ev, "tlsrpt", cap_dns_rrset(dns, tlsrpt, T_TXT, NULL));
    json_object_set_new(ev, "outcome", outcomes(dns, ctx, o, domain));
    names_free(&zn);
    SSL_CTX_free(ctx);
    dane_dns_free(dns);
    free(domain);
    return ev;
}

static const char usage[] =
    "usage: danelab capture DOMAIN [--resolver ADDR[@PORT]] [--trust-anchor FILE]\n"
    "           [--port N] [--timeout SECS] [-o FILE]\n"
    "       danelab capture DOMAIN... -d DIR [-j N] [same options]\n"
    "Observe a mail domain's DNS, DNSSEC and SMTP servers as the reference client\n"
    "does and write one JSON evidence file (danelab-evidence version 1) for\n"
    "danelab import. No message is sent.\n"
    "  -o, --output FILE      the evidence of the one DOMAIN (default: stdout)\n"
    "  -d, --output-dir DIR   each DOMAIN's evidence as DIR/DOMAIN.json\n"
    "  -j, --jobs N           N domains at a time, each in a worker process of its\n"
    "                         own (default 4, at most 64)\n";

/* A number option in [1, max]; -1 after saying so. */
static long number(const char *opt, const char *arg, long max)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || v < 1 || v > max) {
        dl_err("capture: --%s '%s': expected 1 to %ld", opt, arg, max);
        return -1;
    }
    return v;
}

int cap_args(int argc, char **argv, struct cap_args *a, int *rc)
{
    static const struct option opts[] = {
        {"resolver", required_argument, NULL, 'R'},
        {"trust-anchor", required_argument, NULL, 'A'},
        {"port", required_argument, NULL, 'p'},
        {"timeout", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"output-dir", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    long v = 0;
    *a = (struct cap_args){.o = {.port = 25, .timeout_ms = 10000}, .jobs = 4};
    *rc = 2;
    optind = 0; /* glibc: start again, permuting (main stopped at the command) */
    while ((c = getopt_long(argc, argv, "o:d:j:h", opts, NULL)) != -1) {
        if (c == 'R')
            a->o.dns.resolver = optarg;
        else if (c == 'A')
            a->o.dns.trust_anchor = optarg;
        else if (c == 'o')
            a->out = optarg;
        else if (c == 'd')
            a->dir = optarg;
        else if (c == 'p' && (v = number("port", optarg, 65535)) > 0)
            a->o.port = (unsigned)v;
        else if (c == 't' && (v = number("timeout", optarg, 300)) > 0)
            a->o.timeout_ms = (int)v * 1000;
        else if (c == 'j' && (v = number("jobs", optarg, CAP_MAX_JOBS)) > 0)
            a->jobs = (unsigned)v;
        else {
            if (c == 'h' || (c != 'p' && c != 't' && c != 'j'))
                fputs(usage, c == 'h' ? stdout : stderr);
            *rc = c == 'h' ? 0 : 2;
            return -1;
        }
    }
    a->domains = argv + optind;
    a->n_domains = (size_t)(argc - optind);
    if (a->n_domains == 0 || (a->n_domains > 1 && a->dir == NULL) || (a->out && a->dir)) {
        if (a->n_domains > 1 && a->dir == NULL)
            dl_err("capture: several domains: give -d DIR (-o names one file)");
        else if (a->out && a->dir)
            dl_err("capture: -o and -d exclude each other");
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

char *cap_evidence_path(const char *dir, const char *domain)
{
    size_t n = strlen(domain);
    while (n > 0 && domain[n - 1] == '.')
        n--;
    if (n == 0 || domain[0] == '.' || memchr(domain, '/', n) != NULL || n > 253)
        return NULL;
    return dl_xasprintf("%s/%.*s.json", dir, (int)n, domain);
}

static int write_evidence(json_t *ev, const char *out)
{
    int rc = out ? json_dump_file(ev, out, JSON_INDENT(2)) : json_dumpf(ev, stdout, JSON_INDENT(2));
    if (rc != 0) {
        dl_err("capture: cannot write %s", out ? out : "stdout");
        return 2;
    }
    if (out == NULL)
        putchar('\n');
    return 0;
}

int cap_one(const struct cap_opts *o, const char *domain, const char *out)
{
    struct dl_error err;
    json_t *ev;
    int rc;
    if ((ev = cap_capture(o, domain, &err)) == NULL) {
        dl_err("capture %s: %s", domain, err.msg);
        return 2;
    }
    rc = write_evidence(ev, out);
    json_decref(ev);
    return rc;
}
