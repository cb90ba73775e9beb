#include "imp_sclient.h"

#include "cap_smtp.h"
#include "imp_text.h"

#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sc_parse {
    struct imp_text t;
    struct imp_sclient *out;
    json_t *certs;
    struct dl_buf pem;
    unsigned pem_line;
    bool in_pem, in_session, connected, no_starttls, no_peer;
    unsigned listed; /* " N s:" lines of "Certificate chain" */
    char version[32], cipher[96], error[200];
};

/* Lines that carry nothing the scenario needs (prefixes, after blanks). */
static const char *const informational[] = {
    "depth=",
    "verify ",
    "---",
    "Certificate chain",
    "Server certificate",
    "subject=",
    "issuer=",
    "No client certificate CA names sent",
    "Peer signing digest",
    "Peer signature type",
    "Server Temp Key",
    "SSL handshake has read",
    "Verification",
    "Server public key is",
    "Secure Renegotiation",
    "Compression:",
    "Expansion:",
    "No ALPN negotiated",
    "ALPN protocol",
    "Early data was",
    "Verify return code",
    "DONE",
    "i:",
    "a:PKEY",
    "v:NotBefore",
    "read R BLOCK",
    "closed",
};

static bool is_informational(const char *s)
{
    for (size_t i = 0; i < sizeof(informational) / sizeof(informational[0]); i++)
        if (strncmp(s, informational[i], strlen(informational[i])) == 0)
            return true;
    /* an SMTP reply s_client printed after the handshake */
    return strlen(s) >= 3 && s[0] >= '2' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' &&
           s[2] >= '0' && s[2] <= '9' && (s[3] == ' ' || s[3] == '-' || s[3] == '\0');
}

/* "$ openssl s_client -starttls smtp -connect HOST:PORT -servername N" */
static void command_line(struct sc_parse *p, const char *line)
{
    char buf[1024], *tok, *save = NULL, *prev = NULL;
    snprintf(buf, sizeof(buf), "%s", line);
    for (tok = strtok_r(buf, " \t", &save); tok; prev = tok, tok = strtok_r(NULL, " \t", &save)) {
        if (prev && strcmp(prev, "-connect") == 0) {
            char *colon = strrchr(tok, ':');
            unsigned port = 25;
            if (colon && sscanf(colon + 1, "%u", &port) == 1 && port > 0 && port < 65536)
                *colon = '\0';
            if (tok[0] == '[' && tok[strlen(tok) - 1] == ']') {
                tok[strlen(tok) - 1] = '\0';
                tok++;
            }
            snprintf(p->out->host, sizeof(p->out->host), "%s", tok);
            p->out->port = port;
        } else if (prev && strcmp(prev, "-servername") == 0)
            snprintf(p->out->servername, sizeof(p->out->servername), "%s", tok);
        else if (prev && strcmp(prev, "-starttls") == 0 && strcmp(tok, "smtp") != 0)
            imp_text_note(&p->t, "-starttls %.20s: not SMTP", tok);
    }
}

static int pem_end(struct sc_parse *p, struct dl_error *err)
{
    BIO *b;
    X509 *x;
    unsigned line = p->t.line;
    dl_buf_printf(&p->pem, "-----END CERTIFICATE-----\n");
    b = BIO_new_mem_buf(p->pem.data, (int)p->pem.len);
    x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    dl_buf_reset(&p->pem);
    p->in_pem = false;
    if (x == NULL) {
        p->t.line = p->pem_line;
        imp_text_fail(&p->t, err, "a PEM certificate OpenSSL does not read");
        p->t.line = line;
        return -1;
    }
    if (json_array_size(p->certs) >= IMP_SCLIENT_MAX_CERTS) {
        X509_free(x);
        return imp_text_fail(&p->t, err, "more than %d certificates", IMP_SCLIENT_MAX_CERTS);
    }
    json_array_append_new(p->certs, cap_smtp_cert(x));
    X509_free(x);
    return 0;
}

static int pem_line(struct sc_parse *p, const char *s, struct dl_error *err)
{
    if (strcmp(s, "-----END CERTIFICATE-----") == 0)
        return pem_end(p, err);
    if (p->pem.len + strlen(s) + 1 > IMP_SCLIENT_MAX_PEM)
        return imp_text_fail(&p->t, err, "a PEM block longer than %d bytes", IMP_SCLIENT_MAX_PEM);
    if (strncmp(s, "-----", 5) == 0)
        return imp_text_fail(&p->t, err, "'%.40s' inside a certificate", s);
    dl_buf_printf(&p->pem, "%s\n", s);
    return 0;
}

/* "SSL-Session:" and the session ticket: indented fields. */
static void session_line(struct sc_parse *p, const char *s)
{
    char v[96];
    if (sscanf(s, "Protocol : %31s", v) == 1 || sscanf(s, "Protocol  : %31s", v) == 1)
        snprintf(p->version, sizeof(p->version), "%s", v);
    else if (sscanf(s, "Cipher : %95s", v) == 1 || sscanf(s, "Cipher    : %95s", v) == 1)
        snprintf(p->cipher, sizeof(p->cipher), "%s", v);
}

static int one_line(struct sc_parse *p, char *raw, struct dl_error *err)
{
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    char *s = imp_text_trim(raw);
    char v[32], c[96];
    unsigned depth;
    if (p->in_pem)
        return pem_line(p, s, err);
    if (*s == '\0')
        return 0;
    if (strcmp(s, "-----BEGIN CERTIFICATE-----") == 0) {
        p->in_pem = true;
        p->pem_line = p->t.line;
        dl_buf_printf(&p->pem, "%s\n", s);
        return 0;
    }
    if (strncmp(s, "SSL-Session:", 12) == 0 || strncmp(s, "Post-Handshake New Session", 26) == 0) {
        p->in_session = true;
        return 0;
    }
    if (p->in_session && indented) {
        session_line(p, s);
        return 0;
    }
    p->in_session = false;
    if (strstr(s, "s_client") != NULL)
        command_line(p, s);
    else if (strncmp(s, "CONNECTED(", 10) == 0)
        p->connected = true;
    else if (strncmp(s, "Didn't find STARTTLS", 20) == 0)
        p->no_starttls = true;
    else if (strncmp(s, "no peer certificate available", 29) == 0)
        p->no_peer = true;
    else if (sscanf(s, "New, %31[^,], Cipher is %95s", v, c) == 2) {
        snprintf(p->version, sizeof(p->version), "%s", v);
        snprintf(p->cipher, sizeof(p->cipher), "%s", c);
    } else if (sscanf(s, "%u s:", &depth) == 1 && strstr(s, " s:") != NULL)
        p->listed++;
    else if (strstr(s, ":error:") != NULL || strncmp(s, "connect:", 8) == 0 ||
             strstr(s, "Connection refused") != NULL) {
        if (p->error[0] == '\0')
            snprintf(p->error, sizeof(p->error), "%.190s", s);
    } else if (!is_informational(s))
        imp_text_note(&p->t, "not reproduced: %.120s", s);
    return 0;
}

/* The server object from what was read. */
static json_t *server(struct sc_parse *p, const char *file)
{
    bool tls = json_array_size(p->certs) > 0 && !p->no_peer;
    json_t *s = json_pack("{s:s,s:i}", "address", file, "port", (json_int_t)p->out->port);
    if (!p->connected) {
        json_object_set_new(s, "error",
                            json_string(p->error[0] ? p->error : "s_client did not connect"));
        json_decref(p->certs);
        return s;
    }
    json_object_set_new(s, "banner",
                        json_pack("{s:n,s:s}", "code", "text", "(s_client does not show it)"));
    json_object_set_new(s, "ehlo", json_pack("{s:i,s:[]}", "code", 250, "keywords"));
    if (!p->no_starttls)
        json_array_append_new(json_object_get(json_object_get(s, "ehlo"), "keywords"),
                              json_string("STARTTLS"));
    json_object_set_new(s, "starttls",
                        json_pack("{s:i,s:s}", "code", 220, "text", "(s_client does not show it)"));
    if (tls)
        json_object_set_new(s, "tls",
                            json_pack("{s:s,s:s,s:s?,s:o}", "version",
                                      p->version[0] ? p->version : "unknown", "cipher",
                                      p->cipher[0] ? p->cipher : "unknown", "sni",
                                      p->out->servername[0] ? p->out->servername
                                      : p->out->host[0]     ? p->out->host
                                                            : NULL,
                                      "certificates", p->certs));
    else {
        json_object_set_new(s, "error",
                            json_string(p->error[0] ? p->error : "no peer certificate"));
        json_decref(p->certs);
    }
    return s;
}

static void closing_notes(struct sc_parse *p)
{
    if (!p->connected)
        return;
    imp_text_note(&p->t, "the banner, the EHLO keywords and the reply to STARTTLS are not in "
                         "s_client's text");
    if (p->no_peer || json_array_size(p->certs) == 0)
        imp_text_note(&p->t, "no certificate: a refused STARTTLS and a failed handshake look "
                             "alike; reproduced as a failed handshake");
    else if (p->listed > json_array_size(p->certs))
        imp_text_note(&p->t,
                      "%u certificates listed, %zu in PEM (no -showcerts): the chain's shape is "
                      "not reproduced",
                      p->listed, json_array_size(p->certs));
    imp_text_note(&p->t, "one handshake: whether the chain changes without SNI is unknown");
}

int imp_sclient_parse(const char *file, const char *data, size_t len, struct imp_sclient *out,
                      struct dl_buf *notes, struct dl_error *err)
{
    struct sc_parse p = {.out = out};
    char *line = dl_xmalloc(IMP_TEXT_MAX_LINE + 1);
    int rc;
    memset(out, 0, sizeof(*out));
    out->port = 25;
    if (imp_text_open(&p.t, file, data, len, notes, err) != 0) {
        free(line);
        return -1;
    }
    p.certs = json_array();
    while ((rc = imp_text_next(&p.t, line, err)) == 1)
        if (one_line(&p, line, err) != 0) {
            rc = -1;
            break;
        }
    if (rc == 0 && p.in_pem)
        rc = imp_text_fail(&p.t, err, "the file ends inside a certificate");
    if (rc == 0 && !p.connected && p.error[0] == '\0')
        rc = dl_error_set(err, "%s: not s_client's output (no CONNECTED line, no error)", file);
    if (rc == 0) {
        closing_notes(&p);
        out->server = server(&p, file);
    } else
        json_decref(p.certs);
    imp_text_close(&p.t);
    dl_buf_free(&p.pem);
    free(line);
    return rc;
}

const json_t *imp_sclient_leaf_names(const struct imp_sclient *s)
{
    const json_t *certs = json_object_get(json_object_get(s->server, "tls"), "certificates");
    return json_object_get(json_array_get(certs, 0), "names");
}

void imp_sclient_free(struct imp_sclient *s)
{
    json_decref(s->server);
    s->server = NULL;
}
