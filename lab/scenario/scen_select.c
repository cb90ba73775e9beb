#include "scen_select.h"

#include "dl_util.h"
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

/* qsort has no context argument: the catalogue being sorted. Set and used
 * only inside scen_select_shard, which is not re-entered. */
static const scen_catalog *sort_cat;

static int by_name(const void *a, const void *b)
{
    return strcmp(scen_catalog_get(sort_cat, *(const size_t *)a)->name,
                  scen_catalog_get(sort_cat, *(const size_t *)b)->name);
}

size_t scen_select_shard(const scen_catalog *cat, bool *sel, unsigned k, unsigned n)
{
    size_t count = scen_catalog_count(cat), m = 0, kept = 0;
    size_t *idx = dl_xcalloc(count + 1, sizeof(size_t));
    for (size_t i = 0; i < count; i++)
        if (sel[i])
            idx[m++] = i;
    sort_cat = cat;
    qsort(idx, m, sizeof(size_t), by_name);
    sort_cat = NULL;
    for (size_t r = 0; r < m; r++) {
        sel[idx[r]] = n == 0 || r % n == k - 1;
        kept += sel[idx[r]];
    }
    free(idx);
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
