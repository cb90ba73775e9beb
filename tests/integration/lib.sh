# Helpers for the integration tests (sourced). Each test script is a TAP
# producer: `ok`/`not ok` lines, a plan at the end, exit status 1 when any
# assertion failed. A check that cannot run (a peer is missing) is a `skip`
# (`ok N # SKIP reason`), which tests/integration/run counts as skipped,
# never as passed; a script that cannot run at all says `skip_all`. Every test gets its own run directory and stops its
# lab on exit, whatever happens.
set -u

: "${DANELAB:?DANELAB must name the danelab binary}"
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
SRC_DIR=$(cd "$TESTS_DIR/.." && pwd)
CATALOGUE="$SRC_DIR/lab/scenarios"
T_NUM=0
T_FAILED=0
WORK=$(mktemp -d /tmp/danelab-test.XXXXXX)
RUN="$WORK/run"

cleanup() {
    "$DANELAB" -r "$RUN" down >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
# on_exit CMD: when the script ends, however (exit, INT, TERM), run CMD,
# then cleanup. INT and TERM end the script after it (a trap that only
# cleaned up would let the script go on; EXIT runs it again, harmlessly).
on_exit() {
    trap "$1; cleanup" EXIT
    trap "$1; cleanup; exit 130" INT
    trap "$1; cleanup; exit 143" TERM
}
on_exit :

# ok DESCRIPTION: record a passed check; not_ok DESCRIPTION [DETAIL]
ok() {
    T_NUM=$((T_NUM + 1))
    echo "ok $T_NUM - $1"
}
not_ok() {
    T_NUM=$((T_NUM + 1))
    T_FAILED=$((T_FAILED + 1))
    echo "not ok $T_NUM - $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'
    return 0
}

# skip REASON: a check that could not run, e.g. for want of a peer
skip() {
    T_NUM=$((T_NUM + 1))
    echo "ok $T_NUM # SKIP $1"
}
# skip_all REASON: the whole script cannot run; ends it (a TAP skip plan)
skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

# check DESCRIPTION CMD...: passes when CMD exits 0
check() {
    desc=$1
    shift
    if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# check_output DESCRIPTION PATTERN CMD...: CMD's output matches the ERE PATTERN
check_output() {
    desc=$1 pat=$2
    shift 2
    out=$("$@" 2>&1)
    if printf '%s\n' "$out" | grep -Eq -- "$pat"; then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# check_status DESCRIPTION STATUS CMD...: CMD exits with STATUS
check_status() {
    desc=$1 want=$2
    shift 2
    out=$("$@" 2>&1)
    got=$?
    if [ "$got" = "$want" ]; then ok "$desc"; else not_ok "$desc" "exit $got, wanted $want: $out"; fi
}

# Processes whose command line names this test's run directory.
lab_procs() {
    pgrep -f -- "$RUN( |/|$)" 2>/dev/null | grep -v "^$$\$" || true
}

# wait_no_procs: up to 5 s for every lab process to be gone
wait_no_procs() {
    for _ in $(seq 50); do
        [ -z "$(lab_procs)" ] && return 0
        sleep 0.1
    done
    return 1
}

# good_scenario NAME [SUMMARY [EXTRA]]: on stdout, the scenario NAME of a
# signed domain whose one MX host's certificate its DANE-EE TLSA record
# matches, expected delivered (authenticated) under each profile of
# GOOD_PROFILES (default: rfc7672 and exchange-online); EXTRA, a line of
# YAML (e.g. "tlsrpt: none"), goes below the summary.
good_scenario() {
    printf 'name: %s\nsummary: "%s"\n%s\n' "$1" \
        "${2:-Signed domain, DANE-EE TLSA matching the certificate}" "${3:-}"
    cat <<Y
certificates:
  leaf: {names: [mx1.$1.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa: [{usage: 3, selector: 1, matching: 1, of: leaf}]
expect:
  dnssec: secure
Y
    for p in ${GOOD_PROFILES:-rfc7672 exchange-online}; do
        echo "  $p: {status: delivered, code: 2.0.0, reason: authenticated}"
    done
}

# ub_verdict OUTPUT: what `unbound-host -v` said: secure, insecure, bogus,
# servfail, nxdomain, nodata (t_dns_faults, t_capture)
ub_verdict() {
    case $1 in
    *"(BOGUS"*) echo bogus ;;
    *"SERVFAIL"*) echo servfail ;;
    *"NXDOMAIN"*"(secure)"*) echo nxdomain ;;
    *"has no "*"(secure)"*) echo nodata ;;
    *"(secure)"*) echo secure ;;
    *"(insecure)"*) echo insecure ;;
    *) echo unknown ;;
    esac
}

# schema_python: set PY to a python3 that has the jsonschema module
# (Debian: python3-jsonschema; tests/schema/validate-tlsrpt.py needs it);
# without one, a failed check and the script ends (never a pass, nor a skip)
schema_python() {
    PY=""
    for p in python3 /usr/bin/python3; do
        if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p && return 0; fi
    done
    not_ok "python3 with the jsonschema module (install python3-jsonschema)"
    finish
    exit
}

finish() {
    echo "1..$T_NUM"
    [ "$T_FAILED" -eq 0 ]
}
