#include "lab_resolvers.h"

#include "dl_util.h"
#include "lab_html.h"
#include "lab_report.h"
#include "lab_valmatrix.h"
#include "scen.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lab_resolvers_parse(const char *list, const char *names[LAB_RESOLVER_COUNT])
{
    char *copy = dl_xstrdup(list), *save = NULL;
    int n = 0;
    if (strcmp(list, "all") == 0) {
        for (int r = 0; r < LAB_RESOLVER_COUNT; r++)
            names[n++] = lab_resconf_name((enum lab_resolver)r);
        free(copy);
        return n;
    }
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        int r = lab_resconf_lookup(t);
        bool again = false;
        for (int k = 0; k < n && r >= 0; k++)
            again = again || strcmp(names[k], lab_resconf_name((enum lab_resolver)r)) == 0;
        if (r < 0 || again) {
            dl_err("run: --resolvers: '%s' %s (expected all, or a comma-separated list of "
                   "unbound, bind, knot, pdns)",
                   t, r < 0 ? "is not a resolver" : "is named twice");
            free(copy);
            return -1;
        }
        names[n++] = lab_resconf_name((enum lab_resolver)r);
    }
    free(copy);
    if (n == 0)
        dl_err("run: --resolvers '%s': no resolver named", list);
    return n > 0 ? n : -1;
}

/* Each pass in turn; reports[k] loaded from RUN/validators/NAME.json.
 * 2 (at once) when a pass wrote no report, else 0 or 1. */
static int run_passes(const struct lab_globals *g, const struct lab_resolvers_opts *o,
                      lab_resolvers_pass_fn *pass, void *ctx, json_t **reports)
{
    struct dl_error err;
    char *dir = dl_xasprintf("%s/validators", g->run_dir);
    int worst = 0;
    if (dl_mkdir_p(dir, 0755, &err) != 0) {
        dl_err("run: %s", err.msg);
        free(dir);
        return 2;
    }
    for (size_t k = 0; k < o->n && worst < 2; k++) {
        struct lab_globals gk = *g;
        char *path = dl_xasprintf("%s/%s.json", dir, o->names[k]);
        json_error_t je;
        int rc;
        gk.resolver = o->names[k];
        fprintf(stderr, "danelab: run --resolvers: %s (%zu of %zu%s)\n", o->names[k], k + 1, o->n,
                k == 0 ? ": DNS and delivery" : ": DNS only");
        unlink(path); /* no stale report from an earlier run */
        rc = pass(ctx, &gk, k == 0, path);
        /* a pass with scenarios it could not check (exit 2) still wrote
         * its report: they are errors of the joined one */
        if ((reports[k] = json_load_file(path, 0, &je)) == NULL) {
            dl_err("run: %s: %s", path, je.text);
            rc = 2;
        } else if (rc == 2)
            rc = 1;
        worst = rc > worst ? rc : worst;
        free(path);
    }
    free(dir);
    return worst;
}

/* --html: the run's page, with the validators' section. */
static int write_html(const struct lab_globals *g, const struct lab_resolvers_opts *o,
                      const json_t *report)
{
    struct lab_html_opts ho = {.run_dir = g->run_dir, .html_path = o->html_abs};
    struct dl_error err;
    scen_catalog *cat = NULL;
    int rc;
    if (lab_up_load(g, &cat) != 0)
        cat = NULL; /* no pictures; the page still */
    ho.cat = cat;
    rc = lab_html_write(o->html_f, report, &ho, &err);
    if (fclose(o->html_f) != 0 && rc == 0)
        rc = dl_error_set(&err, "%s", strerror(errno));
    if (rc != 0)
        dl_err("run: --html %s: %s", o->html, err.msg);
    scen_catalog_free(cat);
    return rc;
}

/* Join, keep RUN/validators.json, print; the exit status. */
static int join_and_print(const struct lab_globals *g, const struct lab_resolvers_opts *o,
                          json_t **reports)
{
    const char *versions[LAB_RESOLVER_COUNT];
    char ver[LAB_RESOLVER_COUNT][256];
    struct dl_error err;
    json_t *top = reports[0];
    char *path = dl_xasprintf("%s/validators.json", g->run_dir);
    int rc = 0;
    for (size_t k = 0; k < o->n; k++) {
        lab_resconf_version((enum lab_resolver)lab_resconf_lookup(o->names[k]), ver[k],
                            sizeof(ver[k]));
        versions[k] = ver[k];
    }
    if (lab_valmatrix_merge(top, reports, o->names, versions, o->n, &err) != 0) {
        dl_err("run: %s", err.msg);
        free(path);
        return 2;
    }
    if (json_dump_file(top, path, JSON_INDENT(2)) != 0) {
        dl_err("run: cannot write %s: %s", path, strerror(errno));
        rc = 2;
    }
    if (o->json) {
        json_dumpf(top, stdout, JSON_INDENT(2));
        putchar('\n');
    } else if (o->markdown)
        lab_valmatrix_markdown(stdout, top);
    else
        lab_valmatrix_text(stdout, top, isatty(STDOUT_FILENO));
    fflush(stdout);
    if (o->html_f && write_html(g, o, top) != 0)
        rc = 2;
    if (rc == 0)
        rc = lab_report_count(top, "errors") ? 2 : lab_report_count(top, "failed") ? 1 : 0;
    free(path);
    return rc;
}

int lab_resolvers_main(const struct lab_globals *g, const struct lab_resolvers_opts *o,
                       lab_resolvers_pass_fn *pass, void *ctx)
{
    json_t *reports[LAB_RESOLVER_COUNT] = {NULL};
    int rc = run_passes(g, o, pass, ctx, reports);
    if (rc < 2)
        rc = join_and_print(g, o, reports);
    else if (o->html_f)
        fclose(o->html_f);
    for (size_t k = 0; k < o->n; k++)
        json_decref(reports[k]);
    return rc;
}
