# ci-sanitizers: skip (timelines under load: the paths of t_timeline and t_refresh, three rounds)
# Under load the lab may be slow, never wrong: the timeline scenarios run
# with --jobs 4 while parallel builds keep both cores busy give the same
# attempts, attempt by attempt (virtual time, status, code, for every
# profile), as a run on the quiet machine; a world change that did not take
# effect is an infrastructure error (exit 2), which fails this test too.
. "$(dirname "$0")/lib.sh"

ROUNDS=${STRESS_ROUNDS:-3}

# The attempts of every timeline scenario, one line each.
attempts() { # JSON-FILE
    jq -r '.scenarios[] | .name as $n | .delivery[]? | .profile as $p |
           (.timeline.attempts[]? | "\($n) \($p) +\(.at) \(.status) \(.code)"),
           "\($n) \($p) verdict \(.observed.status) \(.observed.code)"' "$1"
}

run_timeline() { # OUT-JSON
    "$DANELAB" -r "$RUN" run --tag timeline --jobs 4 --json >"$1" 2>"$1.err"
}

run_timeline "$WORK/quiet.json"
rc=$?
attempts "$WORK/quiet.json" >"$WORK/quiet.txt" 2>/dev/null
n=$(wc -l <"$WORK/quiet.txt")
if [ "$rc" = 0 ] && [ "$n" -gt 100 ]; then
    ok "quiet run: the timeline scenarios pass ($n attempts and verdicts)"
else
    not_ok "quiet run: the timeline scenarios pass" "exit $rc, $n lines: $(tail -n 5 "$WORK/quiet.json.err")"
fi

# The load, in a process group of its own: a copy of the sources built
# again and again, 4 compilers at a time (twice the cores of CI's machine),
# and fakesmtp itself held still (SIGSTOP) for 0.3 s of every 0.6 s, as a
# starved server would be: a change of its listeners then takes effect
# late, and an attempt made before it did would meet the old world.
load="$WORK/load"
mkdir -p "$load"
(cd "$SRC_DIR" && cp -r Makefile common src zones certs fakesmtp lab "$load/") 2>/dev/null
rm -rf "$load/lab/scenarios"
cat >"$WORK/jitter" <<EOF
while :; do
    p=\$(pgrep -f -- "fakesmtp -f -c $RUN/etc/fakesmtp.json")
    [ -n "\$p" ] && kill -STOP \$p
    sleep 0.3
    [ -n "\$p" ] && kill -CONT \$p
    sleep 0.3
done
EOF
setsid sh -c "sh '$WORK/jitter' & while :; do make -s -B -j4 -C '$load' >/dev/null 2>&1; done" &
load_pid=$!
stop_load() {
    kill -TERM "-$load_pid" 2>/dev/null
    wait "$load_pid" 2>/dev/null
    pkill -CONT -f -- "fakesmtp -f -c $RUN/etc/fakesmtp.json" 2>/dev/null
}
on_exit stop_load
sleep 2
if kill -0 "$load_pid" 2>/dev/null && pgrep -g "$load_pid" -f cc1 >/dev/null 2>&1 ||
    pgrep -g "$load_pid" make >/dev/null 2>&1; then
    ok "the load runs (parallel builds, process group $load_pid)"
else
    not_ok "the load runs" "no make or compiler in process group $load_pid"
fi

for r in $(seq "$ROUNDS"); do
    run_timeline "$WORK/loaded$r.json"
    rc=$?
    attempts "$WORK/loaded$r.json" >"$WORK/loaded$r.txt" 2>/dev/null
    if [ "$rc" = 0 ] && cmp -s "$WORK/quiet.txt" "$WORK/loaded$r.txt"; then
        ok "loaded run $r/$ROUNDS: the same $n attempts and verdicts as the quiet run"
    else
        not_ok "loaded run $r/$ROUNDS: the same attempts and verdicts as the quiet run" \
            "exit $rc; $(diff "$WORK/quiet.txt" "$WORK/loaded$r.txt" | head -n 8)
$(grep -v '^$' "$WORK/loaded$r.json.err" | tail -n 4)"
    fi
done
stop_load
on_exit :
# what of the load still runs (zombies excepted: reaping them is the
# container's init's business), for up to 10 s
live_load() {
    ps -o pid=,stat=,comm= -g "$load_pid" 2>/dev/null | awk '$2 !~ /^Z/'
}
for _ in $(seq 100); do
    [ -z "$(live_load)" ] && break
    sleep 0.1
done
if [ -z "$(live_load)" ]; then
    ok "the load is stopped"
else
    not_ok "the load is stopped" "$(live_load)"
fi
finish
