#include "cert_issue.h"

#include "dl_util.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define SERIAL_BITS 128
#define CN_MAX      64 /* ub-common-name (RFC 5280) */

static int set_serial(X509 *x, const char *label, struct dl_error *err)
{
    BIGNUM *bn = BN_new();
    int ok = bn != NULL && BN_rand(bn, SERIAL_BITS, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    if (!ok)
        return dl_error_openssl(err, "certificate '%s': random serial number", label);
    return 0;
}

static int adj_time(ASN1_TIME *t, time_t now, int64_t offset)
{
    int64_t days = offset / 86400;
    if (days > INT_MAX || days < INT_MIN)
        return -1;
    return X509_time_adj_ex(t, (int)days, (long)(offset % 86400), &now) != NULL ? 0 : -1;
}

static int set_validity(X509 *x, const struct cert_issue_params *p, struct dl_error *err)
{
    if (adj_time(X509_getm_notBefore(x), p->now, p->not_before) < 0)
        return dl_error_openssl(err, "certificate '%s': not_before now%+lld s is out of range",
                                p->label, (long long)p->not_before);
    if (adj_time(X509_getm_notAfter(x), p->now, p->not_after) < 0)
        return dl_error_openssl(err, "certificate '%s': not_after now%+lld s is out of range",
                                p->label, (long long)p->not_after);
    return 0;
}

static int name_add(X509_NAME *n, const char *field, const char *value)
{
    char part[CN_MAX + 1];
    snprintf(part, sizeof(part), "%s", value);
    return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)part, -1, -1,
                                      0);
}

static int set_subject(X509 *x, const struct cert_issue_params *p, struct dl_error *err)
{
    X509_NAME *n = X509_get_subject_name(x);
    const char *cn = p->n_names > 0 ? p->names[0] : p->label;
    if (!name_add(n, "O", "danelab") || !name_add(n, "OU", p->label))
        return dl_error_openssl(err, "certificate '%s': subject name", p->label);
    if (strlen(cn) <= CN_MAX && !name_add(n, "CN", cn))
        return dl_error_openssl(err, "certificate '%s': subject CN \"%s\"", p->label, cn);
    return 0;
}

/* One extension from its OpenSSL configuration text. */
static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, const char *label,
                   struct dl_error *err)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (!ok)
        return dl_error_openssl(err, "certificate '%s': extension %s = %s", label, OBJ_nid2sn(nid),
                                value);
    return 0;
}

static int add_san(X509 *x, const struct cert_issue_params *p, struct dl_error *err)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int ok = gens != NULL;
    for (size_t i = 0; ok && i < p->n_names; i++) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();
        ok = g != NULL && s != NULL && ASN1_STRING_set(s, p->names[i], -1);
        if (ok)
            GENERAL_NAME_set0_value(g, GEN_DNS, s);
        else
            ASN1_IA5STRING_free(s);
        ok = ok && sk_GENERAL_NAME_push(gens, g) > 0;
        if (!ok)
            GENERAL_NAME_free(g);
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
    GENERAL_NAMES_free(gens);
    if (!ok)
        return dl_error_openssl(err, "certificate '%s': subjectAltName", p->label);
    return 0;
}

/* critical nameConstraints: permitted;DNS:NAME for each permitted subtree
 * (RFC 5280 4.2.1.10: a dNSName constraint covers the name and every name
 * below it). cert_spec_check refused names holding ',' or ':'. */
static int add_name_constraints(X509 *x, X509V3_CTX *ctx, const struct cert_issue_params *p,
                                struct dl_error *err)
{
    struct dl_buf b = {0};
    int rc;
    dl_buf_printf(&b, "critical");
    for (size_t i = 0; i < p->n_permitted; i++)
        dl_buf_printf(&b, ",permitted;DNS:%s", p->permitted[i]);
    rc = add_ext(x, ctx, NID_name_constraints, b.data, p->label, err);
    free(b.data);
    return rc;
}

static int add_constraints(X509 *x, X509V3_CTX *ctx, const struct cert_issue_params *p,
                           EVP_PKEY *key, struct dl_error *err)
{
    char *bc;
    int rc;
    const char *ku = "critical,keyCertSign,cRLSign";
    if (!p->ca)
        ku = EVP_PKEY_is_a(key, "RSA") ? "critical,digitalSignature,keyEncipherment"
                                       : "critical,digitalSignature";
    if (p->ca && p->limit_path)
        bc = dl_xasprintf("critical,CA:TRUE,pathlen:%u", p->pathlen);
    else
        bc = dl_xstrdup(p->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    rc = add_ext(x, ctx, NID_basic_constraints, bc, p->label, err);
    free(bc);
    if (rc == 0)
        rc = add_ext(x, ctx, NID_key_usage, ku, p->label, err);
    if (rc == 0 && !p->ca)
        rc = add_ext(x, ctx, NID_ext_key_usage, "serverAuth,clientAuth", p->label, err);
    if (rc == 0 && p->ca && p->n_permitted > 0)
        rc = add_name_constraints(x, ctx, p, err);
    return rc;
}

static int add_extensions(X509 *x, X509 *issuer, const struct cert_issue_params *p, EVP_PKEY *key,
                          struct dl_error *err)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if (add_constraints(x, &ctx, p, key, err) < 0 ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash", p->label, err) < 0)
        return -1;
    if (issuer != NULL &&
        add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", p->label, err) < 0)
        return -1;
    return p->n_names > 0 ? add_san(x, p, err) : 0;
}

static int check_issuer(const struct cert_issue_params *p, X509 *issuer, EVP_PKEY *issuer_key,
                        struct dl_error *err)
{
    if ((issuer == NULL) != (issuer_key == NULL))
        return dl_error_set(err, "certificate '%s': issuer certificate and key go together",
                            p->label);
    if (issuer == NULL)
        return 0;
    if (X509_check_ca(issuer) == 0)
        return dl_error_set(err, "certificate '%s': the issuer is not a CA certificate", p->label);
    if (X509_check_private_key(issuer, issuer_key) != 1)
        return dl_error_openssl(err,
                                "certificate '%s': the issuer key does not match its "
                                "certificate",
                                p->label);
    return 0;
}

static int fill(X509 *x, const struct cert_issue_params *p, EVP_PKEY *key, X509 *issuer,
                struct dl_error *err)
{
    X509_NAME *iname;
    if (!X509_set_version(x, X509_VERSION_3) || !X509_set_pubkey(x, key))
        return dl_error_openssl(err, "certificate '%s': version and public key", p->label);
    if (set_serial(x, p->label, err) < 0 || set_validity(x, p, err) < 0 ||
        set_subject(x, p, err) < 0)
        return -1;
    iname = issuer != NULL ? X509_get_subject_name(issuer) : X509_get_subject_name(x);
    if (!X509_set_issuer_name(x, iname))
        return dl_error_openssl(err, "certificate '%s': issuer name", p->label);
    return add_extensions(x, issuer, p, key, err);
}

X509 *cert_issue(const struct cert_issue_params *p, EVP_PKEY *key, X509 *issuer,
                 EVP_PKEY *issuer_key, struct dl_error *err)
{
    EVP_PKEY *signer = issuer_key != NULL ? issuer_key : key;
    const EVP_MD *md = EVP_PKEY_is_a(signer, "ED25519") ? NULL : EVP_sha256();
    X509 *x;
    if (check_issuer(p, issuer, issuer_key, err) < 0)
        return NULL;
    x = X509_new();
    if (x == NULL) {
        dl_error_openssl(err, "certificate '%s': X509_new", p->label);
        return NULL;
    }
    if (fill(x, p, key, issuer, err) < 0) {
        X509_free(x);
        return NULL;
    }
    if (X509_sign(x, signer, md) <= 0) {
        dl_error_openssl(err, "certificate '%s': signature", p->label);
        X509_free(x);
        return NULL;
    }
    return x;
}

char **cert_issue_san_names(X509 *x, size_t *n)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int count = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
    char **out = dl_xcalloc((size_t)count + 1, sizeof(*out));
    size_t k = 0;
    for (int i = 0; i < count; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        out[k] = dl_xmalloc((size_t)ASN1_STRING_length(g->d.dNSName) + 1);
        memcpy(out[k], ASN1_STRING_get0_data(g->d.dNSName),
               (size_t)ASN1_STRING_length(g->d.dNSName));
        out[k][ASN1_STRING_length(g->d.dNSName)] = '\0';
        k++;
    }
    GENERAL_NAMES_free(gens);
    if (n != NULL)
        *n = k;
    return out;
}
