# ci-sanitizers: skip (every scenario through Postfix and Exim: the adapters run in t_mta_postfix, t_mta_exim, t_mta_report)
# The differential gate (issue "Truth"): every scenario of the catalogue
# through real MTAs, Postfix and Exim, judged against the RFC expectations.
# A scenario passes, or is a documented known deviation of that MTA
# (lab/mta/MTA/known-deviations, with the RFC clause, listed in
# docs/findings.md); a DEVIATION or a LEAK fails the build. The reference
# client's own agreement with the expectations is `danelab run` (t_run);
# posttls-finger's is t_agreement.
#
# Both MTAs are required: install-deps installs Postfix and fetches Exim,
# so a missing one is a failure here, never a skip.
. "$(dirname "$0")/lib.sh"

# The MTAs' daemons run as their own users: the run directory must be
# traversable by them (mktemp -d makes 0700).
chmod 755 "$WORK"
check "danelab up" "$DANELAB" -r "$RUN" up
n_cat=$("$DANELAB" list --json | jq length)

# gate MTA: one check per scenario, from `danelab mta MTA --json`.
gate() {
    mta=$1
    out="$WORK/$mta.json"
    "$DANELAB" -r "$RUN" mta "$mta" --json >"$out" 2>"$WORK/$mta.err"
    rc=$?
    if ! jq -e '.scenarios | length > 0' "$out" >/dev/null 2>&1; then
        not_ok "$mta: mta --json gave no report (exit $rc)" "$(tail -n 20 "$WORK/$mta.err")"
        return
    fi
    n=$(jq '.scenarios | length' "$out")
    if [ "$n" = "$n_cat" ]; then
        ok "$mta: all $n scenarios judged ($(jq -r '.version // "?"' "$out"))"
    else
        not_ok "$mta: $n scenarios judged, the catalogue has $n_cat"
    fi
    jq -r '.scenarios[] | [.name, .verdict, (.why // ""), (.known // "")] | @tsv' "$out" \
        >"$WORK/$mta.tsv"
    while IFS="$(printf '\t')" read -r name verdict why known; do
        case $verdict in
        pass) ok "$mta $name: pass" ;;
        known) ok "$mta $name: known deviation ($known)" ;;
        *) not_ok "$mta $name: $verdict" "$why" ;;
        esac
    done <"$WORK/$mta.tsv"
    jq -r '"# \(.mta): \(.summary.passed) passed, \(.summary.known) known, \(.summary.deviations) deviations, \(.summary.leaks) leaks"' "$out"
    # exit status: 0 only when nothing deviated
    if [ "$(jq '.summary.deviations + .summary.leaks' "$out")" = 0 ]; then
        check_status "$mta: exit status 0 (no deviation, no leak)" 0 sh -c "exit $rc"
    else
        check_status "$mta: exit status 1 (deviations or leaks)" 1 sh -c "exit $rc"
    fi
}

gate postfix
gate exim
finish
