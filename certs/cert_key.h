/*
 * cert_key: private keys for the lab's certificates (OpenSSL 3 EVP API).
 *
 * Key types by name, as scenario files spell them: "ecdsa-p256" (the
 * default), "rsa2048", "rsa3072", "ed25519". Private keys are stored as
 * unencrypted PKCS#8 PEM files, mode 0600, written atomically.
 */
#ifndef CERT_KEY_H
#define CERT_KEY_H

#include "dl_error.h"

#include <openssl/evp.h>

enum cert_key_type {
    CERT_KEY_ECDSA_P256 = 0,
    CERT_KEY_RSA2048,
    CERT_KEY_RSA3072,
    CERT_KEY_ED25519,
};

/* The type named `name`; NULL means the default (ecdsa-p256). Returns 0, or
 * -1 with `err` naming the supported types. */
int cert_key_type_parse(const char *name, enum cert_key_type *out, struct dl_error *err);

/* The name of a type ("ecdsa-p256"); static string. */
const char *cert_key_type_name(enum cert_key_type t);

/* The type of an existing key; -1 when it is none of the supported ones
 * (an RSA key of another size, another curve). */
int cert_key_type_of(const EVP_PKEY *key, enum cert_key_type *out);

/* A new key of type `t`. The caller frees it with EVP_PKEY_free; NULL with
 * `err` set on failure. */
EVP_PKEY *cert_key_new(enum cert_key_type t, struct dl_error *err);

/* Write the private key to `path` as PEM, mode 0600 (atomic, fsynced). */
int cert_key_write(const EVP_PKEY *key, const char *path, struct dl_error *err);

/* Load a PEM private key. Returns 0 and sets *out (the caller frees it with
 * EVP_PKEY_free); 0 with *out NULL when the file does not exist; -1 with
 * `err` set when it exists but cannot be read or parsed. */
int cert_key_load(const char *path, EVP_PKEY **out, struct dl_error *err);

#endif
