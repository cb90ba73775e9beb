#include "dane_retry.h"

#include <stdio.h>

#define MIN  60
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

/* One profile's schedule: after the first attempt, the intervals of
 * `first` (up to n_first), then `every` until the expiry, and a last
 * attempt at the expiry. */
struct schedule {
    const char *name, *source;
    int64_t first[2];
    size_t n_first;
    int64_t every, expiry;
};

/* Indexed by enum dane_profile. rfc7672: RFC 5321 4.5.4.1 says the retry
 * interval SHOULD be at least 30 minutes; every interval here is (the
 * first and the last are 30 minutes, the others one hour). It also
 * allows "more sophisticated and variable strategies" when the client
 * knows why delivery failed; none is used: a DANE failure says nothing of
 * when the receiver will fix it, and fixed intervals keep each attempt's
 * time predictable for a scenario's expectations. The give-up time
 * "generally needs to be at least 4-5 days": 5 days, the upper end, so
 * that no reading of the clause finds it too short. */
static const struct schedule schedules[DANE_PROFILE_COUNT] = {
    [DANE_PROFILE_RFC7672] = {.name = "rfc5321",
                              .source = "RFC 5321 4.5.4.1",
                              .first = {30 * MIN},
                              .n_first = 1,
                              .every = HOUR,
                              .expiry = 5 * DAY},
    [DANE_PROFILE_EXCHANGE_ONLINE] = {.name = "seed-001",
                                      .source = "seed 001",
                                      .first = {15 * MIN, 15 * MIN},
                                      .n_first = 2,
                                      .every = HOUR,
                                      .expiry = DAY},
};

static const struct schedule *schedule_of(enum dane_profile p)
{
    return &schedules[p == DANE_PROFILE_EXCHANGE_ONLINE ? p : DANE_PROFILE_RFC7672];
}

const char *dane_retry_name(enum dane_profile p)
{
    return schedule_of(p)->name;
}

const char *dane_retry_source(enum dane_profile p)
{
    return schedule_of(p)->source;
}

int64_t dane_retry_expiry(enum dane_profile p)
{
    return schedule_of(p)->expiry;
}

size_t dane_retry_schedule(enum dane_profile p, int64_t *times, size_t max)
{
    const struct schedule *s = schedule_of(p);
    size_t n = 0;
    int64_t t = 0;
    while (n < max && t < s->expiry) {
        times[n++] = t;
        t += n <= s->n_first ? s->first[n - 1] : s->every;
    }
    if (n < max)
        times[n++] = s->expiry;
    return n;
}

size_t dane_retry_attempts(enum dane_profile p)
{
    int64_t times[DANE_RETRY_MAX];
    return dane_retry_schedule(p, times, DANE_RETRY_MAX);
}

static int departs(struct dane_retry_deviation *dev, size_t k, int64_t at, int64_t planned,
                   int64_t sched)
{
    dev->attempt = k + 1;
    dev->at = at;
    dev->planned = planned;
    dev->sched = sched;
    return 1;
}

int dane_retry_compare(enum dane_profile p, const int64_t *after, size_t n, enum dane_retry_end end,
                       int64_t tolerance, struct dane_retry_deviation *dev)
{
    int64_t times[DANE_RETRY_MAX];
    size_t m = dane_retry_schedule(p, times, DANE_RETRY_MAX);
    *dev = (struct dane_retry_deviation){0};
    for (size_t k = 0; k < n; k++) {
        int64_t planned;
        if (k >= m)
            return departs(dev, k, after[k], -1, -1);
        planned = k == 0 ? 0 : after[k - 1] + (times[k] - times[k - 1]);
        if (after[k] < planned - tolerance || after[k] > planned + tolerance)
            return departs(dev, k, after[k], planned, times[k]);
    }
    if (end == DANE_RETRY_END_RETURNED && n < m)
        return departs(dev, n, -1, n ? after[n - 1] + (times[n] - times[n - 1]) : 0, times[n]);
    return 0;
}

/* "30 min", "24 h", "5 d": the largest unit that divides secs (days from
 * two on). */
static void duration(int64_t secs, char *buf, size_t len)
{
    if (secs % DAY == 0 && secs > DAY)
        snprintf(buf, len, "%lld d", (long long)(secs / DAY));
    else if (secs % HOUR == 0)
        snprintf(buf, len, "%lld h", (long long)(secs / HOUR));
    else
        snprintf(buf, len, "%lld min", (long long)(secs / MIN));
}

const char *dane_retry_describe(enum dane_profile p, char *buf, size_t len)
{
    const struct schedule *s = schedule_of(p);
    char d[32], e[32];
    size_t used = 0;
    int64_t t = 0;
    int w = snprintf(buf, len, "0");
    for (size_t k = 0; w > 0 && (size_t)w < len - used && k < s->n_first; k++) {
        used += (size_t)w;
        t += s->first[k];
        duration(t, d, sizeof(d));
        w = snprintf(buf + used, len - used, ", %s", d);
    }
    if (w > 0 && (size_t)w < len - used) {
        used += (size_t)w;
        duration(s->every, d, sizeof(d));
        duration(s->expiry, e, sizeof(e));
        snprintf(buf + used, len - used,
                 ", then %s apart; the last attempt, at %s (%zu attempts), is final", d, e,
                 dane_retry_attempts(p));
    }
    return buf;
}
