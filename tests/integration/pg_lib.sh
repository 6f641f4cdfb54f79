# pg_lib.sh - a throwaway PostgreSQL 15 for tests.  Source after lib.sh.
#
#   pg_check              0 when PostgreSQL can be started here, else prints why
#   pg_start              initdb + pg_ctl start on a free loopback port; sets PGPORT, PGDIR
#   pg_createdb NAME      creates a database; prints its URL
#   pg_restart_stop       stops the server (fast), keeping its data
#   pg_restart_start      starts it again on the same port
#   pg_stop               stops it and removes its data
#
# As root the server runs as the postgres user (initdb refuses root);
# otherwise as the current user.  PGBIN overrides the binaries' directory.
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGDIR=
PGPORT=

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_check() {
	if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
		echo "PostgreSQL 15 is not installed ($PGBIN/initdb missing; make deps installs postgresql)"
		return 1
	fi
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "running as root but there is no postgres user to run the server as"
		return 1
	fi
	return 0
}

_pg_ctl_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 20 \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c max_connections=200" \
		start >/dev/null 2>&1
}

pg_start() {
	PGDIR=$(mktemp -d) || return 1
	chmod 755 "$PGDIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
	as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 -N \
		>"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log"; return 1; }
	_pg_base=$((20000 + $$ % 20000))
	for _pg_try in 0 1 2 3 4 5 6 7; do
		PGPORT=$((_pg_base + _pg_try * 97))
		_pg_ctl_start && return 0
	done
	tail -n 5 "$PGDIR/server.log"
	return 1
}

pg_createdb() {
	_pg_psql=$PGBIN/psql
	[ -x "$_pg_psql" ] || _pg_psql=psql
	"$_pg_psql" -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
		-c "CREATE DATABASE $1" >"$PGDIR/psql.log" 2>&1 || { cat "$PGDIR/psql.log" >&2; return 1; }
	echo "postgresql://postgres@127.0.0.1:$PGPORT/$1"
}

pg_restart_stop() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1
}

pg_restart_start() {
	_pg_ctl_start
}

pg_stop() {
	[ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ] &&
		as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
	[ -n "$PGDIR" ] && rm -rf "$PGDIR"
	PGDIR=
}
