/*
 * fsmtp_store: durable delivery into a maildir. A message is written to
 * tmp/, fsync'ed, renamed into new/ and the new/ directory fsync'ed before
 * fsmtp_store_deliver() returns 0: once the caller has answered 250, the
 * message survives a crash or SIGKILL of the server.
 */
#ifndef FSMTP_STORE_H
#define FSMTP_STORE_H

#include "dl_error.h"

#include <stddef.h>

/* Store len bytes as a new message in maildir (which has tmp/ and new/).
 * On success returns 0 and writes the file's name (without directory) into
 * name (namelen bytes). Returns -1 with err set; nothing is left in new/. */
int fsmtp_store_deliver(const char *maildir, const char *data, size_t len, char *name,
                        size_t namelen, struct dl_error *err);

#endif
