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

# ---- selection, workers, timelines ----
check_output "run --help prints the usage" "^usage: danelab .* run " "$DANELAB" run --help
ta=$("$DANELAB" list --json | jq '[.[] | select(.tags | index("dane-ta"))] | length')
check_output "--tag selects the tagged scenarios only ($ta)" "^$ta passed, 0 failed$" \
    "$DANELAB" -r "$RUN" run --tag dane-ta --tag nosuchtag --jobs 2
check_status "a --tag nothing carries is a usage error" 2 "$DANELAB" -r "$RUN" run --tag nosuchtag
check_status "--jobs 0 is a usage error" 2 "$DANELAB" -r "$RUN" run --jobs 0

check "up for the --jobs comparison" "$DANELAB" -r "$RUN" up
SEL="--scenario good --scenario timeline-never-fixed --scenario timeline-fault-fixed --scenario smtp-no-starttls --scenario dns-rrsig-expired --scenario multi-mx-all-fail"
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" run $SEL --jobs 1 --json >"$WORK/j1.json" 2>/dev/null
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" run $SEL --jobs 3 --json >"$WORK/j3.json" 2>/dev/null
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" run $SEL --jobs 2 --exact-timelines --json >"$WORK/exact.json" 2>/dev/null
obs='[.scenarios[] | [.name, .pass, .observed.dnssec, (.delivery[] | [.profile, .observed.status, .observed.code, .observed.reason, (.timeline.attempts // [] | map([.at, .status, .code, .detail]))])]]'
check_output "--jobs 3 gives what --jobs 1 gives, in the same order" "^same$" \
    sh -c "[ \"\$(jq -c '$obs' '$WORK/j1.json')\" = \"\$(jq -c '$obs' '$WORK/j3.json')\" ] && [ \$(jq '.scenarios | length' '$WORK/j1.json') = 6 ] && echo same"
check_output "--exact-timelines runs every attempt and observes the same" "^same$" \
    sh -c "[ \"\$(jq -c '$obs' '$WORK/j1.json')\" = \"\$(jq -c '$obs' '$WORK/exact.json')\" ] && echo same"
check_output "without it, attempts that cannot differ are reused" "^[1-9][0-9]* reused, 0 exact$" \
    sh -c "echo \$(jq '[.scenarios[].delivery[].timeline.attempts // [] | .[] | select(.reused)] | length' '$WORK/j1.json') reused, \$(jq '[.scenarios[].delivery[].timeline.attempts // [] | .[] | select(.reused)] | length' '$WORK/exact.json') exact"
check "down after the --jobs comparison" "$DANELAB" -r "$RUN" down

check "up for a run against a running lab" "$DANELAB" -r "$RUN" up
check_output "run uses the running lab" "passed, 0 failed" "$DANELAB" -r "$RUN" run
check_status "and leaves it running" 0 "$DANELAB" -r "$RUN" status
check "down" "$DANELAB" -r "$RUN" down
finish
