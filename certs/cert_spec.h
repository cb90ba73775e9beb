/*
 * cert_spec: what a scenario says about one certificate, checked as a set
 * before anything is issued.
 *
 * certs/ does not know the scenario format: the caller (lab/) translates
 * its own records into cert_spec values. A set is valid when every name is
 * unique and usable as a file name, every key type is known, every issuer
 * names another certificate of the set that is a CA, and issuers form no
 * loop. Each message names the certificate at fault.
 */
#ifndef CERT_SPEC_H
#define CERT_SPEC_H

#include "dl_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_SPEC_NAME_MAX 64

struct cert_spec {
    const char *name;   /* unique in the set; [A-Za-z0-9_.-], not starting with '.' */
    const char *key;    /* "ecdsa-p256" (NULL: the same), "rsa2048", "rsa3072", "ed25519" */
    const char *issuer; /* name of another certificate of the set; NULL: self-signed */
    bool ca;            /* may issue certificates */
    bool limit_path;    /* CA only: add pathLenConstraint = pathlen */
    unsigned pathlen;
    /* CA only: nameConstraints with these permitted dNSName subtrees
     * ("example.test" permits it and every name below it) */
    const char *const *permitted;
    size_t n_permitted;
    const char *const *names; /* subjectAltName dNSNames; CN = the first (or the name) */
    size_t n_names;
    int64_t not_before; /* validity, seconds relative to the build's now */
    int64_t not_after;  /* must be later than not_before */
};

/* Check the set and compute an issuing order: on success order[0..n-1] is a
 * permutation of 0..n-1 with every issuer before the certificates it signs
 * (`order` is the caller's array of n elements). Returns 0, or -1 with `err`
 * naming the first certificate at fault. */
int cert_spec_check(const struct cert_spec *specs, size_t n, size_t *order, struct dl_error *err);

/* Index of the certificate called `name`, or -1. */
long cert_spec_find(const struct cert_spec *specs, size_t n, const char *name);

/* The canonical text of a spec, one "field=value" per line, followed by
 * "issuer-cert=<issuer_digest>" (a digest of the issuer's certificate, or
 * "-" when self-signed): equal texts mean the same certificate would be
 * issued, up to keys, serials and the build's now. The caller frees it. */
char *cert_spec_text(const struct cert_spec *s, const char *issuer_digest);

#endif
