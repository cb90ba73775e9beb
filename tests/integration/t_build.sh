# Builds are incremental and keys are private: a second build signs
# nothing; private keys are 0600; zone files pass ldns-verify-zone.
. "$(dirname "$0")/lib.sh"

check_output "a cold build signs every zone" "built [0-9]+ zones .*: [1-9][0-9]* signed now" \
    "$DANELAB" -r "$RUN" build
check_output "a warm build signs nothing" ": 0 signed now .*0 new keys" "$DANELAB" -r "$RUN" build
bad=$(find "$RUN/keys" -name '*.private' ! -perm 0600 | head -n 3)
n=$(find "$RUN/keys" -name '*.private' | wc -l)
if [ -z "$bad" ] && [ "$n" -gt 0 ]; then ok "$n private keys, all mode 0600"; else not_ok "private keys are 0600" "$bad"; fi
check_output "the trust anchor is a DS record of the root" '^\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS[[:space:]]' cat "$RUN/root.key"
for z in root test good.test; do
    check "ldns-verify-zone accepts $z" ldns-verify-zone "$RUN/zones/$z.zone"
done
check_output "a virtual --now signs for that time (inception now-1h, expiration now+30d)" \
    "RRSIG[[:space:]]+MX .* 20300131000000 20291231230000 " \
    sh -c "'$DANELAB' -r '$WORK/virt' --now 2030-01-01T00:00:00Z build >/dev/null && grep -h RRSIG '$WORK/virt/zones/good.test.zone'"
finish
