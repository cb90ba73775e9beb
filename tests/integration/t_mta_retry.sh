# danelab mta postfix --retry: Postfix's queue life on the lab's virtual
# clock (libfaketime, the lab Unbound's val-override-date), judged attempt
# by attempt against the reference client, over every timeline scenario
# of the catalogue (tag timeline: the six with timeline steps, and
# timeline-never-fixed and timeline-signature-expires, whose faults last
# or come by themselves) in one run: three of them to the end of
# Postfix's default 5-day queue lifetime (113 attempts each, taken in the
# same queue runs) and its non-delivery report; a misconfigured Postfix
# (maximal_queue_lifetime=0: it gives up at the first DANE failure) is
# caught; --schedule is refused (Postfix's backoff cannot express it).
# Exim: t_mta_retry_exim.
. "$(dirname "$0")/lib.sh"

if ! [ -x /usr/sbin/postfix ] || ! id postfix >/dev/null 2>&1; then
    skip_all "Postfix is not installed"
fi
if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then
    skip_all "libfaketime is not installed"
fi
chmod 755 "$WORK" # Postfix's daemons run as postfix

# Every timeline scenario of the catalogue, in one run (one Postfix).
names=$(grep -l '^tags:.*timeline' "$CATALOGUE"/*.yaml | sed 's|.*/||; s|\.yaml$||')
sel=$(for n in $names; do printf ' --scenario %s' "$n"; done)
check "the catalogue has 8 timeline scenarios" test "$(echo "$names" | wc -l)" = 8

# A catalogue of the timeline scenarios alone: `up` builds 10 zones, not
# the whole catalogue's (about 3 s instead of 40).
CAT="$WORK/catalogue"
mkdir -p "$CAT"
for n in $names; do cp "$CATALOGUE/$n.yaml" "$CAT"/; done
check "up" "$DANELAB" -r "$RUN" -s "$CAT" up
# shellcheck disable=SC2086
# --timeout 300: three 5-day queues (113 attempts each) take 35-55 s of
# wall time at a load of 6-11; the default 120 s bound left little margin
# under CI's sanitizers.
"$DANELAB" -r "$RUN" -s "$CAT" mta postfix --retry --timeout 300 --json $sel --junit "$WORK/r.xml" \
    --html "$WORK/r.html" >"$WORK/r.json" 2>"$WORK/r.err"
rc=$?
if [ "$rc" = 0 ]; then ok "--retry: the 8 timeline scenarios pass"; else
    not_ok "--retry: timelines pass" "exit $rc: $(cat "$WORK/r.err"; jq -c '.scenarios[] | [.name, .verdict, .why]' "$WORK/r.json")"; fi
for n in $names; do
    check "$n: deferred while the reference refused, delivered verified at the first retry after the fix, Postfix's own backoff" \
        python3 "$TESTS_DIR/integration/retry_check.py" "$WORK/r.json" "$n"
done
check "timeline-cert-expires: deferred from the expiry on, returned at Postfix's 5-day lifetime, its report in the sender's mailbox (Action failed, Status 4.7.5)" \
    python3 - "$WORK/r.json" <<'PY'
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["scenarios"]}["timeline-cert-expires"]
r = s["retry"]
assert s["verdict"] == "pass", s["why"]
assert r["lifetime"] == 5 * 86400 and 5 * 86400 <= r["expired_after"] < 5 * 86400 + 4000, (
    r["lifetime"], r["expired_after"])
assert r["bounce"] == {"received": True, "status": "4.7.5", "action": "failed"}, r["bounce"]
a = r["attempts"]
assert len(a) > 100 and all(x["status"] == "deferred" for x in a), [x["status"] for x in a]
PY
check "timeline-signature-expires: its report quotes the last attempt's DNS failure, folded over two lines" \
    python3 - "$WORK/r.json" <<'PY'
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["scenarios"]}["timeline-signature-expires"]
r = s["retry"]
assert s["verdict"] == "pass", s["why"]
assert r["attempts"][-1]["reason"].startswith("Host or domain name not found"), r["attempts"][-1]
assert r["bounce"]["status"] == "4.4.3" and r["expired_after"] >= 5 * 86400, r["bounce"]
PY
# How long the 5 days took (the drive of all 8 scenarios, one Postfix).
jq -r '.scenarios[] | select(.retry.expired_after) | "# \(.name): \(.retry.attempts | length) attempts, returned at +\(.retry.expired_after / 86400 * 100 | floor / 100) d, the drive \(.retry.wall_seconds | floor) s of wall time"' "$WORK/r.json"
check "timeline-fault-fixed: deferred past the fix at +40m, delivered at Postfix's next attempt" \
    python3 - "$WORK/r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = {x["name"]: x for x in d["scenarios"]}["timeline-fault-fixed"]["retry"]["attempts"]
assert a[-1]["after"] >= 2400 and a[-2]["after"] < 2400, a
PY
# Every attempt in JUnit (the scenario's <system-out>) and HTML (a row
# of its attempts table), as many as in the JSON, with its time.
check "--junit and --html: every attempt of every scenario, at its virtual time" \
    python3 - "$WORK/r.json" "$WORK/r.xml" "$WORK/r.html" <<'PY'
import json, re, sys
import xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
cases = {c.get("classname"): c for c in ET.parse(sys.argv[2]).iter("testcase")}
html = ET.parse(sys.argv[3]).getroot()
ns = {"h": "http://www.w3.org/1999/xhtml"}
for s in d["scenarios"]:
    att = s["retry"]["attempts"]
    out = "".join(cases[s["name"]].itertext())
    lines = re.findall(r"^\s*attempt (\d+) at (\+\dd\d\dh\d\d) \(state \d+\): (\S+)", out, re.M)
    assert len(lines) == len(att), (s["name"], len(lines), len(att), out)
    for (k, at, status), a in zip(lines, att):
        h = a["after"]
        assert at == "+%dd%02dh%02d" % (h // 86400, h % 86400 // 3600, h % 3600 // 60), (at, a)
        assert status == a["status"], (status, a)
    div = [x for x in html.iterfind(".//h:div[@class='scen']", ns)
           if x.find("h:h3/h:a", ns).text == s["name"]][0]
    rows = div.findall(".//h:table[@class='attempts']/h:tr", ns)
    assert len(rows) == len(att) + 1, (s["name"], len(rows), len(att))
PY
check "--html without --schedule: no column planned in the attempts' tables" \
    python3 "$TESTS_DIR/integration/html_planned.py" "$WORK/r.json" "$WORK/r.html"
check "Unbound's clock is put back" sh -c "! grep -q val-override-date '$RUN/etc/unbound-clock.conf'"

"$DANELAB" -r "$RUN" -s "$CAT" mta postfix --retry --json --scenario timeline-fault-fixed \
    --postfix-option maximal_queue_lifetime=0 --junit "$WORK/m.xml" >"$WORK/m.json" 2>"$WORK/m.err"
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
check "maximal_queue_lifetime=0: the JUnit failure lists the attempt and the return" \
    grep -Eq '^attempt 1 at \+0d00h00 \(state 0\): bounced.*|^returned at \+0d00h00: non-delivery report Action failed' "$WORK/m.xml"
"$DANELAB" -r "$RUN" -s "$CAT" mta postfix --retry --schedule exchange-online \
    --scenario timeline-fault-fixed >"$WORK/s.out" 2>"$WORK/s.err"
rc=$?
if [ "$rc" = 2 ]; then ok "--schedule exchange-online: Postfix refused, exit 2"; else
    not_ok "--schedule exchange-online: Postfix refused, exit 2" "exit $rc: $(cat "$WORK/s.err")"; fi
check "--schedule exchange-online: the refusal names why, with both lists of attempts" \
    grep -q "Postfix cannot express it: qmgr defers a message by its age clamped to minimal_backoff_time..maximal_backoff_time.*attempts at 0m, 15m, 30m, 60m, 120m ..., the schedule at 0m, 15m, 30m, 90m, 150m" "$WORK/s.err"
check "down" "$DANELAB" -r "$RUN" -s "$CAT" down

finish
