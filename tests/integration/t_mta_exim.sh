# danelab mta exim: a private Exim instance (Debian's, from scripts/fetch-exim)
# in the lab, one message per scenario, verdicts joined from Exim's mainlog
# and fakesmtp's sessions; and leak detection: a misconfigured instance
# (DANE off: hosts_try_dane empty) against TLSA mismatches must be reported
# as LEAKs.
. "$(dirname "$0")/lib.sh"

have_exim=
for e in /var/cache/danelab/exim/current/usr/sbin/exim4 $(command -v exim4 exim 2>/dev/null); do
    [ -x "$e" ] && have_exim=$e && break
done
[ -n "$have_exim" ] || skip_all "no Exim: run scripts/fetch-exim"

# Exim processes of this test's instance (their command line names its
# configuration).
exim_procs() {
    pgrep -f -- "-C $RUN/mta/exim/etc/exim.conf" 2>/dev/null || true
}

# Exim's deliveries run as the exim user: the run directory must be
# reachable by it (mktemp -d makes 0700).
chmod 755 "$WORK"
users_before=$(getent passwd | wc -l)

S="--scenario good --scenario smtp-no-starttls --scenario dns-rrsig-expired --scenario unsigned"
S="$S --scenario tlsa-ee-no-match --scenario multi-mx-first-fails-second-ok"
S="$S --scenario smtp-tempfails-mail"
check "up" "$DANELAB" -r "$RUN" up
# shellcheck disable=SC2086
out=$("$DANELAB" -r "$RUN" mta exim $S 2>&1)
rc=$?
if [ "$rc" = 0 ]; then ok "mta exim passes the selection"; else not_ok "mta exim passes the selection" "exit $rc: $out"; fi
for v in "pass +good +expected delivered +exim sent +2.0.0 +fakesmtp: mx1.good.test TLSv1.3 sni=mx1.good.test" \
    "pass +smtp-no-starttls +expected deferred +exim deferred .*fakesmtp: nothing stored" \
    "pass +dns-rrsig-expired +expected deferred +exim deferred" \
    "pass +unsigned +expected delivered +exim sent" \
    "pass +tlsa-ee-no-match +expected deferred +exim deferred .*fakesmtp: nothing stored" \
    "pass +multi-mx-first-fails-second-ok .*fakesmtp: mx2\." \
    "pass +smtp-tempfails-mail +expected deferred +exim deferred +4.3.0" \
    "exim: 7 scenarios: 7 passed, 0 known deviations, 0 deviations, 0 leaks"; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "verdict: $v"; else not_ok "verdict: $v" "$out"; fi
done
if [ -z "$(exim_procs)" ]; then ok "no Exim left running"; else not_ok "no Exim left running" "$(exim_procs)"; fi
check_output "the mainlog is kept for post-mortem" \
    "=> postmaster@good.test R=dnslookup T=remote_smtp .*CV=dane" cat "$RUN/mta/exim/log/mainlog"
if [ "$(getent passwd | wc -l)" = "$users_before" ]; then ok "no user added to the machine"; else not_ok "no user added to the machine"; fi

# --json: Exim's own words (CV=dane for an authenticated delivery; why it
# refused a mismatching certificate) and fakesmtp's record.
"$DANELAB" -r "$RUN" mta exim --scenario good --scenario tlsa-ee-no-match --json \
    --junit "$WORK/mta.xml" >"$WORK/mta.json" 2>/dev/null
check "--json: authenticated by DANE, stored over TLS" jq -e '.scenarios[] | select(.name == "good")
    | .verdict == "pass" and (.mta.reason | test("CV=dane")) and .fakesmtp.stored[0].tls' "$WORK/mta.json"
check "--json: the TLSA mismatch refused" jq -e '.scenarios[] | select(.name == "tlsa-ee-no-match")
    | .verdict == "pass" and (.mta.reason | test("certificate verification failed"))
    and (.fakesmtp.stored | length == 0)' "$WORK/mta.json"
check_output "--junit: a testcase" '<testcase classname="good" name="mta-exim"/>' cat "$WORK/mta.xml"

# A deliberately misconfigured instance: DANE off, opportunistic TLS.
L="--scenario tlsa-ee-no-match --scenario tlsa-several-none-matching"
L="$L --scenario multi-mx-first-fails-second-ok --scenario smtp-no-starttls"
# shellcheck disable=SC2086
out=$("$DANELAB" -r "$RUN" mta exim --exim-option remote_smtp:hosts_try_dane= $L 2>&1)
rc=$?
if [ "$rc" = 1 ]; then ok "a leaking Exim makes mta exit 1"; else not_ok "a leaking Exim makes mta exit 1" "exit $rc: $out"; fi
for v in "LEAK +tlsa-ee-no-match +expected deferred +exim sent .*fakesmtp: mx1.tlsa-ee-no-match.test TLSv1" \
    "LEAK +tlsa-several-none-matching +expected deferred +exim sent" \
    "LEAK +multi-mx-first-fails-second-ok .*fakesmtp: mx1\." \
    "LEAK +smtp-no-starttls .*plaintext" \
    "exim: 4 scenarios: 0 passed, 0 known deviations, 0 deviations, 4 leaks"; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "leak: $v"; else not_ok "leak: $v" "$out"; fi
done
check_output "the misconfiguration is in the instance's exim.conf" '^  hosts_try_dane = $' \
    cat "$RUN/mta/exim/etc/exim.conf"
# A leak cannot be made known.
printf 'tlsa-ee-no-match  pretend\n' >"$WORK/known"
check_status "a known-deviations line does not excuse a leak" 1 "$DANELAB" -r "$RUN" mta exim \
    --known "$WORK/known" --exim-option remote_smtp:hosts_try_dane= --scenario tlsa-ee-no-match
if [ -z "$(exim_procs)" ]; then ok "no Exim left after the leaking runs"; else not_ok "no Exim left after the leaking runs" "$(exim_procs)"; fi

check_status "a malformed --exim-option is an error" 2 "$DANELAB" -r "$RUN" mta exim \
    --exim-option nosuch:x=1 --scenario good
check_output "an absent --exim-binary is named" "--exim-binary $WORK/nonexistent: not an executable" \
    "$DANELAB" -r "$RUN" mta exim --exim-binary "$WORK/nonexistent" --scenario good
check_output "Exim's own configuration error is shown" "Exim configuration error" \
    "$DANELAB" -r "$RUN" mta exim --exim-option remote_smtp:no_such_option=1 --scenario good
check "down" "$DANELAB" -r "$RUN" down
finish
