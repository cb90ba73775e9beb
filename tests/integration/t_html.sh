# danelab report merge --html: the HTML page of three run reports (catalogue
# scenarios; two whose expectations are wrong; one checked under rfc7672
# only), checked as XML and HTML with xmllint, its matrix cells, anchors,
# trace and chain-of-trust links, then rendered with headless Chromium and
# the screenshot's pixels checked for the pass/fail/not-checked colours.
. "$(dirname "$0")/lib.sh"

D="$WORK/scen"
OUT="$WORK/out"
mkdir -p "$D" "$OUT"
# html-wrong: good's world, expected insecure (DNS fails) and a 4.7.323
# deferral under exchange-online (fails); its rfc7672 expectation is right.
cat >"$D/html-wrong.yaml" <<'Y'
name: html-wrong
summary: "A good domain wrongly expected insecure and, under exchange-online, deferred"
certificates:
  leaf: {names: [mx1.html-wrong.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa: [{usage: 3, selector: 1, matching: 1, of: leaf}]
expect:
  dnssec: insecure
  rfc7672: {status: delivered, code: 2.0.0, reason: authenticated}
  exchange-online: {status: deferred, code: 4.7.323, reason: tlsa-invalid}
Y
# html-retry-wrong: an expired TLSA signature fixed after 40 minutes,
# delivered at the 3rd attempt under rfc7672 (0, 30 min, 1 h 30), wrongly
# expected at the 4th.
cat >"$D/html-retry-wrong.yaml" <<'Y'
name: html-retry-wrong
summary: "TLSA signature fixed after 40 minutes; the retry expectation counts one attempt too many"
certificates:
  leaf: {names: [mx1.html-retry-wrong.test]}
mx:
  - host: mx1
    certificate: leaf
    tlsa: [{usage: 3, selector: 1, matching: 1, of: leaf}]
faults:
  - rrsig-expired
timeline:
  - {at: 40m, faults: []}
expect:
  dns: {mx: secure, a: secure, tlsa: {verdict: bogus, reason: "expired"}}
  rfc7672:
    status: deferred
    code: 4.7.324
    reason: dnssec-bogus
    retry: {status: delivered, code: 2.0.0, attempts: 4, at: 90m}
  exchange-online: {status: deferred, code: 4.4.312, reason: dnssec-bogus}
Y
# html-partial: right expectations, run with --profile rfc7672 only.
good_scenario html-partial >"$D/html-partial.yaml"

dl() { "$DANELAB" -r "$RUN" "$@"; }
dl run --scenario good --scenario smtp-no-starttls --scenario timeline-fault-fixed --json \
    >"$WORK/a.json" 2>"$WORK/a.err"
check_output "the catalogue scenarios pass" '^3 0$' jq -r '"\(.summary.passed) \(.summary.failed)"' "$WORK/a.json"
dl -s "$D" run --scenario html-wrong --scenario html-retry-wrong --json >"$WORK/b.json" 2>/dev/null
check_output "the wrong expectations fail" '^0 2$' jq -r '"\(.summary.passed) \(.summary.failed)"' "$WORK/b.json"
dl -s "$D" run --scenario html-partial --profile rfc7672 --json >"$WORK/c.json" 2>/dev/null
H="$OUT/report.html"
dl -s "$CATALOGUE" -s "$D" report merge "$WORK/a.json" "$WORK/b.json" "$WORK/c.json" --html "$H" \
    >"$WORK/m.txt" 2>&1
rc=$?
if [ "$rc" = 1 ]; then ok "merge --html: exit 1 (two failed)"; else not_ok "merge --html: exit 1 (two failed)" "exit $rc: $(cat "$WORK/m.txt")"; fi
check "the page is well-formed XML" xmllint --noout "$H"
check "... and HTML that libxml2's HTML parser takes without error" xmllint --html --noout "$H"

# xpath over the XHTML namespace
xp() { xmllint --xpath "$1" "$H" 2>/dev/null; }
row() { printf "//*[local-name()='tr'][contains(@class,'row')][.//*[local-name()='a'][.='%s']]" "$1"; }
cellc() { xp "string($(row "$1")/*[local-name()='td'][$2]/@class)"; }
check_output "one row per scenario, in the report's order" \
    '^good html-partial html-retry-wrong html-wrong smtp-no-starttls timeline-fault-fixed $' \
    sh -c "xmllint --xpath \"//*[local-name()='tr'][contains(@class,'row')]/*[local-name()='td'][2]/*[local-name()='a']/text()\" '$H' | tr '\\n' ' '"
check_output "header: DNS check, then the profiles" '^#scenarioDNS checkrfc7672exchange-onlinesecondschain of trust$' \
    xp "string(//*[local-name()='table'][@class='matrix']/*[local-name()='tr'][1])"
check_output "summary: 4 passed, 2 failed, merged from 3 reports" '4 passed.*2 failed.*6 scenarios.*merged from 3 reports' \
    xp "string(//*[local-name()='p'][@class='summary'])"
check_output "good: green in every column" '^cell pass cell pass cell pass$' \
    sh -c "echo \$(for c in 3 4 5; do xmllint --xpath \"string($(row good)/*[local-name()='td'][\$c]/@class)\" '$H'; echo; done)"
check_output "html-wrong: DNS red, rfc7672 green, exchange-online red" '^cell fail cell pass cell fail$' \
    sh -c "echo \$(for c in 3 4 5; do xmllint --xpath \"string($(row html-wrong)/*[local-name()='td'][\$c]/@class)\" '$H'; echo; done)"
check_output "... the red exchange-online cell shows the observed outcome and the mismatch" \
    '^delivered 2\.0\.0.*expected deferred 4\.7\.323, observed delivered 2\.0\.0$' \
    xp "string($(row html-wrong)/*[local-name()='td'][5])"
check_output "... its title has expected vs observed" '^expected deferred 4\.7\.323 \(tlsa-invalid\)$' \
    sh -c "xmllint --xpath \"string($(row html-wrong)/*[local-name()='td'][5]/@title)\" '$H' | head -1"
check_output "... the red DNS cell: the verdict and what differs" '^secure.*expected insecure, observed secure' \
    xp "string($(row html-wrong)/*[local-name()='td'][3])"
check_output "html-partial: exchange-online grey, not checked" '^cell none$' cellc html-partial 5
check_output "... and says so" '^not checked$' xp "string($(row html-partial)/*[local-name()='td'][5])"
check_output "html-retry-wrong: the retry mismatch in the red rfc7672 cell" \
    'retry: 3 attempts, then delivered 2\.0\.0.*retry: expected 4 attempts, observed 3' \
    xp "string($(row html-retry-wrong)/*[local-name()='td'][4])"
check_output "smtp-no-starttls: observed deferred 4.7.321" '^deferred 4\.7\.321' \
    xp "string($(row smtp-no-starttls)/*[local-name()='td'][4])"

# anchors: every in-page link has its target, each scenario has its section
xp "//*[local-name()='a']/@href" | sed -n 's/^ *href="#\(.*\)"$/\1/p' | sort -u >"$WORK/hrefs"
xp "//@id" | sed -n 's/^ *id="\(.*\)"$/\1/p' | sort -u >"$WORK/ids"
check_output "every #link has its anchor" '^$' comm -23 "$WORK/hrefs" "$WORK/ids"
check_output "each row links to its scenario's section" '^6$' \
    xp "count(//*[local-name()='tr'][contains(@class,'row')]//*[local-name()='a'][starts-with(@href,'#s-')])"
check_output "timeline-fault-fixed's section: two retry tables, 3 and 4 attempts" '^7$' \
    xp "count(//*[@id='s-timeline-fault-fixed']//*[local-name()='table'][@class='timeline']/*[local-name()='tr'][position()>1])"
check_output "... rfc7672's 3rd at +1h30m, delivered" '^3\+1h30mdelivered2\.0\.0' \
    xp "string((//*[@id='s-timeline-fault-fixed']//*[local-name()='table'][@class='timeline'])[1]/*[local-name()='tr'][4])"
check_output "a failed scenario's section names the SMTP log and danelab explain" \
    "SMTP sessions: $RUN/log/fakesmtp\\.jsonl \\(listener \\*\\.html-wrong\\.test\\).*danelab explain html-wrong" \
    xp "string(//*[@id='s-html-wrong']//*[local-name()='p'][@class='trace'])"
check_output "a passed one has no trace" '^0$' xp "count(//*[@id='s-good']//*[@class='trace'])"

# chain of trust: linked relative to the page, the files exist
xp "$(row html-wrong)//*[local-name()='a'][.='graph']/@href" | sed -n 's/^ *href="\(.*\)"$/\1/p' >"$WORK/g"
if command -v dot >/dev/null 2>&1; then ext=svg; else ext=dot; fi
check_output "the chain-of-trust link is relative to the page's directory" "^\\.\\./run/graphs/html-wrong\\.$ext\$" cat "$WORK/g"
check "... and names a file there" test -s "$OUT/$(cat "$WORK/g")"
check "every scenario's picture exists" sh -c "for s in good html-partial html-retry-wrong html-wrong smtp-no-starttls timeline-fault-fixed; do test -s '$RUN/graphs/'\$s.$ext || exit 1; done"
if [ "$ext" = svg ]; then
    check "... an SVG" xmllint --noout "$RUN/graphs/html-wrong.svg"
else
    skip "Graphviz dot not installed: the pictures are .dot files, no SVG to check"
fi
check_output "--html -: the page on stdout, pictures by file:// URL" "href=\"file://$RUN/graphs/good\\.$ext\"" \
    dl report merge "$WORK/a.json" --html -
check_status "--html without a file: exit 2" 2 dl report merge "$WORK/a.json" --html
check_status "--html - with --json -: exit 2" 2 dl report merge "$WORK/a.json" --html - --json -
check_status "--html into a missing directory: exit 2" 2 dl report merge "$WORK/a.json" --html "$WORK/nodir/x.html"

# rendered by a browser: a 1280x2000 PNG with the three cell colours
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ]; then
    skip "chromium is not installed (scripts/install-deps installs it)"
else
    # Chromium wants a writable home for its profile; --no-sandbox: run as root
    HOME="$WORK" timeout 60 "$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$WORK/chromium" --screenshot="$WORK/shot.png" --window-size=1280,2000 \
        "file://$H" >"$WORK/chromium.log" 2>&1
    cat >"$WORK/png.py" <<'PY'
# PNG check with the standard library: size, and the colours of the first
# rows (the matrix): print "WxH distinct green red grey".
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
for y in range(min(h, 900)):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 4))
    prev = line
has = lambda rgb: "yes" if bytes(rgb) in colours else "no"
print("%dx%d %d %s %s %s" % (w, h, len(colours), has((0xc9, 0xee, 0xc9)),
                             has((0xf6, 0xb8, 0xb8)), has((0xe2, 0xe2, 0xe2))))
PY
    check "chromium rendered the page" test -s "$WORK/shot.png"
    check_output "a 1280x2000 PNG, many colours, green, red and grey cells" '^1280x2000 [0-9]{3,} yes yes yes$' \
        python3 "$WORK/png.py" "$WORK/shot.png"
    [ -n "${DANELAB_KEEP_SHOT:-}" ] && cp "$WORK/shot.png" "$DANELAB_KEEP_SHOT"
fi
finish
