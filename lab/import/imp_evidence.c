#include "imp_evidence.h"

#include "cap_capture.h"
#include "dl_json.h"
#include "dl_util.h"

#include <stdlib.h>
#include <string.h>

/* Each string in `v` (any depth, bounded by jansson's own nesting limit)
 * is at most IMP_EVIDENCE_MAX_STRING bytes and holds no NUL. */
static int strings_ok(const json_t *v, int depth, struct dl_error *err)
{
    const char *key;
    json_t *m;
    size_t i;
    if (depth > 16)
        return dl_error_set(err, "evidence: nested more than 16 levels");
    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        if (n > IMP_EVIDENCE_MAX_STRING || strlen(json_string_value(v)) != n)
            return dl_error_set(err, "evidence: a string is longer than %d bytes or holds NUL",
                                IMP_EVIDENCE_MAX_STRING);
    }
    if (json_is_object(v))
        json_object_foreach((json_t *)v, key, m)
            if (strings_ok(m, depth + 1, err) != 0)
                return -1;
    if (json_is_array(v))
        json_array_foreach(v, i, m)
            if (strings_ok(m, depth + 1, err) != 0)
                return -1;
    return 0;
}

/* o[key] is an array of at most `max` items (absent: empty). */
static int array_ok(const json_t *o, const char *where, const char *key, size_t max,
                    struct dl_error *err)
{
    json_t *a = json_object_get(o, key);
    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return dl_error_set(err, "evidence: %s.%s is not a list", where, key);
    if (json_array_size(a) > max)
        return dl_error_set(err, "evidence: %s.%s has %zu items (at most %zu)", where, key,
                            json_array_size(a), max);
    return 0;
}

/* An RRset object, when present: records within bounds. */
static int rrset_ok(const json_t *o, const char *where, const char *key, struct dl_error *err)
{
    json_t *r = json_object_get(o, key);
    char w[96];
    if (r == NULL || json_is_null(r))
        return 0;
    snprintf(w, sizeof(w), "%s.%s", where, key);
    if (!json_is_object(r) || !json_is_string(json_object_get(r, "status")))
        return dl_error_set(err, "evidence: %s is not an RRset (no status)", w);
    if (array_ok(r, w, "records", IMP_EVIDENCE_MAX_RECORDS, err) != 0 ||
        array_ok(r, w, "signatures", IMP_EVIDENCE_MAX_RECORDS, err) != 0 ||
        array_ok(r, w, "chain", IMP_EVIDENCE_MAX_RECORDS, err) != 0)
        return -1;
    return 0;
}

static int server_ok(const json_t *s, const char *where, struct dl_error *err)
{
    json_t *tls = json_object_get(s, "tls"), *wo = json_object_get(s, "without_sni");
    if (!json_is_object(s))
        return dl_error_set(err, "evidence: %s is not an object", where);
    if ((tls && array_ok(tls, where, "certificates", IMP_EVIDENCE_MAX_CERTS, err) != 0) ||
        (wo && array_ok(wo, where, "certificates", IMP_EVIDENCE_MAX_CERTS, err) != 0))
        return -1;
    return 0;
}

static int host_ok(const json_t *h, size_t i, struct dl_error *err)
{
    static const char *const sets[] = {"a", "aaaa", "tlsa", "tlsa_expanded"};
    char w[48];
    json_t *srv;
    size_t k;
    snprintf(w, sizeof(w), "hosts[%zu]", i);
    if (!json_is_object(h) || !json_is_string(json_object_get(h, "name")))
        return dl_error_set(err, "evidence: %s has no name", w);
    for (k = 0; k < sizeof(sets) / sizeof(sets[0]); k++)
        if (rrset_ok(h, w, sets[k], err) != 0)
            return -1;
    if (array_ok(h, w, "servers", IMP_EVIDENCE_MAX_SERVERS, err) != 0)
        return -1;
    json_array_foreach(json_object_get(h, "servers"), k, srv)
        if (server_ok(srv, w, err) != 0)
            return -1;
    return 0;
}

static int zone_ok(const json_t *z, size_t i, struct dl_error *err)
{
    char w[48];
    snprintf(w, sizeof(w), "zones[%zu]", i);
    if (!json_is_object(z) || !json_is_string(json_object_get(z, "name")))
        return dl_error_set(err, "evidence: %s has no name", w);
    if (rrset_ok(z, w, "ds", err) != 0 || rrset_ok(z, w, "dnskey", err) != 0 ||
        rrset_ok(z, w, "nsec3param", err) != 0)
        return -1;
    return 0;
}

static int shape_ok(const json_t *ev, struct dl_error *err)
{
    json_t *m;
    size_t i;
    if (!json_is_object(ev))
        return dl_error_set(err, "evidence: not a JSON object");
    if (strcmp(dl_json_str(ev, "format"), CAP_EVIDENCE_FORMAT) != 0)
        return dl_error_set(err, "evidence: format is not \"%s\"", CAP_EVIDENCE_FORMAT);
    if (json_integer_value(json_object_get(ev, "version")) != CAP_EVIDENCE_VERSION)
        return dl_error_set(err, "evidence: version is not %d (this danelab reads version %d)",
                            CAP_EVIDENCE_VERSION, CAP_EVIDENCE_VERSION);
    if (!json_is_string(json_object_get(ev, "domain")) ||
        !json_is_string(json_object_get(ev, "captured_at")))
        return dl_error_set(err, "evidence: domain and captured_at are required strings");
    if (strings_ok(ev, 0, err) != 0 || rrset_ok(ev, "evidence", "mx", err) != 0 ||
        rrset_ok(ev, "evidence", "tlsrpt", err) != 0 ||
        array_ok(ev, "evidence", "hosts", IMP_EVIDENCE_MAX_HOSTS, err) != 0 ||
        array_ok(ev, "evidence", "zones", IMP_EVIDENCE_MAX_ZONES, err) != 0 ||
        array_ok(ev, "evidence", "notes", 1024, err) != 0)
        return -1;
    json_array_foreach(json_object_get(ev, "hosts"), i, m)
        if (host_ok(m, i, err) != 0)
            return -1;
    json_array_foreach(json_object_get(ev, "zones"), i, m)
        if (zone_ok(m, i, err) != 0)
            return -1;
    return 0;
}

json_t *imp_evidence_parse(const char *data, size_t len, struct dl_error *err)
{
    json_error_t je;
    json_t *ev;
    if (len > IMP_EVIDENCE_MAX_BYTES) {
        dl_error_set(err, "evidence: %zu bytes (at most %d)", len, IMP_EVIDENCE_MAX_BYTES);
        return NULL;
    }
    if ((ev = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
        dl_error_set(err, "evidence: line %d: %s", je.line, je.text);
        return NULL;
    }
    if (shape_ok(ev, err) != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

json_t *imp_evidence_load(const char *path, struct dl_error *err)
{
    char *data;
    size_t len;
    json_t *ev;
    if (dl_read_file(path, IMP_EVIDENCE_MAX_BYTES, &data, &len, err) != 0)
        return NULL;
    ev = imp_evidence_parse(data, len, err);
    free(data);
    if (ev == NULL)
        dl_error_prefix(err, "%s", path);
    return ev;
}
