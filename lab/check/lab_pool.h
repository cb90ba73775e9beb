/*
 * lab_pool: a list of work items (catalogue indexes) run by N forked
 * worker processes, one JSON object back per item (`danelab run --jobs`).
 *
 * Workers are separate processes, so that a worker that crashes or hangs
 * costs only its own items, and the checkers' state (their resolver
 * contexts with a background thread each, made in `setup`, after the
 * fork: dane_ub.h) is each worker's own. Items are handed
 * out one at a time from a pipe in the order given (put the longest first),
 * so that a slow item does not hold up a fixed slice. Each result comes
 * back as one line `ITEM<TAB>JSON` on the worker's own pipe; the parent
 * calls `done` as results arrive, in whatever order they arrive.
 *
 * A worker dies with its parent (PR_SET_PDEATHSIG). Items whose worker
 * died before answering get `done(ctx, item, NULL)` and make the run fail.
 */
#ifndef LAB_POOL_H
#define LAB_POOL_H

#include "dl_error.h"

#include <jansson.h>
#include <stddef.h>

struct lab_pool_ops {
    /* In each worker, before its first item: 0, or -1 (the worker exits 2). */
    int (*setup)(void *ctx);
    /* In a worker: the result of one item (a new reference). */
    json_t *(*work)(void *ctx, size_t item);
    /* In each worker after its last item: its exit status (0 fine). */
    int (*teardown)(void *ctx);
    /* In the parent: the result of `item` (borrowed), or NULL when the
     * worker running it died. */
    void (*done)(void *ctx, size_t item, const json_t *result);
};

/* Run items[0..n) in `jobs` workers (at most n). Returns the highest exit
 * status of the workers (0 all fine), or -1 with err set when a worker
 * could not be started or died, or a result was malformed. */
int lab_pool_run(const size_t *items, size_t n, unsigned jobs, const struct lab_pool_ops *ops,
                 void *ctx, struct dl_error *err);

#endif
