#include "dane_dns.h"

#include "dane_ub.h"
#include "dl_util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unbound.h>

#define SYSTEM_ANCHOR "/usr/share/dns/root.key"

/* One answer of the memo (dane_dns_memo_on). */
struct memo_entry {
    char *name; /* as asked, without a final dot */
    int type;
    struct dane_dns_answer ans;
};

struct dane_dns {
    dane_ub *ub;
    int timeout_ms;
    char via[300]; /* where lookups go, for errors: the resolver, "root hints", ... */
    bool memo_on;
    struct memo_entry memo[DANE_DNS_MEMO_MAX];
    size_t n_memo;
    size_t asked; /* lookups given to the validator */
};

const char *dane_dns_verdict_name(enum dane_dns_verdict v)
{
    static const char *const names[] = {"secure", "insecure", "bogus", "failed"};
    return names[v];
}

static int set_opt(struct ub_ctx *ctx, const char *opt, const char *val, struct dl_error *err)
{
    int rc = ub_ctx_set_option(ctx, opt, val);
    if (rc != 0)
        return dl_error_set(err, "resolver option %s %s: %s", opt, val, ub_strerror(rc));
    return 0;
}

/* Where answers come from: a forwarder, root hints, or resolv.conf. */
static int set_source(struct ub_ctx *ctx, const struct dane_dns_opts *o, struct dl_error *err)
{
    int rc;
    if (o->resolver) {
        if ((rc = ub_ctx_set_fwd(ctx, o->resolver)) != 0)
            return dl_error_set(err, "resolver %s: %s", o->resolver, ub_strerror(rc));
        return 0;
    }
    if (o->root_hints)
        return set_opt(ctx, "root-hints:", o->root_hints, err);
    if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0)
        return dl_error_set(err, "/etc/resolv.conf: %s", ub_strerror(rc));
    return 0;
}

static int configure(struct ub_ctx *ctx, const struct dane_dns_opts *o, struct dl_error *err)
{
    const char *anchor = o->trust_anchor ? o->trust_anchor : SYSTEM_ANCHOR;
    char date[32];
    int rc;
    if (o->config && (rc = ub_ctx_config(ctx, o->config)) != 0)
        return dl_error_set(err, "%s: %s", o->config, ub_strerror(rc));
    if (set_opt(ctx, "do-not-query-localhost:", "no", err) != 0 ||
        set_opt(ctx, "val-log-level:", "2", err) != 0 || set_source(ctx, o, err) != 0)
        return -1;
    if (o->has_now) {
        /* libunbound reads the date with atoi(), and 0 switches the
         * override off: the epoch and times past 2038 cannot be given. */
        if (o->now < 1 || o->now > INT_MAX)
            return dl_error_set(err,
                                "validation time %lld: libunbound's val-override-date takes "
                                "1 to %d (the epoch itself means \"no override\")",
                                (long long)o->now, INT_MAX);
        snprintf(date, sizeof(date), "%lld", (long long)o->now);
        if (set_opt(ctx, "val-override-date:", date, err) != 0)
            return -1;
    }
    if ((rc = ub_ctx_add_ta_file(ctx, anchor)) != 0)
        return dl_error_set(err, "trust anchor %s: %s", anchor, ub_strerror(rc));
    /* Last: removing a local zone finalizes the settings. A local-zone
     * option cannot say "nodefault" here; removing the zone does. */
    if ((rc = ub_ctx_zone_remove(ctx, "test.")) != 0 && rc != UB_NOERROR)
        return dl_error_set(err, "resolver: local zone test.: %s", ub_strerror(rc));
    return 0;
}

dane_dns *dane_dns_new(const struct dane_dns_opts *o, struct dl_error *err)
{
    dane_dns *d = dl_xcalloc(1, sizeof(*d));
    if ((d->ub = dane_ub_new(err)) == NULL) {
        free(d);
        return NULL;
    }
    d->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DANE_DNS_TIMEOUT_MS;
    snprintf(d->via, sizeof(d->via), "%s",
             o->resolver     ? o->resolver
             : o->root_hints ? "root hints"
                             : "the resolvers of /etc/resolv.conf");
    if (configure(dane_ub_ctx(d->ub), o, err) != 0) {
        dane_dns_free(d);
        return NULL;
    }
    return d;
}

void dane_dns_free(dane_dns *d)
{
    if (d == NULL)
        return;
    dane_dns_memo_clear(d);
    dane_ub_free(d->ub);
    free(d);
}

/* ---- the memo ------------------------------------------------------------ */

size_t dane_dns_asked(const dane_dns *d)
{
    return d->asked;
}

void dane_dns_memo_on(dane_dns *d)
{
    d->memo_on = true;
}

void dane_dns_memo_clear(dane_dns *d)
{
    for (size_t i = 0; i < d->n_memo; i++) {
        free(d->memo[i].name);
        dane_dns_answer_clear(&d->memo[i].ans);
    }
    d->n_memo = 0;
}

static void answer_copy(struct dane_dns_answer *to, const struct dane_dns_answer *from)
{
    *to = *from;
    to->canonname = from->canonname ? dl_xstrdup(from->canonname) : NULL;
    to->rrs = from->rrs ? dl_xcalloc(from->n_rrs ? from->n_rrs : 1, sizeof(*to->rrs)) : NULL;
    for (size_t i = 0; i < from->n_rrs; i++) {
        to->rrs[i].len = from->rrs[i].len;
        to->rrs[i].data = dl_xmalloc(from->rrs[i].len ? from->rrs[i].len : 1);
        memcpy(to->rrs[i].data, from->rrs[i].data, from->rrs[i].len);
    }
    to->packet = NULL;
    if (from->packet != NULL) {
        to->packet = dl_xmalloc(from->packet_len);
        memcpy(to->packet, from->packet, from->packet_len);
    }
}

/* name without its final dot: its length */
static size_t bare_len(const char *name)
{
    size_t n = strlen(name);
    return n > 1 && name[n - 1] == '.' ? n - 1 : n;
}

static const struct memo_entry *memo_find(const dane_dns *d, const char *name, int type)
{
    size_t n = bare_len(name);
    for (size_t i = 0; i < d->n_memo; i++)
        if (d->memo[i].type == type && strlen(d->memo[i].name) == n &&
            strncasecmp(d->memo[i].name, name, n) == 0)
            return &d->memo[i];
    return NULL;
}

static void memo_keep(dane_dns *d, const char *name, int type, const struct dane_dns_answer *a)
{
    struct memo_entry *e;
    if (d->n_memo == DANE_DNS_MEMO_MAX)
        return; /* full: later answers are asked for again */
    e = &d->memo[d->n_memo++];
    e->name = dl_xasprintf("%.*s", (int)bare_len(name), name);
    e->type = type;
    answer_copy(&e->ans, a);
}

static void copy_rrs(const struct ub_result *r, struct dane_dns_answer *a)
{
    size_t n = 0;
    while (r->havedata && r->data && r->data[n])
        n++;
    a->rrs = dl_xcalloc(n ? n : 1, sizeof(*a->rrs));
    for (size_t i = 0; i < n; i++) {
        a->rrs[i].len = (size_t)r->len[i];
        a->rrs[i].data = dl_xmalloc(a->rrs[i].len ? a->rrs[i].len : 1);
        memcpy(a->rrs[i].data, r->data[i], a->rrs[i].len);
    }
    a->n_rrs = n;
}

static void classify(const struct ub_result *r, struct dane_dns_answer *a)
{
    a->rcode = r->rcode;
    a->nxdomain = r->nxdomain != 0;
    if (r->bogus) {
        a->verdict = DANE_DNS_BOGUS;
        snprintf(a->why, sizeof(a->why), "%s", r->why_bogus ? r->why_bogus : "bogus");
    } else if (r->rcode != 0 && r->rcode != 3) {
        a->verdict = DANE_DNS_FAILED;
        snprintf(a->why, sizeof(a->why), "%s", r->rcode == 2 ? "SERVFAIL" : "DNS error");
    } else
        a->verdict = r->secure ? DANE_DNS_SECURE : DANE_DNS_INSECURE;
}

int dane_dns_lookup(dane_dns *d, const char *name, int type, struct dane_dns_answer *a,
                    struct dl_error *err)
{
    struct ub_result *r = NULL;
    const struct memo_entry *m = d->memo_on ? memo_find(d, name, type) : NULL;
    memset(a, 0, sizeof(*a));
    if (m != NULL) {
        answer_copy(a, &m->ans);
        return 0;
    }
    d->asked++;
    if (dane_ub_resolve(d->ub, name, type, d->timeout_ms, d->via, &r, err) != 0)
        return dl_error_prefix(err, "lookup failed");
    classify(r, a);
    if (r->canonname && strcasecmp(r->canonname, name) != 0)
        a->canonname = dl_xstrdup(r->canonname);
    if (a->verdict != DANE_DNS_BOGUS && a->verdict != DANE_DNS_FAILED)
        copy_rrs(r, a);
    if (r->answer_packet && r->answer_len > 0) {
        a->packet = dl_xmalloc((size_t)r->answer_len);
        memcpy(a->packet, r->answer_packet, (size_t)r->answer_len);
        a->packet_len = (size_t)r->answer_len;
    }
    ub_resolve_free(r);
    if (d->memo_on)
        memo_keep(d, name, type, a);
    return 0;
}

void dane_dns_answer_clear(struct dane_dns_answer *a)
{
    for (size_t i = 0; i < a->n_rrs; i++)
        free(a->rrs[i].data);
    free(a->rrs);
    free(a->canonname);
    free(a->packet);
    memset(a, 0, sizeof(*a));
}

int dane_dns_wire_name(const unsigned char *data, size_t len, size_t *off, char *out, size_t outlen)
{
    size_t o = 0, p = *off;
    for (int labels = 0; labels < 128; labels++) {
        unsigned l;
        if (p >= len || (l = data[p++]) > 63)
            return -1; /* truncated, or a compression pointer */
        if (l == 0) {
            if (o == 0 && outlen > 1)
                out[o++] = '.';
            out[o] = '\0';
            *off = p;
            return 0;
        }
        if (p + l > len || o + l + 2 > outlen)
            return -1;
        for (unsigned i = 0; i < l; i++) {
            unsigned char c = data[p++];
            if (c <= ' ' || c == '.' || c >= 127)
                return -1; /* a host name has none of these */
            out[o++] = (char)tolower(c);
        }
        out[o++] = '.';
    }
    return -1;
}
