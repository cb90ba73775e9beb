/*
 * dl_json: small readers of jansson objects that every layer writing or
 * reading the lab's JSON needs, written once.
 */
#ifndef DL_JSON_H
#define DL_JSON_H

#include <jansson.h>

/* The string member `key` of `o`, or "" when `o` is not an object, the
 * member is missing or is not a string. The string belongs to `o`. */
const char *dl_json_str(const json_t *o, const char *key);

/* A qsort(3) comparator of two `json_t *` by their "name" string members
 * (dl_json_str, so a missing name sorts as ""). */
int dl_json_cmp_name(const void *a, const void *b);

#endif
