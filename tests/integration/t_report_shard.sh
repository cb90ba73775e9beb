# ci-sanitizers: skip (a fifth of the catalogue four more times, as shards: t_run's paths; merge is fuzzed under ASan)
# danelab run --shard K/N and danelab report merge: the shards of a
# selection are disjoint and cover it, and their merged report says what
# the full run of the selection says, scenario by scenario. The selection
# is every fifth scenario of the catalogue by name (about 40), and
# dns-lame-delegation (a TLS-RPT policy behind SERVFAIL), less the
# scenarios that wait for DNS timeouts (16 s each): the shard
# and merge logic does not depend on which scenarios, t_run runs them all,
# and four runs of the whole catalogue cost CI two minutes.
. "$(dirname "$0")/lib.sh"

dl() { "$DANELAB" -r "$RUN" "$@"; }
# shellcheck disable=SC2046 # one word per option and name
set -- $("$DANELAB" list --json | jq -r '[.[].name] | to_entries[] |
    select((.key % 5 == 0 and (.value | test("timeout") | not)) or .value == "dns-lame-delegation") |
    "--scenario", .value')
[ $# -gt 40 ] && ok "a selection of $(($# / 2)) scenarios" || not_ok "a selection of scenarios" "$# words"
check "danelab up" dl up
dl run "$@" --json --tlsrpt "$WORK/tlsrpt-full" >"$WORK/full.json" 2>/dev/null
full_rc=$?
for k in 1 2 3; do
    dl run "$@" --json --shard "$k/3" --tlsrpt "$WORK/tlsrpt-s$k" >"$WORK/s$k.json" 2>/dev/null
done
names() { jq -r '.scenarios[].name' "$@" | sort; }
names "$WORK/full.json" >"$WORK/full.names"
check_output "the full run checks the selection" "^$(($# / 2))\$" sh -c "wc -l <'$WORK/full.names'"
cat "$WORK/s1.json" "$WORK/s2.json" "$WORK/s3.json" | jq -r '.scenarios[].name' | sort >"$WORK/union.names"
check "the union of shards 1/3, 2/3, 3/3 is the catalogue" cmp "$WORK/full.names" "$WORK/union.names"
check_output "the shards are disjoint" '^$' sh -c "uniq -d '$WORK/union.names'"
check_output "their sizes differ by one at most" '^[01]$' \
    sh -c "for k in 1 2 3; do jq '.scenarios | length' '$WORK/s'\$k.json; done | sort -n | sed -n '1p;\$p' | tr '\\n' ' ' | awk '{ print \$2 - \$1 }'"
check_output "each says which shard it is" '^1/3 2/3 3/3 $' \
    sh -c "for k in 1 2 3; do jq -r '\"\\(.shard.index)/\\(.shard.count)\"' '$WORK/s'\$k.json; done | tr '\\n' ' '"
dl run "$@" --json --shard 2/3 >"$WORK/s2again.json" 2>/dev/null
check "a shard is the same slice on every run" sh -c "[ \"\$(jq -c '[.scenarios[].name]' '$WORK/s2again.json')\" = \"\$(jq -c '[.scenarios[].name]' '$WORK/s2.json')\" ]"
check_output "--shard 1/1 is the whole selection" "^$(wc -l <"$WORK/full.names")\$" \
    sh -c "\"\$DANELAB\" -r '$RUN' run \"\$@\" --json --shard 1/1 2>/dev/null | jq '.scenarios | length'" sh "$@"
check_output "--shard with --scenario: a slice of the named ones" '^good 1 unsigned 1 $' \
    sh -c "for k in 1 2; do \"\$DANELAB\" -r '$RUN' run --json --scenario unsigned --scenario good --shard \$k/2 2>/dev/null | jq -r '\"\\(.scenarios[0].name) \\(.scenarios | length)\"'; done | tr '\\n' ' '"
for bad in 0/3 4/3 3 a/b 1/0 1/3x; do
    check_status "--shard $bad is a usage error" 2 dl run --shard "$bad"
done

# ---- merge ----
dl report merge "$WORK/s3.json" "$WORK/s1.json" "$WORK/s2.json" --json "$WORK/m.json" --junit "$WORK/m.xml" >"$WORK/m.txt" 2>&1
rc=$?
if [ "$rc" = "$full_rc" ]; then ok "merge exits as the full run did ($full_rc)"; else not_ok "merge exits as the full run did ($full_rc)" "exit $rc: $(cat "$WORK/m.txt")"; fi
verdicts() { jq -r '.scenarios[] | "\(.name) \(.pass) \([.delivery[]? | "\(.profile)=\(.pass)"] | join(","))"' "$1" | sort; }
verdicts "$WORK/full.json" >"$WORK/full.v"
verdicts "$WORK/m.json" >"$WORK/m.v"
check "the merged report has the full run's pass/fail per scenario and profile" diff "$WORK/full.v" "$WORK/m.v"
check_output "the summary is recomputed" "^$(jq -r '"\(.summary.passed) \(.summary.failed)"' "$WORK/full.json") 3\$" \
    jq -r '"\(.summary.passed) \(.summary.failed) \(.summary.reports)"' "$WORK/m.json"
check_output "scenarios sorted by name" '^true$' jq '[.scenarios[].name] == ([.scenarios[].name] | sort)' "$WORK/m.json"
check "the merged JUnit is well-formed XML" xmllint --noout "$WORK/m.xml"
check_output "... one dns testcase per scenario" "^$(wc -l <"$WORK/full.names")\$" \
    xmllint --xpath 'count(//testsuite[@name="dns"]/testcase)' "$WORK/m.xml"
check_output "the text summary ends with the count" "^$(jq -r '"\(.summary.passed) passed, \(.summary.failed) failed"' "$WORK/full.json")\$" tail -1 "$WORK/m.txt"
check_output "--tap -: TAP of the merged report on stdout" '^1\.\.[0-9]+$' \
    sh -c "\"\$DANELAB\" report merge '$WORK/s1.json' '$WORK/s2.json' '$WORK/s3.json' --tap - | sed -n 2p"
# ---- merge: a scenario that could not be checked stays an error ----
# (as `danelab run` reports it: "error" in its JSON, summary.errors, exit 2)
first=$(jq -r '.scenarios[0].name' "$WORK/s2.json")
jq '.scenarios[0].error = "fakesmtp did not confirm its reload in 30 s" | .summary.errors = 1' \
    "$WORK/s2.json" >"$WORK/s2err.json"
dl report merge "$WORK/s1.json" "$WORK/s2err.json" "$WORK/s3.json" --json "$WORK/e.json" \
    --junit "$WORK/e.xml" --tap "$WORK/e.tap" >"$WORK/e.txt" 2>&1
rc=$?
if [ "$rc" = 2 ]; then ok "merge with a scenario in error exits 2 (an error, not a verdict)"; else not_ok "merge with a scenario in error exits 2" "exit $rc: $(tail -3 "$WORK/e.txt")"; fi
check_output "... summary.errors is 1, and it is counted neither passed nor failed" \
    "^1 $(jq '.summary.passed + .summary.failed - 1' "$WORK/m.json")\$" \
    jq -r '"\(.summary.errors) \(.summary.passed + .summary.failed)"' "$WORK/e.json"
check_output "... the scenario keeps its error" '^fakesmtp did not confirm its reload in 30 s$' \
    jq -r --arg n "$first" '.scenarios[] | select(.name == $n) | .error' "$WORK/e.json"
check_output "... the text has its ERROR line" "^ERROR +$first +fakesmtp did not confirm" cat "$WORK/e.txt"
check_output "... and counts it last" ' passed, [0-9]+ failed, 1 error$' tail -n 1 "$WORK/e.txt"
check_output "... JUnit: <error>, not <failure>, for its testcases" '^[1-9][0-9]* 0$' \
    xmllint --xpath "concat(count(//testcase[@classname='$first']/error), ' ', count(//testcase[@classname='$first']/failure))" "$WORK/e.xml"
check_output "... TAP: its points are not ok, saying error" '^[1-9]' \
    sh -c "grep -c 'message: .*error, not a verdict' '$WORK/e.tap'"
# ---- merge --tlsrpt-index: the shards' TLS-RPT indexes joined ----
dl report merge "$WORK/s2.json" "$WORK/s3.json" "$WORK/s1.json" --tlsrpt-index "$WORK/m-index.json" >/dev/null 2>&1
check_output "the full run's TLS-RPT index has reports and domains without one" '^true true$' \
    jq -r '[(to_entries | any(.value.file != null)), (to_entries | any(.value.file == null and (.value.why | type == "string")))] | map(tostring) | join(" ")' "$WORK/tlsrpt-full/index.json"
check_output "... one entry per scenario with a delivery check" \
    "^$(jq '[.scenarios[] | select((.delivery | length) > 0)] | length' "$WORK/full.json")\$" jq length "$WORK/tlsrpt-full/index.json"
check_output "no shard's own index is the whole one" '^false false false $' \
    sh -c "for k in 1 2 3; do [ \"\$(jq -S . '$WORK/tlsrpt-s'\$k/index.json)\" = \"\$(jq -S . '$WORK/tlsrpt-full/index.json')\" ] && echo true || echo false; done | tr '\\n' ' '"
check "--tlsrpt-index: the merged index equals the full run's index.json (jq -S)" \
    sh -c "jq -S . '$WORK/tlsrpt-full/index.json' >'$WORK/full-index.s' && jq -S . '$WORK/m-index.json' >'$WORK/m-index.s' && diff '$WORK/full-index.s' '$WORK/m-index.s'"
check "... byte for byte" cmp "$WORK/tlsrpt-full/index.json" "$WORK/m-index.json"
check "... each report it names is in exactly one shard's directory" \
    sh -c "jq -r 'to_entries[] | select(.value.file != null) | .value.file' '$WORK/m-index.json' | { bad=0 seen=0; while read -r f; do seen=\$((seen + 1)); n=0; for k in 1 2 3; do [ -f '$WORK/tlsrpt-s'\$k/\"\$f\" ] && n=\$((n + 1)); done; [ \$n = 1 ] || { echo \"\$f in \$n shards\"; bad=1; }; done; [ \$seen -gt 0 ] && exit \$bad; }"
check "--tlsrpt-index -: the index on stdout, no text summary" \
    sh -c "\"\$DANELAB\" report merge '$WORK/s1.json' '$WORK/s2.json' '$WORK/s3.json' --tlsrpt-index - 2>/dev/null | jq -S . | diff '$WORK/full-index.s' -"
# explain's TLS-RPT policy against what the reference client found: for
# every domain of the full run's index, a report iff explain says a client
# reports, and an unreadable policy iff the client's TXT lookup was bogus
# or failed.
"$DANELAB" explain --json $(jq -r '.scenarios[].name' "$WORK/full.json") >"$WORK/explain.json" 2>/dev/null
check_output "explain's TLS-RPT verdicts agree with the full run's index, domain by domain" '^\[\]$' \
    jq -c --slurpfile e "$WORK/explain.json" '($e[0] | map({key: (.domain | rtrimstr(".")), value: .tlsrpt}) | from_entries) as $x |
        [to_entries[] | select(($x[.key] == null) or ($x[.key].reports != (.value.file != null)) or
            ($x[.key].readable == ((.value.why // "") | test("TXT: (bogus|failed)")))) | .key]' "$WORK/tlsrpt-full/index.json"
check_output "... some of them unreadable (bogus or SERVFAIL)" '^[1-9][0-9]* [1-9][0-9]*$' \
    jq -r '"\([.[] | select(.tlsrpt.dnssec == "bogus")] | length) \([.[] | select(.tlsrpt.dnssec == "servfail")] | length)"' "$WORK/explain.json"
check_status "--tlsrpt-index with a shard run without --tlsrpt: exit 2" 2 \
    dl report merge "$WORK/s1.json" "$WORK/s2again.json" "$WORK/s3.json" --tlsrpt-index "$WORK/bad-index.json"
check_output "... it says which scenario and why" "scenario '[a-z0-9-]+' was checked without --tlsrpt" \
    dl report merge "$WORK/s1.json" "$WORK/s2again.json" "$WORK/s3.json" --tlsrpt-index "$WORK/bad-index.json"
check_status "--tlsrpt-index and another output both on stdout: exit 2" 2 \
    dl report merge "$WORK/s1.json" "$WORK/s2.json" "$WORK/s3.json" --tlsrpt-index - --json -
check_status "--tlsrpt-index without a value: exit 2" 2 dl report merge "$WORK/s1.json" --tlsrpt-index
check_status "a missing shard: exit 2" 2 dl report merge "$WORK/s1.json" "$WORK/s3.json"
check_output "... named" 'shard 2/3 is missing' dl report merge "$WORK/s1.json" "$WORK/s3.json"
check_status "a shard given twice: exit 2" 2 dl report merge "$WORK/s1.json" "$WORK/s1.json" "$WORK/s2.json" "$WORK/s3.json"
check_status "a scenario in two reports: exit 2" 2 dl report merge "$WORK/full.json" "$WORK/full.json"
echo '{"scenarios": 3}' >"$WORK/bad.json"
check_status "not a run report: exit 2" 2 dl report merge "$WORK/bad.json"
check_status "no file: exit 2" 2 dl report merge
check_status "an unknown sub-command: exit 2" 2 dl report frobnicate
D="$WORK/scen"
mkdir -p "$D"
printf 'name: wrongexpect\nsummary: unsigned, wrongly expected secure\nzone: {signed: false}\nmx:\n  - host: mx1\nexpect:\n  dnssec: secure\n' >"$D/wrongexpect.yaml"
check "down" dl down
"$DANELAB" -r "$RUN" -s "$D" run --json >"$WORK/f.json" 2>/dev/null
check_status "merging a report with a failed scenario: exit 1" 1 dl report merge "$WORK/f.json"
check_output "... its line says what differs and where to look" 'danelab explain wrongexpect' dl report merge "$WORK/f.json"
finish
