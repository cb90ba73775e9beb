# The README's walkthrough "Reproducing a customer's domain", run as
# written: the fenced blocks after the marker comments (danelab capture and
# import, with --dig and --s-client, against the lab playing the customer;
# then the scenario written by hand) are read from README.md itself, so the
# two cannot drift. Each command runs from the source tree
# (bin/ is where $DANELAB is, the README's run directory is this test's)
# and must exit 0; each line "#   TEXT" under a command is output it must
# print ("..." stands for anything within the line).
. "$(dirname "$0")/lib.sh"

README="$SRC_DIR/README.md"
BIN=$(cd "$(dirname "$DANELAB")" && pwd)
block="$WORK/block"
OUTF="$WORK/out"

awk '/^<!-- t_user_scenario.sh runs the next block/ { m = 1; next }
     m == 1 && /^```sh$/ { m = 2; next }
     m == 2 && /^```$/ { m = 0; n++; next }
     m == 2 { print }
     END { print "# blocks: " n }' "$README" | sed "s|/tmp/customer-lab|$RUN|g" >"$block"
check_output "README: two marked blocks (capture and import; by hand)" '^# blocks: 2$' cat "$block"
check_output "README: the walkthrough block, with commands and their outputs" '^[1-9][0-9] [1-9][0-9]$' \
    sh -c "echo \$(grep -c '^#   ' '$block') \$(grep -c '^[^#]' '$block')"
check_output "README: the walkthrough uses the example file" '^F=docs/examples/customer-renewed-cert.yaml$' \
    cat "$block"

# expect TEXT: the last command printed a line holding TEXT ("..." = anything)
expect() {
    if awk -v want="$1" 'BEGIN { n = split(want, part, /\.\.\./) }
        {
            rest = $0; good = 1
            for (i = 1; i <= n; i++) {
                k = index(rest, part[i])
                if (k == 0) { good = 0; break }
                rest = substr(rest, k + length(part[i]))
            }
            if (good) { found = 1; exit }
        }
        END { exit !found }' "$OUTF"; then
        ok "  prints: $1"
    else
        not_ok "  prints: $1" "$(cat "$OUTF")"
    fi
}

cd "$SRC_DIR" || exit 1
: >"$OUTF"
while IFS= read -r line; do
    case $line in
    '#   '*) expect "${line#'#   '}" ;;
    '#'* | '') ;;
    *)
        cmd=$(printf '%s\n' "$line" | sed "s#\(^\| \)bin/#\1$BIN/#g")
        desc=$(printf '%s' "$line" | tr '#' '_' | cut -c1-110)
        eval "$cmd" >"$OUTF" 2>&1 </dev/null
        st=$?
        if [ "$st" -eq 0 ]; then ok "\$ $desc"; else not_ok "\$ $desc (exit $st)" "$(cat "$OUTF")"; fi
        ;;
    esac
done <"$block"
finish
