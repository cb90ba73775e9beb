# danelab mta exim --retry: Exim's queue life on the lab's virtual clock
# (libfaketime in every Exim process through env(1) and keep_environment,
# the lab Unbound's val-override-date), with Exim's own default retry rule,
# each queue run an `exim -q`, the next try read from its retry database
# (exim_dumpdb, a routing record before the hosts'): every scenario
# tagged timeline, judged attempt by attempt against the reference client,
# timeline-cert-expires, -never-fixed and -signature-expires through
# Exim's 4-day cutoff to its non-delivery report (known deviations,
# docs/findings.md 12); a misconfigured Exim that falls back to
# opportunistic TLS on retry (hosts_try_dane empty once the message is 10
# minutes old) is caught as a LEAK. --schedule exchange-online: Exim's
# retry rule built from the seeds' schedule (0, 15 min, 30 min, hourly,
# the last attempt at 24 h) keeps every attempt within 60 s of it
# (timeline-never-fixed: 27 attempts, returned at 24 h; timeline-fault-
# fixed: delivered at 1 h 30), Exim's default rule (--exim-retry) is
# caught by the comparison, and Postfix is refused in t_mta_retry.
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

# Every scenario tagged timeline: the six with timeline steps, and
# timeline-never-fixed and timeline-signature-expires (faults that last or
# come by themselves: to Exim's 4-day cutoff; never-fixed also under
# --schedule, the whole 24 h).
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
"$DANELAB" -r "$RUN" -s "$CAT" mta exim --retry --json $sel >"$WORK/r.json" 2>"$WORK/r.err"
rc=$?
if [ "$rc" = 0 ]; then ok "--retry: the 8 timeline scenarios pass or deviate as declared"; else
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

check "--schedule without --retry: exit 2" sh -c \
    "'$DANELAB' -r '$RUN' -s '$CAT' mta exim --schedule exchange-online --scenario timeline-fault-fixed >/dev/null 2>&1; test \$? = 2"
"$DANELAB" -r "$RUN" -s "$CAT" mta exim --retry --schedule exchange-online --json \
    --scenario timeline-never-fixed --scenario timeline-fault-fixed --html "$WORK/s.html" \
    >"$WORK/s.json" 2>"$WORK/s.err"
rc=$?
if [ "$rc" = 0 ]; then ok "--schedule exchange-online: exit 0"; else
    not_ok "--schedule exchange-online: exit 0" "exit $rc: $(cat "$WORK/s.err"; jq -c '.scenarios[] | [.name, .verdict, .why, .retry.schedule]' "$WORK/s.json")"; fi
check "--schedule exchange-online: Exim's rule from the schedule; never-fixed 27 attempts at the seeds' times, returned at 24 h; fault-fixed delivered at 1 h 30" \
    python3 - "$WORK/s.json" "$RUN/mta/exim/etc/exim.conf" <<'PY'
import json, sys
top = json.load(open(sys.argv[1]))
assert "F,1350s,15m; F,23h,1h; F,1425m,30m" in open(sys.argv[2]).read()
assert top["summary"]["schedule_deviations"] == 0, top["summary"]
s = {x["name"]: x for x in top["scenarios"]}
plan = [0, 900, 1800] + [1800 + 3600 * k for k in range(1, 24)] + [86400]
nf = s["timeline-never-fixed"]["retry"]
a = [x["after"] for x in nf["attempts"]]
assert len(a) == 27 and all(abs(x - p) <= 27 * 60 for x, p in zip(a, plan)), a
assert all(abs(x["after"] - x["planned"]) <= 60 for x in nf["attempts"]), nf["attempts"]
assert nf["schedule"]["verdict"] == "pass" and nf["schedule"]["profile"] == "exchange-online", nf["schedule"]
assert 86400 - 60 <= nf["expired_after"] <= 86400 + 27 * 60 and nf["bounce"]["action"] == "failed", nf
assert s["timeline-never-fixed"]["verdict"] == "known", s["timeline-never-fixed"]  # findings.md 12
ff = s["timeline-fault-fixed"]["retry"]
assert [x["status"] for x in ff["attempts"]] == ["deferred"] * 3 + ["sent"], ff["attempts"]
assert abs(ff["attempts"][3]["after"] - 5400) <= 4 * 60 and ff["schedule"]["verdict"] == "pass", ff
PY
check "--schedule: the HTML attempts' tables have a column planned, each cell the JSON's attempts[].planned" \
    python3 "$TESTS_DIR/integration/html_planned.py" "$WORK/s.json" "$WORK/s.html"
"$DANELAB" -r "$RUN" -s "$CAT" mta exim --retry --schedule exchange-online \
    --exim-retry 'F,2h,15m; G,16h,1h,1.5; F,4d,6h' --scenario timeline-fault-fixed \
    --html "$WORK/w.html" >"$WORK/w.txt" 2>"$WORK/w.err"
rc=$?
if [ "$rc" = 1 ]; then ok "--schedule with Exim's default rule: exit 1"; else
    not_ok "--schedule with Exim's default rule: exit 1" "exit $rc: $(cat "$WORK/w.err" "$WORK/w.txt")"; fi
check "--schedule with Exim's default rule: DANE pass, the schedule's deviation at attempt 4 (45 min, planned 1 h 30)" \
    sh -c "grep -q '^pass .*timeline-fault-fixed' '$WORK/w.txt' &&
        grep -q 'schedule: DEVIATION: attempt 4 at +0d00h4[5-6], planned at +0d01h3[0-1]' '$WORK/w.txt' &&
        grep -q '1 of 1 scenarios departed from it' '$WORK/w.txt'"
check "--schedule with Exim's default rule: in the HTML, attempt 4's planned cell (+0d01h30) is the one marked" \
    python3 - "$WORK/w.html" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
ns = {"h": "http://www.w3.org/1999/xhtml"}
rows = ET.parse(sys.argv[1]).getroot().findall(".//h:table[@class='attempts']/h:tr", ns)
assert [x.text for x in rows[0]][:3] == ["#", "at", "planned"], [x.text for x in rows[0]]
marked = [r[0].text for r in rows[1:] if r[2].get("class") == "deviation"]
assert marked == ["4"] and re.match(r"\+0d01h3[01]$", rows[4][2].text), (marked, rows[4][2].text)
PY
check "down" "$DANELAB" -r "$RUN" -s "$CAT" down

finish
