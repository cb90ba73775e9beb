#include "lab_capture.h"

#include "cap_capture.h"
#include "dl_log.h"
#include "dl_util.h"
#include "lab_pool.h"

#include <stdio.h>
#include <stdlib.h>

struct many {
    const struct cap_args *a;
    char **paths; /* DIR/DOMAIN.json per domain */
    size_t failed;
};

/* In a worker: capture one domain into its file; {"status": its exit
 * status}. */
static json_t *capture_item(void *ctx, size_t i)
{
    const struct many *m = ctx;
    return json_pack("{s:i}", "status", cap_one(&m->a->o, m->a->domains[i], m->paths[i]));
}

/* In the parent: count what failed (said on stderr by the worker), or the
 * domain whose worker died. */
static void capture_done(void *ctx, size_t i, const json_t *res)
{
    struct many *m = ctx;
    if (res == NULL)
        dl_err("capture %s: its worker died", m->a->domains[i]);
    if (res == NULL || json_integer_value(json_object_get(res, "status")) != 0)
        m->failed++;
}

/* Several domains (or one with -d) into a->dir. */
static int capture_many(const struct cap_args *a)
{
    static const struct lab_pool_ops ops = {.work = capture_item, .done = capture_done};
    struct many m = {.a = a, .paths = dl_xcalloc(a->n_domains, sizeof(char *))};
    size_t *items = dl_xcalloc(a->n_domains, sizeof(size_t));
    struct dl_error err;
    int rc = 0;
    if (dl_mkdir_p(a->dir, 0755, &err) != 0) {
        dl_err("capture: -d: %s", err.msg);
        rc = 2;
    }
    for (size_t i = 0; i < a->n_domains && rc == 0; i++) {
        items[i] = i;
        if ((m.paths[i] = cap_evidence_path(a->dir, a->domains[i])) == NULL) {
            dl_err("capture: '%s' cannot name a file of %s", a->domains[i], a->dir);
            rc = 2;
        }
    }
    if (rc == 0 && lab_pool_run(items, a->n_domains, a->jobs, &ops, &m, &err) < 0) {
        dl_err("capture: %s", err.msg);
        rc = 2;
    }
    if (rc == 0) {
        printf("%zu of %zu domains captured into %s\n", a->n_domains - m.failed, a->n_domains,
               a->dir);
        rc = m.failed ? 2 : 0;
    }
    for (size_t i = 0; i < a->n_domains; i++)
        free(m.paths[i]);
    free(m.paths);
    free(items);
    return rc;
}

int lab_capture_main(int argc, char **argv)
{
    struct cap_args a;
    int rc;
    if (cap_args(argc, argv, &a, &rc) != 0)
        return rc;
    if (a.dir == NULL)
        return cap_one(&a.o, a.domains[0], a.out);
    return capture_many(&a);
}
