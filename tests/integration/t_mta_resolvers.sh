# ci-sanitizers: skip (the C paths are t_mta_gate's and t_resolvers'; this suite repeats them behind three other validators, and under ASan it would take minutes)
#
# Postfix and Exim behind the three other validators (issue 16):
# `danelab mta postfix|exim --resolver R` for R in bind, knot, pdns. Each
# scenario passes or is a known deviation of that MTA
# (lab/mta/MTA/known-deviations); where a scenario states R's own DNS
# verdicts (`expect: dns: R:`) the MTA is judged by the outcome that follows
# from them (lab_verdict), and the report says so (validator_own).
#
# Not the whole catalogue: behind each validator that is 20-55 s per MTA
# (t_mta_gate runs it behind Unbound). The selection, the same for each
# validator:
#  - every scenario that states a validator's own DNS verdicts (OWN, and
#    any the catalogue declares);
#  - the scenarios whose delivery differs with the resolver's timing
#    (t_resolvers: ns-tlsa-timeout-*, Knot Resolver's hold-down of a name
#    server; dns-mx-dname, PowerDNS Recursor);
#  - every scenario either MTA has a known deviation for (KNOWN, and any
#    lab/mta/MTA/known-deviations lists): they must stay known, whatever
#    the validator;
#  - a representative sample: the first scenario, by name, of each family
#    of the catalogue (the word before the first '-': addr, cname, dns,
#    dnssec, ns, smtp, ta, tlsa, wild, ...).
# Measured with the full catalogue behind each validator, both MTAs pass
# everywhere but the declared cases (bench/README.md, "mta behind each
# validator").
#
# The validators and both MTAs are required: a missing one fails here.
. "$(dirname "$0")/lib.sh"

chmod 755 "$WORK" # the MTAs' daemons run as their own users

# Named here as well as read from the declarations, so that a declaration
# removed fails its scenario instead of dropping it from the selection,
# and a new one is in the selection without editing this file.
OWN="dns-denial-wrong dns-wildcard-proof-missing dnssec-algorithm-ed448
dnssec-nsec3-iterations-100 dnssec-nsec3-iterations-150"
TIMING="ns-tlsa-timeout-signed ns-tlsa-timeout-unsigned dns-mx-dname"
KNOWN="cname-insecure-target-tlsa-original cname-insecure-target-tlsa-original-mismatch
cname-secure-tlsa-at-original cname-secure-tlsa-at-original-mismatch recipient-domain-cname-ta-expanded
recipient-domain-cname-ta-nexthop smtp-ta-in-dns-only smtp-ta-name-constraints-above-issuer
smtp-ta-pathlen-exceeded ta-name-nexthop-only ta-name-nexthop-provider-host"

# The selection above, one name a line, sorted, no repeats.
selection() {
    {
        printf '%s\n' $OWN $TIMING $KNOWN
        grep -lE '^    (unbound|bind|knot|pdns):' "$CATALOGUE"/*.yaml
        cat "$SRC_DIR/lab/mta/postfix/known-deviations" "$SRC_DIR/lab/mta/exim/known-deviations" |
            grep -vE '^[[:space:]]*(#|$)|^retry:' | awk '{print $1}'
        ls "$CATALOGUE" | awk -F- '{ f = $1; sub(/\.yaml$/, "", f); if (!(f in seen)) { seen[f] = 1; print } }'
    } | sed 's,.*/,,; s/\.yaml$//' | sort -u
}
SEL=$(selection)
n_sel=$(printf '%s\n' "$SEL" | wc -l)

# The lab is built from the selection alone (-s FILE each): building and
# signing the whole catalogue's 237 zones would cost more than the runs.
CAT=$(printf -- "-s $CATALOGUE/%s.yaml " $SEL)

# deliver R MTA: `danelab mta MTA --resolver R --json` over the selection,
# its exit status in $WORK/MTA-R.rc. Postfix and Exim run side by side in
# the same lab (each its own instance under RUN/mta; fakesmtp's records
# are told apart by Message-ID): most of a run is waiting for the MTA's
# timeouts (ns-tlsa-timeout-*), not work.
deliver() {
    # shellcheck disable=SC2086
    "$DANELAB" -r "$RUN" $CAT mta "$2" --resolver "$1" --json >"$WORK/$2-$1.json" \
        2>"$WORK/$2-$1.err"
    echo $? >"$WORK/$2-$1.rc"
}

# gate R MTA: one check per scenario of deliver's report.
gate() {
    r=$1
    mta=$2
    rep="$WORK/$mta-$r.json"
    rc=$(cat "$WORK/$mta-$r.rc")
    if ! jq -e '.scenarios | length > 0' "$rep" >/dev/null 2>&1; then
        not_ok "$r $mta: mta --json gave no report (exit $rc)" "$(tail -n 20 "$WORK/$mta-$r.err")"
        return
    fi
    check_output "$r $mta: $n_sel scenarios judged, behind $r" "^$n_sel $r$" \
        jq -r '"\(.scenarios | length) \(.resolver)"' "$rep"
    jq -r '.scenarios[] | [.name, .verdict, (.why // ""), (.known // "")] | @tsv' "$rep" \
        >"$WORK/$mta-$r.tsv"
    while IFS="$(printf '\t')" read -r name verdict why known; do
        case $verdict in
        pass) ok "$r $mta $name: pass" ;;
        known) ok "$r $mta $name: known deviation" ;;
        *) not_ok "$r $mta $name: $verdict" "$why" ;;
        esac
    done <"$WORK/$mta-$r.tsv"
    # The scenarios judged by R's own verdicts, as the report marks them.
    jq -r '.scenarios[] | select(.validator_own) | "own \(.name) \(.validator_own.validator) \(.expected.status)"' \
        "$rep" >"$WORK/$mta-$r.own"
    sed "s/^/# $r $mta: /" "$WORK/$mta-$r.own"
    jq -r '"# \(.mta) behind \(.resolver): \(.summary.passed) passed, \(.summary.known) known, \(.summary.deviations) deviations, \(.summary.leaks) leaks, \(.summary.seconds | floor) s"' "$rep"
    if [ "$(jq '.summary.deviations + .summary.leaks' "$rep")" = 0 ]; then
        check_status "$r $mta: exit status 0 (no deviation, no leak)" 0 sh -c "exit $rc"
    else
        check_status "$r $mta: exit status 1 (deviations or leaks)" 1 sh -c "exit $rc"
    fi
}

check "every scenario of the selection ($n_sel) is in the catalogue" \
    sh -c "cd '$CATALOGUE' && ls $(printf '%s.yaml ' $SEL) >/dev/null"
for r in bind knot pdns; do
    # shellcheck disable=SC2086
    check_output "$r: up --resolver $r" "resolver 127\.53\.0\.53 " "$DANELAB" -r "$RUN" $CAT up \
        --resolver "$r"
    deliver "$r" postfix &
    deliver "$r" exim
    wait
    for mta in postfix exim; do
        gate "$r" "$mta"
        # PowerDNS Recursor finds the wildcard TLSA without its proof
        # secure (docs/findings.md 11): the MTA authenticates and delivers,
        # which its own verdict expects; behind the others it defers.
        if [ "$r" = pdns ]; then
            check_output "$r $mta: dns-wildcard-proof-missing judged by PowerDNS Recursor's own verdict (delivered)" \
                "^own dns-wildcard-proof-missing pdns delivered$" cat "$WORK/$mta-$r.own"
        else
            check_output "$r $mta: dns-wildcard-proof-missing deferred, by the rfc7672 outcome" \
                "^dns-wildcard-proof-missing	pass	" cat "$WORK/$mta-$r.tsv"
        fi
    done
    check "$r: down" "$DANELAB" -r "$RUN" down
done
finish
