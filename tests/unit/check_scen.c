/*
 * Unit tests for lab/scenario: loading a scenario file (scen.c and the section
 * modules it calls): every key of one file, the defaults, the starter
 * scenarios, every fault by name, and the name tables. Data in data/scen/
 * (run from tests/unit): good/ holds files that load, bad/ one file per
 * error with the exact message expected below. Tests that depend on
 * zone_fault.c's table write their file at run time.
 */
#include "testutil_scen.h"
#include "dl_util.h"
#include "scen.h"
#include "zone_fault.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

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
         "preference, address, addresses, certificate, starttls, tls_fault, chain, reply, sni, "
         "tlsa, tlsa_at, tlsa_alias, tls_min, tls_max, alt_certificate, starttls_inject)"},
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
    {BAD "tls-version-order.yaml",
     BAD "tls-version-order.yaml:6: key 'tls_max': 1.2 is below tls_min 1.3"},
    {BAD "tls-version-value.yaml",
     BAD "tls-version-value.yaml:5: key 'tls_max': expected one of: any, 1.2, 1.3, got '1.1'"},
    {BAD "tls-min-no-tls.yaml",
     BAD "tls-min-no-tls.yaml:6: key 'tls_min': needs a handshake: starttls: offer, not 'none'"},
    {BAD "alt-cert-same-key.yaml",
     BAD "alt-cert-same-key.yaml:9: key 'alt_certificate': 'b' has the same key type (ecdsa-p256) "
         "as 'a': it must differ"},
    {BAD "alt-cert-sni-same-key.yaml",
     BAD "alt-cert-sni-same-key.yaml:10: key 'alt_certificate': 'a' has the same key type "
         "(ecdsa-p256) as 'e2': it must differ"},
    {BAD "alt-cert-missing.yaml",
     BAD "alt-cert-missing.yaml:5: key 'alt_certificate': no certificate named 'nope'"},
    {BAD "inject-empty-line.yaml",
     BAD "inject-empty-line.yaml:5: key 'starttls_inject': expected lines of printable ASCII, none "
         "empty"},
    {BAD "pathlen-not-ca.yaml",
     BAD "pathlen-not-ca.yaml:4: key 'pathlen': only a CA (ca: true) takes a path length"},
    {BAD "permitted-bad.yaml",
     BAD "permitted-bad.yaml:4: key 'permitted': '*.x.test' is not a DNS name subtree (no ',', ':' "
         "or '*')"},
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
         "tlsrpt, rfc, clauses, implicit_mx, domain_alias)"},
    {BAD "clauses-bad-id.yaml",
     BAD "clauses-bad-id.yaml:5: key 'clauses': expected a clause ID ([a-z0-9.-], at most 48 "
         "characters), optionally followed by ' conforming' or ' violating', got 'RFC 7672 2.2'"},
    {BAD "clauses-bad-side.yaml", BAD "clauses-bad-side.yaml:3: key 'clauses': '7672-2.2-b "
                                      "sideways': the side after the ID must be conforming or "
                                      "violating"},
    {BAD "clauses-empty.yaml",
     BAD "clauses-empty.yaml:3: key 'clauses': expected 1 to 32 clause IDs, got none"},
    {BAD "clauses-not-list.yaml",
     BAD "clauses-not-list.yaml:3: key 'clauses': expected a list, got '7672-2.2-b'"},
    {BAD "clauses-twice.yaml",
     BAD "clauses-twice.yaml:5: key 'clauses': clause '7672-2.2-b' named twice (line 4)"},
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
         "ecdsap384sha384, ed25519, ed448, 13, 8, 14, 15, 16, got 'rsamd5'"},
    {BAD "bad-algorithm-twice.yaml",
     BAD "bad-algorithm-twice.yaml:4: key 'algorithm': algorithm 15 is named twice"},
    {BAD "bad-algorithm-three.yaml",
     BAD "bad-algorithm-three.yaml:4: key 'algorithm': more than 2 items"},
    {BAD "bad-ds-digest.yaml",
     BAD "bad-ds-digest.yaml:4: key 'ds-digest': expected one of: sha256, "
         "sha1, sha384, 2, 1, 4, got 'gost'"},
    {BAD "bad-ds-algorithm.yaml",
     BAD "bad-ds-algorithm.yaml:5: key 'ds-algorithm': algorithm 15 is "
         "not one of the zone's (key 'algorithm')"},
    {BAD "bad-sign-with.yaml", BAD "bad-sign-with.yaml:5: key 'sign-with': the first algorithm of "
                                   "'algorithm' always signs"},
    {BAD "bad-ds-stale-no-ds.yaml", BAD "bad-ds-stale-no-ds.yaml:5: key 'ds-stale': only allowed "
                                        "when the parent publishes a DS ('ds')"},
    {BAD "bad-mx-dname.yaml",
     BAD "bad-mx-dname.yaml:8: fault mx-dname: host 'mx1.bad-mx-dname.test.' must lie below a "
         "subdomain of the domain (for example mx1.mail.bad-mx-dname.test.): the DNAME is the "
         "name above the host's first label"},
    {BAD "bad-nsec3-optout.yaml",
     BAD "bad-nsec3-optout.yaml:5: key 'opt-out': expected true or false, got 'sometimes'"},
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
                                   "original, wildcard, got 'expanded'"},
    {BAD "tlsa-alias-no-records.yaml",
     BAD "tlsa-alias-no-records.yaml:5: key 'tlsa_alias': needs the host's TLSA records (tlsa:) "
         "to publish at '_dane.tlsa-alias-no-records.test.'"},
    {BAD "tlsa-alias-ports.yaml",
     BAD "tlsa-alias-ports.yaml:10: key 'tlsa_alias': the host's TLSA records must share one "
         "port (line 8: 25, line 9: 465)"},
    {BAD "tlsa-alias-wildcard.yaml",
     BAD "tlsa-alias-wildcard.yaml:7: key 'tlsa_alias': cannot be combined with tlsa_at: "
         "wildcard (the CNAME is the TLSA owner)"},
    {BAD "tlsa-alias-outside.yaml",
     BAD "tlsa-alias-outside.yaml:6: key 'tlsa_alias': '_dane.elsewhere.test.' is in none of the "
         "scenario's zones (the domain or zones:)"},
    {BAD "domain-alias-apex.yaml",
     BAD "domain-alias-apex.yaml:6: key 'domain_alias': the domain 'domain-alias-apex.test.' must "
         "lie below the apex of one of zones: (a CNAME cannot sit at a zone apex)"},
    {BAD "domain-alias-zone.yaml", BAD "domain-alias-zone.yaml:7: key 'domain_alias': the domain "
                                       "has no zone of its own: leave zone: out"},
    {BAD "domain-alias-fault.yaml",
     BAD "domain-alias-fault.yaml:8: fault ds-digest-mismatch on 'ds' needs the domain's own "
         "zone, which domain_alias leaves out"},
    {BAD "domain-alias-target.yaml",
     BAD "domain-alias-target.yaml:6: key 'domain_alias': 'target.elsewhere.test.' must be "
         "another name in one of zones:"},
    {BAD "implicit-mx-host.yaml",
     BAD "implicit-mx-host.yaml:3: key 'implicit_mx': needs exactly one mx host, the domain "
         "'implicit-mx-host.test.' itself (host: implicit-mx-host.test.)"},
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
    {BAD "address.yaml", BAD "address.yaml:5: key 'address': expected ipv4, ipv6, an IPv4 "
                             "address in 127.0.0.0/8 or an IPv6 address in fd53::/48, got "
                             "'10.0.0.1'"},
    {BAD "address6.yaml", BAD "address6.yaml:5: key 'address': expected ipv4, ipv6, an IPv4 "
                              "address in 127.0.0.0/8 or an IPv6 address in fd53::/48, got "
                              "'fd53:1::25:1'"},
    {BAD "addresses-both.yaml", BAD "addresses-both.yaml:6: key 'addresses': give address (one) "
                                    "or addresses (a list), not both"},
    {BAD "addresses-many.yaml", BAD "addresses-many.yaml:5: key 'addresses': more than 4 items"},
    {BAD "addresses-empty.yaml",
     BAD "addresses-empty.yaml:5: key 'addresses': expected at least one address (leave "
         "addresses out for the lab's IPv4 address)"},
    {BAD "addresses-dup.yaml", BAD "addresses-dup.yaml:7: key 'addresses': address "
                                   "'fd53::25:1' given twice (first at line 6)"},
    {BAD "addresses-dup-plan.yaml", BAD "addresses-dup-plan.yaml:7: key 'addresses': address "
                                        "'ipv6' given twice (first at line 6)"},
    {BAD "addresses-key.yaml",
     BAD "addresses-key.yaml:6: unknown key 'tls_fault' in address (expected one of: address, "
         "starttls, certificate)"},
    {BAD "addresses-cert.yaml",
     BAD "addresses-cert.yaml:6: key 'certificate': no certificate named 'other'"},
    {BAD "addresses-starttls.yaml",
     BAD "addresses-starttls.yaml:6: key 'starttls': expected one of: offer, none, reject, "
         "close, got 'maybe'"},
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
    {BAD "cert-validity-default.yaml",
     BAD "cert-validity-default.yaml:4: key 'not_before': must be earlier than not_after (by "
         "default 365d)"},
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

/* The same file read into memory and loaded with scen_load_mem (as the
 * fuzz harness loads its inputs) gives the same message. The last entry
 * (a missing file) has no bytes to read. */
START_TEST(bad_file_in_memory)
{
    struct scen *s = NULL;
    struct dl_error err;
    char *text;
    size_t len;
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(dl_read_file(bad_files[_i].file, 1 << 20, &text, &len, &err), 0);
    ck_assert_int_eq(scen_load_mem(bad_files[_i].file, text, len, &s, &err), -1);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err.msg, bad_files[_i].msg);
    free(text);
}
END_TEST

/* scen_load_mem reads `len` bytes, not up to a NUL, and bounds them at
 * scen_load's 1 MiB. */
START_TEST(in_memory_bounds)
{
    static const char text[] = "name: mem\nsummary: from memory\nmx: [{host: mx1.mem.test}]\n"
                               "junk: [";
    size_t len = strlen(text) - strlen("junk: [");
    size_t big = (1 << 20) + 1;
    char *buf = dl_xmalloc(big);
    struct scen *s = NULL;
    struct dl_error err;
    ck_assert_msg(scen_load_mem("dir/mem.yaml", text, len, &s, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(s->path, "dir/mem.yaml");
    ck_assert_str_eq(s->hosts[0].name, "mx1.mem.test.");
    scen_free(s);
    s = NULL;
    ck_assert_int_eq(scen_load_mem("dir/mem.yaml", text, sizeof(text) - 1, &s, &err), -1);
    ck_assert_str_eq(err.msg, "dir/mem.yaml:5: YAML syntax error: did not find expected node "
                              "content while parsing a flow node");
    memset(buf, ' ', big);
    ck_assert_int_eq(scen_load_mem("dir/mem.yaml", buf, big, &s, &err), -1);
    ck_assert_str_eq(err.msg, "dir/mem.yaml: more than 1048576 bytes");
    ck_assert_ptr_null(s);
    free(buf);
}
END_TEST

/* Every fault zone_fault.h names loads, under its default target. */
START_TEST(every_fault_loads)
{
    size_t n;
    const struct zone_fault_info *f = &zone_fault_all(&n)[_i];
    char dir[] = "/tmp/check-scen-XXXXXX", *path;
    char *text = dl_xasprintf("name: faults\n"
                              "summary: one fault under its default target\n"
                              "mx:\n"
                              "  - host: mx1.mail.faults.test\n" /* mx-dname: below a subdomain */
                              "faults:\n"
                              "  - %s\n",
                              f->name);
    struct scen *s;
    ck_assert_uint_eq(n, ZONE_FAULT_COUNT);
    path = tu_write_temp("faults", text, dir);
    s = tu_load_ok(path);
    ck_assert_uint_eq(s->n_faults, 1);
    ck_assert_str_eq(s->faults[0].name, f->name);
    scen_free(s);
    tu_remove_temp(path, dir);
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
    ck_assert_uint_eq(h[0].n_addrs, 1);
    ck_assert_int_eq(h[0].addrs[0].family, 4);
    ck_assert_str_eq(h[0].addrs[0].literal, "127.25.1.1");
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
    ck_assert_uint_eq(h[1].n_addrs, 1); /* the lab's IPv4 address */
    ck_assert_int_eq(h[1].addrs[0].family, 4);
    ck_assert_ptr_null(h[1].addrs[0].literal);
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
    struct scen *s = tu_load_ok("data/scen/good/full.yaml");
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

/* The zone keys of DNSSEC breadth: algorithm lists, sign-with,
 * ds-algorithm, ds-digest, ds-stale and NSEC3 opt-out. */
START_TEST(dnssec_breadth_keys)
{
    struct scen *s = tu_load_ok("data/scen/dnssec/breadth.yaml");
    const struct scen_zone *z = &s->zone;
    ck_assert_int_eq(z->algorithm, 8);
    ck_assert_int_eq(z->algorithm2, 16);
    ck_assert(!z->algorithm2_signs);
    ck_assert_uint_eq(z->ds_algorithms, 2);
    ck_assert_int_eq(z->ds_digest, 4);
    ck_assert(z->ds_stale && z->nsec3 && z->nsec3_optout);
    ck_assert_uint_eq(z->nsec3_iterations, 151);
    ck_assert_uint_eq(s->n_zones, 2);
    ck_assert_int_eq(s->zones[0].algorithm, 14);
    ck_assert_int_eq(s->zones[0].algorithm2, 0);
    ck_assert_uint_eq(s->zones[0].ds_algorithms, 1);
    ck_assert_int_eq(s->zones[0].ds_digest, 1);
    ck_assert(!s->zones[0].ds_stale && !s->zones[0].nsec3_optout);
    ck_assert_int_eq(s->zones[1].algorithm, 13);
    ck_assert_int_eq(s->zones[1].algorithm2, 14);
    ck_assert(s->zones[1].algorithm2_signs);
    ck_assert_uint_eq(s->zones[1].ds_algorithms, 3);
    ck_assert_int_eq(s->zones[1].ds_digest, 2);
    scen_free(s);
}
END_TEST

START_TEST(minimal_defaults)
{
    struct scen *s = tu_load_ok("data/scen/good/minimal.yaml");
    ck_assert_str_eq(s->domain, "minimal.test.");
    ck_assert_str_eq(s->zone.origin, "minimal.test.");
    ck_assert_uint_eq(s->zone.loc.line, 1);
    ck_assert(s->zone.is_signed && s->zone.ds && !s->zone.nsec3);
    ck_assert_int_eq(s->zone.algorithm, 13);
    ck_assert_int_eq(s->zone.algorithm2, 0);
    ck_assert_uint_eq(s->zone.ds_algorithms, 1);
    ck_assert_int_eq(s->zone.ds_digest, 2);
    ck_assert(!s->zone.ds_stale && !s->zone.nsec3_optout);
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

START_TEST(tlsa_alias_and_wildcard)
{
    struct scen *a = tu_load_ok("data/scen/alias/alias.yaml");
    struct scen *w = tu_load_ok("data/scen/alias/wildcard.yaml");
    ck_assert(a->implicit_mx);
    ck_assert_str_eq(a->hosts[0].name, "alias.test.");
    ck_assert_str_eq(a->hosts[0].tlsa_alias, "_dane.alias-provider.test.");
    ck_assert_uint_eq(a->hosts[0].tlsa_alias_loc.line, 9);
    ck_assert(!a->hosts[0].tlsa_at_wildcard && !a->hosts[0].tlsa_at_original);
    ck_assert(!w->implicit_mx);
    ck_assert(w->hosts[0].tlsa_at_wildcard && !w->hosts[0].tlsa_at_original);
    ck_assert_ptr_null(w->hosts[0].tlsa_alias);
    ck_assert_str_eq(w->hosts[1].tlsa_alias, "_dane.wildcard.test."); /* relative: the domain */
    scen_free(a);
    scen_free(w);
}
END_TEST

START_TEST(domain_alias)
{
    struct scen *r = tu_load_ok("data/scen/alias/recipient.yaml");
    ck_assert_str_eq(r->domain, "alias.recipient-zone.test.");
    ck_assert_str_eq(r->domain_alias, "target.recipient-zone.test.");
    ck_assert_uint_eq(r->domain_alias_loc.line, 6);
    ck_assert(!r->implicit_mx);
    scen_free(r);
}
END_TEST

START_TEST(starter_scenarios)
{
    struct scen *good = tu_load_ok("../../lab/scenarios/good.yaml");
    struct scen *uns = tu_load_ok("../../lab/scenarios/unsigned.yaml");
    ck_assert_str_eq(good->domain, "good.test.");
    ck_assert_str_eq(good->hosts[0].name, "mx1.good.test.");
    ck_assert_ptr_null(good->hosts[0].addrs[0].literal); /* allocated by the lab */
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

Suite *scen_suite(void)
{
    Suite *s = suite_create("scen");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, full_file);
    tcase_add_test(pos, minimal_defaults);
    tcase_add_test(pos, dnssec_breadth_keys);
    tcase_add_test(pos, starter_scenarios);
    tcase_add_test(pos, tlsa_alias_and_wildcard);
    tcase_add_test(pos, domain_alias);
    tcase_add_loop_test(pos, every_fault_loads, 0, ZONE_FAULT_COUNT);
    tcase_add_test(pos, names);
    tcase_add_loop_test(neg, bad_file, 0, N(bad_files));
    tcase_add_loop_test(neg, bad_file_in_memory, 0, N(bad_files) - 1);
    tcase_add_test(neg, in_memory_bounds);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
