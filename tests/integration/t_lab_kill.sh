# Nothing survives: kill -9 of a server stops the whole lab; kill -9 of the
# holder takes every server with it; SIGTERM to the holder is a clean stop.
# test-group: host-loopback (a lab with --no-netns: tests/integration/run never
# runs two such scripts at once)
. "$(dirname "$0")/lib.sh"

holder_pid() { sed -n 's/^\([0-9]*\) .*/\1/p' "$RUN/lab.pid" 2>/dev/null; }
server_pid() { # host PID of a server, by its config file name
    pgrep -f -- "$RUN/etc/$1.conf" | head -n 1
}

for mode in "" --no-netns; do
    label=${mode:-netns}
    check "[$label] up" "$DANELAB" -r "$RUN" $mode up
    kill -9 "$(server_pid nsd-child)"
    if wait_no_procs; then ok "[$label] kill -9 of nsd-child stops the whole lab"; else not_ok "[$label] kill -9 of nsd-child stops the whole lab" "$(lab_procs | xargs -r ps -o pid,args -p)"; fi
    check_output "[$label] the holder's log says why" "nsd-child \(pid [0-9]+\) (killed by signal 9|exited with status).*stopping the lab" cat "$RUN/log/lab.log"
    check_status "[$label] status reports no lab" 1 "$DANELAB" -r "$RUN" status

    check "[$label] up again" "$DANELAB" -r "$RUN" $mode up
    kill -9 "$(holder_pid)"
    if wait_no_procs; then ok "[$label] kill -9 of the holder leaves no server"; else not_ok "[$label] kill -9 of the holder leaves no server" "$(lab_procs | xargs -r ps -o pid,args -p)"; fi
    "$DANELAB" -r "$RUN" down >/dev/null 2>&1

    check "[$label] up a third time" "$DANELAB" -r "$RUN" $mode up
    kill -TERM "$(holder_pid)"
    if wait_no_procs; then ok "[$label] SIGTERM to the holder stops everything"; else not_ok "[$label] SIGTERM to the holder stops everything"; fi
    "$DANELAB" -r "$RUN" down >/dev/null 2>&1
done

# A run interrupted once its lab is up still stops the lab it started.
D="$WORK/many"
mkdir -p "$D"
for i in $(seq -w 1 40); do
    sed -e "s/^name: good/name: slow$i/" -e "s/good\.test/slow$i.test/" "$CATALOGUE/good.yaml" >"$D/slow$i.yaml"
done
"$DANELAB" -r "$RUN" -s "$D" build >/dev/null 2>&1
"$DANELAB" -r "$RUN" -s "$D" run >"$WORK/run.out" 2>&1 &
runpid=$!
for _ in $(seq 500); do [ -s "$RUN/lab.pid" ] && break; sleep 0.005; done
kill -TERM "$runpid"
wait "$runpid"
st=$?
if [ "$st" -eq 2 ] && wait_no_procs; then ok "SIGTERM to run stops the lab it started (exit 2)"; else not_ok "SIGTERM to run stops the lab it started" "exit $st; $(cat "$WORK/run.out"); $(lab_procs)"; fi
check_status "and no lab is recorded" 1 "$DANELAB" -r "$RUN" status

chmod 755 "$WORK" # mta: Postfix's daemons must reach the run directory
# kill -9 of run or mta (no handler runs): the lab they started is tied to
# them, and stops by itself once they are gone.
for cmd in run "mta postfix"; do
    # shellcheck disable=SC2086 # cmd is two words for mta
    sessions=$(cat "$RUN/log/fakesmtp.jsonl" 2>/dev/null | wc -l)
    "$DANELAB" -r "$RUN" -s "$D" $cmd >"$WORK/kill9.out" 2>&1 &
    pid=$!
    # once it delivers (a new session in fakesmtp's log): the lab is up and
    # tied to it, and 40 scenarios leave it time to be killed mid-run
    for _ in $(seq 2000); do
        [ -s "$RUN/lab.pid" ] && [ "$(cat "$RUN/log/fakesmtp.jsonl" 2>/dev/null | wc -l)" -gt "$sessions" ] && break
        sleep 0.005
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    if wait_no_procs; then ok "kill -9 of $cmd: the lab it started stops by itself"; else
        not_ok "kill -9 of $cmd: the lab it started stops by itself" "$(lab_procs | xargs -r ps -o pid,args -p)"
    fi
    check_output "... and its log says why" "the danelab that started this lab is gone" \
        tail -n 3 "$RUN/log/lab.log"
    "$DANELAB" -r "$RUN" down >/dev/null 2>&1
done
# A run directory that cannot be written (full, read-only) is a clear
# error with exit 2 and leaves nothing running; one with a space works.
if [ "$(id -u)" = 0 ]; then
    out=$(unshare -m sh -c "mkdir -p '$WORK/full' '$WORK/ro' &&
        mount -t tmpfs -o size=256k tmpfs '$WORK/full' && mount -t tmpfs -o ro tmpfs '$WORK/ro' &&
        { '$DANELAB' -r '$WORK/full/run' run --scenario good; echo \"full=\$?\";
          '$DANELAB' -r '$WORK/ro/run' run --scenario good; echo \"ro=\$?\"; }" 2>&1)
    check_output "a full run directory: exit 2, the file and 'No space left on device'" \
        'No space left on device' printf '%s\n' "$out"
    check_output "... exit 2" '^full=2$' printf '%s\n' "$out"
    check_output "a read-only run directory: exit 2, 'Read-only file system'" \
        'mkdir .*/ro/run: Read-only file system' printf '%s\n' "$out"
    check_output "... exit 2" '^ro=2$' printf '%s\n' "$out"
    if [ -z "$(pgrep -f -- "$WORK/full/run|$WORK/ro/run")" ]; then ok "... nothing left running"; else
        not_ok "... nothing left running" "$(pgrep -fa -- "$WORK/full/run|$WORK/ro/run")"
    fi
else
    skip "full and read-only run directories need root (tmpfs mounts)"
fi
mkdir -p "$WORK/with space"
check_output "a run directory with a space in its path works" '^1 passed, 0 failed' \
    "$DANELAB" -r "$WORK/with space/run" run --scenario good

# a lab brought up by `up` is not tied: it outlives the up command
check "up" "$DANELAB" -r "$RUN" -s "$D" up
sleep 1.5
check "a lab started by up stays up after up exits" "$DANELAB" -r "$RUN" status
"$DANELAB" -r "$RUN" down >/dev/null 2>&1
finish
