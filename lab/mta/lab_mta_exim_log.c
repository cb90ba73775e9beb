#include "lab_mta_exim_log.h"

#include <stdio.h>
#include <string.h>

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

void lab_exim_log_line(const char *line, struct lab_mta_msg *msgs, size_t n)
{
    const char *p = line, *text, *mid;
    struct lab_mta_msg *m;
    size_t qlen;
    for (int field = 0; field < 2 && p; field++)
        if ((p = strchr(p, ' ')) != NULL)
            p++;
    if (p && *p == '[' && (p = strchr(p, ' ')) != NULL) /* log_selector +pid */
        p++;
    if (p == NULL || (qlen = msg_id(p)) == 0)
        return;
    text = p + qlen + 1;
    if (strncmp(text, "<= ", 3) == 0) {
        if ((mid = strstr(text, " id=")) == NULL)
            return;
        mid += 4;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(msgs[i].msgid);
            if (msgs[i].qid[0] == '\0' && strncmp(mid, msgs[i].msgid, l) == 0 &&
                (mid[l] == ' ' || mid[l] == '\0'))
                snprintf(msgs[i].qid, sizeof(msgs[i].qid), "%.*s", (int)qlen, p);
        }
        return;
    }
    if ((m = lab_mta_by_qid(msgs, n, p, qlen)) == NULL || m->status != LAB_MTA_PENDING)
        return;
    if (strncmp(text, "=> ", 3) == 0 || strncmp(text, "== ", 3) == 0 ||
        strncmp(text, "** ", 3) == 0)
        delivery_line(text, m);
}
