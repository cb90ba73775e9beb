#include "lab_addr.h"

#include "scen.h"

#include <stdio.h>
#include <string.h>

const char *lab_addr_host(const scen_catalog *cat, size_t i, size_t j, char buf[16])
{
    const struct scen *s = scen_catalog_get(cat, i);
    if (s->hosts[j].address != NULL) {
        snprintf(buf, 16, "%s", s->hosts[j].address);
        return buf;
    }
    snprintf(buf, 16, "127.%zu.%zu.%zu", 25 + i / 250, i % 250 + 1, j + 1);
    return buf;
}

const char *lab_addr_fakedns(size_t i, char buf[16])
{
    snprintf(buf, 16, "127.54.%zu.%zu", i / 250 % 256, i % 250 + 1);
    return buf;
}

bool lab_addr_is_fakedns(const char *addr)
{
    return strncmp(addr, "127.54.", 7) == 0;
}
