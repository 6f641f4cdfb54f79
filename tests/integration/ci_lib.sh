# ci_lib.sh - a real repository holding a real change, for the `forgebot ci`
# tests: an "origin" bare repository with main (the base) and feature (the
# pull request's head), served by file:// so that a shallow clone has to be
# deepened exactly as a CI checkout does.  Source after lib.sh.
#
#   ci_make_origin             creates $ORIGIN; sets BASE_SHA HEAD_SHA
#   ci_push_fix                a new head on feature that removes the strcpy; sets HEAD_SHA
#   ci_checkout DIR            a depth-1 clone of feature, as actions/checkout makes
#   ci_diff                    prints git diff BASE...HEAD (what the forge shows)
#   ci_json EXPR               evaluate a Python expression over the request log in $TMP/req.json
#                              (variables: reqs = the list, w = writes, find(method, path_regex))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CI_RULES=$ROOT/tests/cases/fixtures/rules
ORIGIN=$TMP/origin.git
PY=/usr/bin/python3

cg() { git -C "$1" -c user.name=dev -c user.email=dev@example.invalid "$@"; }
_cg() { d=$1; shift; git -C "$d" -c user.name=dev -c user.email=dev@example.invalid "$@"; }

ci_make_origin() {
	git init -q --bare -b main "$ORIGIN"
	git -C "$ORIGIN" config uploadpack.allowAnySHA1InWant true
	src=$TMP/src
	git clone -q "$ORIGIN" "$src" 2>/dev/null
	mkdir -p "$src/src"
	cat >"$src/src/app.c" <<'C'
#include <stdlib.h>
#include <string.h>

void greet(char *out, const char *name)
{
	strcpy(out, name);
}
C
	# History before the branch point, so a depth-1 clone must deepen.
	for i in 1 2 3; do
		echo "note $i" >>"$src/NOTES"
		_cg "$src" add -A && _cg "$src" commit -qm "base $i"
	done
	_cg "$src" push -q origin HEAD:refs/heads/main
	BASE_SHA=$(git -C "$src" rev-parse HEAD)
	_cg "$src" checkout -qb feature
	cat >"$src/src/app.c" <<'C'
#include <stdlib.h>
#include <string.h>

void greet(char *out, const char *name)
{
	strcpy(out, name);
}

void copy_title(char *dst, const char *title)
{
	strcpy(dst, title);
}

int run(const char *cmd)
{
	return system(cmd);
}
C
	printf 'def calc(expr):\n    return eval(expr)\n' >"$src/src/calc.py"
	_cg "$src" add -A && _cg "$src" commit -qm "feature: titles, commands, calc"
	echo "more" >>"$src/NOTES"
	_cg "$src" add -A && _cg "$src" commit -qm "feature: notes"
	_cg "$src" push -q origin feature
	HEAD_SHA=$(git -C "$src" rev-parse HEAD)
	# main moves on after the branch point, as it does in real life.
	_cg "$src" checkout -q main
	echo "main moves" >"$src/MAIN"
	_cg "$src" add -A && _cg "$src" commit -qm "main: unrelated"
	_cg "$src" push -q origin main
	_cg "$src" checkout -q feature
}

ci_push_fix() {
	src=$TMP/src
	$PY - "$src/src/app.c" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("\tstrcpy(dst, title);\n", "\tdst[0] = title[0];\n")
open(p, "w").write(s)
EOF
	_cg "$src" add -A && _cg "$src" commit -qm "fix the unbounded copy"
	_cg "$src" push -q origin feature
	HEAD_SHA=$(git -C "$src" rev-parse HEAD)
}

ci_checkout() {
	rm -rf "$1"
	git clone -q --depth 1 --branch feature "file://$ORIGIN" "$1" 2>/dev/null
}

ci_diff() {
	git -C "$TMP/src" diff "$BASE_SHA...$HEAD_SHA"
}

ci_json() {
	$PY - "$TMP/req.json" "$1" <<'EOF'
import json, re, sys
reqs = json.load(open(sys.argv[1]))
w = [r for r in reqs if r["method"] != "GET"]
def find(method, rx):
    return [r for r in reqs if r["method"] == method and re.search(rx, r["path"])]
print(eval(sys.argv[2]))
EOF
}

# check NAME EXPR WANT: the request-log expression must print WANT.
check() {
	got=$(ci_json "$2" 2>&1)
	if [ "$got" = "$3" ]; then pass "$1"; else fail "$1" "got '$got', want '$3'"; fi
}

# no_secret NAME SECRET FILE...: the secret appears in none of the files.
no_secret() {
	n=$1
	s=$2
	shift 2
	if grep -l -F -- "$s" "$@" >/dev/null 2>&1; then
		fail "$n" "the secret appears in $(grep -l -F -- "$s" "$@" | head -1)"
	else
		pass "$n"
	fi
}
