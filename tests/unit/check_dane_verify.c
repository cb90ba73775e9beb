/* dane_tls_verify_chain (dane-client verify) on chains made by certs/:
 * every usage x selector x matching type, positive (the record of the right
 * certificate) and negative (a record of another certificate), for DANE-EE
 * on the leaf and DANE-TA on the intermediate and on the root; names
 * (RFC 7672 3.2.2 reference identifiers, 3.2.3 wildcards), validity, the
 * time it is judged at, missing intermediates and large RRsets as RFC 7672
 * section 3 says; TLSA usability against OpenSSL's own judgement. */
#include "cert_set.h"
#include "dane_outcome.h"
#include "dane_tls.h"
#include "dane_tlsa.h"
#include "dl_util.h"

#include <check.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Suite *dane_verify_suite(void);

#define NOW ((time_t)1893456000) /* 2030-01-01 */

static cert_set *set;
static SSL_CTX *ctx;
static char dir[] = "/tmp/check-dane-verify-XXXXXX";
static const char *const mx_names[] = {"mx1.verify.test"};
static const char *const other_names[] = {"other.test"};
/* RFC 7672 3.2.2 and 3.2.3: leaves for the reference identifier matrix */
static const char *const nexthop_names[] = {"d.test"};
static const char *const mxd_names[] = {"mx1.d.test"};
static const char *const wild_names[] = {"*.d.test"};
static const char *const partial_names[] = {"mx*.d.test"};
static const char *const canon_names[] = {"d-canon.test"};
static const char *const verify_zone[] = {"verify.test"}; /* a permitted subtree */

#define CA(n, iss, ...)                                                                            \
    {                                                                                              \
        .name = n, .issuer = iss, .ca = true, .not_before = -86400, .not_after = 3650 * 86400,     \
        __VA_ARGS__                                                                                \
    }
#define MX_LEAF(n, iss)                                                                            \
    {                                                                                              \
        .name = n, .issuer = iss, .names = mx_names, .n_names = 1, .not_before = -86400,           \
        .not_after = 365 * 86400                                                                   \
    }

#define LEAF(n, list)                                                                              \
    {                                                                                              \
        .name = n, .issuer = "inter", .names = list, .n_names = 1, .not_before = -86400,           \
        .not_after = 365 * 86400                                                                   \
    }

static void setup(void)
{
    const struct cert_spec specs[] = {
        {.name = "root", .ca = true, .not_before = -86400, .not_after = 3650 * 86400},
        {.name = "inter",
         .issuer = "root",
         .ca = true,
         .not_before = -86400,
         .not_after = 3650 * 86400},
        {.name = "leaf",
         .issuer = "inter",
         .names = mx_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
        {.name = "wrongname",
         .issuer = "inter",
         .names = other_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
        {.name = "expired",
         .issuer = "inter",
         .names = mx_names,
         .n_names = 1,
         .not_before = -90 * 86400,
         .not_after = -86400},
        {.name = "selfsigned",
         .names = mx_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
        LEAF("nexthop", nexthop_names),
        LEAF("mxd", mxd_names),
        LEAF("wild", wild_names),
        LEAF("partial", partial_names),
        LEAF("canon", canon_names),
        /* RFC 5280 path length and name constraints below a DANE-TA root */
        CA("limited", "root", .limit_path = true, .pathlen = 0),
        CA("sub", "limited"),
        MX_LEAF("deep", "sub"),
        CA("ncother", "root", .permitted = other_names, .n_permitted = 1),
        CA("ncmine", "root", .permitted = verify_zone, .n_permitted = 1),
        MX_LEAF("ncbad", "ncother"),
        MX_LEAF("ncgood", "ncmine"),
    };
    struct cert_set_params p = {.dir = dir, .now = NOW};
    struct dl_error err;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    set = cert_set_build(&p, specs, sizeof(specs) / sizeof(specs[0]), NULL, &err);
    ck_assert_msg(set != NULL, "%s", err.msg);
    ctx = dane_tls_ctx_new(&err);
    ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
    char *cmd = dl_xasprintf("rm -rf '%s'", dir);
    cert_set_free(set);
    SSL_CTX_free(ctx);
    if (system(cmd) != 0) {
        /* a leftover temporary directory is harmless */
    }
    free(cmd);
    strcpy(dir, "/tmp/check-dane-verify-XXXXXX");
}

/* Verify `leaf`'s chain of `kind` against one record "U S M" of `of`. */
static struct dane_tls_result verify(const char *leaf, enum cert_chain_kind kind, int u, int s,
                                     int m, const char *of, const char *name)
{
    struct dane_tls_result r;
    struct dane_tlsa rec;
    struct dl_error err;
    char *text = cert_set_tlsa(set, of, u, s, m, &err);
    STACK_OF(X509) *chain = cert_set_chain(set, leaf, kind, &err);
    struct dane_tls_setup st = {
        .sni = name, .tlsa = &rec, .n_tlsa = 1, .has_now = true, .now = NOW};
    ck_assert_msg(text != NULL && chain != NULL, "%s", err.msg);
    ck_assert_int_eq(dane_tlsa_from_text(text, &rec), 0);
    ck_assert_msg(dane_tls_verify_chain(ctx, &st, chain, &r, &err) == 0, "%s", err.msg);
    dane_tlsa_clear(&rec);
    sk_X509_pop_free(chain, X509_free);
    free(text);
    return r;
}

/* _i = selector * 3 + matching */
START_TEST(ee_matrix)
{
    int s = _i / 3, m = _i % 3;
    struct dane_tls_result r =
        verify("leaf", CERT_CHAIN_SERVED, 3, s, m, "leaf", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "3 %d %d: %s", s, m, r.verify_text);
    ck_assert_int_eq(r.match_usage, 3);
    ck_assert_int_eq(r.match_depth, 0);
    r = verify("leaf", CERT_CHAIN_SERVED, 3, s, m, "wrongname", "mx1.verify.test");
    ck_assert_msg(!r.authenticated, "3 %d %d of another certificate authenticated", s, m);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_NO_TLSA_MATCH);
}
END_TEST

START_TEST(ta_matrix_intermediate)
{
    int s = _i / 3, m = _i % 3;
    struct dane_tls_result r =
        verify("leaf", CERT_CHAIN_SERVED, 2, s, m, "inter", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "2 %d %d on the intermediate: %s", s, m, r.verify_text);
    ck_assert_int_eq(r.match_usage, 2);
    ck_assert_int_eq(r.match_depth, 1);
    r = verify("leaf", CERT_CHAIN_SERVED, 2, s, m, "selfsigned", "mx1.verify.test");
    ck_assert_msg(!r.authenticated, "2 %d %d of an unrelated certificate authenticated", s, m);
}
END_TEST

START_TEST(ta_matrix_root)
{
    int s = _i / 3, m = _i % 3;
    /* the root is not sent: DANE-TA(2) 0 0 (full certificate) can still
     * supply it; digests need the server to send it (RFC 7671 5.2.2) */
    struct dane_tls_result r = verify("leaf", CERT_CHAIN_FULL, 2, s, m, "root", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "2 %d %d on the root, full chain: %s", s, m, r.verify_text);
    ck_assert_int_eq(r.match_depth, 2);
}
END_TEST

START_TEST(ta_checks_names)
{
    struct dane_tls_result r =
        verify("wrongname", CERT_CHAIN_SERVED, 2, 1, 1, "inter", "mx1.verify.test");
    ck_assert(!r.authenticated);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_HOST_MISMATCH);
}
END_TEST

START_TEST(ee_ignores_names_and_dates)
{
    struct dane_tls_result r =
        verify("wrongname", CERT_CHAIN_SERVED, 3, 1, 1, "wrongname", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "DANE-EE checked the name: %s", r.verify_text);
    r = verify("expired", CERT_CHAIN_SERVED, 3, 1, 1, "expired", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "DANE-EE checked the dates: %s", r.verify_text);
    ck_assert(r.leaf_expired); /* for the exchange-online profile */
}
END_TEST

START_TEST(ta_checks_dates)
{
    struct dane_tls_result r =
        verify("expired", CERT_CHAIN_SERVED, 2, 1, 1, "inter", "mx1.verify.test");
    ck_assert(!r.authenticated);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_CERT_EXPIRED);
}
END_TEST

START_TEST(ta_missing_intermediate)
{
    /* TA = the intermediate, which the server forgot to send */
    struct dane_tls_result r = verify("leaf", CERT_CHAIN_LEAF, 2, 1, 1, "inter", "mx1.verify.test");
    ck_assert(!r.authenticated);
    ck_assert_int_ne(dane_tls_failure_reason(&r), DANE_R_AUTHENTICATED);
}
END_TEST

/* DANE-TA on the root keeps RFC 5280 path validation below it: an
 * intermediate's pathLenConstraint and nameConstraints bind (RFC 7672
 * 3.1.2, RFC 5280 6.1.3 (b), 6.1.4 (l)); the failure is an untrusted
 * chain, not a missing TLSA match. */
START_TEST(ta_path_constraints)
{
    static const struct {
        const char *leaf;
        long verify;
    } cases[] = {{"deep", X509_V_ERR_PATH_LENGTH_EXCEEDED},
                 {"ncbad", X509_V_ERR_PERMITTED_VIOLATION}};
    struct dane_tls_result r =
        verify(cases[_i].leaf, CERT_CHAIN_FULL, 2, 0, 1, "root", "mx1.verify.test");
    ck_assert_msg(!r.authenticated, "%s authenticated", cases[_i].leaf);
    ck_assert_int_eq(r.verify, cases[_i].verify);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_CHAIN_UNTRUSTED);
    r.match_depth = -1; /* as after a failed handshake, where OpenSSL reports no match */
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_CHAIN_UNTRUSTED);
}
END_TEST

START_TEST(ta_name_constraints_met)
{
    struct dane_tls_result r =
        verify("ncgood", CERT_CHAIN_FULL, 2, 0, 1, "root", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "within the permitted subtree: %s", r.verify_text);
}
END_TEST

/* RFC 7671 5.2.2: with 2 0 0 the TA may be in DNS only (the server sends
 * the leaf and intermediate, not the root). */
START_TEST(ta_full_cert_in_dns_only)
{
    struct dane_tls_result r =
        verify("leaf", CERT_CHAIN_SERVED, 2, 0, 0, "root", "mx1.verify.test");
    ck_assert_msg(r.authenticated, "2 0 0 root not sent: %s", r.verify_text);
}
END_TEST

START_TEST(pkix_usages_unusable)
{
    struct dane_tlsa rec;
    ck_assert_int_eq(dane_tlsa_from_text("1 1 1 00000000000000000000000000000000"
                                         "00000000000000000000000000000000",
                                         &rec),
                     0);
    ck_assert_ptr_nonnull(rec.unusable);
    dane_tlsa_clear(&rec);
}
END_TEST

/* --- reference identifiers (RFC 7672 3.2.2, 3.2.3) ------------------------ */

/* Judge `leaf`'s chain of `kind` against the texts `recs` with `st` (names,
 * time; its records are filled here). */
static struct dane_tls_result judge(const char *leaf, enum cert_chain_kind kind,
                                    struct dane_tls_setup *st, char *const *recs, size_t n)
{
    struct dane_tls_result r;
    struct dl_error err;
    struct dane_tlsa *t = calloc(n, sizeof(*t));
    STACK_OF(X509) *chain = cert_set_chain(set, leaf, kind, &err);
    ck_assert_msg(chain != NULL && t != NULL, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(dane_tlsa_from_text(recs[i], &t[i]), 0);
    st->tlsa = t;
    st->n_tlsa = n;
    ck_assert_msg(dane_tls_verify_chain(ctx, st, chain, &r, &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        dane_tlsa_clear(&t[i]);
    free(t);
    sk_X509_pop_free(chain, X509_free);
    return r;
}

static const struct {
    const char *leaf; /* its only DNS-ID: see LEAF() above */
    const char *base; /* TLSA base domain (SNI) */
    const char *names[3];
    bool ok;
} name_cases[] = {
    /* positive: any one reference identifier matches */
    {"nexthop", "mx1.d.test", {"mx1.d.test", "d.test"}, true},    /* the next-hop domain */
    {"mxd", "mx1.provider.test", {"mx1.d.test", "d.test"}, true}, /* the MX host */
    {"mxd", "mx1.d.test", {NULL}, true},                          /* the base domain */
    {"canon", "mx1.d.test", {"mx1.d.test", "d.test", "d-canon.test."}, true}, /* expansion */
    {"nexthop", "mx1.d.test", {"D.Test."}, true},           /* case, trailing dot */
    {"wild", "mx1.d.test", {"mx1.d.test", "d.test"}, true}, /* *.d.test: one label */
    {"wild", "mx9.elsewhere.test", {"mx1.d.test"}, true},   /* ... of the MX host */
    /* negative */
    {"nexthop", "mx1.d.test", {"mx1.d.test"}, false},           /* next-hop not given */
    {"canon", "mx1.d.test", {"mx1.d.test", "d.test"}, false},   /* expansion not given */
    {"partial", "mx1.d.test", {"mx1.d.test", "d.test"}, false}, /* mx*.d.test: partial */
    {"wild", "a.b.d.test", {"a.b.d.test"}, false},              /* two labels */
    {"wild", "d.test", {"d.test"}, false},                      /* no label at all */
    {"wrongname", "mx1.d.test", {"mx1.d.test", "d.test", "d-canon.test"}, false}, /* none */
};

START_TEST(ta_reference_names)
{
    struct dl_error err;
    char *rec = cert_set_tlsa(set, "inter", 2, 1, 1, &err);
    struct dane_tls_setup st = {.sni = name_cases[_i].base, .has_now = true, .now = NOW};
    struct dane_tls_result r;
    ck_assert_msg(rec != NULL, "%s", err.msg);
    for (size_t k = 0; k < 3 && name_cases[_i].names[k]; k++)
        ck_assert_int_eq(dane_tls_setup_add_name(&st, name_cases[_i].names[k]), 0);
    r = judge(name_cases[_i].leaf, CERT_CHAIN_SERVED, &st, &rec, 1);
    free(rec);
    if (name_cases[_i].ok) {
        ck_assert_msg(r.authenticated, "%s for %s: %s", name_cases[_i].leaf, name_cases[_i].base,
                      r.verify_text);
        return;
    }
    ck_assert_msg(!r.authenticated, "%s (SAN %s) accepted for %s", name_cases[_i].leaf, r.names,
                  name_cases[_i].base);
    ck_assert_int_eq(r.verify, X509_V_ERR_HOSTNAME_MISMATCH);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_HOST_MISMATCH);
}
END_TEST

START_TEST(ee_needs_no_name)
{
    struct dl_error err;
    char *rec = cert_set_tlsa(set, "wrongname", 3, 1, 1, &err);
    struct dane_tls_setup st = {.has_now = true, .now = NOW}; /* no base domain, no SNI */
    struct dane_tls_result r = judge("wrongname", CERT_CHAIN_SERVED, &st, &rec, 1);
    free(rec);
    ck_assert_msg(r.authenticated, "%s", r.verify_text);
}
END_TEST

START_TEST(names_are_bounded)
{
    struct dane_tls_setup st = {0};
    for (int i = 0; i < DANE_TLS_MAX_NAMES; i++)
        ck_assert_int_eq(dane_tls_setup_add_name(&st, "d.test"), 0);
    ck_assert_int_eq(dane_tls_setup_add_name(&st, "d.test"), -1);
    ck_assert_int_eq(dane_tls_setup_add_name(&st, NULL), 0);
    ck_assert_uint_eq(st.n_names, DANE_TLS_MAX_NAMES);
}
END_TEST

/* --- large RRsets: nothing is cut ------------------------------------------ */

#define BIG_RRSET 40

/* BIG_RRSET records "3 1 1" of nothing, the last one replaced by `last`. */
static char **big_rrset(char *last)
{
    char **recs = calloc(BIG_RRSET, sizeof(*recs));
    ck_assert_ptr_nonnull(recs);
    for (int i = 0; i < BIG_RRSET - 1; i++)
        recs[i] = dl_xasprintf("3 1 1 %064x", i + 1);
    recs[BIG_RRSET - 1] = last;
    return recs;
}

static void free_rrset(char **recs)
{
    for (int i = 0; i < BIG_RRSET; i++)
        free(recs[i]);
    free(recs);
}

START_TEST(forty_records_last_matches)
{
    struct dl_error err;
    char **recs = big_rrset(cert_set_tlsa(set, "leaf", 3, 1, 1, &err));
    struct dane_tls_setup st = {.sni = "mx1.verify.test", .has_now = true, .now = NOW};
    struct dane_tls_result r = judge("leaf", CERT_CHAIN_SERVED, &st, recs, BIG_RRSET);
    free_rrset(recs);
    ck_assert_msg(r.authenticated, "record %d of %d: %s", BIG_RRSET, BIG_RRSET, r.verify_text);
}
END_TEST

START_TEST(forty_records_none_matches)
{
    char **recs = big_rrset(dl_xasprintf("3 1 1 %064x", 0));
    struct dane_tls_setup st = {.sni = "mx1.verify.test", .has_now = true, .now = NOW};
    struct dane_tls_result r = judge("leaf", CERT_CHAIN_SERVED, &st, recs, BIG_RRSET);
    free_rrset(recs);
    ck_assert(!r.authenticated);
    ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_NO_TLSA_MATCH);
}
END_TEST

/* --- the time of judgement: @0 is the epoch, not "the clock" --------------- */

/* A CA and a leaf valid from a day ago to a year on, by the clock. */
static cert_set *clock_set(char *tmp)
{
    const struct cert_spec specs[] = {
        {.name = "ca", .ca = true, .not_before = -86400, .not_after = 3650 * 86400},
        {.name = "leaf",
         .issuer = "ca",
         .names = mx_names,
         .n_names = 1,
         .not_before = -86400,
         .not_after = 365 * 86400},
    };
    struct cert_set_params p = {.dir = tmp, .now = time(NULL)};
    struct dl_error err;
    cert_set *cs;
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    cs = cert_set_build(&p, specs, 2, NULL, &err);
    ck_assert_msg(cs != NULL, "%s", err.msg);
    return cs;
}

/* _i: 0 the clock (valid), 1 the epoch (not yet valid) */
START_TEST(epoch_is_a_time)
{
    char tmp[] = "/tmp/check-dane-verify-clock-XXXXXX";
    cert_set *cs = clock_set(tmp);
    struct dl_error err;
    char *ta = cert_set_tlsa(cs, "ca", 2, 1, 1, &err), *cmd = dl_xasprintf("rm -rf '%s'", tmp);
    STACK_OF(X509) *chain = cert_set_chain(cs, "leaf", CERT_CHAIN_FULL, &err);
    struct dane_tlsa rec;
    struct dane_tls_setup st = {
        .sni = "mx1.verify.test", .tlsa = &rec, .n_tlsa = 1, .has_now = _i == 1, .now = 0};
    struct dane_tls_result r;
    ck_assert_msg(ta && chain, "%s", err.msg);
    ck_assert_int_eq(dane_tlsa_from_text(ta, &rec), 0);
    ck_assert_msg(dane_tls_verify_chain(ctx, &st, chain, &r, &err) == 0, "%s", err.msg);
    if (_i == 0)
        ck_assert_msg(r.authenticated && !r.leaf_not_yet_valid, "by the clock: %s", r.verify_text);
    else {
        ck_assert_msg(!r.authenticated, "at the epoch the chain is not yet valid");
        ck_assert(r.leaf_not_yet_valid);
        ck_assert_int_eq(dane_tls_failure_reason(&r), DANE_R_CERT_NOT_YET_VALID);
    }
    dane_tlsa_clear(&rec);
    sk_X509_pop_free(chain, X509_free);
    cert_set_free(cs);
    free(ta);
    if (system(cmd) != 0) {
        /* a leftover temporary directory is harmless */
    }
    free(cmd);
}
END_TEST

/* --- TLSA usability: the client agrees with SSL_dane_tlsa_add() ------------ */

enum { D_CERT, D_SPKI, D_GARBAGE, D_32, D_64, D_EMPTY, D_CERT_TAIL, D_SPKI_TAIL, D_KINDS };
static const char *const kind_names[] = {"cert DER",          "SPKI DER",         "garbage",
                                         "32 bytes",          "64 bytes",         "empty",
                                         "cert DER + 1 byte", "SPKI DER + 1 byte"};

/* Association data of `kind` (a new buffer of *len bytes, at least 1). */
static unsigned char *make_data(int kind, size_t *len)
{
    static const unsigned char garbage[] = {0x30, 0x82, 0x01, 0x00, 'n', 'o',
                                            't',  ' ',  'D',  'E',  'R'};
    X509 *x = cert_set_cert(set, "leaf");
    unsigned char *der = NULL, *buf;
    int n = 0;
    if (kind == D_CERT || kind == D_CERT_TAIL)
        n = i2d_X509(x, &der);
    else if (kind == D_SPKI || kind == D_SPKI_TAIL)
        n = i2d_PUBKEY(X509_get0_pubkey(x), &der);
    ck_assert_int_ge(n, 0);
    *len = kind == D_GARBAGE ? sizeof(garbage)
           : kind == D_32    ? 32
           : kind == D_64    ? 64
           : kind == D_EMPTY ? 0
                             : (size_t)n + (kind == D_CERT_TAIL || kind == D_SPKI_TAIL);
    buf = calloc(*len + 1, 1);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xab, *len);
    if (kind == D_GARBAGE)
        memcpy(buf, garbage, sizeof(garbage));
    if (der)
        memcpy(buf, der, (size_t)n);
    OPENSSL_free(der);
    return buf;
}

/* SSL_dane_tlsa_add() on a fresh SSL with DANE enabled. */
static int openssl_verdict(const struct dane_tlsa *t)
{
    SSL *ssl = SSL_new(ctx);
    int rc;
    ck_assert_ptr_nonnull(ssl);
    ck_assert_int_gt(SSL_dane_enable(ssl, "mx1.verify.test"), 0);
    rc = SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype, t->data, t->len);
    ERR_clear_error();
    SSL_free(ssl);
    return rc;
}

/* One record "u sel m" with data of `kind`: the client and OpenSSL agree. */
static void usability_case(int u, int sel, int m, int kind)
{
    struct dane_tlsa rec = {.usage = (uint8_t)u, .selector = (uint8_t)sel, .mtype = (uint8_t)m};
    int ours, theirs;
    rec.data = make_data(kind, &rec.len);
    ours = dane_tlsa_classify(&rec);
    theirs = openssl_verdict(&rec);
    ck_assert_int_ge(ours, 0);
    if (kind == D_EMPTY && m == 0) {
        /* OpenSSL copies the data with OPENSSL_malloc(0), which is NULL,
         * and reports a memory failure (< 0) once usage, selector and
         * matching type pass: an empty Full record is no certificate and
         * no key, and the client never passes it on */
        ck_assert_msg(ours == 0, "%d %d %d empty: usable", u, sel, m);
        ck_assert_int_lt(theirs, u <= 3 && sel <= 1 ? 0 : 1);
    } else if (u == 0 || u == 1) {
        /* by design (RFC 7672 3.1.3): unusable for SMTP, though OpenSSL
         * takes them exactly as it takes the same record as DANE-EE(3) */
        struct dane_tlsa ee = rec;
        ck_assert_int_ge(theirs, 0);
        ck_assert_msg(ours == 0 && strstr(rec.unusable, "PKIX"), "%d %d %d %s: usable", u, sel, m,
                      kind_names[kind]);
        ee.usage = 3;
        ck_assert_int_eq(theirs > 0, dane_tlsa_classify(&ee) > 0);
    } else {
        ck_assert_int_ge(theirs, 0);
        ck_assert_msg((ours > 0) == (theirs > 0), "%d %d %d %s: client %s (%s), OpenSSL %s", u, sel,
                      m, kind_names[kind], ours > 0 ? "usable" : "unusable",
                      rec.unusable ? rec.unusable : "-", theirs > 0 ? "usable" : "unusable");
    }
    free(rec.data);
}

/* _i = (usage * 3 + selector) * 4 + matching: usages 0..4, selectors
 * 0..2, matching types 0..3, each with every kind of data. */
START_TEST(usability_agrees_with_openssl)
{
    for (int kind = 0; kind < D_KINDS; kind++)
        usability_case(_i / 12, _i / 4 % 3, _i % 4, kind);
}
END_TEST

Suite *dane_verify_suite(void)
{
    Suite *s = suite_create("dane_verify");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    TCase *use = tcase_create("Usability");
    size_t n_names = sizeof(name_cases) / sizeof(name_cases[0]);
    /* The certificate set and the context are only read by the tests:
     * built once per test case, not once per test (22 certificates: under
     * valgrind, 95 s of the suite's time went into building them). */
    tcase_add_unchecked_fixture(pos, setup, teardown);
    tcase_add_unchecked_fixture(neg, setup, teardown);
    tcase_add_unchecked_fixture(use, setup, teardown);
    tcase_set_timeout(pos, 60);
    tcase_set_timeout(neg, 60);
    tcase_set_timeout(use, 60);
    tcase_add_loop_test(pos, ee_matrix, 0, 6);
    tcase_add_loop_test(pos, ta_matrix_intermediate, 0, 6);
    tcase_add_loop_test(pos, ta_matrix_root, 0, 6);
    tcase_add_test(pos, ee_ignores_names_and_dates);
    tcase_add_test(pos, ee_needs_no_name);
    tcase_add_test(pos, forty_records_last_matches);
    tcase_add_loop_test(pos, epoch_is_a_time, 0, 1);
    tcase_add_loop_test(neg, epoch_is_a_time, 1, 2);
    tcase_add_loop_test(pos, ta_reference_names, 0, 7);
    tcase_add_loop_test(neg, ta_reference_names, 7, (int)n_names);
    tcase_add_test(neg, names_are_bounded);
    tcase_add_test(neg, forty_records_none_matches);
    tcase_add_test(neg, ta_checks_names);
    tcase_add_test(neg, ta_checks_dates);
    tcase_add_test(neg, ta_missing_intermediate);
    tcase_add_test(neg, pkix_usages_unusable);
    tcase_add_loop_test(neg, ta_path_constraints, 0, 2);
    tcase_add_test(pos, ta_name_constraints_met);
    tcase_add_test(pos, ta_full_cert_in_dns_only);
    tcase_add_loop_test(use, usability_agrees_with_openssl, 0, 5 * 3 * 4);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    suite_add_tcase(s, use);
    return s;
}
