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
    "  --retry               run the retry schedule (15 min, 15 min, then hourly; 24 h\n"
    "                        expiry) on a virtual clock, re-resolving each attempt\n"
    "Output:\n"
    "  --json                one JSON object (attempts, hosts, trace)\n"
    "  --tlsrpt FILE         write an RFC 8460 TLS-RPT report of the attempts to FILE\n"
    "  -q, --quiet           only the outcome lines;  -v  more messages\n"
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

static int parse_one(int c, const char *arg, struct args *a, char **body)
{
    long v;
    switch (c) {
    case O_TA:
        a->dns.trust_anchor = arg;
        return 0;
    case O_RES:
        a->dns.resolver = arg;
        return 0;
    case O_HINTS:
        a->dns.root_hints = arg;
        return 0;
    case O_UCONF:
        a->dns.config = arg;
        return 0;
    case O_PROBE:
        a->client.deliver = false;
        return 0;
    case O_DELIVER:
        a->client.deliver = true;
        return 0;
    case O_FROM:
        a->client.from = arg;
        return 0;
    case O_TO:
        a->client.to = arg;
        return 0;
    case O_BODY:
        a->client.message = arg;
        return 0;
    case O_BODYF:
        return (*body = read_body(arg)) ? (a->client.message = *body, 0) : -1;
    case O_HELO:
        a->client.helo = arg;
        return 0;
    case O_RETRY:
        a->retry = true;
        return 0;
    case O_JSON:
        a->json = true;
        return 0;
    case O_TLSRPT:
        a->tlsrpt = arg;
        return 0;
    case 'q':
        a->quiet = true;
        return 0;
    case O_PORT:
    case O_TIMEOUT:
        v = strtol(arg, NULL, 10);
        if (v <= 0 || v > 65535)
            return dl_err("--%s: expected a number from 1 to 65535",
                          c == O_PORT ? "port" : "timeout"),
                   -1;
        if (c == O_PORT)
            a->client.port = (unsigned)v;
        else
            a->client.timeout_ms = (int)v * 1000;
        return 0;
    case O_PROFILE:
        if ((v = dane_profile_lookup(arg)) < 0)
            return dl_err("--profile: '%s' is not rfc7672 or exchange-online", arg), -1;
        a->client.profile = (enum dane_profile)v;
        return 0;
    case O_NOW:
        if (dl_parse_time(arg, &a->client.now) != 0)
            return dl_err("--now '%s': expected @UNIX or YYYY-MM-DDTHH:MM:SSZ", arg), -1;
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

/* One attempt at virtual time `now` (0: the clock), with a fresh resolver
 * (nothing cached from an earlier attempt). */
static int attempt(const struct args *a, SSL_CTX *tls, time_t now, bool final,
                   struct dane_client_result *r)
{
    struct dane_dns_opts dns = a->dns;
    struct dane_client_opts co = a->client;
    struct dl_error err;
    dane_dns *d;
    int rc;
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
static void tlsrpt_policy(const struct args *a, time_t now)
{
    struct dane_dns_opts dns = a->dns;
    struct dane_tlsrpt_policy p;
    struct dl_error err;
    dane_dns *d;
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

/* The attempts (one, or the retry schedule) and the report. Returns the
 * exit status. */
static int run(const struct args *a, SSL_CTX *tls)
{
    int64_t times[64];
    size_t n = a->retry ? dane_retry_schedule(a->client.profile, times, 64) : 1;
    time_t t0 = a->client.now ? a->client.now : time(NULL);
    json_t *attempts = json_array();
    enum dane_status last = DANE_DEFERRED;
    dane_tlsrpt *rpt = a->tlsrpt ? dane_tlsrpt_new(a->domain, a->client.port) : NULL;
    time_t when = t0;
    int rc;
    if (!a->retry)
        times[0] = 0;
    for (size_t i = 0; i < n; i++) {
        struct dane_client_result r;
        bool final = a->retry && i == n - 1;
        when = t0 + (time_t)times[i];
        if (attempt(a, tls, a->client.now || a->retry ? when : 0, final, &r) != 0) {
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
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(top);
    }
    json_decref(attempts);
    rc = last == DANE_DELIVERED ? 0 : 1;
    if (rpt) {
        struct dl_error err;
        tlsrpt_policy(a, a->client.now || a->retry ? t0 : 0);
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
    printf("not authenticated for %s: %s (%s)\n", s->sni,
           dane_reason_name(dane_tls_failure_reason(r)), r->verify_text);
}

/* dane-client verify: a chain against TLSA records, offline. */
static int verify_main(int argc, char **argv)
{
    struct dane_tlsa recs[16];
    struct dane_tls_setup s = {0};
    struct dane_tls_result r;
    struct dl_error err;
    const char *chain_path = NULL;
    STACK_OF(X509) * chain;
    SSL_CTX *ctx;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (val == NULL) {
            dl_err("verify: %s needs a value (see --help)", opt);
            return 2;
        }
        i++;
        if (strcmp(opt, "--tlsa") == 0 && s.n_tlsa < 16) {
            if (dane_tlsa_from_text(val, &recs[s.n_tlsa]) != 0) {
                dl_err("verify: --tlsa '%s': expected 'USAGE SELECTOR MATCHING HEX'", val);
                return 2;
            }
            if (recs[s.n_tlsa].unusable)
                printf("TLSA %s: unusable: %s\n", val, recs[s.n_tlsa].unusable);
            else
                s.n_tlsa++;
        } else if (strcmp(opt, "--chain") == 0)
            chain_path = val;
        else if (strcmp(opt, "--name") == 0)
            s.sni = val;
        else if (strcmp(opt, "--now") == 0 && dl_parse_time(val, &s.now) == 0)
            continue;
        else {
            dl_err("verify: unknown or bad option '%s %s' (see --help)", opt, val);
            return 2;
        }
    }
    if (s.n_tlsa == 0 || chain_path == NULL || s.sni == NULL) {
        dl_err("verify: needs --tlsa (at least one usable record), --chain and --name");
        return 2;
    }
    s.tlsa = recs;
    if ((chain = load_chain(chain_path)) == NULL)
        return 2;
    if ((ctx = dane_tls_ctx_new(&err)) != NULL &&
        dane_tls_verify_chain(ctx, &s, chain, &r, &err) == 0) {
        print_verdict(&s, &r);
        rc = r.authenticated ? 0 : 1;
    } else
        dl_err("verify: %s", err.msg);
    SSL_CTX_free(ctx);
    sk_X509_pop_free(chain, X509_free);
    for (size_t i = 0; i < s.n_tlsa; i++)
        dane_tlsa_clear(&recs[i]);
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
