#include "lab_world.h"

#include "dl_util.h"
#include "lab_holder.h"
#include "lab_interrupt.h"

#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOLDER_STACK (256 * 1024)
#define DOWN_WAIT_MS 10000
#define ACK_WAIT_MS  30000 /* how long a holder waits for up's acknowledgement */

/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when there is no such process. */
static unsigned long long proc_start(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long start = 0;
    FILE *f;
    char *p;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "re");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL) {
        /* after ") " come fields 3..; start time is field 22 */
        if (sscanf(p + 2,
                   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
                   "%*d %*d %llu",
                   &start) != 1)
            start = 0;
        if (p[2] == 'Z')
            start = 0; /* a zombie is as good as gone */
    }
    fclose(f);
    return start;
}

static char *pid_path(const char *run)
{
    return dl_xasprintf("%s/lab.pid", run);
}

/* RUN/lab.pid: "HOLDER START MODE USERNS STARTED P1 P2 P3". */
static int write_pidfile(const char *run, pid_t holder, bool netns, bool userns, const char *pids,
                         struct dl_error *err)
{
    char *path = pid_path(run);
    char *text =
        dl_xasprintf("%ld %llu %s %d %lld %s\n", (long)holder, proc_start(holder),
                     netns ? "netns" : "host", userns ? 1 : 0, (long long)time(NULL), pids);
    int rc = dl_write_file(path, text, strlen(text), 0644, err);
    free(text);
    free(path);
    return rc;
}

/* The servers' PIDs: one number per server, in lab_server_id order. */
static void parse_pids(const char *text, long p[LAB_SERVER_COUNT])
{
    for (int i = 0; i < LAB_SERVER_COUNT; i++) {
        char *end;
        p[i] = strtol(text, &end, 10);
        if (end == text)
            break;
        text = end;
    }
}

int lab_world_status(const char *run, struct lab_status *st, struct dl_error *err)
{
    char *path = pid_path(run), *text = NULL, mode[16] = "";
    long holder = 0, p[LAB_SERVER_COUNT] = {0};
    unsigned long long start = 0;
    long long started = 0;
    int userns = 0, off = 0;
    memset(st, 0, sizeof(*st));
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        free(path);
        return 0;
    }
    if (dl_read_file(path, 4096, &text, NULL, err) != 0) {
        free(path);
        return -1;
    }
    if (sscanf(text, "%ld %llu %15s %d %lld %n", &holder, &start, mode, &userns, &started, &off) !=
            5 ||
        off == 0) {
        dl_error_set(err, "%s: malformed (remove it if no lab runs)", path);
        free(text);
        free(path);
        return -1;
    }
    parse_pids(text + off, p); /* servers that did not run are 0 */
    free(text);
    if (holder > 1 && start != 0 && proc_start((pid_t)holder) == start) {
        st->running = true;
        st->holder = (pid_t)holder;
        st->netns = strcmp(mode, "netns") == 0;
        st->userns = userns != 0;
        st->started = (time_t)started;
        for (int i = 0; i < LAB_SERVER_COUNT; i++)
            st->pids[i] = (pid_t)p[i];
    } else {
        unlink(path); /* stale: the holder is gone */
    }
    free(path);
    return 0;
}

/* One lab per run directory: RUN/lab.lock is held while starting or
 * stopping. Returns the descriptor or -1. */
static int lock_run(const char *run, struct dl_error *err)
{
    char *path = dl_xasprintf("%s/lab.lock", run);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        dl_error_set(err, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    free(path);
    return fd;
}

static void fill_args(struct lab_holder_args *a, const struct lab_world_opts *o,
                      const char *const probe[LAB_SERVER_COUNT])
{
    a->run_dir = o->run_dir;
    a->netns = o->netns;
    a->userns = o->netns && geteuid() != 0;
    a->uid = geteuid();
    a->gid = getegid();
    a->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    a->ack_timeout_ms = o->ack_timeout_ms > 0 ? o->ack_timeout_ms : ACK_WAIT_MS;
    for (int i = 0; i < LAB_SERVER_COUNT; i++) {
        a->argv[i] = lab_conf_argv(o->run_dir, i);
        a->probe[i] = probe[i];
    }
}

static pid_t spawn_holder(struct lab_holder_args *a, void *stack, struct dl_error *err)
{
    int flags = SIGCHLD;
    pid_t pid;
    if (a->netns)
        flags |= CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID | (a->userns ? CLONE_NEWUSER : 0);
    pid = clone(lab_holder_main, (char *)stack + HOLDER_STACK, flags, a);
    if (pid < 0 && a->netns)
        dl_error_set(err,
                     "cannot create the lab's namespaces (%s); inside a container without "
                     "that privilege use --no-netns",
                     strerror(errno));
    else if (pid < 0)
        dl_error_set(err, "cannot start the lab holder: %s", strerror(errno));
    return pid;
}

/* Read the holder's one-line verdict; interrupted by SIGINT/SIGTERM. */
static int read_verdict(int fd, char *buf, size_t len, struct dl_error *err)
{
    size_t got = 0;
    while (got < len - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (lab_interrupted())
            return dl_error_set(err, "interrupted by signal %d: stopping the lab",
                                lab_interrupted());
        if (poll(&p, 1, 200) <= 0)
            continue;
        n = read(fd, buf + got, len - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(buf, '\n', got))
            break;
    }
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strncmp(buf, "ready ", 6) == 0)
        return 0;
    if (strncmp(buf, "error: ", 7) == 0)
        return dl_error_set(err, "%s", buf + 7);
    return dl_error_set(err, "the lab holder died during start-up (see the run directory's "
                             "log/lab.log)");
}

static void kill_holder(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* A pidfd of this process, for the holder of a tied lab to watch (it
 * becomes readable when this process ends, however it ends); -1 where the
 * kernel has none (before Linux 5.3): the lab is then not tied. */
static int self_pidfd(void)
{
    int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (fd < 0)
        dl_warn("pidfd_open: %s: a lab started by this command outlives a kill -9 of it",
                strerror(errno));
    else if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        dl_debug("pidfd: FD_CLOEXEC: %s", strerror(errno));
    return fd;
}

/* On the host's loopback (--no-netns) the lab's fixed addresses may be
 * taken, most often by another lab started with --no-netns from another
 * run directory: say so before any server fails to bind. */
static int host_addresses_free(struct dl_error *err)
{
    static const char *const addrs[] = {LAB_ADDR_PARENT, LAB_ADDR_CHILD, LAB_ADDR_RESOLVER};
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
        for (int type = 0; type < 2; type++) {
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
            int fd = socket(AF_INET, type ? SOCK_STREAM : SOCK_DGRAM, 0), one = 1, busy;
            if (fd < 0)
                continue;
            if (type) /* TCP: a connection in TIME_WAIT is no owner */
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            inet_pton(AF_INET, addrs[i], &sa.sin_addr);
            busy = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno == EADDRINUSE;
            close(fd);
            if (busy)
                return dl_error_set(err,
                                    "%s port 53 (%s) is in use on the host's loopback: another "
                                    "lab with --no-netns (or a DNS server) holds it; stop it "
                                    "first, or run without --no-netns",
                                    addrs[i], type ? "TCP" : "UDP");
        }
    return 0;
}

/* A start between lab_world_up_begin and _end: the holder's arguments
 * (up's side of them: a.up_ready_fd, the holder's verdict; a.up_ack_fd,
 * our acknowledgement; a.lock_fd, RUN/lab.lock, held until the end). */
struct lab_world_start {
    struct lab_holder_args a;
    char *run_dir; /* a.run_dir: ours */
    bool tied;
    pid_t pid; /* the holder */
};

static void close_fd(int fd)
{
    if (fd >= 0)
        close(fd);
}

static void start_free(lab_world_start *st)
{
    close_fd(st->a.up_ready_fd);
    close_fd(st->a.up_ack_fd);
    close_fd(st->a.tie_fd); /* the holder has its copy */
    close_fd(st->a.lock_fd);
    for (int i = 0; i < LAB_SERVER_COUNT; i++)
        lab_conf_argv_free(st->a.argv[i]);
    free(st->run_dir);
    free(st);
}

/* Clone the holder; the caller holds the lock. */
static int spawn(lab_world_start *st, const struct lab_world_opts *o, struct dl_error *err)
{
    struct lab_interrupt saved;
    int ready[2], ack[2];
    void *stack;
    if (pipe2(ready, O_CLOEXEC) != 0)
        return dl_error_set(err, "pipe: %s", strerror(errno));
    if (pipe2(ack, O_CLOEXEC) != 0) {
        close(ready[0]);
        close(ready[1]);
        return dl_error_set(err, "pipe: %s", strerror(errno));
    }
    st->a.ready_fd = ready[1];
    st->a.ack_fd = ack[0];
    st->a.up_ready_fd = ready[0];
    st->a.up_ack_fd = ack[1];
    st->a.tie_fd = o->tied ? self_pidfd() : -1;
    /* the child runs on a copy of this memory: the stack is ours to free,
     * and the probes (the caller's strings) are not used here again */
    stack = dl_xmalloc(HOLDER_STACK);
    lab_interrupt_catch(&saved);
    st->pid = spawn_holder(&st->a, stack, err);
    lab_interrupt_release(&saved);
    free(stack);
    memset(st->a.probe, 0, sizeof(st->a.probe));
    close(ready[1]);
    close(ack[0]);
    st->a.ready_fd = st->a.ack_fd = -1; /* the holder's ends */
    return st->pid > 0 ? 0 : -1;
}

int lab_world_up_begin(const struct lab_world_opts *o, const char *const probe[LAB_SERVER_COUNT],
                       lab_world_start **out, struct dl_error *err)
{
    lab_world_start *st = dl_xcalloc(1, sizeof(*st));
    struct lab_status status;
    st->a.up_ready_fd = st->a.up_ack_fd = st->a.tie_fd = -1;
    st->run_dir = dl_xstrdup(o->run_dir);
    st->tied = o->tied;
    *out = NULL;
    if ((st->a.lock_fd = lock_run(o->run_dir, err)) < 0) {
        start_free(st);
        return -1;
    }
    if (lab_world_status(o->run_dir, &status, err) == 0 && status.running)
        dl_error_set(err, "a lab already runs from %s (holder pid %ld); `danelab down` first",
                     o->run_dir, (long)status.holder);
    else if (!status.running && (o->netns || host_addresses_free(err) == 0)) {
        fill_args(&st->a, o, probe);
        st->a.run_dir = st->run_dir;
        if (spawn(st, o, err) == 0) {
            *out = st;
            return 0;
        }
    }
    start_free(st);
    return -1;
}

void lab_world_up_cancel(lab_world_start *st)
{
    if (st == NULL)
        return;
    if (st->pid > 0)
        kill_holder(st->pid);
    start_free(st);
}

int lab_world_up_end(lab_world_start *st, struct dl_error *err)
{
    struct lab_interrupt saved;
    char verdict[1100];
    void (*was)(int);
    int rc;
    lab_interrupt_catch(&saved); /* the holder is killed whenever the signal comes */
    rc = read_verdict(st->a.up_ready_fd, verdict, sizeof(verdict), err);
    if (rc == 0)
        rc = write_pidfile(st->run_dir, st->pid, st->a.netns, st->a.userns, verdict + 6, err);
    /* A holder that gave up waiting has closed its end: EPIPE, not SIGPIPE. */
    was = signal(SIGPIPE, SIG_IGN);
    if (rc == 0 && write(st->a.up_ack_fd, st->tied ? "t" : "k", 1) != 1)
        rc = dl_error_set(err, "lab holder: %s", strerror(errno));
    signal(SIGPIPE, was);
    if (rc != 0)
        kill_holder(st->pid); /* a pidfile written for it now reads as stale */
    lab_interrupt_release(&saved);
    start_free(st);
    return rc;
}

int lab_world_up(const struct lab_world_opts *o, const zone_tree *tree, struct dl_error *err)
{
    const char *probe[LAB_SERVER_COUNT];
    lab_world_start *st;
    for (int i = 0; i < LAB_SERVER_COUNT; i++)
        probe[i] = i == LAB_FAKESMTP ? o->smtp_probe : lab_conf_probe_name(tree, i);
    if (lab_world_up_begin(o, probe, &st, err) != 0)
        return -1;
    return lab_world_up_end(st, err);
}

static int wait_gone(pid_t pid, unsigned long long start, int ms)
{
    for (int waited = 0; waited < ms; waited += 5) {
        if (proc_start(pid) != start)
            return 0;
        usleep(5000);
    }
    return -1;
}

int lab_world_down(const char *run, bool *was_running, struct dl_error *err)
{
    struct lab_status st;
    unsigned long long start;
    int lock, rc = 0;
    *was_running = false;
    /* Nothing recorded: nothing to stop, and nothing to create on disk. */
    if (lab_world_status(run, &st, err) != 0)
        return -1;
    if (!st.running)
        return 0;
    if ((lock = lock_run(run, err)) < 0)
        return -1;
    if (lab_world_status(run, &st, err) != 0 || !st.running) {
        close(lock);
        return st.running ? -1 : 0;
    }
    *was_running = true;
    start = proc_start(st.holder);
    kill(st.holder, SIGTERM);
    if (wait_gone(st.holder, start, DOWN_WAIT_MS) != 0) {
        kill(st.holder, SIGKILL);
        if (wait_gone(st.holder, start, 2000) != 0)
            rc = dl_error_set(err, "lab holder pid %ld does not stop", (long)st.holder);
    }
    waitpid(st.holder, NULL, WNOHANG); /* our own child when we started it */
    if (rc == 0) {
        char *path = pid_path(run);
        unlink(path);
        free(path);
    }
    close(lock);
    return rc;
}

struct ns_ref {
    const char *name;
    int type;
    int fd;
};

/* Open every namespace first and join them after: once in the lab's mount
 * namespace, /proc is the lab's and the holder's host PID is not in it. */
static int join_all(pid_t pid, bool userns, struct dl_error *err)
{
    struct ns_ref ns[] = {{"user", CLONE_NEWUSER, -1},
                          {"mnt", CLONE_NEWNS, -1},
                          {"net", CLONE_NEWNET, -1},
                          {"pid", CLONE_NEWPID, -1}};
    size_t n = sizeof(ns) / sizeof(ns[0]);
    int rc = 0;
    for (size_t i = userns ? 0 : 1; i < n && rc == 0; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, ns[i].name);
        if ((ns[i].fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            rc = dl_error_set(err, "open %s: %s", path, strerror(errno));
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (ns[i].fd >= 0 && setns(ns[i].fd, ns[i].type) != 0)
            rc = dl_error_set(err, "enter the lab's %s namespace: %s", ns[i].name, strerror(errno));
    for (size_t i = 0; i < n; i++)
        if (ns[i].fd >= 0)
            close(ns[i].fd);
    return rc;
}

/* Without the lab's namespaces: a private mount namespace still shows the
 * lab's resolv.conf, when we may have one. */
static void host_resolv(const char *run)
{
    char *resolv = dl_xasprintf("%s/etc/resolv.conf", run);
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0)
        dl_warn("cannot show %s as /etc/resolv.conf here (%s); point the program at %s "
                "yourself",
                resolv, strerror(errno), LAB_ADDR_RESOLVER);
    free(resolv);
}

int lab_world_enter(const char *run, struct dl_error *err)
{
    struct lab_status st;
    char *cwd;
    int rc = 0;
    if (lab_world_status(run, &st, err) != 0)
        return -1;
    if (!st.running)
        return dl_error_set(err, "no lab runs from %s; start one with `danelab up`", run);
    if (!st.netns) {
        host_resolv(run);
        return 0;
    }
    cwd = getcwd(NULL, 0);
    rc = join_all(st.holder, st.userns, err);
    if (rc == 0 && cwd && chdir(cwd) != 0)
        dl_warn("cannot return to %s inside the lab: %s", cwd, strerror(errno));
    free(cwd);
    return rc;
}

int lab_world_signal(const char *run_dir, enum lab_server_id id, int sig, struct dl_error *err)
{
    char *path = lab_conf_pidfile(run_dir, id), *text = NULL;
    const char *name = lab_conf_server(run_dir, id)->name;
    long pid = 0;
    int status = 0;
    pid_t child;
    if (dl_read_file(path, 64, &text, NULL, err) == 0)
        pid = strtol(text, NULL, 10);
    free(text);
    if (pid <= 1) {
        dl_error_set(err, "%s's PID file %s is missing or malformed", name, path);
        free(path);
        return -1;
    }
    free(path);
    if ((child = fork()) < 0)
        return dl_error_set(err, "fork: %s", strerror(errno));
    if (child == 0)
        _exit(kill((pid_t)pid, sig) == 0 ? 0 : 1);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return dl_error_set(err, "cannot signal %s (pid %ld)", name, pid);
    return 0;
}
