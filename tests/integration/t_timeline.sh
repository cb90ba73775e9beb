# ci-sanitizers: skip (t_run runs the catalogue's timeline scenarios, world changes and retries included; this suite's extra checks read their JSON)
# Retry timelines (issue 6): danelab run drives the retry schedule on the
# virtual clock, rebuilds a timeline scenario's zones for each world state,
# reloads nsd-child, and judges every attempt and the final disposition.
. "$(dirname "$0")/lib.sh"

TL="--scenario timeline-fault-fixed --scenario timeline-never-fixed"
TL="$TL --scenario timeline-signature-expires --scenario timeline-cert-expires"
check "up" "$DANELAB" -r "$RUN" up
ZONE="$RUN/zones/timeline-fault-fixed.test.zone"
BEFORE=$(md5sum <"$ZONE")
# shellcheck disable=SC2086
check_output "the four timeline scenarios pass under both profiles" "^4 passed, 0 failed$" \
    "$DANELAB" -r "$RUN" run $TL
# Each profile retries on its own schedule (dane_retry.h): rfc7672 0,
# 30 min, then hourly, final at 5 d (RFC 5321 4.5.4.1); exchange-online 0,
# 15 min, 30 min, then hourly, final at 24 h (seed 001).
check_output "fault fixed at 40 min, rfc7672: delivered at the 3rd attempt, +1h30" \
    "retry: 3 attempts, final delivered 2.0.0 at \+1h30" \
    "$DANELAB" -r "$RUN" run --scenario timeline-fault-fixed --profile rfc7672
check_output "fault fixed at 40 min, exchange-online: delivered at the 4th attempt, +1h30" \
    "retry: 4 attempts, final delivered 2.0.0 at \+1h30" \
    "$DANELAB" -r "$RUN" run --scenario timeline-fault-fixed --profile exchange-online
"$DANELAB" -r "$RUN" run --json --scenario timeline-never-fixed >"$WORK/nf.json" 2>/dev/null
check_output "never fixed, rfc7672: 5.7.323 at the 122nd attempt, +120h (5 d)" \
    "^rfc5321 122 432000 5.7.323 true$" jq -r '.scenarios[0].delivery[]
        | select(.profile == "rfc7672") | .timeline
        | "\(.schedule) \(.attempts | length) \(.attempts[-1].at) \(.attempts[-1].code) \(.pass)"' \
    "$WORK/nf.json"
check_output "... every rfc7672 attempt at least 30 minutes after the one before" "^1800$" \
    jq '.scenarios[0].delivery[] | select(.profile == "rfc7672") | [.timeline.attempts[].at]
        | [., .[1:]] | transpose | map(select(.[1] != null) | .[1] - .[0]) | min' "$WORK/nf.json"
check_output "never fixed, exchange-online: 5.7.323 at the 27th attempt, +24h" \
    "^seed-001 27 86400 5.7.323 true$" jq -r '.scenarios[0].delivery[]
        | select(.profile == "exchange-online") | .timeline
        | "\(.schedule) \(.attempts | length) \(.attempts[-1].at) \(.attempts[-1].code) \(.pass)"' \
    "$WORK/nf.json"
check_output "... and the text says so" "retry: 122 attempts, final bounced 5.7.323 at \+120h00" \
    "$DANELAB" -r "$RUN" run --scenario timeline-never-fixed --profile rfc7672
check_output "--json lists the attempts" '"at": 5400' \
    "$DANELAB" -r "$RUN" run --json --scenario timeline-fault-fixed
# After a timeline the lab serves its own zone files again: the first
# attempt of an ordinary check sees the fault of the scenario's own state.
check_output "the lab's zones are restored after the timeline" \
    "ok +tlsa _25._tcp.mx1.timeline-fault-fixed.test. TLSA: expected bogus" \
    "$DANELAB" -r "$RUN" run --scenario timeline-fault-fixed
if [ "$(md5sum <"$ZONE")" = "$BEFORE" ]; then ok "the lab's zone file is put back"; else
    not_ok "the lab's zone file is put back"; fi

# Host-level steps: STARTTLS turned on, a TLSA record corrected, a
# certificate renewed. The changes must reach the real fakesmtp between
# attempts (its session log), and the lab's own configuration must be back
# afterwards (the file, and what a probe of the hosts sees).
CLIENT="$(dirname "$DANELAB")/dane-client"
SLOG="$RUN/log/fakesmtp.jsonl"
CONF_BEFORE=$(md5sum <"$RUN/etc/fakesmtp.json")
LINES=$(wc -l <"$SLOG")
HL="--scenario timeline-starttls-turned-on --scenario timeline-tlsa-corrected"
HL="$HL --scenario timeline-cert-renewed"
# shellcheck disable=SC2086
check_output "the three host-level timelines pass under both profiles" "^3 passed, 0 failed$" \
    "$DANELAB" -r "$RUN" run $HL
check_output "STARTTLS turned on at 40 min, rfc7672: delivered at the 3rd attempt, +1h30" \
    "retry: 3 attempts, final delivered 2.0.0 at \+1h30" \
    "$DANELAB" -r "$RUN" run --scenario timeline-starttls-turned-on --profile rfc7672
check_output "TLSA corrected at 2 h: delivered at the 5th attempt, +2h30" \
    "retry: 5 attempts, final delivered 2.0.0 at \+2h30" \
    "$DANELAB" -r "$RUN" run --scenario timeline-tlsa-corrected --profile exchange-online
# The client's sessions (EHLO dane-client.invalid; the runner's readiness
# probes send no EHLO) in order, as "STARTTLS CERT-SHA256".
sessions() {
    tail -n +"$((LINES + 1))" "$SLOG" | jq -r --arg l "mx1.$1.test" \
        'select(.listener == $l and .helo == "dane-client.invalid")
         | "\(.starttls) \(.tls.cert_sha256 // "-")"'
}
ST=$(sessions timeline-starttls-turned-on | uniq | tr '\n' ' ')
LEAF=$(openssl x509 -in "$RUN/certs/timeline-starttls-turned-on/leaf.crt.pem" -outform DER |
    sha256sum | cut -d' ' -f1)
case "$ST" in
"false - true $LEAF "*) ok "fakesmtp: no STARTTLS at first, then STARTTLS with the leaf" ;;
*) not_ok "fakesmtp: no STARTTLS at first, then STARTTLS with the leaf" "$ST" ;;
esac
cert_sha() {
    openssl x509 -in "$RUN/certs/timeline-cert-renewed/$1.crt.pem" -outform DER |
        sha256sum | cut -d' ' -f1
}
CR=$(sessions timeline-cert-renewed | uniq | tr '\n' ' ')
case "$CR" in
"true $(cert_sha expired) true $(cert_sha renewed) "*)
    ok "fakesmtp: the expired certificate, then the renewed one" ;;
*) not_ok "fakesmtp: the expired certificate, then the renewed one" "$CR" ;;
esac
# --jobs: several timelines change fakesmtp.json at once (under its lock).
# Reusing attempts must observe what running them all observes, and the
# first attempt after a host-level step is always run.
"$DANELAB" -r "$RUN" run --tag timeline --jobs 3 --json >"$WORK/tl.json" 2>/dev/null
"$DANELAB" -r "$RUN" run --tag timeline --jobs 3 --exact-timelines --json \
    >"$WORK/tl-exact.json" 2>/dev/null
check "every timeline scenario passes with --jobs 3, with and without --exact-timelines" \
    jq -se 'map(.summary.passed == 8 and .summary.failed == 0) | all' "$WORK/tl.json" \
    "$WORK/tl-exact.json"
obs='[.scenarios[] | [.name, (.delivery[] | [.profile, (.timeline.attempts // []
     | map([.at, .status, .code, .detail]))])]]'
check_output "reused attempts observe what --exact-timelines observes" "^same$" \
    sh -c "a=\$(jq -c '$obs' '$WORK/tl.json') && [ -n \"\$a\" ] &&
        [ \"\$a\" = \"\$(jq -c '$obs' '$WORK/tl-exact.json')\" ] && echo same"
check_output "attempts reused within a state, never the first after a host step" "^true$" \
    jq '[.scenarios[] | select(.name == "timeline-tlsa-corrected") | .delivery[].timeline.attempts
        | (.[1].reused == true) and (.[-1].at == 9000) and (.[-1].reused != true)] | all' \
    "$WORK/tl.json"
if [ "$(md5sum <"$RUN/etc/fakesmtp.json")" = "$CONF_BEFORE" ]; then
    ok "the lab's fakesmtp configuration is put back"
else
    not_ok "the lab's fakesmtp configuration is put back" "$(cat "$RUN/etc/fakesmtp.json")"
fi
probe() {
    "$DANELAB" -r "$RUN" exec -- "$CLIENT" --probe --timeout 5 --trust-anchor "$RUN/root.key" "$@"
}
check_output "after the timeline, the host offers no STARTTLS again (4.7.321)" \
    "4\.7\.321" probe timeline-starttls-turned-on.test
check_output "after the timeline, the host presents the expired certificate again (4.7.322)" \
    "4\.7\.322" probe timeline-cert-renewed.test
check_output "after the timeline, the lab serves the wrong TLSA record again (4.7.323)" \
    "4\.7\.323" probe timeline-tlsa-corrected.test
check "down" "$DANELAB" -r "$RUN" down

D="$WORK/scen"
mkdir -p "$D"
sed -e 's/attempts: 4/attempts: 5/' -e 's/^name: timeline-fault-fixed/name: tl-wrong/' \
    "$CATALOGUE/timeline-fault-fixed.yaml" >"$D/tl-wrong.yaml"
check_status "a wrong attempt count fails the scenario" 1 "$DANELAB" -r "$RUN" -s "$D" run
check_output "and says what differs" "expected 5 attempts, observed 4" \
    "$DANELAB" -r "$RUN" -s "$D" run

# The other host keys, and changes accumulating over steps: the chain
# without the root the TLSA record pins (4.7.323); at 20 min the full
# chain, but a TLS fault (4.7.321); at 1 h the fault removed, the full
# chain kept: delivered at 1 h 30, the third attempt of rfc7672's schedule.
D2="$WORK/scen2"
mkdir -p "$D2"
cat >"$D2/tl-host-keys.yaml" <<'EOF2'
name: tl-host-keys
summary: chain and tls_fault changed by steps, accumulating
certificates:
  root: {ca: true, names: [root-ca.lab.test]}
  intermediate: {ca: true, issuer: root, names: [issuing-ca-1.lab.test]}
  leaf: {issuer: intermediate, names: [mx1.tl-host-keys.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa:
      - {usage: 2, selector: 0, matching: 1, of: root}
timeline:
  - at: 20m
    hosts: [{host: mx1, chain: full, tls_fault: wrong-key}]
  - at: 1h
    hosts: [{host: mx1, tls_fault: none}]
expect:
  dnssec: secure
  rfc7672:
    status: deferred
    code: 4.7.323
    retry:
      status: delivered
      code: 2.0.0
      attempts: 3
      at: 90m
      codes: [{at: 0, code: 4.7.323}, {at: 30m, code: 4.7.321}]
EOF2
check_output "chain and tls_fault steps, accumulating: 4.7.323, 4.7.321, delivered at +1h30" \
    "^1 passed, 0 failed$" "$DANELAB" -r "$RUN" -s "$D2" run --exact-timelines
finish
