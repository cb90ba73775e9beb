#include "lab_probe.h"

#include "dl_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Wire form of a SOA query for qname with the given ID; caller frees. */
static int make_query(const char *qname, int rd, uint16_t id, uint8_t **wire, size_t *len)
{
    ldns_pkt *q = NULL;
    ldns_status st =
        ldns_pkt_query_new_frm_str(&q, qname, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
    if (st != LDNS_STATUS_OK)
        return -1;
    ldns_pkt_set_id(q, id);
    ldns_pkt_set_ad(q, rd != 0);
    st = ldns_pkt2wire(wire, q, len);
    ldns_pkt_free(q);
    return st == LDNS_STATUS_OK ? 0 : -1;
}

/* One send and a wait of at most wait_ms for the matching reply.
 * Returns the RCODE, with 0x100 added when the AD bit is set, or -1 with
 * a reason in `why`. */
static int ask_once(int fd, const uint8_t *wire, size_t len, uint16_t id, int wait_ms,
                    const char **why)
{
    uint8_t buf[4096];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int64_t end = dl_mono_ms() + wait_ms;
    if (send(fd, wire, len, 0) < 0) {
        *why = strerror(errno);
        return -1;
    }
    for (;;) {
        int left = (int)(end - dl_mono_ms());
        ssize_t n;
        if (left <= 0 || poll(&pfd, 1, left) <= 0) {
            *why = "timeout";
            return -1;
        }
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            *why = strerror(errno); /* ECONNREFUSED: nothing listens yet */
            return -1;
        }
        if (n >= 12 && ((buf[0] << 8) | buf[1]) == id && (buf[2] & 0x80))
            return (buf[3] & 0x0f) | ((buf[3] & 0x20) ? 0x100 : 0);
    }
}

int lab_probe_dns(const char *addr, unsigned port, const char *qname, int rd, int timeout_ms,
                  int *rcode, int *ad, struct dl_error *err)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int64_t deadline = dl_mono_ms() + timeout_ms;
    const char *why = "not tried";
    uint8_t *wire = NULL;
    size_t len;
    uint16_t id = (uint16_t)(getpid() ^ dl_mono_ms());
    int fd, rc = -1;

    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
        return dl_error_set(err, "%s: not an IPv4 address", addr);
    if (make_query(qname, rd, id, &wire, &len) != 0)
        return dl_error_set(err, "%s: cannot build a query for '%s'", addr, qname);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        dl_error_set(err, "%s:%u: socket: %s", addr, port, strerror(errno));
        goto out;
    }
    while (dl_mono_ms() < deadline) {
        rc = ask_once(fd, wire, len, id, 200, &why);
        if (rc >= 0)
            break;
        usleep(5000);
    }
    if (rc < 0)
        dl_error_set(err, "%s:%u: no answer to %s SOA within %d ms (last: %s)", addr, port, qname,
                     timeout_ms, why);
    else {
        *rcode = rc & 0x0f;
        if (ad != NULL)
            *ad = (rc & 0x100) != 0;
    }
out:
    if (fd >= 0)
        close(fd);
    free(wire);
    return rc < 0 ? -1 : 0;
}

ldns_resolver *lab_probe_resolver(const char *addr)
{
    ldns_resolver *res = ldns_resolver_new();
    ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, addr);
    struct timeval tv = {.tv_sec = 1};
    ldns_resolver_push_nameserver(res, ns);
    ldns_rdf_deep_free(ns);
    ldns_resolver_set_recursive(res, false);
    ldns_resolver_set_retry(res, 1);
    ldns_resolver_set_timeout(res, tv);
    return res;
}

int64_t lab_probe_serial(ldns_resolver *res, const char *origin)
{
    ldns_rdf *name = ldns_dname_new_frm_str(origin);
    ldns_pkt *pkt = NULL;
    int64_t serial = -1;
    if (name != NULL &&
        ldns_resolver_send(&pkt, res, name, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0) ==
            LDNS_STATUS_OK &&
        pkt != NULL && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR) {
        ldns_rr_list *soa = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_SOA, LDNS_SECTION_ANSWER);
        if (soa != NULL && ldns_rr_list_rr_count(soa) > 0)
            serial = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(soa, 0), 2));
        ldns_rr_list_deep_free(soa);
    }
    ldns_pkt_free(pkt);
    ldns_rdf_deep_free(name);
    return serial;
}
