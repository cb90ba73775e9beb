#include "lab_report.h"

#include "dl_log.h"
#include "dl_json.h"
#include "dl_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void lab_xml_escape(FILE *f, const char *s, bool attr)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '\t':
        case '\n':
        case '\r':
            if (attr)
                fprintf(f, "&#%d;", *p);
            else
                fputc(*p, f);
            break;
        default:
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
        }
    }
}

static double num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

bool lab_report_dns_pass(const json_t *scen)
{
    const json_t *sets = json_object_get(scen, "rrsets"), *r;
    size_t i;
    if (!json_is_array(sets) || json_array_size(sets) == 0)
        return json_is_true(json_object_get(scen, "pass")) ||
               json_array_size(json_object_get(scen, "delivery")) > 0;
    json_array_foreach(sets, i, r)
        if (!json_is_true(json_object_get(r, "pass")))
            return false;
    return true;
}

const char *lab_report_error(const json_t *scen)
{
    return json_string_value(json_object_get(scen, "error"));
}

void lab_report_error_line(FILE *f, const json_t *scen)
{
    fprintf(f, "ERROR %-27s %s\n", dl_json_str(scen, "name"), lab_report_error(scen));
}

long long lab_report_count(const json_t *report, const char *key)
{
    return (long long)json_integer_value(json_object_get(json_object_get(report, "summary"), key));
}

size_t lab_report_checks(const json_t *scen)
{
    return 1 + json_array_size(json_object_get(scen, "delivery"));
}

json_t *lab_report_trace(const char *run_dir, const char *name, const char *domain)
{
    size_t n = strlen(domain);
    char *log = dl_xasprintf("%s/log/fakesmtp.jsonl", run_dir);
    char *explain = dl_xasprintf("danelab explain %s", name);
    json_t *t = json_pack("{s:s, s:s%, s:s}", "smtp_log", log, "domain", domain,
                          n > 1 && domain[n - 1] == '.' ? n - 1 : n, "explain", explain);
    free(log);
    free(explain);
    return t;
}

/* One line per RRset: "mx good.test. MX: expected secure, observed
 * insecure: NOERROR, 1 record"; only the failed ones when `failed_only`. */
static void dns_lines(struct dl_buf *b, const json_t *scen, bool failed_only, const char *sep)
{
    const json_t *sets = json_object_get(scen, "rrsets"), *r;
    size_t i;
    bool first = true;
    json_array_foreach(sets, i, r) {
        const char *reason = dl_json_str(r, "reason");
        if (failed_only && json_is_true(json_object_get(r, "pass")))
            continue;
        dl_buf_printf(b, "%s%s %s %s: expected %s%s%s%s, observed %s: %s", first ? "" : sep,
                      dl_json_str(r, "rrset"), dl_json_str(r, "name"), dl_json_str(r, "type"),
                      dl_json_str(r, "expected"), *reason ? " (" : "", reason, *reason ? ")" : "",
                      dl_json_str(r, "observed"), dl_json_str(r, "why"));
        first = false;
    }
    if (first && failed_only) /* no RRset list: the scenario's own verdict */
        dl_buf_printf(b, "expected %s, observed %s",
                      dl_json_str(json_object_get(scen, "expected"), "dnssec"),
                      dl_json_str(json_object_get(scen, "observed"), "dnssec"));
}

/* "deferred 4.7.323 (no-tlsa-match) tlsrpt validation-failure" */
static void outcome_text(struct dl_buf *b, const json_t *o, bool tlsrpt)
{
    dl_buf_printf(b, "%s %s", dl_json_str(o, "status"), dl_json_str(o, "code"));
    if (*dl_json_str(o, "reason"))
        dl_buf_printf(b, " (%s)", dl_json_str(o, "reason"));
    if (tlsrpt && *dl_json_str(o, "tlsrpt"))
        dl_buf_printf(b, " tlsrpt %s", dl_json_str(o, "tlsrpt"));
}

static json_t *outcome_json(const struct scen_outcome *o)
{
    return json_pack("{s:s, s:s, s:s*, s:s*}", "status", o->status, "code", o->code, "reason",
                     o->reason, "tlsrpt", o->tlsrpt);
}

json_t *lab_report_accept_json(const struct scen_accept *a, int matched)
{
    json_t *e = outcome_json(&a->alt[matched >= 0 ? matched : 0]);
    if (a->n_alt > 1) {
        json_t *any = json_array();
        for (size_t i = 0; i < a->n_alt; i++) {
            json_t *o = outcome_json(&a->alt[i]);
            if (a->alt[i].note)
                json_object_set_new(o, "note", json_string(a->alt[i].note));
            json_array_append_new(any, o);
        }
        json_object_set_new(e, "any", any);
        if (matched >= 0)
            json_object_set_new(e, "matched", json_integer(matched));
    } else if (a->n_alt == 1 && a->alt[0].note)
        json_object_set_new(e, "note", json_string(a->alt[0].note));
    if (a->n_rfc > 0) {
        json_t *rfc = json_array();
        for (size_t i = 0; i < a->n_rfc; i++)
            json_array_append_new(rfc, json_string(a->rfc[i]));
        json_object_set_new(e, "rfc", rfc);
    }
    return e;
}

void lab_report_expected_text(struct dl_buf *b, const json_t *o, bool tlsrpt)
{
    const json_t *any = json_object_get(o, "any"), *x;
    size_t i;
    if (json_array_size(any) == 0)
        outcome_text(b, o, tlsrpt);
    json_array_foreach(any, i, x) {
        dl_buf_printf(b, "%s", i ? " | " : "");
        outcome_text(b, x, tlsrpt);
    }
    json_array_foreach(json_object_get(o, "rfc"), i, x)
        dl_buf_printf(b, "%s%s%s", i ? "; " : " [", json_string_value(x), "");
    if (json_array_size(json_object_get(o, "rfc")) > 0)
        dl_buf_printf(b, "]");
}

static void trace_lines(struct dl_buf *b, const json_t *scen)
{
    const json_t *t = json_object_get(scen, "trace");
    if (t == NULL)
        return;
    dl_buf_printf(b, "SMTP sessions: %s (listener *.%s)\nexplain: %s\n", dl_json_str(t, "smtp_log"),
                  dl_json_str(t, "domain"), dl_json_str(t, "explain"));
}

json_t *lab_report_check_names(const json_t *scens)
{
    json_t *names = json_array(), *s, *d;
    size_t i, j, k;
    json_array_append_new(names, json_string("dns"));
    json_array_foreach(scens, i, s)
        json_array_foreach(json_object_get(s, "delivery"), j, d) {
            bool seen = false;
            json_t *n;
            json_array_foreach(names, k, n)
                seen = seen || strcmp(json_string_value(n), dl_json_str(d, "profile")) == 0;
            if (!seen)
                json_array_append_new(names, json_string(dl_json_str(d, "profile")));
        }
    return names;
}

/* The scenario's testcase for check `name`: NULL when it has none;
 * *pass, *secs, the failure message and the output text in the buffers. */
static bool testcase(const json_t *s, const char *name, bool *pass, double *secs,
                     struct dl_buf *msg, struct dl_buf *out)
{
    const json_t *dl = json_object_get(s, "delivery"), *d;
    size_t i;
    dl_buf_reset(msg);
    dl_buf_reset(out);
    dl_buf_printf(out, "domain: %s\n", dl_json_str(s, "domain"));
    if (strcmp(name, "dns") == 0) {
        *pass = lab_report_dns_pass(s);
        *secs = num(s, "seconds");
        json_array_foreach(dl, i, d)
            *secs -= num(d, "seconds");
        if (*secs < 0)
            *secs = 0;
        dns_lines(out, s, false, "\n");
        dl_buf_printf(out, "\n");
        if (!*pass)
            dns_lines(msg, s, true, "; ");
        return true;
    }
    json_array_foreach(dl, i, d) {
        const json_t *obs = json_object_get(d, "observed");
        if (strcmp(dl_json_str(d, "profile"), name) != 0)
            continue;
        *pass = json_is_true(json_object_get(d, "pass"));
        *secs = num(d, "seconds");
        dl_buf_printf(out, "profile: %s\nexpected: ", name);
        lab_report_expected_text(out, json_object_get(d, "expected"), true);
        dl_buf_printf(out, "\nobserved: ");
        outcome_text(out, obs, true);
        dl_buf_printf(out, "\ndetail: %s\n", dl_json_str(obs, "detail"));
        if (!*pass)
            dl_buf_printf(msg, "%s",
                          *dl_json_str(d, "mismatch") ? dl_json_str(d, "mismatch") : "failed");
        return true;
    }
    return false;
}

/* The report's "skipped" scenarios (lab_session: --no-netns and IPv6) as
 * one testsuite "skipped" of <skipped/> testcases, when there are any. */
static void junit_skipped(FILE *f, const json_t *skipped)
{
    const json_t *k;
    size_t i;
    if (json_array_size(skipped) == 0)
        return;
    fprintf(f,
            "  <testsuite name=\"skipped\" tests=\"%zu\" failures=\"0\" errors=\"0\" "
            "skipped=\"%zu\" time=\"0.000\">\n",
            json_array_size(skipped), json_array_size(skipped));
    json_array_foreach(skipped, i, k) {
        fputs("    <testcase classname=\"", f);
        lab_xml_escape(f, dl_json_str(k, "name"), true);
        fputs("\" name=\"all\" time=\"0.000\">\n      <skipped message=\"", f);
        lab_xml_escape(f, dl_json_str(k, "reason"), true);
        fputs("\"/>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n", f);
}

int lab_report_junit(FILE *f, const json_t *report)
{
    const json_t *scens = json_object_get(report, "scenarios"), *s, *n;
    json_t *names = lab_report_check_names(scens);
    struct dl_buf msg = {0}, out = {0};
    size_t i, j, tests = 0, failures = 0, errors = 0;
    double total = 0, secs;
    bool pass;

    json_array_foreach(names, i, n)
        json_array_foreach(scens, j, s) {
            if (testcase(s, json_string_value(n), &pass, &secs, &msg, &out)) {
                tests++;
                errors += lab_report_error(s) != NULL;
                failures += !pass && lab_report_error(s) == NULL;
                total += secs;
            }
        }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"danelab\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "time=\"%.3f\">\n",
            tests + json_array_size(json_object_get(report, "skipped")), failures, errors, total);
    json_array_foreach(names, i, n) {
        const char *check = json_string_value(n);
        size_t st = 0, sf = 0, se = 0;
        double stime = 0;
        json_array_foreach(scens, j, s)
            if (testcase(s, check, &pass, &secs, &msg, &out)) {
                st++;
                se += lab_report_error(s) != NULL;
                sf += !pass && lab_report_error(s) == NULL;
                stime += secs;
            }
        if (st == 0)
            continue;
        fputs("  <testsuite name=\"", f);
        lab_xml_escape(f, check, true);
        fprintf(f,
                "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n",
                st, sf, se, stime);
        json_array_foreach(scens, j, s) {
            if (!testcase(s, check, &pass, &secs, &msg, &out))
                continue;
            fputs("    <testcase classname=\"", f);
            lab_xml_escape(f, dl_json_str(s, "name"), true);
            fputs("\" name=\"", f);
            lab_xml_escape(f, check, true);
            fprintf(f, "\" time=\"%.3f\">\n", secs);
            if (lab_report_error(s)) {
                /* not a verdict: JUnit's error, not its failure */
                fputs("      <error type=\"lab\" message=\"", f);
                lab_xml_escape(f, lab_report_error(s), true);
                fputs("\"/>\n", f);
            } else if (!pass) {
                fputs("      <failure type=\"", f);
                lab_xml_escape(f, strcmp(check, "dns") == 0 ? "dnssec" : "delivery", true);
                fputs("\" message=\"", f);
                lab_xml_escape(f, dl_buf_str(&msg), true);
                fputs("\">", f);
                lab_xml_escape(f, dl_buf_str(&msg), false);
                fputc('\n', f);
                dl_buf_reset(&msg);
                trace_lines(&msg, s);
                lab_xml_escape(f, dl_buf_str(&msg), false);
                fputs("</failure>\n", f);
            }
            fputs("      <system-out>", f);
            lab_xml_escape(f, dl_buf_str(&out), false);
            fputs("</system-out>\n    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    junit_skipped(f, json_object_get(report, "skipped"));
    fputs("</testsuites>\n", f);
    dl_buf_free(&msg);
    dl_buf_free(&out);
    json_decref(names);
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

void lab_report_tap_plan(FILE *f, size_t n)
{
    fprintf(f, "TAP version 13\n1..%zu\n", n);
}

/* A YAML block-style entry `key: VALUE` at `indent`, in the subset that
 * TAP consumers' YAMLish readers understand: objects as nested blocks,
 * arrays as "- " items (nested ones as their JSON text), strings
 * double-quoted with JSON's escapes (valid YAML), numbers and booleans
 * plain. */
static void yaml_value(FILE *f, int indent, const char *key, const json_t *v)
{
    const char *k;
    const json_t *m;
    size_t i;
    char *text;
    if (v == NULL)
        return;
    if (key)
        fprintf(f, "%*s%s:", indent, "", key);
    if (json_is_object(v) && json_object_size(v) > 0) {
        fputc('\n', f);
        json_object_foreach((json_t *)v, k, m)
            yaml_value(f, indent + 2, k, m);
        return;
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        fputc('\n', f);
        json_array_foreach(v, i, m) {
            /* a nested object or array: its JSON text as a string */
            json_t *item = json_incref((json_t *)m);
            if (json_is_object(m) || json_is_array(m)) {
                text = json_dumps(m, JSON_ENCODE_ANY);
                json_decref(item);
                item = json_string(text ? text : "");
                free(text);
            }
            fprintf(f, "%*s-", indent + 2, "");
            yaml_value(f, 0, NULL, item);
            json_decref(item);
        }
        return;
    }
    text = json_dumps(v, JSON_ENCODE_ANY);
    fprintf(f, " %s\n", text ? text : "~");
    free(text);
}

static void yaml_str(FILE *f, const char *key, const char *v)
{
    json_t *s = json_string(v);
    yaml_value(f, 2, key, s);
    json_decref(s);
}

static void tap_point(FILE *f, size_t n, const json_t *s, const char *check, bool pass,
                      const char *msg, const json_t *expected, const json_t *observed)
{
    const json_t *t = json_object_get(s, "trace");
    fprintf(f, "%s %zu - %s [%s]\n", pass ? "ok" : "not ok", n, dl_json_str(s, "name"), check);
    if (pass)
        return;
    fputs("  ---\n", f);
    yaml_str(f, "message", msg);
    yaml_str(f, "domain", dl_json_str(s, "domain"));
    yaml_value(f, 2, "expected", expected);
    yaml_value(f, 2, "observed", observed);
    if (t) {
        yaml_str(f, "smtp_log", dl_json_str(t, "smtp_log"));
        yaml_str(f, "explain", dl_json_str(t, "explain"));
    }
    fputs("  ...\n", f);
}

void lab_report_tap_scenario(FILE *f, const json_t *scen, size_t *num)
{
    const json_t *d;
    struct dl_buf msg = {0};
    size_t i;
    const char *error = lab_report_error(scen);
    bool pass = lab_report_dns_pass(scen) && error == NULL;
    if (error)
        dl_buf_printf(&msg, "error, not a verdict: %s", error);
    else if (!pass)
        dns_lines(&msg, scen, true, "; ");
    tap_point(f, ++*num, scen, "dns", pass, dl_buf_str(&msg), json_object_get(scen, "expected"),
              json_object_get(scen, "observed"));
    json_array_foreach(json_object_get(scen, "delivery"), i, d)
        tap_point(f, ++*num, scen, dl_json_str(d, "profile"),
                  json_is_true(json_object_get(d, "pass")) && error == NULL,
                  error ? dl_buf_str(&msg) : dl_json_str(d, "mismatch"),
                  json_object_get(d, "expected"), json_object_get(d, "observed"));
    dl_buf_free(&msg);
    fflush(f);
}

/* The text summary of a report: one line per scenario, what differs for
 * those that failed, and the count. */
static const char *mark(bool pass, bool tty)
{
    return pass ? (tty ? "\033[32mok\033[0m  " : "ok  ") : (tty ? "\033[31mFAIL\033[0m" : "FAIL");
}

/* "+1h30" */
static const char *offset_text(json_int_t at, char *buf, size_t len)
{
    snprintf(buf, len, "+%lldh%02lld", (long long)(at / 3600), (long long)(at % 3600 / 60));
    return buf;
}

static bool same_outcome(const json_t *a, const json_t *b)
{
    return strcmp(dl_json_str(a, "code"), dl_json_str(b, "code")) == 0 &&
           strcmp(dl_json_str(a, "status"), dl_json_str(b, "status")) == 0;
}

/* The attempts of a timeline, on one line per run of equal outcomes. */
static void attempts_text(FILE *f, const json_t *attempts)
{
    size_t n = json_array_size(attempts);
    for (size_t k = 0; k < n;) {
        const json_t *a = json_array_get(attempts, k);
        size_t j = k + 1;
        char t1[32], t2[32];
        while (j < n && same_outcome(json_array_get(attempts, j), a))
            j++;
        if (j - k == 1)
            fprintf(f, "          attempt %zu at %s: %s %s (%s)\n", k + 1,
                    offset_text(json_integer_value(json_object_get(a, "at")), t1, sizeof(t1)),
                    dl_json_str(a, "status"), dl_json_str(a, "code"), dl_json_str(a, "reason"));
        else
            fprintf(f, "          attempts %zu-%zu at %s..%s: %s %s (%s)\n", k + 1, j,
                    offset_text(json_integer_value(json_object_get(a, "at")), t1, sizeof(t1)),
                    offset_text(
                        json_integer_value(json_object_get(json_array_get(attempts, j - 1), "at")),
                        t2, sizeof(t2)),
                    dl_json_str(a, "status"), dl_json_str(a, "code"), dl_json_str(a, "reason"));
        k = j;
    }
}

static void delivery_text(FILE *f, const json_t *d, bool tty)
{
    const json_t *o = json_object_get(d, "observed"), *t = json_object_get(d, "timeline");
    const json_t *att = json_object_get(t, "attempts");
    bool pass = json_is_true(json_object_get(d, "pass"));
    const json_t *e = json_object_get(d, "expected"), *p = json_object_get(d, "probe");
    const json_t *po = json_object_get(p, "observed");
    fprintf(f, "     %s %-15s %s %s (%s)%s%s", mark(pass, tty), dl_json_str(d, "profile"),
            dl_json_str(o, "status"), dl_json_str(o, "code"), dl_json_str(o, "reason"),
            pass ? "" : ": ", pass ? "" : dl_json_str(d, "mismatch"));
    if (json_is_integer(json_object_get(e, "matched")))
        fprintf(f, " [alternative %lld of %zu]",
                (long long)json_integer_value(json_object_get(e, "matched")) + 1,
                json_array_size(json_object_get(e, "any")));
    fputc('\n', f);
    if (p != NULL)
        fprintf(f, "     %s %-15s %s %s (%s)%s%s\n",
                mark(json_is_true(json_object_get(p, "pass")), tty), "  probe",
                dl_json_str(po, "status"), dl_json_str(po, "code"), dl_json_str(po, "reason"),
                json_is_true(json_object_get(p, "pass")) ? "" : ": ", dl_json_str(p, "mismatch"));
    if (json_array_size(att) > 0) {
        const json_t *last = json_array_get(att, json_array_size(att) - 1);
        bool tpass = json_is_true(json_object_get(t, "pass"));
        size_t n = json_array_size(att);
        char t1[32];
        fprintf(f, "          retry: %zu attempt%s, final %s %s at %s%s%s\n", n, n == 1 ? "" : "s",
                dl_json_str(last, "status"), dl_json_str(last, "code"),
                offset_text(json_integer_value(json_object_get(last, "at")), t1, sizeof(t1)),
                tpass ? "" : ": ", tpass ? "" : dl_json_str(t, "mismatch"));
        attempts_text(f, att);
    }
}

void lab_report_scenario_text(FILE *f, const json_t *scen, bool tty)
{
    const json_t *exp = json_object_get(scen, "expected"), *obs = json_object_get(scen, "observed");
    const json_t *r, *d, *t = json_object_get(scen, "trace");
    size_t i;
    fprintf(f, "%s %-28s expected %-9s observed %-9s %s\n",
            mark(json_is_true(json_object_get(scen, "pass")), tty), dl_json_str(scen, "name"),
            dl_json_str(exp, "dnssec"), dl_json_str(obs, "dnssec"), dl_json_str(obs, "why"));
    json_array_foreach(json_object_get(scen, "rrsets"), i, r) {
        const char *reason = dl_json_str(r, "reason");
        if (strcmp(dl_json_str(r, "rrset"), "mx") == 0)
            continue;
        fprintf(f, "     %s %-4s %s %s: expected %s%s%s%s, observed %s: %s\n",
                mark(json_is_true(json_object_get(r, "pass")), tty), dl_json_str(r, "rrset"),
                dl_json_str(r, "name"), dl_json_str(r, "type"), dl_json_str(r, "expected"),
                reason[0] ? " (" : "", reason, reason[0] ? ")" : "", dl_json_str(r, "observed"),
                dl_json_str(r, "why"));
    }
    json_array_foreach(json_object_get(scen, "delivery"), i, d)
        delivery_text(f, d, tty);
    if (t)
        fprintf(f, "     see  %s (listener *.%s); %s\n", dl_json_str(t, "smtp_log"),
                dl_json_str(t, "domain"), dl_json_str(t, "explain"));
}

void lab_report_text(FILE *f, const json_t *report)
{
    const json_t *s, *d;
    size_t i, j;
    json_array_foreach(json_object_get(report, "scenarios"), i, s) {
        bool pass = json_is_true(json_object_get(s, "pass"));
        if (lab_report_error(s)) {
            lab_report_error_line(f, s);
            continue;
        }
        fprintf(f, "%s %s\n", pass ? "ok  " : "FAIL", dl_json_str(s, "name"));
        if (pass)
            continue;
        if (!lab_report_dns_pass(s)) {
            struct dl_buf b = {0};
            dns_lines(&b, s, true, "\n     dns  ");
            fprintf(f, "     dns  %s\n", dl_buf_str(&b));
            dl_buf_free(&b);
        }
        json_array_foreach(json_object_get(s, "delivery"), j, d)
            if (!json_is_true(json_object_get(d, "pass")))
                fprintf(f, "     %s: %s\n", dl_json_str(d, "profile"), dl_json_str(d, "mismatch"));
        if (json_object_get(s, "trace")) {
            const json_t *t = json_object_get(s, "trace");
            fprintf(f, "     see  %s (listener *.%s); %s\n", dl_json_str(t, "smtp_log"),
                    dl_json_str(t, "domain"), dl_json_str(t, "explain"));
        }
    }
    fprintf(f, "%lld passed, %lld failed", lab_report_count(report, "passed"),
            lab_report_count(report, "failed"));
    if (lab_report_count(report, "errors"))
        fprintf(f, ", %lld error%s", lab_report_count(report, "errors"),
                lab_report_count(report, "errors") == 1 ? "" : "s");
    if (lab_report_count(report, "skipped"))
        fprintf(f, ", %lld skipped", lab_report_count(report, "skipped"));
    fputc('\n', f);
}
