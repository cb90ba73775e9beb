#include "lab_dnscheck.h"

#include "dane_dns.h"
#include "dane_ub.h"
#include "dl_ede.h"
#include "dl_util.h"
#include "lab_conf.h"
#include "lab_dnsask.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unbound.h>

struct lab_dnscheck {
    dane_ub *ub;     /* Unbound: libunbound in-process */
    lab_dnsask *ask; /* another resolver: asked directly */
    enum scen_validator validator;
};

enum scen_validator lab_dnscheck_validator(const lab_dnscheck *c)
{
    return c->validator;
}

static int set_opt(struct ub_ctx *ctx, const char *opt, const char *val, struct dl_error *err)
{
    int rc = ub_ctx_set_option(ctx, opt, val);
    if (rc != 0)
        return dl_error_set(err, "libunbound option %s %s: %s", opt, val, ub_strerror(rc));
    return 0;
}

lab_dnscheck *lab_dnscheck_new(const char *run, struct dl_error *err)
{
    lab_dnscheck *c;
    enum lab_resolver r = lab_resconf_current(run);
    if (r != LAB_RESOLVER_UNBOUND) {
        lab_dnsask *a = lab_dnsask_new(LAB_ADDR_RESOLVER, err);
        if (a == NULL)
            return NULL;
        c = dl_xcalloc(1, sizeof(*c));
        c->ask = a;
        c->validator = (enum scen_validator)r; /* same order (lab_resconf.c) */
        return c;
    }
    c = dl_xcalloc(1, sizeof(*c));
    char *conf = dl_xasprintf("%s/etc/libunbound.conf", run);
    char *anchor = dl_xasprintf("%s/root.key", run);
    int rc = -1;
    /* In the process that checks (a run worker, after its fork): the
     * context's thread lives as long as the checker (dane_ub.h). */
    if ((c->ub = dane_ub_new(err)) == NULL)
        rc = -1;
    else if ((rc = ub_ctx_config(dane_ub_ctx(c->ub), conf)) != 0)
        dl_error_set(err, "%s: %s", conf, ub_strerror(rc));
    else if (set_opt(dane_ub_ctx(c->ub), "val-log-level:", "2", err) == 0) {
        rc = ub_ctx_add_ta_file(dane_ub_ctx(c->ub), anchor);
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
    dane_ub_free(c->ub);
    lab_dnsask_free(c->ask);
    free(c);
}

/* What the resolver asked directly said, as libunbound's verdicts: a
 * SERVFAIL answered with CD is bogus, else a plain SERVFAIL; AD set is
 * secure (NXDOMAIN and NODATA as such), clear is insecure. */
static void classify_asked(const struct lab_dnsask_answer *a, struct lab_dnscheck_result *r)
{
    char ede[300] = "", t[260];
    r->rcode = a->rcode;
    r->n_answers = a->n_answers;
    r->ede = a->ede;
    snprintf(r->ede_text, sizeof(r->ede_text), "%s", a->ede_text);
    snprintf(r->canonname, sizeof(r->canonname), "%s", a->canonname);
    if (a->ede >= 0)
        snprintf(ede, sizeof(ede), "; %s", dl_ede_text(t, sizeof(t), a->ede, a->ede_text));
    if (a->rcode == LDNS_RCODE_SERVFAIL) {
        r->observed = a->cd_answered ? SCEN_DNSSEC_BOGUS : SCEN_DNSSEC_SERVFAIL;
        snprintf(r->why, sizeof(r->why), "SERVFAIL (%s)%s",
                 a->cd_answered ? "answered with CD: bogus" : "also with CD", ede);
        return;
    }
    r->observed = a->ad ? SCEN_DNSSEC_SECURE : SCEN_DNSSEC_INSECURE;
    if (a->ad && a->rcode == LDNS_RCODE_NXDOMAIN)
        r->observed = SCEN_DNSSEC_NXDOMAIN;
    else if (a->ad && a->n_answers == 0)
        r->observed = SCEN_DNSSEC_NODATA;
    snprintf(r->why, sizeof(r->why), "%s, %d record%s, AD %s%s",
             a->rcode == LDNS_RCODE_NXDOMAIN ? "NXDOMAIN"
             : a->rcode == 0                 ? "NOERROR"
                                             : "RCODE",
             a->n_answers, a->n_answers == 1 ? "" : "s", a->ad ? "set" : "clear", ede);
}

static void classify(const struct ub_result *res, struct lab_dnscheck_result *r)
{
    r->own_reason = true;
    r->ede = -1;
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
        if (res->secure && res->nxdomain)
            r->observed = SCEN_DNSSEC_NXDOMAIN;
        else if (res->secure && !res->havedata)
            r->observed = SCEN_DNSSEC_NODATA;
        snprintf(r->why, sizeof(r->why), "%s, %d record%s", res->nxdomain ? "NXDOMAIN" : "NOERROR",
                 r->n_answers, r->n_answers == 1 ? "" : "s");
    }
}

static int lookup(lab_dnscheck *c, const char *scen, const char *name, int type,
                  struct lab_dnscheck_result *r, struct dl_error *err)
{
    struct ub_result *res = NULL;
    char *t = ldns_rr_type2str((ldns_rr_type)type);
    memset(r, 0, sizeof(*r));
    r->ede = -1;
    snprintf(r->qname, sizeof(r->qname), "%s", name);
    snprintf(r->qtype, sizeof(r->qtype), "%s", t);
    free(t);
    if (c->ask != NULL) {
        struct lab_dnsask_answer a;
        struct dl_error e;
        if (lab_dnsask_lookup(c->ask, name, type, &a, &e) != 0)
            return dl_error_set(err, "%s: lookup of %s %s failed: %s", scen, name, r->qtype, e.msg);
        classify_asked(&a, r);
        return 0;
    }
    /* The lab's libunbound iterates from the lab root's hints. */
    if (dane_ub_resolve(c->ub, name, type, DANE_DNS_TIMEOUT_MS, "root hints", &res, err) != 0)
        return dl_error_prefix(err, "%s: lookup failed", scen);
    classify(res, r);
    if (res->canonname != NULL && strcasecmp(res->canonname, name) != 0)
        snprintf(r->canonname, sizeof(r->canonname), "%s", res->canonname);
    ub_resolve_free(res);
    return 0;
}

/* The scenario's MX RRset (its A RRset for an implicit MX), classified. */
static int lookup_domain(lab_dnscheck *c, const struct scen *s, struct lab_dnscheck_result *r,
                         struct dl_error *err)
{
    return lookup(c, s->name, s->domain, s->implicit_mx ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_MX, r, err);
}

static char *absolute(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && name[n - 1] == '.' ? dl_xstrdup(name) : dl_xasprintf("%s.", name);
}

int lab_dnscheck_rrsets(lab_dnscheck *c, const struct scen *s,
                        struct lab_dnscheck_result r[SCEN_RRSET_COUNT], struct dl_error *err)
{
    const struct scen_host *h = s->n_hosts > 0 ? &s->hosts[0] : NULL;
    char *base, *tlsa;
    int rc;
    memset(r, 0, SCEN_RRSET_COUNT * sizeof(*r));
    for (int k = 0; k < SCEN_RRSET_COUNT; k++)
        r[k].ede = -1;
    if (lookup_domain(c, s, &r[SCEN_RRSET_MX], err) != 0)
        return -1;
    if (h == NULL)
        return 0;
    if (lookup(c, s->name, h->name, LDNS_RR_TYPE_A, &r[SCEN_RRSET_A], err) != 0)
        return -1;
    base = absolute(r[SCEN_RRSET_A].canonname[0] && !h->tlsa_at_original ? r[SCEN_RRSET_A].canonname
                                                                         : h->name);
    tlsa = dl_xasprintf("_%u._tcp.%s", h->n_tlsa > 0 ? h->tlsa[0].port : 25, base);
    rc = lookup(c, s->name, tlsa, LDNS_RR_TYPE_TLSA, &r[SCEN_RRSET_TLSA], err);
    if (rc == 0)
        rc = lookup(c, s->name, h->name, LDNS_RR_TYPE_AAAA, &r[SCEN_RRSET_AAAA], err);
    free(base);
    free(tlsa);
    return rc;
}

bool lab_dnscheck_meets(const struct scen_verdict *v, const struct lab_dnscheck_result *r)
{
    if (v->verdict != r->observed)
        return false;
    return v->verdict != SCEN_DNSSEC_BOGUS || v->reason == NULL || !r->own_reason ||
           strcasestr(r->why, v->reason) != NULL;
}
