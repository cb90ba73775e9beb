# danelab mta postfix: a private Postfix instance in the lab, one message
# per scenario, verdicts joined from Postfix's log and fakesmtp's sessions;
# and leak detection: a misconfigured instance (DANE off) against TLSA
# mismatches must be reported as LEAKs.
# test-group: host-loopback (a lab with --no-netns: tests/integration/run never
# runs two such scripts at once)
. "$(dirname "$0")/lib.sh"

if ! [ -x /usr/sbin/postfix ] || ! id postfix >/dev/null 2>&1; then
    skip_all "Postfix is not installed"
fi

# Postfix processes of this test's instance (their MAIL_CONFIG names $RUN).
lab_procs_postfix() {
    for e in /proc/[0-9]*/environ; do
        { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -q "^MAIL_CONFIG=$RUN/" && echo "${e%/environ}"
    done
    return 0
}

# Postfix's daemons run as the postfix user: the run directory must be
# reachable by it (mktemp -d makes 0700).
chmod 755 "$WORK"

S="--scenario good --scenario smtp-no-starttls --scenario dns-rrsig-expired --scenario unsigned"
S="$S --scenario tlsa-ee-no-match --scenario multi-mx-first-fails-second-ok"
S="$S --scenario smtp-tempfails-mail"
check "up" "$DANELAB" -r "$RUN" up
# shellcheck disable=SC2086
out=$("$DANELAB" -r "$RUN" mta postfix $S 2>&1)
rc=$?
if [ "$rc" = 0 ]; then ok "mta postfix passes the selection"; else not_ok "mta postfix passes the selection" "exit $rc: $out"; fi
for v in "pass +good +expected delivered +postfix sent +2.0.0 +fakesmtp: mx1.good.test TLSv1.3 sni=mx1.good.test" \
    "pass +smtp-no-starttls +expected deferred +postfix deferred 4.7.4 +fakesmtp: nothing stored" \
    "pass +dns-rrsig-expired +expected deferred +postfix deferred" \
    "pass +unsigned +expected delivered +postfix sent" \
    "pass +tlsa-ee-no-match +expected deferred +postfix deferred 4.7.5" \
    "pass +multi-mx-first-fails-second-ok .*fakesmtp: mx2\." \
    "pass +smtp-tempfails-mail +expected deferred +postfix deferred" \
    "postfix: 7 scenarios: 7 passed, 0 known deviations, 0 deviations, 0 leaks"; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "verdict: $v"; else not_ok "verdict: $v" "$out"; fi
done
if [ -z "$(lab_procs_postfix)" ]; then ok "no Postfix left running"; else not_ok "no Postfix left running" "$(lab_procs_postfix)"; fi

# --json and --junit
"$DANELAB" -r "$RUN" mta postfix --scenario good --json --junit "$WORK/mta.xml" >"$WORK/mta.json" 2>/dev/null
check "--json: the verdict" jq -e '.scenarios[0].verdict == "pass" and .scenarios[0].fakesmtp.stored[0].tls and .summary.leaks == 0' "$WORK/mta.json"
check_output "--junit: a testcase" '<testcase classname="good" name="mta-postfix"/>' cat "$WORK/mta.xml"

# A deliberately misconfigured instance: DANE off, opportunistic TLS.
out=$("$DANELAB" -r "$RUN" mta postfix --postfix-option smtp_tls_security_level=may \
    --postfix-option smtp_dns_support_level=enabled --scenario tlsa-ee-no-match \
    --scenario multi-mx-first-fails-second-ok --scenario smtp-no-starttls 2>&1)
rc=$?
if [ "$rc" = 1 ]; then ok "a leaking MTA makes mta exit 1"; else not_ok "a leaking MTA makes mta exit 1" "exit $rc: $out"; fi
for v in "LEAK +tlsa-ee-no-match +expected deferred +postfix sent" \
    "LEAK +multi-mx-first-fails-second-ok .*fakesmtp: mx1\." \
    "LEAK +smtp-no-starttls .*plaintext" \
    "postfix: 3 scenarios: 0 passed, 0 known deviations, 0 deviations, 3 leaks"; do
    if printf '%s\n' "$out" | grep -Eq -- "$v"; then ok "leak: $v"; else not_ok "leak: $v" "$out"; fi
done
# A leak cannot be made known.
printf 'tlsa-ee-no-match  pretend\n' >"$WORK/known"
check_status "a known-deviations line does not excuse a leak" 1 "$DANELAB" -r "$RUN" mta postfix \
    --known "$WORK/known" --postfix-option smtp_tls_security_level=may \
    --postfix-option smtp_dns_support_level=enabled --scenario tlsa-ee-no-match
# Authentication by the MTA's own word: with `encrypt` Postfix uses TLS
# but verifies nothing; the right certificate reaches it by luck.
"$DANELAB" -r "$RUN" mta postfix --scenario good --json --postfix-option smtp_tls_security_level=encrypt \
    >"$WORK/enc.json" 2>/dev/null
check_output "an unverified delivery where rfc7672 expects authentication is a deviation" \
    '^deviation unverified Untrusted TLS connection .*delivered without authenticating the server' \
    jq -r '.scenarios[0] | "\(.verdict) \(.mta.auth) \(.mta.auth_text) \(.why)"' "$WORK/enc.json"
check "... and DANE's is verified" jq -e '.scenarios[0].mta.auth == "verified"' "$WORK/mta.json"
# Without namespaces (containers without the privilege): the same lab on
# the host's loopback, Postfix resolving through it all the same.
check_output "--no-netns: the same verdicts on the host's loopback" \
    "postfix: 2 scenarios: 2 passed, 0 known deviations, 0 deviations, 0 leaks" \
    "$DANELAB" --no-netns -r "$WORK/hostrun" mta postfix --scenario good --scenario tlsa-ee-no-match
check_status "an unknown adapter is a usage error" 2 "$DANELAB" -r "$RUN" mta nosuch
check "down" "$DANELAB" -r "$RUN" down
finish
