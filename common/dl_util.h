/*
 * dl_util: small helpers every component needs: allocation that aborts on
 * exhaustion (as Postfix's mymalloc does: there is nothing sensible to do),
 * files written atomically with a given mode, directories, durations.
 */
#ifndef DL_UTIL_H
#define DL_UTIL_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

void *dl_xmalloc(size_t n);
void *dl_xcalloc(size_t n, size_t size);
void *dl_xrealloc(void *p, size_t n);
char *dl_xstrdup(const char *s);
/* Returns a newly allocated formatted string; the caller frees it. */
char *dl_xasprintf(const char *fmt, ...) DL_PRINTF(1, 2);

/* mkdir -p with the given mode for directories it creates. */
int dl_mkdir_p(const char *path, mode_t mode, struct dl_error *err);

/* Write len bytes to path atomically (temporary file, fsync, rename) with
 * the given mode (0600 for private keys). */
int dl_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  struct dl_error *err);

/* Read a whole file (at most max bytes) into a NUL-terminated buffer the
 * caller frees. *len may be NULL. Anything but a regular file (a FIFO, a
 * device, a directory) is refused at once, never waited on. */
int dl_read_file(const char *path, size_t max, char **out, size_t *len, struct dl_error *err);

/* Parse a duration: a non-negative integer with an optional unit s, m, h, d
 * or w ("90", "15m", "24h"); a leading '-' gives a negative value.
 * Returns 0 and sets *secs, or -1 when the text is not a duration. */
int dl_parse_duration(const char *text, int64_t *secs);

/* Parse a point in time: "@UNIX" or "YYYY-MM-DDTHH:MM:SSZ" (UTC).
 * Returns 0 and sets *out, or -1. */
int dl_parse_time(const char *text, time_t *out);

/* write(2) all len bytes (again after EINTR and short writes). Returns 0,
 * or -1 with errno set. */
int dl_write_all(int fd, const void *data, size_t len);

/* addr (an IPv4 or IPv6 literal) and port as a socket address in *ss
 * (its length in *len): 0, or -1 when addr is neither. */
int dl_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, socklen_t *len);

/* The monotonic clock, in seconds and in milliseconds; a sleep of ms
 * milliseconds (ended early by a signal). */
double dl_mono(void);
int64_t dl_mono_ms(void);
void dl_sleep_ms(long ms);

/* Growable byte buffer for building text. */
struct dl_buf {
    char *data;
    size_t len, cap;
};
void dl_buf_append(struct dl_buf *b, const void *data, size_t len);
void dl_buf_printf(struct dl_buf *b, const char *fmt, ...) DL_PRINTF(2, 3);
/* The text so far, NUL-terminated: "" for a buffer that holds nothing yet
 * (one is allocated then). Valid until the next change to `b`. */
const char *dl_buf_str(struct dl_buf *b);
/* Empty the buffer for reuse, keeping its memory. */
void dl_buf_reset(struct dl_buf *b);
void dl_buf_free(struct dl_buf *b);
/* Write the buffer to DIR/REL (mode 0644, through dl_write_file) and free
 * it, whatever happens; 0, or -1 with err set. */
int dl_buf_write_free(struct dl_buf *b, const char *dir, const char *rel, struct dl_error *err);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void dl_hex(const unsigned char *in, size_t len, char *out);

/* Whether the domain name `name` is `zone` or lies below it, comparing
 * whole labels without regard to case ("." is above every name). Both
 * absolute or both relative, in text form. */
bool dl_name_under(const char *name, const char *zone);

#endif
