/* Unit tests for dane_ub: answers through the context's background
 * thread, one after another on the same thread; a resolver that never
 * answers makes a lookup fail within its bound, with the resolver, the
 * name and the type in the error, and leaves the context usable; freeing
 * the context ends its thread. No network: local data, and a UDP socket
 * on the loopback that nobody reads. */
#include "dane_ub.h"
#include "dl_util.h"

#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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
static struct ub_ctx *context(const char *via)
{
    struct dl_error err;
    struct ub_ctx *ctx = dane_ub_ctx_new(&err);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(ub_ctx_set_option(ctx, "do-not-query-localhost:", "no"), 0);
    ck_assert_int_eq(ub_ctx_set_fwd(ctx, via), 0);
    ck_assert_int_eq(ub_ctx_zone_add(ctx, "local.example.", "static"), 0);
    ck_assert_int_eq(ub_ctx_data_add(ctx, "a.local.example. 300 IN A 192.0.2.7"), 0);
    return ctx;
}

static void assert_local_answer(struct ub_ctx *ctx)
{
    struct ub_result *r = NULL;
    struct dl_error err;
    ck_assert_int_eq(dane_ub_resolve(ctx, "a.local.example.", 1, 5000, "local", &r, &err), 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->havedata, 1);
    ck_assert_int_eq(r->len[0], 4);
    ck_assert_int_eq(r->data[0][3], 7);
    ub_resolve_free(r);
    ck_assert_int_eq(dane_ub_resolve(ctx, "b.local.example.", 1, 5000, "local", &r, &err), 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->nxdomain, 1);
    ub_resolve_free(r);
}

START_TEST(answers_on_one_thread)
{
    char via[64];
    int fd = black_hole(via, sizeof(via)), before = threads();
    struct ub_ctx *ctx = context(via);
    for (int i = 0; i < 3; i++)
        assert_local_answer(ctx);
    ck_assert_int_eq(threads(), before + 1);
    dane_ub_ctx_free(ctx);
    ck_assert_int_eq(threads(), before);
    close(fd);
}
END_TEST

START_TEST(silent_resolver_bounded)
{
    char via[64];
    int fd = black_hole(via, sizeof(via)), before = threads();
    struct ub_ctx *ctx = context(via);
    struct ub_result *r = (struct ub_result *)&r;
    struct dl_error err = {{0}};
    int64_t t0 = dl_mono_ms(), took;
    int rc = dane_ub_resolve(ctx, "q.example.", 52, 300, via, &r, &err);
    took = dl_mono_ms() - t0;
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_null(r);
    ck_assert_int_ge(took, 290);
    ck_assert_int_lt(took, 2500); /* the bound, and a loaded machine */
    ck_assert_msg(strstr(err.msg, "q.example. TLSA via ") && strstr(err.msg, via) &&
                      strstr(err.msg, "no answer within 300 ms"),
                  "error: %s", err.msg);
    /* Still usable: the cancelled query's late end calls nothing. */
    assert_local_answer(ctx);
    dane_ub_ctx_free(ctx);
    ck_assert_int_eq(threads(), before);
    close(fd);
}
END_TEST

Suite *dane_ub_suite(void)
{
    Suite *s = suite_create("dane_ub");
    TCase *pos = tcase_create("Positive"), *neg = tcase_create("Negative");
    tcase_add_test(pos, answers_on_one_thread);
    tcase_add_test(neg, silent_resolver_bounded);
    /* Without the bound, libunbound waits for the silent resolver far
     * longer than this (its own retries): the test fails, never hangs. */
    tcase_set_timeout(neg, 10);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
