# ci-sanitizers: skip (the DNS checks t_resolvers runs behind the four validators; lab_valmatrix, which joins them, runs under the sanitizers in the unit tests)
# danelab run --resolvers all: the scenarios that declare a validator's own
# verdict (expect: dns: VALIDATOR:, found by grep: every declared
# difference but the ns-tlsa-* timeouts, see below), dns-rrsig-expired (EDE codes) and good, copied into a
# catalogue of their own (-s: a small lab starts fast), plus a copy of
# dnssec-algorithm-ed448 whose AAAA declarations are taken out: an
# undeclared difference (BIND, Knot Resolver and PowerDNS Recursor see a
# secure NODATA where libunbound sees insecure), which must fail the run.
# Checks the exit status, the JSON's shape, the declared differences
# (ED448, Knot's NSEC3 limit) passing, the undeclared one failing alone,
# the HTML section, RUN/validators.json read by explain (EDE names), the
# text matrix and --markdown without the undeclared one (exit 0), and the
# usage errors. A missing resolver fails: the suite never passes without
# all four.
. "$(dirname "$0")/lib.sh"

# The declaring scenarios but the ns-tlsa-* ones: their name servers
# drop queries, and waiting for four resolvers to give up (BIND 9.18: 10 s
# per query) would take most of the CI budget; t_resolvers judges their
# declared verdicts under each resolver.
declaring() {
    grep -lE '^    (unbound|bind|knot|pdns):' "$CATALOGUE"/*.yaml | grep -v '/ns-tlsa-'
}
CAT="$WORK/cat"
mkdir -p "$CAT"
for f in $(declaring) "$CATALOGUE/dns-rrsig-expired.yaml" "$CATALOGUE/good.yaml"; do
    cp "$f" "$CAT/"
done
n_declared=$(declaring | wc -l)
sed -e 's/^name: dnssec-algorithm-ed448$/name: undeclared-ed448-aaaa/' -e '/^      aaaa: nodata$/d' \
    "$CATALOGUE/dnssec-algorithm-ed448.yaml" >"$CAT/undeclared-ed448-aaaa.yaml"

lab() { "$DANELAB" -r "$RUN" -s "$CAT" "$@"; }

check_status "--resolvers with --resolver is a usage error" 2 lab run --resolver knot --resolvers all
check_status "--resolvers with an unknown name is a usage error" 2 lab run --resolvers unbound,nope
check_status "--resolvers naming one twice is a usage error" 2 lab run --resolvers knot,knot
check_status "--resolvers with --tap is a usage error" 2 lab run --resolvers all --tap
check_status "--markdown without --resolvers is a usage error" 2 lab run --markdown

lab run --resolvers all --json --html "$WORK/v.html" >"$WORK/all.json" 2>"$WORK/all.err"
check_status "run --resolvers all: exit 1 (the undeclared difference)" 1 sh -c "exit $?"
sum=$(python3 - "$WORK/all.json" "$n_declared" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = d["validators"]
print("names %s reference %s" % (",".join(v["names"]), v["reference"]))
print("versions %s" % ("ok" if all(v["versions"][n] and not v["versions"][n].startswith("unknown")
                                   for n in v["names"]) else v["versions"]))
shape = True
for s in d["scenarios"]:
    vals = s["validators"]
    shape = shape and list(vals) == v["names"]
    for name, e in vals.items():
        shape = shape and isinstance(e["pass"], bool) and len(e["rrsets"]) > 0
        for r in e["rrsets"]:
            shape = shape and all(k in r for k in ("rrset", "expected", "observed", "rcode",
                                                   "pass", "differs", "declared"))
print("shape %s" % ("ok" if shape else "BAD"))
print("scenarios %d (declaring %s)" % (len(d["scenarios"]), sys.argv[2]))
print("failed %s" % ",".join(s["name"] for s in d["scenarios"] if not s["pass"]))
print("summary passed %d failed %d errors %d" % (d["summary"]["passed"], d["summary"]["failed"],
                                                 d["summary"]["errors"]))
for s in d["scenarios"]:
    for name, e in s["validators"].items():
        for r in e["rrsets"]:
            if r["differs"]:
                print("differs %s %s %s %s %s %s" % (s["name"], name, r["rrset"], r["observed"],
                      "declared" if r["declared"] else "undeclared", "pass" if r["pass"] else "FAIL"))
            if "ede" in r:
                print("ede %s %s %s %d" % (s["name"], name, r["rrset"], r["ede"]))
PY
)
printf '%s\n' "$sum" | grep -E "^(summary|failed|differs)" | sed 's/^/# /'
check_output "the JSON names the four validators, Unbound the reference" \
    "^names unbound,bind,knot,pdns reference unbound$" printf '%s\n' "$sum"
check_output "the JSON gives each validator's version" "^versions ok$" printf '%s\n' "$sum"
check_output "each scenario: validators {NAME: {rrsets [{observed, differs, declared, pass}], pass}}" \
    "^shape ok$" printf '%s\n' "$sum"
check_output "the selection: every scenario declaring a validator's verdict, 3 more" \
    "^scenarios $((n_declared + 3)) " printf '%s\n' "$sum"
check_output "declared: ED448 secure behind Knot Resolver, differs from Unbound, passes" \
    "^differs dnssec-algorithm-ed448 knot tlsa secure declared pass$" printf '%s\n' "$sum"
check_output "declared: Knot's NSEC3 limit (100 iterations insecure) passes" \
    "^differs dnssec-nsec3-iterations-100 knot tlsa insecure declared pass$" printf '%s\n' "$sum"
check_output "undeclared: the AAAA NODATA behind ED448 fails (bind)" \
    "^differs undeclared-ed448-aaaa bind aaaa nodata undeclared FAIL$" printf '%s\n' "$sum"
check_output "the undeclared difference is the only failure" \
    "^failed undeclared-ed448-aaaa$" printf '%s\n' "$sum"
check_output "Knot Resolver's EDE 7 for an expired TLSA signature is in the JSON" \
    "^ede dns-rrsig-expired knot tlsa 7$" printf '%s\n' "$sum"
check_output "--html: the validators' section, a declared difference highlighted, EDE named" \
    "^ok$" sh -c "grep -q 'id=\"validators\"' '$WORK/v.html' && grep -q 'vcell differs' '$WORK/v.html' &&
        grep -q 'EDE 7 (Signature Expired)' '$WORK/v.html' && echo ok"
if command -v xmllint >/dev/null; then
    check "--html: the page parses (xmllint)" xmllint --noout "$WORK/v.html"
else
    skip "--html: the page parses (xmllint not installed)"
fi
check_output "explain reads RUN/validators.json: the EDE code and its RFC 8914 name" \
    "knot: MX secure, A secure, TLSA bogus with EDE 7 \(Signature Expired\)" \
    lab explain dns-rrsig-expired
check_output "explain --json: observed.validators.pdns with ede_name" "^7 Signature Expired$" \
    sh -c "'$DANELAB' -r '$RUN' -s '$CAT' explain dns-rrsig-expired --json | python3 -c 'import json, sys; r = [x for x in json.load(sys.stdin)[0][\"observed\"][\"validators\"][\"pdns\"] if x[\"rrset\"] == \"tlsa\"][0]; print(r[\"ede\"], r[\"ede_name\"])'"

# Without the undeclared scenario, two validators: the text matrix, exit 0.
rm "$CAT/undeclared-ed448-aaaa.yaml"
lab run --resolvers unbound,knot --keep-up --scenario good --scenario dns-rrsig-expired \
    --scenario dnssec-algorithm-ed448 --scenario dnssec-nsec3-iterations-100 >"$WORK/two.txt" 2>&1
check_status "run --resolvers unbound,knot without an undeclared difference: exit 0" 0 sh -c "exit $?"
check_output "the text matrix: Knot's ED448 verdict marked a declared difference" \
    "^dnssec-algorithm-ed448 +tlsa +insecure +insecure +secure ~$" cat "$WORK/two.txt"
check_output "the text matrix: EDE code in the cell" "^dns-rrsig-expired +tlsa +bogus +bogus +bogus EDE 7$" \
    cat "$WORK/two.txt"
check_output "the text matrix's summary" "^4 passed, 0 failed \(DNS under 2 validators" \
    cat "$WORK/two.txt"
check "--keep-up leaves the lab up, with the last resolver (knot)" grep -qx knot "$RUN/etc/resolver"
check_status "the lab left up runs" 0 lab status
check "down" lab down
finish
