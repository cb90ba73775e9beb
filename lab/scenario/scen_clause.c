/*
 * scen_clause: the RFC clause list and the `clauses:` key (see
 * scen_clause.h and danelab-scenario(5), CLAUSES).
 */
#include "scen_clause.h"

#include "dl_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define CLAUSE_MAX_ID    48
#define CLAUSE_MAX_FILE  (1024 * 1024)
#define CLAUSE_MAX_ITEM  128 /* one `clauses:` item */
#define CLAUSE_N_FIELDS  6   /* ID | RFC SECTION | KEYWORD | NEEDS | QUOTE | NOTE */
#define CLAUSE_MIN_FIELD 5

static const char *const side_names[] = {"any", "conforming", "violating"};
static const char *const need_names[] = {"both", "conforming", "violating", "untestable", "todo"};
/* RFC 2119 keywords (and the forms RFC 8174 lists). */
static const char *const keywords[] = {
    "MUST",       "MUST NOT",    "REQUIRED",        "SHALL", "SHALL NOT", "SHOULD",
    "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED", "MAY",   "OPTIONAL",  NULL};

const char *scen_side_name(enum scen_side side)
{
    return side >= SCEN_SIDE_ANY && side <= SCEN_SIDE_VIOLATING ? side_names[side] : NULL;
}

const char *scen_need_name(enum scen_need need)
{
    return need >= SCEN_NEED_BOTH && need <= SCEN_NEED_TODO ? need_names[need] : NULL;
}

/* [a-z0-9][a-z0-9.-]*, at most CLAUSE_MAX_ID characters. */
static bool id_ok(const char *s, size_t len)
{
    if (len == 0 || len > CLAUSE_MAX_ID || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '.' ||
              s[i] == '-'))
            return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* A scenario's clauses:                                              */

/* "ID", "ID conforming" or "ID violating". */
static int parse_ref(struct scen_parse *c, const yaml_node_t *n, struct scen_clause_ref *r)
{
    const char *text = NULL, *sp;
    size_t len;
    if (scen_yaml_str(c->y, n, "clauses", &text, c->err) != 0)
        return -1;
    r->loc = scen_parse_loc(c, n);
    sp = strchr(text, ' ');
    len = sp ? (size_t)(sp - text) : strlen(text);
    if (strlen(text) > CLAUSE_MAX_ITEM || !id_ok(text, len))
        return scen_yaml_fail(c->y, n, "clauses", c->err,
                              "expected a clause ID ([a-z0-9.-], at most %d characters), "
                              "optionally followed by ' conforming' or ' violating', got '%s'",
                              CLAUSE_MAX_ID, text);
    r->side = SCEN_SIDE_ANY;
    if (sp != NULL && strcmp(sp + 1, "conforming") == 0)
        r->side = SCEN_SIDE_CONFORMING;
    else if (sp != NULL && strcmp(sp + 1, "violating") == 0)
        r->side = SCEN_SIDE_VIOLATING;
    else if (sp != NULL)
        return scen_yaml_fail(c->y, n, "clauses", c->err,
                              "'%s': the side after the ID must be conforming or violating", text);
    r->id = dl_xasprintf("%.*s", (int)len, text);
    return 0;
}

/* The same clause twice (whatever the sides) is a mistake. */
static int check_unique(struct scen_parse *c, const yaml_node_t *n, const struct scen_clause_ref *r,
                        size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(r[k].id, r[i].id) == 0)
            return scen_yaml_fail(c->y, n, "clauses", c->err, "clause '%s' named twice (line %u)",
                                  r[i].id, r[k].loc.line);
    return 0;
}

int scen_clause_parse_refs(struct scen_parse *c, yaml_node_t *n, struct scen_clause_ref **out,
                           size_t *n_out)
{
    size_t len = 0;
    struct scen_clause_ref *r;
    if (n == NULL)
        return 0;
    r = scen_parse_array(c, n, "clauses", SCEN_MAX_CLAUSE_REFS, sizeof(*r), &len);
    if (r == NULL)
        return -1;
    *out = r;
    if (len == 0)
        return scen_yaml_fail(c->y, n, "clauses", c->err, "expected 1 to %d clause IDs, got none",
                              SCEN_MAX_CLAUSE_REFS);
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        if (parse_ref(c, item, &r[i]) != 0)
            return -1;
        *n_out = i + 1;
        if (check_unique(c, item, r, i) != 0)
            return -1;
    }
    return 0;
}

void scen_clause_free_refs(struct scen_clause_ref *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].id);
    free(r);
}

/* ------------------------------------------------------------------ */
/* The clause list                                                    */

/* Split line at '|' into at most CLAUSE_N_FIELDS trimmed fields (in
 * place); the number found. */
static size_t split_fields(char *line, char **f)
{
    size_t n = 0;
    char *p = line;
    while (n < CLAUSE_N_FIELDS) {
        char *bar = n + 1 < CLAUSE_N_FIELDS ? strchr(p, '|') : NULL, *end;
        if (bar != NULL)
            *bar = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        end = p + strlen(p);
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        f[n++] = p;
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    return n;
}

static int index_of(const char *const *names, const char *s)
{
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static int need_of(const char *s)
{
    for (int i = 0; i <= SCEN_NEED_TODO; i++)
        if (strcmp(need_names[i], s) == 0)
            return i;
    return -1;
}

/* "7672 2.1.2": the RFC number and the section (digits and dots). */
static int split_rfc(const char *s, char **rfc, char **section)
{
    size_t nr = strspn(s, "0123456789"), ns;
    if (nr == 0 || nr > 5 || s[nr] != ' ')
        return -1;
    ns = strspn(s + nr + 1, "0123456789.");
    if (ns == 0 || s[nr + 1 + ns] != '\0' || !isdigit((unsigned char)s[nr + 1]))
        return -1;
    *rfc = dl_xasprintf("%.*s", (int)nr, s);
    *section = dl_xstrdup(s + nr + 1);
    return 0;
}

/* One line's fields into cl; the message says what is wrong. */
static int parse_line(char **f, size_t n, struct scen_clause *cl, const char *path, unsigned line,
                      struct dl_error *err)
{
    int need;
    char *prefix;
    bool prefix_ok;
    if (n < CLAUSE_MIN_FIELD)
        return dl_error_set(err,
                            "%s:%u: expected ID | RFC SECTION | KEYWORD | NEEDS | QUOTE "
                            "[| NOTE], got %zu fields",
                            path, line, n);
    if (!id_ok(f[0], strlen(f[0])))
        return dl_error_set(err, "%s:%u: bad clause ID '%s' ([a-z0-9.-], at most %d)", path, line,
                            f[0], CLAUSE_MAX_ID);
    if (split_rfc(f[1], &cl->rfc, &cl->section) != 0)
        return dl_error_set(err, "%s:%u: %s: expected 'RFC SECTION' such as '7672 2.1.2', got '%s'",
                            path, line, f[0], f[1]);
    prefix = dl_xasprintf("%s-%s-", cl->rfc, cl->section);
    prefix_ok = strncmp(f[0], prefix, strlen(prefix)) == 0 && f[0][strlen(prefix)] != '\0';
    free(prefix);
    if (!prefix_ok)
        return dl_error_set(err, "%s:%u: clause ID '%s' must start with '%s-%s-'", path, line, f[0],
                            cl->rfc, cl->section);
    if (index_of(keywords, f[2]) < 0)
        return dl_error_set(err, "%s:%u: %s: '%s' is not an RFC 2119 keyword", path, line, f[0],
                            f[2]);
    if ((need = need_of(f[3])) < 0)
        return dl_error_set(err,
                            "%s:%u: %s: needs '%s': expected both, conforming, violating, "
                            "untestable or todo",
                            path, line, f[0], f[3]);
    if (f[4][0] == '\0')
        return dl_error_set(err, "%s:%u: %s: the quote is empty", path, line, f[0]);
    if ((need == SCEN_NEED_UNTESTABLE || need == SCEN_NEED_TODO) &&
        (n < CLAUSE_N_FIELDS || f[5][0] == '\0'))
        return dl_error_set(err, "%s:%u: %s: %s clause needs a note saying %s", path, line, f[0],
                            need == SCEN_NEED_TODO ? "a todo" : "an untestable",
                            need == SCEN_NEED_TODO ? "what scenario would test it" : "why");
    cl->id = dl_xstrdup(f[0]);
    cl->keyword = dl_xstrdup(f[2]);
    cl->need = (enum scen_need)need;
    cl->quote = dl_xstrdup(f[4]);
    cl->note = dl_xstrdup(n == CLAUSE_N_FIELDS ? f[5] : "");
    cl->line = line;
    return 0;
}

/* One line (NUL-terminated, no newline) of the file into l. */
static int load_line(struct scen_clauses *l, char *text, unsigned line, struct dl_error *err)
{
    char *f[CLAUSE_N_FIELDS];
    size_t n;
    struct scen_clause *cl;
    const struct scen_clause *dup;
    text += strspn(text, " \t\r");
    if (*text == '\0' || *text == '#')
        return 0;
    if (l->n >= SCEN_MAX_CLAUSES)
        return dl_error_set(err, "%s:%u: more than %d clauses", l->path, line, SCEN_MAX_CLAUSES);
    n = split_fields(text, f);
    if ((dup = scen_clauses_find(l, f[0])) != NULL)
        return dl_error_set(err, "%s:%u: clause '%s' already defined at line %u", l->path, line,
                            f[0], dup->line);
    cl = &l->v[l->n];
    if (parse_line(f, n, cl, l->path, line, err) != 0) {
        free(cl->rfc);
        free(cl->section);
        memset(cl, 0, sizeof(*cl));
        return -1;
    }
    l->n++;
    return 0;
}

int scen_clauses_load(const char *path, struct scen_clauses **out, struct dl_error *err)
{
    char *text, *p;
    size_t len;
    unsigned line = 0;
    struct scen_clauses *l;
    if (dl_read_file(path, CLAUSE_MAX_FILE, &text, &len, err) != 0)
        return -1;
    l = dl_xcalloc(1, sizeof(*l));
    l->path = dl_xstrdup(path);
    l->v = dl_xcalloc(SCEN_MAX_CLAUSES, sizeof(*l->v));
    for (p = text; p != NULL && *p != '\0';) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (load_line(l, p, ++line, err) != 0) {
            free(text);
            scen_clauses_free(l);
            return -1;
        }
        p = nl ? nl + 1 : NULL;
    }
    free(text);
    if (l->n == 0) {
        scen_clauses_free(l);
        return dl_error_set(err, "%s: no clauses", path);
    }
    *out = l;
    return 0;
}

void scen_clauses_free(struct scen_clauses *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        struct scen_clause *cl = &l->v[i];
        free(cl->id);
        free(cl->rfc);
        free(cl->section);
        free(cl->keyword);
        free(cl->quote);
        free(cl->note);
    }
    free(l->v);
    free(l->path);
    free(l);
}

const struct scen_clause *scen_clauses_find(const struct scen_clauses *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return &l->v[i];
    return NULL;
}

int scen_clause_check_refs(const struct scen_clauses *l, const struct scen_clause_ref *r, size_t n,
                           struct dl_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (scen_clauses_find(l, r[i].id) == NULL)
            return dl_error_set(err, "%s:%u: clauses: unknown clause '%s' (not in %s)",
                                r[i].loc.file, r[i].loc.line, r[i].id, l->path);
    return 0;
}
