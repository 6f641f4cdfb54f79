#!/bin/sh
# Run every test suite against the sanitizer build and print one summary.
#
# Each suite prints `PASS name` / `FAIL name: why` lines and ends with its own
# `N passed, N failed` line; this script adds them up.  A suite that crashes
# or prints no summary counts as one failure.  The last line of the output is
# the total: `N passed, N failed`.
set -u
cd "$(dirname "$0")/.."
export FORGEBOT="${FORGEBOT:-$PWD/build/test/forgebot}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export FORGEBOT_TOOLS="$PWD/tests/tools/node_modules"

total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

suite() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$log" 2>&1
	status=$?
	cat "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name: exited $status without a summary"
		total_fail=$((total_fail + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited $status"
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

suite unit ./build/test/unit-tests
suite rule-cases "$FORGEBOT" rules test --strict
suite peers sh tests/peers/selftest.sh
for t in tests/integration/*.test.sh; do
	suite "$(basename "$t" .test.sh)" sh "$t"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
