#include "imp_fromtext.h"

#include "cap_capture.h"
#include "imp_evidence.h"
#include "dl_json.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const profiles[2] = {"rfc7672", "exchange-online"};

int imp_fromtext_expect(struct imp_fromtext *in, const char *arg, struct dl_error *err)
{
    const char *eq = strchr(arg, '='), *v = eq ? eq + 1 : arg;
    char status[16], code[16], reason[64] = "";
    int n = sscanf(v, "%15[a-z]:%15[0-9.]:%63[a-z0-9-]", status, code, reason);
    bool known = eq == NULL;
    if (n < 2 ||
        (strcmp(status, "delivered") && strcmp(status, "deferred") && strcmp(status, "bounced")))
        return dl_error_set(err,
                            "--expect '%s': expected [PROFILE=]STATUS:CODE[:REASON] "
                            "(deferred:4.7.323:no-tlsa-match)",
                            arg);
    for (size_t p = 0; p < 2; p++)
        if (eq == NULL || (strlen(profiles[p]) == (size_t)(eq - arg) &&
                           strncmp(arg, profiles[p], (size_t)(eq - arg)) == 0)) {
            in->expect[p] = v;
            known = true;
        }
    if (!known)
        return dl_error_set(err, "--expect '%s': the profile is rfc7672 or exchange-online", arg);
    return 0;
}

static json_t *outcome(const struct imp_fromtext *in, struct dl_buf *notes)
{
    json_t *o = json_object();
    for (size_t p = 0; p < 2; p++) {
        char status[16], code[16], reason[64] = "";
        if (in->expect[p] == NULL ||
            sscanf(in->expect[p], "%15[a-z]:%15[0-9.]:%63[a-z0-9-]", status, code, reason) < 2) {
            json_object_set_new(o, profiles[p],
                                json_pack("{s:s}", "error", "not in dig or s_client text"));
            continue;
        }
        json_object_set_new(o, profiles[p],
                            json_pack("{s:s,s:s,s:s,s:n,s:s}", "status", status, "code", code,
                                      "reason", reason, "tlsrpt", "detail", "given by --expect"));
    }
    if (in->expect[0] == NULL || in->expect[1] == NULL)
        dl_buf_printf(notes, "the outcome is in neither dig's nor s_client's text: give what "
                             "the senders report with --expect\n");
    return o;
}

static char *abs_lower(const char *name)
{
    size_t n = strlen(name);
    char *s = dl_xasprintf("%s%s", name, n && name[n - 1] == '.' ? "" : ".");
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

/* o[key] = the RRset of name/type from dig, or a note that dig lacks it. */
static void rrset_to(json_t *o, const char *key, struct imp_fromtext *in, const char *name,
                     const char *type, struct dl_buf *notes)
{
    json_t *r = imp_dig_rrset(&in->dig, name, type, notes);
    if (r)
        json_object_set_new(o, key, r);
    else if (in->dig.n > 0)
        dl_buf_printf(notes, "no dig answer for %s %s: the lab's default stands in\n", name, type);
}

/* The SHA-256 DS of each key-signing key of a DNSKEY RRset (records). */
static json_t *ds_of(const json_t *dnskey, const char *zone)
{
    json_t *out = json_array(), *r;
    size_t i;
    json_array_foreach(json_object_get(dnskey, "records"), i, r) {
        char *line = dl_xasprintf("%s 300 IN DNSKEY %s", zone, json_string_value(r));
        ldns_rr *k = NULL, *ds = NULL;
        if (ldns_rr_new_frm_str(&k, line, 0, NULL, NULL) == LDNS_STATUS_OK &&
            (ldns_rdf2native_int16(ldns_rr_rdf(k, 0)) & 1) &&
            (ds = ldns_key_rr2ds(k, LDNS_SHA256)) != NULL) {
            struct dl_buf b = {0};
            for (size_t f = 0; f < ldns_rr_rd_count(ds); f++) {
                char *s = ldns_rdf2str(ldns_rr_rdf(ds, f));
                dl_buf_printf(&b, "%s%s", f ? " " : "", s ? s : "");
                free(s);
            }
            json_array_append_new(out, json_string(dl_buf_str(&b)));
            dl_buf_free(&b);
        }
        ldns_rr_free(ds);
        ldns_rr_free(k);
        free(line);
    }
    return out;
}

/* A bogus DNSKEY answer whose EDE lacks the validator's words (a cached
 * failure: Unbound attaches them to the first answer only): the words of
 * another answer that names this DNSKEY RRset as the failure before it
 * ("... previous validation failure <ZONE DNSKEY IN>: WHY"). */
static void dnskey_why(const struct imp_fromtext *in, const char *zone, json_t *dnskey)
{
    char *tag = dl_xasprintf("<%s DNSKEY IN>: ", zone);
    const char *why = dl_json_str(dnskey, "why");
    for (size_t i = 0; i < in->dig.n && strstr(why, "): ") == NULL; i++) {
        const char *t = in->dig.msg[i].ede_text, *at = t ? strstr(t, tag) : NULL;
        if (at) {
            char *w = dl_xasprintf("%s (from %s:%u) %s", why, in->dig.msg[i].file,
                                   in->dig.msg[i].line, at + strlen(tag));
            json_object_set_new(dnskey, "why", json_string(w));
            free(w);
            break;
        }
    }
    free(tag);
}

static json_t *zone(struct imp_fromtext *in, const char *name, struct dl_buf *notes)
{
    json_t *z = json_pack("{s:s}", "name", name);
    json_t *dnskey = imp_dig_rrset(&in->dig, name, "DNSKEY", notes);
    json_t *ds = imp_dig_rrset(&in->dig, name, "DS", notes);
    json_t *n3 = imp_dig_rrset(&in->dig, name, "NSEC3PARAM", notes);
    if (strcmp(dl_json_str(dnskey, "status"), "bogus") == 0)
        dnskey_why(in, name, dnskey);
    if (ds == NULL && strcmp(dl_json_str(dnskey, "status"), "secure") == 0) {
        ds = json_pack("{s:s,s:s,s:s,s:o}", "name", name, "type", "DS", "status", "secure",
                       "records", ds_of(dnskey, name));
        dl_buf_printf(notes,
                      "no dig answer for %s DS: its DNSKEY RRset validated, so the SHA-256 DS "
                      "of its key-signing keys stands in\n",
                      name);
    }
    if (n3 == NULL)
        dl_buf_printf(notes, "no dig answer for %s NSEC3PARAM: the lab's denial (NSEC) stands in\n",
                      name);
    json_object_set_new(z, "dnskey", dnskey);
    if (ds)
        json_object_set_new(z, "ds", ds);
    if (n3)
        json_object_set_new(z, "nsec3param", n3);
    return z;
}

/* The zones: every name dig was asked DNSKEY of; the domain's, when dig
 * was not, from the MX verdict (insecure: unsigned; else the lab's). */
static json_t *zones(struct imp_fromtext *in, const char *domain, const json_t *mx,
                     struct dl_buf *notes)
{
    json_t *a = json_array();
    bool have_domain = false;
    for (size_t i = 0; i < in->dig.n && json_array_size(a) < IMP_EVIDENCE_MAX_ZONES; i++) {
        const struct imp_dig_msg *m = &in->dig.msg[i];
        if (strcasecmp(m->qtype, "DNSKEY") != 0 || imp_dig_find(&in->dig, m->qname, "DNSKEY") != m)
            continue;
        json_array_append_new(a, zone(in, m->qname, notes));
        have_domain = have_domain || strcmp(m->qname, domain) == 0;
    }
    if (have_domain)
        return a;
    if (strcmp(dl_json_str(mx, "status"), "insecure") == 0) {
        json_array_append_new(a, json_pack("{s:s,s:{s:s,s:s,s:s,s:[]}}", "name", domain, "dnskey",
                                           "name", domain, "type", "DNSKEY", "status", "insecure",
                                           "records"));
        dl_buf_printf(notes,
                      "no dig answer for %s DNSKEY: the MX RRset is insecure, so the "
                      "zone is unsigned\n",
                      domain);
    } else
        dl_buf_printf(notes,
                      "no dig answer for %s DNSKEY: the lab's signing (ECDSA P-256, a SHA-256 "
                      "DS) stands in\n",
                      domain);
    return a;
}

/* Which host s_client talked to: its -connect name, else the host its
 * leaf certificate names, else the first. */
static size_t server_host(const struct imp_sclient *sc, const json_t *hosts, struct dl_buf *notes,
                          const char *file)
{
    size_t i, k;
    json_t *h, *n;
    char *want = sc->host[0] ? abs_lower(sc->host) : NULL;
    json_array_foreach(hosts, i, h) {
        if (want && strcasecmp(dl_json_str(h, "name"), want) == 0) {
            free(want);
            return i;
        }
    }
    free(want);
    json_array_foreach(hosts, i, h) {
        json_array_foreach(imp_sclient_leaf_names(sc), k, n) {
            char *name = abs_lower(json_string_value(n) ? json_string_value(n) : "");
            bool same = strcasecmp(dl_json_str(h, "name"), name) == 0;
            free(name);
            if (same)
                return i;
        }
    }
    dl_buf_printf(notes, "%s: which MX host it talked to is unknown: taken as the first\n", file);
    return 0;
}

static json_t *host(struct imp_fromtext *in, const char *name, long pref, bool implicit,
                    struct dl_buf *notes)
{
    json_t *h =
        json_pack("{s:s,s:I,s:[]}", "name", name, "preference", (json_int_t)pref, "servers");
    char *tlsa = dl_xasprintf("_25._tcp.%s", name);
    const char *canon;
    if (implicit)
        json_object_set_new(h, "implicit", json_true());
    rrset_to(h, "a", in, name, "A", notes);
    rrset_to(h, "aaaa", in, name, "AAAA", notes);
    rrset_to(h, "tlsa", in, name[0] ? tlsa : name, "TLSA", notes);
    canon = json_string_value(json_object_get(json_object_get(h, "a"), "canonname"));
    if (canon) {
        char *t2 = dl_xasprintf("_25._tcp.%s", canon);
        json_t *r = imp_dig_rrset(&in->dig, t2, "TLSA", notes);
        if (r)
            json_object_set_new(h, "tlsa_expanded", r);
        free(t2);
    }
    free(tlsa);
    return h;
}

/* An MX answer whose records SERVFAIL hid: the hosts are the names dig
 * was asked A of, under the domain (at most IMP_EVIDENCE_MAX_HOSTS). */
static void asked_hosts(struct imp_fromtext *in, const char *domain, const json_t *mx, json_t *a,
                        struct dl_buf *notes)
{
    for (size_t i = 0; i < in->dig.n && json_array_size(a) < IMP_EVIDENCE_MAX_HOSTS; i++) {
        const struct imp_dig_msg *m = &in->dig.msg[i];
        if (strcasecmp(m->qtype, "A") != 0 || !dl_name_under(m->qname, domain) ||
            strcmp(m->qname, domain) == 0 || imp_dig_find(&in->dig, m->qname, "A") != m)
            continue;
        json_array_append_new(a, host(in, m->qname, 10, false, notes));
        dl_buf_printf(notes,
                      "the MX answer holds no records (%s): %s, which dig was asked A of, is "
                      "taken as the MX host, preference 10\n",
                      dl_json_str(mx, "status"), m->qname);
    }
}

/* The hosts of the MX answer (or the implicit MX: the domain itself). */
static json_t *hosts(struct imp_fromtext *in, const char *domain, const json_t *mx,
                     struct dl_buf *notes)
{
    json_t *a = json_array(), *r;
    size_t i;
    json_array_foreach(json_object_get(mx, "records"), i, r) {
        char target[256];
        long pref;
        if (sscanf(json_string_value(r), "%ld %255s", &pref, target) != 2 || pref < 0 ||
            pref > 65535 || strcmp(target, ".") == 0)
            continue;
        if (json_array_size(a) >= IMP_EVIDENCE_MAX_HOSTS) {
            dl_buf_printf(notes, "more than %d MX hosts: the others are left out\n",
                          IMP_EVIDENCE_MAX_HOSTS);
            break;
        }
        char *t = abs_lower(target);
        json_array_append_new(a, host(in, t, pref, false, notes));
        free(t);
    }
    if (json_array_size(json_object_get(mx, "records")) == 0 &&
        strcmp(dl_json_str(mx, "status"), "secure") == 0 && imp_dig_find(&in->dig, domain, "A"))
        json_array_append_new(a, host(in, domain, 0, true, notes));
    else if (json_array_size(json_object_get(mx, "records")) == 0 &&
             (strcmp(dl_json_str(mx, "status"), "bogus") == 0 ||
              strcmp(dl_json_str(mx, "status"), "failed") == 0))
        asked_hosts(in, domain, mx, a, notes);
    return a;
}

static void attach_servers(struct imp_fromtext *in, json_t *hs, struct dl_buf *notes)
{
    for (size_t i = 0; i < in->n_sc; i++) {
        json_t *h = json_array_get(
            hs, server_host(&in->sc[i], hs, notes, dl_json_str(in->sc[i].server, "address")));
        json_t *srv = json_object_get(h, "servers");
        if (json_array_size(srv) >= IMP_EVIDENCE_MAX_SERVERS)
            continue;
        json_array_append(srv, in->sc[i].server);
    }
}

/* No dig text: the host s_client names (its -connect, else its leaf's
 * first name), its parent the domain, one MX record naming it. */
static json_t *without_dig(struct imp_fromtext *in, char **domain, struct dl_buf *notes,
                           struct dl_error *err)
{
    const json_t *names = in->n_sc ? imp_sclient_leaf_names(&in->sc[0]) : NULL;
    const char *h = json_string_value(json_array_get(names, 0)), *dot;
    char *host_name, *rec;
    json_t *mx;
    if (in->n_sc && in->sc[0].host[0])
        h = in->sc[0].host;
    dot = h ? strchr(h, '.') : NULL;
    if (dot == NULL || dot[1] == '\0') {
        dl_error_set(err, "no dig text, and s_client names no host in a domain (give --dig "
                          "with the MX answer)");
        return NULL;
    }
    host_name = abs_lower(h);
    *domain = abs_lower(dot + 1);
    dl_buf_printf(notes,
                  "no dig text: the domain is taken as %s, its one MX %s; its DNS (signing, "
                  "TLSA) is the lab's default\n",
                  *domain, host_name);
    rec = dl_xasprintf("10 %s", host_name);
    mx = json_pack("{s:s,s:s,s:s,s:[s]}", "name", *domain, "type", "MX", "status", "secure",
                   "records", rec);
    free(rec);
    free(host_name);
    return mx;
}

json_t *imp_fromtext_evidence(struct imp_fromtext *in, struct dl_buf *notes, struct dl_error *err)
{
    char *domain = NULL, when[32];
    json_t *mx, *ev, *hs;
    time_t t = in->dig.when ? in->dig.when : time(NULL);
    struct tm tm;
    for (size_t i = 0; i < in->dig.n && domain == NULL; i++)
        if (strcasecmp(in->dig.msg[i].qtype, "MX") == 0)
            domain = dl_xstrdup(in->dig.msg[i].qname);
    if (domain == NULL && in->dig.n > 0) {
        dl_error_set(err, "%s: no MX answer in the dig text (dig +dnssec MX DOMAIN is needed)",
                     in->dig.msg[0].file);
        return NULL;
    }
    if (domain)
        mx = imp_dig_rrset(&in->dig, domain, "MX", notes);
    else if ((mx = without_dig(in, &domain, notes, err)) == NULL)
        return NULL;
    if (in->dig.when == 0)
        dl_buf_printf(notes, "no ';; WHEN:' in UTC in the dig text: dates are relative to now\n");
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    ev = json_pack("{s:s,s:i,s:s,s:s,s:i,s:s,s:[]}", "format", CAP_EVIDENCE_FORMAT, "version",
                   CAP_EVIDENCE_VERSION, "domain", domain, "captured_at", when, "port", 25,
                   "resolver", "(dig's text)", "notes");
    hs = hosts(in, domain, mx, notes);
    attach_servers(in, hs, notes);
    json_object_set_new(ev, "zones", zones(in, domain, mx, notes));
    json_object_set_new(ev, "mx", mx);
    json_object_set_new(ev, "hosts", hs);
    {
        char *rpt = dl_xasprintf("_smtp._tls.%s", domain);
        json_t *r = imp_dig_rrset(&in->dig, rpt, "TXT", notes);
        json_object_set_new(ev, "tlsrpt",
                            r ? r
                              : json_pack("{s:s,s:s,s:s,s:[]}", "name", rpt, "type", "TXT",
                                          "status", "insecure", "records"));
        free(rpt);
    }
    json_object_set_new(ev, "outcome", outcome(in, notes));
    free(domain);
    return ev;
}

void imp_fromtext_free(struct imp_fromtext *in)
{
    imp_dig_free(&in->dig);
    for (size_t i = 0; i < in->n_sc; i++)
        imp_sclient_free(&in->sc[i]);
    in->n_sc = 0;
}
