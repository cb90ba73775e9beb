/* Unit tests for fakesmtp/fsmtp_conf (the JSON configuration, its errors
 * with file:line or JSON path) and fakesmtp/fsmtp_store (maildir delivery). */
#include "cert_issue.h"
#include "cert_key.h"
#include "dl_util.h"
#include "fsmtp_conf.h"
#include "fsmtp_store.h"

#include <check.h>
#include <dirent.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

Suite *fakesmtp_conf_suite(void);

static char tmpdir[64];
static char *conf_path;

static void setup(void)
{
    strcpy(tmpdir, "/tmp/fsmtp-conf-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    conf_path = dl_xasprintf("%s/fakesmtp.json", tmpdir);
}

static void teardown(void)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(conf_path);
}

START_TEST(good_config_and_defaults)
{
    static const char text[] =
        "{\"session_log\": \"log/s.jsonl\", \"grace\": 2, \"listeners\": [\n"
        " {\"name\": \"mx1.good.test\", \"address\": \"127.25.1.1\", \"maildir\": \"mail/mx1\",\n"
        "  \"banner_delay_ms\": 1500, \"starttls\": \"close\", \"drop_at\": \"rcpt\",\n"
        "  \"reply\": {\"mail\": \"451 4.3.0 later\"}, \"max_size\": 2048},\n"
        " {\"name\": \"mx2\", \"address\": \"::1\", \"port\": 2526, \"ehlo_extensions\": false}\n"
        "]}";
    struct dl_error err;
    struct fsmtp_conf *c = fsmtp_conf_parse(text, conf_path, &err);
    struct fsmtp_listener *l;
    struct stat st;
    char *want;
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_uint_eq(c->n_listeners, 2);
    ck_assert_int_eq(c->grace, 2);
    want = dl_xasprintf("%s/log/s.jsonl", tmpdir);
    ck_assert_str_eq(c->session_log, want);
    free(want);
    l = c->listeners[0];
    ck_assert_int_eq(l->port, 25);
    ck_assert_str_eq(l->banner, "mx1.good.test ESMTP fakesmtp");
    ck_assert_int_eq(l->banner_delay_ms, 1500);
    ck_assert_int_eq(l->starttls, FSMTP_STARTTLS_CLOSE);
    ck_assert_int_eq(l->drop_at, FSMTP_STEP_RCPT);
    ck_assert_str_eq(l->reply[FSMTP_STEP_MAIL], "451 4.3.0 later");
    ck_assert_ptr_null(l->reply[FSMTP_STEP_RCPT]);
    ck_assert_uint_eq(l->max_size, 2048);
    ck_assert_ptr_null(l->tls.ssl_ctx);
    want = dl_xasprintf("%s/mail/mx1/new", tmpdir);
    ck_assert_int_eq(stat(want, &st), 0); /* maildir created at load */
    free(want);
    l = c->listeners[1];
    ck_assert_int_eq(l->starttls, FSMTP_STARTTLS_454); /* no TLS configured */
    ck_assert(!l->ehlo_extensions);
    ck_assert_ptr_null(l->maildir);
    fsmtp_conf_free(c);
}
END_TEST

/* The key of pair NAME ("", "other-", "rsa-"), made once per process and
 * kept (a new reference each call): an RSA key costs seconds under
 * valgrind, whose run (CK_FORK=no) keeps one process for the suite, and no
 * test depends on a key being new, only on the three being different.
 * Held to the end of the process on purpose (still reachable). */
static EVP_PKEY *pair_key(const char *name, struct dl_error *err)
{
    static EVP_PKEY *made[3];
    int i = strcmp(name, "rsa-") == 0 ? 2 : strcmp(name, "other-") == 0 ? 1 : 0;
    if (made[i] == NULL)
        made[i] = cert_key_new(i == 2 ? CERT_KEY_RSA2048 : CERT_KEY_ECDSA_P256, err);
    if (made[i] != NULL)
        EVP_PKEY_up_ref(made[i]);
    return made[i];
}

/* A fresh self-signed pair, NAME-cert.pem / NAME-key.pem in tmpdir
 * ("cert.pem"/"key.pem" for NAME ""): the test configurations name them.
 * RSA 2048 when NAME is "rsa-", else P-256. */
static void make_pair(const char *name)
{
    static const char *const names[] = {"mx1.unit.test"};
    struct cert_issue_params p = {.label = "unit",
                                  .names = names,
                                  .n_names = 1,
                                  .now = time(NULL),
                                  .not_before = -3600,
                                  .not_after = 86400};
    struct dl_error err;
    EVP_PKEY *key = pair_key(name, &err);
    X509 *x = key ? cert_issue(&p, key, NULL, NULL, &err) : NULL;
    char *kpath = dl_xasprintf("%s/%skey.pem", tmpdir, name);
    char *cpath = dl_xasprintf("%s/%scert.pem", tmpdir, name);
    FILE *f;
    ck_assert_msg(x != NULL, "%s", err.msg);
    ck_assert_int_eq(cert_key_write(key, kpath, &err), 0);
    ck_assert_ptr_nonnull(f = fopen(cpath, "w"));
    ck_assert_int_eq(PEM_write_X509(f, x), 1);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
    free(kpath);
    free(cpath);
}

/* Copy data/fakesmtp/NAME into tmpdir beside two fresh key pairs, and load
 * it from there (its relative paths resolve against its own directory). */
static struct fsmtp_conf *load_with_keys(const char *name, struct dl_error *err)
{
    char *src = dl_xasprintf("data/fakesmtp/%s", name), *text;
    struct dl_error rerr;
    struct fsmtp_conf *c;
    size_t len;
    ck_assert_msg(dl_read_file(src, 65536, &text, &len, &rerr) == 0, "%s", rerr.msg);
    ck_assert_int_eq(dl_write_file(conf_path, text, len, 0644, &rerr), 0);
    make_pair("");
    make_pair("other-");
    make_pair("rsa-");
    c = fsmtp_conf_load(conf_path, err);
    free(text);
    free(src);
    return c;
}

START_TEST(tls_contexts)
{
    struct dl_error err;
    struct fsmtp_conf *c = load_with_keys("tls.json", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_ptr_nonnull(c->listeners[0]->tls.ssl_ctx);
    ck_assert_uint_eq(c->listeners[0]->tls.n_sni, 1);
    ck_assert_ptr_nonnull(c->listeners[0]->tls.sni[0].ssl_ctx);
    ck_assert_int_eq(c->listeners[0]->starttls, FSMTP_STARTTLS_ACCEPT);
    ck_assert_int_eq(c->listeners[1]->tls.fault, FSMTP_FAULT_WRONG_KEY);
    ck_assert_ptr_nonnull(c->listeners[1]->tls.ssl_ctx);
    /* a session's reference keeps a listener alive after the config goes */
    fsmtp_listener_ref(c->listeners[0]);
    {
        struct fsmtp_listener *l = c->listeners[0];
        fsmtp_conf_free(c);
        ck_assert_ptr_nonnull(l->tls.ssl_ctx);
        fsmtp_listener_unref(l);
    }
}
END_TEST

/* Which certificates a context holds: 1 for an EC one, 2 for an RSA one,
 * 4 for any other, or'ed. */
static unsigned ctx_key_types(SSL_CTX *ctx)
{
    unsigned set = 0;
    int more = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
    for (int i = 0; more == 1 && i < 16; i++) {
        X509 *x = SSL_CTX_get0_certificate(ctx);
        int id = x != NULL ? EVP_PKEY_get_base_id(X509_get0_pubkey(x)) : EVP_PKEY_NONE;
        set |= id == EVP_PKEY_EC ? 1u : id == EVP_PKEY_RSA ? 2u : 4u;
        more = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT);
    }
    return set;
}

/* alt_cert/alt_key load beside the certificate of every context (the
 * default and each SNI one), so OpenSSL can pick by the client's
 * signature algorithms; starttls_inject is kept as written. */
START_TEST(tls_dual_certificates)
{
    struct dl_error err;
    struct fsmtp_conf *c = load_with_keys("dual.json", &err);
    const unsigned both = 1u | 2u;
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_uint_eq(ctx_key_types(c->listeners[0]->tls.ssl_ctx), both);
    ck_assert_uint_eq(ctx_key_types(c->listeners[0]->tls.sni[0].ssl_ctx), both);
    ck_assert_str_eq(c->listeners[0]->starttls_inject, "250-fake\n554 5.7.1 injected");
    fsmtp_conf_free(c);
    ck_assert_ptr_null(load_with_keys("dual-same.json", &err));
    ck_assert_msg(strstr(err.msg, "other-cert.pem: alt_cert has the key type"), "%s", err.msg);
}
END_TEST

START_TEST(tls_key_mismatch)
{
    struct dl_error err;
    ck_assert_ptr_null(load_with_keys("mismatch.json", &err));
    ck_assert_msg(strstr(err.msg, "$.listeners[0]") && strstr(err.msg, "other-key.pem"), "%s",
                  err.msg);
}
END_TEST

struct bad_conf {
    const char *text;
    const char *want;
};

static const struct bad_conf bad[] = {
    {"{\"listeners\": [\n{\"name\": \"a\",\n \"address\": }]}", "fakesmtp.json:3:"},
    {"[]", ": $: expected an object"},
    {"{}", "$.listeners: expected an array"},
    {"{\"listeners\": [], \"colour\": 1}", "$.colour: unknown key"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"127.0.0.1\", \"prot\": 25}]}",
     "$.listeners[0].prot: unknown key"},
    {"{\"listeners\": [{\"name\": \"a\"}]}", "$.listeners[0]: needs name and address"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"port\": 70000}]}",
     "$.listeners[0].port: expected an integer from 1 to 65535"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"port\": \"25\"}]}",
     "$.listeners[0].port: expected an integer"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"starttls\": \"maybe\"}]}",
     "$.listeners[0].starttls: unknown value \"maybe\""},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"starttls\": \"accept\"}]}",
     "needs tls.cert"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"reply\": {\"rcpt\": \"250 ok\"}}]}",
     "$.listeners[0].reply.rcpt: expected a reply"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"reply\": {\"helo\": \"550\"}}]}",
     "$.listeners[0].reply.helo: unknown key"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"tls\": {\"cert\": \"c\"}}]}",
     "$.listeners[0].tls: needs both cert and key"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"tls\": {\"cert\": \"c\", \"key\": "
     "\"k\", \"min_version\": \"SSLv3\"}}]}",
     "$.listeners[0].tls.min_version: unknown value"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"tls\": {\"cert\": \"c\", \"key\": "
     "\"k\", \"fault\": \"other-cert\"}}]}",
     "fault other-cert needs fault_cert"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"tls\": {\"cert\": \"c\", \"key\": "
     "\"k\", \"sni\": {\"n\": {\"cert\": \"c\"}}}}]}",
     "$.listeners[0].tls.sni[\"n\"]: needs both cert and key"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"tls\": {\"cert\": "
     "\"/nonexistent/c\","
     " \"key\": \"k\"}}]}",
     "/nonexistent/c: cannot load certificate chain"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"127.0.0.1\"},"
     "{\"name\": \"b\", \"address\": \"127.0.0.1\"}]}",
     "$.listeners[1]: address and port already used"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"banner\": \"a\\r\\nb\"}]}",
     "$.listeners[0].banner: printable ASCII"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"starttls_inject\": \"a\\n\\nb\"}]}",
     "$.listeners[0].starttls_inject: lines of printable ASCII"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"starttls_inject\": \"\"}]}",
     "$.listeners[0].starttls_inject: lines of printable ASCII"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"tls\": {\"cert\": \"c\", \"key\": "
     "\"k\", \"alt_cert\": \"c2\"}}]}",
     "$.listeners[0].tls: needs both alt_cert and alt_key, or neither"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"name\": \"b\"}]}",
     "fakesmtp.json:1:"},
    {"{\"listeners\": [{\"name\": \"a\", \"address\": \"x\", \"maildir\": \"/proc/nope\"}]}",
     "$.listeners[0]: mkdir /proc/nope"},
};

START_TEST(bad_configs)
{
    struct dl_error err;
    struct fsmtp_conf *c = fsmtp_conf_parse(bad[_i].text, conf_path, &err);
    ck_assert_msg(c == NULL, "case %d accepted", _i);
    ck_assert_msg(strstr(err.msg, bad[_i].want) != NULL, "case %d: '%s' lacks '%s'", _i, err.msg,
                  bad[_i].want);
    ck_assert_msg(strncmp(err.msg, conf_path, strlen(conf_path)) == 0, "no file name: %s", err.msg);
}
END_TEST

/* A reload keeps a listener whose configuration and files are unchanged
 * (the same object, its TLS contexts not built again) and builds anew one
 * whose object or any file it reads changed. */
START_TEST(reload_keeps_unchanged)
{
    struct dl_error err;
    struct fsmtp_conf *c = load_with_keys("tls.json", &err), *r1, *r2, *r3;
    size_t rebuilt = 99;
    char *text;
    size_t len;
    ck_assert_msg(c != NULL, "%s", err.msg);
    r1 = fsmtp_conf_reload(c, &rebuilt, &err);
    ck_assert_msg(r1 != NULL, "%s", err.msg);
    ck_assert_uint_eq(rebuilt, 0);
    ck_assert_ptr_eq(r1->listeners[0], c->listeners[0]);
    ck_assert_ptr_eq(r1->listeners[1], c->listeners[1]);
    /* other-key.pem is listener 1's fault key and listener 0's SNI key */
    make_pair("other-");
    r2 = fsmtp_conf_reload(r1, &rebuilt, &err);
    ck_assert_msg(r2 != NULL, "%s", err.msg);
    ck_assert_uint_eq(rebuilt, 2);
    ck_assert_ptr_ne(r2->listeners[0], r1->listeners[0]);
    ck_assert_ptr_ne(r2->listeners[1], r1->listeners[1]);
    ck_assert_ptr_nonnull(r2->listeners[0]->tls.sni[0].ssl_ctx);
    /* one listener's object changes: only it is built again */
    ck_assert_int_eq(dl_read_file(conf_path, 65536, &text, &len, &err), 0);
    ck_assert_ptr_nonnull(strstr(text, "\"TLSv1.2\""));
    memcpy(strstr(text, "\"TLSv1.2\""), "\"TLSv1.3\"", 9);
    ck_assert_int_eq(dl_write_file(conf_path, text, len, 0644, &err), 0);
    r3 = fsmtp_conf_reload(r2, &rebuilt, &err);
    ck_assert_msg(r3 != NULL, "%s", err.msg);
    ck_assert_uint_eq(rebuilt, 1);
    ck_assert_ptr_ne(r3->listeners[0], r2->listeners[0]);
    ck_assert_ptr_eq(r3->listeners[1], r2->listeners[1]);
    free(text);
    fsmtp_conf_free(c);
    fsmtp_conf_free(r1);
    fsmtp_conf_free(r2);
    fsmtp_conf_free(r3);
}
END_TEST

/* A delivery into a listener's maildir does not make a reload rebuild it;
 * a maildir removed does (loading creates it again). */
START_TEST(reload_maildir_identity)
{
    static const char text[] =
        "{\"listeners\": [{\"name\": \"mx1.unit.test\", \"address\": \"127.0.0.1\", "
        "\"port\": 2525, \"maildir\": \"mail\"}]}";
    struct dl_error err;
    struct fsmtp_conf *c, *r1, *r2;
    size_t rebuilt = 99;
    char *msg = dl_xasprintf("%s/mail/new/1.msg", tmpdir), *cmd;
    ck_assert_int_eq(dl_write_file(conf_path, text, strlen(text), 0644, &err), 0);
    ck_assert_msg((c = fsmtp_conf_load(conf_path, &err)) != NULL, "%s", err.msg);
    ck_assert_int_eq(dl_write_file(msg, "x", 1, 0600, &err), 0);
    ck_assert_msg((r1 = fsmtp_conf_reload(c, &rebuilt, &err)) != NULL, "%s", err.msg);
    ck_assert_uint_eq(rebuilt, 0);
    ck_assert_ptr_eq(r1->listeners[0], c->listeners[0]);
    cmd = dl_xasprintf("rm -rf '%s/mail'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_msg((r2 = fsmtp_conf_reload(r1, &rebuilt, &err)) != NULL, "%s", err.msg);
    ck_assert_uint_eq(rebuilt, 1);
    free(msg);
    free(cmd);
    fsmtp_conf_free(c);
    fsmtp_conf_free(r1);
    fsmtp_conf_free(r2);
}
END_TEST

START_TEST(store_delivers_whole_file)
{
    struct dl_error err;
    char name[256], *dir = dl_xasprintf("%s/md", tmpdir), *p, *back = NULL;
    char *sub;
    size_t len;
    DIR *d;
    struct dirent *e;
    int n = 0;
    for (int i = 0; i < 3; i++) {
        static const char *const s[] = {"tmp", "new", "cur"};
        sub = dl_xasprintf("%s/%s", dir, s[i]);
        ck_assert_int_eq(dl_mkdir_p(sub, 0700, &err), 0);
        free(sub);
    }
    ck_assert_int_eq(
        fsmtp_store_deliver(dir, "Subject: a\r\n\r\nbody\0x\r\n", 22, name, sizeof(name), &err), 0);
    p = dl_xasprintf("%s/new/%s", dir, name);
    ck_assert_int_eq(dl_read_file(p, 1000, &back, &len, &err), 0);
    ck_assert_uint_eq(len, 22);
    ck_assert_int_eq(memcmp(back, "Subject: a\r\n\r\nbody\0x\r\n", 22), 0);
    sub = dl_xasprintf("%s/tmp", dir);
    d = opendir(sub);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(n, 0); /* nothing left behind in tmp/ */
    ck_assert_int_eq(fsmtp_store_deliver("/nonexistent", "x", 1, name, sizeof(name), &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/tmp/"));
    free(sub);
    free(back);
    free(p);
    free(dir);
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(fsmtp_step_name(FSMTP_STEP_DOT), "dot");
    ck_assert_str_eq(fsmtp_starttls_name(FSMTP_STARTTLS_454), "454");
    ck_assert_str_eq(fsmtp_tls_fault_name(FSMTP_FAULT_WRONG_KEY), "wrong-key");
    ck_assert_str_eq(fsmtp_step_name((enum fsmtp_step)99), "?");
}
END_TEST

Suite *fakesmtp_conf_suite(void)
{
    Suite *s = suite_create("fakesmtp_conf");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_checked_fixture(pos, setup, teardown);
    tcase_add_checked_fixture(neg, setup, teardown);
    tcase_add_test(pos, good_config_and_defaults);
    tcase_add_test(pos, tls_contexts);
    tcase_add_test(pos, tls_dual_certificates);
    tcase_add_test(pos, reload_keeps_unchanged);
    tcase_add_test(pos, reload_maildir_identity);
    tcase_add_test(pos, store_delivers_whole_file);
    tcase_add_test(pos, names);
    tcase_add_test(neg, tls_key_mismatch);
    tcase_add_loop_test(neg, bad_configs, 0, sizeof(bad) / sizeof(bad[0]));
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
