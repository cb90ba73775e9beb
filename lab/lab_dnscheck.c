#include "lab_dnscheck.h"

#include "dl_util.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

struct lab_dnscheck {
    struct ub_ctx *ctx;
};

static int set_opt(struct ub_ctx *ctx, const char *opt, const char *val, struct dl_error *err)
{
    int rc = ub_ctx_set_option(ctx, opt, val);
    if (rc != 0)
        return dl_error_set(err, "libunbound option %s %s: %s", opt, val, ub_strerror(rc));
    return 0;
}

lab_dnscheck *lab_dnscheck_new(const char *run, struct dl_error *err)
{
    lab_dnscheck *c = dl_xcalloc(1, sizeof(*c));
    char *conf = dl_xasprintf("%s/etc/libunbound.conf", run);
    char *anchor = dl_xasprintf("%s/root.key", run);
    int rc = -1;
    c->ctx = ub_ctx_create();
    if (c->ctx == NULL)
        dl_error_set(err, "libunbound: cannot create a context");
    else if ((rc = ub_ctx_config(c->ctx, conf)) != 0)
        dl_error_set(err, "%s: %s", conf, ub_strerror(rc));
    else if (set_opt(c->ctx, "val-log-level:", "2", err) == 0) {
        rc = ub_ctx_add_ta_file(c->ctx, anchor);
        if (rc != 0)
            dl_error_set(err, "%s: %s", anchor, ub_strerror(rc));
    } else
        rc = -1;
    free(conf);
    free(anchor);
    if (rc != 0) {
        lab_dnscheck_free(c);
        return NULL;
    }
    return c;
}

void lab_dnscheck_free(lab_dnscheck *c)
{
    if (c == NULL)
        return;
    if (c->ctx)
        ub_ctx_delete(c->ctx);
    free(c);
}

static void classify(const struct ub_result *res, struct lab_dnscheck_result *r)
{
    r->rcode = res->rcode;
    r->n_answers = 0;
    while (res->data && res->data[r->n_answers])
        r->n_answers++;
    if (res->bogus) {
        r->observed = SCEN_DNSSEC_BOGUS;
        snprintf(r->why, sizeof(r->why), "%s", res->why_bogus ? res->why_bogus : "bogus");
    } else if (res->rcode == LDNS_RCODE_SERVFAIL) {
        r->observed = SCEN_DNSSEC_SERVFAIL;
        snprintf(r->why, sizeof(r->why), "SERVFAIL");
    } else {
        r->observed = res->secure ? SCEN_DNSSEC_SECURE : SCEN_DNSSEC_INSECURE;
        snprintf(r->why, sizeof(r->why), "%s, %d record%s", res->nxdomain ? "NXDOMAIN" : "NOERROR",
                 r->n_answers, r->n_answers == 1 ? "" : "s");
    }
}

int lab_dnscheck_domain(lab_dnscheck *c, const struct scen *s, struct lab_dnscheck_result *r,
                        struct dl_error *err)
{
    struct ub_result *res = NULL;
    int type = s->implicit_mx ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_MX;
    int rc = ub_resolve(c->ctx, s->domain, type, LDNS_RR_CLASS_IN, &res);
    memset(r, 0, sizeof(*r));
    if (rc != 0)
        return dl_error_set(err, "%s: lookup of %s %s failed: %s", s->name, s->domain,
                            s->implicit_mx ? "A" : "MX", ub_strerror(rc));
    classify(res, r);
    ub_resolve_free(res);
    return 0;
}
