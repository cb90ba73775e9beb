/*
 * imp_import: `danelab import EVIDENCE.json [-o SCENARIO.yaml]`: a
 * scenario (danelab-scenario(5)) that reproduces what `danelab capture`
 * observed, under test.: every name NAME becomes NAME.test (the mapping
 * is kept in a comment), the domain's zone signed the same way
 * (algorithms, DS digest, denial, NSEC3 iterations and salt), the hosts'
 * addresses by family, their servers' STARTTLS behaviour, TLS version and
 * certificates (imp_certs), the TLSA records, DNS faults inferred from the
 * validator's words (why_bogus) and the records (a DS that names no key,
 * a revoked key), and expect: the outcome the reference client observed
 * at capture time under both profiles. What it cannot reproduce is listed
 * in the file, under "# Not reproduced:", and on stderr; never dropped
 * silently. The scenario is loaded with the scenario parser before it is
 * written: a file that would not lint is an error.
 */
#ifndef IMP_IMPORT_H
#define IMP_IMPORT_H

#include "dl_error.h"
#include "dl_util.h"

#include <jansson.h>

/* The scenario for evidence `ev` (checked by imp_evidence) from file
 * `source` into *yaml, and the "not reproduced" lines into *notes (one a
 * line). 0, or -1 with err set. */
int imp_scenario(const json_t *ev, const char *source, struct dl_buf *yaml, struct dl_buf *notes,
                 struct dl_error *err);

/* The command; argv[0] is "import". Exit 0, or 2. */
int imp_main(int argc, char **argv);

#endif
