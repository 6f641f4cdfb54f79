#!/bin/sh
# Crash test: thousands of signed deliveries while `forgebot serve` is killed
# with SIGKILL at random moments and restarted (crash_storm.py); every
# delivery that got a 2xx must be stored, and its job must complete exactly
# once.  On SQLite, then on PostgreSQL.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/integration/pg_lib.sh"
trap 'pg_stop; rm -rf "$TMP"' EXIT
PY=/usr/bin/python3
COUNT=${CRASH_DELIVERIES:-3000}
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_storm() { # NAME DB
	$PY "$ROOT/tests/integration/crash_storm.py" --forgebot "$FORGEBOT" --db "$2" \
		--psql "$PGBIN/psql" --port "$(free_port)" --count "$COUNT" --kills 8 \
		--log "$TMP/$1.log" --name "$1" >"$TMP/$1.out" 2>&1
	grep -E '^(PASS|FAIL|note)' "$TMP/$1.out"
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$TMP/$1.out")
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$TMP/$1.out")
	if [ -z "$p" ]; then
		fail "$1" "the storm driver failed: $(tail -5 "$TMP/$1.out")"
		return
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
}

run_storm sqlite "$TMP/storm.db"
if why=$(pg_check) && pg_start && url=$(pg_createdb storm); then
	run_storm postgres "$url"
else
	fail postgres "${why:-PostgreSQL did not start}"
fi
finish
