# ci-sanitizers: skip (the catalogue of t_run with --tlsrpt, checked by python3-jsonschema; the report writer runs under the sanitizers in t_tlsrpt and t_report_tlsrpt)
# Every TLS-RPT report `danelab run --tlsrpt DIR` writes over the whole
# catalogue is valid against tests/schema/tlsrpt-report.schema.json, a
# JSON Schema of the RFC 8460 section 4.4 report written for danelab.
# The schema is first shown to reject malformed reports (a misspelt field,
# a count as a string, a URL as contact-info, an unknown result type), so
# a passing run means something. Needs python3 with jsonschema (Debian:
# python3-jsonschema); without it the test fails, it does not skip.
. "$(dirname "$0")/lib.sh"
SCHEMA="$TESTS_DIR/schema/tlsrpt-report.schema.json"
VALIDATE="$TESTS_DIR/schema/validate-tlsrpt.py"

schema_python
ok "python3 with the jsonschema module ($PY)"
v() { "$PY" "$VALIDATE" "$SCHEMA" "$@"; }

# A well-formed report (made for this test after the RFC's example, with a
# DANE policy) and broken copies of it.
cat >"$WORK/good.json" <<'J'
{"organization-name": "Example Sender", "date-range": {"start-datetime": "2024-03-01T00:00:00Z",
 "end-datetime": "2024-03-01T23:59:59Z"}, "contact-info": "tls-reports@sender.example",
 "report-id": "0d7c1b1e-8f0a-4d4e-9a55-3a1d6c9e2f10",
 "policies": [{"policy": {"policy-type": "tlsa",
   "policy-string": ["_25._tcp.mx.rcpt.example. IN TLSA ( 3 1 1 0A0B0C )"],
   "policy-domain": "rcpt.example", "mx-host": ["mx.rcpt.example"]},
  "summary": {"total-successful-session-count": 12, "total-failure-session-count": 1},
  "failure-details": [{"result-type": "tlsa-invalid", "sending-mta-ip": "2001:db8::25",
   "receiving-mx-hostname": "mx.rcpt.example", "receiving-ip": "192.0.2.25",
   "failed-session-count": 1, "failure-reason-code": "no-tlsa-match"}]},
  {"policy": {"policy-type": "no-policy-found", "policy-domain": "rcpt.example"},
   "summary": {"total-successful-session-count": 3, "total-failure-session-count": 0}}]}
J
check_output "the schema accepts a well-formed report" '^1 valid, 0 invalid$' v "$WORK/good.json"
bad() { # NAME JQ-FILTER: a broken copy of good.json
    jq "$2" "$WORK/good.json" >"$WORK/bad-$1.json"
}
bad field-name '.policies[0]."failure-details"[0] |= (."receiving-mx-host" = ."receiving-mx-hostname" | del(."receiving-mx-hostname"))'
bad count-string '.policies[0].summary."total-failure-session-count" = "1"'
bad contact-url '."contact-info" = "https://sender.example/tlsrpt"'
bad result-type '.policies[0]."failure-details"[0]."result-type" = "tlsa-mismatch"'
bad datetime '."date-range"."start-datetime" = "2024-03-01 00:00:00"'
bad ip '.policies[0]."failure-details"[0]."receiving-ip" = "mx.rcpt.example"'
bad tlsa-no-records '.policies[0].policy |= del(."policy-string")'
bad policy-type '.policies[0].policy."policy-type" = "dane"'
for b in field-name count-string contact-url result-type datetime ip tlsa-no-records policy-type; do
    check_output "the schema rejects a report with a bad $b" '^0 valid, 1 invalid$' v "$WORK/bad-$b.json"
done

# The whole catalogue, both profiles: every report written must be valid.
R="$WORK/tlsrpt"
"$DANELAB" -r "$RUN" run --tlsrpt "$R" >"$WORK/run.out" 2>&1
rc=$?
check_output "danelab run --tlsrpt over the catalogue wrote its reports (exit 0 or 1, not 2)" '^[01]$' echo "$rc"
n=$(jq '[.[] | select(.file != null)] | length' "$R/index.json" 2>/dev/null || echo 0)
check_output "... one report file per index entry with a file, and some ($n)" "^$n $n\$" \
    sh -c "[ '$n' -gt 40 ] && echo \"$n \$(ls '$R' | grep -vc '^index\\.json\$')\""
check_output "all $n reports are valid against the RFC 8460 schema" "^$n valid, 0 invalid\$" \
    sh -c "v() { \"$PY\" '$VALIDATE' '$SCHEMA' \"\$@\"; }; v '$R'/*.test.json"
check_output "... each names its own domain as the policy-domain" '^\[\]$' \
    sh -c "for f in '$R'/*.test.json; do d=\$(basename \"\$f\" .json); jq -c --arg d \"\$d\" '[.policies[].policy.\"policy-domain\" | select(. != \$d)]' \"\$f\"; done | sort -u"
check_output "... and every report-id is unique" "^$n$" \
    sh -c "jq -r '.\"report-id\"' '$R'/*.test.json | sort -u | wc -l"
finish
