#include "cert_key.h"

#include "dl_pkey.h"
#include "dl_util.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const type_names[] = {
    [CERT_KEY_ECDSA_P256] = "ecdsa-p256",
    [CERT_KEY_RSA2048] = "rsa2048",
    [CERT_KEY_RSA3072] = "rsa3072",
    [CERT_KEY_ED25519] = "ed25519",
};

#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

int cert_key_type_parse(const char *name, enum cert_key_type *out, struct dl_error *err)
{
    if (name == NULL) {
        *out = CERT_KEY_ECDSA_P256;
        return 0;
    }
    for (size_t i = 0; i < N_TYPES; i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *out = (enum cert_key_type)i;
            return 0;
        }
    }
    return dl_error_set(
        err, "unsupported key type \"%s\" (ecdsa-p256, rsa2048, rsa3072 or ed25519)", name);
}

const char *cert_key_type_name(enum cert_key_type t)
{
    return (size_t)t < N_TYPES ? type_names[t] : "unknown";
}

static int ec_is_p256(const EVP_PKEY *key)
{
    char group[64];
    size_t len = 0;
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &len))
        return 0;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int cert_key_type_of(const EVP_PKEY *key, enum cert_key_type *out)
{
    if (EVP_PKEY_is_a(key, "ED25519")) {
        *out = CERT_KEY_ED25519;
        return 0;
    }
    if (EVP_PKEY_is_a(key, "EC") && ec_is_p256(key)) {
        *out = CERT_KEY_ECDSA_P256;
        return 0;
    }
    if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 2048) {
        *out = CERT_KEY_RSA2048;
        return 0;
    }
    if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 3072) {
        *out = CERT_KEY_RSA3072;
        return 0;
    }
    return -1;
}

EVP_PKEY *cert_key_new(enum cert_key_type t, struct dl_error *err)
{
    EVP_PKEY *key = NULL;
    switch (t) {
    case CERT_KEY_ECDSA_P256:
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    case CERT_KEY_RSA2048:
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        break;
    case CERT_KEY_RSA3072:
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
        break;
    case CERT_KEY_ED25519:
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    default:
        dl_error_set(err, "unsupported key type %d", (int)t);
        return NULL;
    }
    if (key == NULL)
        dl_error_openssl(err, "generate %s key", cert_key_type_name(t));
    return key;
}

int cert_key_write(const EVP_PKEY *key, const char *path, struct dl_error *err)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    int rc;
    if (mem == NULL)
        return dl_error_openssl(err, "%s: BIO_new", path);
    if (!PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(mem);
        return dl_error_openssl(err, "%s: PEM encoding of the private key", path);
    }
    len = BIO_get_mem_data(mem, &data);
    rc = dl_write_file(path, data, (size_t)len, 0600, err);
    BIO_free(mem);
    return rc;
}

int cert_key_load(const char *path, EVP_PKEY **out, struct dl_error *err)
{
    *out = NULL;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 0;
    return (*out = dl_pkey_read_file(NULL, path, err)) != NULL ? 0 : -1;
}
