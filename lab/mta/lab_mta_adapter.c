#include "lab_mta_adapter.h"

#include "dl_log.h"
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
#include <strings.h>
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

void lab_mta_proc_each(lab_mta_proc_fn *fn, void *ctx)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    bool more = true;
    while (more && d && (e = readdir(d)) != NULL) {
        char path[64], buf[512], *rp, state;
        long ppid;
        FILE *f;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        /* after "PID (COMM) " come the state and the parent's PID */
        if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) != NULL &&
            sscanf(rp + 2, "%c %ld", &state, &ppid) == 2)
            more = fn(ctx, (int)strtol(e->d_name, NULL, 10), (int)ppid, state);
        fclose(f);
    }
    if (d)
        closedir(d);
}

int lab_mta_check_reachable(const char *base, unsigned uid, const char *who, struct dl_error *err)
{
    char *dir = dl_xstrdup(base), *slash;
    struct stat st;
    int rc = 0;
    while (rc == 0 && (slash = strrchr(dir, '/')) != NULL) {
        *slash = '\0';
        if (stat(*dir ? dir : "/", &st) == 0 && !(st.st_mode & S_IXOTH) && st.st_uid != uid)
            rc = dl_error_set(err,
                              "%s (mode %04o): %s, cannot reach %s; make it traversable "
                              "(chmod o+x) or use another run directory",
                              *dir ? dir : "/", (unsigned)(st.st_mode & 07777), who, base);
        if (*dir == '\0')
            break;
    }
    free(dir);
    return rc;
}

static bool kill_child(void *ctx, int pid, int ppid, char state)
{
    (void)state;
    if (ppid == *(const int *)ctx)
        kill((pid_t)pid, SIGKILL);
    return true;
}

void lab_mta_kill_tree(int parent)
{
    lab_mta_proc_each(kill_child, &parent);
    kill((pid_t)parent, SIGKILL);
}

void lab_mta_in_child(void (*fn)(const void *arg), const void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        fn(arg);
        _exit(0);
    }
    if (pid < 0)
        dl_warn("mta: fork for the stop: %s", strerror(errno));
    while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

char *lab_mta_message_text(const struct lab_mta_msg *m, const char *subject, bool date)
{
    char line[80] = "";
    if (date) {
        time_t now = time(NULL);
        struct tm tm;
        strftime(line, sizeof(line), "Date: %a, %d %b %Y %H:%M:%S +0000\n", gmtime_r(&now, &tm));
    }
    return dl_xasprintf("From: danelab <danelab@mta.danelab.invalid>\n"
                        "To: %s\n"
                        "Subject: %s\n"
                        "%s"
                        "Message-ID: <%s>\n"
                        "\n"
                        "danelab mta: one message per scenario.\n",
                        m->rcpt, subject, line, m->msgid);
}

struct lab_mta_msg *lab_mta_by_qid(struct lab_mta_msg *msgs, size_t n, const char *qid, size_t qlen)
{
    for (size_t i = 0; i < n; i++)
        if (msgs[i].qid[0] && strlen(msgs[i].qid) == qlen && strncmp(msgs[i].qid, qid, qlen) == 0)
            return &msgs[i];
    return NULL;
}

size_t lab_mta_pending(const struct lab_mta_msg *msgs, size_t n)
{
    size_t pending = 0;
    for (size_t i = 0; i < n; i++)
        pending += msgs[i].status == LAB_MTA_PENDING;
    return pending;
}

size_t lab_mta_log_poll(const char *path, long *offset, lab_mta_line_fn *fn, void *ctx,
                        struct lab_mta_msg *msgs, size_t n)
{
    FILE *f = fopen(path, "r");
    if (f != NULL && fseek(f, *offset, SEEK_SET) == 0) {
        char line[8192];
        while (fgets(line, sizeof(line), f) != NULL) {
            size_t l = strlen(line);
            if (l == 0 || line[l - 1] != '\n')
                break; /* a line still being written: read it next time */
            line[l - 1] = '\0';
            *offset += (long)l;
            fn(ctx, line, msgs, n);
        }
    }
    if (f != NULL)
        fclose(f);
    return lab_mta_pending(msgs, n);
}

void lab_mta_attempt_add(struct lab_mta_msg *m, const struct lab_mta_attempt *a)
{
    m->att = dl_xrealloc(m->att, (m->n_att + 1) * sizeof(*m->att));
    m->att[m->n_att++] = *a;
}

time_t lab_mta_log_time(const char *stamp, time_t near)
{
    struct tm tm = {0}, ny;
    const char *end = strptime(stamp, "%b %d %H:%M:%S", &tm);
    time_t t;
    if (end == NULL || gmtime_r(&near, &ny) == NULL)
        return -1;
    tm.tm_year = ny.tm_year;
    t = timegm(&tm);
    if (t - near > 183 * 86400) /* "Dec 31" read in early January */
        tm.tm_year--;
    else if (near - t > 183 * 86400)
        tm.tm_year++;
    return timegm(&tm);
}

/* Whether text is a delivery status report saying "delayed" (RFC 3464
 * 2.3.3), its field name matched without regard to case. */
static bool delay_report(const char *text)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (strncasecmp(l, "Action:", 7) == 0 &&
            strncasecmp(l + 7 + strspn(l + 7, " \t"), "delayed", 7) == 0)
            return true;
    return false;
}

/* The report in maildir folder dir (lab_mta_sender_report). */
static char *maildir_report(const char *dir, const char *msgid)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;
    while (d && found == NULL && (de = readdir(d)) != NULL) {
        char *path, *text = NULL;
        size_t len;
        if (de->d_name[0] == '.')
            continue;
        path = dl_xasprintf("%s/%s", dir, de->d_name);
        if (dl_read_file(path, 1 << 20, &text, &len, NULL) == 0 && strstr(text, msgid) &&
            !delay_report(text))
            found = text;
        else
            free(text);
        free(path);
    }
    if (d)
        closedir(d);
    return found;
}

char *lab_mta_sender_report(const char *mail, const char *msgid)
{
    char *dir = dl_xasprintf("%s/sender/new", mail);
    char *found = maildir_report(dir, msgid);
    free(dir);
    return found;
}
