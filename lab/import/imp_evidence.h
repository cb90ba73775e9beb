/*
 * imp_evidence: read a danelab-evidence file (what `danelab capture`
 * writes; docs/evidence.schema.json) from untrusted bytes: at most
 * IMP_EVIDENCE_MAX_BYTES, one JSON object (jansson, duplicate keys
 * refused), format "danelab-evidence" and version 1, and every array
 * import walks within its bound (hosts, servers, certificates, zones,
 * records), every string it copies within IMP_EVIDENCE_MAX_STRING. What
 * is out of shape is an error naming the member; nothing is guessed.
 */
#ifndef IMP_EVIDENCE_H
#define IMP_EVIDENCE_H

#include "dl_error.h"

#include <jansson.h>
#include <stddef.h>

#define IMP_EVIDENCE_MAX_BYTES   (8 * 1024 * 1024)
#define IMP_EVIDENCE_MAX_STRING  65536 /* a PEM certificate fits */
#define IMP_EVIDENCE_MAX_HOSTS   16
#define IMP_EVIDENCE_MAX_SERVERS 8
#define IMP_EVIDENCE_MAX_CERTS   16
#define IMP_EVIDENCE_MAX_ZONES   32
#define IMP_EVIDENCE_MAX_RECORDS 256

/* Parse and check `len` bytes; the evidence object (the caller owns it),
 * or NULL with err set ("WHERE: what"). */
json_t *imp_evidence_parse(const char *data, size_t len, struct dl_error *err);

/* The same from a file. */
json_t *imp_evidence_load(const char *path, struct dl_error *err);

#endif
