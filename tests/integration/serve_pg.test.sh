#!/bin/sh
# `forgebot serve` on PostgreSQL (pg_lib.sh), two replicas on one database,
# with the test build's echo agent standing in for the review agent
# (FORGEBOT_TEST_ECHO_AGENT=1: one "test.echo" audit row per run).
#
# (a) Two servers (two processes, --role all, 2 workers each) and about a
#     thousand signed pull_request deliveries spread over both: every job
#     done, finished ('done' in job_attempts) exactly once, its attempts
#     never held by two workers at once, its work run once; how the jobs
#     split between the servers is printed.
# (b) PostgreSQL restarted under load: while a sender posts continuously to
#     both servers, PostgreSQL stops: /readyz turns 503 and deliveries are
#     answered 503, never 2xx; PostgreSQL starts again: /readyz is 200
#     within a bound and deliveries are accepted again; every delivery that
#     got a 2xx is stored, and every stored job is done exactly once.
FORGEBOT=${FORGEBOT:-$(cd "$(dirname "$0")/../.." && pwd)/build/test/forgebot}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/integration/pg_lib.sh"
PY=/usr/bin/python3
SECRET=pg-hook-secret-$$
DELIVERIES=${PG_DELIVERIES:-1000}
EXAMPLES=$ROOT/tests/tools/node_modules/@octokit/webhooks-examples/api.github.com/index.json

PIDS=""
SENDER_PID=""
cleanup() {
	[ -n "$SENDER_PID" ] && kill "$SENDER_PID" 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	pg_stop
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! why=$(pg_check); then
	fail postgres "$why"
	finish
	exit 1
fi
[ -f "$EXAMPLES" ] || { fail setup "no $EXAMPLES (cd tests/tools && npm ci)"; finish; exit 1; }
pg_start || { fail postgres "PostgreSQL did not start"; finish; exit 1; }
URL=$(pg_createdb forgebot) || { fail postgres "no database"; finish; exit 1; }
PSQL=$PGBIN/psql
[ -x "$PSQL" ] || PSQL=psql
sql() { "$PSQL" -X -q -At -F ' ' -d "$URL" -c "$1" 2>&1; }

# --- the sender: signed pull_request "opened" deliveries (the octokit
#     example, one pull request per delivery), one line per answer:
#     "MS_SINCE_EPOCH N SERVER STATUS" (status 0: no answer) ---
cat >"$TMP/sender.py" <<'EOF'
import hashlib, hmac, http.client, json, os, sys, threading, time, urllib.parse
examples, secret, prefix, urls, count, threads, out, stop = sys.argv[1:9]
count, threads = int(count), int(threads)
urls = [urllib.parse.urlparse(u) for u in urls.split(",")]
ev = next(e for e in json.load(open(examples)) if e["name"] == "pull_request")
tmpl = next(x for x in ev["examples"] if x["action"] == "opened")
lock, nxt = threading.Lock(), [0]
log = open(out, "a", buffering=1)

def body(n):
    b = json.loads(json.dumps(tmpl))
    b["number"] = n
    pr = b["pull_request"]
    pr.update(number=n, draft=False, title="change %d" % n)
    pr["head"].update(sha="%040x" % (n + 1), ref="topic-%d" % n)
    pr["base"].update(sha="%040x" % (10 ** 12 + n), ref="main")
    b["repository"].update(full_name="acme/app", clone_url="http://127.0.0.1:9/none.git")
    return json.dumps(b).encode()

def run():
    conns = {}
    while not os.path.exists(stop):
        with lock:
            n = nxt[0] = nxt[0] + 1
        if count and n > count:
            return
        i = n % len(urls)
        u = urls[i]
        data = body(n)
        sig = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
        hdr = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
               "X-GitHub-Delivery": "%s-%d" % (prefix, n), "X-Hub-Signature-256": "sha256=" + sig,
               "User-Agent": "GitHub-Hookshot/pg-test"}
        status = 0
        try:
            c = conns.get(i) or http.client.HTTPConnection(u.hostname, u.port, timeout=15)
            conns[i] = c
            c.request("POST", "/webhooks/github", body=data, headers=hdr)
            r = c.getresponse()
            r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            conns.pop(i, None)
        with lock:
            log.write("%d %d %d %d\n" % (time.time() * 1000, n, i, status))
        if not status:
            time.sleep(0.01)

ts = [threading.Thread(target=run) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
EOF
now_ms() { $PY -c 'import time; print(int(time.time()*1000))'; }
# answers FILTER: count sender lines matching an awk condition on $1..$4
answers() { awk "$1 { n++ } END { print n + 0 }" "$TMP/sent-b.txt"; }
readyz() { curl -s -o /dev/null -m 10 -w '%{http_code}' "$1/readyz"; }
wait_jobs_finished() { # wait_jobs_finished SECONDS: no job queued or running
	_w=0
	while [ $_w -lt $(($1 * 5)) ]; do
		[ "$(sql "SELECT count(*) FROM jobs WHERE state IN ('queued','running')")" = 0 ] && return 0
		sleep 0.2
		_w=$((_w + 1))
	done
	return 1
}

# --- two replicas on one database ---
SERVE_ENV="FORGEBOT_DATABASE_URL=$URL FORGEBOT_GITHUB_WEBHOOK_SECRET=$SECRET FORGEBOT_TEST_ECHO_AGENT=1
FORGEBOT_TEST_ECHO_MS=10 FORGEBOT_WORKERS=2 FORGEBOT_JOB_LEASE_SECONDS=5 FORGEBOT_CACHE_DIR=$TMP/cache"
: >"$TMP/serve-a.log"
: >"$TMP/serve-b.log"
# shellcheck disable=SC2086
serve_start a $SERVE_ENV -- --role all || { fail start "server a did not start"; finish; exit 1; }
A_URL=$SERVE_URL A_PID=$SERVE_PID A_LOG=$SERVE_LOG
PIDS="$A_PID"
# shellcheck disable=SC2086
serve_start b $SERVE_ENV -- --role all || { fail start "server b did not start"; finish; exit 1; }
B_URL=$SERVE_URL B_PID=$SERVE_PID B_LOG=$SERVE_LOG
PIDS="$A_PID $B_PID"
[ "$(readyz "$A_URL") $(readyz "$B_URL")" = "200 200" ] && pass both-ready || fail both-ready "readyz not 200"

# === (a) ~1000 deliveries over both servers ===
t0=$(now_ms)
$PY "$TMP/sender.py" "$EXAMPLES" "$SECRET" many "$A_URL,$B_URL" "$DELIVERIES" 4 "$TMP/sent-a.txt" "$TMP/stop-a"
t1=$(now_ms)
n202=$(awk '$4 == 202 { n++ } END { print n + 0 }' "$TMP/sent-a.txt")
[ "$n202" = "$DELIVERIES" ] && pass "all-${DELIVERIES}-accepted-202 ($((t1 - t0)) ms)" ||
	fail all-accepted-202 "$n202 of $DELIVERIES: $(awk '$4 != 202 { print $4 }' "$TMP/sent-a.txt" | sort | uniq -c | head -3)"
for s in 0 1; do
	c=$(awk -v s=$s '$3 == s && $4 == 202 { n++ } END { print n + 0 }' "$TMP/sent-a.txt")
	echo "note: server $(echo ab | cut -c$((s + 1))) took $c deliveries"
done
if wait_jobs_finished 90; then
	pass "all-jobs-finished ($(($(now_ms) - t0)) ms from the first delivery)"
else
	fail all-jobs-finished "$(sql "SELECT state, count(*) FROM jobs GROUP BY state")"
fi
got=$(sql "SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM jobs")
[ "$got" = "$DELIVERIES $DELIVERIES" ] && pass "one-done-job-per-delivery" || fail one-done-job-per-delivery "jobs, done: $got"
got=$(sql "SELECT count(*) FROM (SELECT j.id FROM jobs j LEFT JOIN job_attempts a ON a.job_id = j.id AND a.outcome = 'done' GROUP BY j.id HAVING count(a.id) <> 1) x")
[ "$got" = 0 ] && pass done-attempt-exactly-once || fail done-attempt-exactly-once "$got jobs without exactly one 'done' attempt"
got=$(sql "SELECT count(*) FROM job_attempts a JOIN job_attempts b ON a.job_id = b.job_id AND a.id < b.id
	AND b.started_at < COALESCE(a.finished_at, 9223372036854775807) AND a.started_at < COALESCE(b.finished_at, 9223372036854775807)")
[ "$got" = 0 ] && pass one-worker-at-a-time || fail one-worker-at-a-time "$got overlapping attempt pairs"
got=$(sql "SELECT count(*) FROM jobs j WHERE (SELECT count(*) FROM audit a WHERE a.job_id = j.id AND a.action = 'test.echo') <> 1")
[ "$got" = 0 ] && pass work-ran-once-per-job || fail work-ran-once-per-job "$got jobs whose work did not run exactly once"
got=$(sql "SELECT count(*) FROM job_attempts WHERE outcome IS DISTINCT FROM 'done'")
[ "$got" = 0 ] && pass no-retried-or-expired-attempts || fail no-retried-or-expired-attempts "$got attempts: $(sql "SELECT outcome, count(*) FROM job_attempts GROUP BY outcome")"
# How the work split: the worker names are host:PID:wN.
split=$(sql "SELECT split_part(worker, ':', 2), split_part(worker, ':', 3), count(*) FROM job_attempts WHERE outcome = 'done' GROUP BY 1, 2 ORDER BY 1, 2")
ja=$(echo "$split" | awk -v p="$A_PID" '$1 == p { n += $3 } END { print n + 0 }')
jb=$(echo "$split" | awk -v p="$B_PID" '$1 == p { n += $3 } END { print n + 0 }')
echo "note: jobs run by server a (pid $A_PID): $ja, by server b (pid $B_PID): $jb; per worker:" \
	"$(echo "$split" | awk -v a="$A_PID" '{ printf "%s%s=%s ", ($1 == a ? "a:" : "b:"), $2, $3 }')"
[ $((ja + jb)) = "$DELIVERIES" ] && [ "$ja" -gt 0 ] && [ "$jb" -gt 0 ] && pass both-servers-ran-jobs ||
	fail both-servers-ran-jobs "a $ja, b $jb of $DELIVERIES"

# === (b) PostgreSQL restarted under load ===
rm -f "$TMP/stop-b"
: >"$TMP/sent-b.txt"
$PY "$TMP/sender.py" "$EXAMPLES" "$SECRET" restart "$A_URL,$B_URL" 0 3 "$TMP/sent-b.txt" "$TMP/stop-b" &
SENDER_PID=$!
i=0
# shellcheck disable=SC2016  # awk conditions, not shell
until [ "$(answers '$4 == 202')" -ge 50 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
# shellcheck disable=SC2016
[ "$(answers '$4 == 202')" -ge 50 ] && pass sending-before-restart || fail sending-before-restart "$(answers '$4 == 202') accepted"

stop0=$(now_ms)
pg_restart_stop
stop1=$(now_ms)
# Not ready, both replicas, within a bound.
i=0
until [ "$(readyz "$A_URL") $(readyz "$B_URL")" = "503 503" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
ra=$(readyz "$A_URL")
rb=$(readyz "$B_URL")
[ "$ra $rb" = "503 503" ] && pass "readyz-503-while-down ($(($(now_ms) - stop1)) ms after the stop)" ||
	fail readyz-503-while-down "a $ra, b $rb"
sleep 2
down_end=$(now_ms)
# While PostgreSQL is down (from 300 ms after the stop completed), every
# answer is 503 and answers keep coming (no request hangs).
win="\$1 > $((stop1 + 300)) && \$1 < $down_end"
n503=$(answers "$win && \$4 == 503")
nother=$(answers "$win && \$4 != 503")
[ "$n503" -gt 10 ] && [ "$nother" = 0 ] && pass "deliveries-503-while-down ($n503 answers)" ||
	fail deliveries-503-while-down "$n503 answered 503, $nother otherwise: $(awk "$win && \$4 != 503 { print \$4 }" "$TMP/sent-b.txt" | sort | uniq -c | head -3)"
n2xx_after=$(answers "\$1 > $((stop1 + 300)) && \$1 < $down_end && \$4 >= 200 && \$4 < 300")
[ "$n2xx_after" = 0 ] && pass no-2xx-while-down || fail no-2xx-while-down "$n2xx_after"
# Alive all the same (a liveness probe must not restart it), and it says so in /metrics.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$A_URL/healthz") $(curl -s -o /dev/null -w '%{http_code}' "$B_URL/healthz")" = "200 200" ] &&
	pass healthz-200-while-down || fail healthz-200-while-down "not 200"
SERVE_URL=$A_URL
up=$(serve_metric forgebot_database_up)
[ "$up" = 0 ] && pass metrics-database-down || fail metrics-database-down "forgebot_database_up $up"
grep -q 'database unavailable; answering 503' "$A_LOG" && grep -q 'database unavailable; answering 503' "$B_LOG" &&
	pass unavailable-logged || fail unavailable-logged "$(tail -n 3 "$A_LOG")"

pg_restart_start || { fail pg-restart "PostgreSQL did not start again"; finish; exit 1; }
start1=$(now_ms)
i=0
until [ "$(readyz "$A_URL") $(readyz "$B_URL")" = "200 200" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
back=$(($(now_ms) - start1))
ra=$(readyz "$A_URL")
rb=$(readyz "$B_URL")
[ "$ra $rb" = "200 200" ] && [ "$back" -le 10000 ] && pass "readyz-200-again (${back} ms after the start)" ||
	fail readyz-200-again "a $ra, b $rb after $back ms"
i=0
until [ "$(serve_metric forgebot_database_up)" = 1 ] || [ $i -ge 10 ]; do sleep 0.1; i=$((i + 1)); done
up=$(serve_metric forgebot_database_up)
[ "$up" = 1 ] && pass metrics-database-up-again || fail metrics-database-up-again "forgebot_database_up $up"
i=0
until [ "$(answers "\$1 > $start1 && \$4 == 202")" -ge 50 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
acc=$(answers "\$1 > $start1 && \$4 == 202")
[ "$acc" -ge 50 ] && pass "accepted-again ($acc)" || fail accepted-again "$acc accepted since the start: $(tail -n 3 "$TMP/sent-b.txt")"
for s in 0 1; do
	c=$(answers "\$1 > $start1 && \$3 == $s && \$4 == 202")
	[ "$c" -gt 0 ] && pass "accepted-again-by-server-$s ($c)" || fail "accepted-again-by-server-$s" "none"
done
sleep 0.5
touch "$TMP/stop-b"
wait "$SENDER_PID"
SENDER_PID=""
echo "note: during the restart run: $(awk '{ print $4 }' "$TMP/sent-b.txt" | sort | uniq -c | awk '{ printf "%s x %s, ", $1, $2 }')PostgreSQL down $((start1 - stop0)) ms"
kill -0 "$A_PID" 2>/dev/null && kill -0 "$B_PID" 2>/dev/null && pass servers-survived || fail servers-survived "a server died: $(tail -n 5 "$A_LOG" "$B_LOG")"

# Every 2xx is stored; every stored job runs to done, finished once.
awk '$4 >= 200 && $4 < 300 { print "restart-" $2 }' "$TMP/sent-b.txt" | sort >"$TMP/acked.txt"
sql "SELECT delivery_id FROM deliveries WHERE delivery_id LIKE 'restart-%'" | sort >"$TMP/stored.txt"
missing=$(comm -23 "$TMP/acked.txt" "$TMP/stored.txt" | wc -l)
[ "$missing" = 0 ] && [ -s "$TMP/acked.txt" ] && pass "every-2xx-stored ($(wc -l <"$TMP/acked.txt") acknowledged, $(wc -l <"$TMP/stored.txt") stored)" ||
	fail every-2xx-stored "$missing acknowledged but not stored, e.g. $(comm -23 "$TMP/acked.txt" "$TMP/stored.txt" | head -3 | tr '\n' ' ')"
if wait_jobs_finished 60; then pass restart-jobs-finished; else
	fail restart-jobs-finished "$(sql "SELECT state, count(*) FROM jobs GROUP BY state")"; fi
got=$(sql "SELECT count(*) FROM deliveries d LEFT JOIN jobs j ON j.delivery_id = d.id GROUP BY d.id HAVING count(j.id) <> 1 OR min(j.state) <> 'done' OR max(j.state) <> 'done'" | wc -l)
[ "$got" = 0 ] && pass restart-one-done-job-per-stored-delivery || fail restart-one-done-job-per-stored-delivery "$got deliveries"
got=$(sql "SELECT count(*) FROM (SELECT j.id FROM jobs j LEFT JOIN job_attempts a ON a.job_id = j.id AND a.outcome = 'done' GROUP BY j.id HAVING count(a.id) <> 1) x")
[ "$got" = 0 ] && pass restart-done-attempt-exactly-once || fail restart-done-attempt-exactly-once "$got jobs"
got=$(sql "SELECT count(*) FROM job_attempts a JOIN job_attempts b ON a.job_id = b.job_id AND a.id < b.id
	AND b.started_at < COALESCE(a.finished_at, 9223372036854775807) AND a.started_at < COALESCE(b.finished_at, 9223372036854775807)")
[ "$got" = 0 ] && pass restart-one-worker-at-a-time || fail restart-one-worker-at-a-time "$got overlapping attempt pairs"
echo "note: attempts by outcome: $(sql "SELECT coalesce(outcome, 'open') || '=' || count(*) FROM job_attempts GROUP BY outcome" | tr '\n' ' ')"

# Drain: both exit 0 on SIGTERM, sanitizers quiet.
kill -TERM "$A_PID" "$B_PID"
wait "$A_PID"
ea=$?
wait "$B_PID"
eb=$?
PIDS=""
[ "$ea $eb" = "0 0" ] && pass sigterm-exit-0 || fail sigterm-exit-0 "a exit $ea, b exit $eb"
if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$A_LOG" "$B_LOG"; then
	fail sanitizers "$(grep -h -m1 -A5 -E 'Sanitizer|runtime error:' "$A_LOG" "$B_LOG" | head -8)"
else
	pass sanitizers-clean
fi
finish
