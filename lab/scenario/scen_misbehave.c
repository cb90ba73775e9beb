#include "scen_misbehave.h"

#include "scen_yaml.h"

#include <ldns/ldns.h>

#include <stdlib.h>
#include <strings.h>

static const char *const item_keys[] = {"type", "answer", "every", NULL};
static const char *const answer_names[] = {"servfail", "refused",  "notimp",
                                           "drop",     "truncate", NULL};

const char *scen_answer_name(enum scen_answer a)
{
    return (unsigned)a < sizeof(answer_names) / sizeof(answer_names[0]) - 1 ? answer_names[a] : "?";
}

/* `type:` an RR type mnemonic as ldns knows it (TLSA, A, TYPE65534), or ANY. */
static int parse_type(struct scen_parse *c, const yaml_node_t *n, int *type)
{
    const char *s = scen_yaml_scalar(n);
    ldns_rr_type t;
    if (s == NULL)
        return scen_yaml_fail(c->y, n, "type", c->err, "expected an RR type such as TLSA");
    if (strcasecmp(s, "ANY") == 0) {
        *type = -1;
        return 0;
    }
    t = ldns_get_rr_type_by_name(s);
    if (t == 0 || t == LDNS_RR_TYPE_ANY)
        return scen_yaml_fail(c->y, n, "type", c->err, "unknown RR type '%s'", s);
    *type = (int)t;
    return 0;
}

static int parse_item(struct scen_parse *c, yaml_node_t *item, struct scen_misbehave *r)
{
    struct scen_yaml_map m;
    yaml_node_t *type, *answer, *every;
    int a = 0;
    long n = 1;
    if (scen_yaml_map_open(c->y, item, "misbehave", "misbehave rule", item_keys, &m, c->err) != 0 ||
        (type = scen_yaml_require(&m, "type", c->err)) == NULL ||
        (answer = scen_yaml_require(&m, "answer", c->err)) == NULL ||
        parse_type(c, type, &r->type) != 0 ||
        scen_yaml_enum(c->y, answer, "answer", answer_names, &a, c->err) != 0 ||
        scen_yaml_get_int(&m, "every", 2, 1000, &n, c->err) != 0)
        return -1;
    r->loc = scen_parse_loc(c, item);
    r->answer = (enum scen_answer)a;
    r->every = (unsigned)n;
    every = scen_yaml_get(&m, "every");
    if (every != NULL && r->answer != SCEN_ANSWER_DROP)
        return scen_yaml_fail(c->y, every, "every", c->err,
                              "only with answer: drop (one query in N is answered)");
    return 0;
}

int scen_misbehave_parse(struct scen_parse *c, const yaml_node_t *n, struct scen_misbehave **out,
                         size_t *n_out)
{
    if (n == NULL)
        return 0;
    if ((*out = scen_parse_array(c, n, "misbehave", SCEN_MAX_MISBEHAVE, sizeof(**out), n_out)) ==
        NULL)
        return -1;
    for (size_t i = 0; i < *n_out; i++)
        if (parse_item(c, scen_yaml_seq_item(c->y, n, i), &(*out)[i]) != 0)
            return -1;
    return 0;
}
