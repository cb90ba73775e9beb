#include "dane_tlsrpt.h"

#include "dl_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dane_tlsrpt {
    char *domain;
    json_t *policies; /* object: MX host -> policy object being built */
};

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
    free(r->domain);
    free(r);
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
