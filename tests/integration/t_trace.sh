# danelab trace: docs/rfc-trace.md is what `danelab trace` makes of the
# clause list (lab/rfc/clauses.txt) and the catalogue, byte for byte; every
# testable clause has a scenario and every `clauses:` ID exists (else trace
# exits 1 and says which, and lint names the file and line).
. "$(dirname "$0")/lib.sh"
TRACE="$SRC_DIR/docs/rfc-trace.md"
CAT="$WORK/cat"

"$DANELAB" trace -o "$WORK/trace.md" 2>"$WORK/trace.err"
st=$?
if [ "$st" -eq 0 ]; then
    ok "trace of the catalogue: every testable clause has a scenario, every ID exists"
else
    not_ok "trace of the catalogue: every testable clause has a scenario, every ID exists" \
        "exit $st: $(cat "$WORK/trace.err")"
fi
if cmp -s "$WORK/trace.md" "$TRACE"; then
    ok "docs/rfc-trace.md is up to date (make trace)"
else
    not_ok "docs/rfc-trace.md is up to date (make trace)" "$(diff "$TRACE" "$WORK/trace.md" | head -20)"
fi
check_output "the table has a row per clause and a summary" \
    '^\| all \| [0-9]+ \|' cat "$WORK/trace.md"

# A clause marked todo (no scenario yet) is listed, not a failure.
LIST=$(dirname "$(dirname "$DANELAB")")/lab/rfc/clauses.txt
[ -f "$LIST" ] || LIST="$SRC_DIR/lab/rfc/clauses.txt"
{ cat "$LIST"; echo '7672-9.9-a | 7672 9.9 | MUST | todo | "q" | a scenario yet to come'; } >"$WORK/todo.txt"
check_status "a todo clause without a scenario: trace exits 0" 0 \
    "$DANELAB" trace --clauses "$WORK/todo.txt" -o "$WORK/todo.md"
check_output "... and lists it as to do" '^- 7672-9\.9-a \(RFC 7672 9\.9, MUST, needs todo\): "q" -- a scenario yet to come' \
    sed -n '/^## Clauses to do/,/^## /p' "$WORK/todo.md"

check_output "every scenario of the catalogue names its clauses" '^None\.$' \
    sed -n '/^## Scenarios that name no clause/,$p' "$WORK/trace.md"

# A copy of the catalogue, broken two ways.
mkdir -p "$CAT"
cp "$CATALOGUE"/*.yaml "$CAT"/
only=mx-insecure-provider-tlsa # the only scenario naming 7672-2.2.1-a
grep -v '7672-2.2.1-a' "$CATALOGUE/$only.yaml" >"$CAT/$only.yaml"
check_output "... a scenario without clauses: is listed" '^good$' \
    sh -c "grep -v '^clauses:\$\|^  - [0-9]' '$CATALOGUE/good.yaml' >'$CAT/good.yaml' &&
           '$DANELAB' -s '$CAT' trace 2>/dev/null | sed -n '/^## Scenarios that name no clause/,\$p' | sed -n 3p;
           cp '$CATALOGUE/good.yaml' '$CAT/good.yaml'"
check_status "a clause no scenario names: trace exits 1" 1 \
    "$DANELAB" -s "$CAT" trace -o "$WORK/t1.md"
check_output "... and names the clause and its line in the list" \
    'clauses\.txt:[0-9]+: clause 7672-2\.2\.1-a \(MAY\) has no scenario' \
    "$DANELAB" -s "$CAT" trace -o "$WORK/t1.md"
check_output "... which the table lists as uncovered" '^- 7672-2\.2\.1-a \(RFC 7672 2\.2\.1' \
    sed -n '/^## Uncovered clauses/,/^## /p' "$WORK/t1.md"

cp "$CATALOGUE/$only.yaml" "$CAT/$only.yaml"
sed 's/^  - 7672-2\.2-c conforming$/  - 7672-2.2-c conforming\n  - 7672-9.9-z violating/' \
    "$CATALOGUE/good.yaml" >"$CAT/good.yaml"
line=$(grep -n '7672-9.9-z' "$CAT/good.yaml" | cut -d: -f1)
check_status "an unknown clause ID: trace exits 1" 1 "$DANELAB" -s "$CAT" trace -o "$WORK/t2.md"
check_output "... and names the scenario file and line" \
    "good\.yaml:$line: clauses: unknown clause '7672-9\.9-z' \(not in .*clauses\.txt\)" \
    "$DANELAB" -s "$CAT" trace -o "$WORK/t2.md"
check_status "lint rejects the unknown ID (exit 2)" 2 "$DANELAB" lint "$CAT/good.yaml"
check_output "... with FILE:LINE" "good\.yaml:$line: clauses: unknown clause '7672-9\.9-z'" \
    "$DANELAB" lint "$CAT/good.yaml"

# The clause list itself is checked.
printf '7672-2.2-b | 7672 2.2 | MUST | both\n' >"$WORK/bad.txt"
check_status "a broken clause list is an error (exit 2)" 2 \
    "$DANELAB" trace --clauses "$WORK/bad.txt"
check_output "... naming its line" 'bad\.txt:1: expected ID \| RFC SECTION' \
    "$DANELAB" trace --clauses "$WORK/bad.txt"

check_output "list --json shows a scenario's clauses with their sides" \
    '^7672-2\.2\.1-a conforming$' \
    sh -c "\"$DANELAB\" list --json | jq -r '.[] | select(.name == \"$only\") | .clauses[] | \"\\(.id) \\(.side)\"'"
check_output "trace --help" '^usage: danelab .*trace \[--clauses FILE\] \[-o FILE\]' "$DANELAB" trace --help
finish
