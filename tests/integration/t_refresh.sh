# A lab that already runs is brought up to date before it is used: a
# scenario edited while the lab is up is served as edited (zones re-signed
# and reloaded in NSD, Unbound's cache forgotten, fakesmtp reloaded); a
# scenario added makes the lab restart (NSD reads its zone list at start);
# `up` on a running lab does the same; an interrupted timeline leaves
# nothing behind that the next run would see. With no lab up, a run whose
# run directory is what the last lab loaded starts the servers on it while
# it builds, and brings them up to date after the build as above; a start
# that fails then is made again after the build; kill -9 of the run before
# the servers answer leaves nothing.
. "$(dirname "$0")/lib.sh"

D="$WORK/scen"
mkdir -p "$D"
write_rl() { # TLSA-RDATA-OR-COMPUTED EXPECTATION
    cat >"$D/rl.yaml" <<Y
name: rl
summary: the TLSA record of a domain edited while the lab runs
certificates:
  leaf: {names: [mx1.rl.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa: [$1]
expect:
  dnssec: secure
  rfc7672: $2
Y
}
dl() { "$DANELAB" -r "$RUN" -s "$D" "$@"; }

write_rl "{usage: 3, selector: 1, matching: 1, of: leaf}" "{status: delivered, code: 2.0.0, reason: authenticated}"
check "up" dl up
check_output "the scenario as first written" "ok +rfc7672 +delivered 2.0.0 \\(authenticated\\)" dl run
out=$(dl run 2>&1)
case $out in
*reload* | *restart*) not_ok "nothing reloaded when nothing changed" "$out" ;;
*"1 passed, 0 failed"*) ok "nothing reloaded when nothing changed" ;;
*) not_ok "nothing reloaded when nothing changed" "$out" ;;
esac
write_rl '"3 1 1 0000000000000000000000000000000000000000000000000000000000000000"' "{status: deferred, code: 4.7.323}"
check_output "the TLSA record edited while the lab runs: reloaded" \
    "the running lab reloaded what changed" dl run
check_output "... and the run sees the new record" "ok +rfc7672 +deferred 4.7.323" dl run
check_output "... Unbound serves the new record, not its cached one (dig @127.53.0.53)" \
    "^3 1 1 0{56} 0{8}$" dl exec -- dig +short @127.53.0.53 TLSA _25._tcp.mx1.rl.test
check_output "... as does a client inside the lab (no stale cache in Unbound)" "deferred 4.7.323" \
    dl exec -- "$(dirname "$DANELAB")/dane-client" --trust-anchor "$RUN/root.key" rl.test

cat >"$D/rl2.yaml" <<'Y'
name: rl2
summary: a scenario added while the lab runs
mx:
  - host: mx1
expect:
  dnssec: secure
Y
check_output "a scenario added: the lab restarts" "zone list changed .*restarting it" dl run
check_output "... and serves it" "ok +rl2 +expected secure +observed secure" dl run
write_rl "{usage: 3, selector: 1, matching: 1, of: leaf}" "{status: delivered, code: 2.0.0, reason: authenticated}"
out=$(dl up 2>&1)
case $out in
*"reloaded what changed"*"lab already up"*) ok "up on a running lab brings it up to date" ;;
*) not_ok "up on a running lab brings it up to date" "$out" ;;
esac
check_output "... the edit is served" "ok +rfc7672 +delivered 2.0.0" dl run
check "down" dl down

# No lab up: the servers start on the last build while the run builds.
early="the servers start on the last build while this one runs"
out=$(dl -v -v run 2>&1)
case $out in
*refresh:*) not_ok "a run with the lab down starts the servers before its build, nothing to reload" "$out" ;;
*"$early"*"2 passed, 0 failed"*) ok "a run with the lab down starts the servers before its build, nothing to reload" ;;
*) not_ok "a run with the lab down starts the servers before its build, nothing to reload" "$out" ;;
esac
write_rl '"3 1 1 0000000000000000000000000000000000000000000000000000000000000000"' "{status: deferred, code: 4.7.323}"
out=$(dl -v -v run 2>&1)
case $out in
*"$early"*"refresh: zone files"*"reloading"*"ok   rfc7672"*"deferred 4.7.323"*) ok "an edit made with the lab down: reloaded into the lab started before the build, and served" ;;
*) not_ok "an edit made with the lab down: reloaded into the lab started before the build, and served" "$out" ;;
esac
cat >"$D/rl3.yaml" <<'Y'
name: rl3
summary: a scenario added while no lab runs
mx:
  - host: mx1
expect:
  dnssec: secure
Y
out=$(dl -v -v run 2>&1)
case $out in
*"$early"*"ok   rl3"*"3 passed, 0 failed"*) ok "a scenario added with the lab down: the lab started before the build restarts and serves it" ;;
*) not_ok "a scenario added with the lab down: the lab started before the build restarts and serves it" "$out" ;;
esac
check_status "the lab it started is down" 1 dl status
# A start before the build that fails (fakesmtp exits at once the first
# time): started again after the build, and the run passes.
cat >"$WORK/fakesmtp-once" <<S
#!/bin/sh
[ -e "$WORK/fakesmtp-failed" ] && exec "$(dirname "$DANELAB")/fakesmtp" "\$@"
: >"$WORK/fakesmtp-failed"
exit 3
S
chmod +x "$WORK/fakesmtp-once"
out=$(DANELAB_FAKESMTP="$WORK/fakesmtp-once" dl -v -v run 2>&1)
case $out in
*"$early"*"the start before the build failed"*"starting after it"*"3 passed, 0 failed"*)
    ok "a start before the build that fails is made again after it" ;;
*) not_ok "a start before the build that fails is made again after it" "$out" ;;
esac
# kill -9 of the run while the servers it started before its build are
# still starting (no lab.pid yet): they stop by themselves.
starts=$(grep -c "holder: starting" "$RUN/log/lab.log")
"$DANELAB" -r "$RUN" -s "$D" run >"$WORK/early-kill.out" 2>&1 & # not dl: $! must be danelab
pid=$!
for _ in $(seq 2000); do
    [ "$(grep -c "holder: starting" "$RUN/log/lab.log")" -gt "$starts" ] && break
    sleep 0.002
done
if [ -s "$RUN/lab.pid" ]; then
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    skip "kill -9 of a run before its early servers answer: the lab was up before the kill (window missed)"
else
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    if wait_no_procs; then ok "kill -9 of a run before its early servers answer leaves nothing"; else
        not_ok "kill -9 of a run before its early servers answer leaves nothing" "$(lab_procs | xargs -r ps -o pid,args -p)"
    fi
fi
"$DANELAB" -r "$RUN" down >/dev/null 2>&1

# A run interrupted in the middle of a retry timeline (a state of the
# scenario installed in the running lab): the next run is not fooled.
R2="$WORK/run2"
T="--scenario timeline-tlsa-corrected"
check "up (catalogue)" "$DANELAB" -r "$R2" up
# shellcheck disable=SC2086
"$DANELAB" -r "$R2" run $T --exact-timelines >/dev/null 2>&1 &
pid=$!
# Interrupt once a state of the timeline is installed: a zone file of the
# lab differs from its saved copy (the directory of saved copies alone is
# made before the state is built: interrupted then, under a sanitizer
# build, there was nothing to reload). Bounded: 60 s, for a sanitizer
# build on a busy machine.
SAVED="$R2/timeline/timeline-tlsa-corrected/lab"
state_installed() {
    for f in "$SAVED"/*; do
        [ -f "$f" ] && [ -f "$R2/zones/${f##*/}" ] &&
            ! cmp -s "$f" "$R2/zones/${f##*/}" && return 0
    done
    return 1
}
installed=false
for _ in $(seq 1200); do
    if state_installed; then
        installed=true
        break
    fi
    sleep 0.05
done
kill -INT "$pid" 2>/dev/null
wait "$pid"
if $installed; then
    ok "the run was interrupted with a state of the timeline installed"
else
    not_ok "the run was interrupted with a state of the timeline installed" "none within 30 s"
fi
# shellcheck disable=SC2086
out=$("$DANELAB" -r "$R2" run $T 2>&1)
case $out in
*"reloaded what changed"*"ok   rfc7672         deferred 4.7.323"*)
    ok "after an interrupted timeline, the next run reloads and sees the lab's own zones" ;;
*) not_ok "after an interrupted timeline, the next run reloads and sees the lab's own zones" "$out" ;;
esac
check "down (catalogue)" "$DANELAB" -r "$R2" down
finish
