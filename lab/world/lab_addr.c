#include "lab_addr.h"

#include "scen.h"

#include <stdio.h>
#include <string.h>

const char *lab_addr_host(const scen_catalog *cat, size_t i, size_t j, size_t k,
                          char buf[LAB_ADDR_LEN])
{
    const struct scen_addr *a = &scen_catalog_get(cat, i)->hosts[j].addrs[k];
    if (a->literal != NULL)
        snprintf(buf, LAB_ADDR_LEN, "%s", a->literal);
    else if (a->family == 6)
        snprintf(buf, LAB_ADDR_LEN, "%s25:%zx:%zx", SCEN_ADDR6_PREFIX, i + 1, j + 1);
    else
        snprintf(buf, LAB_ADDR_LEN, "127.%zu.%zu.%zu", 25 + i / 250, i % 250 + 1, j + 1);
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

bool lab_addr_needs_ipv6(const struct scen *s)
{
    return scen_host_has_ipv6(s->hosts, s->n_hosts);
}
