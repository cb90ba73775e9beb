# Set-up shared by the fakesmtp suites (sourced first thing): re-run the
# suite in a private network namespace when it can (port 25 there), else on
# the host's loopback with a high port; then lib.sh, FAKESMTP, a work
# directory D, and stop_fakesmtp for the server FS_PID, on every exit.
# As root, a plain network namespace (posttls-finger must drop privileges
# to the postfix user, which a user namespace cannot map); else unshare -rn.
if [ "$(id -u)" = 0 ]; then NS="unshare -n"; else NS="unshare -rn"; fi
if [ -z "${FSMTP_IN_NETNS:-}" ] && $NS true 2>/dev/null; then
    exec $NS env FSMTP_IN_NETNS=1 sh "$0" "$@"
fi
if [ -n "${FSMTP_IN_NETNS:-}" ]; then
    ip link set lo up
    PORT=25
else
    PORT=$((20000 + $$ % 20000))
fi
. "$(dirname "$0")/lib.sh"
FAKESMTP=${FAKESMTP:-$(dirname "$DANELAB")/fakesmtp}
D=$WORK/fs
mkdir -p "$D"
FS_PID=

stop_fakesmtp() {
    [ -n "$FS_PID" ] && kill "$FS_PID" 2>/dev/null && wait "$FS_PID" 2>/dev/null
    FS_PID=
}
on_exit stop_fakesmtp
