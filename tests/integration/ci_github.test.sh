#!/bin/sh
# `forgebot ci` in a GitHub Actions job, end to end: a real repository with
# a real change, a depth-1 checkout, the environment Actions sets, and the
# GitHub fake (tests/peers) that checks every request against GitHub's
# official OpenAPI description through Prism.  Covers the first run, a
# re-run (no duplicates), a push that fixes a finding (comment marked
# outdated), a fork's read-only token (annotations, no failure), --dry-run,
# SARIF upload, GitHub Enterprise Server's /api/v3, and a GitHub App.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ci_lib.sh"
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
trap 'peers_stop; rm -rf "$TMP"' EXIT

TOKEN=ghp_forgebotTestToken0123456789
RO=ghs_readOnlyForkToken0123456789
ci_make_origin
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/app.pem" 2>/dev/null

seed() {
	ci_diff >"$TMP/pr.diff"
	$PY - "$TMP/pr.diff" "$BASE_SHA" "$HEAD_SHA" >"$TMP/seed.json" <<'EOF'
import json, sys
print(json.dumps({"repo": "acme/app", "pulls": [{"number": 7, "title": "Titles and commands",
  "head_sha": sys.argv[3], "base_sha": sys.argv[2], "head_ref": "feature", "base_ref": "main",
  "head_repo": "acme/app", "diff": open(sys.argv[1]).read()}],
  "issue_comments": [{"issue": 7, "user": "mallory",
    "body": "<!-- forgebot:summary --> a comment pretending to be forgebot's"}]}))
EOF
	curl -sf -X POST --data-binary @"$TMP/seed.json" "$GH_URL/__control/seed" >/dev/null
}

event() { # event FILE HEAD_REPO
	$PY - "$BASE_SHA" "$HEAD_SHA" "$2" >"$1" <<'EOF'
import json, sys
print(json.dumps({"action": "synchronize", "number": 7, "pull_request": {"number": 7,
  "head": {"sha": sys.argv[2], "ref": "feature", "repo": {"full_name": sys.argv[3]}},
  "base": {"sha": sys.argv[1], "ref": "main", "repo": {"full_name": "acme/app"}}}}))
EOF
}

# run_ci NAME WANT_EXIT [VAR=VALUE...] -- [forgebot ci args]: in a fresh depth-1 checkout.
run_ci() {
	name=$1
	want=$2
	shift 2
	ci_checkout "$TMP/ws"
	[ -f "$TMP/event.json" ] || event "$TMP/event.json" acme/app
	set -- env -i PATH="$PATH" HOME="$TMP" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" GITHUB_ACTIONS=true \
		GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$TMP/event.json" \
		GITHUB_REPOSITORY=acme/app GITHUB_SHA="$HEAD_SHA" GITHUB_REF=refs/pull/7/merge \
		GITHUB_API_URL="$GH_URL" GITHUB_SERVER_URL=https://github.example GITHUB_RUN_ID=42 \
		"$@"
	before=$(peer_requests "$GH_URL" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
	cd "$TMP/ws"
	expect_exit "$name" "$want" "$@" && pass "$name exits $want"
	cd "$TMP"
	# Only this run's requests: the log is cumulative.
	peer_requests "$GH_URL" | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)['"$before"':]))' >"$TMP/req.json"
}

fb() { echo "$FORGEBOT" ci --no-builtin-rules --rules "$CI_RULES"; }

peers_start_prism || { fail prism "Prism did not start"; finish; exit 1; }
peers_start_github --token "$TOKEN" --readonly-token "$RO" --app-id 12345 \
	--app-public-key "$TMP/app.pem" --installation-id 77 || { fail fake "no GitHub fake"; finish; exit 1; }
seed

# 1. First run: one review with the inline comments, a summary, a failing check run.
run_ci first-run 1 GITHUB_TOKEN="$TOKEN" $(fb) --sarif out.sarif
check contract-all-ok "all(r['contract']=='ok' for r in reqs) and len(reqs)>0" True
check one-review "len(find('POST', r'/pulls/7/reviews$'))" 1
check review-commit "find('POST', r'/pulls/7/reviews$')[0]['body']['commit_id']=='$HEAD_SHA'" True
check review-comments "sorted((c['path'], c['line']) for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'])" \
	"[('src/app.c', 11), ('src/app.c', 16), ('src/calc.py', 2)]"
check suggestion-block "[c for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'] if c['line']==11][0]['body'].count('\`\`\`suggestion\n\tsnprintf(dst, sizeof dst, \"%s\", title);\n\`\`\`')" 1
check fingerprint-markers "all('<!-- forgebot:v1 fp=' in c['body'] for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'])" True
check summary-created "[r['body']['body'].startswith('<!-- forgebot:summary -->') for r in find('POST', r'/issues/7/comments$')]" "[True]"
check spoofed-summary-ignored "len(find('PATCH', r'/issues/comments/'))" 0
check check-run-failure "[(r['body']['conclusion'], len(r['body']['output']['annotations'])) for r in find('POST', r'/check-runs$')]" "[('failure', 3)]"
check base-finding-not-reported "all(c['line']!=6 for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'])" True
[ "$(git -C "$TMP/ws" rev-list --count HEAD)" -gt 1 ] && pass shallow-clone-deepened || fail shallow-clone-deepened "still depth 1"
[ -s "$TMP/ws/out.sarif" ] && pass sarif-written || fail sarif-written "no out.sarif"
no_secret token-not-printed "$TOKEN" "$TMP/out" "$TMP/err"

# 2. The same head again: nothing new inline; the summary is edited in place.
run_ci rerun 1 GITHUB_TOKEN="$TOKEN" $(fb)
check rerun-no-review "len(find('POST', r'/pulls/7/reviews$'))" 0
check rerun-no-new-summary "len(find('POST', r'/issues/7/comments$'))" 0
check rerun-summary-edited "len(find('PATCH', r'/issues/comments/\d+$'))" 1
check rerun-contract "all(r['contract']=='ok' for r in reqs)" True

# 3. A push fixes one finding: its comment is marked outdated, never deleted.
ci_push_fix
seed
event "$TMP/event.json" acme/app
run_ci after-fix 0 GITHUB_TOKEN="$TOKEN" $(fb)
check outdated-edit "[('Outdated' in r['body']['body'], 'state=outdated' in r['body']['body']) for r in find('PATCH', r'/pulls/comments/\d+$')]" "[(True, True)]"
check nothing-deleted "len([r for r in reqs if r['method']=='DELETE'])" 0
check after-fix-no-review "len(find('POST', r'/pulls/7/reviews$'))" 0
check after-fix-contract "all(r['contract']=='ok' for r in reqs)" True

# 4. A fork's read-only token: annotations and a notice, exit by findings only
#    (after the fix only a warning and an info remain: exit 0).
event "$TMP/event.json" someone/fork
run_ci fork-read-only 0 GITHUB_TOKEN="$RO" $(fb) --sarif fork.sarif
grep -q '^::warning file=src/calc.py,line=2' "$TMP/out" && pass fork-annotations || \
	fail fork-annotations "no ::warning annotation in: $(head -c 300 "$TMP/out")"
grep -q 'notice: this pull request comes from a fork' "$TMP/err" && pass fork-notice || \
	fail fork-notice "stderr: $(head -c 400 "$TMP/err")"
[ -s "$TMP/ws/fork.sarif" ] && pass fork-sarif || fail fork-sarif "no report file"
no_secret fork-token-not-printed "$RO" "$TMP/out" "$TMP/err"
rm -f "$TMP/event.json"

# 5. --dry-run sends nothing and prints the calls.
run_ci dry-run 0 $(fb) --dry-run
check dry-run-sends-nothing "len(reqs)" 0
grep -q "^POST $GH_URL/repos/acme/app/pulls/7/reviews$" "$TMP/out" && pass dry-run-lists-review || \
	fail dry-run-lists-review "$(head -c 400 "$TMP/out")"
grep -q "^POST $GH_URL/repos/acme/app/check-runs$" "$TMP/out" && pass dry-run-lists-check || \
	fail dry-run-lists-check "$(head -c 400 "$TMP/out")"

# 6. SARIF upload to code scanning.
run_ci upload-sarif 0 GITHUB_TOKEN="$TOKEN" $(fb) --upload-sarif --no-comments
check sarif-uploaded "[(r['body']['ref'], r['body']['commit_sha']=='$HEAD_SHA', r['contract']) for r in find('POST', r'/code-scanning/sarifs$')]" \
	"[('refs/pull/7/merge', True, 'ok')]"

# 7. GitHub Enterprise Server: the API under /api/v3, from GITHUB_API_URL.
run_ci enterprise-server 0 GITHUB_TOKEN="$TOKEN" GITHUB_API_URL="$GH_URL/api/v3" $(fb)
check ghes-paths "len(reqs) > 0 and all(r['path'].startswith('/api/v3/') for r in reqs)" True
check ghes-contract "all(r['contract']=='ok' for r in reqs)" True

# 8. A push, not a pull request: the change since "before", a check run, no comments.
printf '{"ref":"refs/heads/feature","before":"%s","after":"%s"}' "$BASE_SHA" "$HEAD_SHA" >"$TMP/event.json"
run_ci push-event 0 GITHUB_TOKEN="$TOKEN" GITHUB_EVENT_NAME=push GITHUB_REF=refs/heads/feature $(fb)
check push-no-comments "[r['method']+' '+r['path'] for r in w]" "['POST /repos/acme/app/check-runs']"
grep -q 'src/calc.py:2:' "$TMP/out" && pass push-findings-in-log || fail push-findings-in-log "$(head -c 300 "$TMP/out")"
rm -f "$TMP/event.json"

# 9. A GitHub App identity: one token exchange, then the installation token.
run_ci github-app 0 FORGEBOT_GITHUB_APP_ID=12345 FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE="$TMP/app.pem" $(fb)
check app-token-exchange "len(find('POST', r'/app/installations/\d+/access_tokens$'))" 1
check app-installation-used "all(r['headers'].get('authorization','').endswith('installation') for r in reqs if not r['path'].startswith('/app') and '/installation' not in r['path'])" True
check app-login-asked "len(find('GET', r'^/app$'))" 1
no_secret app-key-not-printed "$(sed -n 2p "$TMP/app.pem")" "$TMP/out" "$TMP/err"

# 10. The forge's diff differs from the checkout's (here it lacks calc.py):
#     GitHub refuses the batch, forgebot retries one comment at a time, and
#     the comment it cannot place goes to the summary — the run succeeds.
git -C "$TMP/src" diff "$BASE_SHA...$HEAD_SHA" -- src/app.c >"$TMP/pr8.diff"
$PY - "$TMP/pr8.diff" "$BASE_SHA" "$HEAD_SHA" >"$TMP/seed8.json" <<'EOF'
import json, sys
print(json.dumps({"repo": "acme/app", "pulls": [{"number": 8, "head_sha": sys.argv[3],
  "base_sha": sys.argv[2], "head_ref": "feature2", "base_ref": "main", "head_repo": "acme/app",
  "diff": open(sys.argv[1]).read()}]}))
EOF
curl -sf -X POST --data-binary @"$TMP/seed8.json" "$GH_URL/__control/seed" >/dev/null
$PY - "$BASE_SHA" "$HEAD_SHA" >"$TMP/event.json" <<'EOF'
import json, sys
print(json.dumps({"pull_request": {"number": 8, "head": {"sha": sys.argv[2], "repo": {"full_name": "acme/app"}},
  "base": {"sha": sys.argv[1], "repo": {"full_name": "acme/app"}}}}))
EOF
run_ci unplaceable 0 GITHUB_TOKEN="$TOKEN" $(fb)
check batch-refused "[r['status'] for r in find('POST', r'/pulls/8/reviews$')]" "[422]"
check one-at-a-time "sorted(r['status'] for r in find('POST', r'/pulls/8/comments$'))" "[201, 422]"
check unplaced-in-summary "[('could not place it' in r['body']['body'], 'src/calc.py:2' in r['body']['body']) for r in find('POST', r'/issues/8/comments$')]" "[(True, True)]"
rm -f "$TMP/event.json"

finish
