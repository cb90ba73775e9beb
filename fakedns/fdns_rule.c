#include "fdns_rule.h"

#include "dl_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const action_names[] = {
    [FDNS_FORWARD] = "forward", [FDNS_SERVFAIL] = "servfail", [FDNS_REFUSED] = "refused",
    [FDNS_NOTIMP] = "notimp",   [FDNS_DROP] = "drop",         [FDNS_TRUNCATE] = "truncate",
};

const char *fdns_action_name(enum fdns_action a)
{
    return (unsigned)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "?";
}

/* The action of a name, or -1. */
static int action_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
        if (strcmp(name, action_names[i]) == 0)
            return (int)i;
    return -1;
}

unsigned fdns_action_rcode(enum fdns_action a)
{
    return a == FDNS_SERVFAIL ? 2 : a == FDNS_NOTIMP ? 4 : a == FDNS_REFUSED ? 5 : 0;
}

/* The zone as stored: lower case, absolute; -1 when empty or too long. */
static int set_zone(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n + 2 > 256)
        return -1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[n] = '\0';
    if (dst[n - 1] != '.')
        strcat(dst, ".");
    return strstr(dst, "..") == NULL || strcmp(dst, ".") == 0 ? 0 : -1;
}

/* One non-blank line split into words; r filled. */
static int parse_line(char *line, const char *where, struct fdns_rule *r, struct dl_error *err)
{
    char *w[6], *save = NULL, *end;
    size_t n = 0;
    int t;
    for (char *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save))
        if (n < 6)
            w[n++] = tok;
        else
            return dl_error_set(err, "%s: too many words (ADDRESS ZONE TYPE ACTION [EVERY])",
                                where);
    if (n < 4 || n > 5)
        return dl_error_set(err, "%s: expected ADDRESS ZONE TYPE ACTION [EVERY], got %zu words",
                            where, n);
    struct in_addr a;
    if (strlen(w[0]) >= sizeof(r->addr) || inet_pton(AF_INET, w[0], &a) != 1)
        return dl_error_set(err, "%s: '%s' is not an IPv4 address", where, w[0]);
    snprintf(r->addr, sizeof(r->addr), "%s", w[0]);
    if (set_zone(r->zone, w[1]) != 0)
        return dl_error_set(err, "%s: '%s' is not a zone name", where, w[1]);
    if (strcasecmp(w[2], "ANY") == 0)
        r->qtype = -1;
    else if ((r->qtype = fdns_pkt_type_code(w[2])) < 0)
        return dl_error_set(err, "%s: unknown RR type '%s'", where, w[2]);
    if ((t = action_lookup(w[3])) < 0 || t == FDNS_FORWARD)
        return dl_error_set(err,
                            "%s: unknown action '%s' (servfail, refused, notimp, drop, truncate)",
                            where, w[3]);
    r->action = (enum fdns_action)t;
    r->every = 1;
    if (n == 5) {
        long v = strtol(w[4], &end, 10);
        if (r->action != FDNS_DROP)
            return dl_error_set(err, "%s: EVERY only goes with drop", where);
        if (*end != '\0' || v < 1 || v > FDNS_MAX_EVERY)
            return dl_error_set(err, "%s: EVERY must be 1 to %d, got '%s'", where, FDNS_MAX_EVERY,
                                w[4]);
        r->every = (unsigned)v;
    }
    return 0;
}

int fdns_rules_parse(const char *text, const char *path, struct fdns_rules *out,
                     struct dl_error *err)
{
    char *copy = dl_xstrdup(text);
    unsigned lineno = 0;
    memset(out, 0, sizeof(*out));
    /* line by line, blank ones too, so the numbers stay right */
    for (char *line = copy, *next; line != NULL; line = next) {
        char where[512], *hash;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if ((hash = strchr(line, '#')) != NULL)
            *hash = '\0';
        if (line[strspn(line, " \t\r")] == '\0')
            continue;
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        if (out->n >= FDNS_MAX_RULES) {
            dl_error_set(err, "%s: more than %d rules", where, FDNS_MAX_RULES);
            goto fail;
        }
        out->r = dl_xrealloc(out->r, (out->n + 1) * sizeof(*out->r));
        memset(&out->r[out->n], 0, sizeof(out->r[0]));
        out->r[out->n].line = lineno;
        if (parse_line(line, where, &out->r[out->n], err) != 0)
            goto fail;
        out->n++;
    }
    free(copy);
    return 0;
fail:
    free(copy);
    fdns_rules_free(out);
    return -1;
}

void fdns_rules_free(struct fdns_rules *rs)
{
    free(rs->r);
    rs->r = NULL;
    rs->n = 0;
}

enum fdns_action fdns_rules_decide(struct fdns_rules *rs, const char *addr,
                                   const struct fdns_query *q, bool tcp)
{
    for (size_t i = 0; i < rs->n; i++) {
        struct fdns_rule *r = &rs->r[i];
        if (strcmp(r->addr, addr) != 0 || (r->qtype >= 0 && r->qtype != q->qtype) ||
            !fdns_pkt_in_zone(q->qname, r->zone))
            continue;
        r->seen++;
        if (r->action == FDNS_TRUNCATE && tcp)
            return FDNS_FORWARD;
        if (r->action == FDNS_DROP && r->every > 1 && r->seen % r->every == 0)
            return FDNS_FORWARD;
        return r->action;
    }
    return FDNS_FORWARD;
}
