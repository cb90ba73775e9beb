# ci-sanitizers: skip (posttls-finger beside the client over the catalogue: the client's paths run in t_run)
# Agreement with a trusted peer: for every scenario of the catalogue, does
# the reference client authenticate the same MX host that Postfix's
# posttls-finger (-l dane) reports a "Verified TLS connection" to (or
# neither authenticates any)? A scenario
# where they legitimately differ carries the tag posttls-finger-differs and
# says why (with the RFC section) in a comment of its file.
. "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$DANELAB")/dane-client"

command -v posttls-finger >/dev/null 2>&1 || skip_all "posttls-finger not installed (package postfix)"
mkdir -p "$WORK/postfix"
# posttls-finger reads main.cf from MAIL_CONFIG; DNSSEC from the system
# resolver (the lab's, with trust-ad in resolv.conf).
printf 'smtp_dns_support_level = dnssec\nsmtp_host_lookup = dns\n' >"$WORK/postfix/main.cf"

check "danelab up" "$DANELAB" -r "$RUN" up
"$DANELAB" list --json | jq -r '.[] | [.name, .domain, ((.tags // []) | index("posttls-finger-differs") != null)] | @tsv' \
    >"$WORK/scenarios.tsv"
agree=0
while IFS="$(printf '\t')" read -r name domain differs; do
    domain=${domain%.}
    # the host each one authenticated, or "none"
    client=$("$DANELAB" -r "$RUN" exec -- "$CLIENT" --json --timeout 5 --trust-anchor "$RUN/root.key" \
        "$domain" 2>/dev/null |
        jq -r '[.attempts[0].hosts[]? | select(.tls.authenticated? // false) | .name][0] // "none"')
    client=${client%.}
    pf=$("$DANELAB" -r "$RUN" exec -- env MAIL_CONFIG="$WORK/postfix" timeout 30 \
        posttls-finger -c -l dane -t 5 "$domain" 2>&1)
    finger=$(printf '%s\n' "$pf" | sed -n 's/.*Verified TLS connection established to \([^[]*\)\[.*/\1/p' |
        head -n 1)
    finger=${finger:-none}
    finger=${finger%.}
    if [ "$client" = "$finger" ]; then
        agree=$((agree + 1))
        ok "$name: both authenticated $client"
    elif [ "$differs" = true ]; then
        ok "$name: client $client, posttls-finger $finger (known, explained in the scenario file)"
    else
        not_ok "$name: client authenticated $client, posttls-finger $finger" "$pf"
    fi
done <"$WORK/scenarios.tsv"
echo "# $agree scenarios in agreement"
check "danelab down" "$DANELAB" -r "$RUN" down
finish
