#!/bin/sh
# Diff-aware review against real git repositories made on the spot:
# --base (merge base with the head), --head, the working tree, filter modes,
# --new-only across moved and re-indented code, renames, and the errors a
# user meets (missing revision, not a repository).
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
rules=$here/../cases/fixtures/rules
R="--no-builtin-rules --rules $rules --format json --fail-on never"
repo=$TMP/repo
g() { git -C "$repo" -c user.name=t -c user.email=t@example.invalid "$@"; }
count() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.findings.length+" "+j.findings.map(f=>f.path+":"+f.start.line).join(","))})' <"$TMP/out"; }

git init -q -b main "$repo"
mkdir -p "$repo/src"
cat >"$repo/src/old.c" <<'C'
#include <string.h>
void legacy(char *d, const char *s)
{
	strcpy(d, s);
}
C
printf 'def ok():\n    return 1\n' >"$repo/src/calc.py"
g add -A && g commit -qm base

# A feature branch: one new finding, the old one moved and re-indented.
g checkout -qb feature
cat >"$repo/src/old.c" <<'C'
#include <string.h>

/* moved below a new helper */
static int helper(void) { return 0; }

void legacy(char *d, const char *s)
{
    if (helper() == 0)
        strcpy(d, s);
}
C
printf 'def ok():\n    return 1\n\ndef bad(x):\n    return eval(x)\n' >"$repo/src/calc.py"
g add -A && g commit -qm feature

# main moves on after the fork: the review must not see this change.
g checkout -q main
printf 'def main_only(x):\n    return eval(x)\n' >"$repo/src/main_only.py"
g add -A && g commit -qm "main moves on"
g checkout -q feature

expect_exit git/base-merge-base 0 "$FORGEBOT" review --repo "$repo" --base main --head feature $R &&
	{ got=$(count); [ "$got" = "2 src/calc.py:5,src/old.c:9" ] && pass git/base-merge-base ||
		fail git/base-merge-base "got $got"; }

expect_exit git/new-only 0 "$FORGEBOT" review --repo "$repo" --base main --head feature --new-only $R &&
	{ got=$(count); [ "$got" = "1 src/calc.py:5" ] && pass git/new-only ||
		fail git/new-only "moved strcpy should be known at the base; got $got"; }

# The working tree: uncommitted edits on top of the head.
printf '\nx = eval("1")\n' >>"$repo/src/calc.py"
expect_exit git/working-tree 0 "$FORGEBOT" review --repo "$repo" --base HEAD $R &&
	{ got=$(count); [ "$got" = "1 src/calc.py:7" ] && pass git/working-tree ||
		fail git/working-tree "got $got"; }
expect_exit git/filter-file 0 "$FORGEBOT" review --repo "$repo" --base HEAD --filter-mode file $R &&
	{ got=$(count); [ "$got" = "2 src/calc.py:5,src/calc.py:7" ] && pass git/filter-file ||
		fail git/filter-file "got $got"; }
g checkout -q -- src/calc.py

# A renamed file keeps its findings' identity for --new-only.
g mv src/old.c src/renamed.c && g commit -qm rename
expect_exit git/rename-new-only 0 "$FORGEBOT" review --repo "$repo" --base HEAD~1 --head HEAD --new-only --filter-mode file $R &&
	{ got=$(count); [ "$got" = "0 " ] && pass git/rename-new-only ||
		fail git/rename-new-only "got $got"; }

# Running from inside the repository with PATH arguments restricts the review.
(cd "$repo" && "$FORGEBOT" review --base main --head feature src/renamed.c $R) >"$TMP/out" 2>"$TMP/err" &&
	{ got=$(count); [ "$got" = "1 src/renamed.c:9" ] && pass git/path-restrict ||
		fail git/path-restrict "got $got"; } || fail git/path-restrict "exit $?: $(cat "$TMP/err")"

# From a subdirectory: PATHs are relative to it, files are read from the top.
(cd "$repo/src" && "$FORGEBOT" review --base main --head feature renamed.c $R) >"$TMP/out" 2>"$TMP/err" &&
	{ got=$(count); [ "$got" = "1 src/renamed.c:9" ] && pass git/subdir-path ||
		fail git/subdir-path "got $got"; } || fail git/subdir-path "exit $?: $(cat "$TMP/err")"
printf '\ny = eval("2")\n' >>"$repo/src/calc.py"
(cd "$repo/src" && "$FORGEBOT" review --base HEAD $R) >"$TMP/out" 2>"$TMP/err" &&
	{ got=$(count); [ "$got" = "1 src/calc.py:7" ] && pass git/subdir-working-tree ||
		fail git/subdir-working-tree "got $got"; } || fail git/subdir-working-tree "exit $?: $(cat "$TMP/err")"
g checkout -q -- src/calc.py

# Errors a user meets: one line, exit 2.
if expect_exit git/missing-revision 2 "$FORGEBOT" review --repo "$repo" --base no-such-branch $R; then
	grep -q "revision 'no-such-branch' not found" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
		pass git/missing-revision || fail git/missing-revision "stderr: $(cat "$TMP/err")"
fi
mkdir -p "$TMP/plain"
if expect_exit git/not-a-repository 2 "$FORGEBOT" review --repo "$TMP/plain" --base main $R; then
	grep -q "is not inside a git repository" "$TMP/err" && pass git/not-a-repository ||
		fail git/not-a-repository "stderr: $(cat "$TMP/err")"
fi
finish
