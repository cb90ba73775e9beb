#include "lab_mta_exim_rule.h"

#include "dane_retry.h"

#include <stdint.h>
#include <stdio.h>

/* secs in Exim's time syntax, one unit: "23h", "1425m", "1350s". */
static void exim_time(int64_t secs, char *buf, size_t len)
{
    if (secs > 0 && secs % 86400 == 0)
        snprintf(buf, len, "%lldd", (long long)(secs / 86400));
    else if (secs > 0 && secs % 3600 == 0)
        snprintf(buf, len, "%lldh", (long long)(secs / 3600));
    else if (secs > 0 && secs % 60 == 0)
        snprintf(buf, len, "%lldm", (long long)(secs / 60));
    else
        snprintf(buf, len, "%llds", (long long)secs);
}

const char *lab_exim_rule_for(enum dane_profile p, char *buf, size_t len)
{
    int64_t t[DANE_RETRY_MAX];
    size_t m = dane_retry_schedule(p, t, DANE_RETRY_MAX), used = 0;
    buf[0] = '\0';
    /* k: the attempt that starts a run of equal intervals; e its last */
    for (size_t k = 0; k + 1 < m && used < len;) {
        int64_t d = t[k + 1] - t[k];
        size_t e = k;
        char cut[32], every[32];
        while (e + 2 < m && t[e + 2] - t[e + 1] == d)
            e++;
        exim_time(t[e] + d / 2, cut, sizeof(cut));
        exim_time(d, every, sizeof(every));
        used += (size_t)snprintf(buf + used, len - used, "%sF,%s,%s", k ? "; " : "", cut, every);
        k = e + 1;
    }
    return buf;
}
