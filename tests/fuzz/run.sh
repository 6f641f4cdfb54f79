#!/bin/sh
# Build every libFuzzer target (tests/fuzz/fuzz_*.c) and run each one.
#
# `make fuzz-build` compiles them with clang into build/fuzz/.  Each target
# fuzz_NAME then runs, all in parallel, for FUZZ_SECONDS (default 60) on a
# writable copy of its seed corpus: tests/fuzz/corpus/NAME/ is copied into
# build/fuzz/corpus/NAME/, where new inputs accumulate from run to run (the
# repository's seeds are never written).  tests/fuzz/NAME.dict, if present,
# is passed as a libFuzzer dictionary.  A crash, leak, sanitizer report or
# timeout leaves its input in build/fuzz/artifacts/NAME/ and the log in
# build/fuzz/NAME.log.  The last line is `N passed, N failed`; the exit
# status is non-zero if any target failed.
#
#   FUZZ_SECONDS=600 sh tests/fuzz/run.sh
#   build/fuzz/fuzz_rules build/fuzz/artifacts/rules/crash-...   # reproduce
set -u
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
out=build/fuzz
asan=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

make --no-print-directory fuzz-build || exit 1

names=
for src in tests/fuzz/fuzz_*.c; do
	name=${src#tests/fuzz/fuzz_}
	name=${name%.c}
	names="$names $name"
	corpus=$out/corpus/$name
	artifacts=$out/artifacts/$name
	mkdir -p "$corpus" "$artifacts"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$corpus/"
	fi
	dict=
	if [ -f "tests/fuzz/$name.dict" ]; then
		dict=-dict=tests/fuzz/$name.dict
	fi
	# libtree-sitter has no frame pointers: slow unwinding gives leak reports
	# the whole stack lsan.supp needs; it costs little next to query compiling.
	opts=$asan
	if [ "$name" = rules ]; then
		opts=$asan:fast_unwind_on_malloc=0
	fi
	echo "== fuzz_$name: ${seconds}s, corpus $corpus"
	ASAN_OPTIONS=$opts "$out/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
		-timeout=25 -print_final_stats=1 -artifact_prefix="$artifacts/" $dict \
		"$corpus" >"$out/$name.log" 2>&1 &
	echo $! >"$out/$name.pid"
done

pass=0
fail=0
for name in $names; do
	log=$out/$name.log
	wait "$(cat "$out/$name.pid")"
	status=$?
	rm -f "$out/$name.pid"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1 \2/p')
	if [ "$status" -eq 0 ]; then
		echo "PASS fuzz_$name: ${execs:-?} executions, ${cov:-no coverage line}"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz_$name: exited $status (log $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5
		grep -E 'Test unit written to' "$log" | sed 's/.*Test unit written to /  artifact: /'
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
