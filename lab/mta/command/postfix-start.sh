#!/bin/sh
# danelab mta command: --start template for a private Postfix instance.
#   --start 'sh lab/mta/command/postfix-start.sh {dir}'
# Writes DIR/etc/main.cf and master.cf (DANE as Postfix's TLS_README says,
# queue timers for the lab), DIR/queue, DIR/data (owned by postfix) and
# DIR/log/maillog, then `postfix -c DIR/etc start`. DIR (the adapter's
# instance directory) must be reachable by the postfix user.
# Under `danelab mta command --retry` (DANELAB_CLOCK_ENV is set): Postfix's
# own timers instead of the lab's short ones, the clock's variables
# imported into every Postfix daemon (import_environment: the postfix
# command and master pass on nothing else), and the sender's mail
# delivered by virtual(8) to the maildir DIR/mail/sender/, where the lab
# reads the non-delivery reports; every daemon but smtp and relay waits for
# ever for its next request (max_idle: their idle timers run on the virtual
# clock, and each clock move would end them and the next attempt start them
# again), smtp and relay keep Postfix's 100 s (a fresh smtp process, no TLSA
# records cached, for each attempt minutes apart).
# Further arguments NAME=VALUE are main.cf lines appended last (Postfix
# takes the last of a name), for example maximal_backoff_time=1d.
set -eu
dir=${1:?usage: postfix-start.sh DIR [NAME=VALUE...]}
shift
for opt in "$@"; do
    case $opt in
    [a-z]*=*) ;;
    *) echo "postfix-start.sh: '$opt' is not a main.cf NAME=VALUE" >&2; exit 2 ;;
    esac
done
mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/log" "$dir/mail"
chown postfix:postfix "$dir/data" "$dir/mail"
chmod 700 "$dir/data"
cat >"$dir/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.danelab.invalid
mydomain = danelab.invalid
myorigin = \$myhostname
mydestination =
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
maillog_file = $dir/log/maillog
maillog_file_prefixes = $dir/log
smtp_dns_support_level = dnssec
smtp_tls_security_level = dane
smtp_tls_loglevel = 1
smtp_connect_timeout = 5s
smtp_helo_timeout = 10s
smtp_starttls_timeout = 10s
smtp_data_done_timeout = 10s
smtp_connection_cache_on_demand = no
default_destination_rate_delay = 0s
in_flow_delay = 0s
EOC
if [ -n "${DANELAB_CLOCK_ENV:-}" ]; then
    cat >>"$dir/etc/main.cf" <<EOC
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME $DANELAB_CLOCK_ENV
max_idle = 3650d
virtual_mailbox_domains = \$myhostname
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = static:sender/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
virtual_minimum_uid = 1
EOC
else
    cat >>"$dir/etc/main.cf" <<'EOC'
queue_run_delay = 1s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
EOC
fi
for opt in "$@"; do
    printf '%s = %s\n' "${opt%%=*}" "${opt#*=}" >>"$dir/etc/main.cf"
done
# Chroot column n: the instance's queue is not a chroot jail; smtp and
# relay keep Postfix's default max_idle whatever main.cf says.
cat >"$dir/etc/master.cf" <<'EOC'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
  -o max_idle=100s
relay     unix  -       -       n       -       -       smtp
  -o max_idle=100s
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
virtual   unix  -       n       n       -       -       virtual
EOC
exec /usr/sbin/postfix -c "$dir/etc" start
