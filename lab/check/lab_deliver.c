#include "lab_deliver.h"

#include "dane_client.h"
#include "dane_tlsrpt.h"
#include "dl_util.h"
#include "lab_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lab_deliver {
    char *anchor;
    char *config; /* RUN/LAB_CLIENT_UB_CONF */
    char resolver_addr[32];
    time_t now;
    SSL_CTX *tls;
    dane_dns *resolver; /* made at its first use, in the process that checks */
    char *memo_scen;    /* the scenario whose answers the context's memo holds */
    bool exact;         /* lab_deliver_set_exact: run the client for every profile */
    /* The last run of the client, delivering [1] and probing [0], kept
     * for the same scenario's other profile (dane_client_same_path). */
    struct kept {
        char *scen; /* its scenario, or NULL */
        struct dane_client_result cr;
    } kept[2];
};

static void kept_clear(struct kept *k)
{
    if (k->scen != NULL)
        dane_client_result_clear(&k->cr);
    free(k->scen);
    k->scen = NULL;
}

lab_deliver *lab_deliver_new(const char *run_dir, time_t now, struct dl_error *err)
{
    lab_deliver *d = dl_xcalloc(1, sizeof(*d));
    d->anchor = dl_xasprintf("%s/root.key", run_dir);
    d->config = dl_xasprintf("%s/" LAB_CLIENT_UB_CONF, run_dir);
    snprintf(d->resolver_addr, sizeof(d->resolver_addr), "%s@%d", LAB_ADDR_RESOLVER, LAB_DNS_PORT);
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
    kept_clear(&d->kept[0]);
    kept_clear(&d->kept[1]);
    SSL_CTX_free(d->tls);
    dane_dns_free(d->resolver);
    free(d->memo_scen);
    free(d->anchor);
    free(d->config);
    free(d);
}

void lab_deliver_set_exact(lab_deliver *d, bool exact)
{
    d->exact = exact;
}

/* Compare an expectation with what the client reported. */
static void judge(const struct scen_accept *a, struct lab_deliver_check *c)
{
    const struct dane_outcome *o = &c->observed;
    c->matched =
        scen_accept_match(a, dane_status_name(o->status), o->code, dane_reason_name(o->reason),
                          o->tlsrpt, c->mismatch, sizeof(c->mismatch));
    c->pass = c->matched >= 0;
    if (c->pass)
        c->mismatch[0] = '\0';
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

/* The resolver context of this process: made at the first check, then
 * kept for every scenario this process checks (a run worker: after its
 * fork, as dane_ub.h wants), so that its background thread and what it
 * validated once (the lab root's and TLD's keys) serve them all. Its memo
 * (dane_dns.h) holds the answers of one scenario's checks: the DNS
 * check's lookups are its deliveries' too, and are not asked again, so
 * after bogus records each check keeps the validator's first reason (a
 * question asked again of libunbound would get "key ... is marked as
 * invalid"). NULL on error (err set). */
dane_dns *lab_deliver_resolver(lab_deliver *d, const struct scen *s, struct dl_error *err)
{
    struct dane_dns_opts dns = {.trust_anchor = d->anchor,
                                .resolver = d->resolver_addr,
                                .config = d->config,
                                .has_now = true,
                                .now = d->now,
                                .timeout_ms = DANE_DNS_TIMEOUT_MS};
    if (d->resolver == NULL) {
        if ((d->resolver = dane_dns_new(&dns, err)) == NULL)
            return NULL;
        dane_dns_memo_on(d->resolver);
    }
    if (d->memo_scen == NULL || strcmp(d->memo_scen, s->name) != 0) {
        dane_dns_memo_clear(d->resolver);
        free(d->memo_scen);
        d->memo_scen = dl_xstrdup(s->name);
    }
    return d->resolver;
}

/* One run of the client for s under profile p: delivering (the envelope
 * the MTA adapters use, postmaster@DOMAIN) or probing. The same
 * scenario's last run of the same kind, under its other profile, is made
 * into this one's where every choice it made holds under p
 * (dane_client_same_path: the same hosts, addresses and messages, so the
 * same observations); else, or with d->exact, the client runs. The
 * result stays in d until the next run of its kind. NULL on error (err
 * set). */
static const struct dane_client_result *observe(lab_deliver *d, const struct scen *s,
                                                enum scen_profile p, bool deliver, bool *reused,
                                                struct dl_error *err)
{
    struct kept *k = &d->kept[deliver];
    size_t len = strlen(s->domain);
    char *to = dl_xasprintf("postmaster@%.*s",
                            (int)(len && s->domain[len - 1] == '.' ? len - 1 : len), s->domain);
    struct dane_client_opts co = {.profile = scen_profile_client(p),
                                  .port = 25,
                                  .timeout_ms = LAB_ATTEMPT_TIMEOUT_MS,
                                  .has_now = true,
                                  .now = d->now,
                                  .deliver = deliver,
                                  .from = "danelab@lab.test",
                                  .to = to};
    dane_dns *resolver;
    int rc;
    *reused = !d->exact && k->scen != NULL && strcmp(k->scen, s->name) == 0 &&
              dane_client_same_path(&k->cr, co.profile);
    if (*reused) {
        dane_client_reprofile(&k->cr, &co);
        free(to);
        return &k->cr;
    }
    kept_clear(k);
    if ((resolver = lab_deliver_resolver(d, s, err)) == NULL) {
        free(to);
        return NULL;
    }
    rc = dane_client_run(resolver, d->tls, &co, s->domain, &k->cr, err);
    free(to);
    if (rc != 0) {
        dane_client_result_clear(&k->cr);
        return NULL;
    }
    k->scen = dl_xstrdup(s->name);
    return &k->cr;
}

static void fill(struct lab_deliver_check *c, const struct dane_client_result *cr)
{
    c->observed = cr->outcome;
    snprintf(c->detail, sizeof(c->detail), "%s", cr->detail);
}

/* The probe: expectation, when the profile has one. */
static int check_probe(lab_deliver *d, const struct scen *s, enum scen_profile p,
                       struct lab_deliver_result *r, struct dl_error *err)
{
    const struct dane_client_result *cr;
    r->probed = s->expect[p].probe.set;
    if (!r->probed)
        return 0;
    if ((cr = observe(d, s, p, false, &r->probe.reused, err)) == NULL)
        return -1;
    fill(&r->probe, cr);
    judge(&s->expect[p].probe, &r->probe);
    if (!r->probe.pass && r->pass) {
        r->pass = false;
        snprintf(r->mismatch, sizeof(r->mismatch), "probe: %s", r->probe.mismatch);
    }
    return 0;
}

int lab_deliver_check_report(lab_deliver *d, const struct scen *s, enum scen_profile p,
                             struct lab_deliver_result *r, dane_tlsrpt *rpt, struct dl_error *err)
{
    const struct dane_client_result *cr;
    struct lab_deliver_check c = {0};
    memset(r, 0, sizeof(*r));
    r->profile = p;
    if ((cr = observe(d, s, p, true, &r->reused, err)) == NULL)
        return -1;
    if (rpt != NULL && !dane_tlsrpt_policy_known(rpt)) {
        dane_dns *resolver = lab_deliver_resolver(d, s, err);
        if (resolver == NULL || note_policy(resolver, s, rpt, err) != 0)
            return -1;
    }
    if (rpt != NULL)
        dane_tlsrpt_add(rpt, cr);
    fill(&c, cr);
    judge(&s->expect[p].deliver, &c);
    r->pass = c.pass;
    r->matched = c.matched;
    r->observed = c.observed;
    snprintf(r->detail, sizeof(r->detail), "%s", c.detail);
    snprintf(r->mismatch, sizeof(r->mismatch), "%s", c.mismatch);
    return check_probe(d, s, p, r, err);
}
