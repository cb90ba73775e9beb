#include "imp_certs.h"

#include "cert_tlsa.h"
#include "dl_json.h"

#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *imp_map_name(const char *name)
{
    size_t n = strlen(name);
    char *out;
    if (n > 0 && name[n - 1] == '.')
        n--;
    out = dl_xasprintf("%.*s.test", (int)n, name);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

/* The chain's certificates (at most IMP_CERTS_MAX); NULL entries for PEM
 * that does not parse. Returns how many. */
static size_t parse_chain(const json_t *certs, X509 **x)
{
    size_t n = 0;
    for (; n < json_array_size(certs) && n < IMP_CERTS_MAX / 4; n++) {
        const char *pem = dl_json_str(json_array_get(certs, n), "pem");
        BIO *b = BIO_new_mem_buf(pem, (int)strlen(pem));
        x[n] = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    }
    return n;
}

static void free_chain(X509 **x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        X509_free(x[i]);
}

/* A duration from the capture time to the RFC 3339 `when`, in the
 * largest unit that divides it. */
static void rel_time(const struct imp_certs *c, const char *when, char *out, size_t len)
{
    struct tm tm = {0};
    const char *end = strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    long long d = end && *end == '\0' ? (long long)(timegm(&tm) - c->captured) : 0;
    if (d % 86400 == 0)
        snprintf(out, len, "%lldd", d / 86400);
    else if (d % 3600 == 0)
        snprintf(out, len, "%lldh", d / 3600);
    else if (d % 60 == 0)
        snprintf(out, len, "%lldm", d / 60);
    else
        snprintf(out, len, "%llds", d);
}

/* The lab's key type for a captured one (the nearest, with a note). */
static const char *lab_key(struct imp_certs *c, const char *key, const char *cert)
{
    static const char *const known[] = {"ecdsa-p256", "rsa2048", "rsa3072", "ed25519"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(key, known[i]) == 0)
            return known[i];
    dl_buf_printf(&c->notes, "#   - certificate %s: key type %s is not in the lab; %s stands in\n",
                  cert, key, strncmp(key, "rsa", 3) == 0 ? "rsa3072" : "ecdsa-p256");
    return strncmp(key, "rsa", 3) == 0 ? "rsa3072" : "ecdsa-p256";
}

static void names_yaml(struct dl_buf *b, const char *key, const json_t *names)
{
    size_t i;
    json_t *n;
    if (json_array_size(names) == 0)
        return;
    dl_buf_printf(b, ", %s: [", key);
    json_array_foreach(names, i, n) {
        char *m = imp_map_name(json_string_value(n) ? json_string_value(n) : "");
        dl_buf_printf(b, "%s\"%s\"", i ? ", " : "", m);
        free(m);
    }
    dl_buf_printf(b, "]");
}

/* One entry: NAME: {names, key, not_before, not_after, issuer, ca, pathlen, permitted}. */
static void entry(struct imp_certs *c, const char *name, const json_t *cert, const char *issuer,
                  bool ca)
{
    char nb[32], na[32];
    struct dl_buf *b = &c->yaml;
    rel_time(c, dl_json_str(cert, "not_before"), nb, sizeof(nb));
    rel_time(c, dl_json_str(cert, "not_after"), na, sizeof(na));
    dl_buf_printf(b, "  %s: {key: %s, not_before: %s, not_after: %s", name,
                  lab_key(c, dl_json_str(cert, "key"), name), nb, na);
    if (!ca)
        names_yaml(b, "names", json_object_get(cert, "names"));
    if (issuer)
        dl_buf_printf(b, ", issuer: %s", issuer);
    if (ca) {
        dl_buf_printf(b, ", ca: true");
        if (json_is_integer(json_object_get(cert, "pathlen")) &&
            json_integer_value(json_object_get(cert, "pathlen")) <= 16)
            dl_buf_printf(b, ", pathlen: %lld",
                          (long long)json_integer_value(json_object_get(cert, "pathlen")));
        names_yaml(b, "permitted", json_object_get(cert, "permitted"));
    }
    dl_buf_printf(b, "}\n");
    c->n++;
}

/* A CA the server did not present, made up for the chain's shape. */
static void made_up_ca(struct imp_certs *c, const char *name, const char *issuer)
{
    dl_buf_printf(&c->yaml, "  %s: {ca: true%s%s}\n", name, issuer ? ", issuer: " : "",
                  issuer ? issuer : "");
    c->n++;
}

static void cert_name(char *out, size_t len, size_t host, const char *tag, const char *what)
{
    snprintf(out, len, "h%zu%s%s-%s", host + 1, *tag ? "-" : "", tag, what);
}

int imp_certs_add(struct imp_certs *c, const json_t *certs, size_t host, const char *tag,
                  char *leaf, size_t leaf_len, char *chain, size_t chain_len)
{
    X509 *x[IMP_CERTS_MAX / 4];
    size_t n = parse_chain(certs, x), linked = 1;
    char name[64], issuer[64], root[64];
    bool self = n > 0 && x[0] && (X509_get_extension_flags(x[0]) & EXFLAG_SS);
    if (n == 0 || x[0] == NULL || c->n + n + 2 > IMP_CERTS_MAX) {
        free_chain(x, n);
        return -1;
    }
    while (linked < n && x[linked] && X509_check_issued(x[linked], x[linked - 1]) == X509_V_OK)
        linked++;
    cert_name(leaf, leaf_len, host, tag, "c0");
    cert_name(root, sizeof(root), host, tag, "root");
    snprintf(chain, chain_len, "%s", self ? "" : "served");
    if (n == 2 && !self && linked == 1 && x[1] && (X509_get_extension_flags(x[1]) & EXFLAG_SS)) {
        /* leaf and a root that did not issue it: the intermediate forgotten */
        cert_name(issuer, sizeof(issuer), host, tag, "int");
        cert_name(name, sizeof(name), host, tag, "c1");
        entry(c, leaf, json_array_get(certs, 0), issuer, false);
        made_up_ca(c, issuer, name);
        entry(c, name, json_array_get(certs, 1), NULL, true);
        snprintf(chain, chain_len, "no-intermediate");
        free_chain(x, n);
        return 0;
    }
    if (linked < n)
        dl_buf_printf(&c->notes,
                      "#   - host %zu: the %zu certificates presented after the %zu first do not "
                      "follow from them; they are left out\n",
                      host + 1, n - linked, linked);
    for (size_t i = 0; i < linked; i++) {
        bool last = i + 1 == linked, ss = (X509_get_extension_flags(x[i]) & EXFLAG_SS) != 0;
        char di[16], dn[16];
        snprintf(di, sizeof(di), "c%zu", i);
        snprintf(dn, sizeof(dn), "c%zu", i + 1);
        cert_name(name, sizeof(name), host, tag, di);
        cert_name(issuer, sizeof(issuer), host, tag, dn);
        entry(c, name, json_array_get(certs, i), ss ? NULL : last ? root : issuer, i > 0);
        if (last && !ss)
            made_up_ca(c, root, NULL);
        if (last && ss && i > 0)
            snprintf(chain, chain_len, "full");
    }
    free_chain(x, n);
    return 0;
}

char *imp_certs_tlsa_match(const json_t *certs, size_t host, const char *tag, const char *rr)
{
    X509 *x[IMP_CERTS_MAX / 4];
    unsigned u, s, m;
    int at = 0;
    char *out = NULL;
    const char *hex;
    size_t n = parse_chain(certs, x);
    if (sscanf(rr, "%u %u %u %n", &u, &s, &m, &at) == 3 && at > 0 && s <= 1 && m <= 2) {
        hex = rr + at;
        for (size_t i = 0; i < n && out == NULL; i++) {
            struct dl_error err;
            char *d = x[i] ? cert_tlsa_data(x[i], (int)s, (int)m, &err) : NULL;
            char name[64], what[16];
            snprintf(what, sizeof(what), "c%zu", i);
            cert_name(name, sizeof(name), host, tag, what);
            if (d && strcasecmp(d, hex) == 0)
                out =
                    dl_xasprintf("{usage: %u, selector: %u, matching: %u, of: %s}", u, s, m, name);
            free(d);
        }
    }
    free_chain(x, n);
    return out;
}

char *imp_certs_tlsa(const struct imp_certs *c, const json_t *certs, size_t host, const char *rr)
{
    char *out = imp_certs_tlsa_match(certs, host, "", rr);
    (void)c;
    return out ? out : dl_xasprintf("\"%s\"", rr);
}

void imp_certs_free(struct imp_certs *c)
{
    dl_buf_free(&c->yaml);
    dl_buf_free(&c->notes);
}
