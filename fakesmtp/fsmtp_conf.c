#include "fsmtp_conf.h"
#include "fsmtp_tls.h"
#include "dl_util.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONF_MAX_BYTES (1024 * 1024)

static const char *const starttls_names[FSMTP_STARTTLS_COUNT] = {"accept", "454", "close"};
static const char *const fault_names[FSMTP_FAULT_COUNT] = {"none", "abort-after-hello", "wrong-key",
                                                           "other-cert"};
static const char *const step_names[FSMTP_STEP_COUNT] = {
    "none", "connect", "ehlo", "starttls", "tls", "mail", "rcpt", "data", "dot"};

const char *fsmtp_starttls_name(enum fsmtp_starttls s)
{
    return (unsigned)s < FSMTP_STARTTLS_COUNT ? starttls_names[s] : "?";
}

const char *fsmtp_tls_fault_name(enum fsmtp_tls_fault f)
{
    return (unsigned)f < FSMTP_FAULT_COUNT ? fault_names[f] : "?";
}

const char *fsmtp_step_name(enum fsmtp_step s)
{
    return (unsigned)s < FSMTP_STEP_COUNT ? step_names[s] : "?";
}

static int name_lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], s) == 0)
            return i;
    return -1;
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
    fsmtp_tls_free(l);
    for (size_t i = 0; i < l->n_sni; i++) {
        free(l->sni[i].name);
        free(l->sni[i].cert);
        free(l->sni[i].key);
    }
    free(l->sni);
    for (int i = 0; i < FSMTP_STEP_COUNT; i++)
        free(l->reply[i]);
    free(l->name);
    free(l->address);
    free(l->banner);
    free(l->cert);
    free(l->key);
    free(l->fault_cert);
    free(l->fault_key);
    free(l->maildir);
    free(l);
}

void fsmtp_conf_free(struct fsmtp_conf *conf)
{
    if (conf == NULL)
        return;
    for (size_t i = 0; i < conf->n_listeners; i++)
        fsmtp_listener_unref(conf->listeners[i]);
    free(conf->listeners);
    free(conf->path);
    free(conf->session_log);
    free(conf->pidfile);
    free(conf);
}

/* Parsing context: file name for errors, directory for relative paths. */
struct pctx {
    const char *file;
    char *dir;
    struct dl_error *err;
};

static int perr(struct pctx *p, const char *jpath, const char *what)
{
    return dl_error_set(p->err, "%s: %s: %s", p->file, jpath, what);
}

/* Every key of obj must be in keys (catches typos). */
static int check_keys(struct pctx *p, const char *jpath, json_t *obj, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool known = false;
        for (size_t i = 0; keys[i] != NULL && !known; i++)
            known = strcmp(keys[i], k) == 0;
        if (!known) {
            char *sub = dl_xasprintf("%s.%s", jpath, k);
            perr(p, sub, "unknown key");
            free(sub);
            return -1;
        }
    }
    return 0;
}

static int get_str(struct pctx *p, const char *jpath, json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    char *sub;
    if (v == NULL)
        return 0;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
        json_string_length(v) > 4096) {
        sub = dl_xasprintf("%s.%s", jpath, key);
        perr(p, sub, "expected a string (no NUL, at most 4096 bytes)");
        free(sub);
        return -1;
    }
    free(*out);
    *out = dl_xstrdup(json_string_value(v));
    return 0;
}

static int get_int(struct pctx *p, const char *jpath, json_t *obj, const char *key, long long lo,
                   long long hi, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char *sub = dl_xasprintf("%s.%s", jpath, key);
        char *what = dl_xasprintf("expected an integer from %lld to %lld", lo, hi);
        perr(p, sub, what);
        free(what);
        free(sub);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int get_bool(struct pctx *p, const char *jpath, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v)) {
        char *sub = dl_xasprintf("%s.%s", jpath, key);
        perr(p, sub, "expected true or false");
        free(sub);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int get_enum(struct pctx *p, const char *jpath, json_t *obj, const char *key,
                    const char *const *names, int n, int *out)
{
    char *s = NULL;
    int i;
    if (get_str(p, jpath, obj, key, &s) != 0)
        return -1;
    if (s == NULL)
        return 0;
    i = name_lookup(names, n, s);
    if (i < 0) {
        struct dl_buf b = {0};
        char *sub = dl_xasprintf("%s.%s", jpath, key);
        dl_buf_printf(&b, "unknown value \"%s\" (one of:", s);
        for (int k = 0; k < n; k++)
            dl_buf_printf(&b, " %s", names[k]);
        dl_buf_printf(&b, ")");
        perr(p, sub, b.data);
        dl_buf_free(&b);
        free(sub);
        free(s);
        return -1;
    }
    free(s);
    *out = i;
    return 0;
}

/* A path, made absolute against the configuration's directory. */
static int get_path(struct pctx *p, const char *jpath, json_t *obj, const char *key, char **out)
{
    char *s = NULL;
    if (get_str(p, jpath, obj, key, &s) != 0)
        return -1;
    if (s == NULL)
        return 0;
    if (s[0] == '\0') {
        char *sub = dl_xasprintf("%s.%s", jpath, key);
        free(s);
        perr(p, sub, "empty path");
        free(sub);
        return -1;
    }
    free(*out);
    *out = s[0] == '/' ? s : dl_xasprintf("%s/%s", p->dir, s);
    if (*out != s)
        free(s);
    return 0;
}

static int parse_version(struct pctx *p, const char *jpath, json_t *obj, const char *key, int *out)
{
    static const char *const names[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
    static const int vals[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
    int i = -1;
    if (get_enum(p, jpath, obj, key, names, 4, &i) != 0)
        return -1;
    if (i >= 0)
        *out = vals[i];
    return 0;
}

/* "550 5.7.1 text": a 4xx or 5xx code and text. */
static int valid_reply(const char *s)
{
    if (strlen(s) < 3 || (s[0] != '4' && s[0] != '5') || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
        s[2] > '9' || (s[3] != '\0' && s[3] != ' ') || strlen(s) > 400)
        return 0;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            return 0;
    return 1;
}

static int parse_replies(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_listener *l)
{
    static const char *const keys[] = {"ehlo", "mail", "rcpt", "data", "dot", NULL};
    static const enum fsmtp_step steps[] = {FSMTP_STEP_EHLO, FSMTP_STEP_MAIL, FSMTP_STEP_RCPT,
                                            FSMTP_STEP_DATA, FSMTP_STEP_DOT};
    if (!json_is_object(obj))
        return perr(p, jpath, "expected an object");
    if (check_keys(p, jpath, obj, keys) != 0)
        return -1;
    for (int i = 0; keys[i] != NULL; i++) {
        char **r = &l->reply[steps[i]];
        if (get_str(p, jpath, obj, keys[i], r) != 0)
            return -1;
        if (*r != NULL && !valid_reply(*r)) {
            char *sub = dl_xasprintf("%s.%s", jpath, keys[i]);
            perr(p, sub, "expected a reply such as \"550 5.7.1 text\" (4xx or 5xx)");
            free(sub);
            return -1;
        }
    }
    return 0;
}

static int parse_sni(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_listener *l)
{
    static const char *const keys[] = {"cert", "key", NULL};
    const char *name;
    json_t *v;
    if (!json_is_object(obj))
        return perr(p, jpath, "expected an object mapping names to {cert, key}");
    l->sni = dl_xcalloc(json_object_size(obj), sizeof(*l->sni));
    json_object_foreach(obj, name, v)
    {
        struct fsmtp_sni *s = &l->sni[l->n_sni++];
        char *sub = dl_xasprintf("%s[\"%s\"]", jpath, name);
        int rc = 0;
        s->name = dl_xstrdup(name);
        if (!json_is_object(v))
            rc = perr(p, sub, "expected an object with cert and key");
        else if (check_keys(p, sub, v, keys) != 0 || get_path(p, sub, v, "cert", &s->cert) ||
                 get_path(p, sub, v, "key", &s->key))
            rc = -1;
        else if (s->cert == NULL || s->key == NULL)
            rc = perr(p, sub, "needs both cert and key");
        free(sub);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int parse_tls(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_listener *l)
{
    static const char *const keys[] = {"cert",  "key",        "min_version", "max_version", "sni",
                                       "fault", "fault_cert", "fault_key",   NULL};
    int fault = 0;
    json_t *sni;
    if (!json_is_object(obj))
        return perr(p, jpath, "expected an object");
    if (check_keys(p, jpath, obj, keys) != 0 || get_path(p, jpath, obj, "cert", &l->cert) ||
        get_path(p, jpath, obj, "key", &l->key) ||
        parse_version(p, jpath, obj, "min_version", &l->tls_min) ||
        parse_version(p, jpath, obj, "max_version", &l->tls_max) ||
        get_enum(p, jpath, obj, "fault", fault_names, FSMTP_FAULT_COUNT, &fault) ||
        get_path(p, jpath, obj, "fault_cert", &l->fault_cert) ||
        get_path(p, jpath, obj, "fault_key", &l->fault_key))
        return -1;
    l->fault = (enum fsmtp_tls_fault)fault;
    if (l->cert == NULL || l->key == NULL)
        return perr(p, jpath, "needs both cert and key");
    if (l->fault == FSMTP_FAULT_OTHER_CERT && (l->fault_cert == NULL || l->fault_key == NULL))
        return perr(p, jpath, "fault other-cert needs fault_cert and fault_key");
    if (l->fault == FSMTP_FAULT_WRONG_KEY && l->fault_key == NULL)
        return perr(p, jpath, "fault wrong-key needs fault_key");
    sni = json_object_get(obj, "sni");
    if (sni != NULL) {
        char *sub = dl_xasprintf("%s.sni", jpath);
        int rc = parse_sni(p, sub, sni, l);
        free(sub);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static struct fsmtp_listener *parse_listener(struct pctx *p, const char *jpath, json_t *obj)
{
    static const char *const keys[] = {"name",
                                       "address",
                                       "port",
                                       "banner",
                                       "banner_delay_ms",
                                       "ehlo_extensions",
                                       "starttls_advertise",
                                       "starttls",
                                       "require_tls",
                                       "tls",
                                       "reply",
                                       "drop_at",
                                       "maildir",
                                       "max_size",
                                       "idle_timeout",
                                       "command_timeout",
                                       "session_timeout",
                                       "max_errors",
                                       "max_recipients",
                                       NULL};
    struct fsmtp_listener *l;
    char *name = NULL, *addr = NULL;
    long long port = 25, delay = 0, max_size, idle, cmd_to, sess_to, errs, rcpts;
    int starttls = -1, drop = 0;
    json_t *tls, *reply;

    if (!json_is_object(obj)) {
        perr(p, jpath, "expected an object");
        return NULL;
    }
    if (check_keys(p, jpath, obj, keys) != 0 || get_str(p, jpath, obj, "name", &name) ||
        get_str(p, jpath, obj, "address", &addr) ||
        get_int(p, jpath, obj, "port", 1, 65535, &port)) {
        free(name);
        free(addr);
        return NULL;
    }
    if (name == NULL || addr == NULL) {
        perr(p, jpath, "needs name and address");
        free(name);
        free(addr);
        return NULL;
    }
    l = fsmtp_listener_new(name, addr, (int)port);
    free(name);
    free(addr);
    max_size = (long long)l->max_size;
    idle = l->idle_timeout;
    cmd_to = l->command_timeout;
    sess_to = l->session_timeout;
    errs = l->max_errors;
    rcpts = l->max_recipients;
    if (get_str(p, jpath, obj, "banner", &l->banner) ||
        get_int(p, jpath, obj, "banner_delay_ms", 0, 3600000, &delay) ||
        get_bool(p, jpath, obj, "ehlo_extensions", &l->ehlo_extensions) ||
        get_bool(p, jpath, obj, "starttls_advertise", &l->starttls_advertise) ||
        get_enum(p, jpath, obj, "starttls", starttls_names, FSMTP_STARTTLS_COUNT, &starttls) ||
        get_bool(p, jpath, obj, "require_tls", &l->require_tls) ||
        get_enum(p, jpath, obj, "drop_at", step_names, FSMTP_STEP_COUNT, &drop) ||
        get_path(p, jpath, obj, "maildir", &l->maildir) ||
        get_int(p, jpath, obj, "max_size", 1, 1LL << 30, &max_size) ||
        get_int(p, jpath, obj, "idle_timeout", 1, 86400, &idle) ||
        get_int(p, jpath, obj, "command_timeout", 1, 86400, &cmd_to) ||
        get_int(p, jpath, obj, "session_timeout", 1, 86400, &sess_to) ||
        get_int(p, jpath, obj, "max_errors", 1, 1000, &errs) ||
        get_int(p, jpath, obj, "max_recipients", 1, 10000, &rcpts))
        goto fail;
    l->banner_delay_ms = (int)delay;
    l->drop_at = (enum fsmtp_step)drop;
    l->max_size = (size_t)max_size;
    l->idle_timeout = (int)idle;
    l->command_timeout = (int)cmd_to;
    l->session_timeout = (int)sess_to;
    l->max_errors = (int)errs;
    l->max_recipients = (int)rcpts;
    for (const char *c = l->banner; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || strlen(l->banner) > 400) {
            char *sub = dl_xasprintf("%s.banner", jpath);
            perr(p, sub, "printable ASCII only, at most 400 bytes");
            free(sub);
            goto fail;
        }
    tls = json_object_get(obj, "tls");
    if (tls != NULL) {
        char *sub = dl_xasprintf("%s.tls", jpath);
        int rc = parse_tls(p, sub, tls, l);
        free(sub);
        if (rc != 0)
            goto fail;
    }
    reply = json_object_get(obj, "reply");
    if (reply != NULL) {
        char *sub = dl_xasprintf("%s.reply", jpath);
        int rc = parse_replies(p, sub, reply, l);
        free(sub);
        if (rc != 0)
            goto fail;
    }
    l->starttls = starttls >= 0     ? (enum fsmtp_starttls)starttls
                  : l->cert != NULL ? FSMTP_STARTTLS_ACCEPT
                                    : FSMTP_STARTTLS_454;
    if (l->starttls == FSMTP_STARTTLS_ACCEPT && l->cert == NULL) {
        perr(p, jpath, "starttls \"accept\" needs tls.cert and tls.key");
        goto fail;
    }
    return l;
fail:
    fsmtp_listener_unref(l);
    return NULL;
}

/* Create the maildirs and TLS contexts: what makes a listener servable. */
static int prepare_listener(struct pctx *p, const char *jpath, struct fsmtp_listener *l)
{
    static const char *const subs[] = {"tmp", "new", "cur"};
    struct dl_error e;
    if (l->maildir != NULL)
        for (int i = 0; i < 3; i++) {
            char *d = dl_xasprintf("%s/%s", l->maildir, subs[i]);
            int rc = dl_mkdir_p(d, 0700, &e);
            free(d);
            if (rc != 0)
                return perr(p, jpath, e.msg);
        }
    if (l->cert != NULL && fsmtp_tls_setup(l, &e) != 0)
        return perr(p, jpath, e.msg);
    return 0;
}

static int parse_top(struct pctx *p, json_t *root, struct fsmtp_conf *conf)
{
    static const char *const keys[] = {"session_log",  "pidfile",   "grace", "max_sessions",
                                       "max_buffered", "listeners", NULL};
    long long grace = 5, maxs = 1024, maxb = 256LL << 20;
    json_t *ls, *v;
    size_t i;
    if (!json_is_object(root))
        return perr(p, "$", "expected an object");
    if (check_keys(p, "$", root, keys) ||
        get_path(p, "$", root, "session_log", &conf->session_log) ||
        get_path(p, "$", root, "pidfile", &conf->pidfile) ||
        get_int(p, "$", root, "grace", 0, 3600, &grace) ||
        get_int(p, "$", root, "max_sessions", 1, 100000, &maxs) ||
        get_int(p, "$", root, "max_buffered", 1LL << 20, 1LL << 40, &maxb))
        return -1;
    conf->grace = (int)grace;
    conf->max_sessions = (int)maxs;
    conf->max_buffered = (size_t)maxb;
    ls = json_object_get(root, "listeners");
    if (!json_is_array(ls))
        return perr(p, "$.listeners", "expected an array of listeners");
    conf->listeners = dl_xcalloc(json_array_size(ls), sizeof(*conf->listeners));
    json_array_foreach(ls, i, v)
    {
        char *jpath = dl_xasprintf("$.listeners[%zu]", i);
        struct fsmtp_listener *l = parse_listener(p, jpath, v);
        int rc = -1;
        if (l != NULL) {
            conf->listeners[conf->n_listeners++] = l;
            rc = 0;
            for (size_t k = 0; k + 1 < conf->n_listeners && rc == 0; k++)
                if (strcmp(conf->listeners[k]->address, l->address) == 0 &&
                    conf->listeners[k]->port == l->port)
                    rc = perr(p, jpath, "address and port already used by another listener");
            if (rc == 0)
                rc = prepare_listener(p, jpath, l);
        }
        free(jpath);
        if (rc != 0)
            return -1;
    }
    return 0;
}

struct fsmtp_conf *fsmtp_conf_parse(const char *text, const char *path, struct dl_error *err)
{
    struct fsmtp_conf *conf = dl_xcalloc(1, sizeof(*conf));
    struct pctx p = {.file = path, .err = err};
    json_error_t jerr;
    json_t *root;
    const char *slash;
    char *abs = realpath(path, NULL);

    conf->path = abs != NULL ? abs : dl_xstrdup(path);
    slash = strrchr(conf->path, '/');
    p.dir = slash == NULL         ? dl_xstrdup(".")
            : slash == conf->path ? dl_xstrdup("/")
                                  : strndup(conf->path, (size_t)(slash - conf->path));
    root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        dl_error_set(err, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        goto fail;
    }
    if (parse_top(&p, root, conf) != 0)
        goto fail;
    json_decref(root);
    free(p.dir);
    return conf;
fail:
    json_decref(root);
    free(p.dir);
    fsmtp_conf_free(conf);
    return NULL;
}

struct fsmtp_conf *fsmtp_conf_load(const char *path, struct dl_error *err)
{
    char *text = NULL;
    struct fsmtp_conf *conf;
    if (dl_read_file(path, CONF_MAX_BYTES, &text, NULL, err) != 0)
        return NULL;
    conf = fsmtp_conf_parse(text, path, err);
    free(text);
    return conf;
}
