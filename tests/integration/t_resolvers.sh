# ci-sanitizers: skip (the DNS check of t_run behind three other resolvers, whose answers lab_dnsask reads as it reads Unbound's in t_run; 200 s under the sanitizers)
# The four validators (danelab up --resolver unbound|bind|knot|pdns): each
# starts in the lab's namespaces at 127.53.0.53, status names it and its
# version, a stub resolver inside the lab gets AD for a secure name and
# SERVFAIL for a bogus one, `danelab run` checks the catalogue's DNS
# verdicts against it (its own where a scenario states them, with EDE
# codes in the JSON), and down leaves none of its processes. A resolver
# that is not installed fails its checks: the suite never passes without
# all four.
. "$(dirname "$0")/lib.sh"

# program and the start of its version line, by --resolver name
program() {
    case $1 in
    unbound) echo "unbound Version" ;;
    bind) echo "named BIND 9" ;;
    knot) echo "kresd Knot Resolver" ;;
    pdns) echo "pdns_recursor PowerDNS Recursor" ;;
    esac
}

# ask NAME TYPE: dig +dnssec at the lab resolver, inside the lab world
ask() {
    "$DANELAB" -r "$RUN" exec -- dig +dnssec +time=5 +tries=2 "$2" "$1"
}

# run_summary R: `danelab run` over the whole catalogue with the running
# lab's resolver; prints "validator R, failed F, errors E, passed P" and
# the RRsets each checked under R's own verdicts
run_summary() {
    "$DANELAB" -r "$RUN" run --jobs 2 --json >"$WORK/run-$1.json" 2>"$WORK/run-$1.err"
    echo "exit $?"
    python3 - "$WORK/run-$1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = {s.get("validator") for s in d["scenarios"]}
s = d["summary"]
print("validators %s, failed %d, errors %d, passed %d" % (",".join(sorted(v)), s["failed"],
      s["errors"], s["passed"]))
dns_bad = [sc["name"] for sc in d["scenarios"] if not all(r["pass"] for r in sc["rrsets"])]
print("dns deviations %d, errors %d" % (len(dns_bad), s["errors"]))
for sc in d["scenarios"]:
    if not sc["pass"] and all(r["pass"] for r in sc["rrsets"]):
        print("DEVIATION %s: not in its DNS verdicts (%s)" % (sc["name"], sc.get("error", "delivery")))
    for r in sc["rrsets"]:
        if not r["pass"]:
            print("DEVIATION %s %s: expected %s, observed %s (%s)" % (sc["name"], r["rrset"],
                  r["expected"], r["observed"], r["why"]))
        if "validator_own" in r:
            print("own %s %s %s" % (sc["name"], r["rrset"], r["expected"]))
        if "ede" in r:
            print("ede %s %s %d" % (sc["name"], r["rrset"], r["ede"]))
PY
}

for r in unbound bind knot pdns; do
    set -- $(program $r)
    prog=$1
    shift
    vers=$*
    check_output "$r: up --resolver $r starts $prog" "resolver 127\.53\.0\.53 \($prog\)" \
        "$DANELAB" -r "$RUN" up --resolver "$r"
    check_output "$r: status lists $prog at 127.53.0.53" "^  $prog +127\.53\.0\.53:53 +pid [1-9]" \
        "$DANELAB" -r "$RUN" status
    check_output "$r: status gives its version ($vers ...)" "^resolver: +$vers" \
        "$DANELAB" -r "$RUN" status
    check_output "$r: status --json names it" "^$r $prog $vers" sh -c \
        "'$DANELAB' -r '$RUN' status --json | python3 -c 'import json, sys; r = json.load(sys.stdin)[\"resolver\"]; print(r[\"name\"], r[\"program\"], r[\"version\"])'"
    check_output "$r: its configuration and log are in the run directory" "^ok$" \
        sh -c "grep -qx '$r' '$RUN/etc/resolver' && ls '$RUN/log/' | grep -q '^$prog\.' && echo ok"
    out=$(ask good.test MX 2>&1)
    if printf '%s\n' "$out" | grep -q "status: NOERROR" &&
        printf '%s\n' "$out" | grep -Eq "^;; flags: qr rd ra ad;"; then
        ok "$r: dig +dnssec good.test MX: NOERROR with AD"
    else
        not_ok "$r: dig +dnssec good.test MX: NOERROR with AD" "$out"
    fi
    check_output "$r: dig +dnssec of an expired TLSA signature: SERVFAIL" "status: SERVFAIL" \
        ask _25._tcp.mx1.dns-rrsig-expired.test TLSA
    check_output "$r: exec without --resolver keeps $prog" "^  $prog " \
        sh -c "'$DANELAB' -r '$RUN' exec -- true && '$DANELAB' -r '$RUN' status"
    sum=$(run_summary "$r")
    # Unbound is the lab's own validator: the whole catalogue passes behind
    # it. Behind the others the DNS verdicts must hold (issue 16); a
    # delivery may differ with the resolver's timing (Knot Resolver stops
    # asking a name server for a while after TLSA queries time out, so the
    # host's A lookup fails too: ns-tlsa-timeout-*), listed, not failed.
    if [ "$r" = unbound ]; then
        check_output "$r: run checks the whole catalogue against $r, no deviation, no error" \
            "^validators $r, failed 0, errors 0, passed [1-9]" printf '%s\n' "$sum"
    else
        check_output "$r: run checks the catalogue's DNS verdicts against $r: none deviates, no error" \
            "^dns deviations 0, errors 0$" printf '%s\n' "$sum"
    fi
    printf '%s\n' "$sum" | grep -E "^(own|DEVIATION|validators) " | sed "s/^/# $r: /"
    case $r in
    pdns)
        check_output "pdns: dns-denial-wrong's TLSA is judged by PowerDNS Recursor's own verdict" \
            "^own dns-denial-wrong tlsa servfail" printf '%s\n' "$sum"
        ;;
    unbound)
        if printf '%s\n' "$sum" | grep -Eq '^(own|ede) '; then
            not_ok "unbound: the in-process validator (no EDE, no validator's own verdict)" "$sum"
        else
            ok "unbound: the in-process validator (no EDE, no validator's own verdict)"
        fi
        ;;
    esac
    case $r in
    knot | pdns)
        check_output "$r: an expired TLSA signature comes with EDE 7 (Signature Expired)" \
            "^ede dns-rrsig-expired tlsa 7" printf '%s\n' "$sum"
        ;;
    esac
    check "$r: down" "$DANELAB" -r "$RUN" down
    if wait_no_procs; then
        ok "$r: nothing of the lab runs after down"
    else
        not_ok "$r: nothing of the lab runs after down" "$(lab_procs | xargs -r ps -o pid,args -p)"
    fi
done
check_status "an unknown --resolver is a usage error" 2 "$DANELAB" -r "$RUN" up --resolver nope
finish
