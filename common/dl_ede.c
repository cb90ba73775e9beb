#include "dl_ede.h"

#include <stdio.h>

static const char *const names[] = {
    /* RFC 8914 section 4 */
    "Other", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type", "Stale Answer",
    "Forged Answer", "DNSSEC Indeterminate", "DNSSEC Bogus", "Signature Expired",
    "Signature Not Yet Valid", "DNSKEY Missing", "RRSIGs Missing", "No Zone Key Bit Set",
    "NSEC Missing", "Cached Error", "Not Ready", "Blocked", "Censored", "Filtered", "Prohibited",
    "Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported", "No Reachable Authority",
    "Network Error", "Invalid Data",
    /* the IANA registry after RFC 8914 */
    "Signature Expired before Valid", "Too Early", /* RFC 9250 */
    "Unsupported NSEC3 Iterations Value",          /* RFC 9276 */
};

const char *dl_ede_name(int code)
{
    return code >= 0 && code < (int)(sizeof(names) / sizeof(names[0])) ? names[code] : "unassigned";
}

char *dl_ede_text(char *buf, size_t len, int code, const char *text)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (code < 0)
        return buf;
    snprintf(buf, len, "EDE %d (%s)%s%s", code, dl_ede_name(code), text && *text ? ": " : "",
             text && *text ? text : "");
    return buf;
}
