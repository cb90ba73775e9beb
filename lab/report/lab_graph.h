/*
 * lab_graph: `danelab graph NAME [-o FILE.dot]`, the chain of trust of a
 * scenario as Graphviz dot: the lab root (trust anchor) -> test. -> the
 * domain's zone -> its MX RRset -> the first MX host (through its provider
 * zone or CNAME when it has one) -> the host's TLSA RRset. The element a
 * fault hits is drawn in red (bogus, SERVFAIL), orange and dashed
 * (insecure) or blue (a secure denial: NODATA, NXDOMAIN), labelled with
 * the fault and what a validator reports. When Graphviz's `dot` is on the
 * PATH, FILE.svg and FILE.png are rendered next to FILE.dot.
 */
#ifndef LAB_GRAPH_H
#define LAB_GRAPH_H

#include "lab_up.h"
#include "scen.h"

#include <stdio.h>

/* Write the dot text of scenario `s` to `out`. */
void lab_graph_write(const struct scen *s, FILE *out);

/* danelab graph NAME [-o FILE.dot]: default RUN/graphs/NAME.dot. */
int lab_graph_main(const struct lab_globals *g, int argc, char **argv);

#endif
