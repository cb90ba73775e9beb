# ci-sanitizers: skip (reads the sources and compiles one object; runs no program of the project)
# The architecture holds (docs/ARCHITECTURE.md): the include graph goes
# down the layers the Makefile declares, without cycles between folders or
# modules; an upward include does not even compile. Each rule is also shown
# to fail on a copy of the tree with the rule broken.
. "$(dirname "$0")/lib.sh"

# the objects of the build DANELAB belongs to (build/ for bin/danelab)
case $DANELAB in
"$SRC_DIR/bin/danelab") obj_dir=build ;;
*) obj_dir=$(basename "$(dirname "$(dirname "$DANELAB")")") ;;
esac
check_output "the tree follows its layers, without include or call cycles" \
    "[1-9][0-9]* calls between modules, 0 problems$" env OBJ_DIR="$obj_dir" "$SRC_DIR/tests/layering"
if [ -d "$SRC_DIR/$obj_dir/lab" ]; then
    check_output "no external function that only its own file uses (tests/unused-externs)" \
        "^unused-externs: 0 functions$" env OBJ_DIR="$obj_dir" "$SRC_DIR/tests/unused-externs"
else
    not_ok "no external function that only its own file uses" "no objects in $SRC_DIR/$obj_dir"
fi

# A copy of the sources to break.
copy="$WORK/tree"
mkdir -p "$copy/tests"
(cd "$SRC_DIR" && cp -r Makefile common src zones certs fakesmtp "$copy/" &&
    mkdir -p "$copy/lab" && cp lab/*.[ch] "$copy/lab/" &&
    for d in lab/*/; do
        [ "$d" = lab/scenarios/ ] && continue
        mkdir -p "$copy/$d" && cp "$d"*.[ch] "$copy/$d" 2>/dev/null
    done
    cp tests/layering "$copy/tests/")

# upward: the scenario layer includes a header of the world above it
sed -i '1a #include "lab_up.h"' "$copy/lab/scenario/scen_select.c"
check_output "an upward include is reported with file:line" \
    "^lab/scenario/scen_select.c:2: includes lab_up.h of lab/world/, which lab/scenario/ may not use" \
    "$copy/tests/layering" "$copy"
check_status "... and fails the check" 1 "$copy/tests/layering" "$copy"
check_output "... and does not compile" "lab_up.h: No such file" \
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$copy" -s SANITIZE=0 build/lab/scenario/scen_select.o
sed -i '2d' "$copy/lab/scenario/scen_select.c"
check_status "the copy passes again once it is undone" 0 "$copy/tests/layering" "$copy"

# a module cycle inside one folder: scen_yaml includes scen_select, which
# includes scen (which includes scen_yaml)
sed -i '1a #include "scen_select.h"' "$copy/lab/scenario/scen_yaml.c"
sed -i '1a #include "scen_yaml.h"' "$copy/lab/scenario/scen_select.c"
check_output "a cycle between modules is reported with its members" \
    "lab/scenario/scen_(yaml|select)" "$copy/tests/layering" "$copy"
check_status "... and fails the check" 1 "$copy/tests/layering" "$copy"
finish
