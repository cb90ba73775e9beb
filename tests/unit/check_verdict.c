/*
 * check_verdict: lab_verdict_judge and lab_model on scenario files: an
 * MTA passes with any accepted outcome; a delivery is a LEAK only on the
 * RFC model's grounds, never on the reference client's word alone.
 */
#include "lab_model.h"
#include "lab_verdict.h"
#include "scen.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

Suite *verdict_suite(void);

static struct scen *load(const char *path)
{
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_load(path, &s, &err) == 0, "%s", err.msg);
    return s;
}

/* Judge one message: status, auth, and at most one arrival at `host`. */
static enum lab_verdict judge_by(const struct scen *s, enum scen_validator v,
                                 enum lab_mta_status st, enum lab_mta_auth auth, const char *host,
                                 bool tls, const struct lab_ref_host *ref,
                                 struct lab_verdict_out *out)
{
    struct lab_mta_msg msg = {.status = st, .auth = auth};
    struct lab_arrival a = {.tls = tls};
    struct lab_verdict_in in = {.s = s,
                                .msg = &msg,
                                .arr = &a,
                                .n_arr = host != NULL,
                                .ref = ref,
                                .n_ref = ref != NULL,
                                .validator = v};
    if (host) {
        snprintf(a.host, sizeof(a.host), "%s", host);
        snprintf(a.address, sizeof(a.address), "127.25.1.1");
        snprintf(a.version, sizeof(a.version), "TLSv1.3");
        snprintf(a.sni, sizeof(a.sni), "%s", host);
    }
    lab_verdict_judge(&in, out);
    return out->verdict;
}

/* The same behind the lab's default validator, Unbound. */
static enum lab_verdict judge(const struct scen *s, enum lab_mta_status st, enum lab_mta_auth auth,
                              const char *host, bool tls, const struct lab_ref_host *ref,
                              struct lab_verdict_out *out)
{
    return judge_by(s, SCEN_VALIDATOR_UNBOUND, st, auth, host, tls, ref, out);
}

/* Either accepted outcome passes, and the one met is said. */
START_TEST(either_alternative_passes)
{
    struct scen *s = load("data/scen/expect/alternatives.yaml");
    struct lab_verdict_out out;
    ck_assert_int_eq(
        judge(s, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, "mx1.alternatives.test", true, NULL, &out),
        LAB_VERDICT_PASS);
    ck_assert_int_eq(out.matched, 0);
    ck_assert_int_eq(judge(s, LAB_MTA_DEFERRED, LAB_MTA_AUTH_UNKNOWN, NULL, false, NULL, &out),
                     LAB_VERDICT_PASS);
    ck_assert_int_eq(out.matched, 1);
    ck_assert_int_eq(judge(s, LAB_MTA_BOUNCED, LAB_MTA_AUTH_UNKNOWN, NULL, false, NULL, &out),
                     LAB_VERDICT_DEVIATION);
    ck_assert_str_eq(out.why, "expected sent | deferred, the MTA says bounced");
    scen_free(s);
}
END_TEST

/* Stored although no accepted outcome delivers: a LEAK. */
START_TEST(delivery_nowhere_accepted_leaks)
{
    struct scen *s = load("data/scen/good/full.yaml");
    struct lab_verdict_out out;
    ck_assert_int_eq(
        judge(s, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, "mx1.full.test", true, NULL, &out),
        LAB_VERDICT_LEAK);
    ck_assert_msg(strstr(out.why, "although rfc7672 accepts only deferred") != NULL, "%s", out.why);
    scen_free(s);
}
END_TEST

/* Plaintext where every accepted delivery is authenticated: a LEAK. */
START_TEST(plaintext_where_tls_required_leaks)
{
    struct scen *s = load("data/scen/expect/alternatives.yaml");
    struct lab_verdict_out out;
    ck_assert_int_eq(
        judge(s, LAB_MTA_SENT, LAB_MTA_AUTH_PLAINTEXT, "mx1.alternatives.test", false, NULL, &out),
        LAB_VERDICT_LEAK);
    ck_assert_msg(strstr(out.why, "in plaintext where TLS is required") != NULL, "%s", out.why);
    scen_free(s);
}
END_TEST

/* The reference client refusing a host the model allows is evidence,
 * never a LEAK: DANE-TA with a leaf naming the next-hop domain. */
START_TEST(reference_alone_never_leaks)
{
    struct scen *s = load("data/scen/expect/ta-names.yaml");
    struct lab_ref_host ref = {.tried = true, .ok = false, .reason = "cert-host-mismatch"};
    struct lab_model_host m;
    struct lab_verdict_out out;
    snprintf(ref.address, sizeof(ref.address), "127.25.1.1");
    lab_model_host(s, 0, &m);
    ck_assert_int_eq(m.policy, LAB_MODEL_DANE);
    ck_assert_int_eq(m.use, LAB_MODEL_MAY_USE);
    ck_assert_int_eq(
        judge(s, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, "mx1.ta-names.test", true, &ref, &out),
        LAB_VERDICT_PASS);
    ck_assert_int_eq(out.matched, 0);
    scen_free(s);
}
END_TEST

/* A host whose certificate matches none of its records as written: a
 * delivery there is a LEAK although the expectation delivers. */
START_TEST(model_forbidden_host_leaks)
{
    struct scen *s = load("data/scen/expect/ta-names.yaml");
    struct lab_model_host m;
    struct lab_verdict_out out;
    lab_model_host(s, 1, &m);
    ck_assert_int_eq(m.use, LAB_MODEL_MUST_NOT_USE);
    ck_assert_int_eq(
        judge(s, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, "mx2.ta-names.test", true, NULL, &out),
        LAB_VERDICT_LEAK);
    ck_assert_msg(strstr(out.why, "which a DANE client must not use") != NULL, "%s", out.why);
    scen_free(s);
}
END_TEST

/* A TLSA alias into an unsigned zone: the records are insecure, not
 * used, so delivering there with opportunistic TLS is no LEAK; the same
 * alias into a signed zone keeps the records binding. */
/* A DANE-TA leaf that names only the CNAME-expanded recipient domain
 * (domain_alias) is a name RFC 7672 3.2.2 accepts: the host may be used
 * (before, the model knew only the MX host and the original domain and
 * called Postfix's correct delivery a LEAK). */
START_TEST(model_expanded_domain_names_host)
{
    struct scen *s = load("../../lab/scenarios/recipient-domain-cname-ta-expanded.yaml");
    struct lab_model_host h;
    lab_model_host(s, 0, &h);
    ck_assert_int_eq(h.use, LAB_MODEL_MAY_USE);
    scen_free(s);
}
END_TEST

START_TEST(model_insecure_tlsa_alias)
{
    struct scen *u = load("../../lab/scenarios/tlsa-cname-shared-unsigned.yaml");
    struct scen *m = load("../../lab/scenarios/tlsa-cname-shared-signed-mismatch.yaml");
    struct lab_model_host h;
    lab_model_host(u, 0, &h);
    ck_assert_int_eq(h.policy, LAB_MODEL_OPPORTUNISTIC);
    ck_assert_int_eq(h.use, LAB_MODEL_MAY_USE);
    lab_model_host(m, 0, &h);
    ck_assert_int_eq(h.use, LAB_MODEL_MUST_NOT_USE);
    scen_free(u);
    scen_free(m);
}
END_TEST

/* A host with two certificates (alt_certificate) may be used when either
 * matches: the client's signature algorithms choose; without the second
 * certificate the same records forbid it. */
START_TEST(model_alt_certificate_may_use)
{
    struct scen *s = load("data/scen/expect/dual-cert.yaml");
    struct lab_model_host m;
    lab_model_host(s, 0, &m);
    ck_assert_int_eq(m.use, LAB_MODEL_MAY_USE);
    ck_assert_msg(strstr(m.why, "certificate rsa matches") != NULL, "%s", m.why);
    lab_model_host(s, 1, &m);
    ck_assert_int_eq(m.use, LAB_MODEL_MUST_NOT_USE);
    scen_free(s);
}
END_TEST

/* A TLSA lookup that fails in a signed zone forbids the host; in an
 * unsigned zone (address insecure) it does not: opportunistic delivery
 * there passes, it is no LEAK (RFC 7672 2.2, 2.2.2). */
START_TEST(insecure_tlsa_failure_allows_host)
{
    struct scen *u = load("../../lab/scenarios/ns-tlsa-servfail-unsigned.yaml");
    struct scen *g = load("../../lab/scenarios/ns-tlsa-servfail-signed.yaml");
    struct lab_model_host m;
    struct lab_verdict_out out;
    lab_model_host(g, 0, &m);
    ck_assert_int_eq(m.use, LAB_MODEL_MUST_NOT_USE);
    lab_model_host(u, 0, &m);
    ck_assert_int_ne(m.use, LAB_MODEL_MUST_NOT_USE);
    ck_assert_int_eq(judge(u, LAB_MTA_SENT, LAB_MTA_AUTH_UNVERIFIED,
                           "mx1.ns-tlsa-servfail-unsigned-mx.test", true, NULL, &out),
                     LAB_VERDICT_PASS);
    scen_free(u);
    scen_free(g);
}
END_TEST

/* Behind a validator whose own DNS verdict makes the TLSA RRset secure
 * (PowerDNS Recursor and dns-wildcard-proof-missing), the MTA that trusts
 * its AD bit and authenticates delivers as it should: a pass, with the
 * validator's why in the words; deferring is then the deviation. Behind
 * Unbound the same delivery is a LEAK. */
START_TEST(validator_own_verdict_expects_its_outcome)
{
    struct scen *s = load("../../lab/scenarios/dns-wildcard-proof-missing.yaml");
    const char *mx = "mx1.dns-wildcard-proof-missing.test";
    struct lab_verdict_out out;
    struct lab_model_host m;
    lab_model_host_by(s, 0, SCEN_VALIDATOR_PDNS, &m);
    ck_assert_int_eq(m.policy, LAB_MODEL_DANE);
    ck_assert_int_eq(m.use, LAB_MODEL_MAY_USE);
    ck_assert_int_eq(
        judge_by(s, SCEN_VALIDATOR_PDNS, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, mx, true, NULL, &out),
        LAB_VERDICT_PASS);
    ck_assert(out.own);
    ck_assert_str_eq(out.accept.alt[0].status, "delivered");
    ck_assert_msg(strstr(out.why, "behind pdns, by its own DNS verdicts (PowerDNS") != NULL, "%s",
                  out.why);
    ck_assert_int_eq(judge_by(s, SCEN_VALIDATOR_PDNS, LAB_MTA_SENT, LAB_MTA_AUTH_UNVERIFIED, mx,
                              true, NULL, &out),
                     LAB_VERDICT_DEVIATION);
    ck_assert_int_eq(judge_by(s, SCEN_VALIDATOR_PDNS, LAB_MTA_DEFERRED, LAB_MTA_AUTH_UNKNOWN, NULL,
                              false, NULL, &out),
                     LAB_VERDICT_DEVIATION);
    ck_assert_int_eq(judge(s, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, mx, true, NULL, &out),
                     LAB_VERDICT_LEAK);
    ck_assert(!out.own);
    ck_assert_int_eq(
        judge_by(s, SCEN_VALIDATOR_BIND, LAB_MTA_SENT, LAB_MTA_AUTH_VERIFIED, mx, true, NULL, &out),
        LAB_VERDICT_LEAK);
    scen_free(s);
}
END_TEST

/* A validator's own verdicts that leave the status as the scenario's
 * rfc7672 outcomes have it keep those outcomes (ED448 behind BIND:
 * secure instead of insecure, delivered either way; NSEC3 with 100
 * iterations behind Knot: insecure instead of NXDOMAIN). */
START_TEST(validator_own_verdict_same_status_keeps_rfc7672)
{
    const char *names[] = {"dnssec-algorithm-ed448", "dnssec-nsec3-iterations-100",
                           "dns-denial-wrong"};
    const enum scen_validator by[] = {SCEN_VALIDATOR_BIND, SCEN_VALIDATOR_KNOT,
                                      SCEN_VALIDATOR_PDNS};
    for (size_t i = 0; i < 3; i++) {
        char path[128], mx[128];
        struct scen *s;
        struct lab_verdict_out out;
        bool delivers = i < 2;
        snprintf(path, sizeof(path), "../../lab/scenarios/%s.yaml", names[i]);
        snprintf(mx, sizeof(mx), "mx1.%s.test", names[i]);
        s = load(path);
        ck_assert_int_eq(judge_by(s, by[i], delivers ? LAB_MTA_SENT : LAB_MTA_DEFERRED,
                                  delivers ? LAB_MTA_AUTH_VERIFIED : LAB_MTA_AUTH_UNKNOWN,
                                  delivers ? mx : NULL, true, NULL, &out),
                         LAB_VERDICT_PASS);
        ck_assert_msg(!out.own, "%s", names[i]);
        ck_assert_uint_eq(out.accept.n_alt, s->expect[SCEN_PROFILE_RFC7672].deliver.n_alt);
        scen_free(s);
    }
}
END_TEST

Suite *verdict_suite(void)
{
    Suite *s = suite_create("verdict");
    TCase *pos = tcase_create("Positive");
    TCase *neg = tcase_create("Negative");
    tcase_add_test(pos, either_alternative_passes);
    tcase_add_test(pos, reference_alone_never_leaks);
    tcase_add_test(pos, model_alt_certificate_may_use);
    tcase_add_test(pos, insecure_tlsa_failure_allows_host);
    tcase_add_test(neg, delivery_nowhere_accepted_leaks);
    tcase_add_test(neg, plaintext_where_tls_required_leaks);
    tcase_add_test(neg, model_forbidden_host_leaks);
    tcase_add_test(pos, model_insecure_tlsa_alias);
    tcase_add_test(pos, model_expanded_domain_names_host);
    tcase_add_test(pos, validator_own_verdict_same_status_keeps_rfc7672);
    tcase_add_test(neg, validator_own_verdict_expects_its_outcome);
    suite_add_tcase(s, pos);
    suite_add_tcase(s, neg);
    return s;
}
