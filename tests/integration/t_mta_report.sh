# danelab mta --html, danelab report merge of `mta --json` reports and
# danelab report table, on real runs of a private Postfix (and of Exim when
# scripts/fetch-exim has run): the merge of two shards has the full run's
# verdicts; the HTML pages are well-formed and colour the verdicts; the
# table puts each report's verdicts side by side; mixing report kinds or
# MTAs, a missing shard and a scenario given twice are refused (exit 2).
. "$(dirname "$0")/lib.sh"

if ! [ -x /usr/sbin/postfix ] || ! id postfix >/dev/null 2>&1; then
    skip_all "Postfix is not installed"
fi
# Postfix's daemons run as the postfix user (mktemp -d makes 0700).
chmod 755 "$WORK"
dl() { "$DANELAB" -r "$RUN" -s "$SRC_DIR/lab/scenarios" -s "$SRC_DIR/tests/integration/data/expect" "$@"; }
# expect-wrong (a fixture) deviates on purpose: the known deviation.
printf 'expect-wrong  a deliberately wrong expectation (test fixture)\n' >"$WORK/known"

S="--scenario good --scenario smtp-no-starttls --scenario dns-rrsig-expired --scenario unsigned"
S="$S --scenario tlsa-ee-no-match --scenario multi-mx-first-fails-second-ok"
S="$S --scenario expect-wrong --scenario tlsa-pkix-only --known $WORK/known"
check "up" dl up
# shellcheck disable=SC2086
dl mta postfix $S --json --html "$WORK/full.html" >"$WORK/full.json" 2>"$WORK/full.err"
full_rc=$?
check_output "mta postfix over the selection (exit 0)" '^0 8$' \
    jq -r "\"$full_rc \\(.scenarios | length)\"" "$WORK/full.json"
for k in 1 2; do
    # shellcheck disable=SC2086
    dl mta postfix $S --shard "$k/2" --json >"$WORK/s$k.json" 2>/dev/null
done
check_output "the shards split the selection" '^8 0$' sh -c \
    "jq -r '.scenarios[].name' '$WORK/s1.json' '$WORK/s2.json' | sort | uniq -c | awk '{ n++; if (\$1 > 1) d++ } END { print n, d + 0 }'"

# ---- merge ----
dl report merge "$WORK/s2.json" "$WORK/s1.json" --json "$WORK/m.json" --junit "$WORK/m.xml" \
    --tap "$WORK/m.tap" --html "$WORK/m.html" >"$WORK/m.txt" 2>&1
rc=$?
if [ "$rc" = "$full_rc" ]; then ok "merge exits as the full run did ($full_rc)"; else not_ok "merge exits as the full run did ($full_rc)" "exit $rc: $(cat "$WORK/m.txt")"; fi
verdicts() { jq -r '.scenarios[] | "\(.name) \(.verdict) \(.mta.status) \(.fakesmtp.stored | length)"' "$1" | sort; }
verdicts "$WORK/full.json" >"$WORK/full.v"
verdicts "$WORK/m.json" >"$WORK/m.v"
check "the merged report has the full run's verdicts, statuses and arrivals" diff "$WORK/full.v" "$WORK/m.v"
check_output "the summary is recomputed" \
    "^$(jq -r '"\(.summary.scenarios) \(.summary.passed) \(.summary.known) \(.summary.deviations) \(.summary.leaks)"' "$WORK/full.json") 2 postfix\$" \
    jq -r '"\(.summary.scenarios) \(.summary.passed) \(.summary.known) \(.summary.deviations) \(.summary.leaks) \(.summary.reports) \(.mta)"' "$WORK/m.json"
check_output "scenarios sorted by name, no shard left" '^true null$' \
    jq -r '"\([.scenarios[].name] == ([.scenarios[].name] | sort)) \(.shard)"' "$WORK/m.json"
check_output "the text summary: one line per scenario, then the counts" \
    "^postfix: 8 scenarios: $(jq -r '"\(.summary.passed) passed, \(.summary.known) known deviations, 0 deviations, 0 leaks"' "$WORK/full.json")" \
    tail -1 "$WORK/m.txt"
check_output "... expect-wrong is known, with its reason" '^known +expect-wrong .*' cat "$WORK/m.txt"
check "the merged JUnit is well-formed" xmllint --noout "$WORK/m.xml"
check_output "... one testcase per scenario, the known one skipped" '^8 1$' sh -c \
    "echo \$(xmllint --xpath 'count(//testsuite[@name=\"mta-postfix\"]/testcase)' '$WORK/m.xml') \$(xmllint --xpath 'count(//testcase/skipped)' '$WORK/m.xml')"
check_output "the merged TAP: plan and a TODO for the known deviation" \
    '^1\.\.8 not ok [0-9]+ - expect-wrong \[mta-postfix\] # TODO' \
    sh -c "sed -n 2p '$WORK/m.tap' | tr '\\n' ' '; grep 'expect-wrong' '$WORK/m.tap'"
if command -v prove >/dev/null; then
    check "prove accepts the merged TAP (a known deviation is a TODO)" prove -e cat "$WORK/m.tap"
else
    skip "prove (perl) not installed"
fi
for h in full m; do
    check "$h.html is well-formed XML" xmllint --noout "$WORK/$h.html"
    check_output "$h.html: a verdict cell per scenario, pass and known coloured" '^8 7 1$' sh -c \
        "echo \$(grep -o 'class=\"verdict [a-z]*\"' '$WORK/$h.html' | wc -l) \$(grep -c 'class=\"verdict pass\"><b>pass' '$WORK/$h.html') \$(grep -c 'class=\"verdict known\"><b>known' '$WORK/$h.html')"
    check_output "$h.html: what fakesmtp saw" '<td>mx1\.good\.test TLSv1\.3 sni=mx1\.good\.test</td>' cat "$WORK/$h.html"
    check_output "$h.html: a section per scenario" '^8$' sh -c "grep -c '<div class=\"scen\" id=\"s-' '$WORK/$h.html'"
done
check_output "the merged page says it was merged" 'merged from 2 reports' cat "$WORK/m.html"

# ---- a leaking MTA: its page, its merge, the table ----
# DANE off: Postfix delivers to tlsa-ee-no-match's host (a leak) and sends
# no SNI to good's (a deviation).
dl mta postfix --postfix-option smtp_tls_security_level=may \
    --postfix-option smtp_dns_support_level=enabled --scenario tlsa-ee-no-match \
    --scenario good --json --html "$WORK/leak.html" >"$WORK/postfix-dane-off.json" 2>/dev/null
leak_rc=$?
if [ "$leak_rc" = 1 ]; then ok "a leaking Postfix (DANE off): mta exits 1"; else not_ok "a leaking Postfix (DANE off): mta exits 1" "exit $leak_rc"; fi
check "leak.html is well-formed XML" xmllint --noout "$WORK/leak.html"
check_output "leak.html: the leak in its dark red cell, with a bold label" \
    '<td class="verdict leak"><b>LEAK</b></td>' cat "$WORK/leak.html"
check_output "leak.html: the leak and the deviation (no SNI) coloured and listed in the summary" \
    'id="deviations">1 deviations<.*id="leaks">1 leaks<.*Deviations and leaks: <a href="#s-good">good</a> \(DEVIATION\) <a href="#s-tlsa-ee-no-match">tlsa-ee-no-match</a> \(LEAK\)</p>.*<td class="verdict deviation"><b>DEVIATION</b>' \
    sh -c "tr -d '\\n' <'$WORK/leak.html'"
check_status "merging a report with a leak: exit 1" 1 dl report merge "$WORK/postfix-dane-off.json"
check_output "... its text says LEAK" '^LEAK +tlsa-ee-no-match' dl report merge "$WORK/postfix-dane-off.json"

out=$(dl report table "$WORK/m.json" "$WORK/postfix-dane-off.json" 2>&1)
rc=$?
if [ "$rc" = 1 ]; then ok "report table: exit 1 when a report has a leak"; else not_ok "report table: exit 1 when a report has a leak" "exit $rc: $out"; fi
for v in '^scenario +expected \(rfc7672\) +m +postfix-dane-off$' \
    '^tlsa-ee-no-match +deferred 4\.7\.323 \(no-tlsa-match\) +pass +LEAK$' \
    '^good +delivered 2\.0\.0 \(authenticated\) +pass +DEVIATION$' \
    '^expect-wrong +delivered 2\.0\.0 .*known +-$' \
    '^total +8 scenarios +[0-9]+ pass, 1 known, 0 DEVIATION, 0 LEAK +0 pass, 0 known, 1 DEVIATION, 1 LEAK, 6 not run$'; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "table: $v"; else not_ok "table: $v" "$out"; fi
done
check_output "report table: one row per scenario, a head and a totals row" '^10$' \
    sh -c "\"\$DANELAB\" report table '$WORK/m.json' '$WORK/postfix-dane-off.json' | wc -l"
check_output "report table --markdown" '^\| tlsa-ee-no-match \| deferred 4\.7\.323 \(no-tlsa-match\) \| pass \| \*\*LEAK\*\* \|$' \
    dl report table --markdown "$WORK/m.json" "$WORK/postfix-dane-off.json"
check_output "report table --totals" '^postfix-dane-off +2 +0 +0 +1 +1$' \
    dl report table --totals "$WORK/m.json" "$WORK/postfix-dane-off.json"
check_status "report table of the passing report alone: exit 0" 0 dl report table "$WORK/m.json"

have_exim=
for e in /var/cache/danelab/exim/current/usr/sbin/exim4 $(command -v exim4 exim 2>/dev/null); do
    [ -x "$e" ] && have_exim=$e && break
done
if [ -n "$have_exim" ]; then
    # shellcheck disable=SC2086
    dl mta exim $S --json >"$WORK/exim.json" 2>/dev/null
    out=$(dl report table "$WORK/full.json" "$WORK/exim.json" 2>&1)
    check_output "table of postfix and exim: the MTAs and their versions as column heads" '^scenario +expected \(rfc7672\) +postfix \(Postfix [0-9.]+\) +exim \(Exim [0-9.]+\)$' printf '%s\n' "$out"
    expect=$(jq -rn --slurpfile p "$WORK/full.json" --slurpfile e "$WORK/exim.json" \
        '[$p[0].scenarios[] | {key: .name, value: .verdict}] | from_entries as $pv
         | [$e[0].scenarios[] | {key: .name, value: .verdict}] | from_entries as $ev
         | def l: if . == "pass" or . == "known" then . else ascii_upcase end;
           $pv | keys[] | "\(.) \($pv[.] | l) \($ev[.] | l)"')
    got=$(printf '%s\n' "$out" | sed '1d;$d' | awk '{ print $1, $(NF-1), $NF }')
    if [ "$expect" = "$got" ]; then ok "... each row has each report's verdict"; else not_ok "... each row has each report's verdict" "expected:
$expect
got:
$got"; fi
    check_status "merging a postfix and an exim report: exit 2" 2 dl report merge "$WORK/full.json" "$WORK/exim.json"
else
    skip "no Exim (scripts/fetch-exim): the postfix x exim table is not checked"
fi

# ---- errors ----
dl run --json --scenario good >"$WORK/run.json" 2>/dev/null
check_status "merging a run report and an mta report: exit 2" 2 dl report merge "$WORK/run.json" "$WORK/s1.json"
# shellcheck disable=SC2016 # the backquotes are the message's
check_output "... said" 'is a `danelab mta` report, .*run\.json a `danelab run` report' dl report merge "$WORK/run.json" "$WORK/s1.json"
check_status "... in either order" 2 dl report merge "$WORK/s1.json" "$WORK/run.json"
jq '.mta = "exim"' "$WORK/s2.json" >"$WORK/s2-exim.json"
check_status "shards of different MTAs: exit 2" 2 dl report merge "$WORK/s1.json" "$WORK/s2-exim.json"
check_output "... said" 'one MTA at a time' dl report merge "$WORK/s1.json" "$WORK/s2-exim.json"
check_status "a missing shard: exit 2" 2 dl report merge "$WORK/s1.json"
check_output "... named" 'shard 2/2 is missing' dl report merge "$WORK/s1.json"
check_status "a scenario in two reports: exit 2" 2 dl report merge "$WORK/full.json" "$WORK/m.json"
check_status "report table of a shard: exit 2" 2 dl report table "$WORK/s1.json" "$WORK/full.json"
check_output "... said" 'join the shards first' dl report table "$WORK/s1.json"
check_status "report table of a run report: exit 2" 2 dl report table "$WORK/run.json"
check_status "report table without a file: exit 2" 2 dl report table
check_status "report table --frob: exit 2" 2 dl report table --frob "$WORK/m.json"
check_status "mta --html into a missing directory: exit 2" 2 dl mta postfix --scenario good --html "$WORK/no/such/dir/x.html"
check "down" dl down
finish
