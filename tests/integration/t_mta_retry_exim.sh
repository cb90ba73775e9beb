# danelab mta exim --retry: Exim's queue life on the lab's virtual clock
# (libfaketime in every Exim process through env(1) and keep_environment,
# the lab Unbound's val-override-date), with Exim's own default retry rule,
# each queue run an `exim -q`, the next try read from its retry database
# (exim_dumpdb): every timeline scenario of the catalogue, judged attempt
# by attempt against the reference client, timeline-cert-expires through
# Exim's 4-day cutoff to its non-delivery report (a known deviation,
# docs/findings.md 12); a misconfigured Exim that falls back to
# opportunistic TLS on retry (hosts_try_dane empty once the message is 10
# minutes old) is caught as a LEAK.
# ci-sanitizers: skip (the retry runner and the clock run under the sanitizers in t_mta_retry; Exim's log reading is unit-tested under them)
. "$(dirname "$0")/lib.sh"

have_exim=
for e in /var/cache/danelab/exim/current/usr/sbin/exim4 $(command -v exim4 exim 2>/dev/null); do
    [ -x "$e" ] && have_exim=$e && break
done
[ -n "$have_exim" ] || skip_all "no Exim: run scripts/fetch-exim"
if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
    skip_all "libfaketime is not installed"
fi
chmod 755 "$WORK" # Exim's deliveries run as the exim user

names=$(grep -l '^timeline:' "$CATALOGUE"/*.yaml | sed 's|.*/||; s|\.yaml$||')
sel=$(for n in $names; do printf ' --scenario %s' "$n"; done)
check "the catalogue has 6 timeline scenarios" test "$(echo "$names" | wc -l)" = 6

# A catalogue of the timeline scenarios alone: `up` builds 8 zones, not
# the whole catalogue's (about 3 s instead of 40).
CAT="$WORK/catalogue"
mkdir -p "$CAT"
grep -l '^timeline:' "$CATALOGUE"/*.yaml | while read -r f; do cp "$f" "$CAT"/; done
check "up" "$DANELAB" -r "$RUN" -s "$CAT" up
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" -s "$CAT" mta exim --retry --json $sel >"$WORK/r.json" 2>"$WORK/r.err"
rc=$?
if [ "$rc" = 0 ]; then ok "--retry: the 6 timeline scenarios pass or deviate as declared"; else
    not_ok "--retry: timelines pass" "exit $rc: $(cat "$WORK/r.err"; jq -c '.scenarios[] | [.name, .verdict, .why]' "$WORK/r.json")"; fi
for n in $names; do
    check "$n: deferred while the reference refused, delivered verified at the first retry after the fix, Exim's own retry rule" \
        python3 "$TESTS_DIR/integration/retry_check.py" "$WORK/r.json" "$n"
done
check "timeline-cert-expires: returned after the 4-day cutoff, Action failed, Status 5.0.0, known (finding 12)" \
    python3 - "$WORK/r.json" <<'PY'
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["scenarios"]}["timeline-cert-expires"]
r = s["retry"]
assert r["lifetime"] == 4 * 86400 and r["expired_after"] >= 4 * 86400, r
assert r["bounce"] == {"received": True, "status": "5.0.0", "action": "failed"}, r["bounce"]
assert s["verdict"] == "known" and "findings.md 12" in s["known"], s
# 15 minutes apart for 2 hours: Exim's F,2h,15m
gaps = [y["after"] - x["after"] for x, y in zip(r["attempts"], r["attempts"][1:])]
assert all(890 <= g <= 910 for g in gaps[:7]), gaps
PY
check "Unbound's clock is put back" sh -c "! grep -q val-override-date '$RUN/etc/unbound-clock.conf'"

# shellcheck disable=SC2016
"$DANELAB" -r "$RUN" -s "$CAT" mta exim --retry --json --scenario timeline-fault-fixed \
    --exim-option 'remote_smtp:hosts_try_dane=${if <{$message_age}{600}{*}{}}' \
    >"$WORK/m.json" 2>"$WORK/m.err"
rc=$?
if [ "$rc" = 1 ]; then ok "DANE off on retry: exit 1"; else
    not_ok "DANE off on retry: exit 1" "exit $rc: $(cat "$WORK/m.err")"; fi
check "DANE off on retry: a LEAK at the second attempt (+15m, unverified, the reference refusing)" \
    python3 - "$WORK/m.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["verdict"] == "leak", s
assert s["why"].startswith("attempt 2 at +0d00h15 delivered to mx1.timeline-fault-fixed.test"), s["why"]
a = s["retry"]["attempts"]
assert [x["status"] for x in a] == ["deferred", "sent"] and a[1]["auth"] == "unverified", a
PY
check "down" "$DANELAB" -r "$RUN" -s "$CAT" down

finish
