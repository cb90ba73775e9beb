#include "dane_tlsa.h"

#include "dl_util.h"

#include <ctype.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reason OpenSSL gave for the last failure was lack of memory. */
static bool out_of_memory(void)
{
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    return ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
}

/* Full(0) data as SSL_dane_tlsa_add() parses it: one whole DER certificate
 * with a known public key (selector 0) or SubjectPublicKeyInfo (selector
 * 1), nothing after it. NULL when it parses, else why not; *oom when
 * OpenSSL ran out of memory. */
static const char *full_data(const struct dane_tlsa *r, bool *oom)
{
    const unsigned char *p = r->data;
    const char *why = NULL;
    long len = (long)r->len;
    *oom = false;
    if (r->len == 0 || r->len > (size_t)INT_MAX)
        return "Full data is empty or too long";
    if (r->selector == 0) {
        X509 *x = d2i_X509(NULL, &p, len);
        if (x == NULL || p != r->data + r->len)
            why = "Full data is not one DER certificate";
        else if (X509_get0_pubkey(x) == NULL)
            why = "Full data: the certificate's public key is of an unknown type";
        X509_free(x);
    } else {
        EVP_PKEY *k = d2i_PUBKEY(NULL, &p, len);
        if (k == NULL || p != r->data + r->len)
            why = "Full data is not one DER SubjectPublicKeyInfo";
        EVP_PKEY_free(k);
    }
    *oom = why != NULL && out_of_memory();
    return *oom ? NULL : why;
}

int dane_tlsa_classify(struct dane_tlsa *r)
{
    bool oom = false;
    r->unusable = NULL;
    if (r->usage == 0 || r->usage == 1)
        r->unusable = "PKIX usage: unusable for SMTP (RFC 7672 3.1.3)";
    else if (r->usage > 3)
        r->unusable = "unknown certificate usage";
    else if (r->selector > 1)
        r->unusable = "unknown selector";
    else if (r->mtype > 2)
        r->unusable = "unknown matching type";
    else if (r->mtype == 1 && r->len != 32)
        r->unusable = "SHA-256 data is not 32 bytes";
    else if (r->mtype == 2 && r->len != 64)
        r->unusable = "SHA-512 data is not 64 bytes";
    else if (r->mtype == 0)
        r->unusable = full_data(r, &oom);
    if (oom)
        return -1;
    return r->unusable == NULL;
}

int dane_tlsa_from_wire(const unsigned char *rdata, size_t len, struct dane_tlsa *r)
{
    memset(r, 0, sizeof(*r));
    if (len < 3) {
        r->unusable = "malformed RDATA";
        return -1;
    }
    r->usage = rdata[0];
    r->selector = rdata[1];
    r->mtype = rdata[2];
    r->len = len - 3;
    r->data = dl_xmalloc(r->len ? r->len : 1);
    memcpy(r->data, rdata + 3, r->len);
    return dane_tlsa_classify(r) < 0 ? -1 : 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits (spaces allowed between) into a new buffer. */
static int parse_hex(const char *p, unsigned char **out, size_t *outlen)
{
    size_t n = 0, cap = strlen(p) / 2 + 1;
    unsigned char *buf = dl_xmalloc(cap);
    int hi = -1;
    for (; *p; p++) {
        int v;
        if (isspace((unsigned char)*p))
            continue;
        if ((v = hexval((unsigned char)*p)) < 0)
            break;
        if (hi < 0)
            hi = v;
        else {
            buf[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (*p != '\0' || hi >= 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

int dane_tlsa_from_text(const char *text, struct dane_tlsa *r)
{
    unsigned u, s, m;
    int off = 0;
    memset(r, 0, sizeof(*r));
    if (sscanf(text, " %u %u %u %n", &u, &s, &m, &off) != 3 || off == 0 || u > 255 || s > 255 ||
        m > 255)
        return -1;
    if (parse_hex(text + off, &r->data, &r->len) != 0)
        return -1;
    r->usage = (uint8_t)u;
    r->selector = (uint8_t)s;
    r->mtype = (uint8_t)m;
    return dane_tlsa_classify(r) < 0 ? -1 : 0;
}

void dane_tlsa_format(const struct dane_tlsa *r, char *buf, size_t len, size_t max_hex)
{
    size_t n = r->len, shown = n * 2 > max_hex ? max_hex / 2 : n;
    char *hex = dl_xmalloc(shown * 2 + 1);
    dl_hex(r->data, shown, hex);
    snprintf(buf, len, "%u %u %u %s%s", r->usage, r->selector, r->mtype, hex,
             shown < n ? "..." : "");
    free(hex);
}

void dane_tlsa_clear(struct dane_tlsa *r)
{
    free(r->data);
    memset(r, 0, sizeof(*r));
}
