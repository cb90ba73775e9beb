#include "cap_smtp.h"

#include "dane_smtp.h"
#include "dane_tls.h"
#include "dl_util.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

static json_t *asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    char buf[32];
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return json_null();
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static json_t *name_text(const X509_NAME *n)
{
    char buf[512];
    X509_NAME_oneline(n, buf, sizeof(buf));
    return json_string(buf);
}

/* "ecdsa-p256", "rsa2048", "ed25519", ... (the scenario's key names where
 * they exist, the same form otherwise). */
static json_t *key_type(X509 *x)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    char group[64] = "", buf[80];
    size_t glen = 0;
    if (k == NULL)
        return json_string("unknown");
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        snprintf(buf, sizeof(buf), "rsa%d", EVP_PKEY_get_bits(k));
        break;
    case EVP_PKEY_EC:
        EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &glen);
        snprintf(buf, sizeof(buf), "ecdsa-%s",
                 strcmp(group, "prime256v1") == 0  ? "p256"
                 : strcmp(group, "secp384r1") == 0 ? "p384"
                                                   : group);
        break;
    case EVP_PKEY_ED25519:
        snprintf(buf, sizeof(buf), "ed25519");
        break;
    case EVP_PKEY_ED448:
        snprintf(buf, sizeof(buf), "ed448");
        break;
    default:
        snprintf(buf, sizeof(buf), "%s", OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
    }
    return json_string(buf);
}

static json_t *dns_names(X509 *x)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    json_t *a = json_array();
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && i < 256; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS)
            json_array_append_new(a, json_stringn((const char *)ASN1_STRING_get0_data(g->d.dNSName),
                                                  (size_t)ASN1_STRING_length(g->d.dNSName)));
    }
    GENERAL_NAMES_free(gens);
    return a;
}

static json_t *permitted(X509 *x)
{
    NAME_CONSTRAINTS *nc = X509_get_ext_d2i(x, NID_name_constraints, NULL, NULL);
    json_t *a = json_array();
    for (int i = 0;
         nc && nc->permittedSubtrees && i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
        GENERAL_SUBTREE *t = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i);
        if (t->base->type == GEN_DNS)
            json_array_append_new(
                a, json_stringn((const char *)ASN1_STRING_get0_data(t->base->d.dNSName),
                                (size_t)ASN1_STRING_length(t->base->d.dNSName)));
    }
    NAME_CONSTRAINTS_free(nc);
    return a;
}

static json_t *pem_text(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;
    json_t *s;
    if (b == NULL || PEM_write_bio_X509(b, x) != 1) {
        BIO_free(b);
        return json_null();
    }
    n = BIO_get_mem_data(b, &data);
    s = json_stringn(data, (size_t)n);
    BIO_free(b);
    return s;
}

json_t *cap_smtp_cert(X509 *x)
{
    json_t *c = json_object();
    long pathlen = X509_get_pathlen(x);
    bool ca = X509_check_ca(x) != 0;
    json_object_set_new(c, "subject", name_text(X509_get_subject_name(x)));
    json_object_set_new(c, "issuer", name_text(X509_get_issuer_name(x)));
    json_object_set_new(c, "names", dns_names(x));
    json_object_set_new(c, "not_before", asn1_time(X509_get0_notBefore(x)));
    json_object_set_new(c, "not_after", asn1_time(X509_get0_notAfter(x)));
    json_object_set_new(c, "key", key_type(x));
    json_object_set_new(c, "ca", json_boolean(ca));
    json_object_set_new(c, "pathlen", ca && pathlen >= 0 ? json_integer(pathlen) : json_null());
    json_object_set_new(c, "permitted", permitted(x));
    json_object_set_new(c, "self_signed",
                        json_boolean((X509_get_extension_flags(x) & EXFLAG_SS) != 0));
    json_object_set_new(c, "pem", pem_text(x));
    return c;
}

static json_t *chain_json(SSL *ssl)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    json_t *a = json_array();
    for (int i = 0; chain && i < sk_X509_num(chain) && i < CAP_SMTP_MAX_CERTS; i++)
        json_array_append_new(a, cap_smtp_cert(sk_X509_value(chain, i)));
    return a;
}

/* The reply's text, lines joined by '\n', as "CODE TEXT". */
static json_t *reply_json(const struct dane_smtp_reply *r)
{
    return json_pack("{s:i,s:s}", "code", r->code, "text", r->text);
}

/* The EHLO keywords: the first word of each line after the greeting one. */
static json_t *ehlo_keywords(const struct dane_smtp_reply *r)
{
    json_t *a = json_array();
    const char *p = strchr(r->text, '\n');
    while (p && *p) {
        const char *line = p + 1, *end = strchr(line, '\n');
        size_t n = strcspn(line, " \n");
        if (n > 0)
            json_array_append_new(a, json_stringn(line, n));
        p = end;
    }
    return a;
}

struct probe {
    dane_smtp *smtp;
    struct dane_smtp_reply reply;
    struct dl_error err;
    int timeout_ms;
};

/* Connect, banner, EHLO; the object gets banner and ehlo. 0 when EHLO
 * was answered 250. */
static int greet(struct probe *p, const char *host, const char *addr, unsigned port, json_t *o)
{
    char peer[400];
    snprintf(peer, sizeof(peer), "%s[%s]:%u", host, addr, port);
    p->smtp = dane_smtp_connect(addr, port, peer, p->timeout_ms, &p->err);
    if (p->smtp == NULL || dane_smtp_read(p->smtp, "greeting", &p->reply, p->timeout_ms, &p->err))
        return -1;
    if (o)
        json_object_set_new(o, "banner", reply_json(&p->reply));
    if (p->reply.code != 220)
        return dl_error_set(&p->err, "%s: greeting %d", peer, p->reply.code);
    if (dane_smtp_cmd(p->smtp, "EHLO dane-client.invalid", &p->reply, p->timeout_ms, &p->err))
        return -1;
    if (o)
        json_object_set_new(
            o, "ehlo",
            json_pack("{s:i,s:o}", "code", p->reply.code, "keywords", ehlo_keywords(&p->reply)));
    if (p->reply.code != 250)
        return dl_error_set(&p->err, "%s: EHLO answered %d", peer, p->reply.code);
    return 0;
}

/* STARTTLS and a handshake with SNI `sni` (or none); the TLS object, or
 * NULL with p->err set. `o` gets starttls when not NULL. */
static json_t *tls_session(struct probe *p, SSL_CTX *ctx, const char *sni, json_t *o)
{
    struct dane_tls_setup setup = {.sni = sni};
    json_t *t;
    SSL *ssl;
    if (dane_smtp_cmd(p->smtp, "STARTTLS", &p->reply, p->timeout_ms, &p->err) != 0) {
        if (o)
            json_object_set_new(o, "starttls", json_pack("{s:n,s:s}", "code", "text", p->err.msg));
        return NULL;
    }
    if (o)
        json_object_set_new(o, "starttls", reply_json(&p->reply));
    if (p->reply.code != 220) {
        dl_error_set(&p->err, "STARTTLS answered %d", p->reply.code);
        return NULL;
    }
    if ((ssl = dane_tls_new(ctx, &setup, &p->err)) == NULL ||
        dane_smtp_tls(p->smtp, ssl, p->timeout_ms, &p->err) != 0)
        return NULL;
    t = json_object();
    json_object_set_new(t, "version", json_string(SSL_get_version(ssl)));
    json_object_set_new(t, "cipher", json_string(SSL_get_cipher_name(ssl)));
    json_object_set_new(t, "sni", sni ? json_string(sni) : json_null());
    json_object_set_new(t, "certificates", chain_json(ssl));
    return t;
}

static void close_probe(struct probe *p)
{
    struct dl_error err;
    if (p->smtp)
        dane_smtp_cmd(p->smtp, "QUIT", &p->reply, p->timeout_ms, &err);
    dane_smtp_free(p->smtp);
    p->smtp = NULL;
}

/* The leaf's PEM of a TLS object ("" when none). */
static const char *leaf_pem(const json_t *tls)
{
    json_t *c = json_array_get(json_object_get(tls, "certificates"), 0);
    return json_string_value(json_object_get(c, "pem"))
               ? json_string_value(json_object_get(c, "pem"))
               : "";
}

/* A second session without SNI: does the server present another chain? */
static void without_sni(SSL_CTX *ctx, const char *host, const char *addr, unsigned port,
                        int timeout_ms, json_t *o)
{
    struct probe p = {.timeout_ms = timeout_ms};
    json_t *t = NULL, *tls = json_object_get(o, "tls");
    if (greet(&p, host, addr, port, NULL) == 0)
        t = tls_session(&p, ctx, NULL, NULL);
    close_probe(&p);
    if (t == NULL) {
        json_object_set_new(o, "without_sni", json_pack("{s:s}", "error", p.err.msg));
        return;
    }
    json_object_set_new(tls, "sni_changes_certificate",
                        json_boolean(strcmp(leaf_pem(tls), leaf_pem(t)) != 0));
    if (strcmp(leaf_pem(tls), leaf_pem(t)) != 0)
        json_object_set_new(o, "without_sni", t);
    else
        json_decref(t);
}

json_t *cap_smtp_probe(SSL_CTX *ctx, const char *host, const char *addr, unsigned port,
                       int timeout_ms)
{
    struct probe p = {.timeout_ms = timeout_ms};
    json_t *o = json_pack("{s:s,s:i}", "address", addr, "port", (int)port), *t;
    char sni[256];
    size_t n = strlen(host);
    snprintf(sni, sizeof(sni), "%.*s", (int)(n > 1 && host[n - 1] == '.' ? n - 1 : n), host);
    if (greet(&p, host, addr, port, o) != 0)
        goto fail;
    if (!dane_smtp_has_ext(&p.reply, "STARTTLS")) {
        close_probe(&p);
        return o;
    }
    if ((t = tls_session(&p, ctx, sni, o)) == NULL)
        goto fail;
    json_object_set_new(o, "tls", t);
    close_probe(&p);
    without_sni(ctx, host, addr, port, timeout_ms, o);
    return o;
fail:
    json_object_set_new(o, "error", json_string(p.err.msg));
    close_probe(&p);
    return o;
}
