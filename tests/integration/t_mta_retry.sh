# danelab mta postfix --retry: Postfix's queue life on the lab's virtual
# clock (libfaketime, the lab Unbound's val-override-date), judged attempt
# by attempt against the reference client; a misconfigured Postfix
# (maximal_queue_lifetime=0: it gives up at the first DANE failure) is
# caught. The 5-day "never fixed" path (about a minute: 113 attempts) is
# left to bench/mta (see danelab(1)), not run here.
. "$(dirname "$0")/lib.sh"

if ! [ -x /usr/sbin/postfix ] || ! id postfix >/dev/null 2>&1; then
    skip_all "Postfix is not installed"
fi
if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
    skip_all "libfaketime is not installed"
fi
chmod 755 "$WORK" # Postfix's daemons run as postfix

check "up" "$DANELAB" -r "$RUN" up
"$DANELAB" -r "$RUN" mta postfix --retry --json --scenario timeline-fault-fixed \
    --scenario timeline-tlsa-corrected >"$WORK/r.json" 2>"$WORK/r.err"
rc=$?
if [ "$rc" = 0 ]; then ok "--retry: timeline-fault-fixed, timeline-tlsa-corrected pass"; else
    not_ok "--retry: timelines pass" "exit $rc: $(cat "$WORK/r.err"; cat "$WORK/r.json")"; fi
check "attempts: deferred while the TLSA signature is expired, delivered at the first retry after +40m, verified" \
    python3 - "$WORK/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["scenarios"]}["timeline-fault-fixed"]
a = s["retry"]["attempts"]
assert [x["status"] for x in a[:-1]] == ["deferred"] * (len(a) - 1), a
assert all(not x["reference"]["delivers"] for x in a[:-1]), a
assert a[-1]["status"] == "sent" and a[-1]["auth"] == "verified", a[-1]
assert a[-1]["reference"]["delivers"] and a[-1]["after"] >= 2400, a[-1]
assert a[-2]["after"] < 2400, a[-2]
# Postfix's own schedule: 5, 10, 20 minutes between attempts (its backoff)
gaps = [y["after"] - x["after"] for x, y in zip(a, a[1:])]
assert all(g >= 290 for g in gaps), gaps
assert s["verdict"] == "pass", s
PY
check "Unbound's clock is put back" sh -c "! grep -q val-override-date '$RUN/etc/unbound-clock.conf'"

"$DANELAB" -r "$RUN" mta postfix --retry --json --scenario timeline-fault-fixed \
    --postfix-option maximal_queue_lifetime=0 >"$WORK/m.json" 2>"$WORK/m.err"
rc=$?
if [ "$rc" = 1 ]; then ok "maximal_queue_lifetime=0: exit 1"; else
    not_ok "maximal_queue_lifetime=0: exit 1" "exit $rc: $(cat "$WORK/m.err")"; fi
check "maximal_queue_lifetime=0: reported as returned before 4 days" \
    python3 - "$WORK/m.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["verdict"] == "deviation", s
assert "returned to the sender at +0d00h00, before 4 days" in s["why"], s["why"]
assert s["retry"]["lifetime"] == 0 and s["retry"]["expired_after"] < 60, s["retry"]
PY
check "down" "$DANELAB" -r "$RUN" down

finish
