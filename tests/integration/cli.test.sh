#!/bin/sh
# CLI golden tests: every directory under tests/cases/cli/ is one case.
#   cmd         the arguments after `forgebot` (shell words; run in the case dir)
#   exit        the expected exit code
#   stdout      expected standard output, exactly (optional)
#   stderr      expected standard error, exactly (optional)
#   stdin       fed to the command (optional)
# Set FORGEBOT_UPDATE_GOLDEN=1 to rewrite stdout/stderr from the current binary.
. "$(dirname "$0")/lib.sh"
cases=$(cd "$(dirname "$0")/../cases/cli" && pwd)
for dir in "$cases"/*/; do
	name=cli/$(basename "$dir")
	want_exit=$(cat "$dir/exit")
	input=/dev/null
	[ -f "$dir/stdin" ] && input="$dir/stdin"
	# The case's cmd file is shell words written by us; eval splits them.
	# forgebot-ignore: bash.eval-variable trusted test data from this repository
	(cd "$dir" && eval "\"\$FORGEBOT\" $(cat "$dir/cmd")") <"$input" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "${FORGEBOT_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$TMP/out" "$dir/stdout"
		[ -s "$TMP/err" ] && cp "$TMP/err" "$dir/stderr" || rm -f "$dir/stderr"
		echo "$got" >"$dir/exit"
		pass "$name (updated)"
		continue
	fi
	if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP/err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$TMP/err")"
	elif [ "$got" -ne "$want_exit" ]; then
		fail "$name" "exit $got, want $want_exit; stderr: $(head -c 400 "$TMP/err")"
	elif [ -f "$dir/stdout" ] && ! cmp -s "$dir/stdout" "$TMP/out"; then
		fail "$name" "stdout differs: $(diff "$dir/stdout" "$TMP/out" | head -n 8)"
	elif [ -f "$dir/stderr" ] && ! cmp -s "$dir/stderr" "$TMP/err"; then
		fail "$name" "stderr differs: $(diff "$dir/stderr" "$TMP/err" | head -n 8)"
	else
		pass "$name"
	fi
done
finish
