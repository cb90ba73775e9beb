/*
 * dl_pkey: private keys read from PEM text, with one OpenSSL decoder
 * chain for many keys.
 *
 * Why: OpenSSL 3.0's PEM_read_*PrivateKey() and
 * SSL_CTX_use_PrivateKey_file() build a decoder chain (every provider's
 * decoders, matched by name) for each key they read: about 0.36 ms of CPU
 * per P-256 key here, most of fakesmtp's start with 1,000 listeners.
 * A reader builds that chain once and decodes each key with it (about
 * 0.06 ms). OpenSSL 3.1 and later cache the chain themselves.
 *
 * The text may hold other PEM blocks (a certificate before the key): the
 * first private key is taken, as PEM_read_bio_PrivateKey() does.
 * Encrypted keys are refused, never prompted for. A reader is not
 * thread-safe: one per thread.
 */
#ifndef DL_PKEY_H
#define DL_PKEY_H

#include "dl_error.h"

#include <openssl/evp.h>
#include <stddef.h>

typedef struct dl_pkey_reader dl_pkey_reader;

/* A reader, or NULL (err set) when OpenSSL cannot make one. */
dl_pkey_reader *dl_pkey_reader_new(struct dl_error *err);
void dl_pkey_reader_free(dl_pkey_reader *r);

/* The private key in the PEM file `path` (at most 1 MiB; the copy read
 * is wiped). r NULL: a reader for this key alone. The caller frees the
 * key with EVP_PKEY_free; NULL with err set ("PATH: not a PEM private
 * key: OpenSSL's reason", or why the file cannot be read). */
EVP_PKEY *dl_pkey_read_file(dl_pkey_reader *r, const char *path, struct dl_error *err);

#endif
