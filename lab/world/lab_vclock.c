#include "lab_vclock.h"

#include "dl_util.h"
#include "lab_conf.h"
#include "lab_probe.h"
#include "lab_world.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLOCK_FILE     "etc/faketime.rc"
#define RELOAD_WAIT_MS 20000
#define N_ENV          7

struct lab_vclock {
    char *run_dir;
    char *rc_path; /* RUN/etc/faketime.rc */
    long long offset;
    bool set; /* Unbound's validation time was changed */
    char *env[N_ENV + 1];
};

/* Where Debian installs libfaketime (multiarch), or $DANELAB_LIBFAKETIME. */
static char *find_libfaketime(void)
{
    static const char *const dirs[] = {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                                       "/usr/lib/i386-linux-gnu", "/usr/lib", "/usr/local/lib"};
    const char *own = getenv("DANELAB_LIBFAKETIME");
    if (own && *own)
        return access(own, R_OK) == 0 ? dl_xstrdup(own) : NULL;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *p = dl_xasprintf("%s/faketime/libfaketime.so.1", dirs[i]);
        if (access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* Whether the lab's unbound.conf includes the clock file (a lab brought
 * up by an older danelab does not). */
static bool includes_clock(const char *run_dir)
{
    char *path = dl_xasprintf("%s/etc/unbound.conf", run_dir), *text = NULL;
    size_t len;
    bool yes = dl_read_file(path, 1 << 20, &text, &len, NULL) == 0 &&
               strstr(text, LAB_RESOLVER_CLOCK_CONF) != NULL;
    free(text);
    free(path);
    return yes;
}

lab_vclock *lab_vclock_new(const char *run_dir, struct dl_error *err)
{
    lab_vclock *c;
    char *lib;
    if (lab_resconf_current(run_dir) != LAB_RESOLVER_UNBOUND) {
        dl_error_set(err,
                     "--retry: the virtual clock needs the lab's Unbound (its "
                     "val-override-date); this lab runs %s",
                     lab_resconf_name(lab_resconf_current(run_dir)));
        return NULL;
    }
    if (!includes_clock(run_dir)) {
        dl_error_set(err,
                     "--retry: %s/etc/unbound.conf does not include %s: bring the lab "
                     "down and up again with this danelab",
                     run_dir, LAB_RESOLVER_CLOCK_CONF);
        return NULL;
    }
    if ((lib = find_libfaketime()) == NULL) {
        dl_error_set(err, "--retry: libfaketime.so.1 not found (install the Debian package "
                          "libfaketime, or set DANELAB_LIBFAKETIME)");
        return NULL;
    }
    c = dl_xcalloc(1, sizeof(*c));
    c->run_dir = dl_xstrdup(run_dir);
    c->rc_path = dl_xasprintf("%s/" CLOCK_FILE, run_dir);
    c->env[0] = dl_xasprintf("LD_PRELOAD=%s", lib);
    c->env[1] = dl_xasprintf("FAKETIME_TIMESTAMP_FILE=%s", c->rc_path);
    c->env[2] = dl_xstrdup("FAKETIME_NO_CACHE=1");
    c->env[3] = dl_xstrdup("NO_FAKE_STAT=1");
    c->env[4] = dl_xstrdup("FAKETIME_DONT_FAKE_MONOTONIC=1");
    c->env[5] = dl_xstrdup("FAKETIME_DONT_RESET=1");
    c->env[6] = dl_xstrdup("TZ=UTC");
    free(lib);
    if (dl_write_file(c->rc_path, "+0\n", 3, 0644, err) != 0) {
        lab_vclock_free(c, NULL);
        return NULL;
    }
    return c;
}

/* How many times Unbound's log says it started its service. */
static int unbound_starts(const char *run_dir)
{
    char *path = dl_xasprintf("%s/log/unbound.log", run_dir), *text = NULL, *p;
    size_t len;
    int n = 0;
    if (dl_read_file(path, 256u << 20, &text, &len, NULL) == 0)
        for (p = text; (p = strstr(p, "start of service")) != NULL; p++)
            n++;
    free(text);
    free(path);
    return n;
}

/* Unbound's validation time to `when` (0: the real clock): the include
 * file, SIGHUP, then wait until its log shows the restart and it answers. */
static int resolver_clock(lab_vclock *c, time_t when, struct dl_error *err)
{
    struct dl_buf b = {0};
    int before = unbound_starts(c->run_dir), rcode, ad;
    int64_t deadline = dl_mono_ms() + RELOAD_WAIT_MS;
    lab_conf_resolver_clock(&b, when);
    if (dl_buf_write_free(&b, c->run_dir, LAB_RESOLVER_CLOCK_CONF, err) != 0 ||
        lab_world_signal(c->run_dir, LAB_RESOLVER, SIGHUP, err) != 0)
        return dl_error_prefix(err, "virtual clock");
    c->set = when != 0;
    while (unbound_starts(c->run_dir) <= before) {
        if (dl_mono_ms() > deadline)
            return dl_error_set(err,
                                "virtual clock: Unbound did not restart within %d ms after "
                                "SIGHUP (%s/log/unbound.log)",
                                RELOAD_WAIT_MS, c->run_dir);
        dl_sleep_ms(5);
    }
    if (lab_probe_dns(LAB_ADDR_RESOLVER, LAB_DNS_PORT, ".", 1, RELOAD_WAIT_MS, &rcode, &ad, err) !=
        0)
        return dl_error_prefix(err, "virtual clock: Unbound after its reload");
    return 0;
}

int lab_vclock_set(lab_vclock *c, time_t when, struct dl_error *err)
{
    char text[32];
    int n;
    c->offset = (long long)when - (long long)time(NULL);
    n = snprintf(text, sizeof(text), "%+lld\n", c->offset);
    /* dl_write_file renames a complete file into place: a process reading
     * it meanwhile sees the old offset or the new, never half of one */
    if (dl_write_file(c->rc_path, text, (size_t)n, 0644, err) != 0)
        return dl_error_prefix(err, "virtual clock");
    return resolver_clock(c, when, err);
}

time_t lab_vclock_now(const lab_vclock *c)
{
    return (time_t)((long long)time(NULL) + c->offset);
}

const char *const *lab_vclock_env(const lab_vclock *c)
{
    return (const char *const *)c->env;
}

int lab_vclock_free(lab_vclock *c, struct dl_error *err)
{
    struct dl_error e2;
    int rc = 0;
    if (c == NULL)
        return 0;
    if (c->set)
        rc = resolver_clock(c, 0, err ? err : &e2);
    for (size_t i = 0; i < N_ENV; i++)
        free(c->env[i]);
    free(c->rc_path);
    free(c->run_dir);
    free(c);
    return rc;
}
