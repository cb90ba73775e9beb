# danelab capture and import (issue 18): a fixed selection of the
# catalogue, one of each kind, is captured through the lab's resolver
# inside the lab, each evidence file validated against
# docs/evidence.schema.json, imported into a fresh scenario that lints, and
# the imported scenarios run in a fresh run directory: each must meet the
# outcome the reference client observed at capture, under both profiles.
# Over the whole catalogue (measured by hand, 2026-12: capture 130 s,
# import and run 55 s) 201 of 205 round-trip (98.0%); the four that do
# not, and why:
#   smtp-ta-in-dns-only: a DANE-TA anchor the server does not present;
#   alias-recipient-domain-cname-ta-expanded, null-mx-with-other-mx,
#   wild-tlsa-servfail-second-mx: a CNAME domain, a null MX beside hosts,
#     a second host's failure: published as plain names by import.
# Per-address certificates (addresses: items), a TLSA CNAME (tlsa_alias)
# and an MX host CNAME (mx-cname-insecure, with tlsa_at: original) are in
# the selection below.
. "$(dirname "$0")/lib.sh"
SCHEMA="$SRC_DIR/docs/evidence.schema.json"
VALIDATE="$TESTS_DIR/schema/validate-tlsrpt.py"
SEL="good dns-rrsig-expired dns-ds-no-matching-key dns-ds-digest-mismatch dns-dnskey-revoked
dns-rrsig-bad-signature dns-denial-missing dns-insecure-delegation dns-nsec3-excess-iterations
dnssec-algorithm-rsasha256 dnssec-ds-digest-sha1 addr-dual-stack addr-ipv6-only smtp-no-starttls
smtp-starttls-454 operator-intermediate-changed smtp-cert-expired-ee ns-tlsa-servfail-signed domain-null-mx
implicit-mx-tlsa multi-mx-no-address-then-good mx-insecure-provider-tlsa smtp-missing-intermediate
addr-dual-stack-ipv4-wrong-cert tlsa-cname-shared-unsigned dns-mx-cname-insecure cname-insecure-target-tlsa-original"
PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p && break; fi
done
[ -n "$PY" ] || { not_ok "python3 with the jsonschema module (install python3-jsonschema)"; finish; }

check "danelab up (the catalogue)" "$DANELAB" -r "$RUN" up
mkdir -p "$WORK/ev" "$WORK/imp"
cat >"$WORK/capture.sh" <<S
#!/bin/sh
for n in $(echo $SEL); do
    d=\$(sed -n 's/^domain: *//p' "$CATALOGUE/\$n.yaml"); [ -n "\$d" ] || d=\$n.test
    "$DANELAB" capture --trust-anchor "$RUN/root.key" --timeout 5 "\$d" -o "$WORK/ev/\$n.json" || echo "capture \$n failed"
done
S
check_output "danelab exec -- danelab capture, for each of the selection" '^$' "$DANELAB" -r "$RUN" exec -- sh "$WORK/capture.sh"
n=$(echo $SEL | wc -w)
check_output "every evidence file validates against docs/evidence.schema.json" "^$n valid, 0 invalid\$" "$PY" "$VALIDATE" "$SCHEMA" "$WORK"/ev/*.json
jq '.hosts[0].tlsa.records = "3 1 1 00"' "$WORK/ev/good.json" >"$WORK/bad.json"
check_output "the schema rejects evidence whose records are no list" '^0 valid, 1 invalid$' "$PY" "$VALIDATE" "$SCHEMA" "$WORK/bad.json"
check_output "capture records the validator's reason for a bogus TLSA RRset" 'signature expired' jq -r '.hosts[0].tlsa.why' "$WORK/ev/dns-rrsig-expired.json"
check_output "capture records the certificate presented (PEM)" '^-----BEGIN CERTIFICATE-----' jq -r '.hosts[0].servers[0].tls.certificates[0].pem' "$WORK/ev/good.json"
check_output "capture records the STARTTLS answer 454" '^454$' jq -r '.hosts[0].servers[0].starttls.code' "$WORK/ev/smtp-starttls-454.json"
check_status "import refuses evidence of another version" 2 sh -c "jq '.version = 2' '$WORK/ev/good.json' >'$WORK/v2.json'; '$DANELAB' import '$WORK/v2.json'"
for e in "$WORK"/ev/*.json; do
    "$DANELAB" import "$e" -o "$WORK/imp/tmp.yaml" 2>>"$WORK/import.err" || echo "import $e failed" >>"$WORK/import.fail"
    nm=$(sed -n 's/^name: //p' "$WORK/imp/tmp.yaml") && mv "$WORK/imp/tmp.yaml" "$WORK/imp/$nm.yaml"
done
check_output "danelab import wrote a scenario for each" "^$n\$" sh -c "ls '$WORK/imp' | wc -l"
check_output "the imported scenarios lint" "^$n scenarios: ok\$" "$DANELAB" -s "$WORK/imp" lint
check_output "an expired TLSA signature becomes rrsig-expired on tlsa" 'fault: rrsig-expired, target: tlsa' cat "$WORK/imp/imported-dns-rrsig-expired-test.yaml"
check_output "a DS that matches no key becomes ds-no-matching-key" 'fault: ds-no-matching-key' cat "$WORK/imp/imported-dns-ds-no-matching-key-test.yaml"
check_output "what is not reproduced is listed in the file" '^# Not reproduced:' cat "$WORK/imp/imported-good-test.yaml"
check_output "a server of its own per address: the IPv6 one's certificate" '{address: ipv6, certificate: h1-a2-c0}' \
    cat "$WORK/imp/imported-addr-dual-stack-ipv4-wrong-cert-test.yaml"
check_output "a TLSA CNAME becomes tlsa_alias" 'tlsa_alias: _dane.tlsa-cname-shared-unsigned-provider.test.test' \
    cat "$WORK/imp/imported-tlsa-cname-shared-unsigned-test.yaml"
check_output "an MX host CNAME into an unsigned provider zone becomes mx-cname-insecure" \
    'fault: mx-cname-insecure, target: a' cat "$WORK/imp/imported-dns-mx-cname-insecure-test.yaml"
"$DANELAB" -r "$RUN" down >/dev/null 2>&1
"$DANELAB" -r "$WORK/run2" -s "$WORK/imp" run --json >"$WORK/rt.json" 2>"$WORK/rt.err"
"$DANELAB" -r "$WORK/run2" down >/dev/null 2>&1
check_output "round trip: every imported scenario meets the captured outcome under both profiles" \
    "^$n passed, 0 failed\$" jq -r '"\(.summary.passed) passed, \(.summary.failed) failed"' "$WORK/rt.json"
finish
