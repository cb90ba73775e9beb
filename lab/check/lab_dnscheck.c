#include "lab_dnscheck.h"

#include "dane_dns.h"
#include "dl_ede.h"
#include "dl_util.h"
#include "lab_conf.h"
#include "lab_dnsask.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lab_dnscheck {
    lab_dnsask *ask; /* a resolver other than Unbound: asked directly */
    enum scen_validator validator;
};

enum scen_validator lab_dnscheck_validator(const lab_dnscheck *c)
{
    return c->validator;
}

lab_dnscheck *lab_dnscheck_new(const char *run, struct dl_error *err)
{
    lab_dnscheck *c = dl_xcalloc(1, sizeof(*c));
    enum lab_resolver r = lab_resconf_current(run);
    c->validator = (enum scen_validator)r; /* same order (lab_resconf.c) */
    if (r != LAB_RESOLVER_UNBOUND && (c->ask = lab_dnsask_new(LAB_ADDR_RESOLVER, err)) == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

bool lab_dnscheck_validates(const lab_dnscheck *c)
{
    return c->ask == NULL;
}

void lab_dnscheck_free(lab_dnscheck *c)
{
    if (c == NULL)
        return;
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

/* What the in-process validator made of the lab resolver's answer. */
static void classify(const struct dane_dns_answer *a, struct lab_dnscheck_result *r)
{
    r->own_reason = true;
    r->ede = -1;
    r->rcode = a->rcode;
    r->n_answers = (int)a->n_rrs;
    if (a->verdict == DANE_DNS_BOGUS) {
        r->observed = SCEN_DNSSEC_BOGUS;
        snprintf(r->why, sizeof(r->why), "%s", a->why);
    } else if (a->rcode == LDNS_RCODE_SERVFAIL) {
        r->observed = SCEN_DNSSEC_SERVFAIL;
        snprintf(r->why, sizeof(r->why), "SERVFAIL");
    } else {
        r->observed = a->verdict == DANE_DNS_SECURE ? SCEN_DNSSEC_SECURE : SCEN_DNSSEC_INSECURE;
        if (r->observed == SCEN_DNSSEC_SECURE && a->nxdomain)
            r->observed = SCEN_DNSSEC_NXDOMAIN;
        else if (r->observed == SCEN_DNSSEC_SECURE && a->n_rrs == 0)
            r->observed = SCEN_DNSSEC_NODATA;
        snprintf(r->why, sizeof(r->why), "%s, %d record%s", a->nxdomain ? "NXDOMAIN" : "NOERROR",
                 r->n_answers, r->n_answers == 1 ? "" : "s");
    }
}

static int lookup(lab_dnscheck *c, dane_dns *via, const char *scen, const char *name, int type,
                  struct lab_dnscheck_result *r, struct dl_error *err)
{
    struct dane_dns_answer ans;
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
    if (dane_dns_lookup(via, name, type, &ans, err) != 0)
        return dl_error_prefix(err, "%s", scen);
    classify(&ans, r);
    if (ans.canonname != NULL)
        snprintf(r->canonname, sizeof(r->canonname), "%s", ans.canonname);
    dane_dns_answer_clear(&ans);
    return 0;
}

/* The scenario's MX RRset (its A RRset for an implicit MX), classified. */
static int lookup_domain(lab_dnscheck *c, dane_dns *via, const struct scen *s,
                         struct lab_dnscheck_result *r, struct dl_error *err)
{
    return lookup(c, via, s->name, s->domain, s->implicit_mx ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_MX, r,
                  err);
}

static char *absolute(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && name[n - 1] == '.' ? dl_xstrdup(name) : dl_xasprintf("%s.", name);
}

void lab_dnscheck_results_init(struct lab_dnscheck_result r[SCEN_RRSET_COUNT])
{
    memset(r, 0, SCEN_RRSET_COUNT * sizeof(*r));
    for (int k = 0; k < SCEN_RRSET_COUNT; k++)
        r[k].ede = -1;
}

int lab_dnscheck_rrsets(lab_dnscheck *c, dane_dns *via, const struct scen *s,
                        struct lab_dnscheck_result r[SCEN_RRSET_COUNT], struct dl_error *err)
{
    const struct scen_host *h = s->n_hosts > 0 ? &s->hosts[0] : NULL;
    char *base, *tlsa;
    int rc;
    lab_dnscheck_results_init(r);
    if (lookup_domain(c, via, s, &r[SCEN_RRSET_MX], err) != 0)
        return -1;
    if (h == NULL)
        return 0;
    if (lookup(c, via, s->name, h->name, LDNS_RR_TYPE_A, &r[SCEN_RRSET_A], err) != 0)
        return -1;
    base = absolute(r[SCEN_RRSET_A].canonname[0] && !h->tlsa_at_original ? r[SCEN_RRSET_A].canonname
                                                                         : h->name);
    tlsa = dl_xasprintf("_%u._tcp.%s", h->n_tlsa > 0 ? h->tlsa[0].port : 25, base);
    rc = lookup(c, via, s->name, tlsa, LDNS_RR_TYPE_TLSA, &r[SCEN_RRSET_TLSA], err);
    if (rc == 0)
        rc = lookup(c, via, s->name, h->name, LDNS_RR_TYPE_AAAA, &r[SCEN_RRSET_AAAA], err);
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
