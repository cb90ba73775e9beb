#include "lab_mta_exim_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Is the token at p (up to a space) an Exim message ID? Its length. */
static size_t msg_id(const char *p)
{
    size_t len = strcspn(p, " ");
    size_t dashes = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '-')
            dashes++;
        else if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
                   (p[i] >= 'A' && p[i] <= 'Z')))
            return 0;
    }
    return dashes == 2 && len >= 16 && len < sizeof(((struct lab_mta_msg *)0)->qid) ? len : 0;
}

/* The enhanced status code of an SMTP reply quoted in text ("550 5.7.1"
 * or "550-5.7.1"), into dsn; else nothing. */
static void reply_code(const char *text, char *dsn, size_t len)
{
    for (const char *p = text; *p; p++) {
        int n = 0;
        if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
            (p[3] != ' ' && p[3] != '-') || p[4] != p[0] || p[5] != '.' ||
            (p > text && p[-1] != ' ' && p[-1] != '"'))
            continue;
        if (sscanf(p + 4, "%*1d.%*3d.%*3d%n", &n) >= 0 && n >= 5) {
            snprintf(dsn, len, "%.*s", n, p + 4);
            return;
        }
    }
}

/* "H=name [addr]:port" in a delivery line: relay "name[addr]:port", and
 * where the text after it starts. */
static const char *relay_of(const char *text, char *relay, size_t len)
{
    const char *h = strstr(text, " H="), *sp, *close;
    relay[0] = '\0';
    if (h == NULL)
        return NULL;
    h += 3;
    sp = strchr(h, ' ');
    if (sp == NULL || sp[1] != '[' || (close = strchr(sp, ']')) == NULL)
        return NULL;
    close++;
    close += strspn(close, ":0123456789");
    snprintf(relay, len, "%.*s%.*s", (int)(sp - h), h, (int)(close - sp - 1), sp + 1);
    if (strlen(relay) && relay[strlen(relay) - 1] == ':')
        relay[strlen(relay) - 1] = '\0';
    return close;
}

/* Without trailing blanks and the " DT=TIME" Exim puts last on `**`. */
static void trim_reason(char *r)
{
    size_t l = strlen(r);
    char *dt;
    while (l && r[l - 1] == ' ')
        r[--l] = '\0';
    if ((dt = strstr(r, " DT=")) != NULL && strchr(dt + 1, ' ') == NULL)
        *dt = '\0';
}

/* How Exim says it authenticated the server of a delivery: CV=dane or
 * CV=yes verified, CV=no not, no X= (TLS) at all plaintext. */
static void delivery_auth(const char *fields, struct lab_mta_msg *m)
{
    const char *cv = strstr(fields, " CV=");
    if (strncmp(fields, "X=", 2) != 0 && strstr(fields, " X=") == NULL) {
        m->auth = LAB_MTA_AUTH_PLAINTEXT;
        snprintf(m->auth_text, sizeof(m->auth_text), "no X= (no TLS)");
        return;
    }
    if (cv == NULL && strncmp(fields, "CV=", 3) == 0)
        cv = fields - 1;
    if (cv == NULL)
        return;
    cv += 4;
    m->auth = strncmp(cv, "dane", 4) == 0 || strncmp(cv, "yes", 3) == 0 ? LAB_MTA_AUTH_VERIFIED
                                                                        : LAB_MTA_AUTH_UNVERIFIED;
    snprintf(m->auth_text, sizeof(m->auth_text), "CV=%.*s", (int)strcspn(cv, " "), cv);
}

/* A delivery line ("=> ", "== ", "** " after the ID) for m. */
static void delivery_line(const char *text, struct lab_mta_msg *m)
{
    const char *rest = text + 3, *after, *p;
    char kind = text[0];
    m->status = kind == '=' && text[1] == '>'   ? LAB_MTA_SENT
                : kind == '=' && text[1] == '=' ? LAB_MTA_DEFERRED
                                                : LAB_MTA_BOUNCED;
    after = relay_of(rest, m->relay, sizeof(m->relay));
    if (m->status == LAB_MTA_SENT) {
        /* what Exim says of the session: X=, CV=, DN=, C= (not DT=) */
        const char *from = after ? after + strspn(after, " ") : rest;
        const char *to = strstr(from, " DT=");
        snprintf(m->reason, sizeof(m->reason), "%.*s", (int)(to ? to - from : (long)strlen(from)),
                 from);
        p = strstr(from, "C=\"");
        reply_code(p ? p + 3 : from, m->dsn, sizeof(m->dsn));
        delivery_auth(from, m);
        return;
    }
    /* == ADDR R=... T=... defer (-N) H=...: TEXT, ** ADDR ...: TEXT */
    if (after && (p = strstr(after, ": ")) != NULL)
        p += 2;
    else if ((p = strstr(rest, "): ")) != NULL)
        p += 3;
    else if ((p = strstr(rest, ": ")) != NULL)
        p += 2;
    else
        p = rest;
    snprintf(m->reason, sizeof(m->reason), "%s", p);
    reply_code(p, m->dsn, sizeof(m->dsn));
    trim_reason(m->reason);
}

/* Where the message ID of a mainlog line begins (after the date, the
 * time and a [PID]), its length in *qlen; NULL when there is none. */
static const char *line_id(const char *line, size_t *qlen)
{
    const char *p = line;
    for (int field = 0; field < 2 && p; field++)
        if ((p = strchr(p, ' ')) != NULL)
            p++;
    if (p && *p == '[' && (p = strchr(p, ' ')) != NULL) /* log_selector +pid */
        p++;
    if (p == NULL || (*qlen = msg_id(p)) == 0)
        return NULL;
    return p;
}

/* A `<=` line: its id= names the message whose queue ID this is. */
static void arrival_line(const char *p, size_t qlen, const char *text, struct lab_mta_msg *msgs,
                         size_t n)
{
    const char *mid = strstr(text, " id=");
    if (mid == NULL)
        return;
    mid += 4;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(msgs[i].msgid);
        if (msgs[i].qid[0] == '\0' && strncmp(mid, msgs[i].msgid, l) == 0 &&
            (mid[l] == ' ' || mid[l] == '\0'))
            snprintf(msgs[i].qid, sizeof(msgs[i].qid), "%.*s", (int)qlen, p);
    }
}

static bool delivery_kind(const char *text)
{
    return strncmp(text, "=> ", 3) == 0 || strncmp(text, "== ", 3) == 0 ||
           strncmp(text, "** ", 3) == 0;
}

/* The event text (after the queue id) of a log line about one of msgs,
 * its message in *m; NULL for any other line. An arrival ("<=") is
 * recorded here (arrival_line) and gives NULL too. */
static const char *message_event(const char *line, struct lab_mta_msg *msgs, size_t n,
                                 struct lab_mta_msg **m)
{
    const char *p, *text;
    size_t qlen;
    if ((p = line_id(line, &qlen)) == NULL)
        return NULL;
    text = p + qlen + 1;
    if (strncmp(text, "<= ", 3) == 0) {
        arrival_line(p, qlen, text, msgs, n);
        return NULL;
    }
    return (*m = lab_mta_by_qid(msgs, n, p, qlen)) != NULL ? text : NULL;
}

void lab_exim_log_line(const char *line, struct lab_mta_msg *msgs, size_t n)
{
    struct lab_mta_msg *m = NULL;
    const char *text = message_event(line, msgs, n, &m);
    if (text != NULL && m->status == LAB_MTA_PENDING && delivery_kind(text))
        delivery_line(text, m);
}

/* "YYYY-MM-DD HH:MM:SS" at the start of a line (UTC) as UNIX seconds, or
 * 0. */
static time_t line_time(const char *line)
{
    struct tm tm = {0};
    if (strptime(line, "%Y-%m-%d %H:%M:%S", &tm) == NULL)
        return 0;
    return timegm(&tm);
}

void lab_exim_log_retry_line(const char *line, struct lab_mta_msg *msgs, size_t n)
{
    struct lab_mta_msg *m = NULL;
    struct lab_mta_attempt a = {0};
    const char *text = message_event(line, msgs, n, &m);
    if (text == NULL || !delivery_kind(text) || m->status == LAB_MTA_SENT ||
        m->status == LAB_MTA_BOUNCED ||
        (text[0] == '=' && text[1] == '=' && strstr(text, ": retry time not reached") != NULL))
        return;
    delivery_line(text, m);
    if (m->status == LAB_MTA_BOUNCED)
        m->expired = line_time(line);
    if (m->status == LAB_MTA_BOUNCED && strstr(text, " H=") == NULL)
        return;
    a.at = line_time(line);
    a.status = m->status;
    a.auth = m->status == LAB_MTA_SENT ? m->auth : LAB_MTA_AUTH_UNKNOWN;
    snprintf(a.dsn, sizeof(a.dsn), "%s", m->dsn);
    snprintf(a.relay, sizeof(a.relay), "%s", m->relay);
    snprintf(a.reason, sizeof(a.reason), "%s", m->reason);
    lab_mta_attempt_add(m, &a);
}

/* Does retry key `key` (up to a blank) name domain or a host under it? */
static bool key_names(const char *key, const char *domain)
{
    size_t klen = strcspn(key, " \n"), dlen = strlen(domain);
    for (const char *p = key; p + dlen <= key + klen; p++)
        if (strncmp(p, domain, dlen) == 0 && (p[-1] == ':' || p[-1] == '.') &&
            (p + dlen == key + klen || p[dlen] == ':'))
            return true;
    return false;
}

int lab_exim_retry_next(const char *text, const char *domain, time_t *when)
{
    time_t route = 0; /* the latest routing (R:) next try, 0: none */
    int found = 0;
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        const char *times = strchr(l, '\n');
        struct tm tm = {0};
        const char *p;
        time_t t;
        if (strncmp(l, "  ", 2) != 0 || l[2] == ' ' || !key_names(l + 2, domain) || !times)
            continue;
        times++;
        /* the third of three stamps two blanks apart: next try */
        p = times;
        for (int k = 0; k < 2 && p; k++)
            if ((p = strstr(p, "  ")) != NULL)
                p += 2;
        if (p == NULL || p > times + strcspn(times, "\n") ||
            strptime(p, "%d-%b-%Y %H:%M:%S", &tm) == NULL)
            continue;
        t = timegm(&tm);
        if (strncmp(l + 2, "R:", 2) == 0) {
            route = t > route ? t : route;
            continue;
        }
        if (!found || t < *when)
            *when = t;
        found = 1;
    }
    if (route != 0 && (!found || *when < route)) {
        *when = route;
        found = 1;
    }
    return found;
}
