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
check_output "fault fixed at 40 min: delivered at the 4th attempt, +1h30" \
    "retry: 4 attempts, final delivered 2.0.0 at \+1h30" \
    "$DANELAB" -r "$RUN" run --scenario timeline-fault-fixed
check_output "never fixed: 5.7.323 at the 27th attempt, +24h" \
    "retry: 27 attempts, final bounced 5.7.323 at \+24h00" \
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
check "down" "$DANELAB" -r "$RUN" down

D="$WORK/scen"
mkdir -p "$D"
sed -e 's/attempts: 4/attempts: 5/' -e 's/^name: timeline-fault-fixed/name: tl-wrong/' \
    "$CATALOGUE/timeline-fault-fixed.yaml" >"$D/tl-wrong.yaml"
check_status "a wrong attempt count fails the scenario" 1 "$DANELAB" -r "$RUN" -s "$D" run
check_output "and says what differs" "expected 5 attempts, observed 4" \
    "$DANELAB" -r "$RUN" -s "$D" run
finish
