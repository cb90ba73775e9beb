#include "lab_verdict.h"

#include "dl_util.h"
#include "lab_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lab_verdict_name(enum lab_verdict v)
{
    return v == LAB_VERDICT_LEAK ? "leak" : v == LAB_VERDICT_DEVIATION ? "deviation" : "pass";
}

/* Facts gathered while judging. */
struct judging {
    const struct lab_verdict_in *in;
    const struct scen_accept *a;
    struct lab_verdict_out *out;
    bool leak, dev;
};

static void add_why(struct judging *j, const char *fmt, ...) DL_PRINTF(2, 3);
static void add_why(struct judging *j, const char *fmt, ...)
{
    char *why = j->out->why;
    size_t l = strlen(why), len = sizeof(j->out->why);
    va_list ap;
    if (l && l + 2 < len) {
        memcpy(why + l, "; ", 3);
        l += 2;
    }
    if (l >= len - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(why + l, len - l, fmt, ap);
    va_end(ap);
}

/* The MTA's word for a status: "sent" for delivered. */
static const char *mta_word(const char *status)
{
    return strcmp(status, "delivered") == 0 ? "sent" : status;
}

static bool is_delivered(const struct scen_outcome *o)
{
    return strcmp(o->status, "delivered") == 0;
}

static bool reason_is(const struct scen_outcome *o, const char *r1, const char *r2)
{
    return o->reason != NULL &&
           (strcmp(o->reason, r1) == 0 || (r2 != NULL && strcmp(o->reason, r2) == 0));
}

/* Whether every delivering alternative has reason r1 (or r2); false when
 * none delivers. */
static bool every_delivery(const struct scen_accept *a, const char *r1, const char *r2)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_alt; i++) {
        if (!is_delivered(&a->alt[i]))
            continue;
        if (!reason_is(&a->alt[i], r1, r2))
            return false;
        n++;
    }
    return n > 0;
}

/* "sent | deferred" */
static void accepted_words(const struct scen_accept *a, char *buf, size_t len)
{
    size_t l = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n_alt && l < len; i++)
        l += (size_t)snprintf(buf + l, len - l, "%s%s", i ? " | " : "", mta_word(a->alt[i].status));
}

static const struct lab_ref_host *ref_of(const struct lab_verdict_in *in, const char *address)
{
    for (size_t i = 0; in->ref && i < in->n_ref; i++)
        if (strcmp(in->ref[i].address, address) == 0)
            return &in->ref[i];
    return NULL;
}

/* The model of the host that stored arrival x. */
static void model_of(const struct lab_verdict_in *in, const struct lab_arrival *x,
                     struct lab_model_host *m)
{
    const struct scen *s = in->s;
    int i = lab_model_find_host(s, x->host);
    for (size_t k = 0; i < 0 && k < s->n_hosts; k++)
        for (size_t a = 0; a < s->hosts[k].n_addrs; a++)
            if (s->hosts[k].addrs[a].literal &&
                strcmp(s->hosts[k].addrs[a].literal, x->address) == 0)
                i = (int)k;
    if (i >= 0) {
        lab_model_host_by(s, (size_t)i, in->validator, m);
        return;
    }
    m->policy = LAB_MODEL_UNKNOWN;
    m->use = LAB_MODEL_CANNOT_TELL;
    snprintf(m->why, sizeof(m->why), "a host the scenario does not name");
}

/* The reference client's word on a host, as evidence: " (the reference
 * client did not use it: no-tlsa-match)". */
static void evidence(const struct lab_ref_host *r, char *buf, size_t len)
{
    buf[0] = '\0';
    if (r != NULL && r->tried)
        snprintf(buf, len, " (evidence: the reference client %s it: %s)",
                 r->ok ? "used" : "did not use", r->reason ? r->reason : "?");
}

/* One session that stored the message. */
static void judge_arrival(struct judging *j, const struct lab_arrival *x)
{
    const struct lab_verdict_in *in = j->in;
    const struct lab_ref_host *r = ref_of(in, x->address);
    struct lab_model_host m;
    char ev[160], acc[128];
    bool tls_host;
    model_of(in, x, &m);
    evidence(r, ev, sizeof(ev));
    tls_host = m.policy == LAB_MODEL_DANE || m.policy == LAB_MODEL_TLS_REQUIRED;
    if (!scen_accept_allows(j->a, "delivered")) {
        accepted_words(j->a, acc, sizeof(acc));
        j->leak = true;
        add_why(j, "LEAK: stored by %s (%s) although rfc7672 accepts only %s", x->host,
                x->tls ? x->version : "plaintext", acc);
    } else if (m.use == LAB_MODEL_MUST_NOT_USE) {
        j->leak = true;
        add_why(j, "LEAK: stored by %s, which a DANE client must not use: %s%s", x->host, m.why,
                ev);
    } else if (!x->tls && (tls_host ||
                           every_delivery(j->a, "authenticated", "tls-required-unauthenticated"))) {
        j->leak = true;
        add_why(j, "LEAK: stored by %s in plaintext where TLS is required (%s)", x->host,
                tls_host ? m.why : "every accepted delivery is over TLS");
    } else if (m.use == LAB_MODEL_CANNOT_TELL && r != NULL && r->tried && !r->ok) {
        j->dev = true;
        add_why(j,
                "stored by %s, which the scenario's model cannot judge (%s)%s: a deviation to "
                "look at, not a leak",
                x->host, m.why, ev);
    }
    if (x->tls && m.policy == LAB_MODEL_DANE && x->sni[0] == '\0') {
        j->dev = true;
        add_why(j, "no SNI sent to %s under DANE (RFC 7672 8.1)", x->host);
    }
    /* The MTA's own word on authentication: a DANE host (or one every
     * accepted delivery authenticates) delivered to without verifying it
     * is a deviation even when the certificate happened to be right. */
    if (in->msg->status == LAB_MTA_SENT &&
        ((m.policy == LAB_MODEL_DANE && m.use != LAB_MODEL_MUST_NOT_USE) ||
         every_delivery(j->a, "authenticated", NULL)) &&
        (in->msg->auth == LAB_MTA_AUTH_UNVERIFIED || in->msg->auth == LAB_MTA_AUTH_PLAINTEXT)) {
        j->dev = true;
        add_why(j, "delivered without authenticating the server %s (the MTA logged: %s)", x->host,
                in->msg->auth_text);
    }
}

/* The alternative the MTA's status meets, or -1. Without a status
 * witness, fakesmtp decides: stored is sent, nothing stored is any
 * non-delivered outcome (no DSN to tell deferred from bounced). */
static int status_match(const struct lab_verdict_in *in, const struct scen_accept *a)
{
    for (size_t i = 0; i < a->n_alt; i++) {
        const char *w = mta_word(a->alt[i].status);
        if (in->msg->status == LAB_MTA_NO_STATUS
                ? (in->n_arr > 0) == is_delivered(&a->alt[i])
                : strcmp(w, lab_mta_status_name(in->msg->status)) == 0)
            return (int)i;
    }
    return -1;
}

static void judge_status(struct judging *j)
{
    const struct lab_verdict_in *in = j->in;
    char acc[128];
    accepted_words(j->a, acc, sizeof(acc));
    j->out->matched = status_match(in, j->a);
    if (in->msg->status == LAB_MTA_PENDING) {
        j->dev = true;
        add_why(j, "no status from the MTA within %d s", in->timeout);
    } else if (j->out->matched < 0 && in->msg->status == LAB_MTA_NO_STATUS) {
        /* stored although not accepted: a LEAK above */
        if (in->n_arr == 0) {
            j->dev = true;
            add_why(j, "expected %s, no fakesmtp host stored the message within %d s", acc,
                    in->timeout);
        }
    } else if (j->out->matched < 0) {
        j->dev = true;
        add_why(j, "expected %s, the MTA says %s", acc, lab_mta_status_name(in->msg->status));
    }
    if (in->msg->status == LAB_MTA_SENT && in->n_arr == 0) {
        j->dev = true;
        add_why(j, "the MTA says sent but no fakesmtp host stored the message");
    }
}

/* The outcomes the model derives (lab_model_host_by): the first host a
 * DANE client may use delivers, authenticated on a DANE host, over TLS
 * without authentication where only unusable records exist, else
 * opportunistically (reason not derived); when no host may be used, the
 * domain is deferred: 4.7.324 where its lookups fail, 4.7.323 where
 * authentication fails. */
enum derived { DERIVED_AUTH, DERIVED_TLS, DERIVED_OPPORTUNISTIC, DERIVED_DNS, DERIVED_DANE };
static const struct scen_outcome derived_outcome[] = {
    [DERIVED_AUTH] = {.status = "delivered", .code = "2.0.0", .reason = "authenticated"},
    [DERIVED_TLS] = {.status = "delivered",
                     .code = "2.0.0",
                     .reason = "tls-required-unauthenticated"},
    [DERIVED_OPPORTUNISTIC] = {.status = "delivered", .code = "2.0.0"},
    [DERIVED_DNS] = {.status = "deferred", .code = "4.7.324"},
    [DERIVED_DANE] = {.status = "deferred", .code = "4.7.323"},
};

/* The model's outcome for the domain behind validator v (SCEN_VALIDATOR_COUNT:
 * the general verdicts); false when a host before the first usable one
 * cannot be judged. */
static bool model_outcome(const struct scen *s, enum scen_validator v, enum derived *d)
{
    *d = DERIVED_DNS;
    for (size_t i = 0; i < s->n_hosts; i++) {
        struct lab_model_host m;
        lab_model_host_by(s, i, v, &m);
        if (m.use == LAB_MODEL_CANNOT_TELL)
            return false;
        if (m.use == LAB_MODEL_MAY_USE) {
            *d = m.policy == LAB_MODEL_DANE           ? DERIVED_AUTH
                 : m.policy == LAB_MODEL_TLS_REQUIRED ? DERIVED_TLS
                                                      : DERIVED_OPPORTUNISTIC;
            return true;
        }
        if (i == 0 && m.policy == LAB_MODEL_DANE)
            *d = DERIVED_DANE;
    }
    return s->n_hosts > 0;
}

/* out->accept: the rfc7672 outcomes, or the one that follows from the
 * validator's own verdicts (see lab_verdict.h). */
static void accepted(const struct lab_verdict_in *in, struct lab_verdict_out *out)
{
    const struct scen *s = in->s;
    const struct scen_dns_by *by =
        (unsigned)in->validator < SCEN_VALIDATOR_COUNT ? &s->expect_dns_by[in->validator] : NULL;
    enum derived general, own;
    out->accept = s->expect[SCEN_PROFILE_RFC7672].deliver;
    out->own = false;
    if (by == NULL || !by->set || !model_outcome(s, SCEN_VALIDATOR_COUNT, &general) ||
        !model_outcome(s, in->validator, &own) ||
        !scen_accept_allows(&out->accept, derived_outcome[general].status) ||
        scen_accept_allows(&out->accept, derived_outcome[own].status))
        return;
    memset(&out->accept, 0, sizeof(out->accept));
    out->accept.set = true;
    out->accept.alt[0] = derived_outcome[own];
    out->accept.alt[0].note = by->why;
    out->accept.n_alt = 1;
    out->accept.rfc[0] = by->ref;
    out->accept.n_rfc = 1;
    out->own = true;
}

void lab_verdict_judge(const struct lab_verdict_in *in, struct lab_verdict_out *out)
{
    struct judging j = {.in = in, .a = &out->accept, .out = out};
    out->why[0] = '\0';
    out->matched = -1;
    accepted(in, out);
    if (out->own)
        add_why(&j, "behind %s, by its own DNS verdicts (%s; %s)",
                scen_validator_name(in->validator), j.a->alt[0].note, j.a->rfc[0]);
    for (size_t i = 0; i < in->n_arr; i++)
        judge_arrival(&j, &in->arr[i]);
    judge_status(&j);
    out->verdict = j.leak ? LAB_VERDICT_LEAK : j.dev ? LAB_VERDICT_DEVIATION : LAB_VERDICT_PASS;
}
