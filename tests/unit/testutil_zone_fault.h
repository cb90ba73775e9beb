/*
 * testutil_zone_fault: the fixture the zone fault unit tests share
 * (check_zone_fault, check_zone_fault_rrsig, check_zone_fault_denial). Each
 * fault is built into a small world (root, test., a.test. with MX, A and
 * TLSA), read back from the zone files and compared with the same world
 * built without the fault (same run directory, so the same keys): the file
 * really contains what the fault says, and nothing else changed.
 */
#ifndef TESTUTIL_ZONE_FAULT_H
#define TESTUTIL_ZONE_FAULT_H

#include "dl_util.h"

#include <check.h>
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NOW      ((time_t)1893456000) /* 2030-01-01T00:00:00Z */
#define VALIDITY (30u * 86400u)
#define BACKDATE 3600u
#define DOMAIN   "a.test."
#define HOST     "mx1.a.test."
#define TLSA     "_25._tcp.mx1.a.test."
#define TLSA_HEX "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"

struct built {
    ldns_rr_list *child;  /* a.test. */
    ldns_rr_list *parent; /* test. */
};

struct fault_case {
    const char *fault; /* NULL: none */
    const char *owner;
    uint16_t type;
    bool nsec3;             /* the domain zone uses NSEC3 */
    const char *extra_zone; /* one more signed zone (served by ns1.a.test.), or NULL */
};

/* The world without a fault. */
extern const struct fault_case tu_baseline;

/* The RRsets an RRSIG fault may hit: TLSA, MX, A (the targets of
 * nsec-type-bitmap-lies too), then DNSKEY. */
struct tu_target {
    const char *owner;
    ldns_rr_type type;
};
#define TU_N_TARGETS 4
extern const struct tu_target tu_targets[TU_N_TARGETS];

/* A test case `name` of suite `s` with a 60 s timeout and the checked
 * fixture: a new run directory for each test, the signing time back to
 * NOW; the directory is removed after the test. */
TCase *tu_fault_tcase(Suite *s, const char *name);

/* The run directory of the test under way. */
const char *tu_fault_dir(void);

/* The signing time of the next build, and setting it. */
time_t tu_fault_now(void);
void tu_fault_set_now(time_t now);

/* Builds the world with fault `f` into the run directory: 0, or -1 with
 * `err` set. */
int tu_try_build(const struct fault_case *f, struct dl_error *err);

/* Every record of the run directory's zones/FILE, its SOA last; the
 * caller deep-frees. */
ldns_rr_list *tu_read_zone(const char *file);

/* tu_try_build, which must succeed, then a.test. and test. read back;
 * tu_built_free frees them. */
struct built tu_build(const struct fault_case *f);
void tu_built_free(struct built *b);

/* The RRSIGs over owner/type; caller deep-frees. */
ldns_rr_list *tu_sigs_of(const ldns_rr_list *all, const char *owner, ldns_rr_type type);

/* The one record of `l` (asserted: `what` names it in the failure). */
ldns_rr *tu_the_one(ldns_rr_list *l, const char *what);

/* A clone of a.test.'s KSK DNSKEY; the caller frees. */
ldns_rr *tu_ksk_of(const ldns_rr_list *all);

/* The expiration (or inception) of `sig`. */
uint32_t tu_sig_time(const ldns_rr *sig, bool expiration);

/* Verify `sig` over its RRset with the zone's DNSKEYs at `when`. */
ldns_status tu_verify_at(const ldns_rr_list *all, const ldns_rr *sig, time_t when);

/* `after` differs from `before` by exactly n_removed and n_added records
 * (RRSIGs and SOA aside); removed and added (optional) get them. */
void tu_assert_diff(const ldns_rr_list *before, const ldns_rr_list *after, size_t n_removed,
                    size_t n_added, ldns_rr_list **removed, ldns_rr_list **added);

/* Every RRSIG of `all` except those over owner/type has the nominal times
 * and verifies at NOW. */
void tu_assert_others_nominal(const ldns_rr_list *all, const char *owner, ldns_rr_type type);

#endif
