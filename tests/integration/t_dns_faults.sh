# ci-sanitizers: skip (its one danelab run repeats t_run's under the sanitizers; the rest is unbound-host and delv judging the zones)
# The DNS fault catalogue, proven by two independent validators.
#
# Brings the lab up once. `danelab run` checks every scenario with its
# in-process libunbound validator; then, for every RRset a dns-* scenario
# declares (MX, the MX host's A, its TLSA), this test asks
#   - unbound-host (libunbound, a resolver of its own iterating from the lab
#     root with RUN/root.key), and
#   - delv (BIND's validator, with RUN/etc/delv.anchors), through a
#     non-validating Unbound (RUN/etc/unbound-iterator.conf) started here,
#     so that delv sees bogus data and judges it itself,
# and checks the declared verdict (and, with unbound-host, the reason
# keyword of a bogus one). Each scenario has its own domain, so no answer
# cached for one (bogus answers are cached too) can touch another.
. "$(dirname "$0")/lib.sh"

check "lab up" "$DANELAB" -r "$RUN" up

json="$WORK/run.json"
"$DANELAB" -r "$RUN" run --json >"$json" 2>"$WORK/run.err"
rc=$?
if [ $rc -eq 0 ]; then ok "danelab run: every scenario meets its declared verdicts"; else
    not_ok "danelab run: every scenario meets its declared verdicts" "$(grep -B2 -A8 '"pass": false' "$json" | head -60; cat "$WORK/run.err")"
fi

# One line per declared RRset of the dns-* scenarios:
#   SCENARIO RRSET NAME TYPE EXPECTED REASON   (REASON "-" when none)
plan="$WORK/plan"
awk '
    /^    {/ { scen = "" }
    /^      "name": / { scen = $2; gsub(/[",]/, "", scen) }
    /"rrset": / { r = $2; n = t = e = ""; why = "-"; gsub(/[",]/, "", r) }
    /^          "name": / { n = $2; gsub(/[",]/, "", n) }
    /"type": / { t = $2; gsub(/[",]/, "", t) }
    /"expected": "/ { e = $2; gsub(/[",]/, "", e) }
    /"reason": / { why = $0; sub(/^ *"reason": "/, "", why); sub(/",?$/, "", why); gsub(/ /, "_", why) }
    /^        }/ { if (scen ~ /^dns-/ && n != "") print scen, r, n, t, e, why; n = "" }
' "$json" >"$plan"
n=$(wc -l <"$plan")
if [ "$n" -ge 84 ]; then ok "plan: $n RRsets declared by the dns-* scenarios"; else
    not_ok "plan: $n RRsets declared by the dns-* scenarios" "$(cat "$plan")"
fi

# Every query of both validators in one visit to the lab world, four
# RRsets at a time (each validator process resolves from the root, mostly
# waiting on the lab's servers; each scenario has its own domain), each
# RRset's answers in a file of its own, put together in the plan's order.
probe="$WORK/probe.sh"
one="$WORK/probe-one.sh"
mkdir "$WORK/answers"
cat >"$one" <<EOF
# probe-one.sh N SCEN RRSET NAME TYPE: both validators' answers -> answers/N
RUN='$RUN'
{
    echo "=== \$2 \$3 unbound-host"
    unbound-host -C "\$RUN/etc/libunbound.conf" -f "\$RUN/root.key" -v -t "\$5" "\$4" 2>&1
    echo "=== \$2 \$3 delv"
    delv -a "\$RUN/etc/delv.anchors" @127.53.0.54 -t "\$5" "\$4" 2>&1
} >"$WORK/answers/\$1"
EOF
cat >"$probe" <<EOF
RUN='$RUN'
unbound -d -c "\$RUN/etc/unbound-iterator.conf" >"\$RUN/log/unbound-iterator.out" 2>&1 &
it=\$!
for i in \$(seq 50); do
    dig +short +time=1 +tries=1 @127.53.0.54 . SOA >/dev/null 2>&1 && break
    sleep 0.1
done
awk '{ print NR, \$1, \$2, \$3, \$4 }' '$plan' | xargs -P 4 -n 5 sh '$one'
kill \$it
EOF
out="$WORK/probe.out"
start=$(date +%s)
timeout 300 "$DANELAB" -r "$RUN" exec -- sh "$probe" >"$WORK/probe.err" 2>&1
i=0
: >"$out"
while [ "$i" -lt "$n" ]; do
    i=$((i + 1))
    cat "$WORK/answers/$i" >>"$out" 2>/dev/null || echo "# no answers for line $i of the plan" >>"$out"
done
cat "$WORK/probe.err" >>"$out"
echo "# validators answered $(grep -c '^=== ' "$out") queries in $(($(date +%s) - start)) s"

# section SCEN RRSET VALIDATOR: that validator's output for the RRset
section() {
    awk -v h="=== $1 $2 $3" '$0 == h { on = 1; next } /^=== / { on = 0 } on' "$out"
}

# What delv says. It prints a status line per RRset of the answer (a
# CNAME, then its target's records): the last one is the asked type's. A
# bogus answer is a failed resolution other than SERVFAIL ("broken trust
# chain", "RRSIG has expired", ...; delv says "failure" for a SERVFAIL).
delv_verdict() {
    last=$(printf '%s\n' "$1" | grep -E '^; (fully validated|unsigned answer|negative response)' | tail -n 1)
    case $last in
    *"negative response, fully validated"*)
        case $1 in *"ncache nxdomain"*) echo nxdomain ;; *) echo nodata ;; esac
        return ;;
    *"fully validated"*) echo secure; return ;;
    *"unsigned answer"*) echo insecure; return ;;
    esac
    case $1 in
    *"resolution failed: SERVFAIL"* | *"resolution failed: timed out"* | *"resolution failed: failure"*) echo servfail ;;
    *"resolution failed"*) echo bogus ;;
    *) echo unknown ;;
    esac
}

while read -r scen rrset name type expected reason; do
    u=$(section "$scen" "$rrset" unbound-host)
    got=$(ub_verdict "$u")
    word=$(echo "$reason" | tr _ ' ')
    desc="unbound-host: $scen $type $name is $expected"
    [ "$reason" != "-" ] && desc="$desc, reason contains '$word'"
    if [ "$got" != "$expected" ]; then
        not_ok "$desc" "observed $got: $u"
    elif [ "$reason" != "-" ] && ! printf '%s\n' "$u" | grep -qiF -- "$word"; then
        not_ok "$desc" "the reason lacks '$word': $u"
    else
        ok "$desc"
    fi
    d=$(section "$scen" "$rrset" delv)
    got=$(delv_verdict "$d")
    desc="delv: $scen $type $name is $expected"
    if [ "$got" = "$expected" ]; then
        why=$(printf '%s\n' "$d" | sed -n 's/^;; resolution failed: //p' | head -1)
        ok "$desc${why:+ ($why)}"
    else
        not_ok "$desc" "observed $got: $d"
    fi
done <"$plan"

check "down" "$DANELAB" -r "$RUN" down

# What a support engineer pastes into a ticket, and the picture.
check_output "explain says what was injected, where, and the verdict" \
    "Injected: fault rrsig-expired on the TLSA RRset of _25._tcp.mx1.dns-rrsig-expired.test\..*bogus" \
    "$DANELAB" explain dns-rrsig-expired
check_output "explain --json carries the paragraph" '"explain": "Scenario dns-ds-no-matching-key' \
    "$DANELAB" explain --json dns-ds-no-matching-key
check_status "explain of an unknown scenario is a usage error" 2 "$DANELAB" explain nosuch
check_output "graph writes the chain of trust" "$RUN/graphs/dns-ds-digest-mismatch.dot" \
    "$DANELAB" -r "$RUN" graph dns-ds-digest-mismatch
check_output "the broken link is red, with its fault" 'tld -> domain .*ds-digest-mismatch.*color=red' \
    cat "$RUN/graphs/dns-ds-digest-mismatch.dot"
if command -v dot >/dev/null 2>&1; then
    check "dot rendered SVG and PNG" test -s "$RUN/graphs/dns-ds-digest-mismatch.svg" -a \
        -s "$RUN/graphs/dns-ds-digest-mismatch.png"
else
    skip "Graphviz dot not installed: no SVG/PNG to check"
fi
finish
