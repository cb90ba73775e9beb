#include "lab_smtp.h"

#include "cert_set.h"
#include "dl_util.h"
#include "lab_conf.h"
#include "lab_addr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lab_smtp {
    char *run_dir;
    cert_set **sets; /* one per catalogue scenario */
    size_t n;
};

/* Name of an implicit certificate of host h (the j-th of its scenario):
 * "PREFIX.HOST" without the trailing dot, or "PREFIX.host-J" (1-based)
 * when that is longer than a certificate name may be. */
static char *implicit_cert_name(const char *prefix, const struct scen_host *h, size_t j)
{
    char *n = dl_xasprintf("%s.%s", prefix, h->name);
    n[strlen(n) - 1] = '\0'; /* the trailing dot */
    if (strlen(n) > CERT_SPEC_NAME_MAX) {
        free(n);
        n = dl_xasprintf("%s.host-%zu", prefix, j + 1);
    }
    return n;
}

/* The implicit certificate of a host that names none. */
static char *default_cert_name(const struct scen_host *h, size_t j)
{
    return implicit_cert_name("default", h, j);
}

/* The implicit certificate whose key a host with tls_fault: wrong-key
 * signs its handshake with. */
static char *wrong_key_cert_name(const struct scen_host *h, size_t j)
{
    return implicit_cert_name("wrong-key", h, j);
}

static const char *const wrong_key_names[] = {"wrong-key.invalid"};

/* Key type of the certificate a host presents ("ecdsa-p256" by default). */
static const char *host_key_type(const struct scen *s, const struct scen_host *h)
{
    for (size_t i = 0; h->certificate != NULL && i < s->n_certs; i++)
        if (strcmp(s->certs[i].name, h->certificate) == 0)
            return s->certs[i].key;
    return NULL;
}

/* Whether host j has tls_fault: wrong-key, or a timeline step gives it. */
static bool wants_wrong_key(const struct scen *s, size_t j)
{
    bool wants = s->hosts[j].tls_fault == SCEN_TLS_FAULT_WRONG_KEY;
    for (size_t i = 0; i < s->n_timeline; i++)
        for (size_t k = 0; k < s->timeline[i].n_hosts; k++)
            wants = wants ||
                    (s->timeline[i].hosts[k].host == j && s->timeline[i].hosts[k].has_tls_fault &&
                     s->timeline[i].hosts[k].tls_fault == SCEN_TLS_FAULT_WRONG_KEY);
    return wants;
}

/* The specs of one scenario: its own certificates, then the implicit
 * ones: a self-signed certificate for its own name per host without a
 * certificate, and one per host with tls_fault: wrong-key, now or after
 * a timeline step (its key signs that host's handshakes). Strings are
 * borrowed from the scenario except the implicit names (*owned) and host
 * names (*host_names), to free. */
static struct cert_spec *scenario_specs(const struct scen *s, size_t *n, char ***owned,
                                        char ***host_names)
{
    struct cert_spec *specs = dl_xcalloc(s->n_certs + 2 * s->n_hosts + 1, sizeof(*specs));
    size_t k = 0;
    *owned = dl_xcalloc(2 * s->n_hosts + 1, sizeof(char *));
    *host_names = dl_xcalloc(s->n_hosts + 1, sizeof(char *));
    for (size_t i = 0; i < s->n_certs; i++, k++) {
        const struct scen_cert *c = &s->certs[i];
        specs[k] = (struct cert_spec){.name = c->name,
                                      .key = c->key,
                                      .issuer = c->issuer,
                                      .ca = c->ca,
                                      .limit_path = c->limit_path,
                                      .pathlen = c->pathlen,
                                      .permitted = (const char *const *)c->permitted,
                                      .n_permitted = c->n_permitted,
                                      .names = (const char *const *)c->names,
                                      .n_names = c->n_names,
                                      .not_before = c->not_before,
                                      .not_after = c->not_after};
    }
    for (size_t j = 0; j < s->n_hosts; j++) {
        char *name;
        if (wants_wrong_key(s, j)) {
            name = (*owned)[s->n_hosts + j] = wrong_key_cert_name(&s->hosts[j], j);
            specs[k++] = (struct cert_spec){.name = name,
                                            .key = host_key_type(s, &s->hosts[j]),
                                            .names = wrong_key_names,
                                            .n_names = 1,
                                            .not_before = -86400,
                                            .not_after = 365 * 86400};
        }
        if (s->hosts[j].certificate != NULL)
            continue;
        name = (*owned)[j] = default_cert_name(&s->hosts[j], j);
        (*host_names)[j] = dl_xstrdup(s->hosts[j].name);
        (*host_names)[j][strlen(s->hosts[j].name) - 1] = '\0'; /* the trailing dot */
        specs[k++] = (struct cert_spec){.name = name,
                                        .names = (const char *const *)&(*host_names)[j],
                                        .n_names = 1,
                                        .not_before = -86400,
                                        .not_after = 365 * 86400};
    }
    *n = k;
    return specs;
}

static void free_owned(char **owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(owned);
}

static cert_set *scenario_certs(const struct scen *s, const char *run, time_t now,
                                struct lab_smtp_stats *st, struct dl_error *err)
{
    char **owned;
    char **host_names;
    size_t n;
    struct cert_spec *specs = scenario_specs(s, &n, &owned, &host_names);
    char *dir = dl_xasprintf("%s/certs/%s", run, s->name);
    struct cert_set_params p = {.dir = dir, .now = now, .max_drift = 86400};
    struct cert_set_stats cs = {0};
    cert_set *set = cert_set_build(&p, specs, n, &cs, err);
    if (set == NULL)
        dl_error_prefix(err, "%s", s->path);
    st->created += cs.created;
    st->cached += cs.cached;
    free(dir);
    free(specs);
    free_owned(owned, 2 * s->n_hosts);
    free_owned(host_names, s->n_hosts);
    return set;
}

lab_smtp *lab_smtp_build(const scen_catalog *cat, const char *run, time_t now,
                         struct lab_smtp_stats *st, struct dl_error *err)
{
    lab_smtp *m = dl_xcalloc(1, sizeof(*m));
    struct lab_smtp_stats dummy = {0};
    m->run_dir = dl_xstrdup(run);
    m->n = scen_catalog_count(cat);
    m->sets = dl_xcalloc(m->n + 1, sizeof(*m->sets));
    for (size_t i = 0; i < m->n; i++) {
        m->sets[i] = scenario_certs(scen_catalog_get(cat, i), run, now, st ? st : &dummy, err);
        if (m->sets[i] == NULL) {
            lab_smtp_free(m);
            return NULL;
        }
    }
    return m;
}

void lab_smtp_free(lab_smtp *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        cert_set_free(m->sets[i]);
    free(m->sets);
    free(m->run_dir);
    free(m);
}

char *lab_smtp_tlsa(const lab_smtp *m, size_t i, const struct scen_tlsa *t, struct dl_error *err)
{
    char *rdata;
    if (i >= m->n)
        return dl_error_set(err, "scenario %zu out of range", i), NULL;
    rdata = cert_set_tlsa(m->sets[i], t->of, t->usage, t->selector, t->matching, err);
    if (rdata == NULL)
        dl_error_prefix(err, "%s:%u", t->loc.file, t->loc.line);
    return rdata;
}

static const char *starttls_mode(enum scen_starttls s)
{
    switch (s) {
    case SCEN_STARTTLS_REJECT:
        return "454";
    case SCEN_STARTTLS_CLOSE:
        return "close";
    default:
        return "accept";
    }
}

static enum cert_chain_kind chain_kind(enum scen_chain c)
{
    switch (c) {
    case SCEN_CHAIN_LEAF:
        return CERT_CHAIN_LEAF;
    case SCEN_CHAIN_FULL:
        return CERT_CHAIN_FULL;
    case SCEN_CHAIN_NO_INTERMEDIATE:
        return CERT_CHAIN_NO_INTERMEDIATE;
    default:
        return CERT_CHAIN_SERVED;
    }
}

/* {"cert": CHAIN, "key": KEY} for certificate `cert` presented as `kind`:
 * NAME.chain.pem when served, else NAME.chain-KIND.pem written here. */
static json_t *cert_json(const cert_set *set, const char *cert, enum scen_chain kind,
                         struct dl_error *err)
{
    char *suffix = kind == SCEN_CHAIN_SERVED ? dl_xstrdup("chain.pem")
                                             : dl_xasprintf("chain-%s.pem", scen_chain_name(kind));
    char *chain = cert_set_path(set, cert, suffix), *key = cert_set_path(set, cert, "key.pem");
    json_t *o = NULL;
    if (kind == SCEN_CHAIN_SERVED ||
        cert_set_write_chain(set, cert, chain_kind(kind), chain, err) == 0)
        o = json_pack("{s:s, s:s}", "cert", chain, "key", key);
    free(suffix);
    free(chain);
    free(key);
    return o;
}

static json_t *reply_json(const struct scen_host *h)
{
    json_t *r = json_object();
    for (int k = 0; k < SCEN_REPLY_COUNT; k++)
        if (h->reply[k] != NULL)
            json_object_set_new(r, scen_reply_step_name((enum scen_reply_step)k),
                                json_string(h->reply[k]));
    if (json_object_size(r) == 0) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* tls.min_version and tls.max_version ("TLSv1.2"), when the host bounds
 * them, and alt_cert/alt_key for its second certificate. */
static int tls_breadth_json(const cert_set *set, const struct scen_host *h, json_t *tls,
                            struct dl_error *err)
{
    json_t *alt;
    if (h->tls_min != SCEN_TLS_ANY)
        json_object_set_new(tls, "min_version",
                            json_sprintf("TLSv%s", scen_tls_version_name(h->tls_min)));
    if (h->tls_max != SCEN_TLS_ANY)
        json_object_set_new(tls, "max_version",
                            json_sprintf("TLSv%s", scen_tls_version_name(h->tls_max)));
    if (h->alt_certificate == NULL)
        return 0;
    if ((alt = cert_json(set, h->alt_certificate, h->chain, err)) == NULL)
        return -1;
    json_object_set(tls, "alt_cert", json_object_get(alt, "cert"));
    json_object_set(tls, "alt_key", json_object_get(alt, "key"));
    json_decref(alt);
    return 0;
}

/* The "tls" object: certificate and chain, SNI certificates, fault. */
static json_t *tls_json(const lab_smtp *m, size_t i, const struct scen_host *h, size_t j,
                        struct dl_error *err)
{
    const cert_set *set = m->sets[i];
    char *cert = h->certificate ? dl_xstrdup(h->certificate) : default_cert_name(h, j);
    json_t *tls = cert_json(set, cert, h->chain, err);
    free(cert);
    if (tls == NULL)
        return NULL;
    if (h->n_sni > 0) {
        json_t *sni = json_object();
        json_object_set_new(tls, "sni", sni);
        for (size_t k = 0; k < h->n_sni; k++) {
            int len = (int)strlen(h->sni[k].name) - 1; /* without the trailing dot */
            char *name = dl_xasprintf("%.*s", len, h->sni[k].name);
            json_t *c = cert_json(set, h->sni[k].certificate, h->chain, err);
            if (c != NULL)
                json_object_set_new(sni, name, c);
            free(name);
            if (c == NULL) {
                json_decref(tls);
                return NULL;
            }
        }
    }
    if (tls_breadth_json(set, h, tls, err) != 0) {
        json_decref(tls);
        return NULL;
    }
    if (h->tls_fault != SCEN_TLS_FAULT_NONE)
        json_object_set_new(tls, "fault", json_string(scen_tls_fault_name(h->tls_fault)));
    if (h->tls_fault == SCEN_TLS_FAULT_WRONG_KEY) {
        char *wk = wrong_key_cert_name(h, j), *key = cert_set_path(set, wk, "key.pem");
        json_object_set_new(tls, "fault_key", json_string(key));
        free(key);
        free(wk);
    }
    return tls;
}

/* The listener of address k of host j: the host's server, with the
 * address's own STARTTLS behaviour and certificate when it gives them. */
static json_t *listener_json(const lab_smtp *m, const scen_catalog *cat, size_t i, size_t j,
                             size_t k, const struct scen_host *host, struct dl_error *err)
{
    const struct scen *s = scen_catalog_get(cat, i);
    const struct scen_addr *a = &s->hosts[j].addrs[k];
    struct scen_host h = *host;
    int host_len = (int)strlen(h.name) - 1; /* without the trailing dot */
    char addr[LAB_ADDR_LEN];
    json_t *tls, *reply, *l;
    if (a->has_starttls)
        h.starttls = a->starttls;
    if (a->certificate != NULL)
        h.certificate = a->certificate;
    if ((tls = tls_json(m, i, &h, j, err)) == NULL)
        return dl_error_prefix(err, "%s:%u", h.loc.file, h.loc.line), NULL;
    l = json_pack("{s:s%, s:s, s:i, s:b, s:s, s:o}", "name", h.name, (size_t)host_len, "address",
                  lab_addr_host(cat, i, j, k, addr), "port", 25, "starttls_advertise",
                  h.starttls != SCEN_STARTTLS_NONE, "starttls", starttls_mode(h.starttls), "tls",
                  tls);
    json_object_set_new(l, "maildir",
                        json_sprintf("%s/mail/%s/%.*s", m->run_dir, s->name, host_len, h.name));
    if ((reply = reply_json(&h)) != NULL)
        json_object_set_new(l, "reply", reply);
    if (h.starttls_inject != NULL)
        json_object_set_new(l, "starttls_inject", json_string(h.starttls_inject));
    return l;
}

char *lab_smtp_listener(const lab_smtp *m, const scen_catalog *cat, size_t i, size_t j, size_t k,
                        const struct scen_host *h, struct dl_error *err)
{
    json_t *l = listener_json(m, cat, i, j, k, h, err);
    char *text = l ? json_dumps(l, JSON_COMPACT) : NULL;
    json_decref(l);
    return text;
}

int lab_smtp_write_conf(const lab_smtp *m, const scen_catalog *cat, bool ipv6, struct dl_error *err)
{
    json_t *listeners = json_array(), *top;
    char *path, *text;
    int rc;
    for (size_t i = 0; i < scen_catalog_count(cat); i++) {
        const struct scen *s = scen_catalog_get(cat, i);
        for (size_t j = 0; j < s->n_hosts; j++) {
            for (size_t k = 0; k < s->hosts[j].n_addrs; k++) {
                json_t *l;
                if (!ipv6 && s->hosts[j].addrs[k].family == 6)
                    continue; /* the host's loopback: no fd53::/48 (lab_addr.h) */
                if ((l = listener_json(m, cat, i, j, k, &s->hosts[j], err)) == NULL) {
                    json_decref(listeners);
                    return -1;
                }
                json_array_append_new(listeners, l);
            }
        }
    }
    path = dl_xasprintf("%s/etc/fakesmtp.json", m->run_dir);
    top = json_pack("{s:o}", "listeners", listeners);
    json_object_set_new(top, "session_log", json_sprintf("%s/log/fakesmtp.jsonl", m->run_dir));
    {
        char *pf = lab_conf_pidfile(m->run_dir, LAB_FAKESMTP); /* where the lab reads it */
        json_object_set_new(top, "pidfile", json_string(pf));
        free(pf);
    }
    text = json_dumps(top, JSON_INDENT(2));
    rc = dl_write_file(path, text, strlen(text), 0644, err);
    free(text);
    free(path);
    json_decref(top);
    return rc;
}
