# danelab run --junit FILE and --tap: the report in the forms CI systems
# read, checked with xmllint and with Perl's TAP parser (prove); the
# progress line on a terminal only; a failing scenario points to the
# fakesmtp session log and `danelab explain`.
. "$(dirname "$0")/lib.sh"

D="$WORK/scen"
mkdir -p "$D"
# ok-good passes; wrong-reason's rfc7672 expectation is wrong (the client
# authenticates), its exchange-online one right; wrong-tlsa expects a
# secure TLSA RRset whose signature expired (the validator's reason has
# <...> in it, which the XML must escape).
good_scenario ok-good >"$D/ok-good.yaml"
cat >"$D/wrong-reason.yaml" <<'Y'
name: wrong-reason
summary: "A good domain wrongly expected to fail the TLSA match under rfc7672"
certificates:
  leaf: {names: [mx1.wrong-reason.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa: [{usage: 3, selector: 1, matching: 1, of: leaf}]
expect:
  dnssec: secure
  rfc7672: {status: delivered, code: 2.0.0, reason: no-tlsa-match}
  exchange-online: {status: delivered, code: 2.0.0, reason: authenticated}
Y
cat >"$D/wrong-tlsa.yaml" <<'Y'
name: wrong-tlsa
summary: "An expired TLSA signature wrongly expected to validate"
mx:
  - host: mx1
    tlsa: ["3 1 1 0000000000000000000000000000000000000000000000000000000000000000"]
faults:
  - rrsig-expired
expect:
  dns:
    mx: secure
    a: secure
    tlsa: secure
Y
dl() { "$DANELAB" -r "$RUN" -s "$D" "$@"; }
check "danelab up" dl up

# ---- JUnit ----
dl run --junit "$WORK/r.xml" >"$WORK/r.txt" 2>&1
rc=$?
if [ "$rc" = 1 ]; then ok "run --junit: exit 1 (two scenarios deviate)"; else not_ok "run --junit: exit 1" "exit $rc: $(cat "$WORK/r.txt")"; fi
check "the JUnit file is well-formed XML (xmllint)" xmllint --noout "$WORK/r.xml"
x() { xmllint --xpath "$1" "$WORK/r.xml" 2>&1; }
check_output "one testsuite per check: dns, rfc7672, exchange-online" '^dns rfc7672 exchange-online $' \
    sh -c "xmllint --xpath '//testsuite/@name' '$WORK/r.xml' | sed 's/ *name=\"\\([^\"]*\\)\"/\\1 /g' | tr -d '\\n'"
check_output "7 testcases, 2 failures in <testsuites>" '^7 2 7 2$' \
    sh -c "echo \$(xmllint --xpath 'string(/testsuites/@tests)' '$WORK/r.xml') \$(xmllint --xpath 'string(/testsuites/@failures)' '$WORK/r.xml') \$(xmllint --xpath 'count(//testcase)' '$WORK/r.xml') \$(xmllint --xpath 'count(//testcase/failure)' '$WORK/r.xml')"
check_output "classname is the scenario, name the check" '^wrong-reason rfc7672$' \
    sh -c "echo \$(xmllint --xpath 'string(//testcase[failure and @name=\"rfc7672\"]/@classname)' '$WORK/r.xml') \$(xmllint --xpath 'string(//testcase[@classname=\"wrong-reason\" and failure]/@name)' '$WORK/r.xml')"
check_output "the failure message has the expected/observed difference" \
    '^expected reason no-tlsa-match, observed authenticated$' \
    x 'string(//testcase[@classname="wrong-reason" and @name="rfc7672"]/failure/@message)'
check_output "a DNS failure's message: the RRset, expected and observed, the validator's reason" \
    '^tlsa _25._tcp.mx1.wrong-tlsa.test. TLSA: expected secure, observed bogus: validation failure <_25._tcp.mx1.wrong-tlsa.test. TLSA IN>: signature expired' \
    x 'string(//testcase[@classname="wrong-tlsa"]/failure/@message)'
check_output "... escaped in the file" 'message="tlsa [^"]*&lt;_25._tcp.mx1.wrong-tlsa.test. TLSA IN&gt;' cat "$WORK/r.xml"
check_output "the failure points to the session log and to danelab explain" \
    "fakesmtp.jsonl \(listener \*\.wrong-reason\.test\).explain: danelab explain wrong-reason" \
    sh -c "xmllint --xpath 'string(//testcase[@classname=\"wrong-reason\" and @name=\"rfc7672\"]/failure)' '$WORK/r.xml' | tr '\\n' ' '"
check_output "system-out has the scenario's detail" 'observed: delivered 2.0.0 \(authenticated\)' \
    x 'string(//testcase[@classname="ok-good" and @name="exchange-online"]/system-out)'
check_output "a passing check has no <failure>" '^0$' x 'count(//testcase[@classname="ok-good"]/failure)'
check_output "the text table points to where to look" \
    "^     see  $RUN/log/fakesmtp.jsonl \(listener \*\.wrong-reason\.test\); danelab explain wrong-reason$" \
    cat "$WORK/r.txt"
check_output "--json: a failed scenario has a trace, a check its seconds" '^true true false$' \
    sh -c "dl() { \"\$DANELAB\" -r '$RUN' -s '$D' \"\$@\"; }; dl run --json | jq -r '[(.scenarios[] | select(.name == \"wrong-reason\") | .trace.explain == \"danelab explain wrong-reason\"), (.scenarios[0].delivery[0].seconds >= 0), (.scenarios[] | select(.name == \"ok-good\") | has(\"trace\"))] | map(tostring) | join(\" \")'"

# ---- TAP ----
dl run --tap >"$WORK/r.tap" 2>"$WORK/r.err"
rc=$?
if [ "$rc" = 1 ]; then ok "run --tap: exit 1"; else not_ok "run --tap: exit 1" "exit $rc"; fi
check_output "TAP 13: version line first, then the plan" '^TAP version 13 1\.\.7 $' sh -c "head -2 '$WORK/r.tap' | tr '\\n' ' '"
check_output "one test point per scenario and check" '^not ok [0-9]+ - wrong-reason \[rfc7672\]$' cat "$WORK/r.tap"
check_output "... and the DNS one" '^not ok [0-9]+ - wrong-tlsa \[dns\]$' cat "$WORK/r.tap"
cp "$WORK/r.tap" "$WORK/r.t"
check_output "prove parses it: 7 tests, 2 failed" 'Failed 2/7 subtests' prove -e cat "$WORK/r.t"
if command -v perl >/dev/null 2>&1 && perl -MTAP::Parser -e 1 2>/dev/null; then
    check_output "TAP::Parser reads every YAML block (message, expected, observed, explain)" \
        '^yaml 2; expected reason no-tlsa-match, observed authenticated; no-tlsa-match; authenticated; danelab explain wrong-reason$' \
        perl -MTAP::Parser -e '
            local $/; my $t = <STDIN>; my $p = TAP::Parser->new({tap => $t}); my ($n, $s) = (0, "");
            while (my $r = $p->next) {
                next unless $r->is_yaml; $n++; my $d = $r->data;
                $s = "$d->{message}; $d->{expected}{reason}; $d->{observed}{reason}; $d->{explain}" if $d->{message} =~ /no-tlsa-match/;
            }
            print "yaml $n; $s\n"; print "parse errors: ", join(", ", $p->parse_errors), "\n" if $p->parse_errors;' <"$WORK/r.tap"
else
    skip "TAP::Parser (perl) not installed"
fi
dl run --tap --scenario ok-good >"$WORK/ok.t" 2>/dev/null
check "prove passes a run where all passed" prove -e cat "$WORK/ok.t"
check_output "TAP ends with the summary as a comment" '^# 1 passed, 0 failed$' tail -1 "$WORK/ok.t"
check_status "--json and --tap together are a usage error" 2 dl run --json --tap

# ---- progress on a terminal only ----
if command -v script >/dev/null 2>&1; then
    script -qec "$DANELAB -r $RUN -s $D run --scenario ok-good --scenario wrong-tlsa" "$WORK/tty.out" >/dev/null 2>&1
    check_output "on a terminal: a progress line [k/n] name, overwritten" "\\[[12]/2\\] [a-z-]*$(printf '\r')" cat "$WORK/tty.out"
else
    skip "script (bsdutils) not installed"
fi
dl run --scenario ok-good --scenario wrong-tlsa >"$WORK/pipe.out" 2>&1
if grep -q '\[1/2\]' "$WORK/pipe.out"; then not_ok "no progress line in a pipe" "$(cat "$WORK/pipe.out")"; else ok "no progress line in a pipe"; fi
if grep -q '\[' "$WORK/r.err"; then not_ok "no progress line with --tap" "$(cat "$WORK/r.err")"; else ok "no progress line with --tap"; fi

check_status "--junit into a missing directory: exit 2 before running" 2 dl run --junit "$WORK/no/such/r.xml"
check "danelab down" dl down
finish
