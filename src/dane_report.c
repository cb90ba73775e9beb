#include "dane_report.h"

#include <string.h>

static json_t *outcome_json(const struct dane_outcome *o)
{
    char reply[512];
    dane_outcome_reply(o, reply, sizeof(reply));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s*, s:s}", "status", dane_status_name(o->status),
                     "code", o->code, "name", o->name, "text", o->text, "reason",
                     dane_reason_name(o->reason), "tlsrpt", o->tlsrpt, "reply", reply);
}

static json_t *tlsa_json(const struct dane_host_result *h)
{
    json_t *a = json_array();
    for (size_t i = 0; i < h->n_tlsa; i++) {
        char text[400];
        dane_tlsa_format(&h->tlsa[i], text, sizeof(text), 256);
        json_array_append_new(a,
                              json_pack("{s:s, s:b, s:s*}", "record", text, "usable",
                                        h->tlsa[i].unusable == NULL, "why", h->tlsa[i].unusable));
    }
    return a;
}

static json_t *tls_json(const struct dane_host_result *h)
{
    const struct dane_tls_result *t = &h->tls;
    if (!h->tls_used)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:i, s:i, s:b, s:b}", "version",
                     t->version, "cipher", t->cipher, "subject", t->subject, "issuer", t->issuer,
                     "names", t->names, "chain_length", t->chain_len, "verify", t->verify_text,
                     "authenticated", t->authenticated, "match_usage", t->match_usage,
                     "match_depth", t->match_depth, "leaf_expired", t->leaf_expired,
                     "leaf_not_yet_valid", t->leaf_not_yet_valid);
}

static json_t *host_json(const struct dane_host_result *h)
{
    return json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:s*, s:s, s:o, s:s, s:b, s:o, s:s, s:o}", "name", h->name,
        "preference", h->preference, "address", h->address, "address_dnssec",
        dane_dns_verdict_name(h->addr_verdict), "tlsa_base", h->tlsa_base, "tlsa_base_why",
        h->base_why, "tlsa_dnssec", dane_dns_verdict_name(h->tlsa_verdict), "tlsa", tlsa_json(h),
        "policy", dane_host_policy_name(h->policy), "starttls_offered", h->starttls_offered, "tls",
        tls_json(h), "last_reply", h->last_reply, "outcome", outcome_json(&h->outcome));
}

static json_t *trace_json(const struct dane_client_result *r)
{
    json_t *a = json_array();
    const char *p = r->trace.data;
    while (p && *p) {
        size_t n = strcspn(p, "\n");
        json_array_append_new(a, json_stringn(p, n));
        p += n + (p[n] == '\n');
    }
    return a;
}

json_t *dane_report_json(const struct dane_client_result *r, enum dane_profile p)
{
    json_t *hosts = json_array();
    json_t *o = outcome_json(&r->outcome);
    for (size_t i = 0; i < r->n_hosts; i++)
        json_array_append_new(hosts, host_json(&r->hosts[i]));
    json_object_set_new(o, "domain", json_string(r->domain));
    json_object_set_new(o, "profile", json_string(dane_profile_name(p)));
    json_object_set_new(o, "detail", json_string(r->detail));
    json_object_set_new(
        o, "mx",
        json_pack("{s:s, s:s}", "dnssec", dane_dns_verdict_name(r->mx_verdict), "why", r->mx_why));
    json_object_set_new(o, "hosts", hosts);
    json_object_set_new(o, "trace", trace_json(r));
    return o;
}

void dane_report_text(FILE *out, const struct dane_client_result *r, enum dane_profile p)
{
    char reply[512];
    dane_outcome_reply(&r->outcome, reply, sizeof(reply));
    if (r->trace.data)
        fputs(r->trace.data, out);
    fprintf(out, "%s: %s %s (%s, profile %s)%s%s\n", r->domain, dane_status_name(r->outcome.status),
            r->outcome.code, dane_reason_name(r->outcome.reason), dane_profile_name(p),
            r->outcome.tlsrpt ? ", TLS-RPT " : "", r->outcome.tlsrpt ? r->outcome.tlsrpt : "");
    if (r->outcome.status != DANE_DELIVERED)
        fprintf(out, "%s\n", reply);
}
