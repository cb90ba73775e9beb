#include "dane_retry.h"

size_t dane_retry_schedule(enum dane_profile p, int64_t *times, size_t max)
{
    size_t n = 0;
    int64_t t = 0;
    (void)p; /* one schedule for both profiles (see the header) */
    while (n < max && t < DANE_RETRY_EXPIRY) {
        times[n++] = t;
        t += n <= 2 ? 15 * 60 : 3600;
    }
    if (n < max)
        times[n++] = DANE_RETRY_EXPIRY;
    return n;
}
