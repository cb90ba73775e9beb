#include "fsmtp_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int fsmtp_log_append(const char *path, const json_t *rec, struct dl_error *err)
{
    char *line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
    size_t n;
    ssize_t w;
    int fd;
    if (line == NULL)
        return dl_error_set(err, "%s: cannot encode session record", path);
    n = strlen(line);
    line[n] = '\n'; /* json_dumps' NUL becomes the newline; write n + 1 bytes */
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(line);
        return dl_error_set(err, "%s: %s", path, strerror(errno));
    }
    do
        w = write(fd, line, n + 1);
    while (w < 0 && errno == EINTR);
    free(line);
    close(fd);
    if (w != (ssize_t)(n + 1))
        return dl_error_set(err, "%s: short write", path);
    return 0;
}

void fsmtp_log_now(char *buf, size_t len)
{
    struct timeval tv;
    struct tm tm;
    char base[32];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03ldZ", base, (long)(tv.tv_usec / 1000));
}
