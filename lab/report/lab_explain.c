/* lab_explain: what a scenario injects and what a validator reports. */
#include "lab_explain.h"

#include "dane_tlsrpt.h"
#include "dl_ede.h"
#include "dl_json.h"
#include "dl_log.h"
#include "dl_util.h"
#include "lab_plan.h"
#include "zone_fault.h"

#include <jansson.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const rr_types[SCEN_RRSET_COUNT] = {"MX", "A", "TLSA", "AAAA"};

/* The TLS-RPT policy (RFC 8460 section 3) at _smtp._tls.<domain> as a
 * client finds it: the TXT records the zone publishes there (the
 * scenario's `tlsrpt:`, by default the lab's "v=TLSRPTv1;
 * rua=mailto:tlsrpt@DOMAIN", none for `tlsrpt: none`, and TXT records: at
 * that name), the policy dane_tlsrpt_policy_from_txt() chooses from them,
 * and what a validator says of the lookup: a fault on the whole zone (its
 * DNSKEY, its DS, the zone) gives it the verdict the scenario expects of
 * its MX RRset, as does an MX RRset expected bogus or SERVFAIL with no
 * fault on it; otherwise the zone's own state (secure when signed with a
 * DS, else insecure; nxdomain when nothing is published in a secure zone,
 * bogus or insecure when denial-missing or nsec3-excess-iterations breaks
 * that proof). Bogus and SERVFAIL cannot be read: no report is sent.
 * Timeline steps are not considered (the scenario's own faults only). */
struct tlsrpt_lookup {
    char *name;                       /* "_smtp._tls.x.test." */
    char **txt;                       /* the TXT texts published there */
    size_t n_txt;                     /* 0: none */
    struct dane_tlsrpt_policy policy; /* .found: exactly one valid record */
    enum scen_dnssec dnssec;          /* of the TXT lookup */
    const struct scen_fault *cause;   /* the fault behind dnssec, or NULL */
    bool readable;                    /* dnssec is neither bogus nor servfail */
    bool no_session;                  /* null MX only: no session to report */
    bool reports;                     /* readable, a policy and a session: a client reports */
    char why[600];                    /* when !reports: why not, in words */
};

void lab_explain_names(const struct scen *s, char *names[SCEN_RRSET_COUNT])
{
    const struct scen_host *h = s->n_hosts > 0 ? &s->hosts[0] : NULL;
    char *at;
    names[SCEN_RRSET_MX] = dl_xstrdup(s->domain);
    names[SCEN_RRSET_A] = h ? dl_xstrdup(h->name) : NULL;
    names[SCEN_RRSET_TLSA] = NULL;
    names[SCEN_RRSET_AAAA] = h ? dl_xstrdup(h->name) : NULL;
    if (h == NULL)
        return;
    at = lab_plan_records_at(s, h);
    names[SCEN_RRSET_TLSA] = dl_xasprintf("_%u._tcp.%s", h->n_tlsa > 0 ? h->tlsa[0].port : 25,
                                          h->tlsa_at_original ? h->name : at);
    free(at);
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
        dl_buf_printf(b, "%s%.*s %s is %s%s", first ? "" : "; ", bare(names[k]), names[k],
                      rr_types[k], scen_dnssec_name(d),
                      k == SCEN_RRSET_MX && s->implicit_mx ? " (no MX RRset: implicit MX)" : "");
        if (v->reason != NULL)
            dl_buf_printf(b, " (the reason names \"%s\")", v->reason);
        first = false;
    }
}

/* ---- The TLS-RPT policy (RFC 8460 section 3) ---- */

/* A TXT record's text as RDATA: character-strings of at most 255 octets,
 * as lab_plan publishes the scenario's `tlsrpt:`. */
static void txt_wire(const char *text, struct dl_buf *out)
{
    size_t len = strlen(text);
    for (size_t off = 0; off < len; off += 255) {
        unsigned char l = (unsigned char)(len - off < 255 ? len - off : 255);
        dl_buf_append(out, &l, 1);
        dl_buf_append(out, text + off, l);
    }
}

/* The records: of the domain's zone that are TXT at `name` (ldns_rdf,
 * canonical): their texts (strings joined) and RDATA appended. */
/* A domain whose only mail exchanger is the null MX (RFC 7505: no mx:
 * hosts, an "MX 0 ." record): a client opens no session there, so it has
 * nothing to report (RFC 8460 reports sessions). */
static bool null_mx_only(const struct scen *s)
{
    ldns_rdf *origin = NULL;
    bool found = false;
    if (s->n_hosts > 0 || ldns_str2rdf_dname(&origin, s->domain) != LDNS_STATUS_OK)
        return false;
    for (size_t i = 0; i < s->zone.n_records && !found; i++) {
        ldns_rr *rr = NULL;
        if (ldns_rr_new_frm_str(&rr, s->zone.records[i].text, 300, origin, NULL) != LDNS_STATUS_OK)
            continue;
        found = ldns_rr_get_type(rr) == LDNS_RR_TYPE_MX && ldns_rr_rd_count(rr) == 2 &&
                ldns_rdf_size(ldns_rr_rdf(rr, 1)) == 1; /* the root name: one zero octet */
        ldns_rr_free(rr);
    }
    ldns_rdf_deep_free(origin);
    return found;
}

static void extra_txt(const struct scen *s, const ldns_rdf *name, struct tlsrpt_lookup *t,
                      struct dl_buf *rdata, size_t *n_rdata)
{
    ldns_rdf *origin = NULL;
    if (ldns_str2rdf_dname(&origin, s->domain) != LDNS_STATUS_OK)
        return;
    for (size_t i = 0; i < s->zone.n_records; i++) {
        ldns_rr *rr = NULL;
        struct dl_buf text = {0}, wire = {0};
        if (ldns_rr_new_frm_str(&rr, s->zone.records[i].text, 300, origin, NULL) != LDNS_STATUS_OK)
            continue;
        ldns_dname2canonical(ldns_rr_owner(rr));
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT &&
            ldns_rdf_compare(ldns_rr_owner(rr), name) == 0) {
            for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
                const ldns_rdf *f = ldns_rr_rdf(rr, k);
                const uint8_t *d = ldns_rdf_data(f);
                dl_buf_append(&wire, d, ldns_rdf_size(f));
                if (ldns_rdf_size(f) > 0)
                    dl_buf_append(&text, d + 1, ldns_rdf_size(f) - 1);
            }
            dl_buf_append(&text, "", 1);
            t->txt = dl_xrealloc(t->txt, (t->n_txt + 1) * sizeof(*t->txt));
            t->txt[t->n_txt++] = text.data;
            text.data = NULL;
            rdata[(*n_rdata)++] = wire;
            wire.data = NULL;
        }
        dl_buf_free(&text);
        dl_buf_free(&wire);
        ldns_rr_free(rr);
    }
    ldns_rdf_deep_free(origin);
}

/* What a validator says of a positive answer in the domain's zone: a fault
 * on the whole zone (its DNSKEY, its DS, the zone itself) gives every name
 * in it the verdict the scenario expects of its MX RRset at the apex; an
 * MX RRset expected bogus, SERVFAIL or insecure with no fault on it says
 * the same of the zone (insecure: a signed zone whose algorithm the
 * validator lacks, dnssec-algorithm-ed448); otherwise the zone's own state. */
static enum scen_dnssec zone_verdict(const struct scen *s, const struct scen_fault **cause)
{
    enum scen_dnssec mx = scen_expected_dnssec(s);
    bool mx_fault = false;
    *cause = NULL;
    for (size_t i = 0; i < s->n_faults; i++) {
        int target = zone_fault_target_lookup(s->faults[i].target);
        if (target == ZONE_TARGET_ZONE || target == ZONE_TARGET_DNSKEY ||
            target == ZONE_TARGET_DS) {
            *cause = &s->faults[i];
            break;
        }
        mx_fault = mx_fault || target == ZONE_TARGET_MX;
    }
    if ((*cause != NULL || !mx_fault) && mx != SCEN_DNSSEC_NODATA && mx != SCEN_DNSSEC_NXDOMAIN &&
        (*cause != NULL || mx == SCEN_DNSSEC_BOGUS || mx == SCEN_DNSSEC_SERVFAIL ||
         mx == SCEN_DNSSEC_INSECURE))
        return mx;
    return s->zone.is_signed && s->zone.ds ? SCEN_DNSSEC_SECURE : SCEN_DNSSEC_INSECURE;
}

/* Why the TXT lookup has the verdict it has: "fault F on the domain's
 * zone", "fault denial-missing: no proof of the name's absence", or "as the
 * domain's MX RRset" (the scenario's expectation). */
static const char *cause_phrase(const struct tlsrpt_lookup *t, char *buf, size_t len)
{
    if (t->cause == NULL)
        snprintf(buf, len, "as the domain's MX RRset");
    else if (t->n_txt == 0 && zone_fault_target_lookup(t->cause->target) != ZONE_TARGET_ZONE &&
             zone_fault_target_lookup(t->cause->target) != ZONE_TARGET_DNSKEY &&
             zone_fault_target_lookup(t->cause->target) != ZONE_TARGET_DS)
        snprintf(buf, len, "fault %s: %s", t->cause->name,
                 strcmp(t->cause->name, "denial-missing") == 0
                     ? "no proof of the name's absence"
                     : "too many NSEC3 iterations in the proof of its absence");
    else
        snprintf(buf, len, "fault %s on the domain's zone", t->cause->name);
    return buf;
}

static void tlsrpt_lookup(const struct scen *s, struct tlsrpt_lookup *t)
{
    char cause[256];
    struct dl_buf *rdata = dl_xcalloc(s->zone.n_records + 1, sizeof(*rdata));
    struct dane_dns_rr *rrs;
    size_t n_rdata = 0;
    ldns_rdf *name = NULL;
    memset(t, 0, sizeof(*t));
    t->name = dl_xasprintf("_smtp._tls.%s", s->domain);
    if (s->tlsrpt != NULL) {
        t->txt = dl_xcalloc(1, sizeof(*t->txt));
        t->txt[t->n_txt++] = dl_xstrdup(s->tlsrpt);
        txt_wire(s->tlsrpt, &rdata[n_rdata++]);
    }
    if (ldns_str2rdf_dname(&name, t->name) == LDNS_STATUS_OK) {
        ldns_dname2canonical(name);
        extra_txt(s, name, t, rdata, &n_rdata);
        ldns_rdf_deep_free(name);
    }
    rrs = dl_xcalloc(n_rdata + 1, sizeof(*rrs));
    for (size_t i = 0; i < n_rdata; i++) {
        rrs[i].data = (unsigned char *)rdata[i].data;
        rrs[i].len = rdata[i].len;
    }
    if (n_rdata > 0)
        dane_tlsrpt_policy_from_txt(rrs, n_rdata, &t->policy);
    t->dnssec = zone_verdict(s, &t->cause);
    /* No TXT record: the name is proven absent, unless the proofs are the fault. */
    if (n_rdata == 0 && t->dnssec == SCEN_DNSSEC_SECURE) {
        t->dnssec = SCEN_DNSSEC_NXDOMAIN;
        for (size_t i = 0; i < s->n_faults; i++)
            if (strcmp(s->faults[i].name, "denial-missing") == 0 ||
                strcmp(s->faults[i].name, "nsec3-excess-iterations") == 0) {
                t->cause = &s->faults[i];
                t->dnssec = strcmp(s->faults[i].name, "denial-missing") == 0 ? SCEN_DNSSEC_BOGUS
                                                                             : SCEN_DNSSEC_INSECURE;
            }
    }
    t->readable = t->dnssec != SCEN_DNSSEC_BOGUS && t->dnssec != SCEN_DNSSEC_SERVFAIL;
    t->no_session = null_mx_only(s);
    t->reports = t->readable && t->policy.found && !t->no_session;
    if (!t->readable)
        snprintf(t->why, sizeof(t->why), "%s TXT: %s (%s)", t->name, scen_dnssec_name(t->dnssec),
                 cause_phrase(t, cause, sizeof(cause)));
    else if (n_rdata == 0)
        snprintf(t->why, sizeof(t->why), "%s TXT: no such name (%s)", t->name,
                 t->dnssec == SCEN_DNSSEC_NXDOMAIN ? "secure" : scen_dnssec_name(t->dnssec));
    else if (!t->policy.found)
        snprintf(t->why, sizeof(t->why), "%s", t->policy.why);
    else if (t->no_session)
        snprintf(t->why, sizeof(t->why),
                 "a null MX only (RFC 7505): no TLS session, nothing to report");
    for (size_t i = 0; i < n_rdata; i++)
        dl_buf_free(&rdata[i]);
    free(rdata);
    free(rrs);
}

static void tlsrpt_lookup_clear(struct tlsrpt_lookup *t)
{
    for (size_t i = 0; i < t->n_txt; i++)
        free(t->txt[i]);
    free(t->txt);
    free(t->name);
    dane_tlsrpt_policy_clear(&t->policy);
    memset(t, 0, sizeof(*t));
}

/* " TLS-RPT: the zone publishes "..." at NAME; a client reads it ..." */
static void tlsrpt_phrase(struct dl_buf *b, const struct scen *s)
{
    struct tlsrpt_lookup t;
    char cause[256];
    tlsrpt_lookup(s, &t);
    if (t.n_txt == 0)
        dl_buf_printf(b, " TLS-RPT: no policy is published at %.*s (tlsrpt: none)", bare(t.name),
                      t.name);
    else {
        char *def = dl_xasprintf("v=TLSRPTv1; rua=mailto:tlsrpt@%.*s", bare(s->domain), s->domain);
        dl_buf_printf(b, " TLS-RPT: the zone publishes at %.*s ", bare(t.name), t.name);
        for (size_t i = 0; i < t.n_txt; i++)
            dl_buf_printf(b, "%s\"%s\"%s",
                          i == 0            ? ""
                          : i + 1 < t.n_txt ? ", "
                                            : " and ",
                          t.txt[i],
                          i == 0 && s->tlsrpt != NULL && strcmp(s->tlsrpt, def) == 0
                              ? " (the lab's default)"
                              : "");
        free(def);
    }
    if (!t.readable)
        dl_buf_printf(b,
                      "; a client cannot read it: the TXT lookup is %s (%s), so it sends no "
                      "report.",
                      scen_dnssec_name(t.dnssec), cause_phrase(&t, cause, sizeof(cause)));
    else if (t.n_txt == 0)
        dl_buf_printf(b, "; a client finds no record (%s) and sends no report.",
                      scen_dnssec_name(t.dnssec));
    else if (!t.policy.found)
        dl_buf_printf(b, "; a client reads it (%s) but finds no policy: %s; it sends no report.",
                      scen_dnssec_name(t.dnssec), t.policy.why);
    else if (t.no_session)
        dl_buf_printf(b,
                      "; a client reads it (%s) but, the domain having only a null MX, opens "
                      "no session and sends no report.",
                      scen_dnssec_name(t.dnssec));
    else {
        dl_buf_printf(b, "; a client reads it (%s) and sends its reports to ",
                      scen_dnssec_name(t.dnssec));
        for (size_t i = 0; i < t.policy.n_rua; i++)
            dl_buf_printf(b, "%s%s", i ? ", " : "", t.policy.rua[i]);
        dl_buf_printf(b, ".");
    }
    tlsrpt_lookup_clear(&t);
}

/* The `misbehave:` rules of zone z, one sentence each. */
static void misbehave_phrase(struct dl_buf *b, const struct scen_zone *z)
{
    static const char *const what[] = {
        [SCEN_ANSWER_SERVFAIL] = "answers %s queries SERVFAIL",
        [SCEN_ANSWER_REFUSED] = "answers %s queries REFUSED",
        [SCEN_ANSWER_NOTIMP] = "answers %s queries NOTIMP",
        [SCEN_ANSWER_DROP] = "never answers %s queries",
        /* one string: parentheses keep clang's -Wstring-concatenation quiet */
        [SCEN_ANSWER_TRUNCATE] = ("answers %s queries over UDP empty and truncated (TC), in full "
                                  "over TCP"),
    };
    for (size_t k = 0; k < z->n_misbehave; k++) {
        const struct scen_misbehave *r = &z->misbehave[k];
        char *tn = r->type < 0 ? NULL : ldns_rr_type2str((ldns_rr_type)r->type);
        const char *type = tn ? tn : "every";
        dl_buf_printf(b, " The name server of %.*s (fakedns) ", bare(z->origin), z->origin);
        if (r->answer == SCEN_ANSWER_DROP && r->every > 1)
            dl_buf_printf(b, "answers one %s query in %u and drops the others.", type, r->every);
        else
            dl_buf_printf(b, what[r->answer], type);
        if (r->answer != SCEN_ANSWER_DROP || r->every <= 1)
            dl_buf_printf(b, ".");
        free(tn);
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
    misbehave_phrase(&b, &s->zone);
    for (size_t k = 0; k < s->n_zones; k++)
        misbehave_phrase(&b, &s->zones[k]);
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
    tlsrpt_phrase(&b, s);
    names_free(names);
    return b.data;
}

/* The TLS-RPT lookup of `s` as JSON: {"name", "record" (the scenario's text, null for
 * none), "records", "policy", "rua", "dnssec", "readable", "reports",
 * "why"?}. New reference. */
static json_t *tlsrpt_json(const struct scen *s)
{
    struct tlsrpt_lookup t;
    json_t *records = json_array(), *rua = json_array(), *o;
    tlsrpt_lookup(s, &t);
    for (size_t i = 0; i < t.n_txt; i++)
        json_array_append_new(records, json_string(t.txt[i]));
    for (size_t i = 0; i < t.policy.n_rua; i++)
        json_array_append_new(rua, json_string(t.policy.rua[i]));
    o = json_pack("{s:s, s:s?, s:o, s:b, s:o, s:s, s:b, s:b}", "name", t.name, "record", s->tlsrpt,
                  "records", records, "policy", t.policy.found, "rua", rua, "dnssec",
                  scen_dnssec_name(t.dnssec), "readable", t.readable, "reports", t.reports);
    if (t.why[0] != '\0')
        json_object_set_new(o, "why", json_string(t.why));
    tlsrpt_lookup_clear(&t);
    return o;
}

/* The explanation of `s` as JSON: {"name", "domain", "summary", "explain", "faults": [{"fault",
 * "target", "owner", "type", "injected", "verdict"}], "expect": {"mx": {"name",
 * "type", "verdict", "reason"}, ...}, "tlsrpt": tlsrpt_json()}.
 * New reference. */
static json_t *explain_json(const struct scen *s)
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
    o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "name", s->name, "domain", s->domain,
                  "summary", s->summary, "explain", text, "faults", faults, "expect", expect,
                  "tlsrpt", tlsrpt_json(s));
    free(text);
    names_free(names);
    return o;
}

/* ---- what the validators observed, from a run report ---- */

/* The observed verdicts of scenario `name` in `report` (a `run --json`
 * report): {VALIDATOR: [{"rrset", "type", "observed", "ede", "ede_name",
 * "ede_text"}...]}, every validator of run --resolvers ("validators"),
 * else the one of a plain run ("validator", its declared RRsets); NULL
 * when the report does not have the scenario. New reference. */
static json_t *observed_of(const json_t *report, const char *name)
{
    const json_t *s = NULL, *x, *v, *r;
    const char *val;
    json_t *out;
    size_t i;
    json_array_foreach(json_object_get(report, "scenarios"), i, x)
        if (strcmp(dl_json_str(x, "name"), name) == 0)
            s = x;
    if (s == NULL)
        return NULL;
    out = json_object();
    v = json_object_get(s, "validators");
    if (v == NULL) /* a plain run: its one validator (Unbound before they were named) */
        v = json_pack("{s:{s:O}}",
                      *dl_json_str(s, "validator") ? dl_json_str(s, "validator") : "unbound",
                      "rrsets", json_object_get(s, "rrsets"));
    else
        json_incref((json_t *)v);
    json_object_foreach((json_t *)v, val, x) {
        json_t *list = json_array();
        json_array_foreach(json_object_get(x, "rrsets"), i, r) {
            const json_t *ede = json_object_get(r, "ede");
            json_t *o = json_pack("{s:s, s:s, s:s}", "rrset", dl_json_str(r, "rrset"), "type",
                                  dl_json_str(r, "type"), "observed", dl_json_str(r, "observed"));
            if (json_is_integer(ede)) {
                json_object_set(o, "ede", (json_t *)ede);
                json_object_set_new(o, "ede_name",
                                    json_string(dl_ede_name((int)json_integer_value(ede))));
                json_object_set_new(o, "ede_text", json_string(dl_json_str(r, "ede_text")));
            }
            json_array_append_new(list, o);
        }
        json_object_set_new(out, val, list);
    }
    json_decref((json_t *)v);
    return out;
}

/* " Observed (FILE): knot: MX secure, TLSA bogus with EDE 7 (Signature
 * Expired): text; unbound: ..." */
static void observed_text(struct dl_buf *b, const json_t *obs, const char *from)
{
    const char *val;
    const json_t *list, *r;
    size_t i;
    bool first = true;
    dl_buf_printf(b, " Observed in the last run (%s):", from);
    json_object_foreach((json_t *)obs, val, list) {
        dl_buf_printf(b, "%s %s:", first ? "" : ";", val);
        json_array_foreach(list, i, r) {
            const json_t *ede = json_object_get(r, "ede");
            char t[300];
            dl_buf_printf(b, "%s %s %s", i ? "," : "", dl_json_str(r, "type"),
                          dl_json_str(r, "observed"));
            if (json_is_integer(ede))
                dl_buf_printf(b, " with %s",
                              dl_ede_text(t, sizeof(t), (int)json_integer_value(ede),
                                          dl_json_str(r, "ede_text")));
        }
        first = false;
    }
    dl_buf_printf(b, ".");
}

/* The report explain reads observed verdicts from: --report FILE, else
 * RUN/validators.json (run --resolvers) when there is one; NULL when
 * none (an unreadable --report is an error: *bad set). */
static json_t *load_report(const struct lab_globals *g, const char *given, char **from, bool *bad)
{
    json_error_t je;
    json_t *r;
    *from = given ? dl_xstrdup(given) : dl_xasprintf("%s/validators.json", g->run_dir);
    if (given == NULL && access(*from, R_OK) != 0)
        return NULL;
    if ((r = json_load_file(*from, 0, &je)) == NULL ||
        !json_is_array(json_object_get(r, "scenarios"))) {
        dl_err("explain: --report %s: %s", *from,
               r ? "not a `danelab run --json` report" : je.text);
        json_decref(r);
        *bad = true;
        return NULL;
    }
    return r;
}

/* One scenario, as text or into the JSON array `all`. */
static void explain_one(const struct scen *s, const json_t *report, const char *from, json_t *all,
                        bool first)
{
    json_t *obs = report ? observed_of(report, s->name) : NULL;
    if (all != NULL) {
        json_t *o = explain_json(s);
        if (obs)
            json_object_set_new(o, "observed",
                                json_pack("{s:s, s:O}", "report", from, "validators", obs));
        json_array_append_new(all, o);
    } else {
        struct dl_buf b = {0};
        char *text = lab_explain_text(s);
        dl_buf_printf(&b, "%s", text);
        if (obs)
            observed_text(&b, obs, from);
        printf("%s%s\n", first ? "" : "\n", dl_buf_str(&b));
        dl_buf_free(&b);
        free(text);
    }
    json_decref(obs);
}

int lab_explain_main(const struct lab_globals *g, int argc, char **argv)
{
    scen_catalog *cat;
    json_t *all = json_array(), *report;
    const char *given = NULL;
    char *from = NULL;
    bool json = false, bad = false;
    int rc = 0, n = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc)
            given = argv[++i];
        else if (argv[i][0] == '-') {
            dl_err("explain: unknown option '%s' (see danelab --help)", argv[i]);
            json_decref(all);
            return 2;
        }
    report = load_report(g, given, &from, &bad);
    if (bad || lab_up_load(g, &cat) != 0) {
        json_decref(all);
        json_decref(report);
        free(from);
        return 2;
    }
    for (int i = 1; i < argc && rc == 0; i++) {
        const struct scen *s;
        if (argv[i][0] == '-') {
            i += strcmp(argv[i], "--report") == 0;
            continue;
        }
        n++;
        if ((s = scen_catalog_find(cat, argv[i])) == NULL) {
            dl_err("explain: no scenario named '%s' in the catalogue", argv[i]);
            rc = 2;
        } else
            explain_one(s, report, from, json ? all : NULL, n == 1);
    }
    json_decref(report);
    free(from);
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
