/*
 * lab_mta_command: `danelab mta command`, any MTA driven by the user's
 * command templates (danelab(1), MTA CONFORMANCE, "The command adapter").
 *
 *   --start CMD    start the MTA inside the lab world (required)
 *   --inject CMD   hand it one message, given on standard input (required);
 *                  a queue ID alone on the first output line becomes {qid}
 *   --status CMD   optional, run for each pending message; prints one line
 *                  `STATUS [DSN] [REASON...]`, STATUS sent, deferred,
 *                  bounced or pending
 *   --stop CMD     optional, stop the MTA
 *   --command-timeout SECS  limit of each command (default 30)
 *
 * Placeholders {rcpt} {msgid} {from} {scenario} {qid} {dir} {run}
 * {resolver} are replaced by shell-quoted values; the result runs with
 * /bin/sh -c, bounded, its output (standard output and error) captured.
 * {dir} is RUN/mta/command, created empty for the instance.
 *
 * Every command runs as a child of one keeper process forked into the
 * lab world at start: a child subreaper (prctl), so whatever the start
 * command leaves running (a daemon that forked away) stays its
 * descendant. At stop, after --stop, the keeper terminates (SIGTERM, then
 * SIGKILL) what is left, so nothing the commands started survives.
 *
 * Without --status the adapter reports LAB_MTA_NO_STATUS for every
 * message at the end of --timeout: fakesmtp's records are then the only
 * witness (stored: sent; never stored: not delivered).
 */
#ifndef LAB_MTA_COMMAND_H
#define LAB_MTA_COMMAND_H

#include "dl_error.h"
#include "lab_mta_adapter.h"

#include <stddef.h>

/* The values of the placeholders; NULL counts as "". */
struct lab_command_vars {
    const char *rcpt, *msgid, *from, *scenario, *qid, *dir, *run, *resolver;
};

/* `tmpl` with every {name} above replaced by its value in single quotes
 * (a ' inside as '\''); any other brace is left alone. The caller frees. */
char *lab_command_expand(const char *tmpl, const struct lab_command_vars *v);

/* A status command's output: the first of its first 64 lines whose first
 * word is sent, deferred, bounced or pending; then an optional DSN
 * (N.N.N with N 2, 4 or 5 first) and the reason (control characters
 * replaced by '?', truncated to the buffers). Returns 0, or -1 when no
 * line says a status. */
int lab_command_parse_status(const char *out, enum lab_mta_status *st, char *dsn, size_t dsn_len,
                             char *reason, size_t reason_len);

/* An inject command's output: its first line when that is one word of 1
 * to 31 characters [A-Za-z0-9._-] (a queue ID), else "". */
void lab_command_parse_qid(const char *out, char *qid, size_t len);

/* The adapter table of `danelab mta command`. */
extern const struct lab_mta_adapter lab_mta_command;

#endif
