#include "lab_listen.h"

#include "dl_json.h"
#include "dl_util.h"
#include "lab_world.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MS 1000 /* one connection: connect and banner */
#define HUP_EVERY                                                                                  \
    1000 /* ms between repeated SIGHUPs while waiting (a reload takes some 200 ms)                 \
          */
#define TICK_MS 10

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The exclusive lock on RUN/etc/fakesmtp.json.lock: its descriptor, or -1. */
static int lock_conf(const char *run_dir, struct dl_error *err)
{
    char *path = dl_xasprintf("%s/etc/fakesmtp.json.lock", run_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int64_t until = dl_mono_ms() + LAB_LISTEN_LOCK_MS;
    if (fd < 0) {
        dl_error_set(err, "%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || dl_mono_ms() >= until) {
            dl_error_set(err, "%s: %s", path,
                         errno == EWOULDBLOCK ? "still locked by another process after 10 s"
                                              : strerror(errno));
            close(fd);
            free(path);
            return -1;
        }
        sleep_ms(TICK_MS);
    }
    free(path);
    return fd;
}

static json_int_t port_of(const json_t *l)
{
    const json_t *p = json_object_get(l, "port");
    return json_is_integer(p) ? json_integer_value(p) : 25;
}

/* The banner listener l greets with. */
static char *banner_of(const json_t *l)
{
    const char *b = json_string_value(json_object_get(l, "banner"));
    return b ? dl_xstrdup(b) : dl_xasprintf("%s ESMTP fakesmtp", dl_json_str(l, "name"));
}

/* Put each of `news` in place of the listener of conf with its address
 * and port. */
static int replace_listeners(json_t *conf, json_t *news, struct dl_error *err)
{
    json_t *all = json_object_get(conf, "listeners"), *nl;
    size_t k;
    json_array_foreach(news, k, nl) {
        size_t i, found = json_array_size(all);
        json_t *ol;
        json_array_foreach(all, i, ol)
            if (strcmp(dl_json_str(ol, "address"), dl_json_str(nl, "address")) == 0 &&
                port_of(ol) == port_of(nl))
                found = i;
        if (found == json_array_size(all))
            return dl_error_set(err, "fakesmtp.json: no listener at %s port %lld (for %s)",
                                dl_json_str(nl, "address"), (long long)port_of(nl),
                                dl_json_str(nl, "name"));
        json_array_set(all, found, nl);
    }
    return 0;
}

/* The read-modify-write of RUN/etc/fakesmtp.json, under its lock. */
static int write_conf(const char *run_dir, json_t *news, struct dl_error *err)
{
    char *path = dl_xasprintf("%s/etc/fakesmtp.json", run_dir), *text = NULL;
    json_error_t je;
    json_t *conf = NULL;
    int fd = lock_conf(run_dir, err), rc = -1;
    if (fd >= 0 && (conf = json_load_file(path, 0, &je)) == NULL)
        dl_error_set(err, "%s:%d: %s", path, je.line, je.text);
    else if (fd >= 0 && !json_is_array(json_object_get(conf, "listeners")))
        dl_error_set(err, "%s: no listeners array", path);
    else if (fd >= 0 && replace_listeners(conf, news, err) == 0) {
        text = json_dumps(conf, JSON_INDENT(2));
        rc = dl_write_file(path, text, strlen(text), 0644, err);
    }
    if (fd >= 0)
        close(fd); /* releases the lock */
    free(text);
    json_decref(conf);
    free(path);
    return rc;
}

/* Read until CRLF (at most len - 1 octets) before `until`; 0 on a line. */
static int read_line(int fd, char *buf, size_t len, int64_t until)
{
    size_t got = 0;
    while (got + 1 < len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = until - dl_mono_ms();
        ssize_t r;
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        if ((r = recv(fd, buf + got, len - 1 - got, 0)) <= 0)
            return -1;
        got += (size_t)r;
        buf[got] = '\0';
        if (strstr(buf, "\r\n") != NULL) {
            *strstr(buf, "\r\n") = '\0';
            return 0;
        }
    }
    return -1;
}

/* Whether a new connection to listener l is greeted "220 BANNER". */
static bool greets(const json_t *l, const char *banner)
{
    struct sockaddr_storage sa;
    socklen_t sl = 0;
    int64_t until = dl_mono_ms() + PROBE_MS;
    char line[512], *want = dl_xasprintf("220 %s", banner);
    int fd = -1;
    bool ok = false;
    if (dl_sockaddr(dl_json_str(l, "address"), (unsigned)port_of(l), &sa, &sl) == 0)
        fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && (connect(fd, (struct sockaddr *)&sa, sl) == 0 || errno == EINPROGRESS)) {
        ok = read_line(fd, line, sizeof(line), until) == 0 && strcmp(line, want) == 0;
        if (send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL) == 6)
            (void)read_line(fd, line, sizeof(line), until);
    }
    if (fd >= 0)
        close(fd);
    free(want);
    return ok;
}

/* Wait until every listener of news greets with its banner. */
static int wait_live(const char *run_dir, json_t *news, struct dl_error *err)
{
    size_t n = json_array_size(news), live = 0;
    bool *done = dl_xcalloc(n + 1, sizeof(bool));
    int64_t start = dl_mono_ms(), last_hup = start;
    int rc = 0;
    while (rc == 0 && live < n) {
        for (size_t k = 0; k < n; k++) {
            char *banner = banner_of(json_array_get(news, k));
            if (!done[k] && greets(json_array_get(news, k), banner)) {
                done[k] = true;
                live++;
            }
            free(banner);
        }
        if (live == n)
            break;
        if (dl_mono_ms() - start >= LAB_LISTEN_WAIT_MS) {
            size_t k = 0;
            while (done[k])
                k++;
            rc = dl_error_set(err,
                              "fakesmtp did not take the new configuration of %s within %d ms "
                              "(see its log in %s/log/)",
                              dl_json_str(json_array_get(news, k), "name"), LAB_LISTEN_WAIT_MS,
                              run_dir);
            break;
        }
        sleep_ms(TICK_MS);
        /* Repeated: another process's reload may have read the file just
         * before ours was in place and absorbed our signal. */
        if (dl_mono_ms() - last_hup >= HUP_EVERY) {
            last_hup = dl_mono_ms();
            rc = lab_world_signal(run_dir, LAB_FAKESMTP, SIGHUP, err);
        }
    }
    free(done);
    return rc;
}

/* The listeners as JSON, with the banner `tag` asks for; NULL when one
 * is not a listener object. */
static json_t *parse_listeners(char *const *listeners, size_t n, const char *tag,
                               struct dl_error *err)
{
    json_t *news = json_array();
    for (size_t k = 0; k < n; k++) {
        json_error_t je;
        json_t *l = json_loads(listeners[k], 0, &je);
        if (!json_is_object(l) || !json_is_string(json_object_get(l, "address"))) {
            json_decref(l);
            json_decref(news);
            dl_error_set(err, "listener %zu: not a listener object", k);
            return NULL;
        }
        if (tag != NULL)
            json_object_set_new(
                l, "banner", json_sprintf("%s ESMTP fakesmtp (%s)", dl_json_str(l, "name"), tag));
        json_array_append_new(news, l);
    }
    return news;
}

bool lab_listen_live(char *const *listeners, size_t n, const char *tag)
{
    struct dl_error err;
    json_t *news = parse_listeners(listeners, n, tag, &err), *l;
    size_t k;
    bool live = news != NULL;
    json_array_foreach(news, k, l) {
        char *banner = banner_of(l);
        live = live && greets(l, banner);
        free(banner);
    }
    json_decref(news);
    return live;
}

int lab_listen_set(const char *run_dir, char *const *listeners, size_t n, const char *tag,
                   struct dl_error *err)
{
    json_t *news = parse_listeners(listeners, n, tag, err);
    int rc = news == NULL ? -1 : 0;
    if (rc == 0)
        rc = write_conf(run_dir, news, err);
    if (rc == 0)
        rc = lab_world_signal(run_dir, LAB_FAKESMTP, SIGHUP, err);
    if (rc == 0)
        rc = wait_live(run_dir, news, err);
    json_decref(news);
    return rc;
}
