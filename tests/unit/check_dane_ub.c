/* Unit tests for dane_ub: answers through the context's background
 * thread, one after another on the same thread; a resolver that never
 * answers makes a lookup fail within its bound, with the resolver, the
 * name and the type in the error, and leaves the context usable; freeing
 * the context ends its thread; a process that cannot start a thread (it
 * stayed outside a PID namespace whose /proc it sees, as danelab mta's
 * reference check does) looks up without one and frees the context
 * without waiting. dane_dns's memo: a question asked again is answered
 * from it, not asked of the validator; a failed lookup is not kept; a
 * cleared memo asks again. No network: local data, and a
 * UDP socket on the loopback that nobody reads. */
#include "dane_dns.h"
#include "dane_ub.h"
#include "dl_util.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unbound.h>
#include <unistd.h>

Suite *dane_ub_suite(void);

/* Threads of this process (/proc/self/task). */
static int threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The threads of this process once they are back to `want`, or what
 * they are after 2 s: a joined thread leaves /proc/self/task a moment
 * after pthread_join() returns (the kernel releases it after waking the
 * joiner), a moment that grows on a loaded machine and under ASan. */
static int threads_back_to(int want)
{
    int n = threads();
    for (int i = 0; i < 200 && n != want; i++) {
        usleep(10000);
        n = threads();
    }
    return n;
}

/* A UDP socket on 127.0.0.1 that is never read: a resolver that never
 * answers. Its "127.0.0.1@PORT" into via. */
static int black_hole(char *via, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ck_assert_int_ge(fd, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(via, len, "127.0.0.1@%u", (unsigned)ntohs(a.sin_port));
    return fd;
}

/* A context forwarding to `via`, with local data under local.example. */
static dane_ub *context(const char *via)
{
    struct dl_error err;
    dane_ub *u = dane_ub_new(&err);
    struct ub_ctx *ctx;
    ck_assert_ptr_nonnull(u);
    ctx = dane_ub_ctx(u);
    ck_assert_int_eq(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"), 0);
    ck_assert_int_eq(ub_ctx_set_fwd(ctx, via), 0);
    ck_assert_int_eq(ub_ctx_zone_add(ctx, "local.example.", "static"), 0);
    ck_assert_int_eq(ub_ctx_data_add(ctx, "a.local.example. 300 IN A 192.0.2.7"), 0);
    return u;
}

static void assert_local_answer(dane_ub *u)
{
    struct ub_result *r = NULL;
    struct dl_error err;
    ck_assert_int_eq(dane_ub_resolve(u, "a.local.example.", 1, 5000, "local", &r, &err), 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->havedata, 1);
    ck_assert_int_eq(r->len[0], 4);
    ck_assert_int_eq(r->data[0][3], 7);
    ub_resolve_free(r);
    ck_assert_int_eq(dane_ub_resolve(u, "b.local.example.", 1, 5000, "local", &r, &err), 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->nxdomain, 1);
    ub_resolve_free(r);
}

START_TEST(answers_on_one_thread)
{
    char via[64];
    int fd = black_hole(via, sizeof(via)), before = threads();
    dane_ub *u = context(via);
    ck_assert(!dane_ub_threaded(u));
    for (int i = 0; i < 3; i++)
        assert_local_answer(u);
    ck_assert(dane_ub_threaded(u));
    ck_assert_int_eq(threads(), before + 1);
    dane_ub_free(u);
    ck_assert_int_eq(threads_back_to(before), before);
    close(fd);
}
END_TEST

START_TEST(silent_resolver_bounded)
{
    char via[64];
    int fd = black_hole(via, sizeof(via)), before = threads();
    dane_ub *u = context(via);
    struct ub_result *r = (struct ub_result *)&r;
    struct dl_error err = {{0}};
    int64_t t0 = dl_mono_ms(), took;
    int rc = dane_ub_resolve(u, "q.example.", 52, 300, via, &r, &err);
    took = dl_mono_ms() - t0;
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_null(r);
    ck_assert_int_ge(took, 290);
    ck_assert_int_lt(took, 2500); /* the bound, and a loaded machine */
    ck_assert_msg(strstr(err.msg, "q.example. TLSA via ") && strstr(err.msg, via) &&
                      strstr(err.msg, "no answer within 300 ms"),
                  "error: %s", err.msg);
    /* Still usable: the cancelled query's late end calls nothing. */
    assert_local_answer(u);
    dane_ub_free(u);
    ck_assert_int_eq(threads_back_to(before), before);
    close(fd);
}
END_TEST

/* What outsider() found, by exit status. */
enum outsider_status {
    OUT_OK,
    OUT_SETUP,    /* the namespaces could not be made as asked */
    OUT_LOOKUP,   /* a lookup failed or gave a wrong answer */
    OUT_THREADED, /* the context claims a thread */
    OUT_REFUSED,  /* unshare() refused: no namespaces here */
};
/* A machine that refuses the namespaces fails this test rather than
 * skipping it (a skipped check must never count as passed, and Check has no
 * skip): the lab's own `up` needs the same namespaces. */
static const char *const outsider_why[] = {
    "ok", "namespace setup failed", "lookup failed", "the context claims a thread",
    "unshare() refused (danelab up needs these namespaces too)"};

/* PID 1 of the new namespace: mount its /proc, say so, wait to be killed
 * (also when the test process dies). */
static void pid_one(int ready)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        _exit(1);
    if (write(ready, "x", 1) != 1)
        _exit(1);
    for (;;)
        pause();
}

/* Two lookups of local data on a fresh context, then its free. */
static enum outsider_status look_up_outside(void)
{
    struct dl_error err;
    struct ub_result *r = NULL;
    dane_ub *u = dane_ub_new(&err);
    enum outsider_status st = OUT_OK;
    if (u == NULL)
        return OUT_LOOKUP;
    if (ub_ctx_zone_add(dane_ub_ctx(u), "local.example.", "static") != 0 ||
        ub_ctx_data_add(dane_ub_ctx(u), "a.local.example. 300 IN A 192.0.2.7") != 0)
        st = OUT_SETUP;
    for (int i = 0; i < 2 && st == OUT_OK; i++) {
        if (dane_ub_resolve(u, "a.local.example.", 1, 1500, "local", &r, &err) != 0 ||
            !r->havedata || r->len[0] != 4 || r->data[0][3] != 7)
            st = OUT_LOOKUP;
        if (r != NULL)
            ub_resolve_free(r);
        r = NULL;
    }
    if (st == OUT_OK && dane_ub_threaded(u))
        st = OUT_THREADED;
    dane_ub_free(u); /* hung here when libunbound believed in a thread */
    return st;
}

/* This process leaves itself outside a new PID namespace, in a new mount
 * namespace whose /proc is that PID namespace's (mounted by its PID 1):
 * the setting of a process that setns()'d into the lab's namespaces. It
 * cannot start a thread, and /proc/self does not exist for it. */
static enum outsider_status outsider(void)
{
    int ready[2];
    char c;
    pid_t init;
    enum outsider_status st;
    if (unshare(CLONE_NEWNS | CLONE_NEWPID | (geteuid() != 0 ? CLONE_NEWUSER : 0)) != 0)
        return errno == EPERM || errno == EINVAL || errno == ENOSPC ? OUT_REFUSED : OUT_SETUP;
    /* "none": the type is ignored here, but valgrind checks that it is a string. */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 || pipe(ready) != 0)
        return OUT_SETUP;
    if ((init = fork()) < 0)
        return OUT_SETUP;
    if (init == 0)
        pid_one(ready[1]);
    close(ready[1]);
    if (read(ready[0], &c, 1) != 1 || access("/proc/self", F_OK) == 0)
        st = OUT_SETUP;
    else
        st = look_up_outside();
    kill(init, SIGKILL);
    waitpid(init, NULL, 0);
    return st;
}

/* A dane_dns forwarding to `via`, with a.memo.example. A 192.0.2.9 as
 * local data (config file in dir) and the memo on. */
static dane_dns *memo_context(const char *dir, const char *via)
{
    struct dl_error err;
    char conf[300], ta[300];
    FILE *f;
    dane_dns *d;
    snprintf(conf, sizeof(conf), "%s/ub.conf", dir);
    snprintf(ta, sizeof(ta), "%s/ta", dir);
    ck_assert_ptr_nonnull(f = fopen(conf, "w"));
    fputs("server:\n  local-zone: \"memo.example.\" static\n"
          "  local-data: \"a.memo.example. 300 IN A 192.0.2.9\"\n",
          f);
    fclose(f);
    ck_assert_ptr_nonnull(f = fopen(ta, "w"));
    fputs("anchor.invalid. IN DS 1 13 2 "
          "0000000000000000000000000000000000000000000000000000000000000000\n",
          f);
    fclose(f);
    d = dane_dns_new(
        &(struct dane_dns_opts){
            .trust_anchor = ta, .resolver = via, .config = conf, .timeout_ms = 300},
        &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    dane_dns_memo_on(d);
    return d;
}

static void assert_memo_answer(dane_dns *d, const char *name)
{
    struct dane_dns_answer a;
    struct dl_error err;
    ck_assert_int_eq(dane_dns_lookup(d, name, 1, &a, &err), 0);
    ck_assert_uint_eq(a.n_rrs, 1);
    ck_assert_uint_eq(a.rrs[0].len, 4);
    ck_assert_int_eq(a.rrs[0].data[3], 9);
    dane_dns_answer_clear(&a);
}

START_TEST(memo_answers_again)
{
    char via[64], dir[] = "/tmp/dane-memo-XXXXXX";
    int fd = black_hole(via, sizeof(via));
    struct dane_dns_answer a;
    struct dl_error err;
    dane_dns *d;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    d = memo_context(dir, via);
    assert_memo_answer(d, "a.memo.example.");
    assert_memo_answer(d, "A.Memo.Example");
    ck_assert_uint_eq(dane_dns_asked(d), 1);
    /* a lookup that fails (nobody answers) is asked each time */
    ck_assert_int_eq(dane_dns_lookup(d, "x.other.example.", 1, &a, &err), -1);
    ck_assert_int_eq(dane_dns_lookup(d, "x.other.example.", 1, &a, &err), -1);
    ck_assert_uint_eq(dane_dns_asked(d), 3);
    /* cleared: asked again */
    dane_dns_memo_clear(d);
    assert_memo_answer(d, "a.memo.example.");
    ck_assert_uint_eq(dane_dns_asked(d), 4);
    dane_dns_free(d);
    close(fd);
    for (int i = 0; i < 2; i++) {
        char path[300];
        snprintf(path, sizeof(path), "%s/%s", dir, i ? "ta" : "ub.conf");
        unlink(path);
    }
    rmdir(dir);
}
END_TEST

START_TEST(no_thread_outside_pid_namespace)
{
    pid_t p = fork();
    int64_t t0 = dl_mono_ms();
    int st = 0;
    ck_assert_int_ge(p, 0);
    if (p == 0)
        _exit(outsider()); /* no atexit handlers: the sanitizers' would clone */
    while (waitpid(p, &st, WNOHANG) == 0) {
        if (dl_mono_ms() - t0 > 5000) {
            kill(p, SIGKILL);
            waitpid(p, &st, 0);
            ck_abort_msg("a context outside a PID namespace did not finish within 5 s "
                         "(ub_ctx_delete() waiting for a thread that never started?)");
        }
        usleep(20000);
    }
    ck_assert_msg(WIFEXITED(st), "the outsider died (status %d)", st);
    st = WEXITSTATUS(st);
    ck_assert_int_le(st, OUT_REFUSED);
    ck_assert_msg(st == OUT_OK, "outside a PID namespace: %s", outsider_why[st]);
}
END_TEST

Suite *dane_ub_suite(void)
{
    Suite *s = suite_create("dane_ub");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, answers_on_one_thread);
    tcase_add_test(pos, memo_answers_again);
    tcase_add_test(neg, silent_resolver_bounded);
    tcase_add_test(neg, no_thread_outside_pid_namespace);
    /* Without the bound, libunbound waits for the silent resolver far
     * longer than this (its own retries): the test fails, never hangs. */
    tcase_set_timeout(neg, 10);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
