/*
 * check_imp_import: the mapping of `danelab import` from evidence to a
 * scenario's keys (imp_scenario): faults inferred from the validator's
 * reasons (why_bogus, EDE text) and from the DS and DNSKEY records, the
 * servers' behaviours (STARTTLS none, reject, close, a failed handshake,
 * TLS 1.2), the TLSA stand-in where the records are unknown, and the
 * expectation (an unknown outcome said, never invented).
 */
#include "imp_evidence.h"
#include "imp_import.h"
#include "imp_sclient.h"
#include "dl_json.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *imp_import_suite(void);

#define KSK                                                                                        \
    "257 3 13 "                                                                                    \
    "+XpWh86S6nEwxpQeQ525oAQwJGViTpLk2o9CYi+Fp7Ks4cuQ/GpIhwY6ccH6fouxbzmX3fuO3qgNOPAkV5CG0A=="
#define KSK_TAG "22983"

static const char outcome_ok[] =
    "{\"rfc7672\": {\"status\": \"delivered\", \"code\": \"2.0.0\", \"reason\": "
    "\"authenticated\", \"tlsrpt\": null, \"detail\": \"\"}, \"exchange-online\": {\"status\": "
    "\"delivered\", \"code\": \"2.0.0\", \"reason\": \"authenticated\", \"tlsrpt\": null, "
    "\"detail\": \"\"}}";

/* An RRset object. */
static char *rrset(const char *status, const char *why, const char *records)
{
    return dl_xasprintf("{\"name\": \"n.\", \"type\": \"X\", \"status\": \"%s\", \"why\": "
                        "\"%s\", \"records\": [%s]}",
                        status, why, records);
}

/* The scenario for evidence of a.test. with one host (its A, AAAA and
 * TLSA RRsets and servers as given), zones and an outcome; notes into
 * *notes. */
static char *scenario_full(const char *a, const char *aaaa, const char *tlsa, const char *server,
                           const char *zones, const char *outcome, char **notes)
{
    char *mx = rrset("secure", "", "\"10 mx1.a.test.\"");
    char *text = dl_xasprintf(
        "{\"format\": \"danelab-evidence\", \"version\": 1, \"domain\": \"a.test.\", "
        "\"captured_at\": \"2026-01-01T00:00:00Z\", \"port\": 25, \"resolver\": \"r\", \"notes\": "
        "[], \"mx\": %s, \"hosts\": [{\"name\": \"mx1.a.test.\", \"preference\": 10, \"a\": %s, "
        "\"aaaa\": %s, \"tlsa\": %s, \"servers\": [%s]}], \"zones\": [%s], \"outcome\": %s}",
        mx, a, aaaa, tlsa, server, zones, outcome);
    struct dl_error err;
    struct dl_buf y = {0}, n = {0};
    json_t *ev = imp_evidence_parse(text, strlen(text), &err);
    char *out;
    ck_assert_msg(ev != NULL, "%s", err.msg);
    ck_assert_msg(imp_scenario(ev, "t.json", &y, &n, &err) == 0, "%s", err.msg);
    out = dl_xstrdup(dl_buf_str(&y));
    *notes = dl_xstrdup(dl_buf_str(&n));
    json_decref(ev);
    dl_buf_free(&y);
    dl_buf_free(&n);
    free(text);
    free(mx);
    return out;
}

/* The same with one IPv4 address. */
static char *scenario(const char *tlsa, const char *server, const char *zones, const char *outcome,
                      char **notes)
{
    char *a = rrset("secure", "", "\"192.0.2.1\""), *aaaa = rrset("secure", "", "");
    char *y = scenario_full(a, aaaa, tlsa, server, zones, outcome, notes);
    free(a);
    free(aaaa);
    return y;
}

static const char server_ok[] =
    "{\"address\": \"192.0.2.1\", \"port\": 25, \"banner\": {\"code\": 220, \"text\": \"\"}, "
    "\"ehlo\": {\"code\": 250, \"keywords\": [\"STARTTLS\"]}, \"starttls\": {\"code\": 220, "
    "\"text\": \"\"}, \"tls\": {\"version\": \"TLSv1.3\", \"cipher\": \"c\", \"sni\": null, "
    "\"certificates\": []}}";

START_TEST(tlsa_why_bogus_becomes_fault)
{
    static const struct {
        const char *why, *fault;
    } cases[] = {
        {"validation failure <x>: signature expired from 1.2.3.4", "rrsig-expired"},
        {"EDE 7 (Signature Expired)", "rrsig-expired"},
        {"validation failure <x>: signature before inception date", "rrsig-not-yet-valid"},
        {"validation failure <x>: signature crypto failed", "rrsig-bad-signature"},
        {"validation failure <x>: no signatures", "rrsig-missing"},
        {"EDE 10 (RRSIGs Missing) no signatures", "rrsig-missing"},
        {"validation failure <x>: signatures from unknown keys", "rrsig-unknown-key"},
        {"validation failure <x>: nodata proof failed", "nsec-type-bitmap-lies"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *tlsa = rrset("bogus", cases[i].why, "\"3 1 1 00\""), *notes;
        char *y = scenario(tlsa, server_ok, "", outcome_ok, &notes);
        char *want =
            dl_xasprintf("{fault: %s, target: tlsa, host: mx1.a.test.test}", cases[i].fault);
        ck_assert_msg(strstr(y, want), "case %zu (%s): %s", i, cases[i].why, y);
        free(want);
        free(y);
        free(notes);
        free(tlsa);
    }
}
END_TEST

START_TEST(unknown_why_is_listed_not_guessed)
{
    char *tlsa = rrset("bogus", "something new", "\"3 1 1 00\""), *notes;
    char *y = scenario(tlsa, server_ok, "", outcome_ok, &notes);
    ck_assert_ptr_null(strstr(y, "faults:"));
    ck_assert_ptr_nonnull(strstr(notes, "bogus for a reason the lab has no fault for"));
    free(y);
    free(notes);
    free(tlsa);
}
END_TEST

/* The domain's zone with a bogus DNSKEY RRset: the fault from the records. */
static char *zone_scenario(const char *keys, const char *ds, const char *why, char **notes)
{
    char *dnskey = rrset("bogus", why, keys), *dsr = rrset("secure", "", ds);
    char *z = dl_xasprintf("{\"name\": \"a.test.\", \"ds\": %s, \"dnskey\": %s, \"nsec3param\": "
                           "{\"name\": \"a.test.\", \"type\": \"NSEC3PARAM\", \"status\": "
                           "\"secure\", \"records\": []}}",
                           dsr, dnskey);
    char *tlsa = rrset("secure", "", "\"3 1 1 00\"");
    char *y = scenario(tlsa, server_ok, z, outcome_ok, notes);
    free(dnskey);
    free(dsr);
    free(z);
    free(tlsa);
    return y;
}

START_TEST(dnskey_faults_from_records)
{
    static const struct {
        const char *keys, *ds, *why, *fault;
    } cases[] = {
        {"\"" KSK "\"", "\"" KSK_TAG " 13 2 00\"", "x", "ds-digest-mismatch"},
        {"\"" KSK "\"", "\"" KSK_TAG " 8 2 00\"", "x", "ds-algorithm-mismatch"},
        {"\"" KSK "\"", "\"1 13 2 00\"", "x", "ds-no-matching-key"},
        {"\"385 3 13 +XpWh86S6nEwxpQeQ525oAQwJGViTpLk2o9CYi+Fp7Ks4cuQ/"
         "GpIhwY6ccH6fouxbzmX3fuO3qgNOPAkV5CG0A==\"",
         "\"1 13 2 00\"", "x", "dnskey-revoked"},
        {"\"" KSK "\"", "\"1 13 2 00\"", "signature expired", "dnskey-rrsig-expired"},
        {"", "\"1 13 2 00\"", "x", "ds-without-dnskey"},
        /* the keys hidden by a SERVFAIL (dig): Unbound's words decide */
        {"", "\"1 13 2 00\"", "EDE 6 (from t.dig:3) no keys have a DS with algorithm",
         "ds-no-matching-key"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *notes, *y = zone_scenario(cases[i].keys, cases[i].ds, cases[i].why, &notes);
        char *want = dl_xasprintf("{fault: %s, ", cases[i].fault);
        ck_assert_msg(strstr(y, want), "case %zu: %s", i, y);
        free(want);
        free(y);
        free(notes);
    }
}
END_TEST

START_TEST(server_behaviours)
{
    static const struct {
        const char *server, *want;
    } cases[] = {
        {"{\"address\": \"x\", \"port\": 25, \"banner\": {\"code\": 220, \"text\": \"\"}, "
         "\"ehlo\": {\"code\": 250, \"keywords\": []}}",
         "    starttls: none\n"},
        {"{\"address\": \"x\", \"port\": 25, \"banner\": {\"code\": 220, \"text\": \"\"}, "
         "\"ehlo\": {\"code\": 250, \"keywords\": [\"STARTTLS\"]}, \"starttls\": {\"code\": 454, "
         "\"text\": \"\"}}",
         "    starttls: reject\n"},
        {"{\"address\": \"x\", \"port\": 25, \"banner\": {\"code\": 220, \"text\": \"\"}, "
         "\"ehlo\": {\"code\": 250, \"keywords\": [\"STARTTLS\"]}, \"starttls\": {\"code\": null, "
         "\"text\": \"\"}}",
         "    starttls: close\n"},
        {"{\"address\": \"x\", \"port\": 25, \"banner\": {\"code\": 220, \"text\": \"\"}, "
         "\"ehlo\": {\"code\": 250, \"keywords\": [\"STARTTLS\"]}, \"starttls\": {\"code\": 220, "
         "\"text\": \"\"}}",
         "    tls_fault: abort-after-hello\n"},
        {"{\"address\": \"x\", \"port\": 25, \"banner\": {\"code\": 220, \"text\": \"\"}, "
         "\"ehlo\": {\"code\": 250, \"keywords\": [\"STARTTLS\"]}, \"starttls\": {\"code\": 220, "
         "\"text\": \"\"}, \"tls\": {\"version\": \"TLSv1.2\", \"cipher\": \"c\", \"sni\": null, "
         "\"certificates\": []}}",
         "    tls_max: \"1.2\"\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *tlsa = rrset("secure", "", "\"3 1 1 00\""), *notes;
        char *y = scenario(tlsa, cases[i].server, "", outcome_ok, &notes);
        ck_assert_msg(strstr(y, cases[i].want), "case %zu: %s", i, y);
        free(y);
        free(notes);
        free(tlsa);
    }
}
END_TEST

/* A server that never answered says nothing of STARTTLS: the lab offers it. */
START_TEST(silent_server_keeps_starttls)
{
    char *tlsa = rrset("secure", "", "\"3 1 1 00\""), *notes;
    char *y = scenario(tlsa, "{\"address\": \"x\", \"port\": 25, \"error\": \"refused\"}", "",
                       outcome_ok, &notes);
    ck_assert_ptr_null(strstr(y, "starttls:"));
    ck_assert_ptr_nonnull(strstr(notes, "no SMTP server answered (refused)"));
    free(y);
    free(notes);
    free(tlsa);
}
END_TEST

START_TEST(unknown_tlsa_records_get_a_stand_in)
{
    static const char *const status[] = {"failed", "bogus"};
    for (size_t i = 0; i < 2; i++) {
        char *tlsa = rrset(status[i], "EDE 6 (DNSSEC Bogus)", ""), *notes;
        char *y = scenario(tlsa, server_ok, "", outcome_ok, &notes);
        ck_assert_msg(strstr(y, "    tlsa: [{of: h1-c0}]\n"), "%s: %s", status[i], y);
        ck_assert_ptr_nonnull(strstr(notes, "a DANE-EE record of the lab's certificate stands in"));
        free(y);
        free(notes);
        free(tlsa);
    }
}
END_TEST

START_TEST(unknown_outcome_is_said_not_invented)
{
    char *tlsa = rrset("secure", "", "\"3 1 1 00\""), *notes;
    char *y = scenario(tlsa, server_ok, "",
                       "{\"rfc7672\": {\"error\": \"not in dig or s_client text\"}, "
                       "\"exchange-online\": {\"status\": \"deferred\", \"code\": \"4.7.323\", "
                       "\"reason\": \"\", \"tlsrpt\": null, \"detail\": \"\"}}",
                       &notes);
    ck_assert_ptr_null(strstr(y, "  rfc7672:"));
    ck_assert_ptr_nonnull(strstr(y, "  exchange-online: {status: deferred, code: 4.7.323, note:"));
    ck_assert_ptr_nonnull(strstr(notes, "the outcome under rfc7672 is unknown"));
    free(y);
    free(notes);
    free(tlsa);
}
END_TEST

/* A zone object of the given name, unsigned (no DNSKEY). */
static char *unsigned_zone(const char *name)
{
    return dl_xasprintf("{\"name\": \"%s\", \"ds\": {\"name\": \"x\", \"type\": \"DS\", "
                        "\"status\": \"insecure\", \"records\": []}, \"dnskey\": {\"name\": "
                        "\"x\", \"type\": \"DNSKEY\", \"status\": \"insecure\", \"records\": "
                        "[]}, \"nsec3param\": {\"name\": \"x\", \"type\": \"NSEC3PARAM\", "
                        "\"status\": \"insecure\", \"records\": []}}",
                        name);
}

START_TEST(tlsa_cname_becomes_tlsa_alias)
{
    char *tlsa = dl_xasprintf(
        "{\"name\": \"_25._tcp.mx1.a.test.\", \"type\": \"TLSA\", \"status\": \"insecure\", "
        "\"chain\": [{\"owner\": \"_25._tcp.mx1.a.test.\", \"type\": \"CNAME\", \"target\": "
        "\"_dane.p.test.\"}], \"records\": [\"3 1 1 00\"]}");
    char *z = unsigned_zone("p.test."), *notes;
    char *y = scenario(tlsa, server_ok, z, outcome_ok, &notes);
    ck_assert_msg(strstr(y, "    tlsa_alias: _dane.p.test.test\n"), "%s", y);
    ck_assert_msg(strstr(y, "zones:\n  - name: p.test.test\n    signed: false\n"), "%s", y);
    free(y);
    free(notes);
    free(z);
    free(tlsa);
}
END_TEST

/* The MX host a CNAME to the same label in the provider zone: mx-cname
 * (secure) or mx-cname-insecure; any other alias is listed. */
START_TEST(mx_host_cname_becomes_mx_cname)
{
    static const struct {
        const char *status, *target, *want;
    } cases[] = {
        {"insecure", "mx1.p.test.", "{fault: mx-cname-insecure, target: a}"},
        {"secure", "mx1.p.test.", "{fault: mx-cname, target: a}"},
        {"secure", "other.p.test.", NULL},
        {"secure", "mx1.elsewhere.test.", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *a = dl_xasprintf("{\"name\": \"mx1.a.test.\", \"type\": \"A\", \"status\": "
                               "\"%s\", \"chain\": [{\"owner\": \"mx1.a.test.\", \"type\": "
                               "\"CNAME\", \"target\": \"%s\"}], \"records\": [\"192.0.2.1\"]}",
                               cases[i].status, cases[i].target);
        char *aaaa = rrset(cases[i].status, "", ""), *tlsa = rrset("secure", "", "\"3 1 1 00\"");
        char *z = unsigned_zone("p.test."), *notes;
        char *y = scenario_full(a, aaaa, tlsa, server_ok, z, outcome_ok, &notes);
        if (cases[i].want)
            ck_assert_msg(strstr(y, cases[i].want), "case %zu: %s", i, y);
        else {
            ck_assert_msg(strstr(y, "mx-cname") == NULL, "case %zu: %s", i, y);
            ck_assert_ptr_nonnull(strstr(notes, "is an alias (CNAME/DNAME): published as a plain"));
        }
        free(y);
        free(notes);
        free(z);
        free(a);
        free(aaaa);
        free(tlsa);
    }
}
END_TEST

/* A server of an s_client text made in the lab, at `address`, as JSON. */
static char *lab_server(const char *file, const char *address)
{
    char *data = NULL, *out;
    size_t len;
    struct dl_error err;
    struct dl_buf notes = {0};
    struct imp_sclient sc;
    ck_assert_msg(dl_read_file(file, 1 << 20, &data, &len, &err) == 0, "%s", err.msg);
    ck_assert_msg(imp_sclient_parse(file, data, len, &sc, &notes, &err) == 0, "%s", err.msg);
    json_object_set_new(sc.server, "address", json_string(address));
    out = json_dumps(sc.server, JSON_COMPACT);
    imp_sclient_free(&sc);
    dl_buf_free(&notes);
    free(data);
    return out;
}

/* Dual stack, the IPv6 server presenting another certificate: its own
 * addresses: item, and a TLSA record matching it tied to it. */
START_TEST(per_address_certificate)
{
    char *s4 = lab_server("../integration/data/import/smtp-no-starttls.s_client", "192.0.2.1");
    char *s6 = lab_server("../integration/data/import/good.s_client", "2001:db8::1");
    char *servers = dl_xasprintf("%s, %s", s4, s6);
    char *a = rrset("secure", "", "\"192.0.2.1\""), *aaaa = rrset("secure", "", "\"2001:db8::1\"");
    /* good's TLSA record (data/import/good.dig): the IPv6 server's key */
    char *tlsa = rrset(
        "secure", "", "\"3 1 1 150FACC1C9E18900DB418024C7323819C9A0FCC2BA70DB03108CC0DAC818A519\"");
    char *notes, *y = scenario_full(a, aaaa, tlsa, servers, "", outcome_ok, &notes);
    ck_assert_msg(strstr(y,
                         "    addresses:\n      - ipv4\n      - {address: ipv6, starttls: offer, "
                         "certificate: h1-a2-c0}\n"),
                  "%s", y);
    ck_assert_msg(strstr(y, "{usage: 3, selector: 1, matching: 1, of: h1-a2-c0}"), "%s", y);
    ck_assert_msg(strstr(y, "    starttls: none\n"), "%s", y);
    ck_assert_ptr_null(strstr(notes, "behaves unlike the first"));
    free(y);
    free(notes);
    free(s4);
    free(s6);
    free(servers);
    free(a);
    free(aaaa);
    free(tlsa);
}
END_TEST

Suite *imp_import_suite(void)
{
    Suite *s = suite_create("imp_import");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, tlsa_why_bogus_becomes_fault);
    tcase_add_test(pos, dnskey_faults_from_records);
    tcase_add_test(pos, server_behaviours);
    tcase_add_test(pos, silent_server_keeps_starttls);
    tcase_add_test(pos, tlsa_cname_becomes_tlsa_alias);
    tcase_add_test(pos, mx_host_cname_becomes_mx_cname);
    tcase_add_test(pos, per_address_certificate);
    tcase_add_test(neg, unknown_why_is_listed_not_guessed);
    tcase_add_test(neg, unknown_tlsa_records_get_a_stand_in);
    tcase_add_test(neg, unknown_outcome_is_said_not_invented);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
