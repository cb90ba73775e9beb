#include "smtp_parse.h"

#include <string.h>
#include <strings.h>

void smtp_linebuf_reset(struct smtp_linebuf *lb)
{
    lb->len = 0;
    lb->seen = 0;
    lb->last = -1;
    lb->complete = false;
    lb->buf[0] = '\0';
}

size_t smtp_linebuf_pending(const struct smtp_linebuf *lb)
{
    return lb->complete ? 0 : lb->seen;
}

int smtp_linebuf_feed(struct smtp_linebuf *lb, const char *data, size_t len, size_t max,
                      size_t *consumed, struct smtp_line *line)
{
    const char *nl;
    size_t take, content, room, keep;
    bool cr;

    if (lb->complete || (lb->seen == 0 && lb->len == 0))
        smtp_linebuf_reset(lb);
    if (max > sizeof(lb->buf) - 1)
        max = sizeof(lb->buf) - 1;
    nl = memchr(data, '\n', len);
    take = nl != NULL ? (size_t)(nl - data) + 1 : len;
    content = nl != NULL ? take - 1 : take;
    room = max > lb->len ? max - lb->len : 0;
    keep = content < room ? content : room;
    memcpy(lb->buf + lb->len, data, keep);
    lb->len += keep;
    lb->buf[lb->len] = '\0';
    if (content > 0)
        lb->last = (unsigned char)data[content - 1];
    lb->seen += content;
    *consumed = take;
    if (nl == NULL)
        return 0;

    cr = lb->seen > 0 && lb->last == '\r';
    line->bare_lf = !cr;
    /* limit counts CR LF: content without CR plus 2 */
    line->too_long = (lb->seen - (cr ? 1 : 0)) + 2 > max;
    if (cr && lb->len == lb->seen)
        lb->len--;
    lb->buf[lb->len] = '\0';
    line->text = lb->buf;
    line->len = lb->len;
    lb->complete = true;
    return 1;
}

static const char *const verb_names[SMTP_VERB_COUNT] = {
    [SMTP_VERB_NONE] = "unknown", [SMTP_VERB_HELO] = "HELO",         [SMTP_VERB_EHLO] = "EHLO",
    [SMTP_VERB_MAIL] = "MAIL",    [SMTP_VERB_RCPT] = "RCPT",         [SMTP_VERB_DATA] = "DATA",
    [SMTP_VERB_RSET] = "RSET",    [SMTP_VERB_NOOP] = "NOOP",         [SMTP_VERB_QUIT] = "QUIT",
    [SMTP_VERB_VRFY] = "VRFY",    [SMTP_VERB_EXPN] = "EXPN",         [SMTP_VERB_HELP] = "HELP",
    [SMTP_VERB_BDAT] = "BDAT",    [SMTP_VERB_STARTTLS] = "STARTTLS", [SMTP_VERB_AUTH] = "AUTH",
};

const char *smtp_verb_name(enum smtp_verb v)
{
    if ((unsigned)v >= SMTP_VERB_COUNT)
        return "unknown";
    return verb_names[v];
}

static const char *const status_names[SMTP_PARSE_STATUS_COUNT] = {
    [SMTP_PARSE_OK] = "ok",
    [SMTP_PARSE_EMPTY] = "empty command line",
    [SMTP_PARSE_TOO_LONG] = "command line too long",
    [SMTP_PARSE_BAD_CHAR] = "invalid character in command",
    [SMTP_PARSE_UNKNOWN] = "command not recognized",
    [SMTP_PARSE_SYNTAX] = "syntax error in parameters or arguments",
    [SMTP_PARSE_PATH_LONG] = "path too long",
};

const char *smtp_parse_strerror(enum smtp_parse_status st)
{
    if ((unsigned)st >= SMTP_PARSE_STATUS_COUNT)
        return "unknown parse status";
    return status_names[st];
}

static enum smtp_verb verb_lookup(const char *w, size_t n)
{
    for (int v = SMTP_VERB_NONE + 1; v < SMTP_VERB_COUNT; v++)
        if (strlen(verb_names[v]) == n && strncasecmp(w, verb_names[v], n) == 0)
            return (enum smtp_verb)v;
    return SMTP_VERB_NONE;
}

/* Extract "<path>" at p into cmd->path; returns the status. Removes an
 * RFC 5321 source route ("@a,@b:user@c"). */
static enum smtp_parse_status parse_path(const char *p, struct smtp_cmd *cmd, bool allow_empty)
{
    const char *end, *start;
    size_t n;
    if (*p != '<')
        return SMTP_PARSE_SYNTAX;
    end = strchr(p + 1, '>');
    if (end == NULL)
        return SMTP_PARSE_SYNTAX;
    start = p + 1;
    if (*start == '@') {
        const char *colon = memchr(start, ':', (size_t)(end - start));
        if (colon == NULL)
            return SMTP_PARSE_SYNTAX;
        start = colon + 1;
    }
    n = (size_t)(end - start);
    if (n > SMTP_PATH_MAX)
        return SMTP_PARSE_PATH_LONG;
    if (n == 0 && !allow_empty)
        return SMTP_PARSE_SYNTAX;
    for (size_t i = 0; i < n; i++)
        if (start[i] == ' ' || start[i] == '<')
            return SMTP_PARSE_SYNTAX;
    memcpy(cmd->path, start, n);
    cmd->path[n] = '\0';
    cmd->params = end + 1;
    while (*cmd->params == ' ')
        cmd->params++;
    if (end[1] != '\0' && end[1] != ' ')
        return SMTP_PARSE_SYNTAX;
    return SMTP_PARSE_OK;
}

static enum smtp_parse_status parse_arg(struct smtp_cmd *cmd)
{
    const char *a = cmd->arg;
    switch (cmd->verb) {
    case SMTP_VERB_HELO:
    case SMTP_VERB_EHLO:
        return *a != '\0' ? SMTP_PARSE_OK : SMTP_PARSE_SYNTAX;
    case SMTP_VERB_MAIL:
    case SMTP_VERB_RCPT: {
        const char *kw = cmd->verb == SMTP_VERB_MAIL ? "FROM:" : "TO:";
        size_t kn = strlen(kw);
        if (strncasecmp(a, kw, kn) != 0)
            return SMTP_PARSE_SYNTAX;
        a += kn;
        if (*a == ' ')
            a++;
        return parse_path(a, cmd, cmd->verb == SMTP_VERB_MAIL);
    }
    case SMTP_VERB_DATA:
    case SMTP_VERB_RSET:
    case SMTP_VERB_QUIT:
    case SMTP_VERB_STARTTLS:
        return *a == '\0' ? SMTP_PARSE_OK : SMTP_PARSE_SYNTAX;
    default:
        return SMTP_PARSE_OK;
    }
}

enum smtp_parse_status smtp_parse_command(const char *line, size_t len, struct smtp_cmd *cmd)
{
    size_t i = 0, w, alen;
    memset(cmd, 0, sizeof(*cmd));
    cmd->params = "";
    if (len + 2 > SMTP_CMD_LINE_MAX)
        return SMTP_PARSE_TOO_LONG;
    if (len == 0)
        return SMTP_PARSE_EMPTY;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)line[k];
        if ((c < 0x20 && c != '\t') || c >= 0x7f)
            return SMTP_PARSE_BAD_CHAR;
    }
    while (i < len && line[i] != ' ')
        i++;
    w = i;
    cmd->verb = verb_lookup(line, w);
    if (cmd->verb == SMTP_VERB_NONE)
        return SMTP_PARSE_UNKNOWN;
    while (i < len && line[i] == ' ')
        i++;
    alen = len - i;
    while (alen > 0 && (line[i + alen - 1] == ' ' || line[i + alen - 1] == '\t'))
        alen--;
    memcpy(cmd->arg, line + i, alen);
    cmd->arg[alen] = '\0';
    return parse_arg(cmd);
}
