/*
 * cap_capture: `danelab capture DOMAIN`: everything a scenario needs of a
 * mail domain, observed with the reference client's library (dane_dns,
 * dane_smtp, dane_tls, dane_client) against whatever DNS and servers are
 * reachable, into one JSON evidence file (format danelab-evidence,
 * version CAP_EVIDENCE_VERSION; docs/evidence.schema.json):
 *
 *   - the MX RRset, each MX host's A, AAAA and TLSA RRsets (at the host
 *     name and, when its address lookup followed a CNAME, at the
 *     expansion), each with the validator's verdict, why_bogus, the alias
 *     chain and the RRSIGs' validity windows (cap_dns);
 *   - each zone cut on the way to the domain, to each host and to the
 *     target of a TLSA CNAME (root excluded): SOA, DS, DNSKEY and
 *     NSEC3PARAM RRsets (algorithms, digest types, the denial type and
 *     NSEC3 parameters);
 *   - per address of each host, what its SMTP server shows (cap_smtp);
 *   - the _smtp._tls TLS-RPT record;
 *   - the reference client's outcome under each profile (a probe: QUIT
 *     before MAIL FROM, no message is ever sent);
 *   - the capture time and what could not be captured (notes).
 *
 * Only what the domain publishes is read. Hosts, addresses and zones are
 * bounded (CAP_MAX_*); each SMTP step has a timeout.
 */
#ifndef CAP_CAPTURE_H
#define CAP_CAPTURE_H

#include "dane_dns.h"
#include "dl_error.h"

#include <jansson.h>

#define CAP_EVIDENCE_FORMAT  "danelab-evidence"
#define CAP_EVIDENCE_VERSION 1
#define CAP_MAX_HOSTS        16
#define CAP_MAX_ADDRS        8
#define CAP_MAX_ZONES        32
#define CAP_MAX_JOBS         64

struct cap_opts {
    struct dane_dns_opts dns;
    unsigned port;  /* SMTP port (default 25) */
    int timeout_ms; /* each SMTP step */
};

/* Capture `domain`. Returns the evidence object (the caller owns it), or
 * NULL with err set when nothing could be captured (no resolver, no TLS
 * context). */
json_t *cap_capture(const struct cap_opts *o, const char *domain, struct dl_error *err);

/* The command's arguments: DOMAIN... [--resolver ADDR] [--trust-anchor
 * FILE] [--port N] [--timeout SECS] [-o FILE | -d DIR] [-j N]. */
struct cap_args {
    struct cap_opts o;
    const char *out; /* -o FILE: the one domain's evidence (NULL: stdout) */
    const char *dir; /* -d DIR: each domain's as DIR/DOMAIN.json (cap_evidence_path) */
    unsigned jobs;   /* -j N: domains captured at a time (1..CAP_MAX_JOBS) */
    char **domains;  /* into argv */
    size_t n_domains;
};

/* Parse the command's argv (argv[0] is "capture") into *a. 0, or -1 when
 * the command is to end with *rc (0 after --help, 2 after a usage error,
 * said on stderr). Several domains need -d. */
int cap_args(int argc, char **argv, struct cap_args *a, int *rc);

/* DIR/DOMAIN.json for `domain` without its trailing dot (the caller
 * frees it), or NULL when the name could not be a file name of DIR
 * (empty, a leading dot, a slash). */
char *cap_evidence_path(const char *dir, const char *domain);

/* Capture `domain` into the file `out` (NULL: stdout). 0, or 2 after
 * saying why on stderr. */
int cap_one(const struct cap_opts *o, const char *domain, const char *out);

#endif
