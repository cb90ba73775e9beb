/* zone_stamp: fingerprint line of a zone file, for incremental builds. */
#include "zone_stamp.h"

#include "dl_util.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAMP_PREFIX "; danelab-zone "

void zone_stamp_fingerprint(const ldns_rr_list *rrs, const char *params, char out[ZONE_STAMP_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        abort();
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
        char *text = ldns_rr2str(ldns_rr_list_rr(rrs, i));
        if (text == NULL)
            abort();
        EVP_DigestUpdate(ctx, text, strlen(text));
        free(text);
    }
    EVP_DigestUpdate(ctx, params, strlen(params));
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        abort();
    EVP_MD_CTX_free(ctx);
    dl_hex(md, mdlen, out);
}

static bool stamp_parse(const char *line, struct zone_stamp *st)
{
    char fp[ZONE_STAMP_HEX];
    int64_t inc, exp;
    uint32_t serial;
    if (strncmp(line, STAMP_PREFIX, strlen(STAMP_PREFIX)) != 0)
        return false;
    if (sscanf(line + strlen(STAMP_PREFIX),
               "fingerprint=%64[0-9a-f] inception=%" SCNd64 " expiration=%" SCNd64
               " serial=%" SCNu32,
               fp, &inc, &exp, &serial) != 4)
        return false;
    if (strlen(fp) != ZONE_STAMP_HEX - 1)
        return false;
    memcpy(st->fingerprint, fp, sizeof(fp));
    st->inception = inc;
    st->expiration = exp;
    st->serial = serial;
    return true;
}

bool zone_stamp_read(const char *path, struct zone_stamp *st)
{
    char line[512];
    bool ok;
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return false;
    ok = fgets(line, sizeof(line), fp) != NULL && stamp_parse(line, st);
    fclose(fp);
    return ok;
}

char *zone_stamp_line(const struct zone_stamp *st)
{
    return dl_xasprintf(STAMP_PREFIX "fingerprint=%s inception=%" PRId64 " expiration=%" PRId64
                                     " serial=%" PRIu32 "\n",
                        st->fingerprint, st->inception, st->expiration, st->serial);
}

bool zone_stamp_fresh(const struct zone_stamp *old, const char *fingerprint, bool is_signed,
                      time_t now, uint32_t validity)
{
    if (strcmp(old->fingerprint, fingerprint) != 0)
        return false;
    if (!is_signed)
        return true;
    return (int64_t)now >= old->inception &&
           old->expiration - (int64_t)now >= (int64_t)(validity / 2);
}
