#!/bin/sh
# danelab mta command: --status template for the instance postfix-start.sh
# made.   --status 'sh lab/mta/command/postfix-status.sh {dir} {msgid}'
# Finds the message's queue ID by its Message-ID in DIR/log/maillog, then
# the first delivery status line of that queue ID, and prints the status
# protocol's one line: `STATUS DSN REASON` (sent, deferred, bounced), or
# `pending` while the log says nothing yet.
set -eu
dir=${1:?usage: postfix-status.sh DIR MSGID}
msgid=${2:?usage: postfix-status.sh DIR MSGID}
log=$dir/log/maillog
[ -r "$log" ] || { echo pending no maillog yet; exit 0; }
qid=$(grep -F "message-id=<$msgid>" "$log" | head -n 1 | sed -n 's/.*]: \([0-9A-Za-z]*\): message-id=.*/\1/p')
[ -n "$qid" ] || { echo pending not picked up yet; exit 0; }
line=$(grep -F "]: $qid: to=<" "$log" | grep -E ', status=(sent|deferred|bounced|expired) ' | head -n 1 || true)
[ -n "$line" ] || { echo "pending queue ID $qid"; exit 0; }
status=$(printf '%s\n' "$line" | sed 's/.*, status=\([a-z]*\) .*/\1/')
[ "$status" = expired ] && status=bounced
dsn=$(printf '%s\n' "$line" | sed -n 's/.*, dsn=\([0-9.]*\),.*/\1/p')
reason=$(printf '%s\n' "$line" | sed -n 's/.*, status=[a-z]* (\(.*\))$/\1/p')
echo "$status${dsn:+ $dsn} $reason"
