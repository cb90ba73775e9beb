# retry_check.py [--auth-unknown] REPORT.json SCENARIO... : every named scenario of a
# `danelab mta ADAPTER --retry --json` report judged on its whole queue
# life: each attempt deferred exactly while the reference client refused at
# that time, the first attempt after the fix (the reference delivering)
# delivered with the server authenticated, the retries at least
# MIN_GAP seconds apart (the MTA's own schedule, not the lab's), the
# verdict pass (or known, with an entry named retry:SCENARIO). With
# --auth-unknown (the command adapter, which cannot tell how the MTA
# authenticated the server) the delivery's auth must be "unknown" instead
# of "verified". Exits 1 with the reason on the first failure.
import json
import sys

MIN_GAP = 290  # Postfix: 300 s minimal_backoff_time; Exim: 15 min
args = sys.argv[1:]
AUTH = "verified"
if args and args[0] == "--auth-unknown":
    AUTH = "unknown"
    args = args[1:]


def check(s):
    r = s.get("retry")
    assert r and r["attempts"], "no attempts"
    a = r["attempts"]
    for x in a:
        want = "sent" if x["reference"]["delivers"] else "deferred"
        assert x["status"] == want, "attempt at +%ds: %s, the reference %s" % (
            x["after"], x["status"], x["reference"]["code"])
    gaps = [y["after"] - x["after"] for x, y in zip(a, a[1:])]
    assert all(g >= MIN_GAP for g in gaps), "retries closer than %ds: %s" % (MIN_GAP, gaps)
    if a[-1]["status"] == "sent":
        assert a[-1]["auth"] == AUTH, a[-1]
        assert s["verdict"] == "pass", s["why"]
    else:
        assert r["bounce"]["received"] and r["bounce"]["action"] == "failed", r["bounce"]
        assert r["expired_after"] >= 4 * 86400, r["expired_after"]
        assert s["verdict"] in ("pass", "known"), s["why"]
    return "%d attempts, %s at +%ds" % (len(a), a[-1]["status"], a[-1]["after"])


d = {x["name"]: x for x in json.load(open(args[0]))["scenarios"]}
for name in args[1:]:
    try:
        print("%s: %s" % (name, check(d[name])))
    except (AssertionError, KeyError) as e:
        print("%s: %s" % (name, e))
        sys.exit(1)
