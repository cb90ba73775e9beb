/*
 * dane-client: the reference SMTP DANE client (see dane-client(1)).
 * Thin main over dane_client (one attempt), dane_retry (the schedule on a
 * virtual clock) and dane_report (text, JSON).
 */
#include "dane_client.h"
#include "dane_report.h"
#include "dane_retry.h"
#include "dane_tlsrpt.h"
#include "dl_log.h"
#include "dl_util.h"

#include <getopt.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: dane-client [OPTIONS] DOMAIN\n"
    "       dane-client verify --tlsa 'U S M HEX'... --chain FILE.pem --name HOST [--now TIME]\n"
    "\n"
    "Deliver to (or, by default, probe) a mail domain the way RFC 7672 says.\n"
    "\n"
    "DNS:\n"
    "  --trust-anchor FILE   DNSSEC trust anchor (default /usr/share/dns/root.key)\n"
    "  --resolver ADDR[@PORT] forward to this resolver (default: /etc/resolv.conf)\n"
    "  --root-hints FILE     iterate from these root hints instead\n"
    "  --unbound-config FILE extra libunbound settings\n"
    "Delivery:\n"
    "  --probe               test delivery only: QUIT before MAIL FROM (default)\n"
    "  --deliver             send a message: --from ADDR --to ADDR [--body TEXT|--body-file F]\n"
    "  --port N              SMTP port (default 25; TLSA at _N._tcp.HOST)\n"
    "  --helo NAME           EHLO name (default dane-client.invalid)\n"
    "  --timeout SECS        each step (default 30)\n"
    "Judgement:\n"
    "  --profile P           rfc7672 (default) or exchange-online\n"
    "  --now TIME            judge DNSSEC and certificates at @UNIX or YYYY-MM-DDTHH:MM:SSZ\n"
    "                        (@0 is the epoch; default: the clock)\n"
    "  --retry               run the profile's retry schedule on a virtual clock,\n"
    "                        re-resolving each attempt: rfc7672 0, 30 min, then hourly,\n"
    "                        final at 5 d (RFC 5321 4.5.4.1); exchange-online 0, 15 min,\n"
    "                        30 min, then hourly, final at 24 h (seed 001)\n"
    "Output:\n"
    "  --json                one JSON object (attempts, hosts, trace)\n"
    "  --tlsrpt FILE         write an RFC 8460 TLS-RPT report of the attempts to FILE\n"
    "  -q, --quiet           only the outcome lines;  -v  more messages\n"
    "  -h, --help            this text (dane-client verify --help: the verify options)\n"
    "\n"
    "Exit status: 0 delivered, 1 deferred or bounced, 2 usage or configuration error.\n";

struct args {
    struct dane_dns_opts dns;
    struct dane_client_opts client;
    bool json, quiet, retry;
    const char *tlsrpt; /* report file, or NULL */
    const char *domain;
};

static char *read_body(const char *path)
{
    struct dl_error err;
    char *text;
    if (dl_read_file(path, 10 * 1024 * 1024, &text, NULL, &err) != 0) {
        dl_err("--body-file: %s", err.msg);
        return NULL;
    }
    return text;
}

enum {
    O_TA = 256,
    O_RES,
    O_HINTS,
    O_UCONF,
    O_PROBE,
    O_DELIVER,
    O_FROM,
    O_TO,
    O_BODY,
    O_BODYF,
    O_PORT,
    O_HELO,
    O_TIMEOUT,
    O_PROFILE,
    O_NOW,
    O_RETRY,
    O_JSON,
    O_TLSRPT
};

/* Where an option taking its argument as it is puts it (NULL: not one). */
static const char **text_option(int c, struct args *a)
{
    switch (c) {
    case O_TA:
        return &a->dns.trust_anchor;
    case O_RES:
        return &a->dns.resolver;
    case O_HINTS:
        return &a->dns.root_hints;
    case O_UCONF:
        return &a->dns.config;
    case O_FROM:
        return &a->client.from;
    case O_TO:
        return &a->client.to;
    case O_BODY:
        return &a->client.message;
    case O_HELO:
        return &a->client.helo;
    case O_TLSRPT:
        return &a->tlsrpt;
    default:
        return NULL;
    }
}

/* Where a flag option puts true (--probe: false; NULL: not a flag). */
static bool *flag_option(int c, struct args *a)
{
    switch (c) {
    case O_PROBE:
    case O_DELIVER:
        return &a->client.deliver;
    case O_RETRY:
        return &a->retry;
    case O_JSON:
        return &a->json;
    case 'q':
        return &a->quiet;
    default:
        return NULL;
    }
}

/* --port and --timeout: a number from 1 to 65535. */
static int parse_number(int c, const char *arg, struct args *a)
{
    long v = strtol(arg, NULL, 10);
    if (v <= 0 || v > 65535)
        return dl_err("--%s: expected a number from 1 to 65535", c == O_PORT ? "port" : "timeout"),
               -1;
    if (c == O_PORT)
        a->client.port = (unsigned)v;
    else
        a->client.timeout_ms = (int)v * 1000;
    return 0;
}

static int parse_one(int c, const char *arg, struct args *a, char **body)
{
    const char **text = text_option(c, a);
    bool *flag = flag_option(c, a);
    long v;
    if (text != NULL) {
        *text = arg;
        return 0;
    }
    if (flag != NULL) {
        *flag = c != O_PROBE;
        return 0;
    }
    switch (c) {
    case O_BODYF:
        return (*body = read_body(arg)) ? (a->client.message = *body, 0) : -1;
    case O_PORT:
    case O_TIMEOUT:
        return parse_number(c, arg, a);
    case O_PROFILE:
        if ((v = dane_profile_lookup(arg)) < 0)
            return dl_err("--profile: '%s' is not rfc7672 or exchange-online", arg), -1;
        a->client.profile = (enum dane_profile)v;
        return 0;
    case O_NOW:
        if (dl_parse_time(arg, &a->client.now) != 0)
            return dl_err("--now '%s': expected @UNIX or YYYY-MM-DDTHH:MM:SSZ", arg), -1;
        a->client.has_now = true; /* @0 is the epoch, a time like any other */
        return 0;
    default:
        return -1;
    }
}

static int parse_args(int argc, char **argv, struct args *a, char **body)
{
    static const struct option opts[] = {
        {"trust-anchor", 1, 0, O_TA},  {"resolver", 1, 0, O_RES},
        {"root-hints", 1, 0, O_HINTS}, {"unbound-config", 1, 0, O_UCONF},
        {"probe", 0, 0, O_PROBE},      {"deliver", 0, 0, O_DELIVER},
        {"from", 1, 0, O_FROM},        {"to", 1, 0, O_TO},
        {"body", 1, 0, O_BODY},        {"body-file", 1, 0, O_BODYF},
        {"port", 1, 0, O_PORT},        {"helo", 1, 0, O_HELO},
        {"timeout", 1, 0, O_TIMEOUT},  {"profile", 1, 0, O_PROFILE},
        {"now", 1, 0, O_NOW},          {"retry", 0, 0, O_RETRY},
        {"json", 0, 0, O_JSON},        {"tlsrpt", 1, 0, O_TLSRPT},
        {"quiet", 0, 0, 'q'},          {"verbose", 0, 0, 'v'},
        {"help", 0, 0, 'h'},           {NULL, 0, 0, 0},
    };
    int c, verbose = 0;
    while ((c = getopt_long(argc, argv, "qvh", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            exit(0);
        }
        if (c == 'v')
            verbose++;
        else if (c == '?' || parse_one(c, optarg, a, body) != 0)
            return -1;
    }
    dl_log_init("dane-client", verbose);
    if (optind != argc - 1) {
        dl_err("expected one DOMAIN (see --help)");
        return -1;
    }
    a->domain = argv[optind];
    return 0;
}

/* One attempt at virtual time `now` (when `has_now`; else the clock), with
 * a fresh resolver (nothing cached from an earlier attempt). */
static int attempt(const struct args *a, SSL_CTX *tls, bool has_now, time_t now, bool final,
                   struct dane_client_result *r)
{
    struct dane_dns_opts dns = a->dns;
    struct dane_client_opts co = a->client;
    struct dl_error err;
    dane_dns *d;
    int rc;
    dns.has_now = co.has_now = has_now;
    dns.now = co.now = now;
    co.final = final;
    if ((d = dane_dns_new(&dns, &err)) == NULL) {
        dl_err("%s", err.msg);
        return -1;
    }
    rc = dane_client_run(d, tls, &co, a->domain, r, &err);
    if (rc != 0)
        dl_err("%s", err.msg);
    dane_dns_free(d);
    return rc;
}

/* --tlsrpt: the domain's TLSRPT policy (RFC 8460 section 3), said on
 * standard error. A report is written either way (it was asked for);
 * without a policy a sender would send none, and the message says so. */
static void tlsrpt_policy(const struct args *a, bool has_now, time_t now)
{
    struct dane_dns_opts dns = a->dns;
    struct dane_tlsrpt_policy p;
    struct dl_error err;
    dane_dns *d;
    dns.has_now = has_now;
    dns.now = now;
    memset(&p, 0, sizeof(p));
    if ((d = dane_dns_new(&dns, &err)) == NULL || dane_tlsrpt_lookup(d, a->domain, &p, &err) != 0)
        dl_warn("--tlsrpt: the TLSRPT policy of %s could not be looked up: %s", a->domain, err.msg);
    else if (p.found) {
        for (size_t i = 0; i < p.n_rua; i++)
            dl_info("--tlsrpt: %s asks for reports at %s", a->domain, p.rua[i]);
    } else
        dl_warn("--tlsrpt: %s publishes no TLSRPT policy (%s); a sender would send this report "
                "nowhere",
                a->domain, p.why);
    dane_tlsrpt_policy_clear(&p);
    dane_dns_free(d);
}

static void emit_text(const struct args *a, const struct dane_client_result *r, time_t when,
                      size_t n, size_t total)
{
    char ts[32];
    if (total > 1) {
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
        printf("--- attempt %zu of at most %zu at %s\n", n + 1, total, ts);
    }
    if (a->quiet) {
        struct dane_client_result brief = *r;
        brief.trace.data = NULL;
        dane_report_text(stdout, &brief, a->client.profile);
    } else
        dane_report_text(stdout, r, a->client.profile);
}

/* --retry: which schedule runs (dane_retry.h), before the attempts. */
static void retry_banner(enum dane_profile p)
{
    char text[256];
    printf("retry schedule %s (%s, profile %s): %s\n", dane_retry_name(p), dane_retry_source(p),
           dane_profile_name(p), dane_retry_describe(p, text, sizeof(text)));
}

/* --retry --json: "retry": {"schedule", "source", "expiry", "attempts"}. */
static json_t *retry_json(enum dane_profile p)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "schedule", dane_retry_name(p), "source",
                     dane_retry_source(p), "expiry", (json_int_t)dane_retry_expiry(p), "attempts",
                     (json_int_t)dane_retry_attempts(p));
}

/* The attempts (one, or the retry schedule) and the report. Returns the
 * exit status. */
static int run(const struct args *a, SSL_CTX *tls)
{
    int64_t times[DANE_RETRY_MAX];
    size_t n = a->retry ? dane_retry_schedule(a->client.profile, times, DANE_RETRY_MAX) : 1;
    bool virtual_time = a->client.has_now || a->retry; /* else each attempt reads the clock */
    time_t t0 = a->client.has_now ? a->client.now : time(NULL);
    json_t *attempts = json_array();
    enum dane_status last = DANE_DEFERRED;
    dane_tlsrpt *rpt = a->tlsrpt ? dane_tlsrpt_new(a->domain, a->client.port) : NULL;
    time_t when = t0;
    int rc;
    if (!a->retry)
        times[0] = 0;
    else if (!a->json)
        retry_banner(a->client.profile);
    for (size_t i = 0; i < n; i++) {
        struct dane_client_result r;
        bool final = a->retry && i == n - 1;
        when = t0 + (time_t)times[i];
        if (attempt(a, tls, virtual_time, when, final, &r) != 0) {
            json_decref(attempts);
            dane_tlsrpt_free(rpt);
            return 2;
        }
        if (rpt)
            dane_tlsrpt_add(rpt, &r);
        last = r.outcome.status;
        if (a->json) {
            json_t *o = dane_report_json(&r, a->client.profile);
            json_object_set_new(o, "time", json_integer((json_int_t)when));
            json_object_set_new(o, "offset", json_integer((json_int_t)times[i]));
            json_array_append_new(attempts, o);
        } else
            emit_text(a, &r, when, i, n);
        dane_client_result_clear(&r);
        if (last != DANE_DEFERRED)
            break;
    }
    if (a->json) {
        json_t *top = json_pack("{s:s, s:s, s:s, s:O}", "domain", a->domain, "profile",
                                dane_profile_name(a->client.profile), "status",
                                dane_status_name(last), "attempts", attempts);
        if (a->retry)
            json_object_set_new(top, "retry", retry_json(a->client.profile));
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(top);
    }
    json_decref(attempts);
    rc = last == DANE_DELIVERED ? 0 : 1;
    if (rpt) {
        struct dl_error err;
        tlsrpt_policy(a, virtual_time, t0);
        int w = dane_tlsrpt_write(rpt, a->tlsrpt, t0, when, &err);
        if (w < 0) {
            dl_err("--tlsrpt: %s", err.msg);
            rc = 2;
        } else if (w > 0)
            dl_warn("--tlsrpt: no report written: %s", err.msg);
        dane_tlsrpt_free(rpt);
    }
    return rc;
}

static STACK_OF(X509) * load_chain(const char *path)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    FILE *f = fopen(path, "r");
    X509 *x;
    if (f == NULL || chain == NULL) {
        dl_err("--chain %s: cannot open", path);
        if (f)
            fclose(f);
        sk_X509_free(chain);
        return NULL;
    }
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
        sk_X509_push(chain, x);
    ERR_clear_error(); /* the end of the file reads as an error */
    fclose(f);
    if (sk_X509_num(chain) == 0) {
        dl_err("--chain %s: no PEM certificate in it", path);
        sk_X509_free(chain);
        return NULL;
    }
    return chain;
}

static const char verify_usage[] =
    "usage: dane-client verify --tlsa 'U S M HEX'... --chain FILE.pem [--name HOST]...\n"
    "                          [--base DOMAIN] [--nexthop DOMAIN]... [--now TIME]\n"
    "\n"
    "Judge a certificate chain (PEM, leaf first) against TLSA records offline, as\n"
    "an SMTP client does after the handshake (RFC 7672 section 3).\n"
    "\n"
    "  --tlsa 'U S M HEX'  a TLSA record (repeatable); unusable ones are named and left out\n"
    "  --chain FILE.pem    what the server sends, leaf first\n"
    "  --base DOMAIN       the TLSA base domain: the SNI and first reference name\n"
    "                      (default: the first --name)\n"
    "  --name HOST         a reference name, e.g. the MX host (repeatable)\n"
    "  --nexthop DOMAIN    the recipient domain, or its CNAME expansion (repeatable)\n"
    "  --now TIME          judge validity at @UNIX or YYYY-MM-DDTHH:MM:SSZ (default: the clock)\n"
    "  -h, --help          this text\n"
    "\n"
    "DANE-TA(2) checks the names (base domain, MX host, next-hop domain; a wildcard\n"
    "only as a whole left-most label); it needs --base or --name. DANE-EE(3) checks\n"
    "no name and no date. At most 8 names besides the base domain.\n"
    "\n"
    "Exit status: 0 authenticated; 1 not authenticated, or only unusable records\n"
    "(TLS required, not authenticated); 2 usage error or unreadable input.\n";

struct verify_args {
    struct dane_tlsa *recs; /* every --tlsa (owned) */
    size_t n_recs;
    const char *chain, *base;
    struct dane_tls_setup setup; /* names and time; sni and records set later */
};

static void verify_args_clear(struct verify_args *v)
{
    for (size_t i = 0; i < v->n_recs; i++)
        dane_tlsa_clear(&v->recs[i]);
    free(v->recs);
}

static int verify_name(struct verify_args *v, const char *opt, const char *name)
{
    if (v->base == NULL && strcmp(opt, "name") == 0) {
        v->base = name; /* the first --name: the TLSA base domain */
        return 0;
    }
    if (dane_tls_setup_add_name(&v->setup, name) != 0)
        return dl_err("verify: --%s %s: at most %d reference names besides the base domain", opt,
                      name, DANE_TLS_MAX_NAMES),
               -1;
    return 0;
}

static int verify_tlsa(struct verify_args *v, const char *text)
{
    struct dane_tlsa *t = &v->recs[v->n_recs];
    if (dane_tlsa_from_text(text, t) != 0) {
        dane_tlsa_clear(t);
        return dl_err("verify: --tlsa '%s': expected 'USAGE SELECTOR MATCHING HEX'", text), -1;
    }
    v->n_recs++;
    return 0;
}

enum { V_TLSA = 256, V_CHAIN, V_NAME, V_BASE, V_NEXTHOP, V_NOW };

static int verify_one(int c, const char *arg, struct verify_args *v)
{
    switch (c) {
    case V_TLSA:
        return verify_tlsa(v, arg);
    case V_CHAIN:
        v->chain = arg;
        return 0;
    case V_BASE:
        if (v->base && v->base != arg && dane_tls_setup_add_name(&v->setup, v->base) != 0)
            return dl_err("verify: too many reference names"), -1;
        v->base = arg; /* an earlier first --name becomes an ordinary name */
        return 0;
    case V_NAME:
        return verify_name(v, "name", arg);
    case V_NEXTHOP:
        return verify_name(v, "nexthop", arg);
    case V_NOW:
        if (dl_parse_time(arg, &v->setup.now) != 0)
            return dl_err("verify: --now '%s': expected @UNIX or YYYY-MM-DDTHH:MM:SSZ", arg), -1;
        v->setup.has_now = true;
        return 0;
    default:
        return -1;
    }
}

/* Returns 0, 1 when --help was answered, -1 for a usage error. */
static int verify_parse(int argc, char **argv, struct verify_args *v)
{
    static const struct option opts[] = {
        {"tlsa", 1, 0, V_TLSA},       {"chain", 1, 0, V_CHAIN},
        {"name", 1, 0, V_NAME},       {"base", 1, 0, V_BASE},
        {"nexthop", 1, 0, V_NEXTHOP}, {"now", 1, 0, V_NOW},
        {"help", 0, 0, 'h'},          {NULL, 0, 0, 0},
    };
    int c;
    v->recs = dl_xcalloc((size_t)argc + 1, sizeof(*v->recs)); /* at most one per argument */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(verify_usage, stdout);
            return 1;
        }
        if (c == '?' || verify_one(c, optarg, v) != 0)
            return -1;
    }
    if (optind != argc)
        return dl_err("verify: unexpected argument '%s' (see --help)", argv[optind]), -1;
    if (v->n_recs == 0 || v->chain == NULL)
        return dl_err("verify: needs --tlsa (at least one) and --chain (see --help)"), -1;
    return 0;
}

/* The usable records into v->setup (a new array, which the caller frees);
 * says which are not. Returns how many are usable, or -1 when a DANE-TA
 * record has no base domain to check names against. */
static long verify_usable(struct verify_args *v, struct dane_tlsa **usable)
{
    bool ta = false;
    *usable = dl_xcalloc(v->n_recs, sizeof(**usable));
    for (size_t i = 0; i < v->n_recs; i++) {
        char text[200];
        dane_tlsa_format(&v->recs[i], text, sizeof(text), 64);
        if (v->recs[i].unusable) {
            printf("TLSA %s: unusable: %s\n", text, v->recs[i].unusable);
            continue;
        }
        ta = ta || v->recs[i].usage == 2;
        (*usable)[v->setup.n_tlsa++] = v->recs[i];
    }
    v->setup.tlsa = *usable;
    v->setup.sni = v->base;
    if (ta && v->base == NULL)
        return dl_err("verify: a DANE-TA(2) record needs the TLSA base domain to check names "
                      "against (--name or --base)"),
               -1;
    return (long)v->setup.n_tlsa;
}

static void print_verdict(const struct dane_tls_setup *s, const struct dane_tls_result *r)
{
    printf("chain of %d, leaf %s (SAN %s)\n", r->chain_len, r->subject, r->names);
    if (r->authenticated) {
        printf("authenticated: a usage %d record matched at depth %d%s\n", r->match_usage,
               r->match_depth,
               r->match_usage == 3 && (r->leaf_expired || r->leaf_not_yet_valid)
                   ? " (DANE-EE: the leaf's validity dates are ignored, RFC 7672 3.1.1)"
                   : "");
        return;
    }
    printf("not authenticated for %s: %s (%s)\n", s->sni ? s->sni : "(no name)",
           dane_reason_name(dane_tls_failure_reason(r)), r->verify_text);
    if (dane_tls_failure_reason(r) == DANE_R_HOST_MISMATCH)
        for (size_t i = 0; i < s->n_names; i++)
            printf("  nor for %s\n", s->names[i]);
}

/* Judge the chain; the exit status. */
static int verify_judge(const struct verify_args *v, STACK_OF(X509) * chain)
{
    struct dane_tls_result r;
    struct dl_error err;
    SSL_CTX *ctx;
    int rc = 2;
    if ((ctx = dane_tls_ctx_new(&err)) != NULL &&
        dane_tls_verify_chain(ctx, &v->setup, chain, &r, &err) == 0) {
        print_verdict(&v->setup, &r);
        rc = r.authenticated ? 0 : 1;
    } else
        dl_err("verify: %s", err.msg);
    SSL_CTX_free(ctx);
    return rc;
}

/* dane-client verify: a chain against TLSA records, offline. */
static int verify_main(int argc, char **argv)
{
    struct verify_args v = {0};
    struct dane_tlsa *usable = NULL;
    STACK_OF(X509) *chain = NULL;
    long n_usable;
    int rc = verify_parse(argc, argv, &v);
    if (rc != 0) {
        verify_args_clear(&v);
        return rc > 0 ? 0 : 2;
    }
    rc = 2;
    if ((n_usable = verify_usable(&v, &usable)) >= 0 && (chain = load_chain(v.chain)) != NULL) {
        if (n_usable == 0) /* RFC 7672 2.2: TLS is mandatory, names and keys unchecked */
            printf("TLS required, not authenticated: none of the %zu TLSA records is usable "
                   "(RFC 7672 2.2)\n",
                   v.n_recs);
        rc = n_usable == 0 ? 1 : verify_judge(&v, chain);
    }
    sk_X509_pop_free(chain, X509_free);
    free(usable);
    verify_args_clear(&v);
    return rc;
}

int main(int argc, char **argv)
{
    struct args a = {.client = {.port = 25, .timeout_ms = 30000}};
    struct dl_error err;
    char *body = NULL;
    SSL_CTX *tls;
    int rc;
    dl_log_init("dane-client", 0);
    if (argc > 1 && strcmp(argv[1], "verify") == 0)
        return verify_main(argc - 1, argv + 1);
    if (parse_args(argc, argv, &a, &body) != 0) {
        free(body);
        return 2;
    }
    if ((tls = dane_tls_ctx_new(&err)) == NULL) {
        dl_err("%s", err.msg);
        free(body);
        return 2;
    }
    rc = run(&a, tls);
    SSL_CTX_free(tls);
    free(body);
    return rc;
}
