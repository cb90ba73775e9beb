/*
 * Unit tests for lab/scenario: expect: (scen_expect.c): alternatives, matching an
 * outcome, per-RRset DNS verdicts, the dns-* catalogue's expectations and
 * the tlsrpt key.
 */
#include "testutil_scen.h"
#include "dl_util.h"
#include "scen.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *scen_expect_suite(void);

/* any:, rfc: (string or list, kept as written), probe: and note:. */
START_TEST(alternatives)
{
    struct scen *s = tu_load_ok("data/scen/expect/alternatives.yaml");
    const struct scen_accept *d = &s->expect[SCEN_PROFILE_RFC7672].deliver;
    const struct scen_accept *p = &s->expect[SCEN_PROFILE_RFC7672].probe;
    const struct scen_accept *x = &s->expect[SCEN_PROFILE_EXCHANGE_ONLINE].deliver;
    ck_assert_uint_eq(s->n_rfc, 1);
    ck_assert_str_eq(s->rfc[0], "RFC 7672 2.2.2");
    ck_assert(d->set);
    ck_assert_uint_eq(d->n_alt, 2);
    ck_assert_uint_eq(d->alt[1].loc.line, 12);
    ck_assert_str_eq(d->alt[0].status, "delivered");
    ck_assert_str_eq(d->alt[0].reason, "authenticated");
    ck_assert_str_eq(d->alt[1].code, "4.7.323");
    ck_assert_str_eq(d->alt[1].tlsrpt, "tlsa-invalid");
    ck_assert_str_eq(d->alt[1].note, "a client that delays");
    ck_assert_uint_eq(d->n_rfc, 2);
    ck_assert_str_eq(d->rfc[0], "RFC 7672 2.2.2 (MAY)");
    ck_assert_str_eq(d->rfc[1], "RFC 5321 5.1");
    ck_assert(p->set);
    ck_assert_uint_eq(p->n_alt, 1);
    ck_assert_str_eq(p->alt[0].code, "2.0.0");
    ck_assert_str_eq(p->rfc[0], "RFC 7672 2.2");
    ck_assert_uint_eq(x->n_alt, 1);
    ck_assert_str_eq(x->alt[0].note, "seed 001: the message bounces");
    ck_assert(!s->expect[SCEN_PROFILE_EXCHANGE_ONLINE].probe.set);
    scen_free(s);
}
END_TEST

/* An outcome meets an expectation when it meets any alternative; the
 * index says which; what differs names every alternative. */
START_TEST(accept_match)
{
    struct scen *s = tu_load_ok("data/scen/expect/alternatives.yaml");
    const struct scen_accept *d = &s->expect[SCEN_PROFILE_RFC7672].deliver;
    const struct scen_accept *x = &s->expect[SCEN_PROFILE_EXCHANGE_ONLINE].deliver;
    char why[256];
    ck_assert_int_eq(
        scen_accept_match(d, "delivered", "2.0.0", "authenticated", NULL, why, sizeof(why)), 0);
    ck_assert_int_eq(scen_accept_match(d, "deferred", "4.7.323", "no-tlsa-match", "tlsa-invalid",
                                       why, sizeof(why)),
                     1);
    ck_assert_int_eq(
        scen_accept_match(d, "delivered", "2.0.0", "opportunistic-tls", NULL, why, sizeof(why)),
        -1);
    ck_assert_str_eq(why, "expected one of delivered 2.0.0 (authenticated) | deferred 4.7.323, "
                          "observed delivered 2.0.0 (opportunistic-tls)");
    ck_assert_int_eq(
        scen_accept_match(x, "deferred", "4.0.0", "smtp-tempfail", NULL, why, sizeof(why)), -1);
    ck_assert_str_eq(why, "expected bounced 5.0.0, observed deferred 4.0.0");
    ck_assert(scen_accept_allows(d, "deferred") && !scen_accept_allows(d, "bounced"));
    scen_free(s);
}
END_TEST

/* tlsrpt: none publishes nothing; a literal is kept as written. */
START_TEST(tlsrpt_key)
{
    struct scen *s = tu_load_ok("data/scen/tlsrpt/tlsrpt-none.yaml");
    ck_assert_ptr_null(s->tlsrpt);
    scen_free(s);
    s = tu_load_ok("data/scen/tlsrpt/tlsrpt-literal.yaml");
    ck_assert_str_eq(s->tlsrpt, "v=TLSRPTv1; rua=ftp://literal.test/\"x\"");
    ck_assert_uint_eq(s->tlsrpt_loc.line, 5);
    scen_free(s);
}
END_TEST

/* tls_fault, chain, reply and sni, and their defaults (full.yaml has none). */
/* expect: dns: per-RRset verdicts, the MX one also as expect_dnssec. */
START_TEST(dns_expectations)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    struct scen *s;
    path = tu_write_temp("dnsx",
                         "name: dnsx\nsummary: per-RRset verdicts\nmx:\n  - host: mx1\n"
                         "expect:\n  dns:\n    mx: secure\n    a: nodata\n"
                         "    tlsa: {verdict: bogus, reason: signature expired}\n",
                         dir);
    s = tu_load_ok(path);
    ck_assert_int_eq(s->expect_dnssec, SCEN_DNSSEC_SECURE);
    ck_assert_int_eq(s->expect_dns[SCEN_RRSET_MX].verdict, SCEN_DNSSEC_SECURE);
    ck_assert_int_eq(s->expect_dns[SCEN_RRSET_A].verdict, SCEN_DNSSEC_NODATA);
    ck_assert_int_eq(s->expect_dns[SCEN_RRSET_TLSA].verdict, SCEN_DNSSEC_BOGUS);
    ck_assert_str_eq(s->expect_dns[SCEN_RRSET_TLSA].reason, "signature expired");
    ck_assert_uint_eq(s->expect_dns[SCEN_RRSET_TLSA].loc.line, 9);
    ck_assert_ptr_null(s->expect_dns[SCEN_RRSET_A].reason);
    scen_free(s);
    tu_remove_temp(path, dir);
}
END_TEST

#define BY_HEAD                                                                                    \
    "name: dnsby\nsummary: per-validator verdicts\nmx:\n  - host: mx1\nexpect:\n  dns:\n"          \
    "    tlsa: {verdict: bogus, reason: proof}\n"

/* expect: dns: VALIDATOR: a validator's own verdicts, with why and ref;
 * scen_expected_dns gives them to that validator only. */
START_TEST(dns_by_validator)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    struct scen *s;
    struct scen_verdict v;
    path =
        tu_write_temp("dnsby",
                      BY_HEAD "    pdns:\n      tlsa: servfail\n      why: no CD answer\n"
                              "      ref: RFC 4035 3.2.2\n    knot: {a: bogus, why: w, ref: r}\n",
                      dir);
    s = tu_load_ok(path);
    ck_assert(s->expect_dns_by[SCEN_VALIDATOR_PDNS].set);
    ck_assert(!s->expect_dns_by[SCEN_VALIDATOR_BIND].set);
    ck_assert_str_eq(s->expect_dns_by[SCEN_VALIDATOR_PDNS].why, "no CD answer");
    ck_assert_str_eq(s->expect_dns_by[SCEN_VALIDATOR_PDNS].ref, "RFC 4035 3.2.2");
    ck_assert_uint_eq(s->expect_dns_by[SCEN_VALIDATOR_PDNS].loc.line, 9);
    v = scen_expected_dns(s, SCEN_RRSET_TLSA, SCEN_VALIDATOR_PDNS);
    ck_assert_int_eq(v.verdict, SCEN_DNSSEC_SERVFAIL);
    v = scen_expected_dns(s, SCEN_RRSET_TLSA, SCEN_VALIDATOR_BIND);
    ck_assert_int_eq(v.verdict, SCEN_DNSSEC_BOGUS);
    ck_assert_str_eq(v.reason, "proof");
    /* knot's bogus needs no keyword: only libunbound's reason is read */
    v = scen_expected_dns(s, SCEN_RRSET_A, SCEN_VALIDATOR_KNOT);
    ck_assert_int_eq(v.verdict, SCEN_DNSSEC_BOGUS);
    ck_assert_ptr_null(v.reason);
    ck_assert_int_eq(scen_expected_dns(s, SCEN_RRSET_MX, SCEN_VALIDATOR_KNOT).verdict,
                     SCEN_DNSSEC_SECURE); /* derived: not stated for knot */
    scen_free(s);
    tu_remove_temp(path, dir);
}
END_TEST

/* What a validator's verdicts must have, each said with file:line. */
START_TEST(dns_by_errors)
{
    tu_load_fails("dnsby", BY_HEAD "    pdns: {tlsa: servfail, ref: r}\n",
                  "8: missing required key 'why'");
    tu_load_fails("dnsby", BY_HEAD "    bind: {tlsa: servfail, why: w}\n",
                  "8: missing required key 'ref'");
    tu_load_fails("dnsby", BY_HEAD "    bind: {why: w, ref: r}\n",
                  "8: key 'bind': states no verdict: give the RRsets (mx, a, tlsa, aaaa) where "
                  "bind differs");
    tu_load_fails("dnsby", BY_HEAD "    bind: {tlsa: bogus, why: w, ref: r, x: 1}\n",
                  "8: unknown key 'x' in dns: bind (expected one of: mx, a, tlsa, aaaa, why, ref)");
    tu_load_fails("dnsby", BY_HEAD "    bind: {tlsa: servfail, why: \"\", ref: r}\n",
                  "8: key 'bind': a validator's own verdicts need why it differs and a reference "
                  "(why: TEXT, ref: \"RFC 9276 3.2\" or its documentation)");
    tu_load_fails("dnsby", BY_HEAD "    unbound: {tlsa: bogus, why: w, ref: r}\n",
                  "8: key 'tlsa': a bogus verdict needs the keyword the validator's reason must "
                  "contain: {verdict: bogus, reason: WORD}");
}
END_TEST

/* Every scenario of the catalogue loads; each dns-* one names its fault
 * and declares the three verdicts, bogus ones with a keyword. */
START_TEST(dns_catalogue)
{
    const char *paths[] = {"../../lab/scenarios"};
    scen_catalog *c = NULL;
    struct dl_error err = {{0}};
    size_t n_dns = 0;
    ck_assert_msg(scen_catalog_load(paths, 1, &c, &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < scen_catalog_count(c); i++) {
        const struct scen *s = scen_catalog_get(c, i);
        if (strncmp(s->name, "dns-", 4) != 0)
            continue;
        n_dns++;
        ck_assert_msg(s->n_faults >= 1 && strcmp(s->faults[0].name, s->name + 4) == 0,
                      "%s: first fault must be %s", s->name, s->name + 4);
        for (int r = 0; r < SCEN_RRSET_COUNT; r++) {
            if (r == SCEN_RRSET_AAAA) /* the lab publishes no AAAA of its own */
                continue;
            ck_assert_msg(s->expect_dns[r].verdict != SCEN_DNSSEC_UNSET, "%s: no %s verdict",
                          s->name, scen_rrset_name((enum scen_rrset)r));
            ck_assert(s->expect_dns[r].verdict != SCEN_DNSSEC_BOGUS ||
                      s->expect_dns[r].reason != NULL);
        }
    }
    ck_assert_uint_ge(n_dns, 18);
    scen_catalog_free(c);
}
END_TEST

/* Each ns-* scenario (a misbehaving name server) has `misbehave:` rules on
 * some zone of its own and no fault, and declares the MX and A verdicts. */
START_TEST(ns_catalogue)
{
    const char *paths[] = {"../../lab/scenarios"};
    scen_catalog *c = NULL;
    struct dl_error err = {{0}};
    size_t n_ns = 0;
    ck_assert_msg(scen_catalog_load(paths, 1, &c, &err) == 0, "%s", err.msg);
    for (size_t i = 0; i < scen_catalog_count(c); i++) {
        const struct scen *s = scen_catalog_get(c, i);
        size_t rules = s->zone.n_misbehave;
        if (strncmp(s->name, "ns-", 3) != 0)
            continue;
        n_ns++;
        for (size_t k = 0; k < s->n_zones; k++)
            rules += s->zones[k].n_misbehave;
        ck_assert_msg(rules > 0 && s->n_faults == 0, "%s: misbehave: rules, no faults", s->name);
        ck_assert_msg(s->expect_dns[SCEN_RRSET_MX].verdict != SCEN_DNSSEC_UNSET &&
                          s->expect_dns[SCEN_RRSET_A].verdict != SCEN_DNSSEC_UNSET,
                      "%s: no MX or A verdict", s->name);
    }
    ck_assert_uint_ge(n_ns, 10);
    scen_catalog_free(c);
}
END_TEST

Suite *scen_expect_suite(void)
{
    Suite *s = suite_create("scen_expect");
    TCase *pos = tcase_create("Positive");
    tcase_add_test(pos, tlsrpt_key);
    tcase_add_test(pos, alternatives);
    tcase_add_test(pos, accept_match);
    tcase_add_test(pos, dns_expectations);
    tcase_add_test(pos, dns_catalogue);
    tcase_add_test(pos, ns_catalogue);
    tcase_add_test(pos, dns_by_validator);
    tcase_add_test(pos, dns_by_errors);
    suite_add_tcase(s, pos);
    return s;
}
