# Shared helpers for the black-box tests: run the real binary, compare
# with expectations, count.  Source it; call `finish` at the end.
: "${FORGEBOT:?set FORGEBOT to the binary under test}"
PASSED=0
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }

# expect NAME WANT_EXIT CMD...: run CMD, capture stdout/stderr in $TMP/out, $TMP/err.
expect_exit() {
	name=$1
	want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$name" "exit $got, want $want; stderr: $(head -c 600 "$TMP/err")"
		return 1
	fi
	if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP/err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$TMP/err")"
		return 1
	fi
	return 0
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
