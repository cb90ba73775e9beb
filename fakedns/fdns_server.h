/*
 * fdns_server: fakedns's sockets and loop. It listens on UDP and TCP port
 * `port` of every address of its rules (fdns_rule.h) and of o->listen, and
 * answers each query as the rules say: made up (fdns_pkt_reply), dropped,
 * or forwarded unchanged to the real server at o->upstream (same
 * transport; its answer relayed unchanged). One query at a time: the lab's
 * upstream answers in well under a millisecond, and a TCP connection is
 * closed after its one answer (RFC 7766 6.2.3 lets a server close idle
 * connections) so that a resolver holding it open cannot stall the rest.
 * Every wait is bounded by o->timeout_ms.
 * Signals: HUP reads the configuration again (rules and addresses), TERM
 * and INT stop; fdns_server_run returns 0 then. The configuration is also
 * read again, within a second, when its file is replaced or changed
 * (device, inode, size or modification time), so that the lab's rule
 * edits take effect without a signal.
 */
#ifndef FDNS_SERVER_H
#define FDNS_SERVER_H

#include "dl_error.h"

#define FDNS_MAX_LISTENERS 512

struct fdns_server_opts {
    const char *conf_path; /* the rules */
    const char *upstream;  /* IPv4 address of the real server */
    const char *listen;    /* one more address with no rules of its own (NULL: none) */
    unsigned port;         /* listen and upstream port (53) */
    int timeout_ms;        /* each upstream exchange, each TCP read and write */
};

/* Run until TERM or INT. -1 with err when start-up fails (configuration,
 * a socket); a failure to reload on HUP keeps the rules in force. */
int fdns_server_run(const struct fdns_server_opts *o, struct dl_error *err);

/* Load and check the configuration only (fakedns -t). */
int fdns_server_check(const char *conf_path, struct dl_error *err);

#endif
