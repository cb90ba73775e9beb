# ci-sanitizers: skip (capture and import run under the sanitizers in t_capture and t_import; this repeats their code paths over every scenario, and run's over the imported catalogue)
# The round trip over the whole catalogue (issue 18): every scenario's
# domain captured through the lab's resolver, inside the lab (one
# `danelab capture -d -j` of all of them), every evidence file imported
# into a fresh catalogue (one `danelab import -d`), that catalogue run in a
# fresh run directory; then, per scenario and under both profiles, the
# status, code and reason the imported scenario's run observed must be
# those the capture observed in the original world
# (tests/integration/roundtrip_check.py). At least 95% must round-trip;
# each scenario that does not is listed with its reason in
# tests/integration/roundtrip-known: one failing that is not listed fails,
# and so does one listed that round-trips now (the list stays true).
# One `up` of the catalogue, one `run` (its own up) of the imported one.
. "$(dirname "$0")/lib.sh"
KNOWN="$TESTS_DIR/integration/roundtrip-known"
CHECK="$TESTS_DIR/integration/roundtrip_check.py"
command -v python3 >/dev/null || { not_ok "python3 (roundtrip_check.py)"; finish; exit; }

"$DANELAB" list --json >"$WORK/list.json"
n=$(jq length "$WORK/list.json")
t0=$(date +%s)
check "danelab up (the catalogue)" "$DANELAB" -r "$RUN" up
t1=$(date +%s)
# shellcheck disable=SC2046
check_output "danelab capture: every domain of the catalogue, in one process, 8 at a time" \
    "^$n of $n domains captured into" \
    "$DANELAB" -r "$RUN" exec -- "$DANELAB" capture --trust-anchor "$RUN/root.key" --timeout 5 \
    -j 8 -d "$WORK/ev" $(jq -r '.[].domain' "$WORK/list.json")
t2=$(date +%s)
"$DANELAB" -r "$RUN" down >/dev/null 2>&1
check_output "danelab import -d: every evidence file into one catalogue" \
    "^$n of $n evidence files imported into" \
    sh -c "'$DANELAB' import -d '$WORK/imp' '$WORK'/ev/*.json 2>'$WORK/import.err'"
t3=$(date +%s)
"$DANELAB" -r "$WORK/run2" -s "$WORK/imp" run --json >"$WORK/rt.json" 2>"$WORK/rt.err"
t4=$(date +%s)
"$DANELAB" -r "$WORK/run2" down >/dev/null 2>&1
echo "# up $((t1 - t0)) s, capture $((t2 - t1)) s, import $((t3 - t2)) s, run $((t4 - t3)) s"
check_output "danelab run of the imported catalogue reported every scenario" "^$n\$" \
    jq '.scenarios | length' "$WORK/rt.json"
python3 "$CHECK" "$WORK/list.json" "$WORK/ev" "$WORK/rt.json" "$KNOWN" >"$WORK/verdict" 2>&1
sed 's/^/# /' "$WORK/verdict"
check_output "roundtrip_check judged every scenario of the catalogue" "^[0-9]+ of $n round-trip" \
    tail -n 1 "$WORK/verdict"
check_output "no scenario fails to round-trip that roundtrip-known does not list" '^$' \
    grep -E 'NOT LISTED|no such scenario' "$WORK/verdict"
check_output "no scenario listed in roundtrip-known round-trips now" '^$' \
    grep 'round-trips now' "$WORK/verdict"
check_output "at least 95% of the catalogue round-trips (status, code, reason under both profiles)" \
    '^(9[5-9]|100)\.[0-9]%$' sh -c "tail -n 1 '$WORK/verdict' | sed -n 's/.*(\([0-9.]*%\)).*/\1/p'"
finish
