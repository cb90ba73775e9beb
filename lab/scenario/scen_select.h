/*
 * scen_select: choosing scenarios of a catalogue, the same for `run` and
 * `mta`: by tag (--tag) and by shard (--shard K/N).
 */
#ifndef SCEN_SELECT_H
#define SCEN_SELECT_H

#include <stdbool.h>
#include <stddef.h>

struct scen;
struct scen_catalog;

/* "K/N" with 1 <= K <= N (--shard); returns 0, or -1 when malformed. */
int scen_select_parse_shard(const char *text, unsigned *k, unsigned *n);

/* Keep in sel[] (indexed like the catalogue, true = selected) only the
 * K-th of N slices: the selected scenarios whose rank in name order (the
 * catalogue's own order, scen.h), counted from 0, is K-1 modulo N. Every scenario is in exactly one
 * shard, the same on every machine, the shards' sizes within one of each
 * other. Returns how many remain selected. */
size_t scen_select_shard(const struct scen_catalog *cat, bool *sel, unsigned k, unsigned n);

/* Whether a scenario carries one of the tags (true when n_tags is 0). */
bool scen_select_has_tag(const struct scen *s, char *const *tags, size_t n_tags);

#endif
