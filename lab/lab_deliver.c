#include "lab_deliver.h"

#include "dane_client.h"
#include "dane_tlsrpt.h"
#include "dl_util.h"
#include "lab_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DELIVER_TIMEOUT_MS 5000

struct lab_deliver {
    char *anchor;
    char resolver[32];
    time_t now;
    SSL_CTX *tls;
};

lab_deliver *lab_deliver_new(const char *run_dir, time_t now, struct dl_error *err)
{
    lab_deliver *d = dl_xcalloc(1, sizeof(*d));
    d->anchor = dl_xasprintf("%s/root.key", run_dir);
    snprintf(d->resolver, sizeof(d->resolver), "%s@%d", LAB_ADDR_RESOLVER, LAB_DNS_PORT);
    d->now = now;
    if ((d->tls = dane_tls_ctx_new(err)) == NULL) {
        lab_deliver_free(d);
        return NULL;
    }
    return d;
}

void lab_deliver_free(lab_deliver *d)
{
    if (d == NULL)
        return;
    SSL_CTX_free(d->tls);
    free(d->anchor);
    free(d);
}

static enum dane_profile client_profile(enum scen_profile p)
{
    return p == SCEN_PROFILE_EXCHANGE_ONLINE ? DANE_PROFILE_EXCHANGE_ONLINE : DANE_PROFILE_RFC7672;
}

/* Compare the expectation with what the client reported. */
static void judge(const struct scen_expect *e, struct lab_deliver_result *r)
{
    const struct dane_outcome *o = &r->observed;
    const char *status = dane_status_name(o->status), *reason = dane_reason_name(o->reason);
    r->pass = false;
    if (strcmp(e->status, status) != 0 || strcmp(e->code, o->code) != 0)
        snprintf(r->mismatch, sizeof(r->mismatch), "expected %s %s, observed %s %s", e->status,
                 e->code, status, o->code);
    else if (e->reason && strcmp(e->reason, reason) != 0)
        snprintf(r->mismatch, sizeof(r->mismatch), "expected reason %s, observed %s", e->reason,
                 reason);
    else if (e->tlsrpt && (o->tlsrpt == NULL || strcmp(e->tlsrpt, o->tlsrpt) != 0))
        snprintf(r->mismatch, sizeof(r->mismatch), "expected TLS-RPT %s, observed %s", e->tlsrpt,
                 o->tlsrpt ? o->tlsrpt : "none");
    else
        r->pass = true;
}

/* The domain's TLS-RPT policy (_smtp._tls TXT through the lab's
 * validating resolver), looked up once per report. */
static int note_policy(dane_dns *resolver, const struct scen *s, dane_tlsrpt *rpt,
                       struct dl_error *err)
{
    struct dane_tlsrpt_policy pol;
    if (dane_tlsrpt_policy_known(rpt))
        return 0;
    if (dane_tlsrpt_lookup(resolver, s->domain, &pol, err) != 0)
        return dl_error_prefix(err, "TLS-RPT policy of %s", s->domain);
    dane_tlsrpt_set_policy(rpt, &pol);
    dane_tlsrpt_policy_clear(&pol);
    return 0;
}

int lab_deliver_check(lab_deliver *d, const struct scen *s, enum scen_profile p,
                      struct lab_deliver_result *r, struct dl_error *err)
{
    return lab_deliver_check_report(d, s, p, r, NULL, err);
}

int lab_deliver_check_report(lab_deliver *d, const struct scen *s, enum scen_profile p,
                             struct lab_deliver_result *r, dane_tlsrpt *rpt, struct dl_error *err)
{
    struct dane_dns_opts dns = {
        .trust_anchor = d->anchor, .resolver = d->resolver, .has_now = true, .now = d->now};
    struct dane_client_opts co = {.profile = client_profile(p),
                                  .port = 25,
                                  .timeout_ms = DELIVER_TIMEOUT_MS,
                                  .has_now = true,
                                  .now = d->now};
    struct dane_client_result cr;
    dane_dns *resolver;
    memset(r, 0, sizeof(*r));
    r->profile = p;
    if ((resolver = dane_dns_new(&dns, err)) == NULL)
        return -1;
    if (dane_client_run(resolver, d->tls, &co, s->domain, &cr, err) != 0) {
        dane_dns_free(resolver);
        return -1;
    }
    r->observed = cr.outcome;
    if (rpt != NULL && note_policy(resolver, s, rpt, err) != 0) {
        dane_client_result_clear(&cr);
        dane_dns_free(resolver);
        return -1;
    }
    if (rpt != NULL)
        dane_tlsrpt_add(rpt, &cr);
    snprintf(r->detail, sizeof(r->detail), "%s", cr.detail);
    judge(&s->expect[p], r);
    dane_client_result_clear(&cr);
    dane_dns_free(resolver);
    return 0;
}
