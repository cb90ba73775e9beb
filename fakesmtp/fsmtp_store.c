#include "fsmtp_store.h"
#include "dl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* Messages delivered by this process, for unique names within a microsecond
 * (maildir's rule: time, pid and a per-process sequence). File-scope
 * because uniqueness is per process, across every listener and session of
 * the single-threaded server; a per-listener counter could repeat a name
 * when two listeners share a maildir. */
static unsigned long store_seq;

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int fsmtp_store_deliver(const char *maildir, const char *data, size_t len, char *name,
                        size_t namelen, struct dl_error *err)
{
    struct timeval tv;
    char *tmp, *dst, *newdir;
    int fd, rc = -1;

    gettimeofday(&tv, NULL);
    if (snprintf(name, namelen, "%lld.M%06ldP%dQ%lu.fakesmtp", (long long)tv.tv_sec,
                 (long)tv.tv_usec, (int)getpid(), ++store_seq) >= (int)namelen)
        return dl_error_set(err, "message name too long");
    tmp = dl_xasprintf("%s/tmp/%s", maildir, name);
    dst = dl_xasprintf("%s/new/%s", maildir, name);
    newdir = dl_xasprintf("%s/new", maildir);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        dl_error_set(err, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (dl_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        dl_error_set(err, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) != 0 || rename(tmp, dst) != 0) {
        dl_error_set(err, "%s: %s", dst, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (fsync_dir(newdir) != 0) {
        dl_error_set(err, "%s: fsync: %s", newdir, strerror(errno));
        unlink(dst);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(dst);
    free(newdir);
    return rc;
}
