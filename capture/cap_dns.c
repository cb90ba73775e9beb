#include "cap_dns.h"

#include "dl_util.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The RR type mnemonic of a number ("TLSA"), or "TYPEn" in buf. */
static const char *type_name(int type, char *buf, size_t len)
{
    const ldns_rr_descriptor *d = ldns_rr_descript((uint16_t)type);
    if (d && d->_name)
        return d->_name;
    snprintf(buf, len, "TYPE%d", type);
    return buf;
}

/* RFC 3339 UTC text of a 32-bit DNSSEC time (RFC 4034 3.1.5: serial
 * arithmetic around now, so times past 2106 read right). */
static json_t *dnssec_time(uint32_t t)
{
    struct tm tm;
    char buf[32];
    time_t now = time(NULL);
    int64_t diff = (int32_t)(t - (uint32_t)now);
    time_t abs = now + (time_t)diff;
    gmtime_r(&abs, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* The RDATA fields of rr in presentation form, space separated. */
static char *rdata_text(const ldns_rr *rr)
{
    struct dl_buf b = {0};
    char *out;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        char *f = ldns_rdf2str(ldns_rr_rdf(rr, i));
        dl_buf_printf(&b, "%s%s", i ? " " : "", f ? f : "?");
        free(f);
    }
    out = dl_xstrdup(dl_buf_str(&b));
    dl_buf_free(&b);
    return out;
}

static char *owner_text(const ldns_rr *rr)
{
    char *o = ldns_rdf2str(ldns_rr_owner(rr));
    return o ? o : dl_xstrdup("?");
}

static json_t *signature(const ldns_rr *rr)
{
    json_t *s = json_object();
    char *signer = ldns_rdf2str(ldns_rr_rrsig_signame(rr));
    json_object_set_new(s, "signer", json_string(signer ? signer : "?"));
    json_object_set_new(s, "algorithm",
                        json_integer(ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(rr))));
    json_object_set_new(s, "key_tag",
                        json_integer(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(rr))));
    json_object_set_new(s, "labels", json_integer(ldns_rdf2native_int8(ldns_rr_rrsig_labels(rr))));
    json_object_set_new(s, "original_ttl",
                        json_integer(ldns_rdf2native_int32(ldns_rr_rrsig_origttl(rr))));
    json_object_set_new(s, "inception",
                        dnssec_time(ldns_rdf2native_time_t(ldns_rr_rrsig_inception(rr))));
    json_object_set_new(s, "expiration",
                        dnssec_time(ldns_rdf2native_time_t(ldns_rr_rrsig_expiration(rr))));
    free(signer);
    return s;
}

/* The answer section: the RRset's records, the aliases on the way and the
 * signatures over the RRset (the last owner's). */
static void packet_records(const struct dane_dns_answer *a, int type, json_t *o)
{
    ldns_pkt *pkt = NULL;
    json_t *recs = json_array(), *chain = json_array(), *sigs = json_array();
    size_t skipped = 0;
    if (a->packet && ldns_wire2pkt(&pkt, a->packet, a->packet_len) == LDNS_STATUS_OK) {
        ldns_rr_list *ans = ldns_pkt_answer(pkt);
        for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && i < 4 * CAP_DNS_MAX_RECORDS; i++) {
            const ldns_rr *rr = ldns_rr_list_rr(ans, i);
            int t = ldns_rr_get_type(rr);
            char *text = NULL, *owner;
            if (t == type && json_array_size(recs) >= CAP_DNS_MAX_RECORDS) {
                skipped++;
                continue;
            }
            if (t == type)
                json_array_append_new(recs, json_string(text = rdata_text(rr)));
            else if (t == LDNS_RR_TYPE_CNAME || t == LDNS_RR_TYPE_DNAME) {
                owner = owner_text(rr);
                text = rdata_text(rr);
                json_array_append_new(chain, json_pack("{s:s,s:s,s:s}", "owner", owner, "type",
                                                       t == LDNS_RR_TYPE_CNAME ? "CNAME" : "DNAME",
                                                       "target", text));
                free(owner);
            } else if (t == LDNS_RR_TYPE_RRSIG &&
                       ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == (ldns_rr_type)type)
                json_array_append_new(sigs, signature(rr));
            free(text);
        }
    }
    ldns_pkt_free(pkt);
    json_object_set_new(o, "chain", chain);
    json_object_set_new(o, "records", recs);
    if (skipped)
        json_object_set_new(o, "records_not_kept", json_integer((json_int_t)skipped));
    json_object_set_new(o, "signatures", sigs);
}

static const char *rcode_name(int rcode)
{
    static const char *const names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                        "NXDOMAIN", "NOTIMP",  "REFUSED"};
    return rcode >= 0 && rcode < 6 ? names[rcode] : "OTHER";
}

json_t *cap_dns_rrset(dane_dns *dns, const char *name, int type, struct cap_rrset *info)
{
    struct dane_dns_answer a;
    struct dl_error err;
    char tbuf[16];
    json_t *o = json_object();
    struct cap_rrset dummy;
    if (info == NULL)
        info = &dummy;
    memset(info, 0, sizeof(*info));
    info->verdict = DANE_DNS_FAILED;
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "type", json_string(type_name(type, tbuf, sizeof(tbuf))));
    if (dane_dns_lookup(dns, name, type, &a, &err) != 0) {
        json_object_set_new(o, "status", json_string("error"));
        json_object_set_new(o, "why", json_string(err.msg));
        return o;
    }
    info->verdict = a.verdict;
    json_object_set_new(o, "status", json_string(dane_dns_verdict_name(a.verdict)));
    json_object_set_new(o, "rcode", json_string(rcode_name(a.rcode)));
    json_object_set_new(o, "nxdomain", json_boolean(a.nxdomain));
    json_object_set_new(o, "canonname", a.canonname ? json_string(a.canonname) : json_null());
    json_object_set_new(o, "why", a.why[0] ? json_string(a.why) : json_null());
    if (a.canonname)
        snprintf(info->canon, sizeof(info->canon), "%s", a.canonname);
    packet_records(&a, type, o);
    info->has_data = json_array_size(json_object_get(o, "records")) > 0;
    dane_dns_answer_clear(&a);
    return o;
}
