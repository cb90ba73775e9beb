/* scen_parse: the readers every section parser shares (see scen_parse.h). */
#include "scen_parse.h"

#include "dl_util.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#define SCEN_MAX_TOKEN 63
#define SCEN_MAX_NOTE  512 /* note: and each rfc: clause */

struct scen_loc scen_parse_loc(const struct scen_parse *c, const yaml_node_t *n)
{
    struct scen_loc loc = {c->path, scen_yaml_line(n)};
    return loc;
}

/* [a-z0-9] then [a-z0-9-]*, at most SCEN_MAX_TOKEN characters; with
 * any_start the first character may be '-' too. */
static bool valid_token(const char *s, bool any_start)
{
    size_t n = strlen(s);
    if (n == 0 || n > SCEN_MAX_TOKEN || (!any_start && s[0] == '-'))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* A token-valued string key; NULL node: absent (returns 0). */
int scen_parse_token(struct scen_parse *c, const yaml_node_t *n, const char *key, const char **out)
{
    const char *s = NULL;
    if (scen_yaml_str(c->y, n, key, &s, c->err) != 0)
        return -1;
    if (s != NULL && !valid_token(s, false))
        return scen_yaml_fail(c->y, n, key, c->err, "expected [a-z0-9][a-z0-9-]*, got '%s'", s);
    if (s != NULL)
        *out = s;
    return 0;
}

char *scen_parse_lower(const char *s)
{
    char *d = dl_xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* Absolute lower-case name: "mx1" (no dot) is relative to origin (when
 * origin is not NULL), "a.b" gets a trailing dot, "a.b." is kept. */
char *scen_parse_absolute(const char *name, const char *origin)
{
    size_t n = strlen(name);
    char *abs;
    if (n > 0 && name[n - 1] == '.')
        abs = dl_xstrdup(name);
    else if (origin != NULL && strchr(name, '.') == NULL)
        abs = dl_xasprintf("%s.%s", name, origin);
    else
        abs = dl_xasprintf("%s.", name);
    for (char *p = abs; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return abs;
}

/* Host-name syntax (letters, digits, '-', '_'), labels of 1-63 octets,
 * at most 253 octets, then ldns's own check. abs is absolute. */
static bool valid_dname(const char *abs)
{
    size_t n = strlen(abs), label = 0;
    ldns_rdf *rdf;
    if (n < 2 || n > 254 || strspn(abs, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        label = abs[i] == '.' ? 0 : label + 1;
        if (label > 63 || (abs[i] == '.' && (i == 0 || abs[i - 1] == '.')))
            return false;
    }
    rdf = ldns_dname_new_frm_str(abs);
    ldns_rdf_deep_free(rdf);
    return rdf != NULL;
}

/* True when abs is a name strictly under "test." */
static bool under_test(const char *abs)
{
    size_t n = strlen(abs);
    return n > 6 && strcmp(abs + n - 6, ".test.") == 0;
}

/* Read a DNS name at key (required when present): made absolute against
 * origin, checked to lie under test. The caller frees *out. */
int scen_parse_dname(struct scen_parse *c, const yaml_node_t *n, const char *key,
                     const char *origin, char **out)
{
    const char *s = NULL;
    char *abs;
    if (scen_yaml_str(c->y, n, key, &s, c->err) != 0)
        return -1;
    abs = scen_parse_absolute(s, origin);
    if (!valid_dname(abs)) {
        free(abs);
        return scen_yaml_fail(c->y, n, key, c->err, "expected a DNS name, got '%s'", s);
    }
    if (!under_test(abs)) {
        scen_yaml_fail(c->y, n, key, c->err, "'%s' is not under the reserved TLD test.", abs);
        free(abs);
        return -1;
    }
    *out = abs;
    return 0;
}

void *scen_parse_array(struct scen_parse *c, const yaml_node_t *n, const char *key, size_t max,
                       size_t size, size_t *len)
{
    if (scen_yaml_seq(c->y, n, key, max, c->err) != 0)
        return NULL;
    *len = scen_yaml_seq_len(n);
    return dl_xcalloc(*len, size);
}

/* A list of strings at key: a newly allocated array of copies. */
int scen_parse_strings(struct scen_parse *c, const yaml_node_t *n, const char *key, bool tokens,
                       size_t max, char ***out, size_t *n_out)
{
    size_t len;
    if ((*out = scen_parse_array(c, n, key, max, sizeof(**out), &len)) == NULL)
        return -1;
    *n_out = len;
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = scen_yaml_seq_item(c->y, n, i);
        const char *s = NULL;
        if (scen_yaml_str(c->y, item, key, &s, c->err) != 0)
            return -1;
        if (tokens && !valid_token(s, true))
            return scen_yaml_fail(c->y, item, key, c->err, "expected [a-z0-9-]+, got '%s'", s);
        (*out)[i] = scen_parse_lower(s);
    }
    return 0;
}

void scen_parse_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A free text (note:, an rfc: clause): one line, 1 to SCEN_MAX_NOTE
 * printable characters. */
int scen_parse_text(struct scen_parse *c, const yaml_node_t *n, const char *key, char **out)
{
    const char *text = NULL;
    size_t len;
    if (n == NULL)
        return 0;
    if (scen_yaml_str(c->y, n, key, &text, c->err) != 0)
        return -1;
    len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if (iscntrl((unsigned char)text[i]))
            len = 0;
    if (len == 0 || len > SCEN_MAX_NOTE)
        return scen_yaml_fail(c->y, n, key, c->err,
                              "expected one line of 1 to %d printable characters", SCEN_MAX_NOTE);
    *out = dl_xstrdup(text);
    return 0;
}

/* rfc: "RFC 7672 2.2.2" or a list of such clauses (at most SCEN_MAX_RFC). */
int scen_parse_rfc(struct scen_parse *c, yaml_node_t *n, char **rfc, size_t *n_rfc)
{
    size_t len;
    if (n == NULL)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE) {
        *n_rfc = 1;
        return scen_parse_text(c, n, "rfc", &rfc[0]);
    }
    len = scen_yaml_seq_len(n);
    if (len == 0 || len > SCEN_MAX_RFC)
        return scen_yaml_fail(c->y, n, "rfc", c->err, "expected 1 to %d clauses, got %zu",
                              SCEN_MAX_RFC, len);
    for (size_t i = 0; i < len; i++) {
        if (scen_parse_text(c, scen_yaml_seq_item(c->y, n, i), "rfc", &rfc[i]) != 0)
            return -1;
        *n_rfc = i + 1;
    }
    return 0;
}
