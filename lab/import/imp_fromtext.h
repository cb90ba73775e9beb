/*
 * imp_fromtext: `danelab import --dig FILE --s-client FILE`: what a
 * customer sends (dig's and s_client's text, imp_dig and imp_sclient) as
 * one evidence object of the same model `danelab capture` writes
 * (docs/evidence.schema.json), so that the same import code
 * (imp_scenario) writes the scenario.
 *
 * The domain is the name of the first MX answer (with no dig text: the
 * parent of the host s_client connected to). Its hosts are the MX
 * targets, each with the A, AAAA and TLSA answers dig holds for it (and
 * the TLSA answer at its CNAME expansion); the zones are the names of
 * DNSKEY answers, with their DS and NSEC3PARAM answers (a DNSKEY RRset
 * that validated without a DS answer in the text: the SHA-256 DS of its
 * key-signing keys, RFC 4034 5.1.4); each s_client text is a server of
 * the host its -connect names, else of the host its certificate names,
 * else of the first. The capture time is dig's WHEN (else now). The
 * outcome is not in either text: it is what --expect says, else unknown
 * (the scenario then checks DNS only). Everything not inferred is a note.
 */
#ifndef IMP_FROMTEXT_H
#define IMP_FROMTEXT_H

#include "dl_error.h"
#include "dl_util.h"
#include "imp_dig.h"
#include "imp_sclient.h"

#include <jansson.h>

#define IMP_FROMTEXT_MAX_SCLIENT 8

struct imp_fromtext {
    struct imp_dig dig; /* d.n == 0: no --dig */
    struct imp_sclient sc[IMP_FROMTEXT_MAX_SCLIENT];
    size_t n_sc;
    const char *expect[2]; /* "STATUS:CODE[:REASON]" for rfc7672, exchange-online, or NULL */
};

/* Parse "[PROFILE=]STATUS:CODE[:REASON]" into in->expect (both profiles
 * without PROFILE). 0, or -1 with err set. */
int imp_fromtext_expect(struct imp_fromtext *in, const char *arg, struct dl_error *err);

/* The evidence object (the caller owns it) from in; notes get what is not
 * inferred. NULL with err set when nothing names a domain. */
json_t *imp_fromtext_evidence(struct imp_fromtext *in, struct dl_buf *notes, struct dl_error *err);

void imp_fromtext_free(struct imp_fromtext *in);

#endif
