#!/bin/sh
# What `forgebot ci` does when the forge misbehaves: 429 with Retry-After,
# 502, a reset connection, a timeout (retried where a retry is safe), a bad
# token (401: a clear message, exit 3, the token nowhere), a pull request
# that does not exist (404), and GitLab's 429 on a write.  Real sockets,
# faults injected into the fakes (tests/peers).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ci_lib.sh"
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
trap 'peers_stop; rm -rf "$TMP"' EXIT

TOKEN=ghp_faultsTestToken0123456789
ci_make_origin
ci_diff >"$TMP/pr.diff"
$PY - "$TMP/pr.diff" "$BASE_SHA" "$HEAD_SHA" >"$TMP/seed.json" <<'EOF'
import json, sys
print(json.dumps({"repo": "acme/app", "pulls": [{"number": 7, "head_sha": sys.argv[3],
  "base_sha": sys.argv[2], "head_ref": "feature", "base_ref": "main", "head_repo": "acme/app",
  "diff": open(sys.argv[1]).read()}]}))
EOF
peers_start_github --token "$TOKEN" --seed "$TMP/seed.json" || { fail fake "no GitHub fake"; finish; exit 1; }
ci_checkout "$TMP/ws"

event() { # event NUMBER
	$PY - "$BASE_SHA" "$HEAD_SHA" "$1" >"$TMP/event.json" <<'EOF'
import json, sys
print(json.dumps({"pull_request": {"number": int(sys.argv[3]),
  "head": {"sha": sys.argv[2], "repo": {"full_name": "acme/app"}},
  "base": {"sha": sys.argv[1], "repo": {"full_name": "acme/app"}}}}))
EOF
}

# run NAME WANT TOKEN [args]: fresh fake state, then one ci run.
run() {
	name=$1
	want=$2
	tok=$3
	shift 3
	cd "$TMP/ws"
	expect_exit "$name" "$want" env -i PATH="$PATH" HOME="$TMP" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		GITHUB_ACTIONS=true GITHUB_EVENT_PATH="$TMP/event.json" GITHUB_REPOSITORY=acme/app \
		GITHUB_SHA="$HEAD_SHA" GITHUB_REF=refs/pull/7/merge GITHUB_API_URL="$GH_URL" \
		GITHUB_TOKEN="$tok" "$FORGEBOT" ci --no-builtin-rules --rules "$CI_RULES" "$@" &&
		pass "$name exits $want"
	cd "$TMP"
	peer_requests "$GH_URL" >"$TMP/req.json"
}

fresh() { peer_reset "$GH_URL"; }
event 7

# 429 with Retry-After on the review: waited for, then posted once.
fresh
peer_fault "$GH_URL" '{"method":"POST","path":"/pulls/7/reviews$","count":1,"status":429,"headers":{"Retry-After":"1"},"body":{"message":"You have exceeded a secondary rate limit"}}'
run retry-after-429 1 "$TOKEN"
check 429-retried "[r['status'] for r in find('POST', r'/pulls/7/reviews$')]" "[429, 200]"

# 403 secondary rate limit (Retry-After) on the summary: retried too.
fresh
peer_fault "$GH_URL" '{"method":"POST","path":"/issues/7/comments$","count":1,"status":403,"headers":{"Retry-After":"1"},"body":{"message":"You have exceeded a secondary rate limit."}}'
run secondary-limit-403 1 "$TOKEN"
check 403-retried "[r['status'] for r in find('POST', r'/issues/7/comments$')]" "[403, 201]"

# 502 on a read: retried.
fresh
peer_fault "$GH_URL" '{"method":"GET","path":"/issues/7/comments","count":2,"status":502,"body":{"message":"Server Error"}}'
run bad-gateway 1 "$TOKEN"
check 502-retried "[r['status'] for r in find('GET', r'/issues/7/comments')]" "[502, 502, 200]"

# A reset connection on a read: retried.
fresh
peer_fault "$GH_URL" '{"method":"GET","path":"/pulls/7/comments","count":1,"action":"reset"}'
run connection-reset 1 "$TOKEN"
check reset-retried "[r['status'] for r in find('GET', r'/pulls/7/comments')]" "['reset', 200]"

# 502 on the review POST: not retried (it may have been applied); exit 3, reports written.
fresh
peer_fault "$GH_URL" '{"method":"POST","path":"/pulls/7/reviews$","count":5,"status":502,"body":{"message":"Server Error"}}'
run post-not-retried 3 "$TOKEN" --sarif out.sarif
check post-502-once "[r['status'] for r in find('POST', r'/pulls/7/reviews$')]" "[502]"
grep -q 'GitHub POST /repos/acme/app/pulls/7/reviews: 502' "$TMP/err" && pass post-502-message || \
	fail post-502-message "$(head -c 300 "$TMP/err")"
[ -s "$TMP/ws/out.sarif" ] && pass report-before-failure || fail report-before-failure "no SARIF"

# A read slower than the timeout: each attempt times out, then the next succeeds.
fresh
peer_fault "$GH_URL" '{"method":"GET","path":"/issues/7/comments","count":1,"action":"delay","delay_ms":3000}'
run timeout-retried 1 "$TOKEN" --api-timeout 1
check timeout-then-ok "len(find('GET', r'/issues/7/comments'))" 2

# A bad token: 401, a clear message, exit 3, the token nowhere.
fresh
run bad-token 3 ghp_wrongTokenValue987654321
grep -q '401: Bad credentials (check the token' "$TMP/err" && pass bad-token-message || \
	fail bad-token-message "$(head -c 300 "$TMP/err")"
no_secret bad-token-not-printed ghp_wrongTokenValue987654321 "$TMP/out" "$TMP/err"

# A pull request that does not exist: 404 named, exit 3.
fresh
event 404
run missing-pr 3 "$TOKEN"
grep -q 'GitHub GET /repos/acme/app/issues/404/comments: 404' "$TMP/err" && pass missing-pr-message || \
	fail missing-pr-message "$(head -c 300 "$TMP/err")"

finish
