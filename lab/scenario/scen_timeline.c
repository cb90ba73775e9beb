/* scen_timeline: `faults:` and `timeline:` (see scen_timeline.h). */
#include "scen_timeline.h"

#include "dl_util.h"
#include "zone_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fault_keys[] = {"fault", "target", "host", NULL};
static const char *const step_keys[] = {"at", "note", "faults", "hosts", NULL};

/* ------------------------------------------------------------------ */
/* Faults                                                             */

static int check_fault_name(struct scen_parse *c, const yaml_node_t *n, const char *name)
{
    if (zone_fault_lookup(name) == NULL)
        return scen_yaml_fail_at(c->y, n, c->err, "unknown fault '%s'", name);
    return 0;
}

static int parse_fault_host(struct scen_parse *c, const struct scen_yaml_map *m,
                            struct scen_fault *f)
{
    yaml_node_t *n = scen_yaml_get(m, "host");
    const char *s = NULL;
    if (scen_yaml_str(c->y, n, "host", &s, c->err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    f->host = scen_parse_absolute(s, c->domain);
    if (scen_host_index(c, f->host) < c->n_hosts)
        return 0;
    return scen_yaml_fail(c->y, n, "host", c->err, "no mx host named '%s'", f->host);
}

/* target: one of zone_fault.h's target names; *target is its enum value. */
static int get_target(struct scen_parse *c, const struct scen_yaml_map *m, int *target)
{
    const char *names[ZONE_TARGET_COUNT + 1];
    for (int t = 0; t < ZONE_TARGET_COUNT; t++)
        names[t] = zone_fault_target_name((enum zone_fault_target)t);
    names[ZONE_TARGET_COUNT] = NULL;
    return scen_yaml_get_enum(m, "target", names, target, c->err);
}

static int parse_fault_map(struct scen_parse *c, yaml_node_t *item, struct scen_fault *f,
                           yaml_node_t **name, yaml_node_t **target_node, int *target)
{
    struct scen_yaml_map m;
    if (scen_yaml_map_open(c->y, item, "faults", "fault", fault_keys, &m, c->err) != 0 ||
        (*name = scen_yaml_require(&m, "fault", c->err)) == NULL || get_target(c, &m, target) != 0)
        return -1;
    *target_node = scen_yaml_get(&m, "target");
    return parse_fault_host(c, &m, f);
}

/* The targets a fault accepts, for messages: "tlsa, mx, a". */
static void target_list(unsigned bits, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int t = 0; t < ZONE_TARGET_COUNT; t++)
        if ((bits & ZONE_TARGET_BIT(t)) && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                                     zone_fault_target_name((enum zone_fault_target)t));
}

/* A fault: "name" or {fault: name, target: ..., host: ...}. Without a
 * target, the fault's own default (zone_fault.h). */
static int parse_fault(struct scen_parse *c, yaml_node_t *item, struct scen_fault *f)
{
    yaml_node_t *name = item, *target_node = NULL;
    const struct zone_fault_info *info;
    const char *s = NULL;
    int target = -1;
    char allowed[64];
    f->loc = scen_parse_loc(c, item);
    if (item->type != YAML_SCALAR_NODE &&
        parse_fault_map(c, item, f, &name, &target_node, &target) != 0)
        return -1;
    if (scen_yaml_str(c->y, name, "fault", &s, c->err) != 0 || check_fault_name(c, name, s) != 0)
        return -1;
    info = zone_fault_lookup(s);
    if (target_node == NULL)
        target = (int)info->default_target;
    else if (!(info->targets & ZONE_TARGET_BIT(target))) {
        target_list(info->targets, allowed, sizeof(allowed));
        return scen_yaml_fail(c->y, target_node, "target", c->err,
                              "fault '%s' cannot hit '%s' (it takes: %s)", s,
                              zone_fault_target_name((enum zone_fault_target)target), allowed);
    }
    f->name = dl_xstrdup(s);
    f->target = dl_xstrdup(zone_fault_target_name((enum zone_fault_target)target));
    return 0;
}

int scen_timeline_parse_faults(struct scen_parse *c, const yaml_node_t *n, struct scen_fault **out,
                               size_t *n_out)
{
    if (n == NULL)
        return 0;
    if ((*out = scen_parse_array(c, n, "faults", SCEN_MAX_FAULTS, sizeof(**out), n_out)) == NULL)
        return -1;
    for (size_t i = 0; i < *n_out; i++)
        if (parse_fault(c, scen_yaml_seq_item(c->y, n, i), &(*out)[i]) != 0)
            return -1;
    return 0;
}

void scen_timeline_free_faults(struct scen_fault *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].name);
        free(f[i].target);
        free(f[i].host);
    }
    free(f);
}

/* ------------------------------------------------------------------ */
/* Timeline                                                           */

static int parse_step(struct scen_parse *c, yaml_node_t *item, struct scen_step *steps, size_t i)
{
    struct scen_step *step = &steps[i];
    struct scen_yaml_map m;
    yaml_node_t *at;
    const char *note = NULL;
    step->loc = scen_parse_loc(c, item);
    if (scen_yaml_map_open(c->y, item, "timeline", "timeline step", step_keys, &m, c->err) != 0 ||
        (at = scen_yaml_require(&m, "at", c->err)) == NULL ||
        scen_yaml_duration(c->y, at, "at", &step->at, c->err) != 0)
        return -1;
    if (step->at < 0)
        return scen_yaml_fail(c->y, at, "at", c->err, "expected a duration >= 0, got '%s'",
                              scen_yaml_scalar(at));
    if (i > 0 && step->at <= steps[i - 1].at)
        return scen_yaml_fail(c->y, at, "at", c->err, "not later than the previous step (line %u)",
                              steps[i - 1].loc.line);
    if (scen_yaml_get_str(&m, "note", &note, c->err) != 0)
        return -1;
    step->note = note ? dl_xstrdup(note) : NULL;
    step->has_faults = scen_yaml_get(&m, "faults") != NULL;
    if (scen_timeline_parse_faults(c, scen_yaml_get(&m, "faults"), &step->faults,
                                   &step->n_faults) != 0)
        return -1;
    return scen_host_parse_changes(c, scen_yaml_get(&m, "hosts"), &step->hosts, &step->n_hosts);
}

int scen_timeline_parse(struct scen_parse *c, const yaml_node_t *n, struct scen_step **out,
                        size_t *n_out)
{
    if (n == NULL)
        return 0;
    if ((*out = scen_parse_array(c, n, "timeline", SCEN_MAX_STEPS, sizeof(**out), n_out)) == NULL)
        return -1;
    for (size_t i = 0; i < *n_out; i++)
        if (parse_step(c, scen_yaml_seq_item(c->y, n, i), *out, i) != 0)
            return -1;
    return 0;
}

void scen_timeline_free(struct scen_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(steps[i].note);
        scen_timeline_free_faults(steps[i].faults, steps[i].n_faults);
        scen_host_free_changes(steps[i].hosts, steps[i].n_hosts);
    }
    free(steps);
}

struct scen_host *scen_timeline_hosts_at(const struct scen_host *hosts, size_t n_hosts,
                                         const struct scen_step *steps, size_t n_steps, int index)
{
    struct scen_host *h;
    if (n_hosts == 0)
        return NULL;
    h = dl_xcalloc(n_hosts, sizeof(*h));
    memcpy(h, hosts, n_hosts * sizeof(*h));
    for (int i = 0; i <= index && (size_t)i < n_steps; i++)
        for (size_t k = 0; k < steps[i].n_hosts; k++)
            scen_host_apply(&h[steps[i].hosts[k].host], &steps[i].hosts[k]);
    return h;
}

/* ------------------------------------------------------------------ */
/* Checks across keys                                                 */

/* What a host does after each step must make sense as the scenario's own
 * hosts must (scen_host.c, parse_server): a TLS fault needs a handshake. */
static int check_timeline_hosts(struct scen_parse *c, const struct scen_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct scen_step *step = &steps[i];
        struct scen_host *hosts;
        int rc = 0;
        if (step->n_hosts == 0)
            continue;
        hosts = scen_timeline_hosts_at(c->hosts, c->n_hosts, steps, n, (int)i);
        for (size_t k = 0; rc == 0 && k < step->n_hosts; k++) {
            const struct scen_host *h = &hosts[step->hosts[k].host];
            if (h->tls_fault != SCEN_TLS_FAULT_NONE && h->starttls != SCEN_STARTTLS_OFFER)
                rc = dl_error_set(c->err,
                                  "%s:%u: mx host '%s' after this step: tls_fault %s needs a "
                                  "handshake: starttls: offer, not '%s'",
                                  step->hosts[k].loc.file, step->hosts[k].loc.line, h->name,
                                  scen_tls_fault_name(h->tls_fault),
                                  scen_starttls_name(h->starttls));
        }
        free(hosts);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Faults a timeline step may add or remove: those acting inside the
 * scenario's own zones. The runner rebuilds only those zones, so a fault
 * in the parent (DS), or one that changes which zones exist or who serves
 * them, cannot change on the timeline. */
static bool fault_in_own_zones(const struct scen_fault *f)
{
    static const char *const shape[] = {
        "lame-delegation", "tlsa-servfail",     "mx-cname", "mx-cname-insecure",
        "mx-dname",        "ds-without-dnskey", NULL};
    if (strcmp(f->target, "ds") == 0)
        return false;
    for (size_t i = 0; shape[i] != NULL; i++)
        if (strcmp(f->name, shape[i]) == 0)
            return false;
    return true;
}

/* `tlsa_at: original` only means something for a host that is a CNAME
 * (mx-cname, mx-cname-insecure). */
static int check_tlsa_at(struct scen_parse *c, const struct scen_fault *faults, size_t n_faults)
{
    for (size_t i = 0; i < c->n_hosts; i++) {
        const struct scen_host *h = &c->hosts[i];
        bool alias = false;
        if (!h->tlsa_at_original)
            continue;
        for (size_t k = 0; k < n_faults; k++) {
            const struct scen_fault *f = &faults[k];
            const char *fh = f->host ? f->host : c->hosts[0].name;
            alias = alias || (strncmp(f->name, "mx-cname", 8) == 0 && strcmp(fh, h->name) == 0);
        }
        if (!alias)
            return dl_error_set(c->err,
                                "%s:%u: key 'tlsa_at': host '%s' is no CNAME (tlsa_at: original "
                                "needs the fault mx-cname or mx-cname-insecure on it)",
                                h->tlsa_at_loc.file, h->tlsa_at_loc.line, h->name);
    }
    return 0;
}

/* mx-dname: the DNAME owner is the host's name without its first label
 * (mx1.mail.<domain> -> mail.<domain>), which must lie below the domain:
 * a DNAME at the apex would redirect the whole domain. */
static int check_dname(struct scen_parse *c, const struct scen_fault *faults, size_t n_faults)
{
    for (size_t k = 0; k < n_faults && c->n_hosts > 0; k++) {
        const struct scen_fault *f = &faults[k];
        const char *host = f->host ? f->host : c->hosts[0].name, *owner = strchr(host, '.');
        if (strcmp(f->name, "mx-dname") != 0)
            continue;
        owner = owner != NULL ? owner + 1 : "";
        if (strcmp(owner, c->domain) == 0 || !dl_name_under(owner, c->domain))
            return dl_error_set(c->err,
                                "%s:%u: fault mx-dname: host '%s' must lie below a subdomain of "
                                "the domain (for example mx1.mail.%s): the DNAME is the name "
                                "above the host's first label",
                                f->loc.file, f->loc.line, host, c->domain);
    }
    return 0;
}

static int check_timeline_faults(struct scen_parse *c, const struct scen_fault *faults,
                                 size_t n_faults, const struct scen_step *steps, size_t n_steps)
{
    bool changes = false; /* a state other than the scenario's own: its zones rebuilt */
    for (size_t i = 0; i < n_steps; i++)
        changes = changes || steps[i].has_faults || steps[i].n_hosts > 0;
    if (!changes)
        return 0;
    for (size_t i = 0; i < n_faults; i++)
        if (!fault_in_own_zones(&faults[i]))
            return dl_error_set(c->err,
                                "%s:%u: fault %s on '%s' cannot change on the timeline (it acts "
                                "on the parent or on which zones exist); timeline steps may only "
                                "change faults inside the scenario's own zones",
                                faults[i].loc.file, faults[i].loc.line, faults[i].name,
                                faults[i].target);
    for (size_t i = 0; i < n_steps; i++)
        for (size_t k = 0; k < steps[i].n_faults; k++) {
            const struct scen_fault *f = &steps[i].faults[k];
            if (!fault_in_own_zones(f))
                return dl_error_set(c->err,
                                    "%s:%u: fault %s on '%s' cannot be set by a timeline step (it "
                                    "acts on the parent or on which zones exist)",
                                    f->loc.file, f->loc.line, f->name, f->target);
        }
    return 0;
}

int scen_timeline_check(struct scen_parse *c, const struct scen_fault *faults, size_t n_faults,
                        const struct scen_step *steps, size_t n_steps)
{
    if (check_timeline_faults(c, faults, n_faults, steps, n_steps) != 0 ||
        check_timeline_hosts(c, steps, n_steps) != 0 || check_tlsa_at(c, faults, n_faults) != 0 ||
        check_dname(c, faults, n_faults) != 0)
        return -1;
    return 0;
}
