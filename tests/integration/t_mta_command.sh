# danelab mta command: a real MTA (Postfix) driven only through the
# documented command templates (lab/mta/command/postfix-*.sh, as a user
# would write them): start a private instance in {dir}, inject with
# sendmail, status from its maillog, stop. Then without --status (the
# verdict rests on fakesmtp's records and the timeout), with no --stop
# (the adapter terminates what the start command left running), and the
# errors of bad templates. --retry: the same templates on the virtual
# clock (two timelines: deferred, then delivered at Postfix's first retry
# after the fix; a fault never fixed: returned after Postfix's 5-day
# lifetime, the sender's non-delivery report read and judged) and a
# wrapper whose daemons ignore the clock, caught.
. "$(dirname "$0")/lib.sh"

if ! [ -x /usr/sbin/postfix ] || ! id postfix >/dev/null 2>&1; then
    skip_all "Postfix is not installed"
fi

T="$SRC_DIR/lab/mta/command"
START="sh $T/postfix-start.sh {dir}"
INJECT="/usr/sbin/sendmail -C {dir}/etc -f {from} -i -- {rcpt}"
STATUS="sh $T/postfix-status.sh {dir} {msgid}"
STOP="/usr/sbin/postfix -c {dir}/etc stop"
KICK="/usr/sbin/postkick -c {dir}/etc public qmgr D"

# Processes of this test's Postfix instance: Postfix's daemons keep
# MAIL_CONFIG (which names $RUN) in their environment, not on their
# command line.
procs_postfix() {
    for e in /proc/[0-9]*/environ; do
        { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q "^MAIL_CONFIG=$RUN/mta/command/" && echo "${e%/environ}"
    done
    return 0
}
no_postfix_left() {
    if [ -z "$(procs_postfix)" ] && [ -z "$(pgrep -f -- "$RUN/mta/command" || true)" ]; then
        ok "$1"
    else
        not_ok "$1" "$(procs_postfix) $(pgrep -af -- "$RUN/mta/command")"
    fi
}

# Postfix's daemons run as postfix: the run directory must be reachable.
chmod 755 "$WORK"

check "up" "$DANELAB" -r "$RUN" up
S="--scenario good --scenario tlsa-ee-no-match --scenario smtp-no-starttls --scenario unsigned"
S="$S --scenario dns-rrsig-expired"
# shellcheck disable=SC2086
out=$("$DANELAB" -r "$RUN" mta command --start "$START" --inject "$INJECT" --status "$STATUS" \
    --stop "$STOP" $S 2>&1)
rc=$?
if [ "$rc" = 0 ]; then ok "mta command (Postfix templates) passes"; else not_ok "mta command (Postfix templates) passes" "exit $rc: $out"; fi
for v in "pass +good +expected delivered +command sent +2\.0\.0 +fakesmtp: mx1.good.test TLSv1.3 sni=mx1.good.test" \
    "pass +tlsa-ee-no-match +expected deferred +command deferred 4\.7\.5 +fakesmtp: nothing stored" \
    "pass +smtp-no-starttls +expected deferred +command deferred 4\.7\.4 +fakesmtp: nothing stored" \
    "pass +unsigned +expected delivered +command sent +2\.0\.0 +fakesmtp: mx1.unsigned.test" \
    "pass +dns-rrsig-expired +expected deferred +command deferred" \
    "command: 5 scenarios: 5 passed, 0 known deviations, 0 deviations, 0 leaks"; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "verdict: $v"; else not_ok "verdict: $v" "$out"; fi
done
# The templates really ran: the instance's own files, its maillog naming
# the DANE verdicts.
check "the instance's main.cf is in {dir}" grep -q "^smtp_tls_security_level = dane" "$RUN/mta/command/etc/main.cf"
check_output "Postfix's maillog: DANE verified" "Verified TLS connection established to mx1.good.test" cat "$RUN/mta/command/log/maillog"
no_postfix_left "--stop: no Postfix left running"

# --json: the status and reason come from the status command.
"$DANELAB" -r "$RUN" mta command --start "$START" --inject "$INJECT" --status "$STATUS" \
    --stop "$STOP" --scenario tlsa-ee-no-match --json >"$WORK/cmd.json" 2>"$WORK/cmd.err"
check "--json: deferred 4.7.5 with Postfix's reason" jq -e '.mta == "command" and
    .scenarios[0].mta.status == "deferred" and .scenarios[0].mta.dsn == "4.7.5" and
    (.scenarios[0].mta.reason | test("certificate not verified")) and .summary.passed == 1' "$WORK/cmd.json"

# Without --status: fakesmtp and the timeout are the witnesses; without
# --stop, the adapter terminates what the start command left running.
t0=$(date +%s)
# shellcheck disable=SC2086
out=$("$DANELAB" -r "$RUN" mta command --timeout 8 --start "$START" --inject "$INJECT" \
    --scenario good --scenario tlsa-ee-no-match --scenario smtp-no-starttls 2>&1)
rc=$?
t1=$(date +%s)
if [ "$rc" = 0 ]; then ok "without --status: passes"; else not_ok "without --status: passes" "exit $rc: $out"; fi
for v in "pass +good +expected delivered +command no-status +- +fakesmtp: mx1.good.test TLSv1.3" \
    "witness: fakesmtp and the timeout \(no --status\): stored, counted as sent" \
    "pass +tlsa-ee-no-match +expected deferred +command no-status +- +fakesmtp: nothing stored" \
    "witness: fakesmtp and the timeout \(no --status\): nothing stored, counted as not delivered"; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "no status: $v"; else not_ok "no status: $v" "$out"; fi
done
if [ $((t1 - t0)) -ge 8 ]; then ok "without --status the run waits --timeout"; else not_ok "without --status the run waits --timeout" "$((t1 - t0)) s"; fi
no_postfix_left "no --stop: no Postfix left running"

# Without --status, a message that should be delivered but is not (an MTA
# that never sends: its inject command drops the message) is a deviation.
out=$("$DANELAB" -r "$RUN" mta command --timeout 2 --start true --inject 'cat >/dev/null' \
    --scenario good 2>&1)
rc=$?
if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -Eq "DEVIATION +good .*no fakesmtp host stored the message within 2 s|why: expected (sent|delivered), no fakesmtp host stored"; then
    ok "without --status: nothing stored where delivery is expected is a deviation"
else
    not_ok "without --status: nothing stored where delivery is expected is a deviation" "exit $rc: $out"
fi

# Bad templates: usage and command errors, with the command's own words.
check_status "--inject is required" 2 "$DANELAB" -r "$RUN" mta command --start true --scenario good
check_output "--start's failure is reported with its output" \
    "--start \`echo no-such-mta >&2; exit 7\`: exit status 7: no-such-mta" \
    "$DANELAB" -r "$RUN" mta command --start 'echo no-such-mta >&2; exit 7' --inject true --scenario good
check_output "a hanging --inject is killed after --command-timeout" \
    "--inject \`sleep 30\`: could not run, killed or timed out" \
    "$DANELAB" -r "$RUN" mta command --start true --inject 'sleep 30' --command-timeout 1 --scenario good
check_output "a status command's unparsable output is the reason" \
    "--status printed no status line: I am not a status" \
    "$DANELAB" -r "$RUN" mta command --timeout 2 --start true --inject 'cat >/dev/null' \
    --status 'echo I am not a status' --scenario good
# --retry: Postfix through the command adapter on the virtual clock, its
# own timers (postfix-start.sh under DANELAB_CLOCK_ENV), the attempts and
# next tries from postfix-status.sh's lines.
TL="--scenario timeline-fault-fixed --scenario timeline-starttls-turned-on"
# shellcheck disable=SC2086
"$DANELAB" -r "$RUN" mta command --retry --start "$START" --inject "$INJECT" --status "$STATUS" \
    --stop "$STOP" --kick "$KICK" --queue-lifetime 5d $TL --json >"$WORK/retry.json" 2>"$WORK/retry.err"
rc=$?
if [ "$rc" = 0 ]; then ok "--retry (Postfix templates): the two timelines pass"; else
    not_ok "--retry (Postfix templates): the two timelines pass" "exit $rc: $(cat "$WORK/retry.err"; jq -c '.scenarios[] | [.name, .verdict, .why]' "$WORK/retry.json")"; fi
for n in timeline-fault-fixed timeline-starttls-turned-on; do
    check "--retry $n: deferred while the reference refused, delivered at the first retry after the fix, Postfix's own backoff" \
        python3 "$TESTS_DIR/integration/retry_check.py" --auth-unknown "$WORK/retry.json" "$n"
done
check "--retry: the attempts are Postfix's, on the virtual clock (timeline-fault-fixed: deferred past the fix at +40m, delivered at the next try; lifetime 5d)" \
    python3 - "$WORK/retry.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["scenarios"]}["timeline-fault-fixed"]
a = s["retry"]["attempts"]
assert a[-1]["after"] >= 2400 and a[-2]["after"] < 2400, a
assert a[-1]["reason"].startswith("250 ") and a[-2]["dsn"].startswith("4."), a
assert s["retry"]["lifetime"] == 5 * 86400, s["retry"]
PY
no_postfix_left "--retry: no Postfix left running"
# --retry to the end of Postfix's queue life through the templates: a TLSA
# mismatch never fixed, Postfix's backoff capped at one day (an argument
# of postfix-start.sh) so that its default 5-day lifetime takes 15
# attempts: returned after 5 days, the non-delivery report read from the
# sender's maildir and judged (Action failed, Status 4.7.5, the last
# attempt's reason quoted); bounded by --timeout (a message still queued
# then is a deviation).
t0=$(date +%s)
"$DANELAB" -r "$RUN" mta command --retry --timeout 120 --start "$START maximal_backoff_time=1d" \
    --inject "$INJECT" --status "$STATUS" --stop "$STOP" --kick "$KICK" --queue-lifetime 5d \
    --scenario timeline-never-fixed --json >"$WORK/gu.json" 2>"$WORK/gu.err"
rc=$?
t1=$(date +%s)
if [ "$rc" = 0 ]; then ok "--retry to the give-up (Postfix templates): exit 0, in $((t1 - t0)) s"; else
    not_ok "--retry to the give-up (Postfix templates): exit 0" "exit $rc: $(cat "$WORK/gu.err"; jq -c '.scenarios[] | [.name, .verdict, .why]' "$WORK/gu.json")"; fi
check "--retry to the give-up: deferred at each attempt, returned after 5 days, the sender's report read and judged (Action failed, Status 4.7.5)" \
    python3 - "$WORK/gu.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
r = s["retry"]
assert s["name"] == "timeline-never-fixed" and s["verdict"] == "pass", (s["verdict"], s["why"])
a = r["attempts"]
assert 10 <= len(a) <= 20 and all(x["status"] == "deferred" for x in a), [x["status"] for x in a]
assert all(x["reference"]["delivers"] is False for x in a), a
assert r["lifetime"] == 5 * 86400 and r["expired_after"] >= 5 * 86400, (r["lifetime"], r["expired_after"])
assert r["bounce"] == {"received": True, "status": "4.7.5", "action": "failed"}, r["bounce"]
assert s["why"].startswith("deferred %d times, returned at +5d" % len(a)), s["why"]
assert "Action failed, Status 4.7.5 (Server certificate not verified)" in s["why"], s["why"]
PY
no_postfix_left "--retry to the give-up: no Postfix left running"
check "--retry: Unbound's clock is put back" sh -c "! grep -q val-override-date '$RUN/etc/unbound-clock.conf'"

# A wrapper whose daemons ignore the virtual clock (its import_environment
# without the clock's variables: only the postfix command itself is on
# it): Postfix's next try, written on the real clock, never comes; the
# lab stops with an error, not a verdict.
t0=$(date +%s)
out=$("$DANELAB" -r "$RUN" mta command --retry --start "DANELAB_CLOCK_ENV=TZ=UTC $START" \
    --inject "$INJECT" --status "$STATUS" --stop "$STOP" --kick "$KICK" \
    --scenario timeline-fault-fixed 2>&1)
rc=$?
t1=$(date +%s)
if [ "$rc" = 2 ] && printf '%s\n' "$out" | grep -q "timeline-fault-fixed: queued for its next try at +0d00h0.* not tried within 10 s .*does not run on the lab's virtual clock"; then
    ok "--retry: a wrapper off the virtual clock is an error (exit 2), in $((t1 - t0)) s"
else
    not_ok "--retry: a wrapper off the virtual clock is an error (exit 2)" "exit $rc: $out"
fi
no_postfix_left "--retry off the clock: no Postfix left running"
check_status "--retry without --kick: a usage error" 2 "$DANELAB" -r "$RUN" mta command --retry \
    --start true --inject true --status true --scenario timeline-fault-fixed
check "down" "$DANELAB" -r "$RUN" down
if wait_no_procs; then ok "nothing left after down"; else not_ok "nothing left after down" "$(lab_procs)"; fi
finish
