/*
 * lab_htmlpic: the chain-of-trust pictures the run report's HTML page
 * (lab_html) links to. Each scenario of the report found in the catalogue
 * gets RUN/graphs/NAME.dot (lab_graph_write) and, when Graphviz's `dot`
 * runs, RUN/graphs/NAME.svg (rendered again only when the dot text changed
 * or the SVG is missing; each rendering bounded to 10 s). The page links
 * them relative to its own directory, so the page and the run directory
 * can move together; written to stdout (no path), it links them by
 * absolute file:// URL. A picture that cannot be written or rendered is a
 * warning (dl_warn) and a note on the page, not an error.
 */
#ifndef LAB_HTMLPIC_H
#define LAB_HTMLPIC_H

#include "scen.h"

#include <jansson.h>

struct lab_htmlpic {
    char *href; /* URL of the SVG (or of the dot text when not rendered), or NULL */
    char *note; /* why there is no picture, or NULL */
};

/* One picture per scenario object of the array `scens`, in its order, for
 * the page written to `html_path` (NULL or "-": links by file:// URL);
 * the pictures go to RUN_DIR/graphs/. Without a catalogue or a run
 * directory every entry is empty. Free with lab_htmlpic_free(pics,
 * json_array_size(scens)). */
struct lab_htmlpic *lab_htmlpic_all(const scen_catalog *cat, const char *run_dir,
                                    const char *html_path, const json_t *scens);
void lab_htmlpic_free(struct lab_htmlpic *pics, size_t n);

/* The relative path from directory `from_dir` to `to`, both absolute and
 * canonical ("/a/b", "/a/c/x.svg" -> "../c/x.svg"). The caller frees it. */
char *lab_htmlpic_relpath(const char *from_dir, const char *to);

#endif
