#include "dl_pkey.h"

#include "dl_util.h"

#include <limits.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <stdlib.h>

#define KEY_FILE_MAX (1u << 20)

struct dl_pkey_reader {
    OSSL_DECODER_CTX *dctx;
    EVP_PKEY *out; /* where the decoder puts each key (the chain keeps &out) */
};

/* Encrypted keys are refused rather than prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

dl_pkey_reader *dl_pkey_reader_new(struct dl_error *err)
{
    dl_pkey_reader *r = dl_xcalloc(1, sizeof(*r));
    r->dctx =
        OSSL_DECODER_CTX_new_for_pkey(&r->out, "PEM", NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
    if (r->dctx == NULL ||
        OSSL_DECODER_CTX_set_pem_password_cb(r->dctx, no_passphrase, NULL) != 1) {
        dl_error_openssl(err, "private key decoder");
        dl_pkey_reader_free(r);
        return NULL;
    }
    return r;
}

void dl_pkey_reader_free(dl_pkey_reader *r)
{
    if (r == NULL)
        return;
    OSSL_DECODER_CTX_free(r->dctx);
    EVP_PKEY_free(r->out);
    free(r);
}

/* Decode PEM blocks from b until one is a private key: a block that is not
 * (a certificate) is skipped, as long as the decoder moves on. */
static EVP_PKEY *decode(dl_pkey_reader *r, BIO *b)
{
    long pos = BIO_tell(b), next;
    EVP_PKEY *k = NULL;
    for (;;) {
        EVP_PKEY_free(r->out);
        r->out = NULL;
        ERR_set_mark();
        if (OSSL_DECODER_from_bio(r->dctx, b) == 1 && r->out != NULL) {
            ERR_pop_to_mark();
            k = r->out;
            r->out = NULL;
            return k;
        }
        if (BIO_eof(b) || (next = BIO_tell(b)) < 0 || next <= pos) {
            ERR_clear_last_mark();
            return NULL;
        }
        ERR_pop_to_mark();
        pos = next;
    }
}

/* The private key in len bytes of PEM text; `what` names them in errors. */
static EVP_PKEY *read_mem(dl_pkey_reader *r, const char *pem, size_t len, const char *what,
                          struct dl_error *err)
{
    dl_pkey_reader *own = NULL;
    EVP_PKEY *k = NULL;
    BIO *b;
    if (len > INT_MAX) {
        dl_error_set(err, "%s: %zu bytes: too large for a private key", what, len);
        return NULL;
    }
    if (r == NULL && (r = own = dl_pkey_reader_new(err)) == NULL)
        return NULL;
    if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
        dl_error_openssl(err, "%s: BIO_new_mem_buf", what);
    else if ((k = decode(r, b)) == NULL)
        dl_error_openssl(err, "%s: not a PEM private key", what);
    BIO_free(b);
    dl_pkey_reader_free(own);
    return k;
}

EVP_PKEY *dl_pkey_read_file(dl_pkey_reader *r, const char *path, struct dl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    EVP_PKEY *k;
    if (dl_read_file(path, KEY_FILE_MAX, &text, &len, err) != 0)
        return NULL;
    k = read_mem(r, text, len, path, err);
    OPENSSL_cleanse(text, len);
    free(text);
    return k;
}
