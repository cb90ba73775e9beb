#include "lab_smtp.h"

#include "cert_set.h"
#include "dl_util.h"
#include "lab_plan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lab_smtp {
    char *run_dir;
    cert_set **sets; /* one per catalogue scenario */
    size_t n;
};

/* Name of the implicit certificate of a host that names none. */
static char *default_cert_name(const struct scen_host *h)
{
    char *n = dl_xasprintf("default.%s", h->name);
    n[strlen(n) - 1] = '\0'; /* the trailing dot */
    return n;
}

/* The specs of one scenario: its own certificates, then an implicit one
 * per host without a certificate. Strings are borrowed from the scenario
 * except the implicit names, returned in *owned (to free). */
static struct cert_spec *scenario_specs(const struct scen *s, size_t *n, char ***owned,
                                        const char ***host_names)
{
    struct cert_spec *specs = dl_xcalloc(s->n_certs + s->n_hosts + 1, sizeof(*specs));
    size_t k = 0;
    *owned = dl_xcalloc(s->n_hosts + 1, sizeof(char *));
    *host_names = dl_xcalloc(s->n_hosts + 1, sizeof(char *));
    for (size_t i = 0; i < s->n_certs; i++, k++) {
        const struct scen_cert *c = &s->certs[i];
        specs[k] = (struct cert_spec){.name = c->name,
                                      .key = c->key,
                                      .issuer = c->issuer,
                                      .ca = c->ca,
                                      .names = (const char *const *)c->names,
                                      .n_names = c->n_names,
                                      .not_before = c->not_before,
                                      .not_after = c->not_after};
    }
    for (size_t j = 0; j < s->n_hosts; j++) {
        char *name;
        if (s->hosts[j].certificate != NULL)
            continue;
        name = (*owned)[j] = default_cert_name(&s->hosts[j]);
        (*host_names)[j] = name + strlen("default.");
        specs[k++] = (struct cert_spec){.name = name,
                                        .names = &(*host_names)[j],
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
    const char **host_names;
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
    free_owned(owned, s->n_hosts);
    free(host_names);
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

static json_t *listener_json(const lab_smtp *m, const scen_catalog *cat, size_t i, size_t j)
{
    const struct scen *s = scen_catalog_get(cat, i);
    const struct scen_host *h = &s->hosts[j];
    int host_len = (int)strlen(h->name) - 1; /* without the trailing dot */
    char addr[16], *cert = h->certificate ? dl_xstrdup(h->certificate) : default_cert_name(h);
    char *chain = cert_set_path(m->sets[i], cert, "chain.pem");
    char *key = cert_set_path(m->sets[i], cert, "key.pem");
    json_t *l = json_pack("{s:s%, s:s, s:i, s:b, s:s, s:{s:s, s:s}}", "name", h->name,
                          (size_t)host_len, "address", lab_plan_host_addr(cat, i, j, addr), "port",
                          25, "starttls_advertise", h->starttls != SCEN_STARTTLS_NONE, "starttls",
                          starttls_mode(h->starttls), "tls", "cert", chain, "key", key);
    json_object_set_new(l, "maildir",
                        json_sprintf("%s/mail/%s/%.*s", m->run_dir, s->name, host_len, h->name));
    free(cert);
    free(chain);
    free(key);
    return l;
}

int lab_smtp_write_conf(const lab_smtp *m, const scen_catalog *cat, struct dl_error *err)
{
    json_t *listeners = json_array(), *top;
    char *path = dl_xasprintf("%s/etc/fakesmtp.json", m->run_dir), *text;
    int rc;
    for (size_t i = 0; i < scen_catalog_count(cat); i++)
        for (size_t j = 0; j < scen_catalog_get(cat, i)->n_hosts; j++)
            json_array_append_new(listeners, listener_json(m, cat, i, j));
    top = json_pack("{s:o}", "listeners", listeners);
    json_object_set_new(top, "session_log", json_sprintf("%s/log/fakesmtp.jsonl", m->run_dir));
    json_object_set_new(top, "pidfile", json_sprintf("%s/var/fakesmtp.pid", m->run_dir));
    text = json_dumps(top, JSON_INDENT(2));
    rc = dl_write_file(path, text, strlen(text), 0644, err);
    free(text);
    free(path);
    json_decref(top);
    return rc;
}
