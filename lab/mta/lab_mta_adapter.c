#include "lab_mta_adapter.h"

#include "dl_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *lab_mta_status_name(enum lab_mta_status s)
{
    static const char *const names[] = {"pending", "sent", "deferred", "bounced", "no-status"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *lab_mta_auth_name(enum lab_mta_auth a)
{
    static const char *const names[] = {"unknown", "plaintext", "unverified", "verified"};
    return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

enum lab_mta_status lab_mta_status_parse(const char *word)
{
    for (int s = LAB_MTA_SENT; s <= LAB_MTA_BOUNCED; s++)
        if (strcmp(word, lab_mta_status_name((enum lab_mta_status)s)) == 0)
            return (enum lab_mta_status)s;
    return LAB_MTA_PENDING;
}

const char *lab_mta_sbin(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "/usr/sbin/%s", name);
    return access(buf, X_OK) == 0 ? buf : name;
}

static void child(char *const argv[], const char *in, int pin[2], int pout[2])
{
    int null = open("/dev/null", O_RDWR);
    setpgid(0, 0); /* its own group: a timeout kills what it started too */
    dup2(in ? pin[0] : null, 0);
    dup2(pout[1], 1);
    dup2(pout[1], 2);
    close(pin[0]);
    close(pin[1]);
    close(pout[0]);
    close(pout[1]);
    signal(SIGINT, SIG_IGN); /* the caller stops what it started */
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static void feed(int fd, const char *in)
{
    signal(SIGPIPE, SIG_IGN); /* a command that does not read its input */
    if (in)
        (void)dl_write_all(fd, in, strlen(in));
    close(fd);
}

/* Read the child's output until EOF or the deadline (0: none). Returns
 * false when the deadline passed. */
static bool drain(int fd, struct dl_buf *out, long long deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int wait = deadline ? (int)(deadline - dl_mono_ms()) : -1;
        char buf[4096];
        ssize_t r;
        if (deadline && wait <= 0)
            return false;
        if (poll(&p, 1, wait) < 0) {
            if (errno == EINTR)
                continue;
            return true;
        }
        if (p.revents == 0)
            continue;
        r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return true;
        if (out)
            dl_buf_append(out, buf, (size_t)r);
    }
}

int lab_mta_run(char *const argv[], const char *in, struct dl_buf *out, int timeout_ms)
{
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, status;
    long long deadline = timeout_ms > 0 ? dl_mono_ms() + timeout_ms : 0;
    bool in_time;
    pid_t pid;
    if (pipe(pin) != 0)
        return -1;
    if (pipe(pout) != 0) {
        close(pin[0]);
        close(pin[1]);
        return -1;
    }
    if ((pid = fork()) < 0) {
        close(pin[0]);
        close(pin[1]);
        close(pout[0]);
        close(pout[1]);
        return -1;
    }
    if (pid == 0)
        child(argv, in, pin, pout);
    setpgid(pid, pid); /* both sides: no race with the kill below */
    close(pin[0]);
    close(pout[1]);
    feed(pin[1], in);
    in_time = drain(pout[0], out, deadline);
    close(pout[0]);
    /* Output closed: a daemon the command started may keep running, but
     * the command itself must end; give it what is left of the time. */
    while (in_time && deadline) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (w < 0 && errno != EINTR)
            return -1;
        if (dl_mono_ms() >= deadline)
            in_time = false;
        else {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (!in_time) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        if (out)
            dl_buf_printf(out, "\n(killed after %d ms)", timeout_ms);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!in_time)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void lab_mta_rm_tree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void lab_mta_kill_tree(int parent)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[64], buf[512], *rp;
        long ppid;
        FILE *f;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) != NULL &&
            sscanf(rp + 2, "%*c %ld", &ppid) == 1 && ppid == parent)
            kill((pid_t)strtol(e->d_name, NULL, 10), SIGKILL);
        fclose(f);
    }
    if (d)
        closedir(d);
    kill((pid_t)parent, SIGKILL);
}
