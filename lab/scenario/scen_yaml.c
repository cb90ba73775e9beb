/*
 * scen_yaml: schema walker over a libyaml document (see scen_yaml.h).
 * Loading makes two passes: an event pass that reports syntax errors and
 * bounds nesting, the number of documents, nodes, anchors and aliases;
 * then yaml_parser_load() for the node tree the walker reads, checked for
 * NULs in strings and for its size with aliases expanded.
 */
#include "scen_yaml.h"

#include "dl_util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1-based line of a byte offset (libyaml's reader errors carry only one). */
static unsigned offset_line(const char *text, size_t len, size_t offset)
{
    unsigned line = 1;
    for (size_t i = 0; i < offset && i < len; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

/* libyaml's problem, with where it is. When the problem has a context that
 * starts on another line (an unclosed quote or bracket), the context's line
 * is the one to show: that is where the user's mistake is. */
static int syntax_error(const yaml_parser_t *p, const char *file, const char *text, size_t len,
                        struct dl_error *err)
{
    unsigned line = (unsigned)p->problem_mark.line + 1;
    unsigned ctx_line = (unsigned)p->context_mark.line + 1;
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->error == YAML_READER_ERROR)
        line = offset_line(text, len, p->problem_offset);
    if (p->context && ctx_line != line)
        return dl_error_set(err, "%s:%u: YAML syntax error %s starting here: %s at line %u", file,
                            ctx_line, p->context, problem, line);
    return dl_error_set(err, "%s:%u: YAML syntax error: %s%s%s", file, line, problem,
                        p->context ? " " : "", p->context ? p->context : "");
}

static yaml_node_t *node_at(const struct scen_yaml *y, int index)
{
    return yaml_document_get_node((yaml_document_t *)&y->doc, index);
}

/* What the event pass counts. */
struct scan {
    int depth, docs;
    size_t nodes, anchors, aliases;
};

/* The anchor an event sets, or NULL. */
static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return ev->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT:
        return ev->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT:
        return ev->data.mapping_start.anchor;
    default:
        return NULL;
    }
}

/* Counts of one event against the budgets: nodes, anchors and aliases
 * (libyaml looks each alias up among the anchors, so both are bounded). */
static int count_event(const yaml_event_t *ev, struct scan *sc, const char *file,
                       struct dl_error *err)
{
    unsigned line = (unsigned)ev->start_mark.line + 1;
    bool node = ev->type == YAML_SCALAR_EVENT || ev->type == YAML_SEQUENCE_START_EVENT ||
                ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_ALIAS_EVENT;
    if (node && ++sc->nodes > SCEN_YAML_MAX_NODES)
        return dl_error_set(err, "%s:%u: more than %d YAML nodes", file, line, SCEN_YAML_MAX_NODES);
    if (event_anchor(ev) != NULL && ++sc->anchors > SCEN_YAML_MAX_ANCHORS)
        return dl_error_set(err, "%s:%u: more than %d anchors (&name)", file, line,
                            SCEN_YAML_MAX_ANCHORS);
    if (ev->type == YAML_ALIAS_EVENT && ++sc->aliases > SCEN_YAML_MAX_ALIASES)
        return dl_error_set(err, "%s:%u: more than %d aliases (*name)", file, line,
                            SCEN_YAML_MAX_ALIASES);
    return 0;
}

/* Depth change of one event; error past the nesting bound, at a second
 * document or past a budget. Returns 1 at the end of the stream, 0 to go
 * on, -1 on error. */
static int check_event(const yaml_event_t *ev, struct scan *sc, const char *file,
                       struct dl_error *err)
{
    unsigned line = (unsigned)ev->start_mark.line + 1;
    if (count_event(ev, sc, file, err) != 0)
        return -1;
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_DOCUMENT_START_EVENT:
        if (++sc->docs > 1)
            return dl_error_set(err, "%s:%u: more than one YAML document", file, line);
        return 0;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (++sc->depth > SCEN_YAML_MAX_DEPTH)
            return dl_error_set(err, "%s:%u: nesting deeper than %d levels", file, line,
                                SCEN_YAML_MAX_DEPTH);
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        --sc->depth;
        return 0;
    default:
        return 0;
    }
}

/* First pass: events only, to report syntax errors, excess nesting and
 * counts past the budgets before libyaml builds the tree. */
static int scan_events(const char *file, const char *text, size_t len, struct dl_error *err)
{
    yaml_parser_t p;
    yaml_event_t ev;
    struct scan sc = {0};
    int rc = 0;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (rc == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(&p, file, text, len, err);
            break;
        }
        rc = check_event(&ev, &sc, file, err);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc < 0 ? -1 : 0;
}

/* What the walker would read below one node, aliases expanded. */
struct expansion {
    size_t nodes; /* the node and every node below it (at most the budget + 1) */
    size_t bytes; /* scalar bytes in them (at most the budget + 1) */
    int height;   /* nested collections, the node's own included */
    bool done;
};

/* The tree walk of the second check (expand_node). */
struct expand_walk {
    const struct scen_yaml *y;
    struct expansion *memo; /* one per node, indexed from 0 */
    struct dl_error *err;
};

static size_t add_capped(size_t a, size_t b, size_t cap)
{
    return a > cap || b > cap || a + b > cap ? cap + 1 : a + b;
}

static int expand_node(struct expand_walk *w, int index, int depth);

/* Add child `index` (at depth) to e. */
static int expand_child(struct expand_walk *w, int index, int depth, struct expansion *e)
{
    const struct expansion *c;
    if (expand_node(w, index, depth) != 0)
        return -1;
    c = &w->memo[index - 1];
    e->nodes = add_capped(e->nodes, c->nodes, SCEN_YAML_MAX_EXPANDED);
    e->bytes = add_capped(e->bytes, c->bytes, SCEN_YAML_MAX_EXPANDED_BYTES);
    if (c->height + 1 > e->height)
        e->height = c->height + 1;
    return 0;
}

/* Children of a collection node into e (its own counts already in). */
static int expand_children(struct expand_walk *w, const yaml_node_t *n, int depth,
                           struct expansion *e)
{
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++)
            if (expand_child(w, *i, depth + 1, e) != 0)
                return -1;
        return 0;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
        if (expand_child(w, p->key, depth + 1, e) != 0 ||
            expand_child(w, p->value, depth + 1, e) != 0)
            return -1;
    return 0;
}

/* Expanded counts of node `index` reached at `depth` collections deep,
 * each node computed once (linear in the tree libyaml built). An alias
 * to an enclosing collection never ends, so it fails the depth bound. */
static int expand_node(struct expand_walk *w, int index, int depth)
{
    const yaml_node_t *n = node_at(w->y, index);
    struct expansion *e = &w->memo[index - 1];
    if (n->type != YAML_SCALAR_NODE && depth > SCEN_YAML_MAX_DEPTH)
        return scen_yaml_fail_at(w->y, n, w->err,
                                 "nesting deeper than %d levels (aliases expanded)",
                                 SCEN_YAML_MAX_DEPTH);
    if (e->done) {
        if (depth - 1 + e->height > SCEN_YAML_MAX_DEPTH)
            return scen_yaml_fail_at(w->y, n, w->err,
                                     "nesting deeper than %d levels (aliases expanded)",
                                     SCEN_YAML_MAX_DEPTH);
        return 0;
    }
    e->nodes = 1;
    e->bytes = n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0;
    e->height = n->type == YAML_SCALAR_NODE ? 0 : 1;
    if (n->type != YAML_SCALAR_NODE && expand_children(w, n, depth, e) != 0)
        return -1;
    e->done = true;
    if (e->nodes > SCEN_YAML_MAX_EXPANDED)
        return scen_yaml_fail_at(w->y, n, w->err, "aliases expand this to more than %d nodes",
                                 SCEN_YAML_MAX_EXPANDED);
    if (e->bytes > SCEN_YAML_MAX_EXPANDED_BYTES)
        return scen_yaml_fail_at(w->y, n, w->err, "aliases expand this to more than %d bytes",
                                 SCEN_YAML_MAX_EXPANDED_BYTES);
    return 0;
}

/* A string with a NUL inside ("a\0b") would be read cut short: refuse it. */
static int check_scalars(const struct scen_yaml *y, struct dl_error *err)
{
    for (yaml_node_t *n = y->doc.nodes.start; n < y->doc.nodes.top; n++)
        if (n->type == YAML_SCALAR_NODE &&
            strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
            return scen_yaml_fail_at(y, n, err, "a string contains a NUL character");
    return 0;
}

/* Second pass, on the tree: NULs, and what the walker would read. */
static int check_tree(const struct scen_yaml *y, struct dl_error *err)
{
    size_t n = (size_t)(y->doc.nodes.top - y->doc.nodes.start);
    struct expand_walk w = {y, dl_xcalloc(n, sizeof(*w.memo)), err};
    int rc = check_scalars(y, err);
    if (rc == 0)
        rc = expand_node(&w, 1, 1);
    free(w.memo);
    return rc;
}

int scen_yaml_load(struct scen_yaml *y, const char *file, const char *text, size_t len,
                   struct dl_error *err)
{
    yaml_parser_t p;
    int ok;
    memset(y, 0, sizeof(*y));
    y->file = file;
    if (scan_events(file, text, len, err) != 0)
        return -1;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    ok = yaml_parser_load(&p, &y->doc);
    if (!ok)
        syntax_error(&p, file, text, len, err);
    yaml_parser_delete(&p);
    if (!ok)
        return -1;
    if (scen_yaml_root(y) == NULL) {
        yaml_document_delete(&y->doc);
        return dl_error_set(err, "%s:1: empty file", file);
    }
    if (check_tree(y, err) != 0) {
        yaml_document_delete(&y->doc);
        return -1;
    }
    return 0;
}

void scen_yaml_free(struct scen_yaml *y)
{
    yaml_document_delete(&y->doc);
}

yaml_node_t *scen_yaml_root(const struct scen_yaml *y)
{
    return yaml_document_get_root_node((yaml_document_t *)&y->doc);
}

unsigned scen_yaml_line(const yaml_node_t *node)
{
    return (unsigned)node->start_mark.line + 1;
}

const char *scen_yaml_scalar(const yaml_node_t *node)
{
    if (node == NULL || node->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)node->data.scalar.value;
}

size_t scen_yaml_seq_len(const yaml_node_t *seq)
{
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *scen_yaml_seq_item(const struct scen_yaml *y, const yaml_node_t *seq, size_t i)
{
    return node_at(y, seq->data.sequence.items.start[i]);
}

/* What a node is, for "got ...": 'text' (first line, at most 60 bytes),
 * "a list" or "a mapping". */
static void describe(const yaml_node_t *n, char *buf, size_t size)
{
    const char *s = scen_yaml_scalar(n);
    size_t len;
    if (s == NULL) {
        snprintf(buf, size, "%s", n->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping");
        return;
    }
    len = strcspn(s, "\r\n");
    if (len > 60)
        snprintf(buf, size, "'%.60s...'", s);
    else
        snprintf(buf, size, "'%.*s'%s", (int)len, s, s[len] ? "..." : "");
}

static int vfail(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                 struct dl_error *err, const char *fmt, va_list ap)
{
    char what[768];
    vsnprintf(what, sizeof(what), fmt, ap);
    if (key == NULL)
        return dl_error_set(err, "%s:%u: %s", y->file, scen_yaml_line(n), what);
    return dl_error_set(err, "%s:%u: key '%s': %s", y->file, scen_yaml_line(n), key, what);
}

int scen_yaml_fail(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                   struct dl_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(y, n, key, err, fmt, ap);
    va_end(ap);
    return -1;
}

int scen_yaml_fail_at(const struct scen_yaml *y, const yaml_node_t *n, struct dl_error *err,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(y, n, NULL, err, fmt, ap);
    va_end(ap);
    return -1;
}

/* "expected EXPECTED, got 'x'" for node n under key. */
static int type_error(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                      const char *expected, struct dl_error *err)
{
    char got[80];
    describe(n, got, sizeof(got));
    return scen_yaml_fail(y, n, key, err, "expected %s, got %s", expected, got);
}

static void join_names(const char *const *names, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] != NULL && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

static bool in_table(const char *const *names, const char *s)
{
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], s) == 0)
            return true;
    return false;
}

/* Check one key of a mapping: a string, allowed, not repeated earlier. */
static int check_key(const struct scen_yaml_map *m, size_t i, const char *what,
                     const char *const *keys, struct dl_error *err)
{
    yaml_node_t *k = scen_yaml_map_key(m, i);
    const char *s = scen_yaml_scalar(k);
    char list[512];
    if (s == NULL)
        return scen_yaml_fail_at(m->y, k, err, "keys of %s must be strings", what);
    if (keys != NULL && !in_table(keys, s)) {
        join_names(keys, list, sizeof(list));
        return scen_yaml_fail_at(m->y, k, err, "unknown key '%s' in %s (expected one of: %s)", s,
                                 what, list);
    }
    for (size_t j = 0; j < i; j++) {
        yaml_node_t *prev = scen_yaml_map_key(m, j);
        if (strcmp(scen_yaml_scalar(prev), s) == 0)
            return scen_yaml_fail_at(m->y, k, err, "duplicate key '%s' (first at line %u)", s,
                                     scen_yaml_line(prev));
    }
    return 0;
}

int scen_yaml_map_open(const struct scen_yaml *y, yaml_node_t *node, const char *key,
                       const char *what, const char *const *keys, struct scen_yaml_map *m,
                       struct dl_error *err)
{
    if (node->type != YAML_MAPPING_NODE)
        return type_error(y, node, key, "a mapping", err);
    m->y = y;
    m->node = node;
    if (scen_yaml_map_len(m) > SCEN_YAML_MAX_PAIRS)
        return scen_yaml_fail(y, node, key, err, "more than %d keys", SCEN_YAML_MAX_PAIRS);
    for (size_t i = 0; i < scen_yaml_map_len(m); i++)
        if (check_key(m, i, what, keys, err) != 0)
            return -1;
    return 0;
}

size_t scen_yaml_map_len(const struct scen_yaml_map *m)
{
    return (size_t)(m->node->data.mapping.pairs.top - m->node->data.mapping.pairs.start);
}

yaml_node_t *scen_yaml_map_key(const struct scen_yaml_map *m, size_t i)
{
    return node_at(m->y, m->node->data.mapping.pairs.start[i].key);
}

yaml_node_t *scen_yaml_map_value(const struct scen_yaml_map *m, size_t i)
{
    return node_at(m->y, m->node->data.mapping.pairs.start[i].value);
}

yaml_node_t *scen_yaml_get(const struct scen_yaml_map *m, const char *key)
{
    for (size_t i = 0; i < scen_yaml_map_len(m); i++) {
        const char *k = scen_yaml_scalar(scen_yaml_map_key(m, i));
        if (k != NULL && strcmp(k, key) == 0)
            return scen_yaml_map_value(m, i);
    }
    return NULL;
}

yaml_node_t *scen_yaml_require(const struct scen_yaml_map *m, const char *key, struct dl_error *err)
{
    yaml_node_t *n = scen_yaml_get(m, key);
    if (n == NULL)
        scen_yaml_fail_at(m->y, m->node, err, "missing required key '%s'", key);
    return n;
}

int scen_yaml_str(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                  const char **out, struct dl_error *err)
{
    if (n == NULL)
        return 0;
    if (n->type != YAML_SCALAR_NODE)
        return type_error(y, n, key, "a string", err);
    *out = scen_yaml_scalar(n);
    return 0;
}

int scen_yaml_bool(const struct scen_yaml *y, const yaml_node_t *n, const char *key, bool *out,
                   struct dl_error *err)
{
    const char *s = scen_yaml_scalar(n);
    if (n == NULL)
        return 0;
    if (s != NULL && strcmp(s, "true") == 0)
        *out = true;
    else if (s != NULL && strcmp(s, "false") == 0)
        *out = false;
    else
        return type_error(y, n, key, "true or false", err);
    return 0;
}

/* Strict decimal: optional '-', digits only, no overflow. */
static bool parse_long(const char *s, long *v)
{
    char *end;
    if (s == NULL || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
        return false;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

/* An integer from min to max; read through scen_yaml_get_int. */
static int scen_yaml_int(const struct scen_yaml *y, const yaml_node_t *n, const char *key, long min,
                         long max, long *out, struct dl_error *err)
{
    char expected[64];
    long v;
    if (n == NULL)
        return 0;
    if (!parse_long(scen_yaml_scalar(n), &v) || v < min || v > max) {
        snprintf(expected, sizeof(expected), "an integer %ld-%ld", min, max);
        return type_error(y, n, key, expected, err);
    }
    *out = v;
    return 0;
}

int scen_yaml_duration(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                       int64_t *out, struct dl_error *err)
{
    const char *s = scen_yaml_scalar(n);
    if (n == NULL)
        return 0;
    if (s == NULL || dl_parse_duration(s, out) != 0)
        return type_error(y, n, key, "a duration such as 90s, 15m, 24h, -1d", err);
    return 0;
}

int scen_yaml_enum(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                   const char *const *names, int *out, struct dl_error *err)
{
    const char *s = scen_yaml_scalar(n);
    char expected[512] = "one of: ";
    if (n == NULL)
        return 0;
    for (int i = 0; s != NULL && names[i] != NULL; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    }
    join_names(names, expected + strlen(expected), sizeof(expected) - strlen(expected));
    return type_error(y, n, key, expected, err);
}

int scen_yaml_seq(const struct scen_yaml *y, const yaml_node_t *n, const char *key, size_t max,
                  struct dl_error *err)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return type_error(y, n, key, "a list", err);
    if (scen_yaml_seq_len(n) > max)
        return scen_yaml_fail(y, n, key, err, "more than %zu items", max);
    return 0;
}

int scen_yaml_get_str(const struct scen_yaml_map *m, const char *key, const char **out,
                      struct dl_error *err)
{
    return scen_yaml_str(m->y, scen_yaml_get(m, key), key, out, err);
}

int scen_yaml_get_bool(const struct scen_yaml_map *m, const char *key, bool *out,
                       struct dl_error *err)
{
    return scen_yaml_bool(m->y, scen_yaml_get(m, key), key, out, err);
}

int scen_yaml_get_int(const struct scen_yaml_map *m, const char *key, long min, long max, long *out,
                      struct dl_error *err)
{
    return scen_yaml_int(m->y, scen_yaml_get(m, key), key, min, max, out, err);
}

int scen_yaml_get_duration(const struct scen_yaml_map *m, const char *key, int64_t *out,
                           struct dl_error *err)
{
    return scen_yaml_duration(m->y, scen_yaml_get(m, key), key, out, err);
}

int scen_yaml_get_enum(const struct scen_yaml_map *m, const char *key, const char *const *names,
                       int *out, struct dl_error *err)
{
    return scen_yaml_enum(m->y, scen_yaml_get(m, key), key, names, out, err);
}
