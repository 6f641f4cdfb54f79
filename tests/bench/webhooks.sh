#!/bin/sh
# make bench (webhooks): `forgebot serve` intake against a Node peer, under wrk.
#
# What is loaded: POST /webhooks/github with real pull_request payloads
# (@octokit/webhooks-examples: opened, reopened, synchronize,
# ready_for_review; about 22 KB each), spread over $POOL pull requests, each
# correctly signed (X-Hub-Signature-256, precomputed by webhooks_peer.mjs) and
# each with a fresh X-GitHub-Delivery (wrk_signed.lua), so forgebot's
# deduplication never short-cuts: every delivery is verified, parsed, routed
# and stored before it is acknowledged.
#
# Who answers:
#   forgebot/SQLite      ./forgebot serve --role web, a SQLite file in a temp
#                        dir (WAL, synchronous=FULL: the store's settings)
#   forgebot/PostgreSQL  the same against a throwaway PostgreSQL 15 started
#                        with its durable defaults (fsync=on,
#                        synchronous_commit=on) -- not pg_lib.sh's test start,
#                        which turns fsync off
#   peer                 @octokit/webhooks 14 verifyAndReceive on node:http
#                        (tests/bench/webhooks_peer.mjs): verify + parse,
#                        202, no storage at all
#
# Measured for each, in this order:
#   RSS after start  VmRSS 1 s after it listens
#   fixed rate       after a 3 s warm-up, $RATE deliveries/s for $RATE_SECONDS s
#                    (wrk -t2 -c64, open-loop pacing in wrk_signed.lua):
#                    p50/p99 acknowledgement latency
#   max throughput   wrk -t2 -c32 -d${SECONDS_MAX}s: deliveries/s, p50/p99,
#                    and the CPU the server used per delivery (for
#                    PostgreSQL, forgebot's plus the database's)
#   RSS after load   VmRSS 2 s after the load stopped
# Every answer must be 202 (wrk counts anything else, and the table shows
# it); forgebot's own count of stored deliveries is shown next to the number
# wrk saw acknowledged (stored may exceed it by the requests in flight when
# wrk stopped).
#
# wrk, the server and PostgreSQL share the machine's cores (2 on the
# reference machine), as they would on a 2-core host.  Before each server
# the script waits (up to QUIET_WAIT s) for other processes to leave the
# CPUs, and it reports what they used just before and during the
# max-throughput runs: figures taken on a busy machine are not comparable.
#
# Output: build/bench/webhooks.md and stdout.  About 2 minutes.
#   SECONDS_MAX=15 RATE=1000 RATE_SECONDS=15 POOL=2000 sh tests/bench/webhooks.sh
#   FORGEBOT=/path/to/forgebot sh tests/bench/webhooks.sh     (another build)
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
FORGEBOT=${FORGEBOT:-$ROOT/forgebot}
PEER=$ROOT/tests/bench/webhooks_peer.mjs
LUA=$ROOT/tests/bench/wrk_signed.lua
SECONDS_MAX=${SECONDS_MAX:-15}
RATE=${RATE:-1000}
RATE_SECONDS=${RATE_SECONDS:-15}
WARMUP=${WARMUP:-3}
POOL=${POOL:-2000}
QUIET_WAIT=${QUIET_WAIT:-20}
THREADS=2
OUT=$ROOT/build/bench
mkdir -p "$OUT"
TMP=$(mktemp -d)
SECRET=bench-secret-$$
SERVE_PID=
PEER_PID=

. "$ROOT/tests/integration/serve_lib.sh"
. "$ROOT/tests/integration/pg_lib.sh"

cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
	[ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null && wait "$PEER_PID" 2>/dev/null
	pg_stop 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh .ci/install-deps.sh wrk postgresql time curl >/dev/null
[ -x "$FORGEBOT" ] || { echo "bench: ./forgebot missing; run 'make forgebot'" >&2; exit 1; }
[ -d "$ROOT/tests/tools/node_modules/@octokit/webhooks" ] ||
	{ echo "bench: @octokit/webhooks missing; run 'make deps'" >&2; exit 1; }
pg_check >/dev/null || { pg_check >&2; exit 1; }

node "$PEER" pool "$SECRET" "$POOL" "$TMP/pool" >/dev/null

# ---- helpers ----

rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# CPU ticks (user + system) of PID, and of its children when $2 is "tree".
cpu_ticks() {
	if [ "${2:-}" = tree ]; then
		cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '$1 == p || $4 == p { t += $14 + $15 } END { print t + 0 }'
	else
		awk '{ print $14 + $15 }' "/proc/$1/stat"
	fi
}

# Busy CPU ticks of the whole machine so far (all CPUs, USER_HZ).
cpu_all() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# Percent of all CPUs busy over 1 s (run while our servers are idle).
busy_pct() {
	a=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	echo "$a $b" | awk '{ busy = $3 - $1; idle = $4 - $2; printf "%.0f", 100 * busy / (busy + idle) }'
}

# Wait up to QUIET_WAIT s for other processes to leave the CPUs (under 10%
# busy); prints the last reading.
quiet() {
	q=0
	while :; do
		b=$(busy_pct)
		if [ "$b" -lt 10 ] || [ $q -ge "$QUIET_WAIT" ]; then
			break
		fi
		q=$((q + 1))
	done
	echo "$b"
}

# run_wrk NONCE URL CONNECTIONS SECONDS [RATE]: prints wrk_signed.lua's BENCH
# line plus wrk_ticks=N, the CPU wrk itself used.  NONCE makes the delivery
# ids of this run unique (a repeat would be answered as a duplicate).
run_wrk() {
	/usr/bin/time -f 'WRKCPU %U %S' wrk -t$THREADS -c"$3" -d"$4"s --latency -s "$LUA" \
		"$2/webhooks/github" -- "$TMP/pool" "$1" ${5:+"$5" "$THREADS"} >"$TMP/wrk.out" 2>&1 ||
		{ cat "$TMP/wrk.out" >&2; return 1; }
	line=$(grep '^BENCH ' "$TMP/wrk.out") || { cat "$TMP/wrk.out" >&2; return 1; }
	echo "$line wrk_ticks=$(awk '/^WRKCPU/ { printf "%.0f", ($2 + $3) * 100 }' "$TMP/wrk.out")"
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

start_peer() {
	: >"$TMP/peer.log"
	PORT=0 node "$PEER" serve "$SECRET" >>"$TMP/peer.log" 2>&1 &
	PEER_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/^listening on port //p' "$TMP/peer.log" || true)
		[ -n "$port" ] && { URL=http://127.0.0.1:$port; return 0; }
		sleep 0.05
		i=$((i + 1))
	done
	cat "$TMP/peer.log" >&2
	return 1
}

# A durable PostgreSQL: pg_lib.sh's layout (PGDIR, PGPORT, so pg_createdb
# and pg_stop work) but the server's own defaults, fsync included.
pg_start_durable() {
	PGDIR=$(mktemp -d)
	chmod 755 "$PGDIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
	as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		>"$PGDIR/initdb.log" 2>&1 || { cat "$PGDIR/initdb.log" >&2; return 1; }
	for try in 0 1 2 3 4 5 6 7; do
		PGPORT=$((20000 + ($$ + 31) % 20000 + try * 97))
		as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 20 \
			-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR" start >/dev/null 2>&1 &&
			return 0
	done
	tail -n 5 "$PGDIR/server.log" >&2
	return 1
}
pg_show() { "$PGBIN/psql" -X -Atq -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "SHOW $1"; }

# bench NAME PID [DB_PID]: the measurements on the server PID at $URL; one
# line to $TMP/results.  DB_PID: the postmaster, whose CPU (with its
# backends') is counted with the server's.
bench() {
	name=$1 pid=$2 db=${3:-}
	sleep 1
	rss0=$(rss_mb "$pid")
	warm=$(run_wrk 1 "$URL" 32 "$WARMUP")
	fixed=$(run_wrk 2 "$URL" 64 "$RATE_SECONDS" "$RATE")
	c0=$(cpu_ticks "$pid")
	d0=0
	[ -n "$db" ] && d0=$(cpu_ticks "$db" tree)
	a0=$(cpu_all)
	max=$(run_wrk 3 "$URL" 32 "$SECONDS_MAX")
	a1=$(cpu_all)
	c1=$(cpu_ticks "$pid")
	d1=0
	[ -n "$db" ] && d1=$(cpu_ticks "$db" tree)
	sleep 2
	rss1=$(rss_mb "$pid")
	acked=$(($(field "$warm" requests) + $(field "$fixed" requests) + $(field "$max" requests)))
	# CPU that neither wrk nor the server (nor its database) used during the max run
	others=$((a1 - a0 - (c1 - c0) - (d1 - d0) - $(field "$max" wrk_ticks)))
	echo "$name $rss0 $rss1 $((c1 - c0)) $((d1 - d0)) $acked $others $fixed | $max" >>"$TMP/results"
	echo "$name: after start $rss0 MB; at $RATE/s: $fixed; max: $max; after load $rss1 MB" >&2
}

stored() { serve_metric 'forgebot_webhook_deliveries_total{forge="github",event="pull_request",outcome="stored"}'; }

stop_server() {
	kill "$SERVE_PID"
	wait "$SERVE_PID" 2>/dev/null || true
	SERVE_PID=
}

cd "$TMP"
: >"$TMP/results"

# ---- forgebot on SQLite ----
bg_sqlite=$(quiet)
serve_start sqlite FORGEBOT_GITHUB_WEBHOOK_SECRET="$SECRET" \
	FORGEBOT_DATABASE_URL="$TMP/sqlite.db" FORGEBOT_CACHE_DIR="$TMP/cache" -- --role web
URL=$SERVE_URL
bench sqlite "$SERVE_PID"
stored_sqlite=$(stored)
stop_server
sqlite_mb=$(du -cm "$TMP"/sqlite.db* | tail -n 1 | cut -f1)
rm -f "$TMP"/sqlite.db*

# ---- forgebot on PostgreSQL ----
pg_start_durable
PG_URL=$(pg_createdb forgebot)
pg_desc="PostgreSQL $(pg_show server_version | cut -d' ' -f1) with fsync=$(pg_show fsync), synchronous_commit=$(pg_show synchronous_commit), shared_buffers=$(pg_show shared_buffers)"
bg_pg=$(quiet)
serve_start pg FORGEBOT_GITHUB_WEBHOOK_SECRET="$SECRET" \
	FORGEBOT_DATABASE_URL="$PG_URL" FORGEBOT_CACHE_DIR="$TMP/cache" -- --role web
URL=$SERVE_URL
bench pg "$SERVE_PID" "$(head -n 1 "$PGDIR/data/postmaster.pid")"
stored_pg=$(stored)
stop_server
pg_mb=$(du -sm "$PGDIR/data/base" | cut -f1)
pg_stop

# ---- the Node peer ----
bg_peer=$(quiet)
start_peer
bench peer "$PEER_PID"
stored_peer=$(curl -s "$URL/stats" | sed -n 's/.*"accepted":\([0-9]*\).*/\1/p')
kill "$PEER_PID"
wait "$PEER_PID" 2>/dev/null || true
PEER_PID=

# ---- the report ----
sqlite_v=$(dpkg-query -W -f='${Version}' libsqlite3-0 2>/dev/null | cut -d- -f1)
octokit_v=$(node -p 'require(process.argv[1]).version' "$ROOT/tests/tools/node_modules/@octokit/webhooks/package.json")
versions="forgebot $("$FORGEBOT" version | cut -d' ' -f2), SQLite $sqlite_v, $pg_desc; peer @octokit/webhooks $octokit_v on Node $(node --version); $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
machine="$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -r)"
node - "$TMP/results" "$RATE" "$SECONDS_MAX" "$RATE_SECONDS" "$POOL" "$stored_sqlite" "$stored_pg" \
	"$stored_peer" "$bg_sqlite" "$bg_pg" "$bg_peer" "$sqlite_mb" "$pg_mb" "$versions" "$machine" \
	"$(date -u +%Y-%m-%d)" <<'EOF' | tee "$OUT/webhooks.md"
const fs = require("fs");
const [file, rate, smax, srate, pool, stSq, stPg, stPeer, bgSq, bgPg, bgPeer, sqMb, pgMb, versions,
  machine, day] = process.argv.slice(2);
const stored = { sqlite: stSq, pg: stPg, peer: stPeer };
const bg = [+bgSq, +bgPg, +bgPeer];
const ncpu = require("os").cpus().length;
const tick = 1000 / 100; // ms per clock tick (USER_HZ)
const kv = (s) => Object.fromEntries(s.trim().split(/\s+/).slice(1).map((x) => x.split("="))
  .map(([k, v]) => [k, +v]));
const r = {};
for (const line of fs.readFileSync(file, "utf8").trim().split("\n")) {
  const [head, maxs] = line.split(" | ");
  const w = head.split(/\s+/);
  r[w[0]] = { rss0: +w[1], rss1: +w[2], cpu: +w[3], dbcpu: +w[4], acked: +w[5], others: +w[6],
    fixed: kv(head.slice(head.indexOf("BENCH"))), max: kv(maxs) };
}
const peer = r.peer.max.rps;
const f0 = (x) => Math.round(x).toLocaleString("en-US");
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const ms = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const names = {
  sqlite: ["forgebot", "SQLite, WAL, synchronous=FULL"],
  pg: ["forgebot", "PostgreSQL, fsync on"],
  peer: ["peer: @octokit/webhooks on node:http", "none"],
};
const out = [];
out.push(`### Webhook intake: signed pull_request deliveries (${f0(+pool)} pull requests), ${machine}`, "");
out.push(`| intake | storage | max deliveries/s | vs peer | p50 / p99 at max, ms | CPU per delivery, ms | p50 / p99 at ${f0(+rate)}/s, ms | rate held | RSS after start, MB | RSS after load, MB | stored / acknowledged |`);
out.push("|---|---|---|---|---|---|---|---|---|---|---|");
for (const k of ["sqlite", "pg", "peer"]) {
  const x = r[k];
  const cpu = ((x.cpu + x.dbcpu) * tick) / x.max.requests;
  const cpuTxt = k === "pg" ? `${f2(cpu)} (forgebot ${f2((x.cpu * tick) / x.max.requests)})` : f2(cpu);
  const held = x.fixed.requests / x.fixed.seconds;
  const late = x.fixed.late ? ` (${f0(x.fixed.late)} sent late)` : "";
  out.push(`| ${names[k][0]} | ${names[k][1]} | ${f0(x.max.rps)} | ${f2(x.max.rps / peer)}x | ${ms(x.max.p50_ms)} / ${ms(x.max.p99_ms)} | ${cpuTxt} | ${ms(x.fixed.p50_ms)} / ${ms(x.fixed.p99_ms)} | ${f0(held)}/s${late} | ${f1(x.rss0)} | ${f1(x.rss1)} | ${f0(+stored[k])} / ${f0(x.acked)} |`);
  const errs = x.fixed.non2xx + x.max.non2xx + x.fixed.sockerr + x.max.sockerr;
  if (errs)
    out.push(`| | **${errs} errors** (${x.fixed.non2xx + x.max.non2xx} not 2xx, ${x.fixed.sockerr + x.max.sockerr} socket) | | | | | | | | | |`);
}
out.push("");
const verdict = (ok) => (ok ? "**met**" : "**missed**");
const t3 = (k) => `${f2(r[k].max.rps / peer)}x, ${verdict(r[k].max.rps >= 3 * peer)}`;
const held = (k) => r[k].fixed.late <= r[k].fixed.requests / 100;
const p99 = (k) => `${ms(r[k].fixed.p99_ms)} ms${held(k) ? "" : " (rate not held)"}, ${verdict(r[k].fixed.p99_ms < 10 && held(k))}`;
const mem = (k) => `${f1(r[k].rss0)} MB after start and ${f1(r[k].rss1)} MB after the load, ${verdict(r[k].rss0 < 20 && r[k].rss1 < 20)}`;
out.push("Targets:", "");
out.push(`- at least 3x the peer's throughput while storing durably: SQLite ${t3("sqlite")}; PostgreSQL ${t3("pg")}`);
out.push(`- p99 under 10 ms at ${f0(+rate)} deliveries/s: SQLite ${p99("sqlite")}; PostgreSQL ${p99("pg")} (peer ${ms(r.peer.fixed.p99_ms)} ms)`);
out.push(`- idle memory under 20 MB: SQLite ${mem("sqlite")}; PostgreSQL ${mem("pg")} (peer ${f1(r.peer.rss0)} / ${f1(r.peer.rss1)} MB)`);
out.push("");
// other processes' share of all CPUs during each max-throughput run
const others = ["sqlite", "pg", "peer"].map((k) => Math.max(0, Math.round((100 * r[k].others) / (ncpu * 100 * r[k].max.seconds))));
out.push(`Run on ${day}: ${versions}. Max throughput: \`wrk -t2 -c32 -d${smax}s\`; fixed rate: \`wrk -t2 -c64 -d${srate}s\` paced by wrk_signed.lua; each after a warm-up. Database size afterwards: SQLite ${sqMb} MB, PostgreSQL ${pgMb} MB. CPU used by other processes (SQLite / PostgreSQL / peer): ${bg.join("% / ")}% just before the runs, ${others.join("% / ")}% during the max-throughput runs.`);
const worst = Math.max(...bg, ...others);
if (worst > 10)
  out.push("", `**Warning:** other processes were using up to ${worst}% of the CPU: these figures are not comparable with a quiet machine's.`);
out.push("", "Command: `sh tests/bench/webhooks.sh` (part of `make bench`).");
console.log(out.join("\n"));
EOF
