#include "imp_dig.h"

#include "imp_text.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum section { SEC_NONE, SEC_QUESTION, SEC_ANSWER, SEC_OTHER };

struct dig_parse {
    struct imp_dig *d;
    struct imp_text t;
    struct imp_dig_msg *cur;
    enum section sec;
    struct dl_buf rec; /* a record being read, over its lines */
    unsigned rec_line;
    int depth; /* open parentheses of that record */
};

/* Lines of dig's that carry nothing a scenario needs. */
static const char *const informational[] = {
    "; <<>> DiG",
    ";; global options:",
    ";; Got answer:",
    ";; Query time:",
    ";; SERVER:",
    ";; MSG SIZE",
    "; EDNS:",
    "; COOKIE:",
    ";; OPT PSEUDOSECTION:",
    ";; WHEN:",
    "; (",
    ";; Received ",
};

static char *lower_abs(const char *name)
{
    size_t n = strlen(name);
    char *s = dl_xasprintf("%s%s", name, n && name[n - 1] == '.' ? "" : ".");
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

static int new_msg(struct dig_parse *p, struct dl_error *err)
{
    if (p->d->n >= IMP_DIG_MAX_MSGS)
        return imp_text_fail(&p->t, err, "more than %d dig answers", IMP_DIG_MAX_MSGS);
    p->cur = &p->d->msg[p->d->n++];
    memset(p->cur, 0, sizeof(*p->cur));
    p->cur->file = p->t.file;
    p->cur->line = p->t.line;
    p->cur->ede = -1;
    p->sec = SEC_NONE;
    return 0;
}

/* ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 5275" */
static int header(struct dig_parse *p, const char *line, struct dl_error *err)
{
    const char *s = strstr(line, "status: ");
    char rcode[16];
    if (p->cur == NULL || p->cur->rcode[0] != '\0') /* dig asked several questions */
        if (new_msg(p, err) != 0)
            return -1;
    if (s == NULL || sscanf(s, "status: %15[A-Z0-9]", rcode) != 1)
        return imp_text_fail(&p->t, err, "a dig header without a status");
    snprintf(p->cur->rcode, sizeof(p->cur->rcode), "%s", rcode);
    return 0;
}

/* ";; flags: qr rd ra ad; QUERY: 1, ..." */
static void flags(struct dig_parse *p, const char *line)
{
    char buf[128], *tok, *save = NULL;
    snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line + 10, ";"), line + 10);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        p->cur->ad = p->cur->ad || strcmp(tok, "ad") == 0;
        p->cur->cd = p->cur->cd || strcmp(tok, "cd") == 0;
    }
    p->cur->flags_seen = true;
}

/* "; EDE: 7 (Signature Expired): (extra text)" */
static int ede(struct dig_parse *p, const char *line, struct dl_error *err)
{
    int code, at = 0;
    if (sscanf(line, "; EDE: %d %n", &code, &at) != 1 || code < 0 || code > 65535)
        return imp_text_fail(&p->t, err, "an EDE line without its code");
    if (p->cur->ede >= 0) {
        imp_text_note(&p->t, "a second EDE (%d) is not reproduced", code);
        return 0;
    }
    p->cur->ede = code;
    p->cur->ede_text = dl_xstrdup(line + at);
    return 0;
}

/* ";name.  IN TYPE" */
static int question(struct dig_parse *p, const char *line, struct dl_error *err)
{
    char name[256], cls[16], type[16];
    if (p->cur->qname != NULL) {
        imp_text_note(&p->t, "a second question is not reproduced");
        return 0;
    }
    if (sscanf(line + 1, "%255s %15s %15s", name, cls, type) != 3 || strcmp(cls, "IN") != 0)
        return imp_text_fail(&p->t, err, "a question that is not ';NAME IN TYPE'");
    p->cur->qname = lower_abs(name);
    snprintf(p->cur->qtype, sizeof(p->cur->qtype), "%s", type);
    return 0;
}

static int section(struct dig_parse *p, const char *line, struct dl_error *err)
{
    char what[32];
    if (p->cur == NULL)
        return imp_text_fail(&p->t, err, "a section before any dig header");
    if (sscanf(line, ";; %31[A-Z] SECTION:", what) != 1)
        what[0] = '\0';
    if (strcmp(what, "QUESTION") == 0)
        p->sec = SEC_QUESTION;
    else if (strcmp(what, "ANSWER") == 0)
        p->sec = SEC_ANSWER;
    else {
        if (strcmp(what, "AUTHORITY") != 0 && strcmp(what, "ADDITIONAL") != 0)
            imp_text_note(&p->t, "section '%.60s' not reproduced", line + 3);
        p->sec = SEC_OTHER;
    }
    return 0;
}

/* The record types given to ldns: those a scenario is made of
 * (imp_fromtext: MX, A, AAAA, TLSA, DS, DNSKEY, NSEC3PARAM, TXT; the
 * CNAME and DNAME chain) and the DNSSEC and zone records `dig +dnssec`
 * prints beside them. A record of any other type is not read, only noted
 * as not reproduced: ldns 1.8.3 leaks memory in its IPSECKEY reader on a
 * malformed record (found by tests/fuzz), and a reader a scenario cannot
 * use is attack surface for nothing. */
static const ldns_rr_type read_types[] = {
    LDNS_RR_TYPE_A,     LDNS_RR_TYPE_AAAA,   LDNS_RR_TYPE_MX,         LDNS_RR_TYPE_TLSA,
    LDNS_RR_TYPE_DS,    LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_NSEC3PARAM, LDNS_RR_TYPE_TXT,
    LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_DNAME,  LDNS_RR_TYPE_RRSIG,      LDNS_RR_TYPE_NSEC,
    LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_SOA,    LDNS_RR_TYPE_NS,
};

/* The type field of a record's text ("owner [TTL] [class] TYPE ..."), in
 * `type` (at most 15 characters); false when there is none. */
static bool record_type(const char *text, char type[16])
{
    char tok[4][16];
    int n = sscanf(text, "%*s %15s %15s %15s %15s", tok[0], tok[1], tok[2], tok[3]);
    for (int i = 0; i < n && i < 3; i++) {
        bool ttl = strspn(tok[i], "0123456789") == strlen(tok[i]);
        if (!ttl && ldns_get_rr_class_by_name(tok[i]) == 0) {
            snprintf(type, 16, "%s", tok[i]);
            return true;
        }
    }
    return false;
}

/* Whether ldns is to read the record (read_types); if not, a note says
 * what was left out. */
static bool record_read(struct dig_parse *p, const char *text)
{
    char type[16];
    ldns_rr_type t;
    if (!record_type(text, type))
        return true; /* ldns says what is wrong */
    t = ldns_get_rr_type_by_name(type);
    for (size_t i = 0; i < sizeof(read_types) / sizeof(read_types[0]); i++)
        if (t == read_types[i])
            return true;
    imp_text_note(&p->t, "not reproduced: %s record (not read)", type);
    return false;
}

/* The record's text (ldns reads its parentheses), each field in its
 * presentation form, into the current answer. Errors and notes name the
 * record's first line. */
static int record_done(struct dig_parse *p, struct dl_error *err)
{
    char *text = dl_xstrdup(dl_buf_str(&p->rec));
    ldns_rr *rr = NULL;
    ldns_status st = LDNS_STATUS_OK;
    struct dl_buf rdata = {0};
    struct imp_dig_rr *r;
    unsigned line = p->t.line;
    bool read;
    char *s;
    dl_buf_reset(&p->rec);
    p->t.line = p->rec_line;
    read = record_read(p, text);
    if (read)
        st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
    free(text);
    if (st != LDNS_STATUS_OK)
        imp_text_fail(&p->t, err, "a record ldns does not read: %s", ldns_get_errorstr_by_id(st));
    p->t.line = line;
    if (!read)
        return 0; /* noted as not reproduced (record_read) */
    if (st != LDNS_STATUS_OK)
        return -1;
    if (p->sec != SEC_ANSWER) {
        ldns_rr_free(rr);
        return 0;
    }
    if (p->cur->n_rr >= IMP_DIG_MAX_RR) {
        ldns_rr_free(rr);
        return imp_text_fail(&p->t, err, "more than %d records in one answer", IMP_DIG_MAX_RR);
    }
    p->cur->rr = dl_xrealloc(p->cur->rr, (p->cur->n_rr + 1) * sizeof(*p->cur->rr));
    r = &p->cur->rr[p->cur->n_rr++];
    s = ldns_rdf2str(ldns_rr_owner(rr));
    r->owner = lower_abs(s ? s : ".");
    free(s);
    s = ldns_rr_type2str(ldns_rr_get_type(rr));
    snprintf(r->type, sizeof(r->type), "%s", s ? s : "?");
    free(s);
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        s = ldns_rdf2str(ldns_rr_rdf(rr, i));
        dl_buf_printf(&rdata, "%s%s", i ? " " : "", s ? s : "");
        free(s);
    }
    r->rdata = dl_xstrdup(dl_buf_str(&rdata));
    dl_buf_free(&rdata);
    ldns_rr_free(rr);
    return 0;
}

/* A line of a record: comments cut, parentheses counted. */
static int record_line(struct dig_parse *p, const char *line, struct dl_error *err)
{
    bool quoted = false;
    size_t n = 0;
    if (p->cur == NULL || p->sec == SEC_NONE || p->sec == SEC_QUESTION)
        return imp_text_fail(&p->t, err, "a record outside dig's answer sections: %.60s", line);
    if (p->rec.len == 0)
        p->rec_line = p->t.line;
    for (; line[n] && (quoted || line[n] != ';'); n++) {
        quoted = line[n] == '"' && (n == 0 || line[n - 1] != '\\') ? !quoted : quoted;
        if (!quoted && line[n] == '(')
            p->depth++;
        if (!quoted && line[n] == ')' && --p->depth < 0)
            return imp_text_fail(&p->t, err, "')' without '('");
    }
    if (p->rec.len + n + 1 > IMP_TEXT_MAX_LINE)
        return imp_text_fail(&p->t, err, "a record longer than %d bytes", IMP_TEXT_MAX_LINE);
    dl_buf_append(&p->rec, line, n);
    dl_buf_append(&p->rec, " ", 1);
    return p->depth > 0 ? 0 : record_done(p, err);
}

static int when(struct dig_parse *p, const char *line)
{
    struct tm tm = {0};
    const char *end = strptime(line, ";; WHEN: %a %b %d %H:%M:%S UTC %Y", &tm);
    if (end == NULL)
        end = strptime(line, ";; WHEN: %a %b %d %H:%M:%S GMT %Y", &tm);
    if (end == NULL) {
        imp_text_note(&p->t, "WHEN is not in UTC; the time is not used");
        return 0;
    }
    if (p->d->when == 0)
        p->d->when = timegm(&tm);
    return 0;
}

static bool is_informational(const char *line)
{
    for (size_t i = 0; i < sizeof(informational) / sizeof(informational[0]); i++)
        if (strncmp(line, informational[i], strlen(informational[i])) == 0)
            return true;
    return false;
}

static int comment_line(struct dig_parse *p, const char *line, struct dl_error *err)
{
    if (strncmp(line, "; <<>> DiG", 10) == 0)
        return new_msg(p, err);
    if (strncmp(line, ";; WHEN:", 8) == 0)
        return when(p, line);
    if (is_informational(line))
        return 0;
    if (strncmp(line, ";; ->>HEADER<<-", 15) == 0)
        return header(p, line, err);
    if (p->cur == NULL)
        return imp_text_fail(&p->t, err, "not dig's output (no '; <<>> DiG' or header before)");
    if (strncmp(line, ";; flags:", 9) == 0)
        flags(p, line);
    else if (strncmp(line, "; EDE:", 6) == 0)
        return ede(p, line, err);
    else if (strstr(line, "SECTION:") != NULL && strncmp(line, ";; ", 3) == 0)
        return section(p, line, err);
    else if (p->sec == SEC_QUESTION && line[1] != ';')
        return question(p, line, err);
    else
        imp_text_note(&p->t, "not reproduced: %.120s", line);
    return 0;
}

static int one_line(struct dig_parse *p, char *line, struct dl_error *err)
{
    char *s = imp_text_trim(line);
    if (p->depth > 0)
        return record_line(p, s, err);
    if (*s == '\0' || strncmp(s, "$ ", 2) == 0) /* a shell prompt pasted with it */
        return 0;
    if (*s == ';')
        return comment_line(p, s, err);
    if (p->cur == NULL)
        return imp_text_fail(&p->t, err,
                             "not dig's full output (no '; <<>> DiG' line before; dig +short "
                             "shows no verdict)");
    return record_line(p, s, err);
}

/* Every answer read is whole: a header, a question. */
static int answers_whole(struct dig_parse *p, size_t first, struct dl_error *err)
{
    for (size_t i = first; i < p->d->n; i++) {
        const struct imp_dig_msg *m = &p->d->msg[i];
        if (m->rcode[0] == '\0' || m->qname == NULL) {
            p->t.line = m->line;
            return imp_text_fail(&p->t, err, "a dig answer without %s",
                                 m->rcode[0] == '\0' ? "its header" : "its question");
        }
    }
    return 0;
}

int imp_dig_parse(struct imp_dig *d, const char *file, const char *data, size_t len,
                  struct dl_buf *notes, struct dl_error *err)
{
    struct dig_parse p = {.d = d};
    char *line = dl_xmalloc(IMP_TEXT_MAX_LINE + 1);
    size_t first = d->n;
    int rc;
    if (imp_text_open(&p.t, file, data, len, notes, err) != 0) {
        free(line);
        return -1;
    }
    while ((rc = imp_text_next(&p.t, line, err)) == 1)
        if (one_line(&p, line, err) != 0) {
            rc = -1;
            break;
        }
    if (rc == 0 && p.depth > 0)
        rc = imp_text_fail(&p.t, err, "the file ends inside a record (an unclosed '(')");
    if (rc == 0 && d->n == first)
        rc = dl_error_set(err, "%s: no dig answer in it", file);
    if (rc == 0)
        rc = answers_whole(&p, first, err);
    imp_text_close(&p.t);
    dl_buf_free(&p.rec);
    free(line);
    return rc;
}

/* How much an answer says: an EDE with the validator's text (Unbound's
 * why_bogus) says more than one without; among equals the last counts. */
static int detail(const struct imp_dig_msg *m)
{
    return m->ede_text != NULL && strstr(m->ede_text, "): ") != NULL;
}

const struct imp_dig_msg *imp_dig_find(const struct imp_dig *d, const char *name, const char *type)
{
    char *want = lower_abs(name);
    const struct imp_dig_msg *found = NULL;
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->msg[i].qname, want) == 0 && strcasecmp(d->msg[i].qtype, type) == 0 &&
            (found == NULL || detail(&d->msg[i]) >= detail(found)))
            found = &d->msg[i];
    free(want);
    return found;
}

/* EDE codes of DNSSEC validation failures (RFC 8914 4.6-4.13), with the
 * words libunbound's why_bogus would use where the EDE's own name lacks
 * them (import maps those words to faults). */
static const char *bogus_words(int ede)
{
    switch (ede) {
    case 5:
    case 6:
    case 7:
    case 8:
    case 11:
        return "";
    case 9:
        return "no keys";
    case 10:
        return "no signatures";
    case 12:
        return "no nsec";
    default:
        return NULL;
    }
}

static void verdict(const struct imp_dig_msg *m, json_t *o, struct dl_buf *notes)
{
    const char *words = bogus_words(m->ede);
    const char *status;
    char *why = NULL;
    if (strcmp(m->rcode, "SERVFAIL") == 0 && words != NULL) {
        status = "bogus";
        why = dl_xasprintf("EDE %d %s%s%s", m->ede, m->ede_text ? m->ede_text : "",
                           *words ? " " : "", words);
    } else if (strcmp(m->rcode, "NOERROR") != 0 && strcmp(m->rcode, "NXDOMAIN") != 0) {
        status = "failed";
        why = dl_xasprintf("%s%s%s", m->rcode, m->ede >= 0 ? ", EDE " : "",
                           m->ede_text ? m->ede_text : "");
        if (strcmp(m->rcode, "SERVFAIL") == 0)
            dl_buf_printf(notes,
                          "%s:%u: %s %s: SERVFAIL without a DNSSEC EDE: taken as a failure "
                          "(a bogus answer looks the same)\n",
                          m->file, m->line, m->qname, m->qtype);
    } else if (m->ad) {
        status = "secure";
    } else {
        status = "insecure";
        dl_buf_printf(notes,
                      "%s:%u: %s %s: no ad flag%s: taken as insecure (a resolver that does "
                      "not validate answers the same)\n",
                      m->file, m->line, m->qname, m->qtype, m->cd ? " (asked with +cd)" : "");
    }
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "why", why ? json_string(why) : json_null());
    free(why);
}

/* The rcode as the evidence schema names it. */
static const char *rcode_name(const char *rcode)
{
    static const char *const known[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                        "NXDOMAIN", "NOTIMP",  "REFUSED"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(rcode, known[i]) == 0)
            return known[i];
    return "OTHER";
}

json_t *imp_dig_rrset(const struct imp_dig *d, const char *name, const char *type,
                      struct dl_buf *notes)
{
    const struct imp_dig_msg *m = imp_dig_find(d, name, type);
    json_t *o, *records, *chain;
    const char *canon = NULL;
    if (m == NULL)
        return NULL;
    o = json_pack("{s:s,s:s,s:s,s:b}", "name", m->qname, "type", m->qtype, "rcode",
                  rcode_name(m->rcode), "nxdomain", strcmp(m->rcode, "NXDOMAIN") == 0);
    verdict(m, o, notes);
    records = json_array();
    chain = json_array();
    for (size_t i = 0; i < m->n_rr; i++) {
        const struct imp_dig_rr *r = &m->rr[i];
        if (strcasecmp(r->type, m->qtype) == 0)
            json_array_append_new(records, json_string(r->rdata));
        else if (strcmp(r->type, "CNAME") == 0 || strcmp(r->type, "DNAME") == 0) {
            json_array_append_new(chain, json_pack("{s:s,s:s,s:s}", "owner", r->owner, "type",
                                                   r->type, "target", r->rdata));
            canon = strcmp(r->type, "CNAME") == 0 ? r->rdata : canon;
        }
    }
    json_object_set_new(o, "canonname", canon ? json_string(canon) : json_null());
    json_object_set_new(o, "chain", chain);
    json_object_set_new(o, "records", records);
    return o;
}

void imp_dig_free(struct imp_dig *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct imp_dig_msg *m = &d->msg[i];
        for (size_t k = 0; k < m->n_rr; k++) {
            free(m->rr[k].owner);
            free(m->rr[k].rdata);
        }
        free(m->rr);
        free(m->qname);
        free(m->ede_text);
    }
    d->n = 0;
}
