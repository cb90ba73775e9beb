/*
 * lab_holder: the body of the lab's holder process (see lab_world.h):
 * namespace set-up from the inside, starting and probing the servers,
 * supervising them, and stopping everything. Only lab_world uses it.
 *
 * Start-up handshake over two pipes: when every server answers, the holder
 * writes "ready P1 P2 P3\n" (the servers' PIDs) or "error: MESSAGE\n" to
 * ready_fd; `danelab up` then records the lab and writes one byte to the
 * ack pipe. If the ack pipe closes without that byte (up was killed), the
 * holder stops everything: a lab nobody recorded is never left running.
 * An acknowledgement "t" ties the lab to its starter (run, mta): the
 * holder then watches tie_fd and stops everything once the starter has
 * ended, even by kill -9; "k" leaves it up until `danelab down`.
 */
#ifndef LAB_HOLDER_H
#define LAB_HOLDER_H

#include "lab_conf.h"

#include <stdbool.h>
#include <sys/types.h>

struct lab_holder_args {
    const char *run_dir;
    bool netns;
    bool userns; /* a user namespace was created: write the ID maps */
    uid_t uid;   /* outer IDs, mapped to 0 inside the user namespace */
    gid_t gid;
    int ready_fd;               /* write end */
    int ack_fd;                 /* read end */
    int up_ready_fd, up_ack_fd; /* up's ends of those pipes: the holder closes them */
    int tie_fd;                 /* a pidfd of the danelab that started the lab (readable
                                   once it has ended, however), or -1 */
    int lock_fd;                /* up's lock on the run directory: the holder closes it */
    int timeout_ms;
    int ack_timeout_ms; /* for up's acknowledgement, once every server answers */
    char **argv[LAB_SERVER_COUNT];
    /* Readiness: the zone to ask SOA for (DNS servers) or the address whose
     * port 25 must accept connections (fakesmtp); NULL: not started. */
    const char *probe[LAB_SERVER_COUNT];
};

/* Runs in the new process (clone() entry point); exits, never returns
 * normally. Exit status 0 after an ordered stop, 1 after a failure. */
int lab_holder_main(void *args);

#endif
