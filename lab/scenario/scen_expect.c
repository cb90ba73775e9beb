/* scen_expect: `expect:` and the matching of outcomes (see scen_expect.h). */
#include "scen_expect.h"

#include "dane_retry.h"
#include "dl_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const expect_keys[] = {"dnssec", "dns", "rfc7672", "exchange-online", NULL};
static const char *const dns_keys[] = {"mx", "a", "tlsa", "aaaa", NULL};
static const char *const validator_names[] = {"unbound", "bind", "knot", "pdns", NULL};
/* dns: takes the RRsets and the validators */
static const char *const dns_map_keys[] = {"mx",   "a",    "tlsa", "aaaa", "unbound",
                                           "bind", "knot", "pdns", NULL};
static const char *const by_keys[] = {"mx", "a", "tlsa", "aaaa", "why", "ref", NULL};
static const char *const verdict_keys[] = {"verdict", "reason", NULL};
#define ALT_KEYS "status", "code", "reason", "tlsrpt", "note"
static const char *const outcome_keys[] = {ALT_KEYS, "any", "rfc", "probe", "retry", NULL};
static const char *const probe_keys[] = {ALT_KEYS, "any", "rfc", NULL};
static const char *const alt_keys[] = {ALT_KEYS, NULL};
static const char *const retry_keys[] = {"status", "code",  "reason", "attempts",
                                         "at",     "codes", NULL};
static const char *const attempt_keys[] = {"at", "code", NULL};

static const char *const profile_names[] = {"rfc7672", "exchange-online", NULL};
static const char *const dnssec_names[] = {"secure",   "insecure", "bogus", "servfail",
                                           "nxdomain", "nodata",   NULL};
static const char *const status_names[] = {"delivered", "deferred", "bounced", NULL};
static const char status_class[] = {'2', '4', '5'};
/* RFC 8460 section 4.3 result types. */
static const char *const tlsrpt_names[] = {"starttls-not-supported", "certificate-host-mismatch",
                                           "certificate-expired",    "certificate-not-trusted",
                                           "validation-failure",     "tlsa-invalid",
                                           "dnssec-invalid",         "dane-required",
                                           "sts-policy-fetch-error", "sts-policy-invalid",
                                           "sts-webpki-invalid",     NULL};

const char *scen_profile_name(enum scen_profile p)
{
    if ((int)p < 0 || p >= SCEN_PROFILE_COUNT)
        return NULL;
    return profile_names[p];
}

enum dane_profile scen_profile_client(enum scen_profile p)
{
    return p == SCEN_PROFILE_EXCHANGE_ONLINE ? DANE_PROFILE_EXCHANGE_ONLINE : DANE_PROFILE_RFC7672;
}

int scen_profile_lookup(const char *name)
{
    for (int i = 0; i < SCEN_PROFILE_COUNT; i++)
        if (strcmp(profile_names[i], name) == 0)
            return i;
    return -1;
}

const char *scen_dnssec_name(enum scen_dnssec d)
{
    if (d == SCEN_DNSSEC_UNSET)
        return "unset";
    if (d > SCEN_DNSSEC_NODATA)
        return NULL;
    return dnssec_names[d - 1];
}

const char *scen_validator_name(enum scen_validator v)
{
    return (unsigned)v < SCEN_VALIDATOR_COUNT ? validator_names[v] : NULL;
}

int scen_validator_lookup(const char *name)
{
    for (int i = 0; i < SCEN_VALIDATOR_COUNT; i++)
        if (strcmp(validator_names[i], name) == 0)
            return i;
    return -1;
}

const char *scen_rrset_name(enum scen_rrset r)
{
    return (unsigned)r < SCEN_RRSET_COUNT ? dns_keys[r] : NULL;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                            */

/* [245].[0-9]{1,3}.[0-9]{1,3} */
static bool valid_code(const char *s)
{
    const char *p = s + 2;
    size_t n;
    if (s[0] == '\0' || strchr("245", s[0]) == NULL || s[1] != '.')
        return false;
    n = strspn(p, "0123456789");
    if (n < 1 || n > 3 || p[n] != '.')
        return false;
    p += n + 1;
    n = strspn(p, "0123456789");
    return n >= 1 && n <= 3 && p[n] == '\0';
}

static int parse_code(struct scen_parse *c, const struct scen_yaml_map *m, int status, char **out)
{
    yaml_node_t *n = scen_yaml_require(m, "code", c->err);
    const char *code = NULL;
    if (n == NULL || scen_yaml_str(c->y, n, "code", &code, c->err) != 0)
        return -1;
    if (!valid_code(code))
        return scen_yaml_fail(c->y, n, "code", c->err,
                              "expected an enhanced status code such as 4.7.324, got '%s'", code);
    if (code[0] != status_class[status])
        return scen_yaml_fail(c->y, n, "code", c->err, "status '%s' needs a %c.x.x code, got '%s'",
                              status_names[status], status_class[status], code);
    *out = dl_xstrdup(code);
    return 0;
}

/* An attempt time `at` of key `key` (node n) within profile p's schedule:
 * from 0 to its expiry (dane_retry_expiry). */
static int check_retry_at(struct scen_parse *c, yaml_node_t *n, const char *key,
                          enum scen_profile p, int64_t at)
{
    int64_t expiry = dane_retry_expiry(scen_profile_client(p));
    if (at >= 0 && at <= expiry)
        return 0;
    return scen_yaml_fail(c->y, n, key, c->err,
                          "expected a duration from 0 to %lldh (the %s schedule's last attempt), "
                          "got '%s'",
                          (long long)(expiry / 3600), scen_profile_name(p), scen_yaml_scalar(n));
}

static int parse_retry_codes(struct scen_parse *c, yaml_node_t *n, enum scen_profile p,
                             struct scen_retry *r)
{
    if (n == NULL)
        return 0;
    r->codes = scen_parse_array(c, n, "codes", SCEN_MAX_CODES, sizeof(*r->codes), &r->n_codes);
    if (r->codes == NULL)
        return -1;
    for (size_t i = 0; i < r->n_codes; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i), *at, *code;
        struct scen_attempt *a = &r->codes[i];
        struct scen_yaml_map m;
        const char *text = NULL;
        a->loc = scen_parse_loc(c, item);
        if (scen_yaml_map_open(c->y, item, "codes", "attempt", attempt_keys, &m, c->err) != 0 ||
            (at = scen_yaml_require(&m, "at", c->err)) == NULL ||
            scen_yaml_duration(c->y, at, "at", &a->at, c->err) != 0 ||
            (code = scen_yaml_require(&m, "code", c->err)) == NULL ||
            scen_yaml_str(c->y, code, "code", &text, c->err) != 0)
            return -1;
        if (check_retry_at(c, at, "at", p, a->at) != 0)
            return -1;
        if (i > 0 && a->at <= r->codes[i - 1].at)
            return scen_yaml_fail(c->y, at, "at", c->err,
                                  "not later than the previous attempt (line %u)",
                                  r->codes[i - 1].loc.line);
        if (!valid_code(text))
            return scen_yaml_fail(c->y, code, "code", c->err,
                                  "expected an enhanced status code such as 4.7.324, got '%s'",
                                  text);
        a->code = dl_xstrdup(text);
    }
    return 0;
}

/* retry: {status: delivered|bounced, code, reason?, attempts?, at?, codes?}
 * under profile p: attempts and times bounded by p's schedule. */
static int parse_retry(struct scen_parse *c, yaml_node_t *n, enum scen_profile p,
                       struct scen_retry *r)
{
    struct scen_yaml_map m;
    yaml_node_t *status, *at;
    const char *reason = NULL;
    long attempts = 0;
    int st = 0;
    r->at = -1;
    if (n == NULL)
        return 0;
    r->loc = scen_parse_loc(c, n);
    r->set = true;
    if (scen_yaml_map_open(c->y, n, "retry", "retry expectation", retry_keys, &m, c->err) != 0 ||
        (status = scen_yaml_require(&m, "status", c->err)) == NULL ||
        scen_yaml_enum(c->y, status, "status", status_names, &st, c->err) != 0)
        return -1;
    if (strcmp(status_names[st], "deferred") == 0)
        return scen_yaml_fail(c->y, status, "status", c->err,
                              "a final disposition is delivered or bounced (a message still "
                              "deferred at the schedule's last attempt bounces), got 'deferred'");
    if (parse_code(c, &m, st, &r->code) != 0)
        return -1;
    r->status = dl_xstrdup(status_names[st]);
    if (scen_parse_token(c, scen_yaml_get(&m, "reason"), "reason", &reason) != 0 ||
        scen_yaml_get_int(&m, "attempts", 1, (long)dane_retry_attempts(scen_profile_client(p)),
                          &attempts, c->err) != 0)
        return -1;
    r->reason = reason ? dl_xstrdup(reason) : NULL;
    r->attempts = (unsigned)attempts;
    at = scen_yaml_get(&m, "at");
    if (at != NULL) {
        if (scen_yaml_duration(c->y, at, "at", &r->at, c->err) != 0 ||
            check_retry_at(c, at, "at", p, r->at) != 0)
            return -1;
    }
    return parse_retry_codes(c, scen_yaml_get(&m, "codes"), p, r);
}

/* One outcome: {status, code, reason?, tlsrpt?, note?} read from m. */
static int parse_alt(struct scen_parse *c, yaml_node_t *n, const struct scen_yaml_map *m,
                     struct scen_outcome *o)
{
    yaml_node_t *status = scen_yaml_require(m, "status", c->err);
    const char *reason = NULL;
    int st = 0, tlsrpt = -1;
    if (status == NULL)
        return -1;
    o->loc = scen_parse_loc(c, n);
    /* `status: [delivered, deferred]` is refused: one code cannot have
     * both classes, and pairing a list of statuses with a list of codes
     * by position is easy to misread; any: says which code goes with
     * which status. */
    if (status->type == YAML_SEQUENCE_NODE)
        return scen_yaml_fail(c->y, status, "status", c->err,
                              "a list of statuses is ambiguous with one code: write "
                              "any: [{status: S1, code: C1}, {status: S2, code: C2}]");
    if (scen_yaml_enum(c->y, status, "status", status_names, &st, c->err) != 0 ||
        parse_code(c, m, st, &o->code) != 0 ||
        scen_parse_token(c, scen_yaml_get(m, "reason"), "reason", &reason) != 0 ||
        scen_yaml_get_enum(m, "tlsrpt", tlsrpt_names, &tlsrpt, c->err) != 0 ||
        scen_parse_text(c, scen_yaml_get(m, "note"), "note", &o->note) != 0)
        return -1;
    o->status = dl_xstrdup(status_names[st]);
    o->reason = reason ? dl_xstrdup(reason) : NULL;
    o->tlsrpt = tlsrpt >= 0 ? dl_xstrdup(tlsrpt_names[tlsrpt]) : NULL;
    return 0;
}

/* any: [{status, code, ...}, ...], 1 to SCEN_MAX_ALTERNATIVES outcomes. */
static int parse_any(struct scen_parse *c, yaml_node_t *n, struct scen_accept *a)
{
    size_t len;
    if (scen_yaml_seq(c->y, n, "any", SCEN_YAML_MAX_PAIRS, c->err) != 0)
        return -1;
    len = scen_yaml_seq_len(n);
    if (len == 0)
        return scen_yaml_fail(c->y, n, "any", c->err, "expected at least one outcome");
    if (len > SCEN_MAX_ALTERNATIVES)
        return scen_yaml_fail(c->y, scen_yaml_seq_item(c->y, n, SCEN_MAX_ALTERNATIVES), "any",
                              c->err, "at most %d alternative outcomes, got %zu",
                              SCEN_MAX_ALTERNATIVES, len);
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        struct scen_yaml_map m;
        a->n_alt = i + 1;
        if (scen_yaml_map_open(c->y, item, "any", "alternative outcome", alt_keys, &m, c->err) !=
                0 ||
            parse_alt(c, item, &m, &a->alt[i]) != 0)
            return -1;
    }
    return 0;
}

/* The single form or any:, and rfc:, from the opened mapping m of n. */
static int parse_accept(struct scen_parse *c, yaml_node_t *n, const struct scen_yaml_map *m,
                        struct scen_accept *a)
{
    yaml_node_t *any = scen_yaml_get(m, "any");
    a->loc = scen_parse_loc(c, n);
    a->set = true;
    if (scen_parse_rfc(c, scen_yaml_get(m, "rfc"), a->rfc, &a->n_rfc) != 0)
        return -1;
    if (any == NULL) {
        a->n_alt = 1;
        return parse_alt(c, n, m, &a->alt[0]);
    }
    for (size_t k = 0; alt_keys[k] != NULL; k++) {
        yaml_node_t *v = scen_yaml_get(m, alt_keys[k]);
        if (v != NULL)
            return scen_yaml_fail(c->y, v, alt_keys[k], c->err,
                                  "not beside any: (line %u): give each outcome's %s inside it",
                                  scen_yaml_line(any), alt_keys[k]);
    }
    return parse_any(c, any, a);
}

static int parse_outcome(struct scen_parse *c, yaml_node_t *n, enum scen_profile p,
                         struct scen_expect *e)
{
    struct scen_yaml_map m, pm;
    yaml_node_t *probe;
    if (scen_yaml_map_open(c->y, n, profile_names[p], "expected outcome", outcome_keys, &m,
                           c->err) != 0 ||
        parse_accept(c, n, &m, &e->deliver) != 0)
        return -1;
    e->loc = scen_parse_loc(c, n);
    e->set = true;
    probe = scen_yaml_get(&m, "probe");
    if (probe != NULL && (scen_yaml_map_open(c->y, probe, "probe", "probe expectation", probe_keys,
                                             &pm, c->err) != 0 ||
                          parse_accept(c, probe, &pm, &e->probe) != 0))
        return -1;
    return parse_retry(c, scen_yaml_get(&m, "retry"), p, &e->retry);
}

/* mx: secure, or tlsa: {verdict: bogus, reason: expired}. A bogus verdict
 * needs the keyword when need_reason (libunbound's reason is read: the
 * general verdicts and Unbound's); other verdicts take none. */
static int parse_verdict(struct scen_parse *c, yaml_node_t *n, const char *key,
                         struct scen_verdict *v, bool need_reason)
{
    struct scen_yaml_map m;
    yaml_node_t *vn = n, *rn = NULL;
    const char *reason = NULL;
    int d = -1;
    v->loc = scen_parse_loc(c, n);
    if (n->type == YAML_MAPPING_NODE) {
        if (scen_yaml_map_open(c->y, n, key, "verdict", verdict_keys, &m, c->err) != 0 ||
            (vn = scen_yaml_require(&m, "verdict", c->err)) == NULL)
            return -1;
        rn = scen_yaml_get(&m, "reason");
        if (scen_yaml_str(c->y, rn, "reason", &reason, c->err) != 0)
            return -1;
    }
    if (scen_yaml_enum(c->y, vn, key, dnssec_names, &d, c->err) != 0)
        return -1;
    v->verdict = (enum scen_dnssec)(d + 1);
    if (v->verdict == SCEN_DNSSEC_BOGUS && need_reason && (reason == NULL || *reason == '\0'))
        return scen_yaml_fail(c->y, n, key, c->err,
                              "a bogus verdict needs the keyword the validator's reason must "
                              "contain: {verdict: bogus, reason: WORD}");
    if (v->verdict != SCEN_DNSSEC_BOGUS && reason != NULL)
        return scen_yaml_fail(c->y, rn, "reason", c->err, "only a bogus verdict takes a reason");
    v->reason = reason ? dl_xstrdup(reason) : NULL;
    return 0;
}

/* The RRset verdicts of map m into dns[] (by: a validator's, where the
 * MX verdict may differ from `dnssec:`). */
static int parse_rrset_verdicts(struct scen_parse *c, const struct scen_yaml_map *m,
                                const yaml_node_t *dnssec, bool by, bool need_reason,
                                struct scen_verdict dns[SCEN_RRSET_COUNT])
{
    for (int r = 0; r < SCEN_RRSET_COUNT; r++) {
        yaml_node_t *v = scen_yaml_get(m, dns_keys[r]);
        if (v == NULL)
            continue;
        if (r == SCEN_RRSET_MX && dnssec != NULL && !by)
            return scen_yaml_fail(c->y, v, "mx", c->err,
                                  "the MX verdict is already given by 'dnssec' (line %u)",
                                  scen_yaml_line(dnssec));
        if (r != SCEN_RRSET_MX && c->n_hosts == 0)
            return scen_yaml_fail(c->y, v, dns_keys[r], c->err,
                                  "needs an MX host (the verdict is about the first one's)");
        if (parse_verdict(c, v, dns_keys[r], &dns[r], need_reason) != 0)
            return -1;
    }
    return 0;
}

/* bind: {tlsa: servfail, why: TEXT, ref: TEXT}: at least one RRset, and
 * why and ref, non-empty. */
static int parse_dns_by(struct scen_parse *c, yaml_node_t *n, enum scen_validator v,
                        struct scen_dns_by *b)
{
    const char *key = validator_names[v], *why = NULL, *ref = NULL;
    char what[32];
    struct scen_yaml_map m;
    yaml_node_t *wn, *rn;
    bool any = false;
    b->loc = scen_parse_loc(c, n);
    b->set = true;
    snprintf(what, sizeof(what), "dns: %s", key);
    if (scen_yaml_map_open(c->y, n, key, what, by_keys, &m, c->err) != 0 ||
        parse_rrset_verdicts(c, &m, NULL, true, v == SCEN_VALIDATOR_UNBOUND, b->dns) != 0)
        return -1;
    for (int r = 0; r < SCEN_RRSET_COUNT; r++)
        any = any || b->dns[r].verdict != SCEN_DNSSEC_UNSET;
    if (!any)
        return scen_yaml_fail(c->y, n, key, c->err,
                              "states no verdict: give the RRsets (mx, a, tlsa, aaaa) where %s "
                              "differs",
                              key);
    if ((wn = scen_yaml_require(&m, "why", c->err)) == NULL ||
        scen_yaml_str(c->y, wn, "why", &why, c->err) != 0 ||
        (rn = scen_yaml_require(&m, "ref", c->err)) == NULL ||
        scen_yaml_str(c->y, rn, "ref", &ref, c->err) != 0)
        return -1;
    if (why == NULL || *why == '\0' || ref == NULL || *ref == '\0')
        return scen_yaml_fail(c->y, n, key, c->err,
                              "a validator's own verdicts need why it differs and a reference "
                              "(why: TEXT, ref: \"RFC 9276 3.2\" or its documentation)");
    b->why = dl_xstrdup(why);
    b->ref = dl_xstrdup(ref);
    return 0;
}

/* dns: {mx, a, tlsa, aaaa, VALIDATOR...} into dns[] and by[]; `dnssec`
 * is the node of `dnssec:`, which gives the MX verdict too (NULL when
 * absent). */
static int parse_dns_expect(struct scen_parse *c, yaml_node_t *n, const yaml_node_t *dnssec,
                            struct scen_verdict dns[SCEN_RRSET_COUNT],
                            struct scen_dns_by by[SCEN_VALIDATOR_COUNT])
{
    struct scen_yaml_map m;
    if (scen_yaml_map_open(c->y, n, "dns", "dns", dns_map_keys, &m, c->err) != 0 ||
        parse_rrset_verdicts(c, &m, dnssec, false, true, dns) != 0)
        return -1;
    for (int v = 0; v < SCEN_VALIDATOR_COUNT; v++) {
        yaml_node_t *bn = scen_yaml_get(&m, validator_names[v]);
        if (bn != NULL && parse_dns_by(c, bn, (enum scen_validator)v, &by[v]) != 0)
            return -1;
    }
    return 0;
}

void scen_dns_by_clear(struct scen_dns_by *b)
{
    for (int r = 0; r < SCEN_RRSET_COUNT; r++)
        free(b->dns[r].reason);
    free(b->why);
    free(b->ref);
    memset(b, 0, sizeof(*b));
}

int scen_expect_parse(struct scen_parse *c, yaml_node_t *n, enum scen_dnssec *dnssec_out,
                      struct scen_verdict dns[SCEN_RRSET_COUNT],
                      struct scen_dns_by by[SCEN_VALIDATOR_COUNT],
                      struct scen_expect expect[SCEN_PROFILE_COUNT])
{
    struct scen_yaml_map m;
    yaml_node_t *dns_node;
    int dnssec = -1;
    if (n == NULL)
        return 0;
    if (scen_yaml_map_open(c->y, n, "expect", "expect", expect_keys, &m, c->err) != 0 ||
        scen_yaml_get_enum(&m, "dnssec", dnssec_names, &dnssec, c->err) != 0)
        return -1;
    *dnssec_out = (enum scen_dnssec)(dnssec + 1);
    dns[SCEN_RRSET_MX].verdict = *dnssec_out;
    dns_node = scen_yaml_get(&m, "dns");
    if (dns_node != NULL &&
        parse_dns_expect(c, dns_node, scen_yaml_get(&m, "dnssec"), dns, by) != 0)
        return -1;
    if (dns[SCEN_RRSET_MX].verdict != SCEN_DNSSEC_UNSET)
        *dnssec_out = dns[SCEN_RRSET_MX].verdict;
    for (int p = 0; p < SCEN_PROFILE_COUNT; p++) {
        yaml_node_t *o = scen_yaml_get(&m, profile_names[p]);
        if (o != NULL && parse_outcome(c, o, (enum scen_profile)p, &expect[p]) != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Matching and freeing                                               */

static void retry_clear(struct scen_retry *r)
{
    free(r->status);
    free(r->code);
    free(r->reason);
    for (size_t i = 0; i < r->n_codes; i++)
        free(r->codes[i].code);
    free(r->codes);
}

static void accept_clear(struct scen_accept *a)
{
    for (size_t i = 0; i < a->n_alt; i++) {
        free(a->alt[i].status);
        free(a->alt[i].code);
        free(a->alt[i].reason);
        free(a->alt[i].tlsrpt);
        free(a->alt[i].note);
    }
    for (size_t i = 0; i < a->n_rfc; i++)
        free(a->rfc[i]);
}

static bool same(const char *want, const char *seen)
{
    return want == NULL || (seen != NULL && strcmp(want, seen) == 0);
}

/* What differs between one outcome and what was observed; "" if none. */
static void alt_mismatch(const struct scen_outcome *o, const char *status, const char *code,
                         const char *reason, const char *tlsrpt, char *why, size_t len)
{
    why[0] = '\0';
    if (strcmp(o->status, status) != 0 || strcmp(o->code, code) != 0)
        snprintf(why, len, "expected %s %s, observed %s %s", o->status, o->code, status, code);
    else if (!same(o->reason, reason))
        snprintf(why, len, "expected reason %s, observed %s", o->reason, reason ? reason : "none");
    else if (!same(o->tlsrpt, tlsrpt))
        snprintf(why, len, "expected TLS-RPT %s, observed %s", o->tlsrpt, tlsrpt ? tlsrpt : "none");
}

int scen_accept_match(const struct scen_accept *a, const char *status, const char *code,
                      const char *reason, const char *tlsrpt, char *why, size_t len)
{
    size_t l;
    for (size_t i = 0; i < a->n_alt; i++) {
        alt_mismatch(&a->alt[i], status, code, reason, tlsrpt, why, len);
        if (why[0] == '\0')
            return (int)i;
    }
    if (a->n_alt <= 1)
        return -1;
    l = (size_t)snprintf(why, len, "expected one of");
    for (size_t i = 0; i < a->n_alt && l < len; i++) {
        const struct scen_outcome *o = &a->alt[i];
        l += (size_t)snprintf(why + l, len - l, "%s%s %s%s%s%s", i ? " | " : " ", o->status,
                              o->code, o->reason ? " (" : "", o->reason ? o->reason : "",
                              o->reason ? ")" : "");
    }
    if (l < len)
        snprintf(why + l, len - l, ", observed %s %s (%s)", status, code,
                 reason ? reason : "no reason");
    return -1;
}

bool scen_accept_allows(const struct scen_accept *a, const char *status)
{
    for (size_t i = 0; i < a->n_alt; i++)
        if (strcmp(a->alt[i].status, status) == 0)
            return true;
    return false;
}

void scen_expect_clear(struct scen_expect *e)
{
    accept_clear(&e->deliver);
    accept_clear(&e->probe);
    retry_clear(&e->retry);
}
