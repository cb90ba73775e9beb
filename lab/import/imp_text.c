#include "imp_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int imp_text_open(struct imp_text *t, const char *file, const char *data, size_t len,
                  struct dl_buf *notes, struct dl_error *err)
{
    memset(t, 0, sizeof(*t));
    t->file = file;
    t->data = data;
    t->len = len;
    t->notes = notes;
    if (len > IMP_TEXT_MAX_BYTES)
        return dl_error_set(err, "%s: %zu bytes (at most %d)", file, len, IMP_TEXT_MAX_BYTES);
    if (memchr(data, '\0', len) != NULL)
        return dl_error_set(err, "%s: holds a NUL byte (not text)", file);
    return 0;
}

int imp_text_next(struct imp_text *t, char *buf, struct dl_error *err)
{
    const char *start = t->data + t->pos, *nl;
    size_t n;
    if (t->pos >= t->len)
        return 0;
    t->line++;
    nl = memchr(start, '\n', t->len - t->pos);
    n = nl ? (size_t)(nl - start) : t->len - t->pos;
    if (n > IMP_TEXT_MAX_LINE)
        return imp_text_fail(t, err, "line longer than %d bytes", IMP_TEXT_MAX_LINE);
    t->pos += n + (nl != NULL);
    if (n > 0 && start[n - 1] == '\r')
        n--;
    memcpy(buf, start, n);
    buf[n] = '\0';
    return 1;
}

int imp_text_fail(const struct imp_text *t, struct dl_error *err, const char *fmt, ...)
{
    char msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return dl_error_set(err, "%s:%u: %s", t->file, t->line, msg);
}

void imp_text_note(struct imp_text *t, const char *fmt, ...)
{
    char msg[201];
    va_list ap;
    if (t->n_notes >= IMP_TEXT_MAX_NOTES) {
        t->notes_dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
            *p = '?';
    dl_buf_printf(t->notes, "%s:%u: %s\n", t->file, t->line, msg);
    t->n_notes++;
}

void imp_text_close(struct imp_text *t)
{
    if (t->notes_dropped)
        dl_buf_printf(t->notes, "%s: %u more notes left out\n", t->file, t->notes_dropped);
}

char *imp_text_trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}
