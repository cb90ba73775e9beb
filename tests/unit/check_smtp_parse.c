/* Unit tests for fakesmtp/smtp_parse: the line reader and command parser. */
#include "smtp_parse.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *smtp_parse_suite(void);

struct good_cmd {
    const char *line;
    enum smtp_verb verb;
    const char *arg, *path, *params;
};

static const struct good_cmd good[] = {
    {"EHLO client.example", SMTP_VERB_EHLO, "client.example", "", ""},
    {"ehlo  client.example  ", SMTP_VERB_EHLO, "client.example", "", ""},
    {"HELO x", SMTP_VERB_HELO, "x", "", ""},
    {"MAIL FROM:<a@b.test>", SMTP_VERB_MAIL, "FROM:<a@b.test>", "a@b.test", ""},
    {"mail from:<>", SMTP_VERB_MAIL, "from:<>", "", ""},
    {"MAIL FROM: <a@b.test> SIZE=100 BODY=8BITMIME", SMTP_VERB_MAIL,
     "FROM: <a@b.test> SIZE=100 BODY=8BITMIME", "a@b.test", "SIZE=100 BODY=8BITMIME"},
    {"RCPT TO:<@relay.test,@r2.test:u@c.test>", SMTP_VERB_RCPT,
     "TO:<@relay.test,@r2.test:u@c.test>", "u@c.test", ""},
    {"RCPT TO:<Postmaster>", SMTP_VERB_RCPT, "TO:<Postmaster>", "Postmaster", ""},
    {"DATA", SMTP_VERB_DATA, "", "", ""},
    {"StartTLS", SMTP_VERB_STARTTLS, "", "", ""},
    {"QUIT", SMTP_VERB_QUIT, "", "", ""},
    {"RSET", SMTP_VERB_RSET, "", "", ""},
    {"NOOP anything", SMTP_VERB_NOOP, "anything", "", ""},
    {"VRFY user", SMTP_VERB_VRFY, "user", "", ""},
};

START_TEST(parse_good)
{
    const struct good_cmd *g = &good[_i];
    struct smtp_cmd c;
    ck_assert_int_eq(smtp_parse_command(g->line, strlen(g->line), &c), SMTP_PARSE_OK);
    ck_assert_int_eq(c.verb, g->verb);
    ck_assert_str_eq(c.arg, g->arg);
    ck_assert_str_eq(c.path, g->path);
    ck_assert_str_eq(c.params, g->params);
}
END_TEST

struct bad_cmd {
    const char *line;
    size_t len; /* 0: strlen */
    enum smtp_parse_status st;
};

static char long_line[600];
static char long_path[400];

static const struct bad_cmd bad[] = {
    {"", 0, SMTP_PARSE_EMPTY},
    {"FOO bar", 0, SMTP_PARSE_UNKNOWN},
    {"EHLO", 0, SMTP_PARSE_SYNTAX},
    {"MAIL <a@b>", 0, SMTP_PARSE_SYNTAX},
    {"MAIL FROM:a@b", 0, SMTP_PARSE_SYNTAX},
    {"MAIL FROM:<a@b", 0, SMTP_PARSE_SYNTAX},
    {"MAIL FROM:<a@b>x", 0, SMTP_PARSE_SYNTAX},
    {"RCPT TO:<>", 0, SMTP_PARSE_SYNTAX},
    {"RCPT TO:<a b@c>", 0, SMTP_PARSE_SYNTAX},
    {"RCPT TO:<@relay:>", 0, SMTP_PARSE_SYNTAX},
    {"DATA now", 0, SMTP_PARSE_SYNTAX},
    {"STARTTLS x", 0, SMTP_PARSE_SYNTAX},
    {"EHLO a\0b", 8, SMTP_PARSE_BAD_CHAR},
    {"EHLO \x01\x02", 0, SMTP_PARSE_BAD_CHAR},
    {"EHLO caf\xc3\xa9", 0, SMTP_PARSE_BAD_CHAR},
    {"EHLO x\r", 0, SMTP_PARSE_BAD_CHAR},
    {long_line, 0, SMTP_PARSE_TOO_LONG},
    {long_path, 0, SMTP_PARSE_PATH_LONG},
};

START_TEST(parse_bad)
{
    const struct bad_cmd *b = &bad[_i];
    struct smtp_cmd c;
    size_t len = b->len ? b->len : strlen(b->line);
    ck_assert_msg(smtp_parse_command(b->line, len, &c) == b->st, "line %d: got %s", _i,
                  smtp_parse_strerror(smtp_parse_command(b->line, len, &c)));
}
END_TEST

static void setup_long(void)
{
    memset(long_line, 'a', sizeof(long_line) - 1);
    memcpy(long_line, "EHLO ", 5);
    memcpy(long_path, "RCPT TO:<", 9);
    memset(long_path + 9, 'b', 300);
    strcpy(long_path + 309, ">");
}

/* Feed a whole stream in chunks of size step; collect lines as "text|flags". */
static char *split(const char *data, size_t len, size_t max, size_t step)
{
    struct smtp_linebuf lb;
    static char out[8192];
    size_t o = 0;
    smtp_linebuf_reset(&lb);
    out[0] = '\0';
    for (size_t off = 0; off < len;) {
        size_t n = len - off < step ? len - off : step, used;
        struct smtp_line ln;
        while (n > 0) {
            int r = smtp_linebuf_feed(&lb, data + off, n, max, &used, &ln);
            off += used;
            n -= used;
            if (r == 1)
                o += (size_t)snprintf(out + o, sizeof(out) - o, "[%.*s|%zu%s%s]",
                                      (int)(ln.len > 20 ? 20 : ln.len), ln.text, ln.len,
                                      ln.bare_lf ? "|LF" : "", ln.too_long ? "|LONG" : "");
        }
    }
    o += (size_t)snprintf(out + o, sizeof(out) - o, "pending=%zu", smtp_linebuf_pending(&lb));
    return out;
}

START_TEST(lines_pipelined_any_chunking)
{
    static const char in[] = "EHLO a\r\nMAIL FROM:<>\r\nRCPT TO:<b@c>\nDATA\r\npart";
    static const char want[] = "[EHLO a|6][MAIL FROM:<>|12][RCPT TO:<b@c>|13|LF][DATA|4]pending=4";
    for (size_t step = 1; step <= sizeof(in); step++)
        ck_assert_str_eq(split(in, sizeof(in) - 1, SMTP_CMD_LINE_MAX, step), want);
}
END_TEST

START_TEST(lines_cr_split_across_chunks)
{
    ck_assert_str_eq(split("NOOP\r\n", 6, SMTP_CMD_LINE_MAX, 5), "[NOOP|4]pending=0");
    ck_assert_str_eq(split("a\rb\r\n", 5, SMTP_CMD_LINE_MAX, 1), "[a\rb|3]pending=0");
    ck_assert_str_eq(split("\r\n\n", 3, SMTP_CMD_LINE_MAX, 1), "[|0][|0|LF]pending=0");
}
END_TEST

START_TEST(lines_limits)
{
    char buf[3000];
    /* 510 octets + CRLF = 512: allowed; 511 + CRLF: too long */
    memset(buf, 'x', sizeof(buf));
    memcpy(buf + 510, "\r\n", 2);
    ck_assert_ptr_null(strstr(split(buf, 512, SMTP_CMD_LINE_MAX, 64), "LONG"));
    memset(buf, 'x', sizeof(buf));
    memcpy(buf + 511, "\r\n", 2);
    ck_assert_str_eq(split(buf, 513, SMTP_CMD_LINE_MAX, 64),
                     "[xxxxxxxxxxxxxxxxxxxx|511|LONG]pending=0");
    /* text lines: 998 + CRLF fine, 999 + CRLF too long; 2500 octets: bounded */
    memset(buf, 'y', sizeof(buf));
    memcpy(buf + 998, "\r\n", 2);
    ck_assert_ptr_null(strstr(split(buf, 1000, SMTP_TEXT_LINE_MAX, 100), "LONG"));
    memset(buf, 'y', sizeof(buf));
    memcpy(buf + 2500, "\r\nok\r\n", 6);
    ck_assert_str_eq(split(buf, 2506, SMTP_TEXT_LINE_MAX, 333),
                     "[yyyyyyyyyyyyyyyyyyyy|1000|LONG][ok|2]pending=0");
}
END_TEST

START_TEST(lines_nul_kept)
{
    struct smtp_linebuf lb;
    struct smtp_line ln;
    size_t used;
    smtp_linebuf_reset(&lb);
    ck_assert_int_eq(smtp_linebuf_feed(&lb, "a\0b\r\n", 5, SMTP_CMD_LINE_MAX, &used, &ln), 1);
    ck_assert_uint_eq(ln.len, 3);
    ck_assert_int_eq(memcmp(ln.text, "a\0b", 3), 0);
    ck_assert_int_eq(smtp_parse_command(ln.text, ln.len, &(struct smtp_cmd){0}),
                     SMTP_PARSE_BAD_CHAR);
}
END_TEST

START_TEST(verb_names)
{
    ck_assert_str_eq(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
    ck_assert_str_eq(smtp_verb_name(SMTP_VERB_NONE), "unknown");
    ck_assert_str_eq(smtp_verb_name((enum smtp_verb)99), "unknown");
    for (int v = 0; v < SMTP_VERB_COUNT; v++)
        ck_assert_ptr_nonnull(smtp_verb_name((enum smtp_verb)v));
    for (int st = 0; st < SMTP_PARSE_STATUS_COUNT; st++)
        ck_assert_ptr_nonnull(smtp_parse_strerror((enum smtp_parse_status)st));
}
END_TEST

Suite *smtp_parse_suite(void)
{
    Suite *s = suite_create("smtp_parse");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_loop_test(pos, parse_good, 0, sizeof(good) / sizeof(good[0]));
    tcase_add_test(pos, lines_pipelined_any_chunking);
    tcase_add_test(pos, lines_cr_split_across_chunks);
    tcase_add_test(pos, verb_names);
    tcase_add_unchecked_fixture(neg, setup_long, NULL);
    tcase_add_loop_test(neg, parse_bad, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(neg, lines_limits);
    tcase_add_test(neg, lines_nul_kept);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
