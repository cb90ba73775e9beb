/* lab_explain: what a scenario injects and what a validator reports. */
#include "lab_explain.h"

#include "dl_log.h"
#include "dl_util.h"
#include "lab_plan.h"
#include "zone_fault.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rr_types[SCEN_RRSET_COUNT] = {"MX", "A", "TLSA"};

void lab_explain_names(const struct scen *s, char *names[SCEN_RRSET_COUNT])
{
    const struct scen_host *h = s->n_hosts > 0 ? &s->hosts[0] : NULL;
    char *target;
    names[SCEN_RRSET_MX] = dl_xstrdup(s->domain);
    names[SCEN_RRSET_A] = h ? dl_xstrdup(h->name) : NULL;
    names[SCEN_RRSET_TLSA] = NULL;
    if (h == NULL)
        return;
    target = lab_plan_cname_target(s, h);
    names[SCEN_RRSET_TLSA] = dl_xasprintf("_%u._tcp.%s", h->n_tlsa > 0 ? h->tlsa[0].port : 25,
                                          target ? target : h->name);
    free(target);
}

static void names_free(char *names[SCEN_RRSET_COUNT])
{
    for (int k = 0; k < SCEN_RRSET_COUNT; k++)
        free(names[k]);
}

/* A name for prose: without its trailing dot (a sentence ends in one). */
static int bare(const char *name)
{
    size_t n = strlen(name);
    return (int)(n > 1 && name[n - 1] == '.' ? n - 1 : n);
}

/* "the TLSA RRset _25._tcp.mx1.x.test.", "the DS RRset of x.test. in its
 * parent zone", "the whole zone x.test."; the caller frees it. */
static char *rrset_phrase(const struct scen *s, const struct scen_fault *f)
{
    uint16_t type;
    char *owner = lab_plan_fault_owner(s, f, &type), *t, *out;
    if (owner == NULL)
        return dl_xstrdup("(no MX host to hit)");
    if (type == 0)
        out = dl_xasprintf("the whole zone %.*s", bare(owner), owner);
    else if (type == LDNS_RR_TYPE_DS)
        out = dl_xasprintf("the DS RRset of %.*s in its parent zone", bare(owner), owner);
    else {
        t = ldns_rr_type2str((ldns_rr_type)type);
        out = dl_xasprintf("the %s RRset of %.*s", t, bare(owner), owner);
        free(t);
    }
    free(owner);
    return out;
}

static void expect_phrase(struct dl_buf *b, const struct scen *s, char *names[SCEN_RRSET_COUNT])
{
    bool first = true;
    for (int k = 0; k < SCEN_RRSET_COUNT; k++) {
        const struct scen_verdict *v = &s->expect_dns[k];
        enum scen_dnssec d = k == SCEN_RRSET_MX ? scen_expected_dnssec(s) : v->verdict;
        if (d == SCEN_DNSSEC_UNSET || names[k] == NULL)
            continue;
        dl_buf_printf(b, "%s%.*s %s is %s", first ? "" : "; ", bare(names[k]), names[k],
                      k == SCEN_RRSET_MX && s->implicit_mx ? "A" : rr_types[k],
                      scen_dnssec_name(d));
        if (v->reason != NULL)
            dl_buf_printf(b, " (the reason names \"%s\")", v->reason);
        first = false;
    }
}

char *lab_explain_text(const struct scen *s)
{
    struct dl_buf b = {0};
    char *names[SCEN_RRSET_COUNT];
    lab_explain_names(s, names);
    dl_buf_printf(&b, "Scenario %s (domain %.*s): %s.", s->name, bare(s->domain), s->domain,
                  s->summary);
    if (s->n_faults == 0)
        dl_buf_printf(&b, " No DNS fault is injected.");
    for (size_t i = 0; i < s->n_faults; i++) {
        const struct zone_fault_info *info = zone_fault_lookup(s->faults[i].name);
        char *what = rrset_phrase(s, &s->faults[i]);
        dl_buf_printf(&b, " Injected: fault %s on %s. %s A validating resolver reports %s.",
                      info->name, what, info->injected, info->verdict);
        free(what);
    }
    dl_buf_printf(&b, " Expected from an independent validator: ");
    expect_phrase(&b, s, names);
    dl_buf_printf(&b, ".");
    names_free(names);
    return b.data;
}

json_t *lab_explain_json(const struct scen *s)
{
    json_t *faults = json_array(), *expect = json_object();
    char *names[SCEN_RRSET_COUNT], *text = lab_explain_text(s);
    json_t *o;
    lab_explain_names(s, names);
    for (size_t i = 0; i < s->n_faults; i++) {
        const struct zone_fault_info *info = zone_fault_lookup(s->faults[i].name);
        uint16_t type;
        char *owner = lab_plan_fault_owner(s, &s->faults[i], &type);
        char *t = type ? ldns_rr_type2str((ldns_rr_type)type) : dl_xstrdup("zone");
        json_array_append_new(faults,
                              json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "fault", info->name,
                                        "target", s->faults[i].target, "owner", owner, "type", t,
                                        "injected", info->injected, "verdict", info->verdict));
        free(owner);
        free(t);
    }
    for (int k = 0; k < SCEN_RRSET_COUNT; k++) {
        const struct scen_verdict *v = &s->expect_dns[k];
        enum scen_dnssec d = k == SCEN_RRSET_MX ? scen_expected_dnssec(s) : v->verdict;
        if (d == SCEN_DNSSEC_UNSET || names[k] == NULL)
            continue;
        json_object_set_new(expect, scen_rrset_name((enum scen_rrset)k),
                            json_pack("{s:s, s:s, s:s, s:s?}", "name", names[k], "type",
                                      rr_types[k], "verdict", scen_dnssec_name(d), "reason",
                                      v->reason));
    }
    o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", s->name, "domain", s->domain, "summary",
                  s->summary, "explain", text, "faults", faults, "expect", expect);
    free(text);
    names_free(names);
    return o;
}

int lab_explain_main(const struct lab_cmd_globals *g, int argc, char **argv)
{
    scen_catalog *cat;
    json_t *all = json_array();
    bool json = false;
    int rc = 0, n = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-') {
            dl_err("explain: unknown option '%s' (see danelab --help)", argv[i]);
            json_decref(all);
            return 2;
        }
    if (lab_cmd_load(g, &cat) != 0) {
        json_decref(all);
        return 2;
    }
    for (int i = 1; i < argc && rc == 0; i++) {
        const struct scen *s;
        if (argv[i][0] == '-')
            continue;
        n++;
        if ((s = scen_catalog_find(cat, argv[i])) == NULL) {
            dl_err("explain: no scenario named '%s' in the catalogue", argv[i]);
            rc = 2;
        } else if (json)
            json_array_append_new(all, lab_explain_json(s));
        else {
            char *text = lab_explain_text(s);
            printf("%s%s\n", n > 1 ? "\n" : "", text);
            free(text);
        }
    }
    if (rc == 0 && n == 0) {
        dl_err("explain: name a scenario (danelab list shows them)");
        rc = 2;
    }
    if (rc == 0 && json) {
        json_dumpf(all, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(all);
    scen_catalog_free(cat);
    return rc;
}
