/*
 * imp_text: the bounded line reader under `danelab import --dig` and
 * `--s-client` (imp_dig, imp_sclient): text a customer sent, read as
 * hostile input. A file is at most IMP_TEXT_MAX_BYTES and holds no NUL
 * byte; each line is at most IMP_TEXT_MAX_LINE bytes (a CR before the LF
 * is dropped). Errors say "FILE:LINE: what", notes (what is read but not
 * reproduced) likewise, one a line.
 */
#ifndef IMP_TEXT_H
#define IMP_TEXT_H

#include "dl_error.h"
#include "dl_util.h"

#include <stddef.h>

#define IMP_TEXT_MAX_BYTES (1024 * 1024)
#define IMP_TEXT_MAX_LINE  16384
#define IMP_TEXT_MAX_NOTES 64 /* notes per file; the rest are counted */

struct imp_text {
    const char *file; /* for messages; not owned */
    const char *data; /* not owned */
    size_t len, pos;
    unsigned line; /* of the line last read (1 = the first) */
    struct dl_buf *notes;
    unsigned n_notes, notes_dropped;
};

/* Start reading `len` bytes of `file`; notes go to `notes` (lines
 * "FILE:LINE: TEXT\n"). 0, or -1 when the text is too long or holds NUL. */
int imp_text_open(struct imp_text *t, const char *file, const char *data, size_t len,
                  struct dl_buf *notes, struct dl_error *err);

/* The next line into buf (IMP_TEXT_MAX_LINE + 1 bytes), without its end.
 * 1, 0 at the end, -1 (err set) for a line over the bound. */
int imp_text_next(struct imp_text *t, char *buf, struct dl_error *err);

/* "FILE:LINE: MESSAGE" into err; returns -1. */
int imp_text_fail(const struct imp_text *t, struct dl_error *err, const char *fmt, ...)
    DL_PRINTF(3, 4);

/* A note about the line last read: "FILE:LINE: MESSAGE" (printable ASCII,
 * at most 200 bytes of it), at most IMP_TEXT_MAX_NOTES per file. */
void imp_text_note(struct imp_text *t, const char *fmt, ...) DL_PRINTF(2, 3);

/* The closing note, when notes were dropped. */
void imp_text_close(struct imp_text *t);

/* s without leading and trailing blanks, in place. */
char *imp_text_trim(char *s);

#endif
