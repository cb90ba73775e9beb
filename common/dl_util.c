#include "dl_util.h"

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
    fprintf(stderr, "danelab: out of memory allocating %zu bytes\n", n);
    abort();
}

void *dl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *dl_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom(n * size);
    return p;
}

void *dl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *dl_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = dl_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

char *dl_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;
    va_start(ap, fmt);
    n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    return p;
}

int dl_mkdir_p(const char *path, mode_t mode, struct dl_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return dl_error_set(err, "%s: bad directory name", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return dl_error_set(err, "mkdir %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST)
        return dl_error_set(err, "mkdir %s: %s", buf, strerror(errno));
    return 0;
}

int dl_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int dl_write_file(const char *path, const void *data, size_t len, mode_t mode, struct dl_error *err)
{
    char tmp[4096];
    int fd;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return dl_error_set(err, "%s: path too long", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return dl_error_set(err, "create %s: %s", tmp, strerror(errno));
    if (fchmod(fd, mode) != 0 || dl_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        dl_error_set(err, "write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        dl_error_set(err, "rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int dl_read_file(const char *path, size_t max, char **out, size_t *lenp, struct dl_error *err)
{
    struct stat st;
    char *buf;
    size_t len = 0;
    /* O_NONBLOCK: opening a FIFO (or a tty) would wait for a writer;
     * fstat() then refuses whatever is not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return dl_error_set(err, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        close(fd);
        return dl_error_set(err, "%s: not a regular file of at most %zu bytes", path, max);
    }
    buf = dl_xmalloc((size_t)st.st_size + 1);
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    if (lenp)
        *lenp = len;
    return 0;
}

int dl_parse_duration(const char *text, int64_t *secs)
{
    const char *p = text;
    int64_t v = 0, mult = 1, sign = 1;
    if (*p == '-') {
        sign = -1;
        p++;
    }
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (INT64_MAX / 10) / (7 * 86400))
            return -1;
        v = v * 10 + (*p - '0');
    }
    switch (*p) {
    case '\0':
        break;
    case 's':
        mult = 1;
        break;
    case 'm':
        mult = 60;
        break;
    case 'h':
        mult = 3600;
        break;
    case 'd':
        mult = 86400;
        break;
    case 'w':
        mult = 7 * 86400;
        break;
    default:
        return -1;
    }
    if (*p != '\0' && p[1] != '\0')
        return -1;
    *secs = sign * v * mult;
    return 0;
}

int dl_parse_time(const char *text, time_t *out)
{
    struct tm tm = {0};
    char *end;
    if (text[0] == '@') {
        long long v = strtoll(text + 1, &end, 10);
        if (*end != '\0' || end == text + 1)
            return -1;
        *out = (time_t)v;
        return 0;
    }
    end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    *out = timegm(&tm);
    return 0;
}

void dl_buf_append(struct dl_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        b->data = dl_xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void dl_buf_printf(struct dl_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;
    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    dl_buf_append(b, s, (size_t)n);
    free(s);
}

const char *dl_buf_str(struct dl_buf *b)
{
    if (b->data == NULL)
        dl_buf_append(b, "", 0);
    return b->data;
}

void dl_buf_reset(struct dl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void dl_buf_free(struct dl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int dl_buf_write_free(struct dl_buf *b, const char *dir, const char *rel, struct dl_error *err)
{
    char *path = dl_xasprintf("%s/%s", dir, rel);
    int rc = dl_write_file(path, b->data ? b->data : "", b->len, 0644, err);
    free(path);
    dl_buf_free(b);
    return rc;
}

void dl_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

double dl_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t dl_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dl_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

bool dl_name_under(const char *name, const char *zone)
{
    size_t ln = strlen(name), lz = strlen(zone);
    if (strcmp(zone, ".") == 0)
        return true;
    return ln >= lz && strcasecmp(name + ln - lz, zone) == 0 &&
           (ln == lz || name[ln - lz - 1] == '.');
}

int dl_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return 0;
    }
    return -1;
}
