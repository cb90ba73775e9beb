#include "lab_mta_retry.h"

#include "dl_util.h"
#include "lab_interrupt.h"
#include "lab_mtareport.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KICK_AGAIN_MS 3000 /* a due message not taken yet: ask again */
#define BOUNCE_WAIT_S 15   /* for a non-delivery report to reach the mailbox */
#define DUE_WAIT_S    10   /* a queued message past its next try, untried */
#define COALESCE_S    10   /* next tries this close: one clock move (next_move) */

static bool finished(const struct lab_mta_msg *m)
{
    return m->status == LAB_MTA_SENT || m->status == LAB_MTA_BOUNCED;
}

/* Install the state of each scenario in force `at` seconds after the
 * first attempt, where it differs from the one installed. */
static int states_at(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                     int64_t at, struct dl_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int index = lab_state_at(items[i].s, at);
        if (index != items[i].st.state &&
            lab_state_install(&r->env, items[i].index, index, &items[i].st, err) != 0)
            return dl_error_prefix(err, "--retry: %s at +%llds", items[i].s->name, (long long)at);
    }
    return 0;
}

/* The clock to `when`, the adapter told. */
static int move_clock(struct lab_mta_retry *r, time_t when, struct dl_error *err)
{
    if (lab_vclock_set(r->clock, when, err) != 0)
        return -1;
    r->vnow = when;
    return 0;
}

int lab_mta_retry_prepare(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                          struct dl_error *err)
{
    for (size_t i = 0; i < n; i++) /* first: finish restores only what was installed */
        lab_state_init(&items[i].st);
    if (r->ad->retry == NULL || r->ad->next_try == NULL || r->ad->kick == NULL)
        return dl_error_set(err, "--retry: the %s adapter cannot run on the virtual clock yet",
                            r->ad->name);
    if (r->scheduled && r->ad->schedule == NULL)
        return dl_error_set(err, "--schedule: the %s adapter cannot set the MTA's retry rules",
                            r->ad->name);
    if (r->scheduled && r->ad->schedule(r->mta, r->schedule, err) != 0)
        return -1;
    if ((r->clock = lab_vclock_new(r->env.run_dir, err)) == NULL ||
        move_clock(r, r->env.now, err) != 0 || states_at(r, items, n, 0, err) != 0)
        return -1;
    r->mc.env = lab_vclock_env(r->clock);
    r->mc.now = &r->vnow;
    r->mc.sender = "sender@mta.danelab.invalid";
    for (size_t i = 0; i < n; i++)
        items[i].awaiting = true; /* the first attempt */
    return r->ad->retry(r->mta, &r->mc, err);
}

/* Read the MTA's log into the items' messages. */
static void poll_all(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                     struct lab_mta_msg *msgs)
{
    for (size_t i = 0; i < n; i++)
        msgs[i] = *items[i].msg;
    r->ad->poll(r->mta, msgs, n);
    for (size_t i = 0; i < n; i++)
        *items[i].msg = msgs[i];
}

/* Give each new attempt of each message its reference outcome (in the
 * state installed: the clock has not moved since it was made); returns
 * how many there were. */
static size_t judge_new(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n)
{
    size_t judged = 0;
    for (size_t i = 0; i < n; i++) {
        struct lab_mta_msg *m = items[i].msg;
        for (; items[i].n_judged < m->n_att; items[i].n_judged++) {
            struct lab_mta_attempt *a = &m->att[items[i].n_judged];
            a->state = items[i].st.state;
            r->ref(r->ref_ctx, items[i].s, a->at > 0 ? a->at : r->vnow, a);
            items[i].awaiting = false;
            items[i].expect = 0;
            judged++;
        }
        if (finished(m))
            items[i].awaiting = false;
    }
    return judged;
}

/* An unfinished message waiting in the queue (not in flight) for a time
 * the virtual clock has passed, its next try into *when; NULL when none. */
static const struct lab_mta_retry_item *
overdue(struct lab_mta_retry *r, const struct lab_mta_retry_item *items, size_t n, time_t *when)
{
    for (size_t i = 0; i < n; i++)
        if (!finished(items[i].msg) && r->ad->next_try(r->mta, items[i].msg, when) == 1 &&
            *when <= lab_vclock_now(r->clock))
            return &items[i];
    return NULL;
}

/* The kicks of a drive: when the last was made, and its failure. */
struct kicks {
    double at;
    bool failed;
    struct dl_error err;
};

/* Ask the MTA for a queue run. A failure is remembered, not fatal: a
 * queue manager busy for a moment refuses one (a closed connection:
 * postkick dies of SIGPIPE, the Postfix adapter's trigger gets EPIPE),
 * the next kick or the MTA's own queue run does the
 * work, and an MTA that takes no due message at all is caught by
 * check_overdue, which names the failure. */
static void kick(struct lab_mta_retry *r, struct kicks *k)
{
    k->failed = r->ad->kick(r->mta, &k->err) != 0;
    k->at = dl_mono();
}

/* Every wait for the MTA is bounded: a message past its next try on the
 * virtual clock, its queue run asked for, and no attempt read for
 * DUE_WAIT_S seconds of wall time means the MTA does not see the clock
 * the lab moved (a daemon started without its environment: its own next
 * try, written on the real clock, never comes), or cannot be asked for
 * a queue run. Not a verdict on the MTA's schedule but a lab that cannot
 * drive it: -1 with err set. */
static int check_overdue(struct lab_mta_retry *r, const struct lab_mta_retry_item *items, size_t n,
                         double progress, const struct kicks *k, struct dl_error *err)
{
    const struct lab_mta_retry_item *it;
    time_t when;
    char t[32];
    if (dl_mono() - progress <= DUE_WAIT_S || (it = overdue(r, items, n, &when)) == NULL)
        return 0;
    lab_mtareport_after(t, sizeof(t), (long long)(when - r->env.now));
    return dl_error_set(err,
                        "--retry: %s: queued for its next try at %s on the virtual clock, "
                        "which is past, and not tried within %d s of wall time although its "
                        "queue run was asked for: the MTA does not run on the lab's virtual "
                        "clock (are all its processes started with the clock's environment? "
                        "danelab(1), Retries on the virtual clock)%s%s",
                        it->s->name, t, DUE_WAIT_S,
                        k->failed ? "; the last queue run asked for failed: " : "",
                        k->failed ? k->err.msg : "");
}

/* The earliest time a waiting message is next tried, into *when: 1; 0
 * when some message is in flight, due or awaited (nothing to move); -1
 * when every message is finished. A message whose next try changed since
 * the clock last moved, with no attempt read since, was tried by the MTA
 * (the clock runs on between moves, and a message due a few seconds after
 * the others is taken in the same queue run) and its log line is not read
 * yet: awaited, so that the attempt is judged in the state it met and not
 * in one installed after it. Next tries within COALESCE_S seconds after
 * the earliest make one move, to the latest of them: messages queued
 * together drift apart by a second or two at each attempt (each next try
 * counts from its own attempt), and one queue run then takes them all
 * instead of a clock move and a queue run each; the earlier ones are
 * tried a few seconds late, as a queue manager's periodic scan
 * (Postfix's queue_run_delay, 300 s) would try them later still, and
 * each attempt is judged at the time it was made. */
static int next_move(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                     time_t *when)
{
    time_t first = 0, t;
    bool any = false;
    *when = 0;
    for (size_t i = 0; i < n; i++) {
        if (finished(items[i].msg))
            continue;
        any = true;
        if (items[i].awaiting || r->ad->next_try(r->mta, items[i].msg, &t) != 1 ||
            t <= lab_vclock_now(r->clock))
            return 0;
        if (items[i].expect != 0 && t != items[i].expect) {
            items[i].awaiting = true;
            return 0;
        }
        if (first == 0 || t < first)
            first = t;
    }
    *when = first;
    for (size_t i = 0; i < n; i++)
        if (!finished(items[i].msg) && r->ad->next_try(r->mta, items[i].msg, &t) == 1 &&
            t > *when && t <= first + COALESCE_S)
            *when = t;
    return any ? 1 : -1;
}

/* Wait (bounded) for the non-delivery reports of returned messages. */
static void read_bounces(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                         struct lab_mta_msg *msgs)
{
    double deadline = dl_mono() + BOUNCE_WAIT_S;
    for (bool missing = true; missing && !lab_interrupted();) {
        missing = false;
        poll_all(r, items, n, msgs);
        for (size_t i = 0; i < n; i++)
            if (items[i].msg->status == LAB_MTA_BOUNCED && items[i].bounce == NULL &&
                r->ad->bounce != NULL &&
                (items[i].bounce = r->ad->bounce(r->mta, items[i].msg)) == NULL)
                missing = true;
        if (missing && dl_mono() > deadline)
            break;
        if (missing)
            dl_sleep_ms(100);
    }
}

int lab_mta_retry_drive(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                        struct dl_error *err)
{
    struct lab_mta_msg *msgs = dl_xcalloc(n + 1, sizeof(*msgs));
    double t0 = dl_mono(), deadline = t0 + r->timeout_s, progress = t0;
    struct kicks k = {.at = t0};
    int rc = 0;
    for (;;) {
        time_t when;
        int next;
        poll_all(r, items, n, msgs);
        if (judge_new(r, items, n) > 0)
            progress = dl_mono();
        next = next_move(r, items, n, &when);
        if (next < 0 || lab_interrupted() || dl_mono() > deadline)
            break;
        if (next == 0) {
            if ((rc = check_overdue(r, items, n, progress, &k, err)) != 0)
                break;
            if ((dl_mono() - k.at) * 1000 > KICK_AGAIN_MS)
                kick(r, &k);
            dl_sleep_ms(20);
            continue;
        }
        if ((rc = states_at(r, items, n, (int64_t)(when - r->env.now), err)) != 0 ||
            (rc = move_clock(r, when, err)) != 0)
            break;
        for (size_t i = 0; i < n; i++) {
            time_t t;
            items[i].expect = 0;
            if (finished(items[i].msg) || r->ad->next_try(r->mta, items[i].msg, &t) != 1)
                continue;
            if (t <= when)
                items[i].awaiting = true;
            else
                items[i].expect = t;
        }
        kick(r, &k);
        progress = k.at;
    }
    if (rc == 0)
        read_bounces(r, items, n, msgs);
    free(msgs);
    r->wall = dl_mono() - t0;
    return rc;
}

int lab_mta_retry_finish(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                         struct dl_error *err)
{
    struct dl_error e2;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (lab_state_restore(&r->env, items[i].index, &items[i].st, &e2) != 0 && rc == 0) {
            *err = e2;
            rc = -1;
        }
        free(items[i].bounce);
        items[i].bounce = NULL;
    }
    if (lab_vclock_free(r->clock, &e2) != 0 && rc == 0) {
        *err = e2;
        rc = -1;
    }
    r->clock = NULL;
    lab_smtp_free(r->env.smtp);
    r->env.smtp = NULL;
    return rc;
}

/* Where an attempt went, for messages. */
static const char *relay_of(const struct lab_mta_attempt *a)
{
    return a->relay[0] ? a->relay : "(relay not reported)";
}

/* The first attempt that breaks a rule about deliveries and deferrals,
 * judged against the reference client at its time; 0 when none. A
 * delivery whose authentication the adapter cannot tell (the command
 * adapter: LAB_MTA_AUTH_UNKNOWN) is judged by the reference client and
 * fakesmtp's sessions alone. */
static enum lab_verdict judge_attempts(const struct lab_mta_retry *r,
                                       const struct lab_mta_retry_item *it, char *why, size_t len)
{
    const struct lab_mta_msg *m = it->msg;
    char t[32];
    for (size_t k = 0; k < m->n_att; k++) {
        const struct lab_mta_attempt *a = &m->att[k];
        lab_mtareport_after(t, sizeof(t), (long long)(a->at - r->env.now));
        if (a->status == LAB_MTA_SENT && !a->ref_delivers) {
            snprintf(why, len,
                     "attempt %zu at %s delivered to %s while the reference client refused "
                     "(%s %s): the DANE failure lasted",
                     k + 1, t, relay_of(a), a->ref_code, a->ref_reason);
            return LAB_VERDICT_LEAK;
        }
        if (a->status == LAB_MTA_SENT && a->auth != LAB_MTA_AUTH_VERIFIED &&
            a->auth != LAB_MTA_AUTH_UNKNOWN) {
            snprintf(why, len, "attempt %zu at %s delivered to %s without authenticating it (%s)",
                     k + 1, t, relay_of(a), lab_mta_auth_name(a->auth));
            return LAB_VERDICT_DEVIATION;
        }
        if (a->status != LAB_MTA_SENT && a->ref_delivers) {
            snprintf(why, len,
                     "attempt %zu at %s %s (%s %s) although the reference client delivered "
                     "then: not delivered at the first retry after the fix",
                     k + 1, t, lab_mta_status_name(a->status), a->dsn, a->reason);
            return LAB_VERDICT_DEVIATION;
        }
    }
    return LAB_VERDICT_PASS;
}

/* The value of a delivery-status field (RFC 3464 2.3: "NAME: value",
 * the name matched without regard to case) in a non-delivery report's
 * text, into buf ("" when absent). The first one found: each report holds
 * one recipient's part. */
static void dsn_field(const char *text, const char *name, char *buf, size_t len)
{
    size_t nl = strlen(name);
    buf[0] = '\0';
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1 + strspn(l + nl + 1, " \t");
            snprintf(buf, len, "%.*s", (int)strcspn(v, "\r\n"), v);
            return;
        }
}

/* Whether `text` holds `words` with every run of white space (line
 * breaks included) in either taken as one space: a report folds a long
 * Diagnostic-Code (RFC 5322 2.2.3, RFC 3464 2.3.6) and wraps its human
 * part (Postfix at about 76 columns), so a reason longer than a line is
 * quoted across lines. */
static bool quotes(const char *text, const char *words)
{
    static const char ws[] = " \t\r\n";
    for (const char *t = text; *t; t++)
        for (const char *a = t, *b = words;;) {
            if (*b == '\0')
                return true;
            if (isspace((unsigned char)*a) && isspace((unsigned char)*b)) {
                a += strspn(a, ws);
                b += strspn(b, ws);
            } else if (*a != '\0' && *a == *b) {
                a++;
                b++;
            } else
                break;
        }
    return *words == '\0';
}

/* The rules about giving up: not before the queue lifetime nor 4 days,
 * and a non-delivery report in the mailbox naming the failure, its
 * Action "failed" (RFC 3464 2.3.3: the MTA has abandoned the message)
 * and its Status class 4 or 5. RFC 3464 2.3.4 only asks for an RFC 3463
 * code, and RFC 3463 3.1 defines class 4 as a "persistent transient
 * failure" where "persistence of some temporary condition has caused
 * abandonment or delay", adding "If this code accompanies a delivery
 * failure report, sending in the future may be successful": a 4.x.x
 * Status with Action: failed (Postfix's expiry, the last deferral's
 * code) is allowed, so it passes; a 2.x.x one does not. The 5.x.x that
 * the profiles' retry expectations name (the seeds' Exchange Online) is
 * no RFC requirement and is not asked of an MTA here. */
static enum lab_verdict judge_bounce(const struct lab_mta_retry *r,
                                     const struct lab_mta_retry_item *it, char *why, size_t len)
{
    const struct lab_mta_msg *m = it->msg;
    const struct lab_mta_attempt *last = m->n_att ? &m->att[m->n_att - 1] : NULL;
    long life = r->ad->lifetime ? r->ad->lifetime(r->mta) : 0;
    int64_t after = m->expired - r->env.now, least = LAB_MTA_RETRY_MIN_GIVEUP;
    char t[32], action[32], status[16], rule[96];
    lab_mtareport_after(t, sizeof(t), (long long)(after));
    snprintf(rule, sizeof(rule), "RFC 5321 4.5.4.1: give up no earlier than 4-5 days");
    if (r->scheduled) { /* the schedule's expiry, within the tolerance */
        least = dane_retry_expiry(r->schedule) - LAB_MTA_RETRY_TOLERANCE;
        snprintf(rule, sizeof(rule), "the %s schedule gives up at its last attempt",
                 dane_profile_name(r->schedule));
    }
    if (after < least || after < life) {
        snprintf(why, len, "returned to the sender at %s, before %s (%s; queue lifetime %lds)", t,
                 after < least ? (r->scheduled ? "the schedule's expiry" : "4 days")
                               : "its queue lifetime",
                 rule, life);
        return LAB_VERDICT_DEVIATION;
    }
    if (it->bounce == NULL) {
        snprintf(why, len,
                 "returned at %s, but no non-delivery report reached the sender's "
                 "mailbox",
                 t);
        return LAB_VERDICT_DEVIATION;
    }
    dsn_field(it->bounce, "Action", action, sizeof(action));
    dsn_field(it->bounce, "Status", status, sizeof(status));
    if (strcasecmp(action, "failed") != 0) {
        snprintf(why, len, "the non-delivery report's Action is '%s', not failed (RFC 3464 2.3.3)",
                 action);
        return LAB_VERDICT_DEVIATION;
    }
    if ((status[0] != '4' && status[0] != '5') || status[1] != '.') {
        snprintf(why, len,
                 "the non-delivery report's Status is '%s', not a failure class 4.x.x or "
                 "5.x.x (RFC 3463 3.1)",
                 status);
        return LAB_VERDICT_DEVIATION;
    }
    if (last && last->reason[0] && !quotes(it->bounce, last->reason)) {
        snprintf(why, len, "the non-delivery report does not name the failure (\"%s\")",
                 last->reason);
        return LAB_VERDICT_DEVIATION;
    }
    snprintf(why, len, "deferred %zu times, returned at %s, Action failed, Status %s (%s)",
             m->n_att, t, status, last ? last->reason : "");
    return LAB_VERDICT_PASS;
}

enum lab_verdict lab_mta_retry_judge(const struct lab_mta_retry *r,
                                     const struct lab_mta_retry_item *it,
                                     const struct lab_arrival *arr, size_t n_arr, char *why,
                                     size_t len)
{
    const struct lab_mta_msg *m = it->msg;
    enum lab_verdict v;
    for (size_t i = 0; i < n_arr; i++)
        if (!arr[i].tls) {
            snprintf(why, len, "stored by %s in plaintext", arr[i].host);
            return LAB_VERDICT_LEAK;
        }
    if ((v = judge_attempts(r, it, why, len)) != LAB_VERDICT_PASS)
        return v;
    if (m->status == LAB_MTA_BOUNCED) {
        const struct lab_mta_attempt *last = m->n_att ? &m->att[m->n_att - 1] : NULL;
        if (last && last->ref_delivers) {
            snprintf(why, len, "returned to the sender although the reference client delivered");
            return LAB_VERDICT_DEVIATION;
        }
        return judge_bounce(r, it, why, len);
    }
    if (m->status == LAB_MTA_SENT) {
        if (n_arr == 0) {
            snprintf(why, len, "sent, but stored by no MX host");
            return LAB_VERDICT_DEVIATION;
        }
        snprintf(why, len,
                 "delivered at attempt %zu, %s, when the reference client first delivered",
                 m->n_att,
                 m->n_att && m->att[m->n_att - 1].auth == LAB_MTA_AUTH_UNKNOWN
                     ? "over TLS (its authentication not reported)"
                     : "authenticated");
        return LAB_VERDICT_PASS;
    }
    snprintf(why, len, "still %s after %d s of wall time (%zu attempts)",
             lab_mta_status_name(m->status), r->timeout_s, m->n_att);
    return LAB_VERDICT_DEVIATION;
}

/* it->sched in words into why. */
static void sched_text(const struct lab_mta_retry *r, const struct lab_mta_retry_item *it,
                       char *why, size_t len)
{
    const struct dane_retry_deviation *d = &it->sched;
    const char *name = dane_profile_name(r->schedule);
    char at[32], due[32], sched[32];
    if (d->attempt == 0) {
        snprintf(why, len, "%zu attempts, each within %d s of its planned time (the %s schedule)",
                 it->msg->n_att, LAB_MTA_RETRY_TOLERANCE, name);
        return;
    }
    lab_mtareport_after(at, sizeof(at), (long long)(d->at < 0 ? 0 : d->at));
    lab_mtareport_after(due, sizeof(due), (long long)(d->planned < 0 ? 0 : d->planned));
    lab_mtareport_after(sched, sizeof(sched), (long long)(d->sched < 0 ? 0 : d->sched));
    if (d->planned < 0)
        snprintf(why, len, "attempt %zu at %s: the %s schedule ends with attempt %zu", d->attempt,
                 at, name, d->attempt - 1);
    else if (d->at < 0)
        snprintf(why, len,
                 "returned after attempt %zu: the %s schedule plans attempt %zu at %s (its %s)",
                 d->attempt - 1, name, d->attempt, due, sched);
    else
        snprintf(why, len,
                 "attempt %zu at %s, planned at %s (tolerance %d s; the %s schedule's %s)",
                 d->attempt, at, due, LAB_MTA_RETRY_TOLERANCE, name, sched);
}

bool lab_mta_retry_schedule(const struct lab_mta_retry *r, struct lab_mta_retry_item *it, char *why,
                            size_t len)
{
    const struct lab_mta_msg *m = it->msg;
    int64_t after[DANE_RETRY_MAX + 1];
    size_t n = m->n_att < DANE_RETRY_MAX + 1 ? m->n_att : DANE_RETRY_MAX + 1;
    enum dane_retry_end end = m->status == LAB_MTA_BOUNCED ? DANE_RETRY_END_RETURNED
                              : m->status == LAB_MTA_SENT  ? DANE_RETRY_END_DELIVERED
                                                           : DANE_RETRY_END_QUEUED;
    int departs;
    for (size_t k = 0; k < n; k++)
        after[k] = m->att[k].at - r->env.now;
    departs = dane_retry_compare(r->schedule, after, n, end, LAB_MTA_RETRY_TOLERANCE, &it->sched);
    sched_text(r, it, why, len);
    return departs != 0;
}

/* --schedule: each attempt's planned time (one interval after the
 * attempt before), and the comparison. */
static void schedule_json(const struct lab_mta_retry *r, const struct lab_mta_retry_item *it,
                          json_t *att, json_t *o)
{
    const struct lab_mta_msg *m = it->msg;
    const struct dane_retry_deviation *d = &it->sched;
    int64_t t[DANE_RETRY_MAX];
    size_t n = dane_retry_schedule(r->schedule, t, DANE_RETRY_MAX);
    char why[512], words[160];
    for (size_t k = 0; k < m->n_att && k < n; k++)
        json_object_set_new(
            json_array_get(att, k), "planned",
            json_integer(k == 0 ? 0
                                : (json_int_t)(m->att[k - 1].at - r->env.now + t[k] - t[k - 1])));
    sched_text(r, it, why, sizeof(why));
    json_object_set_new(
        o, "schedule",
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:I, s:I}", "profile",
                  dane_profile_name(r->schedule), "source", dane_retry_source(r->schedule),
                  "planned", dane_retry_describe(r->schedule, words, sizeof(words)), "tolerance",
                  LAB_MTA_RETRY_TOLERANCE, "verdict", d->attempt ? "deviation" : "pass", "why", why,
                  "attempt", (json_int_t)d->attempt, "at", (json_int_t)d->at, "due",
                  (json_int_t)d->planned));
}

static json_t *attempt_json(const struct lab_mta_retry *r, const struct lab_mta_attempt *a)
{
    char stamp[32];
    struct tm tm;
    time_t at = a->at;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&at, &tm));
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:{s:b, s:s, s:s}}", "after",
                     (json_int_t)(a->at - r->env.now), "time", stamp, "status",
                     lab_mta_status_name(a->status), "dsn", a->dsn, "relay", a->relay, "reason",
                     a->reason, "auth", lab_mta_auth_name(a->auth), "state", a->state + 1,
                     "reference", "delivers", a->ref_delivers, "code", a->ref_code, "reason",
                     a->ref_reason);
}

json_t *lab_mta_retry_json(const struct lab_mta_retry *r, const struct lab_mta_retry_item *it)
{
    const struct lab_mta_msg *m = it->msg;
    char status[16] = "", action[32] = "";
    json_t *att = json_array(), *o;
    for (size_t k = 0; k < m->n_att; k++)
        json_array_append_new(att, attempt_json(r, &m->att[k]));
    if (it->bounce) {
        dsn_field(it->bounce, "Status", status, sizeof(status));
        dsn_field(it->bounce, "Action", action, sizeof(action));
    }
    o = json_pack("{s:I, s:I, s:f, s:o, s:{s:b, s:s*, s:s*}}", "t0", (json_int_t)r->env.now,
                  "lifetime", (json_int_t)(r->ad->lifetime ? r->ad->lifetime(r->mta) : 0),
                  "wall_seconds", r->wall, "attempts", att, "bounce", "received",
                  it->bounce != NULL, "status", status[0] ? status : NULL, "action",
                  action[0] ? action : NULL);
    if (m->expired)
        json_object_set_new(o, "expired_after",
                            json_integer((json_int_t)(m->expired - r->env.now)));
    if (r->scheduled && o)
        schedule_json(r, it, att, o);
    return o;
}
