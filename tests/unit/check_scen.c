/*
 * Unit tests for lab/scenario: the scenario file parser (scen.c and its
 * section modules), the catalogue and scen_select. Data in data/scen/ (run
 * from tests/unit): good/ holds files that load, bad/ one file per error
 * with the exact message expected below, cat-* the catalogue conflicts.
 * Tests that depend on zone_fault.c's table write their file at run time.
 */
#include "dl_util.h"
#include "scen.h"
#include "scen_select.h"
#include "zone_fault.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

Suite *scen_suite(void);

#define BAD "data/scen/bad/"

/* ------------------------------------------------------------------ */
/* Negative: one file, one exact message                               */

static const struct {
    const char *file;
    const char *msg;
} bad_files[] = {
    {BAD "syntax.yaml",
     BAD "syntax.yaml:5: YAML syntax error: mapping values are not allowed in this context"},
    {BAD "unterminated.yaml",
     BAD "unterminated.yaml:3: YAML syntax error while parsing a flow sequence starting here: did "
         "not find expected ',' or ']' at line 4"},
    {BAD "bad-utf8.yaml", BAD "bad-utf8.yaml:2: YAML syntax error: invalid trailing UTF-8 octet"},
    {BAD "two-docs.yaml", BAD "two-docs.yaml:3: more than one YAML document"},
    {BAD "deep.yaml", BAD "deep.yaml:3: nesting deeper than 32 levels"},
    {BAD "empty.yaml", BAD "empty.yaml:1: empty file"},
    {BAD "top-list.yaml", BAD "top-list.yaml:1: expected a mapping at the top level"},
    {BAD "unknown-key.yaml",
     BAD "unknown-key.yaml:5: unknown key 'prefrence' in mx host (expected one of: host, "
         "preference, address, certificate, starttls, tls_fault, chain, reply, sni, tlsa, "
         "tlsa_at)"},
    {BAD "tls-fault.yaml", BAD "tls-fault.yaml:5: key 'tls_fault': expected one of: none, "
                               "abort-after-hello, wrong-key, got 'bad-signature'"},
    {BAD "tls-fault-no-tls.yaml",
     BAD "tls-fault-no-tls.yaml:6: key 'tls_fault': needs a handshake: starttls: offer, not "
         "'none'"},
    {BAD "chain.yaml", BAD "chain.yaml:5: key 'chain': expected one of: served, leaf, full, "
                           "no-intermediate, got 'intermediate-only'"},
    {BAD "reply-key.yaml", BAD "reply-key.yaml:6: unknown key 'quit' in reply (expected one of: "
                               "mail, rcpt, data, dot)"},
    {BAD "reply-code.yaml",
     BAD "reply-code.yaml:6: key 'rcpt': expected a 4xx or 5xx reply such as \"550 5.7.1 text\" "
         "(printable ASCII), got '250 2.1.5 ok'"},
    {BAD "reply-type.yaml", BAD "reply-type.yaml:6: key 'mail': expected a string, got a list"},
    {BAD "sni-cert.yaml", BAD "sni-cert.yaml:8: key 'sni': no certificate named 'other'"},
    {BAD "sni-name.yaml",
     BAD "sni-name.yaml:8: key 'sni': 'mail.example.com.' is not under the reserved TLD test."},
    {BAD "sni-dup.yaml",
     BAD "sni-dup.yaml:9: key 'sni': duplicate name 'alt.sni-dup.test.' (first at line 8)"},
    {BAD "sni-empty.yaml", BAD "sni-empty.yaml:5: key 'sni': expected at least one NAME: "
                               "CERTIFICATE (leave sni out for none)"},
    {BAD "expect-profile.yaml",
     BAD "expect-profile.yaml:4: unknown key 'postfix' in expect (expected one of: dnssec, dns, "
         "rfc7672, exchange-online)"},
    {BAD "dns-bogus-no-reason.yaml",
     BAD "dns-bogus-no-reason.yaml:7: key 'tlsa': a bogus verdict needs the keyword the "
         "validator's reason must contain: {verdict: bogus, reason: WORD}"},
    {BAD "dns-reason-secure.yaml",
     BAD "dns-reason-secure.yaml:7: key 'reason': only a bogus verdict takes a reason"},
    {BAD "dns-mx-twice.yaml",
     BAD "dns-mx-twice.yaml:8: key 'mx': the MX verdict is already given by 'dnssec' (line 6)"},
    {BAD "dns-no-host.yaml",
     BAD "dns-no-host.yaml:5: key 'tlsa': needs an MX host (the verdict is about the first "
         "one's)"},
    {BAD "dns-bad-verdict.yaml",
     BAD "dns-bad-verdict.yaml:7: key 'a': expected one of: secure, insecure, bogus, servfail, "
         "nxdomain, nodata, got 'valid'"},
    {BAD "fault-wrong-target.yaml",
     BAD "fault-wrong-target.yaml:6: key 'target': fault 'ds-digest-mismatch' cannot hit 'tlsa' "
         "(it takes: ds)"},
    {BAD "newline-key.yaml",
     BAD "newline-key.yaml:3: unknown key 'tag?s' in scenario (expected one of: name, summary, "
         "domain, tags, zone, zones, mx, certificates, records, faults, timeline, expect, "
         "tlsrpt, rfc)"},
    {BAD "dup-key.yaml", BAD "dup-key.yaml:3: duplicate key 'summary' (first at line 2)"},
    {BAD "any-empty.yaml", BAD "any-empty.yaml:5: key 'any': expected at least one outcome"},
    {BAD "any-not-list.yaml", BAD "any-not-list.yaml:5: key 'any': expected a list, got a mapping"},
    {BAD "any-unknown-key.yaml",
     BAD "any-unknown-key.yaml:7: unknown key 'retry' in alternative outcome (expected one of: "
         "status, code, reason, tlsrpt, note)"},
    {BAD "any-too-many.yaml",
     BAD "any-too-many.yaml:14: key 'any': at most 8 alternative outcomes, got 9"},
    {BAD "any-beside-status.yaml",
     BAD "any-beside-status.yaml:5: key 'status': not beside any: (line 7): give each outcome's "
         "status inside it"},
    {BAD "any-code-class.yaml",
     BAD "any-code-class.yaml:7: key 'code': status 'deferred' needs a 4.x.x code, got "
         "'5.7.323'"},
    {BAD "status-list.yaml",
     BAD "status-list.yaml:4: key 'status': a list of statuses is ambiguous with one code: write "
         "any: [{status: S1, code: C1}, {status: S2, code: C2}]"},
    {BAD "rfc-empty.yaml",
     BAD "rfc-empty.yaml:4: key 'rfc': expected one line of 1 to 512 printable characters"},
    {BAD "probe-retry.yaml",
     BAD "probe-retry.yaml:7: unknown key 'retry' in probe expectation (expected one of: status, "
         "code, reason, tlsrpt, note, any, rfc)"},
    {BAD "bad-record.yaml", BAD "bad-record.yaml:7: bad record 'mail A 300.1.2.3': Syntax error, "
                                "could not parse the RR's rdata"},
    {BAD "bad-record-list.yaml",
     BAD "bad-record-list.yaml:7: bad record 'mx2 AAAA 127.0.0.1': Syntax error, could not parse "
         "the RR's rdata"},
    {BAD "record-outside.yaml",
     BAD "record-outside.yaml:4: record 'www.elsewhere.test. A 127.0.0.1' is outside zone "
         "'record-outside.test.'"},
    {BAD "folded-records.yaml",
     BAD "folded-records.yaml:3: key 'records': use a literal block (|), not a folded one (>)"},
    {BAD "missing-summary.yaml", BAD "missing-summary.yaml:2: missing required key 'summary'"},
    {BAD "timeline-at.yaml", BAD "timeline-at.yaml:4: missing required key 'at'"},
    {BAD "wrong-type.yaml",
     BAD "wrong-type.yaml:5: key 'preference': expected an integer 0-65535, got 'abc'"},
    {BAD "wrong-type-list.yaml",
     BAD "wrong-type-list.yaml:3: key 'mx': expected a list, got 'mx1.wrong-type-list.test'"},
    {BAD "wrong-type-map.yaml", BAD "wrong-type-map.yaml:3: key 'zone': expected a mapping, got "
                                    "a list"},
    {BAD "bad-bool.yaml", BAD "bad-bool.yaml:4: key 'signed': expected true or false, got 'yes'"},
    {BAD "bad-algorithm.yaml",
     BAD "bad-algorithm.yaml:4: key 'algorithm': expected one of: ecdsap256sha256, rsasha256, "
         "ed25519, 13, 8, 15, got 'rsamd5'"},
    {BAD "bad-tlsa.yaml", BAD "bad-tlsa.yaml:7: bad TLSA record '3 1 1 zz': Syntax error, could "
                              "not parse the RR's rdata"},
    {BAD "tlsa-range.yaml",
     BAD "tlsa-range.yaml:5: bad TLSA record '300 1 1 abcd': expected USAGE SELECTOR MATCHING "
         "(0-255) and an even number of hex digits"},
    {BAD "tlsa-of.yaml", BAD "tlsa-of.yaml:9: key 'of': no certificate named 'ca'"},
    {BAD "unknown-fault.yaml", BAD "unknown-fault.yaml:6: unknown fault 'rrsig-expird'"},
    {BAD "fault-host.yaml",
     BAD "fault-host.yaml:8: key 'host': no mx host named 'mx9.fault-host.test.'"},
    {BAD "fault-target.yaml",
     BAD "fault-target.yaml:6: key 'target': expected one of: tlsa, mx, a, dnskey, ds, zone, "
         "aaaa, got 'txt'"},
    {BAD "tlsa-at-not-cname.yaml",
     BAD "tlsa-at-not-cname.yaml:6: key 'tlsa_at': host 'mx1.tlsa-at-not-cname.test.' is no CNAME "
         "(tlsa_at: original needs the fault mx-cname or mx-cname-insecure on it)"},
    {BAD "tlsa-at-value.yaml", BAD "tlsa-at-value.yaml:6: key 'tlsa_at': expected one of: target, "
                                   "original, got 'expanded'"},
    {BAD "mismatch.yaml",
     BAD "mismatch.yaml:1: key 'name': scenario 'other-name' must be in a file named "
         "other-name.yaml"},
    {BAD "bad-name.yaml",
     BAD "bad-name.yaml:1: key 'name': expected [a-z0-9][a-z0-9-]*, got 'Bad_Name'"},
    {BAD "bad-tag.yaml", BAD "bad-tag.yaml:3: key 'tags': expected [a-z0-9-]+, got 'Not_OK'"},
    {BAD "tlsrpt-control.yaml",
     BAD "tlsrpt-control.yaml:3: key 'tlsrpt': expected none or the record's text (printable "
         "ASCII), got 'v=TLSRPTv1;?rua=mailto:a@tlsrpt-control.test'"},
    {BAD "tlsrpt-empty.yaml", BAD "tlsrpt-empty.yaml:3: key 'tlsrpt': expected none or the "
                                  "record's text (1 to 1024 characters), got ''"},
    {BAD "tlsrpt-type.yaml", BAD "tlsrpt-type.yaml:3: key 'tlsrpt': expected a string, got a list"},
    {BAD "bad-domain.yaml",
     BAD "bad-domain.yaml:3: key 'domain': 'example.com.' is not under the reserved TLD test."},
    {BAD "bad-domain-syntax.yaml",
     BAD "bad-domain-syntax.yaml:3: key 'domain': expected a DNS name, got 'a..test'"},
    {BAD "zone-is-domain.yaml",
     BAD "zone-is-domain.yaml:4: key 'name': 'zone-is-domain.test.' is the scenario's own domain"},
    {BAD "address.yaml", BAD "address.yaml:5: key 'address': expected an IPv4 address in "
                             "127.0.0.0/8, got '10.0.0.1'"},
    {BAD "dup-host.yaml", BAD "dup-host.yaml:5: key 'host': duplicate mx host 'mx1.dup-host.test.' "
                              "(first at line 4)"},
    {BAD "empty-mx.yaml", BAD "empty-mx.yaml:3: key 'mx': expected at least one host (leave mx "
                              "out for no MX RRset)"},
    {BAD "host-cert.yaml", BAD "host-cert.yaml:5: key 'certificate': no certificate named 'leaf'"},
    {BAD "ds-unsigned.yaml",
     BAD "ds-unsigned.yaml:5: key 'ds': a DS needs a signed zone (a DS over an unsigned zone is "
         "the fault ds-without-dnskey)"},
    {BAD "nsec3-params.yaml",
     BAD "nsec3-params.yaml:4: key 'nsec3': only allowed with denial: nsec3"},
    {BAD "bad-salt.yaml", BAD "bad-salt.yaml:5: key 'salt': expected '-' or an even number of hex "
                              "digits (at most 510), got 'abc'"},
    {BAD "code-class.yaml",
     BAD "code-class.yaml:6: key 'code': status 'deferred' needs a 4.x.x code, got '5.7.324'"},
    {BAD "bad-code.yaml", BAD "bad-code.yaml:4: key 'code': expected an enhanced status code such "
                              "as 4.7.324, got '5.7'"},
    {BAD "bad-status.yaml", BAD "bad-status.yaml:4: key 'status': expected one of: delivered, "
                                "deferred, bounced, got 'queued'"},
    {BAD "bad-dnssec.yaml", BAD "bad-dnssec.yaml:4: key 'dnssec': expected one of: secure, "
                                "insecure, bogus, servfail, nxdomain, nodata, got 'valid'"},
    {BAD "cert-loop.yaml", BAD "cert-loop.yaml:5: certificate 'a': issuer chain loops"},
    {BAD "cert-issuer.yaml",
     BAD "cert-issuer.yaml:4: key 'issuer': no certificate named 'nowhere'"},
    {BAD "cert-validity.yaml",
     BAD "cert-validity.yaml:4: key 'not_after': must be later than not_before"},
    {BAD "timeline-order.yaml",
     BAD "timeline-order.yaml:5: key 'at': not later than the previous step (line 4)"},
    {BAD "timeline-negative.yaml",
     BAD "timeline-negative.yaml:4: key 'at': expected a duration >= 0, got '-1h'"},
    {BAD "retry-deferred.yaml",
     BAD "retry-deferred.yaml:7: key 'status': a final disposition is delivered or bounced (a "
         "message still deferred at the schedule's last attempt bounces), got 'deferred'"},
    {BAD "retry-codes-order.yaml",
     BAD "retry-codes-order.yaml:10: key 'at': not later than the previous attempt (line 10)"},
    {BAD "retry-attempts.yaml",
     BAD "retry-attempts.yaml:7: key 'attempts': expected an integer 1-122, got '123'"},
    {BAD "retry-attempts-eo.yaml",
     BAD "retry-attempts-eo.yaml:7: key 'attempts': expected an integer 1-27, got '28'"},
    {BAD "retry-at-eo.yaml",
     BAD "retry-at-eo.yaml:7: key 'at': expected a duration from 0 to 24h (the exchange-online "
         "schedule's last attempt), got '5d'"},
    {BAD "retry-at-rfc.yaml",
     BAD "retry-at-rfc.yaml:10: key 'at': expected a duration from 0 to 120h (the rfc7672 "
         "schedule's last attempt), got '121h'"},
    {BAD "timeline-ds-fault.yaml",
     BAD "timeline-ds-fault.yaml:7: fault ds-digest-mismatch on 'ds' cannot be set by a timeline "
         "step (it acts on the parent or on which zones exist)"},
    {BAD "validity-no-retry.yaml",
     BAD "validity-no-retry.yaml:1: zone validity applies to the runner's timeline builds only: it "
         "needs a retry expectation (expect: PROFILE: retry:)"},
    {BAD "timeline-host-unknown.yaml",
     BAD "timeline-host-unknown.yaml:8: key 'host': no mx host named "
         "'mx2.timeline-host-unknown.test.'"},
    {BAD "timeline-host-cert.yaml",
     BAD "timeline-host-cert.yaml:11: key 'certificate': no certificate named 'renewed'"},
    {BAD "timeline-host-fault.yaml",
     BAD "timeline-host-fault.yaml:11: mx host 'mx1.timeline-host-fault.test.' after this step: "
         "tls_fault wrong-key needs a handshake: starttls: offer, not 'none'"},
    {BAD "timeline-host-empty.yaml",
     BAD "timeline-host-empty.yaml:8: timeline host change: expected at least one of starttls, "
         "certificate, tls_fault, chain, tlsa beside host"},
    {"data/scen/nowhere.yaml", "data/scen/nowhere.yaml: No such file or directory"},
};

/* expect: PROFILE: retry: and timeline steps with faults (issue 6). */
START_TEST(retry_timeline)
{
    struct scen *s = NULL;
    struct dl_error err;
    const struct scen_retry *r;
    const struct scen_fault *f;
    size_t n;
    int index;
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-fault-fixed.yaml", &s, &err), 0);
    r = &s->expect[SCEN_PROFILE_RFC7672].retry;
    ck_assert(r->set);
    ck_assert_str_eq(r->status, "delivered");
    ck_assert_str_eq(r->code, "2.0.0");
    ck_assert_uint_eq(r->attempts, 3);
    ck_assert_int_eq(r->at, 90 * 60);
    ck_assert_uint_eq(r->n_codes, 2);
    ck_assert_int_eq(r->codes[1].at, 30 * 60);
    ck_assert_str_eq(r->codes[1].code, "4.7.324");
    ck_assert(scen_has_retry(s));
    ck_assert(s->timeline[0].has_faults);
    f = scen_faults_at(s, 30 * 60, &n, &index);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(index, -1);
    ck_assert_str_eq(f[0].name, "rrsig-expired");
    (void)scen_faults_at(s, 40 * 60, &n, &index);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(index, 0);
    scen_free(s);
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-signature-expires.yaml", &s, &err), 0);
    ck_assert_int_eq(s->zone.validity, 7200);
    ck_assert_int_eq(s->expect[SCEN_PROFILE_EXCHANGE_ONLINE].retry.at, 86400);
    ck_assert_int_eq(s->expect[SCEN_PROFILE_RFC7672].retry.at, 5 * 86400);
    ck_assert_uint_eq(s->expect[SCEN_PROFILE_RFC7672].retry.attempts, 122);
    scen_free(s);
}
END_TEST

/* Host-level timeline steps: only the keys given change, and changes
 * accumulate over the steps (scen_hosts_at). */
START_TEST(timeline_hosts)
{
    struct scen *s = NULL;
    struct scen_host *h;
    struct dl_error err;
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-starttls-turned-on.yaml", &s, &err),
                     0);
    ck_assert_uint_eq(s->timeline[0].n_hosts, 1);
    ck_assert(s->timeline[0].hosts[0].has_starttls);
    ck_assert(!s->timeline[0].hosts[0].has_tlsa);
    h = scen_hosts_at(s, -1);
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_NONE);
    free(h);
    h = scen_hosts_at(s, 0);
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_OFFER);
    ck_assert_str_eq(h[0].certificate, "leaf");
    ck_assert_uint_eq(h[0].n_tlsa, 1);
    free(h);
    scen_free(s);
    ck_assert_int_eq(scen_load("../../lab/scenarios/timeline-tlsa-corrected.yaml", &s, &err), 0);
    h = scen_hosts_at(s, 0);
    ck_assert_uint_eq(h[0].n_tlsa, 1);
    ck_assert_str_eq(h[0].tlsa[0].of, "leaf");
    ck_assert_str_eq(s->hosts[0].tlsa[0].of, "staging");
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_OFFER);
    free(h);
    scen_free(s);
}
END_TEST

START_TEST(bad_file)
{
    struct scen *s = NULL;
    struct dl_error err;
    memset(&err, 0, sizeof(err));
    ck_assert_msg(scen_load(bad_files[_i].file, &s, &err) == -1, "%s loaded", bad_files[_i].file);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err.msg, bad_files[_i].msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
}
END_TEST

/* Write `text` to DIR/NAME.yaml in a new temporary directory. */
static char *write_temp(const char *name, const char *text, char *dir)
{
    struct dl_error err;
    char *path;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    path = dl_xasprintf("%s/%s.yaml", dir, name);
    ck_assert_int_eq(dl_write_file(path, text, strlen(text), 0644, &err), 0);
    return path;
}

static void remove_temp(char *path, const char *dir)
{
    unlink(path);
    rmdir(dir);
    free(path);
}

/* The first fault of the catalogue that hits the TLSA RRset by default and
 * may hit MX. */
static const char *some_fault(void)
{
    size_t n;
    const struct zone_fault_info *all = zone_fault_all(&n);
    unsigned want = ZONE_TARGET_BIT(ZONE_TARGET_MX);
    for (size_t i = 0; i < n; i++)
        if ((all[i].targets & want) && all[i].default_target == ZONE_TARGET_TLSA)
            return all[i].name;
    return NULL;
}

static char *faults_yaml(const char *fault)
{
    return dl_xasprintf("name: faults\n"
                        "summary: faults by name and by mapping\n"
                        "mx:\n"
                        "  - host: mx1\n"
                        "  - host: mx2\n"
                        "faults:\n"
                        "  - %s\n"
                        "  - {fault: %s, target: mx, host: mx2}\n"
                        "timeline:\n"
                        "  - at: 1h\n"
                        "    faults: [%s]\n",
                        fault, fault, fault);
}

START_TEST(too_large)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path, *text = dl_xmalloc(1024 * 1024 + 2);
    struct scen *s = NULL;
    struct dl_error err;
    memset(text, '#', 1024 * 1024 + 1);
    text[1024 * 1024 + 1] = '\0';
    path = write_temp("big", text, dir);
    ck_assert_int_eq(scen_load(path, &s, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "at most 1048576 bytes"));
    remove_temp(path, dir);
    free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Positive                                                            */

static struct scen *load_ok(const char *path)
{
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_load(path, &s, &err) == 0, "%s", err.msg);
    return s;
}

/* Every fault zone_fault.h names loads, under its default target. */
START_TEST(every_fault_loads)
{
    size_t n;
    const struct zone_fault_info *f = &zone_fault_all(&n)[_i];
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    char *text = dl_xasprintf("name: faults\n"
                              "summary: one fault under its default target\n"
                              "mx:\n"
                              "  - host: mx1\n"
                              "faults:\n"
                              "  - %s\n",
                              f->name);
    struct scen *s;
    ck_assert_uint_eq(n, ZONE_FAULT_COUNT);
    path = write_temp("faults", text, dir);
    s = load_ok(path);
    ck_assert_uint_eq(s->n_faults, 1);
    ck_assert_str_eq(s->faults[0].name, f->name);
    scen_free(s);
    remove_temp(path, dir);
    free(text);
}
END_TEST

static void assert_record(const struct scen_record *r, unsigned line, const char *text)
{
    ck_assert_uint_eq(r->loc.line, line);
    ck_assert_str_eq(r->text, text);
    ck_assert_str_eq(r->loc.file, "data/scen/good/full.yaml");
}

static void check_full_zones(const struct scen *s)
{
    ck_assert_str_eq(s->zone.origin, "full.test.");
    ck_assert_uint_eq(s->zone.loc.line, 4);
    ck_assert(s->zone.is_signed && s->zone.ds && s->zone.nsec3);
    ck_assert_int_eq(s->zone.algorithm, 8);
    ck_assert_uint_eq(s->zone.nsec3_iterations, 5);
    ck_assert_str_eq(s->zone.nsec3_salt, "ab12");
    ck_assert_uint_eq(s->zone.n_records, 4);
    assert_record(&s->zone.records[0], 13, "www  A 127.0.0.80");
    assert_record(&s->zone.records[1], 16, "txt  TXT \"hello\"");
    assert_record(&s->zone.records[2], 40, "@ TXT \"v=spf1 -all\"");
    assert_record(&s->zone.records[3], 41,
                  "_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@full.test\"");
    ck_assert_uint_eq(s->n_zones, 2);
    ck_assert_str_eq(s->zones[0].origin, "provider.test.");
    ck_assert_uint_eq(s->zones[0].loc.line, 18);
    ck_assert(!s->zones[0].is_signed && !s->zones[0].ds);
    ck_assert_uint_eq(s->zones[0].n_records, 2);
    assert_record(&s->zones[0].records[1], 20, "@ TXT provider");
    ck_assert_str_eq(s->zones[1].origin, "signed-provider.test.");
    ck_assert(s->zones[1].is_signed && s->zones[1].ds && !s->zones[1].nsec3);
    ck_assert_int_eq(s->zones[1].algorithm, 15);
    ck_assert_ptr_null(s->zones[1].nsec3_salt);
}

static void assert_tlsa(const struct scen_tlsa *t, unsigned line, int u, int sel, int m, int port,
                        const char *of)
{
    ck_assert_uint_eq(t->loc.line, line);
    ck_assert_int_eq(t->usage, u);
    ck_assert_int_eq(t->selector, sel);
    ck_assert_int_eq(t->matching, m);
    ck_assert_int_eq(t->port, port);
    if (of == NULL)
        ck_assert_ptr_null(t->of);
    else
        ck_assert_str_eq(t->of, of);
}

static void check_full_hosts(const struct scen *s)
{
    const struct scen_host *h = s->hosts;
    ck_assert(!s->implicit_mx);
    ck_assert_uint_eq(s->n_hosts, 2);
    ck_assert_str_eq(h[0].name, "mx1.full.test.");
    ck_assert_uint_eq(h[0].loc.line, 24);
    ck_assert_uint_eq(h[0].preference, 5);
    ck_assert_str_eq(h[0].address, "127.25.1.1");
    ck_assert_str_eq(h[0].certificate, "leaf");
    ck_assert_int_eq(h[0].starttls, SCEN_STARTTLS_OFFER);
    ck_assert_uint_eq(h[0].n_tlsa, 3);
    assert_tlsa(&h[0].tlsa[0], 30, 3, 1, 1, 25, NULL);
    ck_assert_str_eq(h[0].tlsa[0].literal,
                     "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_tlsa(&h[0].tlsa[1], 31, 2, 0, 2, 465, "ca");
    assert_tlsa(&h[0].tlsa[2], 32, 3, 1, 1, 25, "leaf");
    ck_assert_ptr_null(h[0].tlsa[2].literal);
    ck_assert_str_eq(h[1].name, "mx2.provider.test.");
    ck_assert_uint_eq(h[1].preference, 10);
    ck_assert_ptr_null(h[1].address);
    ck_assert_ptr_null(h[1].certificate);
    ck_assert_int_eq(h[1].starttls, SCEN_STARTTLS_REJECT);
    ck_assert_uint_eq(h[1].n_tlsa, 0);
}

static void check_full_certs(const struct scen *s)
{
    const struct scen_cert *c = s->certs;
    ck_assert_uint_eq(s->n_certs, 3);
    ck_assert_str_eq(c[0].name, "leaf");
    ck_assert_uint_eq(c[0].loc.line, 36);
    ck_assert_str_eq(c[0].key, "rsa2048");
    ck_assert_str_eq(c[0].issuer, "ca");
    ck_assert(!c[0].ca);
    ck_assert_uint_eq(c[0].n_names, 2);
    ck_assert_str_eq(c[0].names[1], "*.full.test");
    ck_assert_int_eq(c[0].not_before, -2 * 86400);
    ck_assert_int_eq(c[0].not_after, 30 * 86400);
    ck_assert_str_eq(c[1].key, "ed25519");
    ck_assert(c[1].ca);
    ck_assert_ptr_null(c[1].issuer);
    ck_assert_uint_eq(c[1].n_names, 1); /* default: the first MX host */
    ck_assert_str_eq(c[1].names[0], "mx1.full.test");
    ck_assert_str_eq(c[2].key, "ecdsa-p256");
    ck_assert_int_eq(c[2].not_before, -86400);
    ck_assert_int_eq(c[2].not_after, 365 * 86400);
}

static void check_full_expect(const struct scen *s)
{
    const struct scen_expect *rfc = &s->expect[SCEN_PROFILE_RFC7672];
    const struct scen_expect *exo = &s->expect[SCEN_PROFILE_EXCHANGE_ONLINE];
    ck_assert_int_eq(s->expect_dnssec, SCEN_DNSSEC_BOGUS);
    ck_assert_int_eq(scen_expected_dnssec(s), SCEN_DNSSEC_BOGUS);
    ck_assert(rfc->set && exo->set);
    ck_assert_uint_eq(rfc->loc.line, 52);
    ck_assert_uint_eq(rfc->deliver.n_alt, 1);
    ck_assert_str_eq(rfc->deliver.alt[0].status, "deferred");
    ck_assert_str_eq(rfc->deliver.alt[0].code, "4.7.324");
    ck_assert_str_eq(rfc->deliver.alt[0].reason, "rrsig-expired");
    ck_assert_str_eq(rfc->deliver.alt[0].tlsrpt, "dnssec-invalid");
    ck_assert_uint_eq(rfc->deliver.n_rfc, 0);
    ck_assert(!rfc->probe.set);
    ck_assert_str_eq(exo->deliver.alt[0].status, "bounced");
    ck_assert_str_eq(exo->deliver.alt[0].code, "5.4.312");
    ck_assert_ptr_null(exo->deliver.alt[0].reason);
    ck_assert_ptr_null(exo->deliver.alt[0].tlsrpt);
}

START_TEST(full_file)
{
    struct scen *s = load_ok("data/scen/good/full.yaml");
    ck_assert_str_eq(s->name, "full");
    ck_assert_uint_eq(s->loc.line, 2);
    ck_assert_str_eq(s->summary, "Every key, for the parser's unit test");
    ck_assert_str_eq(s->domain, "full.test.");
    ck_assert_uint_eq(s->n_tags, 3);
    ck_assert_str_eq(s->tags[2], "2-hosts");
    check_full_zones(s);
    check_full_hosts(s);
    check_full_certs(s);
    ck_assert_uint_eq(s->n_faults, 0);
    ck_assert_uint_eq(s->n_timeline, 3);
    ck_assert_int_eq(s->timeline[0].at, 0);
    ck_assert_str_eq(s->timeline[0].note, "first attempt");
    ck_assert_int_eq(s->timeline[1].at, 900);
    ck_assert_uint_eq(s->timeline[2].loc.line, 49);
    ck_assert_int_eq(s->timeline[2].at, 86400);
    ck_assert_ptr_null(s->timeline[2].note);
    check_full_expect(s);
    scen_free(s);
}
END_TEST

START_TEST(minimal_defaults)
{
    struct scen *s = load_ok("data/scen/good/minimal.yaml");
    ck_assert_str_eq(s->domain, "minimal.test.");
    ck_assert_str_eq(s->zone.origin, "minimal.test.");
    ck_assert_uint_eq(s->zone.loc.line, 1);
    ck_assert(s->zone.is_signed && s->zone.ds && !s->zone.nsec3);
    ck_assert_int_eq(s->zone.algorithm, 13);
    ck_assert(s->implicit_mx);
    ck_assert_uint_eq(s->n_hosts + s->n_zones + s->n_certs + s->n_tags + s->n_faults, 0);
    ck_assert_int_eq(s->expect_dnssec, SCEN_DNSSEC_UNSET);
    ck_assert_int_eq(scen_expected_dnssec(s), SCEN_DNSSEC_SECURE);
    ck_assert(!s->expect[0].set && !s->expect[1].set);
    ck_assert_uint_eq(s->expect[0].deliver.n_alt, 0);
    ck_assert_str_eq(s->tlsrpt, "v=TLSRPTv1; rua=mailto:tlsrpt@minimal.test");
    ck_assert_uint_eq(s->tlsrpt_loc.line, 1);
    scen_free(s);
}
END_TEST

/* any:, rfc: (string or list, kept as written), probe: and note:. */
START_TEST(alternatives)
{
    struct scen *s = load_ok("data/scen/expect/alternatives.yaml");
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
    struct scen *s = load_ok("data/scen/expect/alternatives.yaml");
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
    struct scen *s = load_ok("data/scen/tlsrpt/tlsrpt-none.yaml");
    ck_assert_ptr_null(s->tlsrpt);
    scen_free(s);
    s = load_ok("data/scen/tlsrpt/tlsrpt-literal.yaml");
    ck_assert_str_eq(s->tlsrpt, "v=TLSRPTv1; rua=ftp://literal.test/\"x\"");
    ck_assert_uint_eq(s->tlsrpt_loc.line, 5);
    scen_free(s);
}
END_TEST

/* tls_fault, chain, reply and sni, and their defaults (full.yaml has none). */
START_TEST(server_keys)
{
    struct scen *s = load_ok("data/scen/good/server.yaml");
    struct scen *full = load_ok("data/scen/good/full.yaml");
    const struct scen_host *h = s->hosts;
    ck_assert_uint_eq(s->n_hosts, 3);
    ck_assert_int_eq(h[0].tls_fault, SCEN_TLS_FAULT_NONE);
    ck_assert_int_eq(h[0].chain, SCEN_CHAIN_NO_INTERMEDIATE);
    ck_assert_ptr_null(h[0].reply[SCEN_REPLY_MAIL]);
    ck_assert_str_eq(h[0].reply[SCEN_REPLY_RCPT], "550 5.7.1 relaying denied");
    ck_assert_ptr_null(h[0].reply[SCEN_REPLY_DATA]);
    ck_assert_str_eq(h[0].reply[SCEN_REPLY_DOT], "451 4.3.0 try later");
    ck_assert_uint_eq(h[0].n_sni, 2);
    ck_assert_str_eq(h[0].sni[0].name, "alt.server.test.");
    ck_assert_str_eq(h[0].sni[0].certificate, "alt");
    ck_assert_uint_eq(h[0].sni[0].loc.line, 16);
    ck_assert_str_eq(h[0].sni[1].name, "other.server.test.");
    ck_assert_str_eq(h[0].sni[1].certificate, "leaf");
    ck_assert_int_eq(h[1].tls_fault, SCEN_TLS_FAULT_WRONG_KEY);
    ck_assert_int_eq(h[1].chain, SCEN_CHAIN_FULL);
    ck_assert_uint_eq(h[1].n_sni, 0);
    ck_assert_int_eq(h[2].tls_fault, SCEN_TLS_FAULT_ABORT_AFTER_HELLO);
    ck_assert_int_eq(h[2].chain, SCEN_CHAIN_SERVED);
    for (int r = 0; r < SCEN_REPLY_COUNT; r++)
        ck_assert_ptr_null(full->hosts[0].reply[r]);
    ck_assert_int_eq(full->hosts[0].tls_fault, SCEN_TLS_FAULT_NONE);
    ck_assert_int_eq(full->hosts[0].chain, SCEN_CHAIN_SERVED);
    ck_assert_ptr_null(full->hosts[0].sni);
    ck_assert_str_eq(scen_tls_fault_name(SCEN_TLS_FAULT_WRONG_KEY), "wrong-key");
    ck_assert_ptr_null(scen_tls_fault_name((enum scen_tls_fault)7));
    ck_assert_str_eq(scen_chain_name(SCEN_CHAIN_NO_INTERMEDIATE), "no-intermediate");
    ck_assert_ptr_null(scen_chain_name((enum scen_chain)7));
    ck_assert_str_eq(scen_reply_step_name(SCEN_REPLY_DOT), "dot");
    ck_assert_ptr_null(scen_reply_step_name(SCEN_REPLY_COUNT));
    scen_free(s);
    scen_free(full);
}
END_TEST

START_TEST(starter_scenarios)
{
    struct scen *good = load_ok("../../lab/scenarios/good.yaml");
    struct scen *uns = load_ok("../../lab/scenarios/unsigned.yaml");
    ck_assert_str_eq(good->domain, "good.test.");
    ck_assert_str_eq(good->hosts[0].name, "mx1.good.test.");
    ck_assert_ptr_null(good->hosts[0].address); /* allocated by the lab */
    ck_assert_str_eq(good->hosts[0].certificate, "leaf");
    ck_assert_str_eq(good->hosts[0].tlsa[0].of, "leaf");
    ck_assert_int_eq(good->hosts[0].tlsa[0].usage, 3);
    ck_assert_int_eq(scen_expected_dnssec(good), SCEN_DNSSEC_SECURE);
    ck_assert(!uns->zone.is_signed && !uns->zone.ds);
    ck_assert_str_eq(uns->hosts[0].name, "mx1.unsigned.test.");
    ck_assert_int_eq(scen_expected_dnssec(uns), SCEN_DNSSEC_INSECURE);
    scen_free(good);
    scen_free(uns);
}
END_TEST

START_TEST(fault_forms)
{
    const char *fault = some_fault();
    char dir[] = "/tmp/check-scen-XXXXXX", *text, *path;
    struct scen *s;
    ck_assert_ptr_nonnull(fault);
    text = faults_yaml(fault);
    path = write_temp("faults", text, dir);
    s = load_ok(path);
    ck_assert_uint_eq(s->n_faults, 2);
    ck_assert_str_eq(s->faults[0].name, fault);
    ck_assert_str_eq(s->faults[0].target, "tlsa");
    ck_assert_ptr_null(s->faults[0].host);
    ck_assert_uint_eq(s->faults[1].loc.line, 8);
    ck_assert_str_eq(s->faults[1].target, "mx");
    ck_assert_str_eq(s->faults[1].host, "mx2.faults.test.");
    ck_assert_uint_eq(s->timeline[0].n_faults, 1);
    scen_free(s);
    remove_temp(path, dir);
    free(text);
}
END_TEST

/* expect: dns: per-RRset verdicts, the MX one also as expect_dnssec. */
START_TEST(dns_expectations)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    struct scen *s;
    path = write_temp("dnsx",
                      "name: dnsx\nsummary: per-RRset verdicts\nmx:\n  - host: mx1\n"
                      "expect:\n  dns:\n    mx: secure\n    a: nodata\n"
                      "    tlsa: {verdict: bogus, reason: signature expired}\n",
                      dir);
    s = load_ok(path);
    ck_assert_int_eq(s->expect_dnssec, SCEN_DNSSEC_SECURE);
    ck_assert_int_eq(s->expect_dns[SCEN_RRSET_MX].verdict, SCEN_DNSSEC_SECURE);
    ck_assert_int_eq(s->expect_dns[SCEN_RRSET_A].verdict, SCEN_DNSSEC_NODATA);
    ck_assert_int_eq(s->expect_dns[SCEN_RRSET_TLSA].verdict, SCEN_DNSSEC_BOGUS);
    ck_assert_str_eq(s->expect_dns[SCEN_RRSET_TLSA].reason, "signature expired");
    ck_assert_uint_eq(s->expect_dns[SCEN_RRSET_TLSA].loc.line, 9);
    ck_assert_ptr_null(s->expect_dns[SCEN_RRSET_A].reason);
    scen_free(s);
    remove_temp(path, dir);
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

START_TEST(names)
{
    ck_assert_str_eq(scen_profile_name(SCEN_PROFILE_RFC7672), "rfc7672");
    ck_assert_str_eq(scen_profile_name(SCEN_PROFILE_EXCHANGE_ONLINE), "exchange-online");
    ck_assert_ptr_null(scen_profile_name(SCEN_PROFILE_COUNT));
    ck_assert_int_eq(scen_profile_lookup("exchange-online"), SCEN_PROFILE_EXCHANGE_ONLINE);
    ck_assert_int_eq(scen_profile_lookup("postfix"), -1);
    ck_assert_str_eq(scen_dnssec_name(SCEN_DNSSEC_SECURE), "secure");
    ck_assert_str_eq(scen_dnssec_name(SCEN_DNSSEC_SERVFAIL), "servfail");
    ck_assert_str_eq(scen_dnssec_name(SCEN_DNSSEC_UNSET), "unset");
    ck_assert_str_eq(scen_dnssec_name(SCEN_DNSSEC_NODATA), "nodata");
    ck_assert_ptr_null(scen_dnssec_name((enum scen_dnssec)(SCEN_DNSSEC_NODATA + 1)));
    ck_assert_str_eq(scen_rrset_name(SCEN_RRSET_TLSA), "tlsa");
    ck_assert_ptr_null(scen_rrset_name(SCEN_RRSET_COUNT));
    ck_assert_str_eq(scen_starttls_name(SCEN_STARTTLS_CLOSE), "close");
    ck_assert_ptr_null(scen_starttls_name((enum scen_starttls)9));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Catalogue                                                           */

START_TEST(catalog_sorted)
{
    const char *paths[] = {"data/scen/good", "data/scen/cat-a/dup.yaml",
                           "../../lab/scenarios/unsigned.yaml", "../../lab/scenarios/good.yaml"};
    scen_catalog *c = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_catalog_load(paths, 4, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(scen_catalog_count(c), 6);
    ck_assert_str_eq(scen_catalog_get(c, 0)->name, "dup");
    ck_assert_str_eq(scen_catalog_get(c, 1)->name, "full");
    ck_assert_str_eq(scen_catalog_get(c, 4)->name, "server");
    ck_assert_str_eq(scen_catalog_get(c, 5)->name, "unsigned");
    ck_assert_ptr_null(scen_catalog_get(c, 6));
    for (size_t i = 1; i < scen_catalog_count(c); i++)
        ck_assert_int_lt(strcmp(scen_catalog_get(c, i - 1)->name, scen_catalog_get(c, i)->name), 0);
    ck_assert_str_eq(scen_catalog_find(c, "good")->domain, "good.test.");
    ck_assert_ptr_null(scen_catalog_find(c, "nope"));
    scen_catalog_free(c);
}
END_TEST

/* --shard K/N keeps the selected scenarios whose rank in name order is
 * K-1 modulo N, whatever order the files were given in. */
START_TEST(catalog_shard)
{
    const char *paths[] = {"../../lab/scenarios/unsigned.yaml", "data/scen/good",
                           "../../lab/scenarios/good.yaml", "data/scen/cat-a/dup.yaml"};
    static const char *const want_all[] = {"full", "server"};
    bool all[6] = {true, true, true, true, true, true};
    bool some[6] = {true, false, true, true, false, true};
    scen_catalog *c = NULL;
    struct dl_error err = {{0}};
    size_t k = 0;
    ck_assert_msg(scen_catalog_load(paths, 4, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(scen_select_shard(c, all, 2, 3), 2);
    for (size_t i = 0; i < 6; i++) {
        if (!all[i])
            continue;
        ck_assert_uint_lt(k, 2);
        ck_assert_str_eq(scen_catalog_get(c, i)->name, want_all[k]);
        k++;
    }
    /* Ranks among the selected 0, 2, 3, 5: shard 1/2 keeps ranks 0 and 2. */
    ck_assert_uint_eq(scen_select_shard(c, some, 1, 2), 2);
    ck_assert(some[0] && !some[1] && !some[2] && some[3] && !some[4] && !some[5]);
    scen_catalog_free(c);
}
END_TEST

static const struct {
    const char *paths[2];
    const char *msg;
} bad_catalogs[] = {
    {{"data/scen/cat-a", "data/scen/cat-b"},
     "data/scen/cat-b/dup.yaml:2: scenario 'dup' already defined in data/scen/cat-a/dup.yaml"},
    {{"data/scen/cat-domain", NULL},
     "data/scen/cat-domain/two.yaml:4: domain 'shared.test.' already used by scenario 'one' in "
     "data/scen/cat-domain/one.yaml"},
    {{"data/scen/cat-zone", NULL},
     "data/scen/cat-zone/two.yaml:5: zone 'provider.test.' already used by scenario 'one' in "
     "data/scen/cat-zone/one.yaml"},
    {{"data/scen/good", "data/scen/bad/empty.yaml"}, BAD "empty.yaml:1: empty file"},
    {{"data/scen/nowhere", NULL}, "data/scen/nowhere: No such file or directory"},
};

START_TEST(catalog_conflict)
{
    const char *const *paths = bad_catalogs[_i].paths;
    scen_catalog *c = NULL;
    struct dl_error err;
    ck_assert_int_eq(scen_catalog_load(paths, paths[1] ? 2 : 1, &c, &err), -1);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(err.msg, bad_catalogs[_i].msg);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------------ */
/* Hostile: well-formed files built to cost time or memory. Each must   */
/* fail with FILE:LINE quickly (the test case's timeout bounds time).   */

/* The start of a scenario named `name` with one MX host. */
#define HOSTILE_HEAD(name) "name: " name "\nsummary: hostile\n"

/* Load `text` as DIR/NAME.yaml and expect failure with "DIR/NAME.yaml:"
 * followed by `msg`. */
static void load_fails(const char *name, const char *text, const char *msg)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path = write_temp(name, text, dir), *want;
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_load(path, &s, &err) == -1, "%s loaded", name);
    ck_assert_ptr_null(s);
    want = dl_xasprintf("%s:%s", path, msg);
    ck_assert_str_eq(err.msg, want);
    free(want);
    remove_temp(path, dir);
}

/* Billion laughs in certificate names: ten levels, each a list of ten
 * aliases of the level before (10^10 names once expanded). */
START_TEST(hostile_alias_bomb)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("bomb") "mx: [{host: mx1}]\ncertificates:\n  l0: {names: &l0 [a.test]}\n",
          f);
    for (int l = 1; l <= 10; l++) {
        fprintf(f, "  l%d: {names: &l%d [", l, l);
        for (int i = 0; i < 10; i++)
            fprintf(f, "%s*l%d", i ? ", " : "", l - 1);
        fputs("]}\n", f);
    }
    fclose(f);
    /* Level 5 (line 10) is the first to expand past 100,000 nodes. */
    load_fails("bomb", text, "10: aliases expand this to more than 100000 nodes");
    free(text);
}
END_TEST

/* One 64 KiB records block read 41 times (its anchor and 40 aliases). */
START_TEST(hostile_alias_bytes)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("bytes") "records:\n  - &r |\n", f);
    for (int i = 0; i < 2048; i++)
        fputs("    x 300 IN TXT \"0123456789012345\"\n", f);
    for (int i = 0; i < 40; i++)
        fputs("  - *r\n", f);
    fclose(f);
    load_fails("bytes", text, "4: aliases expand this to more than 2097152 bytes");
    free(text);
}
END_TEST

/* An alias inside its own anchor's collection never ends. */
START_TEST(hostile_alias_loop)
{
    load_fails("loop", HOSTILE_HEAD("loop") "tags: &t [a, *t]\n",
               "3: nesting deeper than 32 levels (aliases expanded)");
}
END_TEST

/* A chain of `n` certificates: c0 self-signed, each next issued by the
 * one before; the text the caller frees. */
static char *cert_chain(int n)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("chain") "mx: [{host: mx1}]\ncertificates:\n  c0: {ca: true}\n", f);
    for (int i = 1; i < n; i++)
        fprintf(f, "  c%d: {ca: true, issuer: c%d}\n", i, i - 1);
    fclose(f);
    return text;
}

/* 4,000 certificates in one chain (94 KB once took 119 s to lint);
 * a chain of SCEN_MAX_CHAIN + 1 within the certificate limit. */
START_TEST(hostile_cert_chain)
{
    char *text = cert_chain(4000);
    load_fails("chain", text, "5: key 'certificates': more than 256 keys");
    free(text);
    text = cert_chain(SCEN_MAX_CERTS + 1);
    load_fails("chain", text, "5: key 'certificates': more than 64 certificates");
    free(text);
    text = cert_chain(SCEN_MAX_CHAIN + 1);
    load_fails("chain", text, "21: certificate 'c16': issuer chain longer than 16 certificates");
    free(text);
    text = cert_chain(SCEN_MAX_CHAIN);
    {
        char dir[] = "/tmp/check-scen-XXXXXX", *path = write_temp("chain", text, dir);
        struct scen *s = load_ok(path);
        ck_assert_uint_eq(s->n_certs, SCEN_MAX_CHAIN);
        scen_free(s);
        remove_temp(path, dir);
    }
    free(text);
}
END_TEST

/* 20,000 MX hosts (duplicate checks once took 46 s on 1 MiB). */
START_TEST(hostile_many_hosts)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("hosts") "mx:\n", f);
    for (int i = 0; i < 20000; i++)
        fprintf(f, "  - host: mx%d\n", i);
    fclose(f);
    load_fails("hosts", text, "4: key 'mx': more than 64 items");
    free(text);
}
END_TEST

/* More anchors than libyaml should search through for each alias. */
START_TEST(hostile_many_anchors)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    fputs(HOSTILE_HEAD("anchors") "tags:\n", f);
    for (int i = 0; i < 300; i++)
        fprintf(f, "  - &a%d x\n", i);
    fclose(f);
    load_fails("anchors", text, "260: more than 256 anchors (&name)");
    free(text);
}
END_TEST

/* "a\0b" is a valid YAML string libyaml reports with its length: read
 * as a C string it would be cut to "a". */
START_TEST(hostile_nul)
{
    load_fails("nul", "name: nul\nsummary: \"a\\0b\"\n", "2: a string contains a NUL character");
    load_fails("nul", "name: nul\nsummary: s\n\"t\\0ags\": []\n",
               "3: a string contains a NUL character");
}
END_TEST

/* A FIFO named like a scenario: refused at once, not waited on. */
START_TEST(hostile_fifo)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_ptr_nonnull(mkdtemp(dir));
    path = dl_xasprintf("%s/x.yaml", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(scen_load(path, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
    remove_temp(path, dir);
}
END_TEST

Suite *scen_suite(void)
{
    Suite *s = suite_create("scen");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    TCase *hostile = tcase_create("Hostile");
    tcase_add_test(pos, full_file);
    tcase_add_test(pos, minimal_defaults);
    tcase_add_test(pos, tlsrpt_key);
    tcase_add_test(pos, alternatives);
    tcase_add_test(pos, accept_match);
    tcase_add_test(pos, server_keys);
    tcase_add_test(pos, starter_scenarios);
    tcase_add_test(pos, fault_forms);
    tcase_add_loop_test(pos, every_fault_loads, 0, ZONE_FAULT_COUNT);
    tcase_add_test(pos, names);
    tcase_add_test(pos, dns_expectations);
    tcase_add_test(pos, dns_catalogue);
    tcase_add_test(pos, catalog_sorted);
    tcase_add_test(pos, catalog_shard);
    tcase_add_test(pos, retry_timeline);
    tcase_add_test(pos, timeline_hosts);
    tcase_add_loop_test(neg, bad_file, 0, N(bad_files));
    tcase_add_test(neg, too_large);
    tcase_add_loop_test(neg, catalog_conflict, 0, N(bad_catalogs));
    tcase_add_test(hostile, hostile_alias_bomb);
    tcase_add_test(hostile, hostile_alias_bytes);
    tcase_add_test(hostile, hostile_alias_loop);
    tcase_add_test(hostile, hostile_cert_chain);
    tcase_add_test(hostile, hostile_many_hosts);
    tcase_add_test(hostile, hostile_many_anchors);
    tcase_add_test(hostile, hostile_nul);
    tcase_add_test(hostile, hostile_fifo);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    suite_add_tcase(s, hostile);
    return s;
}
