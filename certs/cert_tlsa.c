#include "cert_tlsa.h"

#include "dl_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>

/* The DER bytes chosen by the selector; the caller frees them with
 * OPENSSL_free. Returns the length, or -1. */
static int selected_der(X509 *x, int selector, unsigned char **der, struct dl_error *err)
{
    int len;
    *der = NULL;
    if (selector == 0)
        len = i2d_X509(x, der);
    else if (selector == 1)
        len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), der);
    else
        return dl_error_set(err,
                            "TLSA selector %d is not supported (0 full certificate, "
                            "1 SubjectPublicKeyInfo)",
                            selector);
    if (len <= 0)
        return dl_error_openssl(err, "TLSA selector %d: DER encoding", selector);
    return len;
}

static const EVP_MD *matching_md(int matching)
{
    return matching == 1 ? EVP_sha256() : matching == 2 ? EVP_sha512() : NULL;
}

static char *hex_of(const unsigned char *data, size_t len)
{
    char *hex = dl_xmalloc(2 * len + 1);
    dl_hex(data, len, hex);
    return hex;
}

static char *digest_hex(const unsigned char *der, size_t len, int matching, struct dl_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (matching == 0)
        return hex_of(der, len);
    if (!EVP_Digest(der, len, md, &md_len, matching_md(matching), NULL)) {
        dl_error_openssl(err, "TLSA matching type %d: digest", matching);
        return NULL;
    }
    return hex_of(md, md_len);
}

char *cert_tlsa_data(X509 *x, int selector, int matching, struct dl_error *err)
{
    unsigned char *der = NULL;
    char *hex;
    int len;
    if (matching < 0 || matching > 2) {
        dl_error_set(err, "TLSA matching type %d is not supported (0 exact, 1 SHA-256, 2 SHA-512)",
                     matching);
        return NULL;
    }
    len = selected_der(x, selector, &der, err);
    if (len < 0)
        return NULL;
    hex = digest_hex(der, (size_t)len, matching, err);
    OPENSSL_free(der);
    return hex;
}

char *cert_tlsa_rdata(X509 *x, int usage, int selector, int matching, struct dl_error *err)
{
    char *hex, *rdata;
    if (usage < 0 || usage > 255) {
        dl_error_set(err, "TLSA usage %d is out of range 0..255", usage);
        return NULL;
    }
    hex = cert_tlsa_data(x, selector, matching, err);
    if (hex == NULL)
        return NULL;
    rdata = dl_xasprintf("%d %d %d %s", usage, selector, matching, hex);
    free(hex);
    return rdata;
}
