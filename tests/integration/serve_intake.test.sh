#!/bin/sh
# `forgebot serve` intake on SQLite: probes, limits, and every real payload
# (@octokit/webhooks-examples, go-gitlab's testdata) correctly signed,
# mis-signed and unsigned: the right status each time, only correctly
# signed ones stored, a redelivery stored once, /metrics valid for
# promtool, a real Alertmanager delivering to it, and a clean drain on
# SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
SEND="$PY $ROOT/tests/integration/send_webhooks.py --tools $ROOT/tests/tools"
SECRET=gh-secret-$$
GLTOKEN=gl-token-$$
AMTOKEN=am-token-$$
trap 'kill "$SERVE_PID" "$AM_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

cd "$TMP"
export FORGEBOT_DATABASE_URL="$TMP/fb.db"
serve_start sqlite FORGEBOT_GITHUB_WEBHOOK_SECRET="$SECRET" \
	FORGEBOT_GITLAB_WEBHOOK_TOKEN="$GLTOKEN" FORGEBOT_ALERTMANAGER_TOKEN="$AMTOKEN" \
	FORGEBOT_CACHE_DIR="$TMP/cache" -- --role web || { fail start "serve did not start"; finish; exit 1; }

# --- probes and limits ---
expect() { # NAME "STATUS..." CURL ARGS: the HTTP status must be one of STATUS
	n=$1 want=$2
	shift 2
	got=$(curl -s -o "$TMP/body" -w '%{http_code}' "$@")
	case " $want " in *" $got "*) pass "$n" ;; *) fail "$n" "status $got, want $want: $(head -c 200 "$TMP/body")" ;; esac
}
expect healthz 200 "$SERVE_URL/healthz"
expect readyz 200 "$SERVE_URL/readyz"
expect unknown-path 404 "$SERVE_URL/nope"
expect wrong-method 405 "$SERVE_URL/webhooks/github"
grep -q '"error"' "$TMP/body" && pass json-error-body || fail json-error-body "$(cat "$TMP/body")"
expect wrong-content-type 415 -X POST -H 'Content-Type: text/plain' -H 'X-GitHub-Event: ping' \
	-H "X-Hub-Signature-256: sha256=$(printf 'hi' | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)" \
	--data-binary 'hi' "$SERVE_URL/webhooks/github"
head -c 27000000 /dev/zero >"$TMP/big"
expect too-large 413 -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
	--data-binary @"$TMP/big" "$SERVE_URL/webhooks/github"
expect not-json 400 -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
	-H "X-Hub-Signature-256: sha256=$(printf '{nope' | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)" \
	--data-binary '{nope' "$SERVE_URL/webhooks/github"

# --- every GitHub example: signed (stored or ignored), mis-signed, unsigned (401) ---
$SEND --url "$SERVE_URL" --source github --secret "$SECRET" --sign good --delivery-prefix good >"$TMP/good.txt"
total=$(sed -n 's/^sent //p' "$TMP/good.txt")
bad=$(grep -v '^sent' "$TMP/good.txt" | grep -cv '^20[02] ')
[ "$total" -gt 300 ] && [ "$bad" -eq 0 ] && pass "github-examples-signed ($total)" || \
	fail github-examples-signed "$bad of $total not 200/202: $(grep -v '^20[02] \|^sent' "$TMP/good.txt" | head -3)"
grep -q '^200 github ping' "$TMP/good.txt" && pass ping-200 || fail ping-200 "$(grep ping "$TMP/good.txt" | head -2)"
grep -q '^202 github pull_request opened' "$TMP/good.txt" && pass pr-stored-202 || fail pr-stored-202 "no 202 for pull_request opened"
stored=$(serve_metric 'forgebot_webhook_deliveries_total{forge="github",event="pull_request",outcome="stored"}')
[ "${stored%.*}" -gt 0 ] && pass pr-deliveries-counted || fail pr-deliveries-counted "stored=$stored"

$SEND --url "$SERVE_URL" --source github --secret "$SECRET" --sign bad >"$TMP/bad.txt"
n401=$(grep -c '^401 ' "$TMP/bad.txt")
[ "$n401" -eq "$total" ] && pass "github-mis-signed-401 ($n401)" || fail github-mis-signed-401 "$n401 of $total"
$SEND --url "$SERVE_URL" --source github --sign none >"$TMP/none.txt"
n401=$(grep -c '^401 ' "$TMP/none.txt")
[ "$n401" -eq "$total" ] && pass "github-unsigned-401 ($n401)" || fail github-unsigned-401 "$n401 of $total"

# Redelivery: the same delivery ids again -> 200 duplicate, no new jobs.
before=$("$FORGEBOT" jobs list --format json --limit 100000 2>/dev/null | wc -l)
$SEND --url "$SERVE_URL" --source github --secret "$SECRET" --sign good --delivery-prefix good >"$TMP/again.txt"
after=$("$FORGEBOT" jobs list --format json --limit 100000 2>/dev/null | wc -l)
[ "$before" -gt 0 ] && [ "$before" -eq "$after" ] && pass "redelivery-no-new-jobs ($after jobs)" || \
	fail redelivery-no-new-jobs "jobs $before -> $after"
dup=$(serve_metric 'forgebot_webhook_deliveries_total{forge="github",event="pull_request",outcome="duplicate"}')
[ "${dup%.*}" -gt 0 ] && pass redelivery-counted-duplicate || fail redelivery-counted-duplicate "dup=$dup"

# Form-encoded bodies are verified on the raw bytes, then decoded.
$SEND --url "$SERVE_URL" --source github --secret "$SECRET" --sign good --form --only pull_request >"$TMP/form.txt"
grep -v '^sent' "$TMP/form.txt" | grep -qv '^20[02] ' && fail form-encoded "$(grep -v '^20[02] \|^sent' "$TMP/form.txt" | head -2)" || pass form-encoded

# --- every go-gitlab payload ---
$SEND --url "$SERVE_URL" --source gitlab --token "$GLTOKEN" --sign good >"$TMP/gl.txt"
gltotal=$(sed -n 's/^sent //p' "$TMP/gl.txt")
bad=$(grep -v '^sent' "$TMP/gl.txt" | grep -cv '^20[02] ')
[ "$gltotal" -ge 10 ] && [ "$bad" -eq 0 ] && pass "gitlab-payloads ($gltotal)" || fail gitlab-payloads "$bad bad: $(grep -v '^20[02] \|^sent' "$TMP/gl.txt" | head -3)"
$SEND --url "$SERVE_URL" --source gitlab --token "$GLTOKEN" --sign bad >"$TMP/glbad.txt"
[ "$(grep -c '^401 ' "$TMP/glbad.txt")" -eq "$gltotal" ] && pass gitlab-wrong-token-401 || fail gitlab-wrong-token-401 "$(head -3 "$TMP/glbad.txt")"

# Jobs whose agent is not built wait, visibly: an issue labelled for the bot.
body='{"action":"labeled","issue":{"number":3,"title":"Add a flag"},"label":{"name":"forgebot:generate"},"repository":{"full_name":"acme/app"},"sender":{"login":"alice","type":"User"}}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
expect issue-labelled 202 -X POST -H 'Content-Type: application/json' -H 'X-GitHub-Event: issues' \
	-H 'X-GitHub-Delivery: label-1' -H "X-Hub-Signature-256: sha256=$sig" --data-binary "$body" \
	"$SERVE_URL/webhooks/github"
"$FORGEBOT" jobs list --state waiting --format json >"$TMP/waiting.json" 2>"$TMP/err"
grep -q '"type":"codegen"' "$TMP/waiting.json" && pass codegen-jobs-waiting || fail codegen-jobs-waiting "$(head -c 300 "$TMP/waiting.json") $(cat "$TMP/err")"
w=$(serve_metric 'forgebot_jobs{state="waiting"}')
[ "${w%.*}" -gt 0 ] && pass waiting-in-metrics || fail waiting-in-metrics "$w"

# --- a real Alertmanager posting to the receiver, with a bearer token ---
if command -v prometheus-alertmanager >/dev/null 2>&1; then
	amport=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$TMP/am.yml" <<EOF
route:
  receiver: forgebot
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: forgebot
    webhook_configs:
      - url: $SERVE_URL/webhooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: $AMTOKEN
EOF
	prometheus-alertmanager --config.file="$TMP/am.yml" --storage.path="$TMP/am-data" \
		--web.listen-address=127.0.0.1:$amport --cluster.listen-address= >"$TMP/am.log" 2>&1 &
	AM_PID=$!
	i=0
	until curl -sf "http://127.0.0.1:$amport/-/ready" >/dev/null 2>&1 || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
	curl -s -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$amport/api/v2/alerts" \
		-d '[{"labels":{"alertname":"HighErrorRate","service":"api"},"annotations":{"summary":"5xx > 5%"}}]' >/dev/null
	i=0
	until [ "$(serve_metric 'forgebot_webhook_deliveries_total{forge="alertmanager",event="alert",outcome="stored"}' | cut -d. -f1)" -gt 0 ] || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
	"$FORGEBOT" jobs list --type alert --format json | grep -q '"state":"waiting"' && pass alertmanager-delivery-stored || \
		fail alertmanager-delivery-stored "$(curl -s "$SERVE_URL/metrics" | grep alertmanager) $(tail -3 "$TMP/am.log")"
	kill "$AM_PID" 2>/dev/null
else
	fail alertmanager "prometheus-alertmanager is not installed (make deps)"
fi

# --- metrics are valid exposition text ---
curl -s "$SERVE_URL/metrics" >"$TMP/metrics.txt"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.txt" 2>&1 && pass promtool-metrics || \
		fail promtool-metrics "$(head -5 "$TMP/promtool.txt")"
else
	fail promtool-metrics "promtool is not installed (make deps)"
fi
grep -q '^forgebot_http_request_duration_seconds_bucket{path="/webhooks/github",method="POST",code="202",le=' "$TMP/metrics.txt" && \
	pass http-histogram || fail http-histogram "$(grep http_request "$TMP/metrics.txt" | head -3)"

# --- SIGTERM: drain and exit 0 ---
serve_stop TERM
[ "$SERVE_EXIT" -eq 0 ] && pass sigterm-exit-0 || fail sigterm-exit-0 "exit $SERVE_EXIT: $(tail -3 "$SERVE_LOG")"
grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error' "$SERVE_LOG" && fail sanitizers "$(grep -m1 -A3 'Sanitizer\|runtime error' "$SERVE_LOG")" || pass sanitizers-clean
"$FORGEBOT" jobs list --limit 3 >"$TMP/out" 2>&1 && pass jobs-cli-after-stop || fail jobs-cli-after-stop "$(cat "$TMP/out")"

# --- secret rotation from a file, reloaded on SIGHUP without a restart ---
printf 'old-secret\n' >"$TMP/secret"
serve_start rotation FORGEBOT_GITHUB_WEBHOOK_SECRET_FILE="$TMP/secret" -- --role web ||
	{ fail rotation "serve did not start"; finish; exit 1; }
ping_with() { # SECRET DELIVERY: status of a signed ping
	b='{"zen":"z","hook_id":1}'
	sg=$(printf '%s' "$b" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1)
	curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-H 'X-GitHub-Event: ping' -H "X-GitHub-Delivery: $2" -H "X-Hub-Signature-256: sha256=$sg" \
		--data-binary "$b" "$SERVE_URL/webhooks/github"
}
[ "$(ping_with old-secret r1)" = 200 ] && [ "$(ping_with new-secret r2)" = 401 ] && pass secret-from-file || \
	fail secret-from-file "old/new before reload"
printf 'new-secret\nold-secret\n' >"$TMP/secret"
kill -HUP "$SERVE_PID"
sleep 0.3
[ "$(ping_with old-secret r3)" = 200 ] && [ "$(ping_with new-secret r4)" = 200 ] && pass sighup-rotation-both || \
	fail sighup-rotation-both "during rotation both must pass"
printf 'new-secret\n' >"$TMP/secret"
kill -HUP "$SERVE_PID"
sleep 0.3
[ "$(ping_with old-secret r5)" = 401 ] && [ "$(ping_with new-secret r6)" = 200 ] && pass sighup-old-retired || \
	fail sighup-old-retired "the old secret must be refused after the rotation"
grep -q 'webhook secrets reloaded' "$SERVE_LOG" && pass sighup-logged || fail sighup-logged "$(tail -3 "$SERVE_LOG")"
grep -q 'new-secret\|old-secret' "$SERVE_LOG" && fail secret-not-logged "a secret is in the log" || pass secret-not-logged
serve_stop TERM

finish
