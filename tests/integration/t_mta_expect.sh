# ci-sanitizers: skip (lab_verdict's alternatives are unit-tested under the sanitizers (check_verdict); the Postfix adapter runs in t_mta_postfix)
# Expectations with alternatives judged on a real MTA (danelab mta
# postfix): the fixture expect-either accepts delivered (unauthenticated
# TLS) or deferred (RFC 7672 3.1.3, a MAY), so Postfix passes with either;
# plaintext where every accepted delivery is over TLS is a LEAK; the
# reference client (danelab run) meets one alternative and says which.
. "$(dirname "$0")/lib.sh"

if ! [ -x /usr/sbin/postfix ] || ! id postfix >/dev/null 2>&1; then
    echo "1..0 # SKIP Postfix is not installed"
    exit 0
fi
chmod 755 "$WORK" # Postfix's daemons run as the postfix user
DATA="$SRC_DIR/tests/integration/data/expect"
dl() { "$DANELAB" -r "$RUN" -s "$SRC_DIR/lab/scenarios" -s "$DATA" "$@"; }
verdict() { jq -r '.scenarios[0] | "\(.verdict) \(.mta.status) \(.expected.matched)"' "$1"; }

check "up" dl up
dl mta postfix --scenario expect-either --json >"$WORK/dane.json" 2>/dev/null
check_output "Postfix (DANE): delivers, meets alternative 0, pass" '^pass sent 0$' verdict "$WORK/dane.json"
dl mta postfix --scenario expect-either --postfix-option smtp_tls_security_level=verify \
    --json >"$WORK/verify.json" 2>/dev/null
check_output "Postfix (verify): defers, meets alternative 1, pass" '^pass deferred 1$' \
    verdict "$WORK/verify.json"
dl mta postfix --scenario expect-either --postfix-option smtp_tls_security_level=none \
    --json >"$WORK/none.json" 2>/dev/null
check_output "Postfix (no TLS): plaintext where every accepted delivery is TLS is a LEAK" \
    '^leak sent 0 .*plaintext where TLS is required' \
    sh -c "jq -r '.scenarios[0] | \"\\(.verdict) \\(.mta.status) \\(.expected.matched) \\(.why)\"' '$WORK/none.json'"
check_output "the report shows every alternative and the clause" \
    '^delivered 2.0.0 tls-required-unauthenticated\|deferred 4.7.323 RFC 7672 3.1.3 \(MAY: usages 0 and 1 unusable\)$' \
    jq -r '.scenarios[0].expected | "\([.any[] | "\(.status) \(.code)\(if .reason then " " + .reason else "" end)"] | join("|")) \(.rfc[0])"' "$WORK/dane.json"
out=$(dl mta postfix --scenario expect-either 2>&1)
check_output "text: the alternative met" '^pass +expect-either +expected delivered ' printf '%s\n' "$out"

# A deviation (never a leak) can be made known.
printf 'expect-wrong  a deliberately wrong expectation\n' >"$WORK/known"
dl mta postfix --scenario expect-wrong --known "$WORK/known" --json >"$WORK/known.json" 2>/dev/null
check_output "a deviation listed in --known is known" '^known deferred' \
    jq -r '.scenarios[0] | "\(.verdict) \(.mta.status)"' "$WORK/known.json"

# The reference client meets one alternative.
dl run --scenario expect-either --json >"$WORK/run.json" 2>/dev/null
check_output "run: the reference client passes, alternative 0 met" '^true 0 2$' \
    jq -r '.scenarios[0].delivery[0] | "\(.pass) \(.expected.matched) \(.expected.any | length)"' "$WORK/run.json"
finish
