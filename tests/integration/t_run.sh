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
# One observation for both profiles: exchange-online reuses rfc7672's run
# where every choice holds (smtp-cert-expired-ee: it defers what rfc7672
# delivers, so runs again; smtp-rejects-message: its probe too).
SEL2="--scenario good --scenario smtp-cert-expired-ee --scenario smtp-rejects-message --scenario dns-rrsig-expired --scenario multi-mx-first-fails-second-ok"
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" run $SEL2 --json >"$WORK/reuse.json" 2>/dev/null
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" run $SEL2 --exact-profiles --json >"$WORK/noreuse.json" 2>/dev/null
pobs='[.scenarios[] | [.name, .pass, (.delivery[] | [.profile, .observed, .probe.observed])]]'
check_output "--exact-profiles runs the client per profile and observes the same" "^same 5$" \
    sh -c "[ \"\$(jq -c '$pobs' '$WORK/reuse.json')\" = \"\$(jq -c '$pobs' '$WORK/noreuse.json')\" ] && echo same \$(jq '.summary.passed' '$WORK/reuse.json')"
reused=$(jq -r '[.scenarios[] | .name as $n | .delivery[] | select(.reused) | $n] | join(",")' "$WORK/reuse.json")
probes=$(jq '[.scenarios[].delivery[].probe | select(.reused)] | length' "$WORK/reuse.json")
exact=$(jq '[.. | objects | select(.reused)] | length' "$WORK/noreuse.json")
check_output "without it, the second profile reuses the first's run where its choices hold" \
    "^dns-rrsig-expired,good,multi-mx-first-fails-second-ok,smtp-rejects-message; probes 1; exact 0$" \
    echo "$reused; probes $probes; exact $exact"
# The DNS check looks up through the client's resolver context; the
# delivery takes its answers from the context's memo, so that after bogus
# records its reason is the validator's own, not "key ... is marked as
# invalid" (lab_deliver.h).
detail=$("$DANELAB" -r "$RUN" run --scenario dns-dnskey-rrsig-expired --json 2>/dev/null |
    jq -r '.scenarios[0] | [.observed.why, .delivery[0].observed.detail] | join(" | ")')
check_output "after a bogus DNS check the delivery keeps the validator's own reason" \
    "^validation failure <[^|]*: signature expired [^|]* \| MX lookup [^|]*: signature expired " echo "$detail"
check_status "... not one about a key marked invalid" 1 sh -c "echo '$detail' | grep -q 'marked as invalid'"
check "down after the --jobs comparison" "$DANELAB" -r "$RUN" down

check "up for a run against a running lab" "$DANELAB" -r "$RUN" up
check_output "run uses the running lab" "passed, 0 failed" "$DANELAB" -r "$RUN" run
check_status "and leaves it running" 0 "$DANELAB" -r "$RUN" status
check "down" "$DANELAB" -r "$RUN" down
finish
