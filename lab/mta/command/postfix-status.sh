#!/bin/sh
# danelab mta command: --status template for the instance postfix-start.sh
# made.   --status 'sh lab/mta/command/postfix-status.sh {dir} {msgid}'
# Finds the message's queue ID by its Message-ID in DIR/log/maillog, then
# the first delivery status line of that queue ID, and prints the status
# protocol's one line: `STATUS DSN REASON` (sent, deferred, bounced), or
# `pending` while the log says nothing yet. One awk pass: it runs for every
# pending message about twice a second.
# Under --retry (DANELAB_CLOCK_ENV is set) it prints the retry protocol
# instead (danelab(1), The command adapter): `next @UNIX` while the
# message waits in the deferred queue (Postfix writes a deferred message's
# next attempt time as its queue file's modification time), then
# `attempt @UNIX STATUS DSN REASON` for every status line of the queue ID
# and `returned @UNIX` for "status=expired, returned to sender".
set -eu
dir=${1:?usage: postfix-status.sh DIR MSGID}
msgid=${2:?usage: postfix-status.sh DIR MSGID}
log=$dir/log/maillog
[ -r "$log" ] || { echo pending no maillog yet; exit 0; }
# "... postfix/cleanup[PID]: QID: message-id=<ID>" (awk text, not expanded)
# shellcheck disable=SC2016
find_qid='qid == "" && index($0, want) {
    if (match($0, /\]: [0-9A-Za-z]+: message-id=</)) qid = substr($0, RSTART + 3, RLENGTH - 17)
    next
}'
retry=0 qid=
if [ -n "${DANELAB_CLOCK_ENV:-}" ]; then
    retry=1
    qid=$(awk -v want="message-id=<$msgid>" "$find_qid"' qid != "" { print qid; exit }' "$log")
    [ -n "$qid" ] || { echo pending not picked up yet; exit 0; }
    # The next try before the log: an attempt logged in between is read
    # now and its new next try at the next call, never a new next try
    # without its attempt.
    for f in "$dir"/queue/deferred/*/"$qid"; do
        if [ -f "$f" ]; then echo "next @$(stat -c %Y "$f")"; fi
    done
fi
# The maillog's stamps ("Dec 06 02:00:26") have no year: this one's, on
# the virtual clock (the lab runs --retry's commands on it, TZ=UTC).
exec awk -v want="message-id=<$msgid>" -v qid="$qid" -v retry="$retry" -v year="$(date +%Y)" '
BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", names, " ")
        for (i = 1; i <= 12; i++) mon[names[i]] = i }
function stamp(  t) { split($3, t, ":")
    return "@" mktime(year " " mon[$1] " " ($2 + 0) " " t[1] " " t[2] " " t[3]) }
'"$find_qid"'
# "... postfix/qmgr[PID]: QID: from=<...>, status=expired, returned to sender"
retry && qid != "" && index($0, "]: " qid ": from=<") && index($0, ", status=expired") {
    print "returned " stamp()
    next
}
# "... postfix/smtp[PID]: QID: to=<...>, ..., dsn=D, status=S (REASON)"
qid != "" && index($0, "]: " qid ": to=<") && match($0, /, status=(sent|deferred|bounced|expired) /) {
    status = substr($0, RSTART + 9, RLENGTH - 10)
    if (status == "expired") status = "bounced"
    reason = substr($0, RSTART + RLENGTH)
    sub(/^\(/, "", reason); sub(/\)$/, "", reason)
    dsn = ""
    if (match($0, /, dsn=[0-9.]+,/)) dsn = " " substr($0, RSTART + 6, RLENGTH - 7)
    if (retry) { print "attempt " stamp() " " status dsn " " reason; next }
    print status dsn " " reason
    found = 1
    exit
}
END {
    if (!retry && !found) print (qid == "" ? "pending not picked up yet" : "pending queue ID " qid)
}' "$log"
