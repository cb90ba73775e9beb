/*
 * scen_yaml: a small schema walker over a libyaml document, for the
 * scenario parser (scen.c and its section modules). It loads one YAML
 * document (bounded size and nesting), opens mappings against a table of
 * allowed keys, and reads typed values. Every failure leaves one line in the error, "FILE:LINE:
 * what", with LINE 1-based and pointing at the offending node.
 *
 * Getters take the node to read (NULL: the key is absent, nothing happens,
 * 0 is returned and *out keeps its default) and the key name used in
 * messages: "key 'preference': expected an integer 0-65535, got 'abc'".
 * Strings returned point into the document: copy them before
 * scen_yaml_free().
 */
#ifndef SCEN_YAML_H
#define SCEN_YAML_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

/* Budgets that keep loading linear in the file's size and its memory
 * bounded, whatever a file of at most 1 MiB holds (danelab-scenario(5),
 * LIMITS). An alias is not copied by libyaml, but the schema walker reads
 * an aliased node once per reference: the expanded counts are what the
 * walker reads, each alias counted as a copy of its anchor's node. */
#define SCEN_YAML_MAX_DEPTH          32        /* nested collections, aliases expanded */
#define SCEN_YAML_MAX_NODES          100000    /* nodes written in the file */
#define SCEN_YAML_MAX_ANCHORS        256       /* &anchors */
#define SCEN_YAML_MAX_ALIASES        1024      /* *aliases */
#define SCEN_YAML_MAX_EXPANDED       100000    /* nodes with aliases expanded */
#define SCEN_YAML_MAX_EXPANDED_BYTES (2 << 20) /* scalar bytes with aliases expanded */
#define SCEN_YAML_MAX_PAIRS          256       /* keys of one mapping */

/* One loaded document. `file` is borrowed and must outlive the walker. */
struct scen_yaml {
    yaml_document_t doc;
    const char *file;
};

/* A mapping node checked against its allowed keys. */
struct scen_yaml_map {
    const struct scen_yaml *y;
    yaml_node_t *node;
};

/* Parse text (len bytes) as exactly one YAML document within the budgets
 * above and without a NUL character in any string. On success the caller owns y
 * and frees it with scen_yaml_free(); on failure nothing is left to free.
 * An empty document is an error. */
int scen_yaml_load(struct scen_yaml *y, const char *file, const char *text, size_t len,
                   struct dl_error *err);
void scen_yaml_free(struct scen_yaml *y);
yaml_node_t *scen_yaml_root(const struct scen_yaml *y);

/* 1-based line where node starts; for a block scalar (| or >) the line
 * of the indicator, its text starting on the next line. */
unsigned scen_yaml_line(const yaml_node_t *node);
/* A node's text if it is a scalar, else NULL. */
const char *scen_yaml_scalar(const yaml_node_t *node);
/* Number of items of a sequence node and the i-th of them. */
size_t scen_yaml_seq_len(const yaml_node_t *seq);
yaml_node_t *scen_yaml_seq_item(const struct scen_yaml *y, const yaml_node_t *seq, size_t i);

/* Open node as a mapping of at most SCEN_YAML_MAX_PAIRS keys, which must
 * all be strings, distinct and in keys (a NULL-terminated table; keys == NULL allows any key).
 * `what` names the mapping in messages ("unknown key 'x' in mx host (expected one of: ...)"); `key`
 * names where it was found ("key 'zone': expected a mapping, got 'x'"). */
int scen_yaml_map_open(const struct scen_yaml *y, yaml_node_t *node, const char *key,
                       const char *what, const char *const *keys, struct scen_yaml_map *m,
                       struct dl_error *err);
/* The value of key, or NULL when absent. */
yaml_node_t *scen_yaml_get(const struct scen_yaml_map *m, const char *key);
/* The value of a key that must be there; error at the mapping's line. */
yaml_node_t *scen_yaml_require(const struct scen_yaml_map *m, const char *key,
                               struct dl_error *err);
/* Number of pairs of the mapping, and the i-th key (as a node) and value. */
size_t scen_yaml_map_len(const struct scen_yaml_map *m);
yaml_node_t *scen_yaml_map_key(const struct scen_yaml_map *m, size_t i);
yaml_node_t *scen_yaml_map_value(const struct scen_yaml_map *m, size_t i);

/* Typed getters on a node (NULL: absent, returns 0, *out unchanged). */
int scen_yaml_str(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                  const char **out, struct dl_error *err);
int scen_yaml_bool(const struct scen_yaml *y, const yaml_node_t *n, const char *key, bool *out,
                   struct dl_error *err);
/* A duration as dl_parse_duration() reads it ("15m", "-1d"). */
int scen_yaml_duration(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                       int64_t *out, struct dl_error *err);
/* One of the NULL-terminated names; *out is its index. */
int scen_yaml_enum(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                   const char *const *names, int *out, struct dl_error *err);
/* Check n is a sequence ("key 'mx': expected a list, got 'x'") of at most
 * max items ("key 'mx': more than 64 items"). */
int scen_yaml_seq(const struct scen_yaml *y, const yaml_node_t *n, const char *key, size_t max,
                  struct dl_error *err);

/* Report a problem at node's line: "FILE:LINE: key 'K': fmt...". */
int scen_yaml_fail(const struct scen_yaml *y, const yaml_node_t *n, const char *key,
                   struct dl_error *err, const char *fmt, ...) DL_PRINTF(5, 6);
/* Report a problem at node's line without a key: "FILE:LINE: fmt...". */
int scen_yaml_fail_at(const struct scen_yaml *y, const yaml_node_t *n, struct dl_error *err,
                      const char *fmt, ...) DL_PRINTF(4, 5);

/* Shorthands reading key from a mapping (absent: 0, *out unchanged). */
int scen_yaml_get_str(const struct scen_yaml_map *m, const char *key, const char **out,
                      struct dl_error *err);
int scen_yaml_get_bool(const struct scen_yaml_map *m, const char *key, bool *out,
                       struct dl_error *err);
int scen_yaml_get_int(const struct scen_yaml_map *m, const char *key, long min, long max, long *out,
                      struct dl_error *err);
int scen_yaml_get_duration(const struct scen_yaml_map *m, const char *key, int64_t *out,
                           struct dl_error *err);
int scen_yaml_get_enum(const struct scen_yaml_map *m, const char *key, const char *const *names,
                       int *out, struct dl_error *err);

#endif
