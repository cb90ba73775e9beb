# danelab import --dig FILE --s-client FILE (issue 18): what customers send,
# the text of dig +dnssec +multi and of openssl s_client -starttls smtp
# -showcerts, made from the lab itself (tests/integration/data/import/,
# made by its `regenerate` script inside the lab; never real DNS), imported
# into scenarios that must reproduce the original scenarios' outcomes: the
# originals are run first, their observed outcomes given to import as
# --expect (neither text holds one), the imported scenarios then run in a
# fresh run directory and must all pass. Hostile input: every malformed
# text is an error naming FILE:LINE. The evidence import builds from the
# texts (--evidence-out) must validate against docs/evidence.schema.json,
# as capture's does (t_capture).
. "$(dirname "$0")/lib.sh"
DATA="$TESTS_DIR/integration/data/import"
SCHEMA="$SRC_DIR/docs/evidence.schema.json"
VALIDATE="$TESTS_DIR/schema/validate-tlsrpt.py"
schema_python
SEL="good dns-rrsig-expired smtp-no-starttls smtp-cert-expired-ee operator-tlsa-not-updated dns-ds-no-matching-key"
mkdir -p "$WORK/orig" "$WORK/imp" "$WORK/ev"
for n in $SEL; do ln -s "$CATALOGUE/$n.yaml" "$WORK/orig/"; done
"$DANELAB" -r "$RUN" -s "$WORK/orig" run --json >"$WORK/orig.json" 2>"$WORK/orig.err"
"$DANELAB" -r "$RUN" down >/dev/null 2>&1
check_output "the six original scenarios ran" '^6$' jq '.scenarios | length' "$WORK/orig.json"
for n in $SEL; do
    # shellcheck disable=SC2046
    "$DANELAB" import --dig "$DATA/$n.dig" --s-client "$DATA/$n.s_client" \
        $(jq -r --arg n "$n" '.scenarios[] | select(.name == $n) | .delivery[] |
            "--expect \(.profile)=\(.observed.status):\(.observed.code):\(.observed.reason)"' "$WORK/orig.json") \
        --evidence-out "$WORK/ev/$n.json" -o "$WORK/imp/imported-$n-test.yaml" 2>"$WORK/$n.notes" || echo "import $n failed" >>"$WORK/import.fail"
done
check_output "danelab import --dig --s-client wrote a scenario for each" '^6$' sh -c "ls '$WORK/imp' | wc -l"
check_output "the imported scenarios lint" '^6 scenarios: ok$' "$DANELAB" -s "$WORK/imp" lint
check_output "--evidence-out: the evidence built from each text validates against docs/evidence.schema.json" \
    '^6 valid, 0 invalid$' "$PY" "$VALIDATE" "$SCHEMA" "$WORK"/ev/*.json
"$DANELAB" import --dig "$DATA/good.dig" --evidence-out "$WORK/ev-dig-only.json" >/dev/null 2>&1
"$DANELAB" import --s-client "$DATA/good.s_client" --evidence-out "$WORK/ev-sc-only.json" >/dev/null 2>&1
check_output "and so does the evidence of dig's text alone (no outcome) and of s_client's alone (no RRsets)" \
    '^2 valid, 0 invalid$' "$PY" "$VALIDATE" "$SCHEMA" "$WORK/ev-dig-only.json" "$WORK/ev-sc-only.json"
check_output "--evidence-out holds what the text says: the TLSA RRset's EDE reason" 'Signature Expired|signature expired' \
    jq -r '.hosts[0].tlsa.why' "$WORK/ev/dns-rrsig-expired.json"
"$DANELAB" import "$WORK/ev/good.json" -o "$WORK/re-good.yaml" 2>/dev/null
check_output "imported again, the evidence written gives the same scenario (but the source line)" '^$' \
    sh -c "diff '$WORK/imp/imported-good-test.yaml' '$WORK/re-good.yaml' | grep '^[<>]' | grep -v '^[<>] # Imported by danelab import from'"
check_status "--evidence-out with an evidence file is a usage error" 2 \
    "$DANELAB" import "$WORK/ev/good.json" --evidence-out "$WORK/x.json"
check_output "EDE 7 (Signature Expired) on the TLSA answer becomes rrsig-expired on tlsa" \
    'fault: rrsig-expired, target: tlsa' cat "$WORK/imp/imported-dns-rrsig-expired-test.yaml"
check_output "Unbound's words in another answer's EDE name the DS that matches no key" \
    'fault: ds-no-matching-key, target: ds' cat "$WORK/imp/imported-dns-ds-no-matching-key-test.yaml"
check_output "s_client's \"Didn't find STARTTLS\" becomes starttls: none" '^    starttls: none$' \
    cat "$WORK/imp/imported-smtp-no-starttls-test.yaml"
check_output "a TLSA record that matches the presented certificate is tied to it" \
    '{usage: 3, selector: 1, matching: 1, of: h1-c0}' cat "$WORK/imp/imported-good-test.yaml"
check_output "what dig's text cannot say is listed in the file" \
    "not in s_client's text" cat "$WORK/imp/imported-good-test.yaml"
check_output "and on stderr, naming FILE:LINE" 'good.s_client:[0-9]*: the banner' cat "$WORK/good.notes"
"$DANELAB" -r "$WORK/run2" -s "$WORK/imp" run --json >"$WORK/rt.json" 2>"$WORK/rt.err"
"$DANELAB" -r "$WORK/run2" down >/dev/null 2>&1
check_output "round trip: each imported scenario meets the original's outcome under both profiles" \
    '^6 passed, 0 failed$' jq -r '"\(.summary.passed) passed, \(.summary.failed) failed"' "$WORK/rt.json"
check_output "without --expect the outcome is said to be unknown" 'outcome under rfc7672 is unknown' \
    "$DANELAB" import --dig "$DATA/good.dig" --s-client "$DATA/good.s_client"

# Hostile or broken input: FILE:LINE errors, exit 2
sed -n '1,/IN MX[[:space:]]10 /p' "$DATA/good.dig" | sed '$s/MX[[:space:]]10 .*/MX 10 (/' >"$WORK/open.dig"
check_output "a record left open is an error at its line" 'open.dig:[0-9]*: the file ends inside a record' \
    sh -c "'$DANELAB' import --dig '$WORK/open.dig' 2>&1; echo exit \$?"
printf 'mx1.good.test.\n10 mx1.good.test.\n' >"$WORK/short.dig"
check_output "dig +short output is refused: it shows no verdict" 'short.dig:1: not dig.s full output' \
    sh -c "'$DANELAB' import --dig '$WORK/short.dig' 2>&1"
sed 's/IN MX[[:space:]]10 mx1/IN MX ten mx1/' "$DATA/good.dig" >"$WORK/bad.dig"
check_output "a record ldns does not read names its line" 'bad.dig:[0-9]*: a record ldns does not read' \
    sh -c "'$DANELAB' import --dig '$WORK/bad.dig' 2>&1"
awk '/^;; ANSWER SECTION:/ && !d { print ";; FUTURE SECTION:"; d = 1 } { print }' "$DATA/good.dig" >"$WORK/future.dig"
check_output "an unknown section is listed as not reproduced" "future.dig:[0-9]*: section 'FUTURE SECTION:' not reproduced" \
    sh -c "'$DANELAB' import --dig '$WORK/future.dig' 2>&1 >/dev/null"
head -c 20000 /dev/zero | tr '\0' 'A' >"$WORK/long.s_client"
check_output "a line over 16384 bytes is an error" 'long.s_client:1: line longer than 16384 bytes' \
    sh -c "'$DANELAB' import --s-client '$WORK/long.s_client' 2>&1"
sed 's/^MII.*/MIInotbase64!!/' "$DATA/good.s_client" >"$WORK/badpem.s_client"
check_output "a PEM block OpenSSL does not read is an error at its first line" \
    'badpem.s_client:[0-9]*: a PEM certificate OpenSSL does not read' \
    sh -c "'$DANELAB' import --dig '$DATA/good.dig' --s-client '$WORK/badpem.s_client' 2>&1"
check_status "--expect that is not STATUS:CODE is a usage error" 2 \
    "$DANELAB" import --dig "$DATA/good.dig" --expect delivered
finish
