# dane-client --tlsrpt: an RFC 8460 report of the attempts, with the TLSA
# policy, session counts and the failure's result type.
. "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$DANELAB")/dane-client"
check "danelab up" "$DANELAB" -r "$RUN" up
in_lab() { "$DANELAB" -r "$RUN" exec -- "$@"; }

in_lab "$CLIENT" -q --retry --tlsrpt "$WORK/fail.json" --trust-anchor "$RUN/root.key" smtp-no-starttls.test >/dev/null
check_output "a failing domain: policy tlsa for its MX host" '"tlsa" "smtp-no-starttls.test" "mx1.smtp-no-starttls.test"' \
    jq -r '.policies[0].policy | "\"\(."policy-type")\" \"\(."policy-domain")\" \"\(."mx-host"[0])\""' "$WORK/fail.json"
check_output "... 27 failed sessions over the 24-hour schedule, none successful" '^0 27$' \
    jq -r '.policies[0].summary | "\(."total-successful-session-count") \(."total-failure-session-count")"' "$WORK/fail.json"
check_output "... result type starttls-not-supported" '^starttls-not-supported 27$' \
    jq -r '.policies[0]."failure-details"[0] | "\(."result-type") \(."failed-session-count")"' "$WORK/fail.json"
check_output "... a date range of 24 hours" '^86400$' \
    jq -r '(."date-range"."end-datetime" | fromdate) - (."date-range"."start-datetime" | fromdate)' "$WORK/fail.json"

in_lab "$CLIENT" -q --tlsrpt "$WORK/ok.json" --trust-anchor "$RUN/root.key" good.test >/dev/null
check_output "a good domain: one successful session, no failure details" '^1 0 0$' \
    jq -r '.policies[0] | "\(.summary."total-successful-session-count") \(.summary."total-failure-session-count") \(."failure-details" | length)"' "$WORK/ok.json"
check "danelab down" "$DANELAB" -r "$RUN" down
finish
