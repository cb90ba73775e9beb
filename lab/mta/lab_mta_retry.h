/*
 * lab_mta_retry: `danelab mta ADAPTER --retry` (danelab(1), MTA
 * CONFORMANCE, Retries on the virtual clock): a real MTA's queue life,
 * days of it, on the lab's virtual clock (lab_vclock), judged attempt by
 * attempt.
 *
 * Before the MTA starts, the clock is set to the lab's `now` (the first
 * attempt's time, as for the reference client's timelines) and each
 * scenario's world state at +0 is installed (lab_state). After the
 * messages are injected the runner loops: read the MTA's log (each
 * attempt: time, relay, status, dsn, reason, TLS), give each new attempt
 * the reference client's outcome at the attempt's time in the state then
 * in force (the oracle), and when every unfinished message waits in the
 * queue for a later time (lab_mta_adapter next_try: the MTA's own
 * schedule), install each scenario's state in force at the earliest such
 * time, move the clock there and kick the MTA's queue manager. No message
 * is forced: the MTA decides whether a message is due. The loop ends when
 * every message is delivered or returned (and its non-delivery report
 * read from the sender's mailbox), or after `timeout_s` seconds of wall
 * time; or with an error when a message queued for a next try the clock
 * has passed stays untried for 10 s of wall time (the MTA is not on the
 * clock, or cannot be asked for a queue run). Afterwards the lab's own zones, listeners and Unbound
 * clock are put back.
 *
 * The verdict of a message (lab_mta_retry_judge), in this order:
 *   leak       an attempt delivered where the reference client refused
 *              at that time, or a stored session was in plaintext;
 *   deviation  an attempt delivered without authenticating the server
 *              (the MTA's log; not judged when the adapter cannot tell,
 *              LAB_MTA_AUTH_UNKNOWN); the MTA gave up (returned the message)
 *              while the reference client would deliver, or earlier than
 *              4 days after the first attempt (RFC 5321 4.5.4.1: the
 *              give-up time SHOULD be at least 4-5 days) or than its own
 *              queue lifetime; an attempt deferred although the reference
 *              client delivered at that time (not delivered at the first
 *              retry after the fix); no non-delivery report in the
 *              sender's mailbox, or its Action not "failed" (RFC 3464
 *              2.3.3), or its Status not of class 4 or 5 (RFC 3463 3.1
 *              allows a 4.x.x code in a failure report: the temporary
 *              condition persisted), or its text not quoting the reason
 *              the MTA logged for the last attempt;
 *              still queued when the run ended;
 *   pass       otherwise.
 *
 * With a schedule (`--schedule PROFILE`: r->scheduled) the adapter sets
 * the MTA's retry rules to express that profile's schedule (dane_retry.h;
 * its `schedule`, Exim only) before `retry`, the give-up is judged
 * against the schedule's expiry instead of 4 days (the schedule is the
 * point: exchange-online gives up after 24 h), and the attempts are also
 * compared with the schedule (lab_mta_retry_schedule): a verdict of its
 * own, "pass" or "deviation", beside the one above.
 */
#ifndef LAB_MTA_RETRY_H
#define LAB_MTA_RETRY_H

#include "dane_retry.h"
#include "dl_error.h"
#include "lab_mta_adapter.h"
#include "lab_state.h"
#include "lab_verdict.h"
#include "lab_vclock.h"
#include "scen.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#define LAB_MTA_RETRY_MIN_GIVEUP (4 * 86400) /* RFC 5321 4.5.4.1 */

/* --schedule: how far an attempt may be from its planned time, seconds.
 * The lab starts the MTA's queue run when it moves the clock to the
 * MTA's next try, and the virtual clock runs at wall speed meanwhile: an
 * attempt is logged after the queue run's start, its DNS lookups and its
 * SMTP session (Exim's transport: connect_timeout 5 s, command, data and
 * final timeouts 10 s each), and the next interval counts from its end
 * (Exim's retry_update takes the time then). 60 s bounds one such queue
 * run in the lab. A deployed MTA's queue runner (exim -q30m) would add up
 * to its interval; the lab's runs start at the due time instead. */
#define LAB_MTA_RETRY_TOLERANCE 60

/* One message of the run. */
struct lab_mta_retry_item {
    const struct scen *s;
    size_t index;            /* in the catalogue */
    struct lab_mta_msg *msg; /* the runner's (attempts in msg->att) */
    struct lab_state st;     /* its world state installed */
    size_t n_judged;         /* attempts given their reference outcome */
    bool awaiting;           /* a try is due: its log line not read yet */
    time_t expect;           /* its next try when the clock last moved
                                (0: not known): one that changes with no
                                attempt read means a log line to wait for */
    char *bounce;            /* the non-delivery report's text, or NULL */
    /* --schedule: the first attempt departing from it (attempt 0: none),
     * set by lab_mta_retry_schedule */
    struct dane_retry_deviation sched;
};

/* The reference client's outcome for scenario s at virtual time `when`
 * into a->ref_delivers, a->ref_code, a->ref_reason. */
typedef void lab_mta_retry_ref_fn(void *ctx, const struct scen *s, time_t when,
                                  struct lab_mta_attempt *a);

struct lab_mta_retry {
    const struct lab_mta_adapter *ad;
    void *mta;
    struct lab_state_env env; /* run_dir, now (the first attempt), cat */
    lab_vclock *clock;
    time_t vnow; /* the virtual time, for the adapter (lab_mta_clock.now) */
    struct lab_mta_clock mc;
    lab_mta_retry_ref_fn *ref;
    void *ref_ctx;
    int timeout_s;
    double wall;                /* seconds the drive took */
    bool scheduled;             /* --schedule: compared with a profile's schedule */
    enum dane_profile schedule; /* which */
};

/* The clock at r->env.now, the states at +0, the adapter configured
 * (its `retry`): before the MTA starts. 0, or -1 with err set. */
int lab_mta_retry_prepare(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                          struct dl_error *err);

/* The loop above, once the messages are injected. 0, or -1 with err set
 * (a world state or the clock could not be set: no attempt was judged in
 * a world the lab could not confirm). */
int lab_mta_retry_drive(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                        struct dl_error *err);

/* Put the lab's zones, listeners and Unbound clock back; free what
 * prepare and drive made. 0, or -1 with err set (the first error). */
int lab_mta_retry_finish(struct lab_mta_retry *r, struct lab_mta_retry_item *items, size_t n,
                         struct dl_error *err);

/* The verdict above into why; returns it. */
enum lab_verdict lab_mta_retry_judge(const struct lab_mta_retry *r,
                                     const struct lab_mta_retry_item *it,
                                     const struct lab_arrival *arr, size_t n_arr, char *why,
                                     size_t len);

/* --schedule: compare it->msg's attempts with r->schedule
 * (dane_retry_compare, tolerance LAB_MTA_RETRY_TOLERANCE; a message
 * returned must have made the schedule's last attempt, one delivered may
 * stop early) into it->sched, the result in words into why. Returns true
 * when an attempt departs (a deviation of the schedule). */
bool lab_mta_retry_schedule(const struct lab_mta_retry *r, struct lab_mta_retry_item *it, char *why,
                            size_t len);

/* {"t0", "lifetime", "wall_seconds", "expired_after", "attempts": [{"after",
 * "time", "status", "dsn", "relay", "reason", "auth", "state", "reference":
 * {"delivers", "code", "reason"}, "planned"}], "bounce": {"received",
 * "status", "action"}, "schedule": {"profile", "source", "planned",
 * "tolerance", "verdict", "why", "attempt", "at", "due"}}: "planned"
 * and "schedule" with --schedule only (after lab_mta_retry_schedule). */
json_t *lab_mta_retry_json(const struct lab_mta_retry *r, const struct lab_mta_retry_item *it);

#endif
