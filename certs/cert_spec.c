#include "cert_spec.h"

#include "cert_key.h"
#include "dl_util.h"

#include <stdlib.h>
#include <string.h>

long cert_spec_find(const struct cert_spec *specs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].name, name) == 0)
            return (long)i;
    return -1;
}

static int check_name(const struct cert_spec *s, struct dl_error *err)
{
    size_t len = s->name != NULL ? strlen(s->name) : 0;
    if (len == 0)
        return dl_error_set(err, "certificate without a name");
    if (len > CERT_SPEC_NAME_MAX || s->name[0] == '.' ||
        strspn(s->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
        return dl_error_set(err,
                            "certificate '%s': the name must be 1..%d characters of A-Z a-z "
                            "0-9 _ . - not starting with '.'",
                            s->name, CERT_SPEC_NAME_MAX);
    return 0;
}

static int check_fields(const struct cert_spec *s, struct dl_error *err)
{
    enum cert_key_type t;
    if (cert_key_type_parse(s->key, &t, err) < 0)
        return dl_error_prefix(err, "certificate '%s'", s->name);
    if (s->not_after <= s->not_before)
        return dl_error_set(err,
                            "certificate '%s': not_after (%+lld s) must be later than "
                            "not_before (%+lld s)",
                            s->name, (long long)s->not_after, (long long)s->not_before);
    if (s->limit_path && !s->ca)
        return dl_error_set(err, "certificate '%s': a path length limit needs a CA", s->name);
    if (s->n_permitted > 0 && !s->ca)
        return dl_error_set(err, "certificate '%s': name constraints need a CA", s->name);
    for (size_t i = 0; i < s->n_permitted; i++)
        if (s->permitted == NULL || s->permitted[i] == NULL || s->permitted[i][0] == '\0' ||
            strpbrk(s->permitted[i], ",:\n") != NULL)
            return dl_error_set(
                err, "certificate '%s': permitted name %zu is empty or has , : or a newline",
                s->name, i + 1);
    if (s->n_names > 0 && s->names == NULL)
        return dl_error_set(err, "certificate '%s': %zu names but no list", s->name, s->n_names);
    for (size_t i = 0; i < s->n_names; i++)
        if (s->names[i] == NULL || s->names[i][0] == '\0')
            return dl_error_set(err, "certificate '%s': name %zu is empty", s->name, i + 1);
    return 0;
}

static int check_issuer(const struct cert_spec *specs, size_t n, size_t i, struct dl_error *err)
{
    long k;
    if (specs[i].issuer == NULL)
        return 0;
    k = cert_spec_find(specs, n, specs[i].issuer);
    if (k < 0)
        return dl_error_set(err, "certificate '%s': issuer '%s' is not defined", specs[i].name,
                            specs[i].issuer);
    if (!specs[k].ca)
        return dl_error_set(err, "certificate '%s': issuer '%s' is not a CA", specs[i].name,
                            specs[i].issuer);
    return 0;
}

/* Whether following issuers from certificate i comes back to it. */
static bool in_loop(const struct cert_spec *specs, size_t n, size_t i)
{
    long k = (long)i;
    for (size_t steps = 0; steps < n && specs[k].issuer != NULL; steps++) {
        k = cert_spec_find(specs, n, specs[k].issuer);
        if ((size_t)k == i)
            return true;
    }
    return false;
}

/* The first loop of the set, as "a -> b -> a", into err. */
static int loop_error(const struct cert_spec *specs, size_t n, struct dl_error *err)
{
    struct dl_buf path = {0};
    size_t i = 0;
    long k;
    while (i < n && !in_loop(specs, n, i))
        i++;
    k = (long)i;
    dl_buf_printf(&path, "%s", specs[i].name);
    do {
        k = cert_spec_find(specs, n, specs[k].issuer);
        dl_buf_printf(&path, " -> %s", specs[k].name);
    } while ((size_t)k != i);
    dl_error_set(err, "certificate '%s': issuer loop %s", specs[i].name, path.data);
    dl_buf_free(&path);
    return -1;
}

/* Number of issuers above certificate i (issuers known to exist), or -1 in
 * a loop. */
static long depth_of(const struct cert_spec *specs, size_t n, size_t i)
{
    long k = (long)i;
    for (long d = 0; d <= (long)n; d++) {
        if (specs[k].issuer == NULL)
            return d;
        k = cert_spec_find(specs, n, specs[k].issuer);
    }
    return -1;
}

static int check_one(const struct cert_spec *specs, size_t n, size_t i, struct dl_error *err)
{
    if (check_name(&specs[i], err) < 0 || check_fields(&specs[i], err) < 0)
        return -1;
    if (cert_spec_find(specs, n, specs[i].name) != (long)i)
        return dl_error_set(err, "certificate '%s' is defined twice", specs[i].name);
    return check_issuer(specs, n, i, err);
}

int cert_spec_check(const struct cert_spec *specs, size_t n, size_t *order, struct dl_error *err)
{
    long *depth;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (check_one(specs, n, i, err) < 0)
            return -1;
    depth = dl_xcalloc(n + 1, sizeof(*depth));
    for (size_t i = 0; i < n; i++) {
        depth[i] = depth_of(specs, n, i);
        if (depth[i] < 0) {
            free(depth);
            return loop_error(specs, n, err);
        }
    }
    for (long d = 0; k < n; d++)
        for (size_t i = 0; i < n; i++)
            if (depth[i] == d)
                order[k++] = i;
    free(depth);
    return 0;
}

char *cert_spec_text(const struct cert_spec *s, const char *issuer_digest)
{
    struct dl_buf b = {0};
    enum cert_key_type t = CERT_KEY_ECDSA_P256;
    cert_key_type_parse(s->key, &t, NULL);
    dl_buf_printf(&b, "name=%s\nkey=%s\nissuer=%s\nca=%d\n", s->name, cert_key_type_name(t),
                  s->issuer != NULL ? s->issuer : "-", s->ca ? 1 : 0);
    if (s->limit_path)
        dl_buf_printf(&b, "pathlen=%u\n", s->pathlen);
    for (size_t i = 0; i < s->n_permitted; i++)
        dl_buf_printf(&b, "permit=%s\n", s->permitted[i]);
    for (size_t i = 0; i < s->n_names; i++)
        dl_buf_printf(&b, "dns=%s\n", s->names[i]);
    dl_buf_printf(&b, "not_before=%lld\nnot_after=%lld\nissuer-cert=%s\n", (long long)s->not_before,
                  (long long)s->not_after, issuer_digest != NULL ? issuer_digest : "-");
    return b.data;
}
