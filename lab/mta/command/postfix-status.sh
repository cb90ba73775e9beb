#!/bin/sh
# danelab mta command: --status template for the instance postfix-start.sh
# made.   --status 'sh lab/mta/command/postfix-status.sh {dir} {msgid}'
# Finds the message's queue ID by its Message-ID in DIR/log/maillog, then
# the first delivery status line of that queue ID, and prints the status
# protocol's one line: `STATUS DSN REASON` (sent, deferred, bounced), or
# `pending` while the log says nothing yet. One awk pass: it runs for every
# pending message about twice a second.
set -eu
dir=${1:?usage: postfix-status.sh DIR MSGID}
msgid=${2:?usage: postfix-status.sh DIR MSGID}
log=$dir/log/maillog
[ -r "$log" ] || { echo pending no maillog yet; exit 0; }
exec awk -v want="message-id=<$msgid>" '
# "... postfix/cleanup[PID]: QID: message-id=<ID>"
qid == "" && index($0, want) {
    if (match($0, /\]: [0-9A-Za-z]+: message-id=</)) qid = substr($0, RSTART + 3, RLENGTH - 17)
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
    print status dsn " " reason
    found = 1
    exit
}
END {
    if (!found) print (qid == "" ? "pending not picked up yet" : "pending queue ID " qid)
}' "$log"
