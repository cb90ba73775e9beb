/*
 * Unit tests for lab/scenario: mx hosts (scen_host.c): tls_fault, chain, reply, sni,
 * address and addresses, and their defaults.
 */
#include "testutil_scen.h"
#include "scen.h"

#include <check.h>

Suite *scen_host_suite(void);

/* tls_fault, chain, reply and sni, and their defaults (full.yaml has none). */
START_TEST(server_keys)
{
    struct scen *s = tu_load_ok("data/scen/good/server.yaml");
    struct scen *full = tu_load_ok("data/scen/good/full.yaml");
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

/* tls_min, tls_max, alt_certificate, starttls_inject; a CA's pathlen and
 * permitted; and their defaults. */
START_TEST(tls_breadth_keys)
{
    struct scen *s = tu_load_ok("data/scen/keys/tls-breadth.yaml");
    const struct scen_host *h = s->hosts;
    ck_assert_int_eq(h[0].tls_min, SCEN_TLS_1_2);
    ck_assert_int_eq(h[0].tls_max, SCEN_TLS_1_2);
    ck_assert_str_eq(h[0].alt_certificate, "rsa");
    ck_assert_str_eq(h[0].starttls_inject, "250-fake\n554 5.7.1 injected");
    ck_assert_int_eq(h[1].tls_min, SCEN_TLS_1_3);
    ck_assert_int_eq(h[1].tls_max, SCEN_TLS_ANY);
    ck_assert_ptr_null(h[1].alt_certificate);
    ck_assert_ptr_null(h[1].starttls_inject);
    ck_assert(s->certs[0].limit_path);
    ck_assert_uint_eq(s->certs[0].pathlen, 1);
    ck_assert_uint_eq(s->certs[0].n_permitted, 2);
    ck_assert_str_eq(s->certs[0].permitted[1], "lab.test");
    ck_assert(!s->certs[1].limit_path);
    ck_assert_uint_eq(s->certs[1].n_permitted, 0);
    ck_assert_str_eq(scen_tls_version_name(SCEN_TLS_1_3), "1.3");
    ck_assert_ptr_null(scen_tls_version_name(SCEN_TLS_ANY));
    scen_free(s);
}
END_TEST

static void assert_addr(const struct scen_addr *a, unsigned line, int family, const char *literal)
{
    ck_assert_uint_eq(a->loc.line, line);
    ck_assert_int_eq(a->family, family);
    if (literal == NULL)
        ck_assert_ptr_null(a->literal);
    else
        ck_assert_str_eq(a->literal, literal);
}

/* IPv4-only (the default and a literal), IPv6-only (the lab's plan) and
 * dual-stack hosts; a literal in RFC 5952 form; an address's own server. */
START_TEST(addresses)
{
    struct scen *s = tu_load_ok("data/scen/addr/addresses.yaml");
    const struct scen_host *h = s->hosts;
    ck_assert_uint_eq(s->n_hosts, 4);
    ck_assert_uint_eq(h[0].n_addrs, 1);
    assert_addr(&h[0].addrs[0], 7, 4, NULL);
    ck_assert_uint_eq(h[1].n_addrs, 1);
    assert_addr(&h[1].addrs[0], 9, 6, NULL);
    ck_assert_uint_eq(h[2].n_addrs, 3);
    assert_addr(&h[2].addrs[0], 12, 4, NULL);
    assert_addr(&h[2].addrs[1], 13, 6, "fd53::25:9");
    assert_addr(&h[2].addrs[2], 14, 6, NULL);
    ck_assert(!h[2].addrs[1].has_starttls);
    ck_assert_ptr_null(h[2].addrs[1].certificate);
    ck_assert(h[2].addrs[2].has_starttls);
    ck_assert_int_eq(h[2].addrs[2].starttls, SCEN_STARTTLS_NONE);
    ck_assert_str_eq(h[2].addrs[2].certificate, "other");
    assert_addr(&h[3].addrs[0], 16, 4, "127.9.8.7");
    ck_assert(scen_host_has_ipv6(h, 4));
    ck_assert(!scen_host_has_ipv6(h, 1));
    ck_assert(!scen_host_has_ipv6(&h[3], 1));
    scen_free(s);
}
END_TEST

Suite *scen_host_suite(void)
{
    Suite *s = suite_create("scen_host");
    TCase *pos = tcase_create("Positive");
    tcase_add_test(pos, server_keys);
    tcase_add_test(pos, tls_breadth_keys);
    tcase_add_test(pos, addresses);
    suite_add_tcase(s, pos);
    return s;
}
