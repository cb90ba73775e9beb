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
 *   --kick CMD     with --retry (required then): ask the MTA for a queue run
 *   --queue-lifetime TIME  with --retry: the MTA's queue lifetime, as said
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
 * Every command finds DANELAB_DIR, DANELAB_RUN and DANELAB_RESOLVER in
 * its environment; with --retry (lab_mta_retry) also the virtual clock's
 * variables (lab_vclock_env, and DANELAB_CLOCK_ENV listing them), and
 * --status prints one `attempt TIME STATUS [DSN] [REASON]` line per
 * attempt and `next TIME` while the message is queued
 * (lab_command_parse_retry_line; the contract is argued at cmd_retry).
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

/* --retry: what a line of a status command's output says (the contract
 * in danelab(1), "The command adapter", and lab_mta_command.c). */
enum lab_command_line {
    LAB_COMMAND_OTHER,    /* anything else: ignored */
    LAB_COMMAND_ATTEMPT,  /* attempt TIME STATUS [DSN] [REASON...] */
    LAB_COMMAND_NEXT,     /* next TIME: queued until then */
    LAB_COMMAND_RETURNED, /* returned TIME: given up, returned to the sender */
};

/* One line (len bytes, no newline) of a --retry status output; TIME is
 * "@UNIX" or "YYYY-MM-DDTHH:MM:SSZ" (dl_parse_time), on the virtual
 * clock. An attempt into *a (at, status sent, deferred or bounced, dsn,
 * reason as lab_command_parse_status reads them; auth unknown) and its
 * time into *when; next and returned into *when. A line with a bad time
 * or an attempt without a final status word is OTHER. */
enum lab_command_line lab_command_parse_retry_line(const char *line, size_t len,
                                                   struct lab_mta_attempt *a, time_t *when);

/* The adapter table of `danelab mta command`. */
extern const struct lab_mta_adapter lab_mta_command;

#endif
