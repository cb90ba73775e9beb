# dane-client --tlsrpt: an RFC 8460 report of the attempts, with the TLSA
# policy, session counts and the failure's result type. The TLS-RPT policy
# records (_smtp._tls TXT, RFC 8460 section 3) every scenario zone
# publishes, seen by two validators; `tlsrpt: none` and long records.
. "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$DANELAB")/dane-client"
check "danelab up" "$DANELAB" -r "$RUN" up
in_lab() { "$DANELAB" -r "$RUN" exec -- "$@"; }

# --retry under exchange-online: its 24-hour schedule (27 attempts).
in_lab "$CLIENT" -q --retry --profile exchange-online --tlsrpt "$WORK/fail.json" \
    --trust-anchor "$RUN/root.key" smtp-no-starttls.test >/dev/null
check_output "a failing domain: policy tlsa for its MX host" '"tlsa" "smtp-no-starttls.test" "mx1.smtp-no-starttls.test"' \
    jq -r '.policies[0].policy | "\"\(."policy-type")\" \"\(."policy-domain")\" \"\(."mx-host"[0])\""' "$WORK/fail.json"
check_output "... 27 failed sessions over the 24-hour schedule, none successful" '^0 27$' \
    jq -r '.policies[0].summary | "\(."total-successful-session-count") \(."total-failure-session-count")"' "$WORK/fail.json"
check_output "... result type starttls-not-supported" '^starttls-not-supported 27$' \
    jq -r '.policies[0]."failure-details"[0] | "\(."result-type") \(."failed-session-count")"' "$WORK/fail.json"
check_output "... a date range of whole UTC days (RFC 8460 4.1): the two days the 24-hour schedule spans" \
    '^true 172800$' \
    jq -r '."date-range" | "\((."start-datetime" | endswith("T00:00:00Z")) and (."end-datetime" | endswith("T23:59:59Z"))) \((."end-datetime" | fromdate) - (."start-datetime" | fromdate) + 1)"' "$WORK/fail.json"
# Under rfc7672 the schedule runs 5 days (RFC 5321 4.5.4.1): 122 sessions
# over six UTC days.
in_lab "$CLIENT" -q --retry --tlsrpt "$WORK/fail5.json" --trust-anchor "$RUN/root.key" \
    smtp-no-starttls.test >/dev/null
check_output "... rfc7672: 122 failed sessions over the 5-day schedule, six whole UTC days" \
    '^0 122 518400$' \
    jq -r '"\(.policies[0].summary."total-successful-session-count") \(.policies[0].summary."total-failure-session-count") \((."date-range"."end-datetime" | fromdate) - (."date-range"."start-datetime" | fromdate) + 1)"' \
    "$WORK/fail5.json"
check_output "... sent from the client's own address (sending-mta-ip), to the MX host's" \
    '^127\.0\.0\.1 mx1\.smtp-no-starttls\.test 127\.25\.[0-9]+\.1$' \
    jq -r '.policies[0]."failure-details"[0] | "\(."sending-mta-ip") \(."receiving-mx-hostname") \(."receiving-ip")"' "$WORK/fail.json"
check_output "... contact-info an address, report-id a UUID" \
    '^tlsrpt@dane-client\.invalid [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
    jq -r '"\(."contact-info") \(."report-id")"' "$WORK/fail.json"

in_lab "$CLIENT" -q -v --tlsrpt "$WORK/ok.json" --trust-anchor "$RUN/root.key" good.test >/dev/null 2>"$WORK/ok.err"
check_output "the client says where the domain asks for reports (its rua)" \
    'good\.test asks for reports at mailto:tlsrpt@good\.test' cat "$WORK/ok.err"
in_lab "$CLIENT" -q --tlsrpt "$WORK/bogus.json" --trust-anchor "$RUN/root.key" dns-zone-expired.test >/dev/null 2>"$WORK/bogus.err"
check_output "... and warns when it publishes no valid policy" \
    'dns-zone-expired\.test publishes no TLSRPT policy .*bogus' cat "$WORK/bogus.err"
check_output "... a bogus MX RRset leaves no MX host and no session: no report (and says so)" \
    'no report written: dns-zone-expired\.test: no TLS session to report' \
    sh -c "cat '$WORK/bogus.err'; test ! -e '$WORK/bogus.json'"
check_output "a good domain: one successful session, no failure details" '^1 0 0$' \
    jq -r '.policies[0] | "\(.summary."total-successful-session-count") \(.summary."total-failure-session-count") \(."failure-details" | length)"' "$WORK/ok.json"

# The policy record, validated: secure in a signed zone, insecure in an
# unsigned one, bogus in a zone whose signatures expired.
txt() { in_lab unbound-host -C "$RUN/etc/libunbound.conf" -r -f "$RUN/root.key" -v -t TXT "$1"; }
check_output "good.test publishes its TLS-RPT policy, secure (unbound-host)" \
    '^_smtp\._tls\.good\.test has TXT record "v=TLSRPTv1; rua=mailto:tlsrpt@good\.test" \(secure\)$' \
    txt _smtp._tls.good.test
check_output "... fully validated by delv" \
    '^; fully validated' in_lab delv -a "$RUN/etc/delv.anchors" @127.53.0.53 -t TXT _smtp._tls.good.test
check_output "unsigned.test: the same record, insecure" \
    '^_smtp\._tls\.unsigned\.test has TXT record "v=TLSRPTv1; rua=mailto:tlsrpt@unsigned\.test" \(insecure\)$' \
    txt _smtp._tls.unsigned.test
check_output "dns-zone-expired.test: bogus (a sender finds no policy)" '\(BOGUS' \
    txt _smtp._tls.dns-zone-expired.test
check "danelab down" "$DANELAB" -r "$RUN" down

# tlsrpt: none publishes nothing; a record of 300 characters is served in
# two character-strings, which the client joins (section 3).
D="$WORK/scen"
RUN2="$WORK/run2"
mkdir -p "$D"
long="https://reports.rpt-long.test/$(printf '%0250d' 0)"
for n in rpt-none rpt-long; do
    case $n in
    rpt-none) extra='tlsrpt: none' ;;
    *) extra="tlsrpt: \"v=TLSRPTv1; rua=$long,mailto:tlsrpt@rpt-long.test\"" ;;
    esac
    GOOD_PROFILES=rfc7672 good_scenario "$n" "Signed domain, DANE-EE; TLS-RPT policy: $n" "$extra" \
        >"$D/$n.yaml"
done
check "danelab up (tlsrpt: none, a long record)" "$DANELAB" -r "$RUN2" -s "$D" up
txt2() { "$DANELAB" -r "$RUN2" exec -- unbound-host -C "$RUN2/etc/libunbound.conf" -r -f "$RUN2/root.key" -v -t TXT "$1"; }
check_output "tlsrpt: none: no such name, proven (secure)" \
    'rpt-none\.test has no TXT record \(secure\)|rpt-none\.test does not exist|NXDOMAIN.*\(secure\)' \
    txt2 _smtp._tls.rpt-none.test
check_output "a 300-character record: served as two strings of 255 and 45" \
    "\"v=TLSRPTv1; rua=https://reports\\.rpt-long\\.test/0+\" \"0+,mailto:tlsrpt@rpt-long\\.test\" \\(secure\\)" \
    txt2 _smtp._tls.rpt-long.test
check "danelab down" "$DANELAB" -r "$RUN2" down
# The reference client reads both through the lab resolver: a report for
# the long record's domain (strings joined), none for rpt-none.
check "run --tlsrpt over both" "$DANELAB" -r "$RUN2" -s "$D" run --tlsrpt "$WORK/r2" --profile rfc7672
check_output "... a report for rpt-long.test only (and the index)" '^index.json rpt-long.test.json $' \
    sh -c "ls '$WORK/r2' | tr '\\n' ' '"
check_output "... its rua: the 280-character URI and the mailto:" "^280 mailto:tlsrpt@rpt-long.test\$" \
    jq -r '.["rpt-long.test"].rua | "\(.[0] | length) \(.[1])"' "$WORK/r2/index.json"
finish
