#!/bin/sh
# SARIF 2.1.0 output checked by the validator script (the official schema
# shipped with Microsoft's SARIF multitool, plus GitHub's ingestion rules):
# the CLI's report with built-in and fixture rules, with and without findings.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../cases/fixtures

check() { # name, sarif file
	if out=$(sh "$here/sarif_validate.sh" "$2" 2>&1); then
		pass "$1"
	else
		fail "$1" "$out"
	fi
}

expect_exit sarif/fixtures 1 "$FORGEBOT" review --no-builtin-rules --rules "$fixtures/rules" \
	--format sarif "$fixtures/src" && { cp "$TMP/out" "$TMP/fixtures.sarif"; check sarif/fixtures-valid "$TMP/fixtures.sarif"; }

# Built-in rules over every language's invalid test snippets: many rules, fixes, columns.
mkdir -p "$TMP/src"
printf '#include <string.h>\nvoid f(char *d, const char *s) { strcpy(d, s); char *p = malloc(4); p[0] = 0; }\n' >"$TMP/src/a.c"
printf 'import pickle\ndef f(x=[]):\n    try:\n        return pickle.loads(x)\n    except:\n        eval(x)\n' >"$TMP/src/b.py"
printf 'el.innerHTML = "<b>" + name;\nconst t = Math.random().toString(36); const token = t;\n' >"$TMP/src/c.js"
cd "$TMP" || exit 1
expect_exit sarif/builtin 0 "$FORGEBOT" review --fail-on never --format sarif src &&
	{ cp "$TMP/out" "$TMP/builtin.sarif"; check sarif/builtin-valid "$TMP/builtin.sarif"; }
if [ -f "$TMP/builtin.sarif" ] && grep -q '"ruleId"' "$TMP/builtin.sarif"; then
	pass sarif/builtin-has-results
else
	fail sarif/builtin-has-results "no results in the built-in report"
fi

mkdir -p "$TMP/empty"
printf 'int main(void) { return 0; }\n' >"$TMP/empty/ok.c"
expect_exit sarif/empty 0 "$FORGEBOT" review --format sarif "$TMP/empty" &&
	{ cp "$TMP/out" "$TMP/empty.sarif"; check sarif/empty-valid "$TMP/empty.sarif"; }

# The validator itself must reject a broken log, or the checks above prove nothing.
printf '{"version":"2.1.0","runs":[{"results":[{"level":"bogus"}]}]}\n' >"$TMP/broken.sarif"
if sh "$here/sarif_validate.sh" "$TMP/broken.sarif" >/dev/null 2>&1; then
	fail sarif/validator-rejects-broken "a broken log passed validation"
else
	pass sarif/validator-rejects-broken
fi
finish
