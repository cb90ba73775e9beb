#include "lab_holder.h"

#include "dl_util.h"
#include "lab_ip6.h"
#include "lab_probe.h"
#include "scen.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_GRACE_MS 3000

struct holder {
    const struct lab_holder_args *a;
    pid_t pids[LAB_SERVER_COUNT];
    double started[LAB_SERVER_COUNT]; /* dl_mono() at each server's fork */
    FILE *log;
    bool tied; /* the lab lives only as long as the danelab that started it */
};

static void hlog(struct holder *h, const char *fmt, ...) DL_PRINTF(2, 3);

static void hlog(struct holder *h, const char *fmt, ...)
{
    char ts[32];
    time_t now = time(NULL);
    va_list ap;
    if (h->log == NULL)
        return;
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(h->log, "%s holder: ", ts);
    va_start(ap, fmt);
    vfprintf(h->log, fmt, ap);
    va_end(ap);
    fputc('\n', h->log);
    fflush(h->log);
}

static void say(int fd, const char *fmt, ...) DL_PRINTF(2, 3);

static void say(int fd, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 1)
        n = (int)sizeof(buf) - 1;
    if (write(fd, buf, (size_t)n) < 0) {
        /* up is gone; the ack pipe will tell */
    }
}

/* "ready P1 P2 ...": every server's PID (0 for one not started). */
static void say_ready(struct holder *h)
{
    char line[256];
    size_t n = (size_t)snprintf(line, sizeof(line), "ready");
    for (int i = 0; i < LAB_SERVER_COUNT && n < sizeof(line); i++)
        n += (size_t)snprintf(line + n, sizeof(line) - n, " %ld", (long)h->pids[i]);
    say(h->a->ready_fd, "%s\n", line);
}

static int write_proc(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Map the outer user to root inside the new user namespace. */
static int map_ids(const struct lab_holder_args *a, struct dl_error *err)
{
    char line[64];
    if (write_proc("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
        return dl_error_set(err, "write /proc/self/setgroups: %s", strerror(errno));
    snprintf(line, sizeof(line), "0 %lu 1", (unsigned long)a->uid);
    if (write_proc("/proc/self/uid_map", line) != 0)
        return dl_error_set(err, "write /proc/self/uid_map: %s", strerror(errno));
    snprintf(line, sizeof(line), "0 %lu 1", (unsigned long)a->gid);
    if (write_proc("/proc/self/gid_map", line) != 0)
        return dl_error_set(err, "write /proc/self/gid_map: %s", strerror(errno));
    return 0;
}

static int loopback_up(struct dl_error *err)
{
    struct ifreq ifr = {0};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return dl_error_set(err, "socket: %s", strerror(errno));
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 ||
        (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)) {
        close(fd);
        return dl_error_set(err, "bring up loopback: %s", strerror(errno));
    }
    close(fd);
    return 0;
}

/* Private mounts, a /proc for the new PID namespace, a /dev/shm of the
 * lab's own, and the lab's resolv.conf where programs look for it.
 * /dev/shm: libfaketime (the MTAs' virtual clock, lab_vclock) makes a
 * semaphore and a shared memory object named by each process's PID in
 * /dev/shm and removes them only at a clean exit; daemons stopped by a
 * signal leave them. In a tmpfs of the namespace they vanish with the lab
 * instead of piling up on the host (thousands were found there). */
static int mounts(struct holder *h, struct dl_error *err)
{
    char *resolv = dl_xasprintf("%s/etc/resolv.conf", h->a->run_dir);
    int rc = 0;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        rc = dl_error_set(err, "make mounts private: %s", strerror(errno));
    else if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        rc = dl_error_set(err, "mount /proc: %s", strerror(errno));
    else if (mount("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") != 0)
        rc = dl_error_set(err, "mount a tmpfs on /dev/shm: %s", strerror(errno));
    else if (mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0)
        hlog(h, "warning: cannot show %s as /etc/resolv.conf: %s", resolv, strerror(errno));
    free(resolv);
    return rc;
}

/* The resolver's address as an address of the loopback interface (alias
 * lo:53, /32). Unbound, Knot Resolver and PowerDNS Recursor bind any
 * 127/8 address (all of it is local on lo), but BIND listens only on the
 * addresses of an interface that listen-on matches (named.conf(5),
 * listen-on; it scans the interfaces, interface-interval). */
static int resolver_address(struct dl_error *err)
{
    struct ifreq ifr = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;
    if (fd < 0)
        return dl_error_set(err, "socket: %s", strerror(errno));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo:53");
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, LAB_ADDR_RESOLVER, &sin->sin_addr);
    if (ioctl(fd, SIOCSIFADDR, &ifr) != 0)
        rc = dl_error_set(err, "add %s to lo: %s", LAB_ADDR_RESOLVER, strerror(errno));
    inet_pton(AF_INET, "255.255.255.255", &sin->sin_addr);
    if (rc == 0 && ioctl(fd, SIOCSIFNETMASK, &ifr) != 0)
        rc = dl_error_set(err, "netmask of %s on lo: %s", LAB_ADDR_RESOLVER, strerror(errno));
    close(fd);
    return rc;
}

static int setup_namespaces(struct holder *h, struct dl_error *err)
{
    if (h->a->userns && map_ids(h->a, err) != 0)
        return -1;
    if (loopback_up(err) != 0 || resolver_address(err) != 0 || mounts(h, err) != 0)
        return -1;
    return lab_ip6_local(SCEN_ADDR6_PREFIX, 48, err); /* the IPv6 half of lab_addr's plan */
}

/* In the child, before exec: own stdio, default signals, and death with
 * the holder (the only guarantee without a PID namespace). */
static void exec_server(struct holder *h, enum lab_server_id id)
{
    const struct lab_server_info *si = lab_conf_server(h->a->run_dir, id);
    char *out = dl_xasprintf("%s/log/%s.stderr", h->a->run_dir, si->name);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(126);
    execv(h->a->argv[id][0], h->a->argv[id]);
    fprintf(stderr, "danelab: exec %s: %s\n", h->a->argv[id][0], strerror(errno));
    _exit(127);
}

static int start_server(struct holder *h, enum lab_server_id id, struct dl_error *err)
{
    pid_t pid = fork();
    if (pid < 0)
        return dl_error_set(err, "fork for %s: %s", lab_conf_server(h->a->run_dir, id)->name,
                            strerror(errno));
    if (pid == 0)
        exec_server(h, id);
    h->pids[id] = pid;
    h->started[id] = dl_mono();
    {
        struct dl_buf cmd = {0};
        for (size_t k = 0; h->a->argv[id][k] != NULL; k++)
            dl_buf_printf(&cmd, "%s%s", k ? " " : "", h->a->argv[id][k]);
        hlog(h, "started %s (pid %ld): %s", lab_conf_server(h->a->run_dir, id)->name, (long)pid,
             cmd.data ? cmd.data : "");
        dl_buf_free(&cmd);
    }
    return 0;
}

static const char *describe_status(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    return buf;
}

/* Reap whatever exited. Returns the server that died, or -1. */
static int reap(struct holder *h, char *why, size_t len)
{
    int status, dead = -1;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < LAB_SERVER_COUNT; i++) {
            if (h->pids[i] != pid)
                continue;
            h->pids[i] = 0;
            dead = i;
            snprintf(why, len, "%s (pid %ld) ", lab_conf_server(h->a->run_dir, i)->name, (long)pid);
            describe_status(status, why + strlen(why), len - strlen(why));
        }
    }
    return dead;
}

/* Does addr:25 accept a TCP connection? */
static bool smtp_listens(const char *addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(25)};
    int fd, ok;
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
        return false;
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return false;
    ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
    close(fd);
    return ok;
}

static bool answers(struct holder *h, enum lab_server_id id)
{
    const struct lab_server_info *si = lab_conf_server(h->a->run_dir, id);
    int rcode = -1, ad = 0;
    if (id == LAB_FAKESMTP)
        return smtp_listens(h->a->probe[id]);
    /* the resolver is ready at its first validated answer (AD) */
    return lab_probe_dns(si->addr, LAB_DNS_PORT, h->a->probe[id], id == LAB_RESOLVER, 100, &rcode,
                         &ad, NULL) == 0 &&
           rcode == 0 && (id != LAB_RESOLVER || ad);
}

/* Wait until server `id` answers its probe (see lab_holder_args). */
static int wait_ready(struct holder *h, enum lab_server_id id, int64_t deadline_ms,
                      struct dl_error *err)
{
    const struct lab_server_info *si = lab_conf_server(h->a->run_dir, id);
    char why[256];
    for (;;) {
        struct timespec ts;
        int64_t now;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (reap(h, why, sizeof(why)) >= 0)
            return dl_error_set(err, "%s during start-up; see %s/log/", why, h->a->run_dir);
        if (now >= deadline_ms)
            return dl_error_set(err, "%s (%s) did not answer (%s) in time; see %s/log/%s.stderr",
                                si->name, si->addr, h->a->probe[id], h->a->run_dir, si->name);
        if (answers(h, id)) {
            /* what bench/lab-up reads: start to first (validated) answer */
            hlog(h, "%s answered %.0f ms after its start%s", si->name,
                 (dl_mono() - h->started[id]) * 1000,
                 id == LAB_RESOLVER ? " (first validated answer)" : "");
            return 0;
        }
        usleep(5000);
    }
}

static void stop_all(struct holder *h)
{
    char why[256];
    int64_t waited = 0;
    for (int i = LAB_SERVER_COUNT - 1; i >= 0; i--)
        if (h->pids[i] > 0)
            kill(h->pids[i], SIGTERM);
    for (;;) {
        int alive = 0;
        reap(h, why, sizeof(why));
        for (int i = 0; i < LAB_SERVER_COUNT; i++)
            alive += h->pids[i] > 0;
        if (alive == 0)
            break;
        if (waited >= STOP_GRACE_MS) {
            for (int i = 0; i < LAB_SERVER_COUNT; i++)
                if (h->pids[i] > 0) {
                    hlog(h, "%s (pid %ld) did not stop in %d ms: SIGKILL",
                         lab_conf_server(h->a->run_dir, i)->name, (long)h->pids[i], STOP_GRACE_MS);
                    kill(h->pids[i], SIGKILL);
                }
            waited = -1000000;
        }
        usleep(10000);
        waited += 10;
    }
    hlog(h, "all servers stopped");
}

static int start_all(struct holder *h, struct dl_error *err)
{
    struct timespec ts;
    int64_t deadline;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + h->a->timeout_ms;
    /* The authoritative servers first: a resolver that primes its root
     * and trust anchor before they answer backs off, and its first answers
     * would not be secure. fakesmtp needs no DNS: it starts with them, so
     * that its certificates and listeners load while they load their
     * zones (with 1,000 generated scenarios each takes about a second). */
    for (int i = 0; i < LAB_RESOLVER; i++)
        if (h->a->probe[i] != NULL && start_server(h, i, err) != 0)
            return -1;
    if (h->a->probe[LAB_FAKESMTP] != NULL && start_server(h, LAB_FAKESMTP, err) != 0)
        return -1;
    for (int i = 0; i < LAB_RESOLVER; i++)
        if (h->pids[i] > 0 && wait_ready(h, i, deadline, err) != 0)
            return -1;
    if (start_server(h, LAB_RESOLVER, err) != 0 || wait_ready(h, LAB_RESOLVER, deadline, err) != 0)
        return -1;
    if (h->pids[LAB_FAKESMTP] > 0 && wait_ready(h, LAB_FAKESMTP, deadline, err) != 0)
        return -1;
    /* fakedns forwards to nsd-child, up by now; its probe goes through
     * that forwarding */
    if (h->a->probe[LAB_FAKEDNS] != NULL &&
        (start_server(h, LAB_FAKEDNS, err) != 0 || wait_ready(h, LAB_FAKEDNS, deadline, err) != 0))
        return -1;
    return 0;
}

/* A tied lab's starter has ended (its pidfd is readable). */
static bool starter_gone(const struct holder *h)
{
    struct pollfd p = {.fd = h->a->tie_fd, .events = POLLIN};
    return h->tied && h->a->tie_fd >= 0 && poll(&p, 1, 0) == 1;
}

/* Wait for up's acknowledgement; 0 when it came. "k": the lab stays until
 * `danelab down`; "t": it is tied to the danelab that started it (run,
 * mta), which keeps the ack pipe open while it lives. Up may be building
 * meanwhile (lab_world_up_begin): the wait ends, and the lab stops, when
 * up's end of the pipe closes or its pidfd says it ended, on SIGTERM,
 * SIGINT or SIGHUP, when a server dies, or after ack_timeout_ms. */
static int wait_ack(struct holder *h, const sigset_t *set)
{
    const struct timespec none = {0, 0};
    int64_t deadline = dl_mono_ms() + h->a->ack_timeout_ms;
    char why[256], c;
    while (dl_mono_ms() < deadline) {
        struct pollfd p[2] = {{.fd = h->a->ack_fd, .events = POLLIN},
                              {.fd = h->a->tie_fd, .events = POLLIN}};
        siginfo_t si;
        int n = poll(p, h->a->tie_fd >= 0 ? 2 : 1, 200), sig;
        if (n > 0 && p[0].revents != 0) {
            if (read(h->a->ack_fd, &c, 1) == 1) {
                h->tied = c == 't';
                return 0;
            }
            break;
        }
        if (n > 0 && p[1].revents != 0) {
            hlog(h, "the danelab that started this lab ended before recording it: stopping");
            return -1;
        }
        while ((sig = sigtimedwait(set, &si, &none)) > 0) {
            if (sig == SIGCHLD && reap(h, why, sizeof(why)) >= 0) {
                hlog(h, "%s before up recorded the lab: stopping", why);
                return -1;
            }
            if (sig != SIGCHLD) {
                hlog(h, "signal %d from pid %ld before up recorded the lab: stopping", sig,
                     (long)si.si_pid);
                return -1;
            }
        }
    }
    hlog(h, "danelab up went away before recording the lab: stopping");
    return -1;
}

/* Supervise until told to stop or a server dies. */
static int supervise(struct holder *h, const sigset_t *set)
{
    char why[256];
    const struct timespec tick = {.tv_sec = 0, .tv_nsec = 500 * 1000 * 1000};
    for (;;) {
        siginfo_t si;
        int sig = sigtimedwait(set, &si, &tick);
        if (sig < 0 && starter_gone(h)) {
            hlog(h, "the danelab that started this lab is gone (killed?): stopping the lab");
            return 1;
        }
        if (sig == SIGCHLD) {
            if (reap(h, why, sizeof(why)) >= 0) {
                hlog(h, "%s: stopping the lab", why);
                return 1;
            }
            continue;
        }
        if (sig > 0) {
            hlog(h, "signal %d from pid %ld: stopping the lab", sig, (long)si.si_pid);
            return 0;
        }
    }
}

static FILE *open_log(const char *run)
{
    char *path = dl_xasprintf("%s/log/lab.log", run);
    FILE *f = fopen(path, "ae");
    free(path);
    return f;
}

/* Detach from the terminal and get stdio off it. */
static void detach(void)
{
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    setsid();
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
    }
}

static void on_signal(int sig)
{
    (void)sig; /* never runs: the signals stay blocked for sigwaitinfo */
}

/* Block the signals the holder waits for, with handlers established: as
 * PID 1 of its namespace it would otherwise not receive them at all. */
static void block_signals(sigset_t *set)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigprocmask(SIG_BLOCK, set, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
}

int lab_holder_main(void *arg)
{
    struct holder h = {.a = arg};
    struct dl_error err = {{0}};
    sigset_t set;
    int rc;

    block_signals(&set);
    close(h.a->lock_fd); /* shared with up by the clone; up releases it */
    /* up's ends of the pipes, copied by the clone: closed, so that the ack
     * pipe reads as closed once up is gone */
    close(h.a->up_ready_fd);
    close(h.a->up_ack_fd);
    detach();
    h.log = open_log(h.a->run_dir);
    hlog(&h, "starting (%s)", h.a->netns ? "own namespaces" : "host loopback");
    if ((h.a->netns && setup_namespaces(&h, &err) != 0) || start_all(&h, &err) != 0) {
        hlog(&h, "start-up failed: %s", err.msg);
        say(h.a->ready_fd, "error: %s\n", err.msg);
        stop_all(&h);
        _exit(1);
    }
    say_ready(&h);
    close(h.a->ready_fd);
    hlog(&h, "every server answers; lab up");
    rc = wait_ack(&h, &set) == 0 ? supervise(&h, &set) : 1;
    stop_all(&h);
    hlog(&h, "exiting");
    _exit(rc);
}
