#include "lab_dnsask.h"

#include "dl_util.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDNS_OPT_EDE 15 /* RFC 8914 section 2 */
#define MAX_CNAMES   16 /* bound on the chain followed in one answer */

struct lab_dnsask {
    ldns_resolver *res;
    char addr[64]; /* the resolver's address, for messages */
};

lab_dnsask *lab_dnsask_new(const char *addr, struct dl_error *err)
{
    lab_dnsask *a = dl_xcalloc(1, sizeof(*a));
    ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, addr);
    /* Longer than the slowest resolver takes to give up on a name server
     * that never answers: BIND 9.18's resolver-query-timeout is 10 s, and
     * a 5 s client gave up first (ns-tlsa-timeout-signed: no answer,
     * an error instead of the SERVFAIL verdict). */
    struct timeval tv = {.tv_sec = 12};
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    a->res = ldns_resolver_new();
    if (a->res == NULL || ns == NULL) {
        dl_error_set(err, "resolver %s: cannot set up an ldns client", addr);
        ldns_rdf_deep_free(ns);
        lab_dnsask_free(a);
        return NULL;
    }
    ldns_resolver_push_nameserver(a->res, ns);
    ldns_rdf_deep_free(ns);
    ldns_resolver_set_recursive(a->res, true);
    ldns_resolver_set_dnssec(a->res, true); /* DO: the records' signatures too */
    ldns_resolver_set_edns_udp_size(a->res, 1232);
    ldns_resolver_set_timeout(a->res, tv);
    ldns_resolver_set_retry(a->res, 2);
    ldns_resolver_set_fallback(a->res, true);
    return a;
}

void lab_dnsask_free(lab_dnsask *a)
{
    if (a == NULL)
        return;
    if (a->res)
        ldns_resolver_deep_free(a->res);
    free(a);
}

/* The first EDE option of the OPT record's RDATA (RFC 6891 6.1.2:
 * OPTION-CODE, OPTION-LENGTH, OPTION-DATA; RFC 8914 2: INFO-CODE then
 * EXTRA-TEXT). */
static void find_ede(const ldns_pkt *p, struct lab_dnsask_answer *out)
{
    ldns_rdf *d = ldns_pkt_edns_data(p);
    const uint8_t *b = d ? ldns_rdf_data(d) : NULL;
    size_t len = d ? ldns_rdf_size(d) : 0, i = 0;
    while (b && i + 4 <= len) {
        unsigned code = (unsigned)(b[i] << 8 | b[i + 1]),
                 olen = (unsigned)(b[i + 2] << 8 | b[i + 3]);
        if (i + 4 + olen > len)
            return;
        if (code == EDNS_OPT_EDE && olen >= 2) {
            size_t tlen =
                olen - 2 < sizeof(out->ede_text) - 1 ? olen - 2 : sizeof(out->ede_text) - 1;
            out->ede = b[i + 4] << 8 | b[i + 5];
            memcpy(out->ede_text, b + i + 6, tlen);
            out->ede_text[tlen] = '\0';
            /* printable ASCII only: it goes into reports, and a UTF-8
             * sequence (RFC 8914 2) may have been cut at the bound */
            for (size_t k = 0; k < tlen; k++)
                if ((unsigned char)out->ede_text[k] < 0x20 ||
                    (unsigned char)out->ede_text[k] > 0x7e)
                    out->ede_text[k] = '?';
            return;
        }
        i += 4 + olen;
    }
}

/* Follow the CNAME chain from name in the answer section; count the
 * records of type at its end. */
static void walk_answer(const ldns_pkt *p, const char *name, int type,
                        struct lab_dnsask_answer *out)
{
    ldns_rr_list *ans = ldns_pkt_answer(p);
    ldns_rdf *at = ldns_dname_new_frm_str(name);
    for (int hop = 0; at != NULL && hop < MAX_CNAMES; hop++) {
        ldns_rdf *next = NULL;
        for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
            ldns_rr *rr = ldns_rr_list_rr(ans, i);
            if (ldns_dname_compare(ldns_rr_owner(rr), at) != 0)
                continue;
            if ((int)ldns_rr_get_type(rr) == type)
                out->n_answers++;
            else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && next == NULL)
                next = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
        }
        if (next == NULL)
            break;
        ldns_rdf_deep_free(at);
        at = next;
        char *s = ldns_rdf2str(at);
        snprintf(out->canonname, sizeof(out->canonname), "%s", s ? s : "");
        free(s);
    }
    ldns_rdf_deep_free(at);
}

static ldns_pkt *ask(lab_dnsask *a, const char *name, int type, bool cd, struct dl_error *err)
{
    ldns_rdf *q = ldns_dname_new_frm_str(name);
    ldns_pkt *p = NULL;
    ldns_status st;
    if (q == NULL) {
        dl_error_set(err, "'%s': not a domain name", name);
        return NULL;
    }
    /* AD in the query asks for AD in the answer (RFC 6840 5.7) */
    st = ldns_resolver_send(&p, a->res, q, (ldns_rr_type)type, LDNS_RR_CLASS_IN,
                            LDNS_RD | LDNS_AD | (cd ? LDNS_CD : 0));
    ldns_rdf_deep_free(q);
    if (st != LDNS_STATUS_OK || p == NULL) {
        char *t = ldns_rr_type2str((ldns_rr_type)type);
        dl_error_set(err, "no answer from the lab resolver %s for %s %s%s (%s)", a->addr, name,
                     t ? t : "?", cd ? " with CD" : "", ldns_get_errorstr_by_id(st));
        free(t);
        ldns_pkt_free(p);
        return NULL;
    }
    return p;
}

int lab_dnsask_lookup(lab_dnsask *a, const char *name, int type, struct lab_dnsask_answer *out,
                      struct dl_error *err)
{
    ldns_pkt *p = ask(a, name, type, false, err);
    memset(out, 0, sizeof(*out));
    out->ede = -1;
    if (p == NULL)
        return -1;
    out->rcode = ldns_pkt_get_rcode(p);
    out->ad = ldns_pkt_ad(p);
    find_ede(p, out);
    walk_answer(p, name, type, out);
    ldns_pkt_free(p);
    if (out->rcode == LDNS_RCODE_SERVFAIL) {
        if ((p = ask(a, name, type, true, err)) == NULL)
            return -1;
        out->cd_answered = ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR ||
                           ldns_pkt_get_rcode(p) == LDNS_RCODE_NXDOMAIN;
        ldns_pkt_free(p);
    }
    return 0;
}
