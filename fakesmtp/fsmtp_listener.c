#include "fsmtp_listener.h"
#include "dl_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

const char *const fsmtp_starttls_names[FSMTP_STARTTLS_COUNT] = {"accept", "454", "close"};
const char *const fsmtp_step_names[FSMTP_STEP_COUNT] = {
    "none", "connect", "ehlo", "starttls", "tls", "mail", "rcpt", "data", "dot"};

const char *fsmtp_starttls_name(enum fsmtp_starttls s)
{
    return (unsigned)s < FSMTP_STARTTLS_COUNT ? fsmtp_starttls_names[s] : "?";
}

const char *fsmtp_step_name(enum fsmtp_step s)
{
    return (unsigned)s < FSMTP_STEP_COUNT ? fsmtp_step_names[s] : "?";
}

struct fsmtp_listener *fsmtp_listener_new(const char *name, const char *address, int port)
{
    struct fsmtp_listener *l = dl_xcalloc(1, sizeof(*l));
    l->refs = 1;
    l->name = dl_xstrdup(name);
    l->address = dl_xstrdup(address);
    l->port = port;
    l->banner = dl_xasprintf("%s ESMTP fakesmtp", name);
    l->ehlo_extensions = true;
    l->starttls_advertise = true;
    l->starttls = FSMTP_STARTTLS_454;
    l->max_size = 10 * 1024 * 1024;
    l->idle_timeout = 300;
    l->command_timeout = 60;
    l->session_timeout = 1800;
    l->max_errors = 10;
    l->max_recipients = 100;
    return l;
}

struct fsmtp_listener *fsmtp_listener_ref(struct fsmtp_listener *l)
{
    l->refs++;
    return l;
}

void fsmtp_listener_unref(struct fsmtp_listener *l)
{
    if (l == NULL || --l->refs > 0)
        return;
    fsmtp_tls_free(&l->tls);
    for (int i = 0; i < FSMTP_STEP_COUNT; i++)
        free(l->reply[i]);
    free(l->name);
    free(l->address);
    free(l->banner);
    free(l->starttls_inject);
    free(l->maildir);
    free(l->fingerprint);
    free(l);
}

/* " path=dev:ino:size:mtime" for one file (or " path=missing"); with
 * !contents only " path=dev:ino", which a directory keeps while files come
 * and go in it. */
static void file_id(struct dl_buf *b, const char *path, bool contents)
{
    struct stat st;
    if (path == NULL)
        return;
    if (stat(path, &st) != 0)
        dl_buf_printf(b, " %s=missing", path);
    else if (!contents)
        dl_buf_printf(b, " %s=%ju:%ju", path, (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    else
        dl_buf_printf(b, " %s=%ju:%ju:%jd:%jd.%09ld", path, (uintmax_t)st.st_dev,
                      (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
                      st.st_mtim.tv_nsec);
}

void fsmtp_listener_fingerprint(struct fsmtp_listener *l, const char *json)
{
    struct dl_buf b = {0};
    dl_buf_printf(&b, "%s", json);
    file_id(&b, l->tls.cert, true);
    file_id(&b, l->tls.key, true);
    file_id(&b, l->tls.fault_cert, true);
    file_id(&b, l->tls.fault_key, true);
    file_id(&b, l->tls.alt_cert, true);
    file_id(&b, l->tls.alt_key, true);
    for (size_t k = 0; k < l->tls.n_sni; k++) {
        file_id(&b, l->tls.sni[k].cert, true);
        file_id(&b, l->tls.sni[k].key, true);
    }
    if (l->maildir != NULL) {
        char *d = dl_xasprintf("%s/new", l->maildir);
        file_id(&b, d, false); /* each delivery changes its mtime */
        free(d);
    }
    free(l->fingerprint);
    l->fingerprint = dl_xstrdup(dl_buf_str(&b));
    dl_buf_free(&b);
}

int fsmtp_listener_prepare(struct fsmtp_listener *l, dl_pkey_reader *keys, struct dl_error *err)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    if (l->maildir != NULL)
        for (int i = 0; i < 3; i++) {
            char *d = dl_xasprintf("%s/%s", l->maildir, subs[i]);
            int rc = dl_mkdir_p(d, 0700, err);
            free(d);
            if (rc != 0)
                return -1;
        }
    if (l->tls.cert != NULL && fsmtp_tls_setup(&l->tls, keys, err) != 0)
        return -1;
    return 0;
}
