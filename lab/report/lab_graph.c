/* lab_graph: the chain of trust of a scenario as Graphviz dot. */
#include "lab_graph.h"

#include "dl_log.h"
#include "dl_util.h"
#include "lab_explain.h"
#include "lab_plan.h"
#include "zone_fault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The elements of the chain, in order. */
enum elem { E_ROOT, E_TLD, E_DOMAIN, E_DS, E_MX, E_HOST, E_TLSA, E_PROVIDER, E_COUNT };

struct style {
    const char *color; /* NULL: default */
    bool dashed;
    char *note; /* fault and verdict, or NULL */
};

/* The element a fault's target names. */
static enum elem elem_of(const struct scen_fault *f)
{
    int t = zone_fault_target_lookup(f->target);
    if (strcmp(f->name, "mx-host-insecure") == 0 || strcmp(f->name, "mx-cname-insecure") == 0 ||
        strcmp(f->name, "mx-cname") == 0 || strcmp(f->name, "mx-dname") == 0)
        return E_PROVIDER;
    if (strcmp(f->name, "lame-delegation") == 0 || strcmp(f->name, "ds-without-dnskey") == 0 ||
        strcmp(f->name, "unsupported-algorithm") == 0)
        return E_DS;
    switch (t) {
    case ZONE_TARGET_DS:
        return E_DS;
    case ZONE_TARGET_MX:
        return E_MX;
    case ZONE_TARGET_A:
    case ZONE_TARGET_AAAA:
        return E_HOST;
    case ZONE_TARGET_TLSA:
        return E_TLSA;
    default:
        return E_DOMAIN; /* dnskey, zone */
    }
}

/* The verdict that judges an element: the RRset's own, or, above the MX
 * RRset, the MX one (a broken delegation breaks everything below). */
static enum scen_dnssec verdict_of(const struct scen *s, enum elem e)
{
    if (e == E_HOST || e == E_PROVIDER)
        return s->expect_dns[SCEN_RRSET_A].verdict;
    if (e == E_TLSA)
        return s->expect_dns[SCEN_RRSET_TLSA].verdict;
    return scen_expected_dnssec(s);
}

static void mark(const struct scen *s, struct style st[E_COUNT])
{
    memset(st, 0, E_COUNT * sizeof(*st));
    for (size_t i = 0; i < s->n_faults; i++) {
        const struct scen_fault *f = &s->faults[i];
        const struct zone_fault_info *info = zone_fault_lookup(f->name);
        enum elem e = elem_of(f);
        enum scen_dnssec v = verdict_of(s, e);
        if (v == SCEN_DNSSEC_BOGUS || v == SCEN_DNSSEC_SERVFAIL)
            st[e].color = "red";
        else if (v == SCEN_DNSSEC_INSECURE) {
            st[e].color = "darkorange";
            st[e].dashed = true;
        } else if (v == SCEN_DNSSEC_NODATA || v == SCEN_DNSSEC_NXDOMAIN)
            st[e].color = "blue";
        else
            st[e].color = "darkgreen";
        free(st[e].note);
        st[e].note = dl_xasprintf("%s\\n%s", info->name, info->verdict);
    }
}

/* A dot string literal's content: quotes and backslashes escaped, except
 * the "\n" line breaks we put in ourselves. */
static void put_escaped(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            fputs("\\n", out);
            p++;
        } else if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else
            fputc(*p, out);
    }
}

static void attrs(FILE *out, const struct style *st, const char *label, bool edge)
{
    fputs(" [label=\"", out);
    put_escaped(out, label);
    if (st->note != NULL) {
        fputs("\\n", out);
        put_escaped(out, st->note);
    }
    fputc('"', out);
    if (st->color != NULL)
        fprintf(out, ", color=%s, fontcolor=%s%s", st->color, st->color,
                edge ? ", penwidth=2.5" : ", penwidth=2.5");
    if (st->dashed)
        fputs(", style=dashed", out);
    fputs("];\n", out);
}

static void node(FILE *out, const char *id, const struct style *st, const char *shape,
                 const char *label)
{
    fprintf(out, "  %s [shape=%s];\n  %s", id, shape, id);
    attrs(out, st, label, false);
}

static void edge(FILE *out, const char *from, const char *to, const struct style *st,
                 const char *label)
{
    fprintf(out, "  %s -> %s", from, to);
    attrs(out, st, label, true);
}

/* The zone holding the first MX host when it is not the domain's own. */
static const char *host_zone(const struct scen *s)
{
    const struct scen_host *h = s->n_hosts > 0 ? &s->hosts[0] : NULL;
    for (size_t i = 0; h != NULL && i < s->n_zones; i++) {
        size_t n = strlen(h->name), m = strlen(s->zones[i].origin);
        if (n > m && strcmp(h->name + n - m, s->zones[i].origin) == 0 && h->name[n - m - 1] == '.')
            return s->zones[i].origin;
    }
    return NULL;
}

void lab_graph_write(const struct scen *s, FILE *out)
{
    struct style st[E_COUNT], none = {0};
    char *names[SCEN_RRSET_COUNT], *label;
    const struct scen_host *h = s->n_hosts > 0 ? &s->hosts[0] : NULL;
    char *target = h ? lab_plan_cname_target(s, h) : NULL;
    const char *provider = target ? s->zones[0].origin : host_zone(s);
    lab_explain_names(s, names);
    mark(s, st);
    fprintf(out, "// danelab graph %s: the chain of trust (danelab(1))\n", s->name);
    fputs("digraph chain {\n  rankdir=LR;\n  fontname=\"Helvetica\";\n"
          "  node [fontname=\"Helvetica\", fontsize=11];\n"
          "  edge [fontname=\"Helvetica\", fontsize=10];\n  labelloc=t;\n  label=\"",
          out);
    put_escaped(out, s->name);
    fputs(": ", out);
    put_escaped(out, s->summary);
    fputs("\";\n", out);
    node(out, "root", &st[E_ROOT], "box", ". (lab root)\\ntrust anchor RUN/root.key");
    node(out, "tld", &st[E_TLD], "box", "test.");
    label = dl_xasprintf("%s\\nzone (DNSKEY)", s->domain);
    node(out, "domain", &st[E_DOMAIN], "box", label);
    free(label);
    edge(out, "root", "tld", &none, "DS");
    edge(out, "tld", "domain", &st[E_DS], s->zone.is_signed && s->zone.ds ? "DS" : "no DS");
    label = dl_xasprintf("%s %s", names[SCEN_RRSET_MX], s->implicit_mx ? "A" : "MX");
    node(out, "mx", &st[E_MX], "ellipse", label);
    free(label);
    edge(out, "domain", "mx", &none, "signs");
    if (h != NULL) {
        label = target ? dl_xasprintf("%s CNAME\\n%s A", h->name, target)
                       : dl_xasprintf("%s A", h->name);
        node(out, "host", &st[E_HOST], "ellipse", label);
        free(label);
        edge(out, "mx", "host", &none, "MX host");
        label = dl_xasprintf("%s TLSA", names[SCEN_RRSET_TLSA]);
        node(out, "tlsa", &st[E_TLSA], "ellipse", label);
        free(label);
        edge(out, "host", "tlsa", &none, "TLSA (RFC 7672)");
    }
    if (provider != NULL) {
        label = dl_xasprintf("%s\\nprovider zone", provider);
        node(out, "provider", &none, "box", label);
        free(label);
        edge(out, "tld", "provider", &st[E_PROVIDER], "DS");
        edge(out, "provider", "host", &none, "signs");
        edge(out, "provider", "tlsa", &none, "signs");
    }
    fputs("}\n", out);
    free(target);
    for (int e = 0; e < E_COUNT; e++)
        free(st[e].note);
    for (int k = 0; k < SCEN_RRSET_COUNT; k++)
        free(names[k]);
}

/* `dot` on the PATH? */
static bool have_dot(void)
{
    const char *path = getenv("PATH");
    char *dirs = dl_xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *cand = dl_xasprintf("%s/dot", *d ? d : ".");
        found = access(cand, X_OK) == 0;
        free(cand);
    }
    free(dirs);
    return found;
}

/* dot -TFORMAT -o OUT IN; returns 0 when it succeeded. */
static int render(const char *in, const char *format, const char *outpath)
{
    char *t = dl_xasprintf("-T%s", format);
    int status = -1;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("dot", "dot", t, "-o", outpath, in, (char *)NULL);
        _exit(127);
    }
    free(t);
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int write_and_render(const struct scen *s, const char *path)
{
    static const char *const formats[] = {"svg", "png"};
    FILE *fp = fopen(path, "w");
    size_t n = strlen(path);
    int rc = 0;
    if (fp == NULL) {
        dl_err("graph: %s: %s", path, strerror(errno));
        return 2;
    }
    lab_graph_write(s, fp);
    if (fclose(fp) != 0) {
        dl_err("graph: %s: %s", path, strerror(errno));
        return 2;
    }
    printf("%s\n", path);
    if (!have_dot()) {
        dl_info("graph: Graphviz 'dot' is not installed: only %s was written", path);
        return 0;
    }
    for (size_t i = 0; i < 2; i++) {
        char *out = n > 4 && strcmp(path + n - 4, ".dot") == 0
                        ? dl_xasprintf("%.*s.%s", (int)(n - 4), path, formats[i])
                        : dl_xasprintf("%s.%s", path, formats[i]);
        if (render(path, formats[i], out) == 0)
            printf("%s\n", out);
        else {
            dl_err("graph: dot could not render %s", out);
            rc = 2;
        }
        free(out);
    }
    return rc;
}

int lab_graph_main(const struct lab_globals *g, int argc, char **argv)
{
    const char *name = NULL, *out = NULL;
    scen_catalog *cat;
    const struct scen *s;
    struct dl_error err;
    char *path = NULL, *dir;
    int rc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && name == NULL)
            name = argv[i];
        else {
            dl_err("graph: unexpected argument '%s' (usage: graph NAME [-o FILE.dot])", argv[i]);
            return 2;
        }
    }
    if (name == NULL) {
        dl_err("graph: name a scenario (usage: graph NAME [-o FILE.dot])");
        return 2;
    }
    if (lab_up_load(g, &cat) != 0)
        return 2;
    if ((s = scen_catalog_find(cat, name)) == NULL) {
        dl_err("graph: no scenario named '%s' in the catalogue", name);
        scen_catalog_free(cat);
        return 2;
    }
    if (out == NULL) {
        dir = dl_xasprintf("%s/graphs", g->run_dir);
        if (dl_mkdir_p(dir, 0755, &err) != 0) {
            dl_err("graph: %s", err.msg);
            free(dir);
            scen_catalog_free(cat);
            return 2;
        }
        path = dl_xasprintf("%s/%s.dot", dir, s->name);
        free(dir);
    }
    rc = write_and_render(s, out ? out : path);
    free(path);
    scen_catalog_free(cat);
    return rc;
}
