#include "dl_json.h"

#include <string.h>

const char *dl_json_str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

int dl_json_cmp_name(const void *a, const void *b)
{
    return strcmp(dl_json_str(*(json_t *const *)a, "name"),
                  dl_json_str(*(json_t *const *)b, "name"));
}
