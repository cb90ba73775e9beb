/*
 * Fuzz harness: fakesmtp's input side (smtp_parse.h). The bytes a client
 * sends go through the bounded line reader, in chunks whose sizes the
 * input's first byte chooses; every complete line is parsed as a command
 * and as a text line would be (smtp_linebuf_feed with both limits).
 */
#include "smtp_parse.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed data in chunks of at most chunk bytes with line limit max. */
static void feed(const char *data, size_t size, size_t chunk, size_t max)
{
    struct smtp_linebuf lb;
    size_t off = 0;
    smtp_linebuf_reset(&lb);
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk, used = 0;
        struct smtp_line line;
        if (smtp_linebuf_feed(&lb, data + off, n, max, &used, &line) == 1) {
            struct smtp_cmd cmd;
            enum smtp_parse_status st = smtp_parse_command(line.text, line.len, &cmd);
            /* What the session reads back: names for logs, the path. */
            (void)smtp_parse_strerror(st);
            (void)smtp_verb_name(cmd.verb);
            if (st == SMTP_PARSE_OK && (cmd.verb == SMTP_VERB_MAIL || cmd.verb == SMTP_VERB_RCPT))
                (void)strlen(cmd.path + strlen(cmd.params) * 0);
        }
        if (used == 0 && n > 0)
            __builtin_trap(); /* the reader must always make progress */
        off += used;
    }
    (void)smtp_linebuf_pending(&lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t chunk;
    if (size < 1)
        return 0;
    chunk = (size_t)(data[0] % 64) + 1;
    feed((const char *)data + 1, size - 1, chunk, SMTP_CMD_LINE_MAX);
    feed((const char *)data + 1, size - 1, chunk, SMTP_TEXT_LINE_MAX);
    return 0;
}
