#!/usr/bin/env python3
"""Judge the capture -> import -> run round trip over a catalogue.

usage: roundtrip_check.py LIST.json EVIDENCE_DIR RUN.json KNOWN [MIN_PERCENT]

LIST.json     `danelab list --json` of the original catalogue (name, domain)
EVIDENCE_DIR  `danelab capture -d` of every domain: DOMAIN.json, whose
              "outcome" is what the reference client observed in the
              original world under each profile
RUN.json      `danelab run --json` of the imported scenarios (domain
              DOMAIN.test.)
KNOWN         the scenarios that do not round-trip, one "NAME reason" a line
              (# comments and blank lines ignored)

A scenario round-trips when, under both profiles (rfc7672 and
exchange-online), the imported scenario's run observed the same status,
code and reason as the capture did. Prints one line per scenario that does
not ("NAME: known: REASON" or "NAME: NOT LISTED: what differs"), one per
listed scenario that round-trips now ("NAME: listed, round-trips now"), and
last "N of M round-trip (P%), K listed". Exit status: 0 when every
scenario that fails is listed, none listed passes, and at least
MIN_PERCENT (default 95) round-trip; 1 otherwise; 2 for unreadable input.
"""
import json
import os
import sys

PROFILES = ("rfc7672", "exchange-online")
FIELDS = ("status", "code", "reason")


def load_known(path):
    known = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(" ")
            if not reason.strip():
                raise ValueError(f"{path}:{n}: expected NAME REASON")
            known[name] = reason.strip()
    return known


def triple(o):
    return tuple((o or {}).get(k) for k in FIELDS)


def differences(evidence, run_entry):
    """What differs between the captured and the imported outcome, or []."""
    if evidence is None:
        return ["no evidence (capture failed)"]
    if run_entry is None:
        return ["no imported scenario in the run (import failed)"]
    observed = {d.get("profile"): d.get("observed") for d in run_entry.get("delivery", [])}
    out = []
    for p in PROFILES:
        want = triple(evidence.get("outcome", {}).get(p))
        got = triple(observed.get(p))
        if want != got:
            out.append(f"{p}: captured {':'.join(map(str, want))}, imported {':'.join(map(str, got))}")
    return out


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    minimum = float(argv[5]) if len(argv) == 6 else 95.0
    try:
        with open(argv[1], encoding="utf-8") as f:
            catalogue = json.load(f)
        with open(argv[3], encoding="utf-8") as f:
            run = {s["domain"].lower(): s for s in json.load(f).get("scenarios", [])}
        known = load_known(argv[4])
    except (OSError, ValueError, KeyError) as e:
        print(f"roundtrip_check: {e}", file=sys.stderr)
        return 2
    passed = 0
    bad = False
    for s in catalogue:
        domain = s["domain"].rstrip(".").lower()
        path = os.path.join(argv[2], domain + ".json")
        try:
            with open(path, encoding="utf-8") as f:
                evidence = json.load(f)
        except (OSError, ValueError):
            evidence = None
        diff = differences(evidence, run.get(domain + ".test."))
        name = s["name"]
        if not diff:
            passed += 1
            if name in known:
                print(f"{name}: listed, round-trips now")
                bad = True
        elif name in known:
            print(f"{name}: known: {known[name]}")
        else:
            print(f"{name}: NOT LISTED: {'; '.join(diff)}")
            bad = True
    for name in sorted(set(known) - {s["name"] for s in catalogue}):
        print(f"{name}: listed, but no such scenario")
        bad = True
    total = len(catalogue)
    pct = 100.0 * passed / total if total else 0.0
    print(f"{passed} of {total} round-trip ({pct:.1f}%), {len(known)} listed")
    return 1 if bad or pct < minimum else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
