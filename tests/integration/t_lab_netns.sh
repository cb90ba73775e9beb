# The lab world in its own namespaces: secure and insecure answers from the
# lab's validating resolver, judged by an independent validator
# (unbound-host), status, and a down that leaves nothing behind.
# test-group: host-loopback (a lab with --no-netns: tests/integration/run never
# runs two such scripts at once)
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-}

check "danelab up" "$DANELAB" -r "$RUN" $MODE up
check_output "status says the lab is up" "lab up since" "$DANELAB" -r "$RUN" status
check_output "status --json names the resolver" '"address": "127.53.0.53"' \
    "$DANELAB" -r "$RUN" status --json
check_output "good.test MX is secure (unbound-host via the lab resolver)" \
    'good.test mail is handled by 10 mx1.good.test. \(secure\)' \
    "$DANELAB" -r "$RUN" exec -- unbound-host -C "$RUN/etc/libunbound.conf" -r -f "$RUN/root.key" -v -t MX good.test
check_output "unsigned.test MX is insecure" '\(insecure\)' \
    "$DANELAB" -r "$RUN" exec -- unbound-host -C "$RUN/etc/libunbound.conf" -r -f "$RUN/root.key" -v -t MX unsigned.test
check_output "the TLSA record of mx1.good.test is secure" '\(secure\)' \
    "$DANELAB" -r "$RUN" exec -- unbound-host -C "$RUN/etc/libunbound.conf" -r -f "$RUN/root.key" -v -t TLSA _25._tcp.mx1.good.test
check_output "exec shows the lab resolver as /etc/resolv.conf" '^nameserver 127\.53\.0\.53' \
    "$DANELAB" -r "$RUN" exec -- cat /etc/resolv.conf
# libfaketime's per-process objects (lab_holder.c, mounts) must not reach
# the host's /dev/shm: the lab's namespace has a tmpfs of its own there
# (with --no-netns there is no namespace: the host's /dev/shm is the lab's)
if [ -z "$MODE" ]; then
    SHM_PROBE="danelab-shm-probe.$$"
    check "exec writes to a /dev/shm of the lab's own" \
        "$DANELAB" -r "$RUN" exec -- sh -c "echo x >/dev/shm/$SHM_PROBE && test -s /dev/shm/$SHM_PROBE"
    check "... which is not the host's" test ! -e "/dev/shm/$SHM_PROBE"
    rm -f "/dev/shm/$SHM_PROBE"
fi
check_status "exec passes the command's exit status" 3 "$DANELAB" -r "$RUN" exec -- sh -c 'exit 3'
check_output "a second up says the lab is up already (and reloads what changed)" \
    "lab already up \(holder pid [0-9]+\)" "$DANELAB" -r "$RUN" $MODE up
if [ -n "$MODE" ]; then
    check_output "a second --no-netns lab from another run directory: the address in use, named" \
        "127\.53\.0\.1 port 53 .* is in use on the host's loopback" \
        "$DANELAB" -r "$WORK/other" --no-netns up
fi
if [ -n "$MODE" ]; then other=; else other=--no-netns; fi
check_status "a second up in the other mode is refused while the lab runs" 2 \
    "$DANELAB" -r "$RUN" $other up
check "danelab down" "$DANELAB" -r "$RUN" down
if wait_no_procs; then ok "no lab process left after down"; else not_ok "no lab process left after down" "$(lab_procs | xargs -r ps -o pid,args -p)"; fi
check_status "status after down exits 1" 1 "$DANELAB" -r "$RUN" status
check_output "down again says nothing runs" "no lab was running" "$DANELAB" -r "$RUN" down
check_output "down for a run directory that does not exist says so" "no lab was running" \
    "$DANELAB" -r "$WORK/none" down
if [ ! -e "$WORK/none" ]; then ok "and creates nothing"; else not_ok "and creates nothing" "$(ls -la "$WORK/none")"; fi
finish
