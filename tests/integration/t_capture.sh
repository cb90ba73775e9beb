# danelab capture and import (issue 18): a fixed selection of the
# catalogue, one of each kind, brought up on its own, captured through the
# lab's resolver inside the lab (one `danelab capture -d -j`), each
# evidence file validated against docs/evidence.schema.json, imported into
# a fresh catalogue (one `danelab import -d`) that lints, and what capture
# recorded and import inferred checked. The round trip (the imported
# scenarios run, their outcomes against the captured ones) is
# t_roundtrip's, over the whole catalogue. Per-address certificates
# (addresses: items), a TLSA CNAME (tlsa_alias) and an MX host CNAME
# (mx-cname-insecure, with tlsa_at: original) are in the selection below.
. "$(dirname "$0")/lib.sh"
SCHEMA="$SRC_DIR/docs/evidence.schema.json"
VALIDATE="$TESTS_DIR/schema/validate-tlsrpt.py"
SEL="good dns-rrsig-expired dns-ds-no-matching-key dns-ds-digest-mismatch dns-dnskey-revoked
dns-rrsig-bad-signature dns-denial-missing dns-insecure-delegation dns-nsec3-excess-iterations
dnssec-algorithm-rsasha256 dnssec-ds-digest-sha1 addr-dual-stack addr-ipv6-only smtp-no-starttls
smtp-starttls-454 operator-intermediate-changed smtp-cert-expired-ee ns-tlsa-servfail-signed domain-null-mx
implicit-mx-tlsa multi-mx-no-address-then-good mx-insecure-provider-tlsa smtp-missing-intermediate
addr-dual-stack-ipv4-wrong-cert tlsa-cname-shared-unsigned dns-mx-cname-insecure cname-insecure-target-tlsa-original"
schema_python
mkdir -p "$WORK/sel"
for n in $SEL; do ln -s "$CATALOGUE/$n.yaml" "$WORK/sel/"; done
n=$(echo $SEL | wc -w)
check "danelab up (the selection)" "$DANELAB" -r "$RUN" -s "$WORK/sel" up
# shellcheck disable=SC2046
check_output "danelab exec -- danelab capture -d -j 4, the selection's domains in one process" \
    "^$n of $n domains captured into" "$DANELAB" -r "$RUN" exec -- "$DANELAB" capture \
    --trust-anchor "$RUN/root.key" --timeout 5 -j 4 -d "$WORK/ev" \
    $("$DANELAB" -s "$WORK/sel" list --json | jq -r '.[].domain')
for nm in $SEL; do
    d=$(sed -n 's/^domain: *//p' "$CATALOGUE/$nm.yaml"); [ -n "$d" ] || d=$nm.test
    [ -f "$WORK/ev/$d.json" ] && ln -s "$WORK/ev/$d.json" "$WORK/ev/$nm.json"
done
# An outside validator's judgement of the captured verdicts: for a
# secure, a bogus and an insecure domain of the selection, unbound-host
# (a libunbound of its own, iterating from the lab root with RUN/root.key,
# not through the lab's resolver) asked the MX and the first host's TLSA
# RRset says what the evidence says (a secure RRset without records: the
# nodata or nxdomain unbound-host names).
for nm in good dns-rrsig-expired dns-ds-no-matching-key dns-insecure-delegation; do
    jq -r --arg s "$nm" 'def v: if .status == "secure" and ((.records // []) | length) == 0
        then (if .nxdomain then "nxdomain" else "nodata" end)
        elif .status == "failed" then "servfail" else .status end;
        (.mx, (.hosts[0].tlsa // empty)) | "\($s) \(.name) \(.type) \(v)"' "$WORK/ev/$nm.json"
done >"$WORK/ub.plan"
cat >"$WORK/ub.sh" <<S
while read -r scen name type want; do
    echo "=== \$scen \$name \$type"
    unbound-host -C "$RUN/etc/libunbound.conf" -f "$RUN/root.key" -v -t "\$type" "\$name" 2>&1
done <"$WORK/ub.plan"
S
"$DANELAB" -r "$RUN" exec -- sh "$WORK/ub.sh" >"$WORK/ub.out" 2>&1
check_output "the outside validator's plan: 8 RRsets, secure, bogus and insecure among them" '^8 3$' \
    sh -c "echo \$(wc -l <'$WORK/ub.plan') \$(awk '{print \$4}' '$WORK/ub.plan' | grep -E '^(secure|bogus|insecure)\$' | sort -u | wc -l)"
while read -r scen name type want; do
    u=$(awk -v h="=== $scen $name $type" '$0 == h { on = 1; next } /^=== / { on = 0 } on' "$WORK/ub.out")
    got=$(ub_verdict "$u")
    if [ "$got" = "$want" ]; then ok "unbound-host agrees with the capture: $scen $type $name is $want"; else
        not_ok "unbound-host agrees with the capture: $scen $type $name is $want" "unbound-host: $got: $u"
    fi
done <"$WORK/ub.plan"
check_output "every evidence file validates against docs/evidence.schema.json" "^$n valid, 0 invalid\$" \
    sh -c "'$PY' '$VALIDATE' '$SCHEMA' \$(find '$WORK/ev' -type f -name '*.json')"
check_output "capture asks every RRset the schema leaves optional (for import's text evidence)" '^0$' \
    sh -c "find '$WORK/ev' -type f -name '*.json' -exec cat {} + | jq -s '[.[] | (.hosts[] | select(has(\"a\") and has(\"aaaa\") and has(\"tlsa\") | not)), (.zones[] | select(has(\"ds\") and has(\"nsec3param\") | not))] | length'"
jq '.hosts[0].tlsa.records = "3 1 1 00"' "$WORK/ev/good.json" >"$WORK/bad.json"
check_output "the schema rejects evidence whose records are no list" '^0 valid, 1 invalid$' "$PY" "$VALIDATE" "$SCHEMA" "$WORK/bad.json"
check_output "capture records the validator's reason for a bogus TLSA RRset" 'signature expired' jq -r '.hosts[0].tlsa.why' "$WORK/ev/dns-rrsig-expired.json"
check_output "capture records the certificate presented (PEM)" '^-----BEGIN CERTIFICATE-----' jq -r '.hosts[0].servers[0].tls.certificates[0].pem' "$WORK/ev/good.json"
check_output "capture records the STARTTLS answer 454" '^454$' jq -r '.hosts[0].servers[0].starttls.code' "$WORK/ev/smtp-starttls-454.json"
check_status "import refuses evidence of another version" 2 sh -c "jq '.version = 2' '$WORK/ev/good.json' >'$WORK/v2.json'; '$DANELAB' import '$WORK/v2.json'"
check_output "danelab import -d: the evidence files into one catalogue" "^$n of $n evidence files imported into" \
    sh -c "'$DANELAB' import -d '$WORK/imp' \$(find '$WORK/ev' -type f -name '*.json') 2>'$WORK/import.err'"
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
finish
