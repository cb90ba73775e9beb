# danelab run --tlsrpt DIR: one RFC 8460 report per scenario domain that
# publishes a TLS-RPT policy (_smtp._tls TXT, by default in every scenario
# zone), from the reference client's sessions, with the RFC's required
# fields and result-type names; none for a domain without a valid policy.
. "$(dirname "$0")/lib.sh"

D="$WORK/scen"
mkdir -p "$D"
good_scenario ok-good >"$D/ok-good.yaml"
cat >"$D/no-starttls.yaml" <<'Y'
name: no-starttls
summary: "Secure TLSA record, the MX host does not offer STARTTLS"
certificates:
  leaf: {names: [mx1.no-starttls.test]}
mx:
  - host: mx1
    certificate: leaf
    starttls: none
    tlsa: [{usage: 3, selector: 1, matching: 1, of: leaf}]
expect:
  dnssec: secure
  rfc7672: {status: deferred, code: 4.7.321, reason: starttls-not-offered, tlsrpt: starttls-not-supported}
Y
cat >"$D/plain.yaml" <<'Y'
name: plain
summary: "Unsigned domain: no DANE, opportunistic TLS"
zone: {signed: false}
mx:
  - host: mx1
expect:
  dnssec: insecure
  rfc7672: {status: delivered, code: 2.0.0, reason: opportunistic-tls}
Y
cat >"$D/dns-only.yaml" <<'Y'
name: dns-only
summary: "No delivery expectation: no session, no report"
mx:
  - host: mx1
expect:
  dnssec: secure
Y
dl() { "$DANELAB" -r "$RUN" -s "$D" "$@"; }
check "danelab up" dl up

R="$WORK/reports/tlsrpt"
check "run --tlsrpt DIR --profile rfc7672 passes (DIR made)" dl run --tlsrpt "$R" --profile rfc7672
check_output "one report per domain with a delivery check, and the index" \
    '^index.json no-starttls.test.json ok-good.test.json plain.test.json $' \
    sh -c "ls '$R' | tr '\\n' ' '"
# RFC 8460 section 4.4: the report's required fields and names.
for f in "$R"/*.test.json; do
    check_output "$(basename "$f"): RFC 8460 required fields" '^true$' jq -r --arg d "$(basename "$f" .json)" '
        (."organization-name" | type == "string") and
        (."date-range"."start-datetime" | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")) and
        (."date-range"."end-datetime" | test("Z$")) and
        (."contact-info" | type == "string") and (."report-id" | type == "string" and length > 0) and
        (.policies | type == "array" and length > 0) and
        all(.policies[];
            (.policy."policy-type" | IN("tlsa", "sts", "no-policy-found")) and
            .policy."policy-domain" == $d and
            (.summary."total-successful-session-count" | type == "number") and
            (.summary."total-failure-session-count" | type == "number") and
            all((."failure-details" // [])[]; ."result-type" | IN("starttls-not-supported",
                "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
                "validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required",
                "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid")))' "$f"
done
check_output "ok-good: policy tlsa for mx1, one successful session, no failure" '^tlsa mx1.ok-good.test 1 0 0$' \
    jq -r '.policies[0] | "\(.policy."policy-type") \(.policy."mx-host"[0]) \(.summary."total-successful-session-count") \(.summary."total-failure-session-count") \((."failure-details" // []) | length)"' "$R/ok-good.test.json"
check_output "no-starttls: one failed session, starttls-not-supported at the MX's address" \
    '^0 1 starttls-not-supported mx1.no-starttls.test 127\.25\.[0-9]+\.1 1$' \
    jq -r '.policies[0] | "\(.summary."total-successful-session-count") \(.summary."total-failure-session-count") \(."failure-details"[0] | "\(."result-type") \(."receiving-mx-hostname") \(."receiving-ip") \(."failed-session-count")")"' "$R/no-starttls.test.json"
check_output "plain (unsigned): no-policy-found, one successful session" '^no-policy-found 1$' \
    jq -r '.policies[0] | "\(.policy."policy-type") \(.summary."total-successful-session-count")"' "$R/plain.test.json"
check "run --tlsrpt with both profiles" dl run --tlsrpt "$WORK/both"
check_output "both profiles: two sessions counted for ok-good" '^2$' \
    jq -r '.policies[0].summary."total-successful-session-count"' "$WORK/both/ok-good.test.json"
: >"$WORK/afile"
check_status "--tlsrpt naming a file: exit 2" 2 dl run --tlsrpt "$WORK/afile"
check "danelab down" dl down

# Domains that ask for no report: `tlsrpt: none`, a malformed record (no
# mailto:/https: URI), two records (RFC 8460 section 3: exactly one).
D2="$WORK/scen2"
mkdir -p "$D2"
for n in rpt-default rpt-none rpt-malformed rpt-two; do
    case $n in
    rpt-none) extra='tlsrpt: none' ;;
    rpt-malformed) extra='tlsrpt: "v=TLSRPTv1; rua=ftp://reports.rpt-malformed.test/"' ;;
    rpt-two) extra="records: ['_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:other@rpt-two.test\"']" ;;
    *) extra='' ;;
    esac
    GOOD_PROFILES=rfc7672 good_scenario "$n" "Signed domain, DANE-EE; TLS-RPT policy: $n" "$extra" \
        >"$D2/$n.yaml"
done
# A valid policy in a zone whose every signature expired: unreadable.
cat >"$D2/rpt-bogus.yaml" <<'Y'
name: rpt-bogus
summary: "Every signature of the zone expired: the TLS-RPT policy cannot be read"
certificates:
  leaf: {names: [mx1.rpt-bogus.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa: [{usage: 3, selector: 1, matching: 1, of: leaf}]
faults: [zone-expired]
expect:
  dns:
    mx: {verdict: bogus, reason: "expired"}
  rfc7672: {status: deferred, code: 4.7.324, reason: dnssec-bogus, tlsrpt: dnssec-invalid}
Y
R2="$WORK/reports2"
check_status "run --tlsrpt: exit 0 when some domains publish no policy" 0 \
    "$DANELAB" -r "$WORK/run2" -s "$D2" run --tlsrpt "$R2"
check_output "a report only for the domain with a valid policy" '^index.json rpt-default.test.json $' \
    sh -c "ls '$R2' | tr '\\n' ' '"
check_output "... its sessions counted" '^1 0$' \
    jq -r '.policies[0].summary | "\(."total-successful-session-count") \(."total-failure-session-count")"' \
    "$R2/rpt-default.test.json"
check_output "index: rua and file of the domain with a policy, none for the others" \
    '^rpt-bogus.test null  rpt-default.test rpt-default.test.json mailto:tlsrpt@rpt-default.test rpt-malformed.test null  rpt-none.test null  rpt-two.test null  $' \
    sh -c "jq -r 'to_entries[] | \"\\(.key) \\(.value.file) \\(.value.rua | join(\",\"))\"' '$R2/index.json' | tr '\\n' ' '"
check_output "index: why rpt-none has no report (the name provably does not exist)" \
    '_smtp\._tls\.rpt-none\.test\. TXT: no such name \(secure\)' jq -r '.["rpt-none.test"].why' "$R2/index.json"
check_output "index: why rpt-malformed has none (no mailto: or https: URI)" \
    'malformed TLSRPT record: rua: no mailto: or https: URI' jq -r '.["rpt-malformed.test"].why' "$R2/index.json"
check_output "index: why rpt-two has none (two records)" \
    '2 TXT records begin with v=TLSRPTv1' jq -r '.["rpt-two.test"].why' "$R2/index.json"
check_output "index: no why for the domain with a report" '^null$' jq -r '.["rpt-default.test"].why' "$R2/index.json"
"$DANELAB" -r "$WORK/run2" down >/dev/null 2>&1

# ---- danelab explain: the policy the zone publishes, and whether a client reads it ----
ex() { "$DANELAB" -r "$WORK/run2" -s "$D2" explain "$@"; }
check_output "explain: the lab's default policy, read secure, reports to its rua" \
    'TLS-RPT: the zone publishes at _smtp\._tls\.rpt-default\.test "v=TLSRPTv1; rua=mailto:tlsrpt@rpt-default\.test" \(the lab.s default\); a client reads it \(secure\) and sends its reports to mailto:tlsrpt@rpt-default\.test\.$' \
    ex rpt-default
check_output "explain: tlsrpt: none, nothing published, proven absent" \
    'TLS-RPT: no policy is published at _smtp\._tls\.rpt-none\.test \(tlsrpt: none\); a client finds no record \(nxdomain\) and sends no report\.$' \
    ex rpt-none
check_output "explain: the literal record, and why it is no policy" \
    'publishes at _smtp\._tls\.rpt-malformed\.test "v=TLSRPTv1; rua=ftp://reports\.rpt-malformed\.test/"; a client reads it \(secure\) but finds no policy: malformed TLSRPT record: rua: no mailto: or https: URI[^;]*; it sends no report\.$' \
    ex rpt-malformed
check_output "explain: the default and a records: TXT at the same name, two records" \
    '"v=TLSRPTv1; rua=mailto:tlsrpt@rpt-two\.test" \(the lab.s default\) and "v=TLSRPTv1; rua=mailto:other@rpt-two\.test"; a client reads it \(secure\) but finds no policy: 2 TXT records begin with v=TLSRPTv1' \
    ex rpt-two
check_output "explain: a bogus zone's policy cannot be read" \
    'rua=mailto:tlsrpt@rpt-bogus\.test" \(the lab.s default\); a client cannot read it: the TXT lookup is bogus \(fault zone-expired on the domain.s zone\), so it sends no report\.$' \
    ex rpt-bogus
check_output "explain --json: record, policy, dnssec, readable, reports per scenario" \
    '^rpt-bogus true bogus false false rpt-default true secure true true rpt-malformed false secure true false rpt-none false nxdomain true false rpt-two false secure true false $' \
    sh -c "\"\$DANELAB\" -s '$D2' explain --json rpt-bogus rpt-default rpt-malformed rpt-none rpt-two | jq -r '.[] | \"\\(.name) \\(.tlsrpt.policy) \\(.tlsrpt.dnssec) \\(.tlsrpt.readable) \\(.tlsrpt.reports)\"' | tr '\\n' ' '"
check_output "explain --json: record is the scenario's text, null for none" \
    '^\["v=TLSRPTv1; rua=mailto:tlsrpt@rpt-default.test",null,"_smtp._tls.rpt-none.test.",\["mailto:tlsrpt@rpt-default.test"\]\]$' \
    sh -c "\"\$DANELAB\" -s '$D2' explain --json rpt-default rpt-none | jq -c '[.[0].tlsrpt.record, .[1].tlsrpt.record, .[1].tlsrpt.name, .[0].tlsrpt.rua]'"
check_output "explain --json: why a bogus zone's policy is not read" \
    '^_smtp\._tls\.rpt-bogus\.test\. TXT: bogus \(fault zone-expired on the domain.s zone\)$' \
    sh -c "\"\$DANELAB\" -s '$D2' explain --json rpt-bogus | jq -r '.[0].tlsrpt.why'"
check_output "explain agrees with run --tlsrpt: a report iff it says a client reports, to the same rua" '^\[\]$' \
    sh -c "\"\$DANELAB\" -s '$D2' explain --json rpt-bogus rpt-default rpt-malformed rpt-none rpt-two >'$WORK/ex2.json' &&
        jq -c --slurpfile e '$WORK/ex2.json' '(\$e[0] | map({key: (.domain | rtrimstr(\".\")), value: .tlsrpt}) | from_entries) as \$x |
            [to_entries[] | select(\$x[.key] == null or \$x[.key].reports != (.value.file != null) or
                (\$x[.key].reports and \$x[.key].rua != .value.rua)) | .key]' '$R2/index.json'"
check_output "list --json: the explain text carries the TLS-RPT sentence" \
    'TLS-RPT: no policy is published at _smtp\._tls\.rpt-none\.test' \
    sh -c "\"\$DANELAB\" -s '$D2' list --json | jq -r '.[] | select(.name == \"rpt-none\") | .explain'"
finish
