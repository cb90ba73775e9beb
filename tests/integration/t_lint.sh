# danelab lint: every kind of broken file gets one `file:line:` message and
# exit status 2; the catalogue itself is clean.
. "$(dirname "$0")/lib.sh"
D="$WORK/scen"
mkdir -p "$D"

write() { cat >"$D/$1.yaml"; }

write syntax <<'Y'
name: syntax
summary: "unbalanced
mx: [
Y
write unknownkey <<'Y'
name: unknownkey
summary: an unknown key on line 4
mx:
  - host: mx1
    colour: blue
Y
write badrecord <<'Y'
name: badrecord
summary: a record that does not parse, on line 5
records: |
  www A 127.0.0.80
  mail A 999.1.2.3
Y
write nosummary <<'Y'
name: nosummary
mx:
  - host: mx1
Y
write badmisbehave <<'Y'
name: badmisbehave
summary: every goes only with answer drop, on line 6
zone:
  misbehave:
    - {type: TLSA, answer: drop, every: 3}
    - {type: TLSA, answer: servfail, every: 2}
Y
write badanswer <<'Y'
name: badanswer
summary: an answer a misbehaving server cannot give, on line 5
zones:
  - name: legacy.test
    misbehave: [{type: TLSA, answer: nxdomain}]
Y

lint_one() { # NAME LINE: exactly one message, naming FILE:LINE, exit 2
    out=$("$DANELAB" lint "$D/$1.yaml" 2>&1)
    st=$?
    lines=$(printf '%s\n' "$out" | grep -c .)
    if [ $st -eq 2 ] && [ "$lines" -eq 1 ] && printf '%s\n' "$out" | grep -q "^$D/$1.yaml:$2: "; then
        ok "lint $1: one message at line $2, exit 2"
    else
        not_ok "lint $1: one message at line $2, exit 2" "exit $st: $out"
    fi
}
lint_one syntax 2
lint_one unknownkey 5
lint_one badrecord 5
lint_one nosummary 1
lint_one badmisbehave 6
lint_one badanswer 5
check_output "lint names the misused key" "key 'every': only with answer: drop" \
    "$DANELAB" lint "$D/badmisbehave.yaml"
check_output "lint names the unknown answer" "key 'answer'.*nxdomain" "$DANELAB" lint "$D/badanswer.yaml"
check_output "explain says how a zone's name server misbehaves" \
    "The name server of ns-tlsa-servfail-unsigned-mx.test \(fakedns\) answers TLSA queries SERVFAIL\." \
    "$DANELAB" -r "$WORK/explain" explain ns-tlsa-servfail-unsigned
check_output "lint names what is wrong with the record" "bad record .*999\.1\.2\.3" \
    "$DANELAB" lint "$D/badrecord.yaml"
check_output "lint names the unknown key" "unknown key 'colour'" "$DANELAB" lint "$D/unknownkey.yaml"
check_output "lint names the missing key" "missing required key 'summary'" "$DANELAB" lint "$D/nosummary.yaml"
check_output "lint of the whole catalogue passes" "scenarios: ok" "$DANELAB" lint
check_status "a missing file is a usage error" 2 "$DANELAB" lint "$D/none.yaml"
check_output "list shows the starter scenarios" "^good +good\.test\." "$DANELAB" list
check_output "list --json has the fields" '"domain": "unsigned.test."' "$DANELAB" list --json
check_status "up with a broken scenario file starts nothing (exit 2)" 2 "$DANELAB" -r "$RUN" -s "$D" up
if [ ! -e "$RUN/lab.pid" ] && [ ! -e "$RUN/zones" ] && [ -z "$(lab_procs)" ]; then ok "no zone built, no server started"; else not_ok "no zone built, no server started" "$(ls -R "$RUN")"; fi
check_output "exec without a lab says how to start one" "no lab runs from .*danelab up" "$DANELAB" -r "$RUN" exec -- true
# Every command and sub-command answers -h and --help with its usage, on
# stdout, exit 0, without touching a run directory.
for c in run "report merge" "report table" report "mta postfix" "mta exim" "mta command" build up \
    down status exec lint list trace explain graph capture import; do
    for h in --help -h; do
        check "danelab $c $h prints its usage (exit 0, no run directory made)" \
            sh -c "'$DANELAB' -r '$WORK/no-such-run' $c $h >'$WORK/help' &&
                   grep -q '^usage: danelab ' '$WORK/help' &&
                   grep -Eq '(^ *| )${c%% *} ' '$WORK/help' && test ! -e '$WORK/no-such-run'"
    done
done
check_status "exec -- CMD --help is CMD's, not exec's (no lab: exit 2)" 2 \
    "$DANELAB" -r "$WORK/no-such-run" exec -- true --help
finish
