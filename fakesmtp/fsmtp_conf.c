#include "fsmtp_conf.h"
#include "dl_util.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONF_MAX_BYTES (1024 * 1024)

static int name_lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], s) == 0)
            return i;
    return -1;
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
    const struct fsmtp_conf *old; /* a reload: listeners to keep when unchanged */
    size_t rebuilt;               /* listeners prepared anew */
    dl_pkey_reader *keys;         /* made at the first listener with TLS */
};

static int perr(struct pctx *p, const char *jpath, const char *what)
{
    return dl_error_set(p->err, "%s: %s: %s", p->file, jpath, what);
}

/* An error about obj's member key, at the JSON path jpath.key. */
static int perr_key(struct pctx *p, const char *jpath, const char *key, const char *what)
{
    char *sub = dl_xasprintf("%s.%s", jpath, key);
    perr(p, sub, what);
    free(sub);
    return -1;
}

/* Every key of obj must be in keys (catches typos). */
static int check_keys(struct pctx *p, const char *jpath, json_t *obj, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        bool known = false;
        for (size_t i = 0; keys[i] != NULL && !known; i++)
            known = strcmp(keys[i], k) == 0;
        if (!known)
            return perr_key(p, jpath, k, "unknown key");
    }
    return 0;
}

/* The getters below leave *out as it is when key is absent. */

static int get_str(struct pctx *p, const char *jpath, json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
        json_string_length(v) > 4096)
        return perr_key(p, jpath, key, "expected a string (no NUL, at most 4096 bytes)");
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
        char *what = dl_xasprintf("expected an integer from %lld to %lld", lo, hi);
        perr_key(p, jpath, key, what);
        free(what);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* get_int() into an int (lo and hi within int's range). */
static int get_intv(struct pctx *p, const char *jpath, json_t *obj, const char *key, int lo, int hi,
                    int *out)
{
    long long v = *out;
    if (get_int(p, jpath, obj, key, lo, hi, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* get_int() into a size_t (lo at least 0). */
static int get_size(struct pctx *p, const char *jpath, json_t *obj, const char *key, long long lo,
                    long long hi, size_t *out)
{
    long long v = (long long)*out;
    if (get_int(p, jpath, obj, key, lo, hi, &v) != 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int get_bool(struct pctx *p, const char *jpath, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v))
        return perr_key(p, jpath, key, "expected true or false");
    *out = json_is_true(v);
    return 0;
}

/* A name of names[0..n-1] (case-insensitive), as its index. */
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
        dl_buf_printf(&b, "unknown value \"%s\" (one of:", s);
        for (int k = 0; k < n; k++)
            dl_buf_printf(&b, " %s", names[k]);
        dl_buf_printf(&b, ")");
        perr_key(p, jpath, key, b.data);
        dl_buf_free(&b);
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
        free(s);
        return perr_key(p, jpath, key, "empty path");
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

/* Printable ASCII, at most max bytes. */
static bool printable(const char *s, size_t max)
{
    if (strlen(s) > max)
        return false;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            return false;
    return true;
}

/* "550 5.7.1 text": a 4xx or 5xx code and text. */
static bool valid_reply(const char *s)
{
    return strlen(s) >= 3 && (s[0] == '4' || s[0] == '5') && s[1] >= '0' && s[1] <= '9' &&
           s[2] >= '0' && s[2] <= '9' && (s[3] == '\0' || s[3] == ' ') && printable(s, 400);
}

/* A parser for the member of a listener's object at jpath. */
typedef int (*member_parser)(struct pctx *p, const char *jpath, json_t *v,
                             struct fsmtp_listener *l);

/* obj.key, when present, parsed by fn (its JSON path jpath.key). */
static int parse_member(struct pctx *p, const char *jpath, json_t *obj, const char *key,
                        member_parser fn, struct fsmtp_listener *l)
{
    json_t *v = json_object_get(obj, key);
    char *sub;
    int rc;
    if (v == NULL)
        return 0;
    sub = dl_xasprintf("%s.%s", jpath, key);
    rc = fn(p, sub, v, l);
    free(sub);
    return rc;
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
        if (*r != NULL && !valid_reply(*r))
            return perr_key(p, jpath, keys[i],
                            "expected a reply such as \"550 5.7.1 text\" (4xx or 5xx)");
    }
    return 0;
}

static int parse_sni(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_listener *l)
{
    static const char *const keys[] = {"cert", "key", NULL};
    struct fsmtp_tls *t = &l->tls;
    const char *name;
    json_t *v;
    if (!json_is_object(obj))
        return perr(p, jpath, "expected an object mapping names to {cert, key}");
    t->sni = dl_xcalloc(json_object_size(obj), sizeof(*t->sni));
    json_object_foreach(obj, name, v) {
        struct fsmtp_sni *s = &t->sni[t->n_sni++];
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
    static const char *const keys[] = {"cert",     "key",     "min_version", "max_version",
                                       "sni",      "fault",   "fault_cert",  "fault_key",
                                       "alt_cert", "alt_key", NULL};
    struct fsmtp_tls *t = &l->tls;
    int fault = 0;
    if (!json_is_object(obj))
        return perr(p, jpath, "expected an object");
    if (check_keys(p, jpath, obj, keys) != 0 || get_path(p, jpath, obj, "cert", &t->cert) ||
        get_path(p, jpath, obj, "key", &t->key) ||
        parse_version(p, jpath, obj, "min_version", &t->min_version) ||
        parse_version(p, jpath, obj, "max_version", &t->max_version) ||
        get_enum(p, jpath, obj, "fault", fsmtp_tls_fault_names, FSMTP_FAULT_COUNT, &fault) ||
        get_path(p, jpath, obj, "fault_cert", &t->fault_cert) ||
        get_path(p, jpath, obj, "fault_key", &t->fault_key) ||
        get_path(p, jpath, obj, "alt_cert", &t->alt_cert) ||
        get_path(p, jpath, obj, "alt_key", &t->alt_key))
        return -1;
    t->fault = (enum fsmtp_tls_fault)fault;
    if (t->cert == NULL || t->key == NULL)
        return perr(p, jpath, "needs both cert and key");
    if ((t->alt_cert == NULL) != (t->alt_key == NULL))
        return perr(p, jpath, "needs both alt_cert and alt_key, or neither");
    if (t->fault == FSMTP_FAULT_OTHER_CERT && (t->fault_cert == NULL || t->fault_key == NULL))
        return perr(p, jpath, "fault other-cert needs fault_cert and fault_key");
    if (t->fault == FSMTP_FAULT_WRONG_KEY && t->fault_key == NULL)
        return perr(p, jpath, "fault wrong-key needs fault_key");
    return parse_member(p, jpath, obj, "sni", parse_sni, l);
}

/* The listener's identity: a new listener with name, address and port. */
static struct fsmtp_listener *parse_identity(struct pctx *p, const char *jpath, json_t *obj)
{
    struct fsmtp_listener *l = NULL;
    char *name = NULL, *addr = NULL;
    int port = 25;
    int rc = get_str(p, jpath, obj, "name", &name) || get_str(p, jpath, obj, "address", &addr) ||
             get_intv(p, jpath, obj, "port", 1, 65535, &port);
    if (rc == 0 && (name == NULL || addr == NULL))
        perr(p, jpath, "needs name and address");
    else if (rc == 0)
        l = fsmtp_listener_new(name, addr, port);
    free(name);
    free(addr);
    return l;
}

/* What the client sees of the dialogue: banner, EHLO, STARTTLS, drops.
 * The starttls answer, when given, goes to *starttls (see
 * resolve_starttls). */
static int parse_dialogue(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_listener *l,
                          int *starttls)
{
    int drop = (int)l->drop_at;
    if (get_str(p, jpath, obj, "banner", &l->banner) ||
        get_intv(p, jpath, obj, "banner_delay_ms", 0, 3600000, &l->banner_delay_ms) ||
        get_bool(p, jpath, obj, "ehlo_extensions", &l->ehlo_extensions) ||
        get_bool(p, jpath, obj, "starttls_advertise", &l->starttls_advertise) ||
        get_enum(p, jpath, obj, "starttls", fsmtp_starttls_names, FSMTP_STARTTLS_COUNT, starttls) ||
        get_bool(p, jpath, obj, "require_tls", &l->require_tls) ||
        get_str(p, jpath, obj, "starttls_inject", &l->starttls_inject) ||
        get_enum(p, jpath, obj, "drop_at", fsmtp_step_names, FSMTP_STEP_COUNT, &drop))
        return -1;
    l->drop_at = (enum fsmtp_step)drop;
    return 0;
}

/* Storage and the bounds of a session. */
static int parse_limits(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_listener *l)
{
    if (get_path(p, jpath, obj, "maildir", &l->maildir) ||
        get_size(p, jpath, obj, "max_size", 1, 1LL << 30, &l->max_size) ||
        get_intv(p, jpath, obj, "idle_timeout", 1, 86400, &l->idle_timeout) ||
        get_intv(p, jpath, obj, "command_timeout", 1, 86400, &l->command_timeout) ||
        get_intv(p, jpath, obj, "session_timeout", 1, 86400, &l->session_timeout) ||
        get_intv(p, jpath, obj, "max_errors", 1, 1000, &l->max_errors) ||
        get_intv(p, jpath, obj, "max_recipients", 1, 10000, &l->max_recipients))
        return -1;
    return 0;
}

/* Lines of printable ASCII separated by single newlines, none empty. */
static bool printable_lines(const char *s, size_t max)
{
    if (s[0] == '\0' || strlen(s) > max)
        return false;
    for (const char *c = s; *c; c++)
        if (*c == '\n' ? c == s || c[-1] == '\n' || c[1] == '\0'
                       : (unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            return false;
    return true;
}

static int check_banner(struct pctx *p, const char *jpath, const struct fsmtp_listener *l)
{
    if (!printable(l->banner, 400))
        return perr_key(p, jpath, "banner", "printable ASCII only, at most 400 bytes");
    if (l->starttls_inject != NULL && !printable_lines(l->starttls_inject, 400))
        return perr_key(p, jpath, "starttls_inject",
                        "lines of printable ASCII separated by \\n, none empty, at most 400 bytes");
    return 0;
}

/* The STARTTLS answer: as configured (starttls >= 0), else "accept" with a
 * certificate and "454" without one. */
static int resolve_starttls(struct pctx *p, const char *jpath, struct fsmtp_listener *l,
                            int starttls)
{
    l->starttls = starttls >= 0         ? (enum fsmtp_starttls)starttls
                  : l->tls.cert != NULL ? FSMTP_STARTTLS_ACCEPT
                                        : FSMTP_STARTTLS_454;
    if (l->starttls == FSMTP_STARTTLS_ACCEPT && l->tls.cert == NULL)
        return perr(p, jpath, "starttls \"accept\" needs tls.cert and tls.key");
    return 0;
}

/* The keys of a listener object. */
static const char *const listener_keys[] = {"name",
                                            "address",
                                            "port",
                                            "banner",
                                            "banner_delay_ms",
                                            "ehlo_extensions",
                                            "starttls_advertise",
                                            "starttls",
                                            "require_tls",
                                            "starttls_inject",
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

static struct fsmtp_listener *parse_listener(struct pctx *p, const char *jpath, json_t *obj)
{
    struct fsmtp_listener *l;
    int starttls = -1;

    if (!json_is_object(obj)) {
        perr(p, jpath, "expected an object");
        return NULL;
    }
    if (check_keys(p, jpath, obj, listener_keys) != 0 ||
        (l = parse_identity(p, jpath, obj)) == NULL)
        return NULL;
    if (parse_dialogue(p, jpath, obj, l, &starttls) || parse_limits(p, jpath, obj, l) ||
        check_banner(p, jpath, l) || parse_member(p, jpath, obj, "tls", parse_tls, l) ||
        parse_member(p, jpath, obj, "reply", parse_replies, l) ||
        resolve_starttls(p, jpath, l, starttls)) {
        fsmtp_listener_unref(l);
        return NULL;
    }
    return l;
}

/* No two listeners on one address and port. */
static int check_unique(struct pctx *p, const char *jpath, const struct fsmtp_conf *conf,
                        const struct fsmtp_listener *l)
{
    for (size_t k = 0; k < conf->n_listeners; k++)
        if (conf->listeners[k] != l && strcmp(conf->listeners[k]->address, l->address) == 0 &&
            conf->listeners[k]->port == l->port)
            return perr(p, jpath, "address and port already used by another listener");
    return 0;
}

/* On a reload, the running listener at l's address and port when it was
 * built from the same configuration and files, or NULL. */
static struct fsmtp_listener *unchanged(const struct pctx *p, const struct fsmtp_listener *l)
{
    for (size_t k = 0; p->old != NULL && k < p->old->n_listeners; k++) {
        struct fsmtp_listener *o = p->old->listeners[k];
        if (o->port == l->port && strcmp(o->address, l->address) == 0)
            return o->fingerprint != NULL && strcmp(o->fingerprint, l->fingerprint) == 0 ? o : NULL;
    }
    return NULL;
}

/* The listener at jpath, added to conf and prepared for serving (or, on a
 * reload, the running one when nothing it depends on changed: preparing
 * means loading certificates and keys, which for some hundred listeners
 * holds the event loop for the better part of a second on a loaded
 * machine, and the lab reloads for one listener at a time). */
static int add_listener(struct pctx *p, const char *jpath, json_t *obj, struct fsmtp_conf *conf)
{
    struct fsmtp_listener *l = parse_listener(p, jpath, obj), *keep;
    struct dl_error e;
    char *json;
    if (l == NULL)
        return -1;
    conf->listeners[conf->n_listeners++] = l;
    if (check_unique(p, jpath, conf, l) != 0)
        return -1;
    json = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    fsmtp_listener_fingerprint(l, json != NULL ? json : "");
    if ((keep = unchanged(p, l)) != NULL) {
        conf->listeners[conf->n_listeners - 1] = fsmtp_listener_ref(keep);
        fsmtp_listener_unref(l);
        free(json);
        return 0;
    }
    p->rebuilt++;
    if (l->tls.cert != NULL && p->keys == NULL && (p->keys = dl_pkey_reader_new(&e)) == NULL) {
        free(json);
        return perr(p, jpath, e.msg);
    }
    if (fsmtp_listener_prepare(l, p->keys, &e) != 0) {
        free(json);
        return perr(p, jpath, e.msg);
    }
    /* again, now that the maildir it creates exists */
    fsmtp_listener_fingerprint(l, json != NULL ? json : "");
    free(json);
    return 0;
}

static int parse_top(struct pctx *p, json_t *root, struct fsmtp_conf *conf)
{
    static const char *const keys[] = {"session_log",  "pidfile",   "grace", "max_sessions",
                                       "max_buffered", "listeners", NULL};
    json_t *ls, *v;
    size_t i;
    conf->grace = 5;
    conf->max_sessions = 1024;
    conf->max_buffered = (size_t)256 << 20;
    if (!json_is_object(root))
        return perr(p, "$", "expected an object");
    if (check_keys(p, "$", root, keys) ||
        get_path(p, "$", root, "session_log", &conf->session_log) ||
        get_path(p, "$", root, "pidfile", &conf->pidfile) ||
        get_intv(p, "$", root, "grace", 0, 3600, &conf->grace) ||
        get_intv(p, "$", root, "max_sessions", 1, 100000, &conf->max_sessions) ||
        get_size(p, "$", root, "max_buffered", 1LL << 20, 1LL << 40, &conf->max_buffered))
        return -1;
    ls = json_object_get(root, "listeners");
    if (!json_is_array(ls))
        return perr(p, "$.listeners", "expected an array of listeners");
    conf->listeners = dl_xcalloc(json_array_size(ls), sizeof(*conf->listeners));
    json_array_foreach(ls, i, v) {
        char *jpath = dl_xasprintf("$.listeners[%zu]", i);
        int rc = add_listener(p, jpath, v, conf);
        free(jpath);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* fsmtp_conf_parse, keeping old's unchanged listeners (old may be NULL);
 * *rebuilt: how many listeners were prepared anew. */
static struct fsmtp_conf *parse_conf(const char *text, const char *path,
                                     const struct fsmtp_conf *old, size_t *rebuilt,
                                     struct dl_error *err)
{
    struct fsmtp_conf *conf = dl_xcalloc(1, sizeof(*conf));
    struct pctx p = {.file = path, .err = err, .old = old};
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
    dl_pkey_reader_free(p.keys);
    *rebuilt = p.rebuilt;
    return conf;
fail:
    json_decref(root);
    free(p.dir);
    dl_pkey_reader_free(p.keys);
    fsmtp_conf_free(conf);
    return NULL;
}

struct fsmtp_conf *fsmtp_conf_parse(const char *text, const char *path, struct dl_error *err)
{
    size_t rebuilt;
    return parse_conf(text, path, NULL, &rebuilt, err);
}

static struct fsmtp_conf *load(const char *path, const struct fsmtp_conf *old, size_t *rebuilt,
                               struct dl_error *err)
{
    char *text = NULL;
    struct fsmtp_conf *conf;
    if (dl_read_file(path, CONF_MAX_BYTES, &text, NULL, err) != 0)
        return NULL;
    conf = parse_conf(text, path, old, rebuilt, err);
    free(text);
    return conf;
}

struct fsmtp_conf *fsmtp_conf_load(const char *path, struct dl_error *err)
{
    size_t rebuilt;
    return load(path, NULL, &rebuilt, err);
}

struct fsmtp_conf *fsmtp_conf_reload(const struct fsmtp_conf *old, size_t *rebuilt,
                                     struct dl_error *err)
{
    return load(old->path, old, rebuilt, err);
}
