# danelab run, the main job: builds, brings the lab up, checks every
# scenario's DNSSEC verdict, brings the lab down; exit 1 when a scenario
# deviates from its expectation.
. "$(dirname "$0")/lib.sh"

check_output "run passes the catalogue" "^[0-9]+ passed, 0 failed$" "$DANELAB" -r "$RUN" run
if wait_no_procs; then ok "run left no lab behind"; else not_ok "run left no lab behind"; fi
check_output "run --json reports each scenario" '"observed": \{' "$DANELAB" -r "$RUN" run --json --scenario good
check_status "an unknown --scenario is a usage error" 2 "$DANELAB" -r "$RUN" run --scenario nosuch

D="$WORK/scen"
mkdir -p "$D"
cat >"$D/wrongexpect.yaml" <<'Y'
name: wrongexpect
summary: an unsigned domain wrongly expected to be secure
zone: {signed: false}
mx:
  - host: mx1
expect:
  dnssec: secure
Y
check_status "a deviating scenario makes run exit 1" 1 "$DANELAB" -r "$RUN" -s "$D" run
check_output "the deviation is shown" "FAIL wrongexpect +expected secure +observed insecure" \
    "$DANELAB" -r "$RUN" -s "$D" run

check "up for a run against a running lab" "$DANELAB" -r "$RUN" up
check_output "run uses the running lab" "passed, 0 failed" "$DANELAB" -r "$RUN" run
check_status "and leaves it running" 0 "$DANELAB" -r "$RUN" status
check "down" "$DANELAB" -r "$RUN" down
finish
