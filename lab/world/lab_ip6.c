#include "lab_ip6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NONLOCAL_BIND "/proc/sys/net/ipv6/ip_nonlocal_bind"

struct route_req {
    struct nlmsghdr nh;
    struct rtmsg rt;
    char attrs[64];
};

/* Append attribute `type` of n bytes to the request (room checked). */
static int add_attr(struct route_req *r, unsigned short type, const void *data, size_t n)
{
    struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
    size_t need = RTA_LENGTH(n);
    if (NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(need) > sizeof(*r))
        return -1;
    a->rta_type = type;
    a->rta_len = (unsigned short)need;
    memcpy(RTA_DATA(a), data, n);
    r->nh.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(need));
    return 0;
}

/* Send the request and read the kernel's acknowledgement. */
static int talk(const struct route_req *r, struct dl_error *err)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    char buf[512];
    ssize_t n;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rc = -1;
    if (fd < 0)
        return dl_error_set(err, "netlink socket: %s", strerror(errno));
    if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        dl_error_set(err, "netlink send: %s", strerror(errno));
    else if ((n = recv(fd, buf, sizeof(buf), 0)) < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
        dl_error_set(err, "netlink: no acknowledgement (%s)", n < 0 ? strerror(errno) : "short");
    else {
        const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (h->nlmsg_type == NLMSG_ERROR && e->error != 0 && e->error != -EEXIST)
            dl_error_set(err, "%s", strerror(-e->error));
        else
            rc = 0;
    }
    close(fd);
    return rc;
}

static int nonlocal_bind(struct dl_error *err)
{
    int fd = open(NONLOCAL_BIND, O_WRONLY | O_CLOEXEC), rc = 0;
    if (fd < 0 || write(fd, "1\n", 2) != 2)
        rc = dl_error_set(err, "%s: %s", NONLOCAL_BIND, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

int lab_ip6_local(const char *prefix, unsigned len, struct dl_error *err)
{
    struct route_req r;
    struct in6_addr dst;
    uint32_t lo = if_nametoindex("lo");
    if (inet_pton(AF_INET6, prefix, &dst) != 1 || len > 128)
        return dl_error_set(err, "%s/%u: not an IPv6 network", prefix, len);
    if (lo == 0)
        return dl_error_set(err, "no loopback interface: %s", strerror(errno));
    memset(&r, 0, sizeof(r));
    r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    r.nh.nlmsg_type = RTM_NEWROUTE;
    r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    r.rt = (struct rtmsg){.rtm_family = AF_INET6,
                          .rtm_dst_len = (unsigned char)len,
                          .rtm_table = RT_TABLE_LOCAL,
                          .rtm_protocol = RTPROT_BOOT,
                          .rtm_scope = RT_SCOPE_HOST,
                          .rtm_type = RTN_LOCAL};
    if (add_attr(&r, RTA_DST, &dst, sizeof(dst)) != 0 || add_attr(&r, RTA_OIF, &lo, sizeof(lo)))
        return dl_error_set(err, "netlink request too long");
    if (talk(&r, err) != 0)
        return dl_error_prefix(err, "add local route %s/%u on lo", prefix, len);
    return nonlocal_bind(err);
}
