#include "scen_select.h"

#include "scen.h"

#include <stdlib.h>
#include <string.h>

int scen_select_parse_shard(const char *text, unsigned *k, unsigned *n)
{
    char *end;
    unsigned long a, b;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    a = strtoul(text, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9')
        return -1;
    b = strtoul(end + 1, &end, 10);
    if (*end != '\0' || b < 1 || b > 100000 || a < 1 || a > b)
        return -1;
    *k = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

/* The catalogue is in name order (scen.h): a scenario's rank among the
 * selected ones in catalogue order is its rank in name order. */
size_t scen_select_shard(const scen_catalog *cat, bool *sel, unsigned k, unsigned n)
{
    size_t count = scen_catalog_count(cat), rank = 0, kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (!sel[i])
            continue;
        sel[i] = n == 0 || rank % n == k - 1;
        kept += sel[i];
        rank++;
    }
    return kept;
}

bool scen_select_has_tag(const struct scen *s, char *const *tags, size_t n_tags)
{
    if (n_tags == 0)
        return true;
    for (size_t i = 0; i < n_tags; i++)
        for (size_t k = 0; k < s->n_tags; k++)
            if (strcmp(tags[i], s->tags[k]) == 0)
                return true;
    return false;
}
