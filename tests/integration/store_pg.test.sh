#!/bin/sh
# The storage conformance suite (tests/unit/test_store.c) against a real
# PostgreSQL 15: a throwaway server (initdb into a temporary directory,
# pg_ctl on a free loopback port with its socket in that directory, fsync
# off), one database, then `unit-tests store` with FORGEBOT_TEST_PG_URL set,
# so every check runs on SQLite and on PostgreSQL.  The output is the unit
# runner's PASS/FAIL lines and its `N passed, N failed` line; a server that
# cannot be started is one FAIL.
#
# UNIT_TESTS overrides the runner; pg_lib.sh starts the server.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${FORGEBOT:=$ROOT/build/test/forgebot}" # lib.sh wants it; this test runs no binary of ours
export FORGEBOT
. "$ROOT/tests/integration/lib.sh"
UNIT=${UNIT_TESTS:-$ROOT/build/test/unit-tests}
. "$ROOT/tests/integration/pg_lib.sh"
trap 'pg_stop; rm -rf "$TMP"' EXIT

if [ ! -x "$UNIT" ]; then
	fail store-pg "$UNIT is not built (make build/test/unit-tests)"
	finish
	exit 1
fi
if ! why=$(pg_check); then
	fail store-pg "$why"
	finish
	exit 1
fi
if ! pg_start; then
	fail store-pg "the PostgreSQL server did not start"
	finish
	exit 1
fi
if ! FORGEBOT_TEST_PG_URL=$(pg_createdb forgebot); then
	fail store-pg "cannot create the database"
	finish
	exit 1
fi
export FORGEBOT_TEST_PG_URL
"$UNIT" store >"$TMP/unit.out" 2>&1
status=$?
cat "$TMP/unit.out"
# A runner without the suite runs nothing and "passes": that is a failure here.
if grep -q '^0 passed, 0 failed' "$TMP/unit.out"; then
	fail store-pg "$UNIT ran no store tests (is X(store) in tests/unit/main.c?)"
	finish
	exit 1
fi
exit "$status"
