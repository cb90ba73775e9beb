/*
 * lab_resolvers: `danelab run --resolvers LIST|all`, the catalogue's DNS
 * verdicts under several validators. The lab is brought up with each
 * listed resolver in turn (lab_run runs one pass per resolver: a lab
 * session with `--resolver NAME`); the first pass checks everything
 * (DNS, delivery, retry timelines), the others the DNS check only
 * (delivery is judged once: its expectations belong to the profiles,
 * not to a validator). Each pass writes its `run --json` report to
 * RUN/validators/NAME.json; they are joined (lab_valmatrix) into one
 * report, kept as RUN/validators.json (`danelab explain` reads its
 * observed verdicts and EDE codes), and printed as the text matrix,
 * --json, or --markdown (docs/validators.md); --html writes the run's
 * page with the validators' section. Exit 0 when every scenario passed
 * under every validator, 1 when one failed (an unmet expectation or an
 * undeclared difference), 2 on an error.
 */
#ifndef LAB_RESOLVERS_H
#define LAB_RESOLVERS_H

#include "lab_resconf.h"
#include "lab_up.h"

#include <stdbool.h>
#include <stdio.h>

/* The resolvers of LIST ("unbound,knot", "all": every one, Unbound
 * first) into names[] in the order given. Returns how many, or -1 with
 * the reason printed (an unknown or repeated name, an empty list). */
int lab_resolvers_parse(const char *list, const char *names[LAB_RESOLVER_COUNT]);

/* One pass: run with resolver g->resolver, the report to `report_path`;
 * `first`: everything, else the DNS check only. Its exit status (0, 1,
 * 2). */
typedef int lab_resolvers_pass_fn(void *ctx, const struct lab_globals *g, bool first,
                                  const char *report_path);

struct lab_resolvers_opts {
    const char *names[LAB_RESOLVER_COUNT]; /* lab_resolvers_parse */
    size_t n;
    bool json, markdown;  /* --json, --markdown on stdout; else the text matrix */
    FILE *html_f;         /* --html FILE opened (closed here), or NULL */
    const char *html;     /* its name, for messages */
    const char *html_abs; /* its absolute path (the page's links) */
};

/* Run the passes, join them, print and write the outputs. Its exit
 * status. */
int lab_resolvers_main(const struct lab_globals *g, const struct lab_resolvers_opts *o,
                       lab_resolvers_pass_fn *pass, void *ctx);

#endif
