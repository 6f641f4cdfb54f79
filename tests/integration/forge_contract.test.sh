#!/bin/sh
# Every operation of the forge clients, once, against the test peers:
# the GitHub fake forwards each request to Prism serving GitHub's official
# OpenAPI description, the GitLab fake checks each against python-gitlab's
# routes and required attributes.  The driver (tests/contract/forge_ops.c)
# links the real client; no request may break the contract, every answer
# must decode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ci_lib.sh"
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
trap 'peers_stop; rm -rf "$TMP"' EXIT
OPS=${FORGE_OPS:-$ROOT/build/test/forge-ops}
[ -x "$OPS" ] || { fail driver "$OPS is not built (make build/test/forge-ops)"; finish; exit 1; }

ci_make_origin
ci_diff >"$TMP/pr.diff"
$PY - "$TMP/pr.diff" "$BASE_SHA" "$HEAD_SHA" "$TMP" <<'EOF'
import json, sys
diff, base, head, t = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
log = "".join("2026-11-25T10:00:%02d.0000000Z line %d\n" % (i % 60, i) for i in range(100))
json.dump({"repo": "acme/app", "pulls": [{"number": 7, "title": "A change", "head_sha": head,
  "base_sha": base, "head_ref": "feature", "base_ref": "main", "head_repo": "acme/app",
  "diff": diff}], "issues": [{"number": 3, "title": "Do a thing"}],
  "issue_comments": [{"issue": 7, "body": "comment %d" % i} for i in range(150)],
  "job_logs": {"123": log}}, open(t + "/gh.json", "w"))
json.dump({"project": {"id": 42, "path_with_namespace": "group/app"},
  "merge_requests": [{"iid": 5, "title": "A change", "source_branch": "feature",
    "target_branch": "main", "diff": diff, "source_project_id": 42,
    "versions": [{"id": 1, "head_commit_sha": head, "base_commit_sha": base,
                  "start_commit_sha": base}],
    "discussions": [{"notes": [{"body": "note %d" % i}]} for i in range(130)]}],
  "issues": [{"iid": 3, "title": "Do a thing"}],
  "jobs": {"77": {"trace": log}}}, open(t + "/gl.json", "w"))
EOF

run_ops() { # NAME forge url repo number job
	expect_exit "$1" 0 env FORGE_OPS_TOKEN="$TOKEN" "$OPS" "$2" "$3" "$4" "$5" 3 "$6" "$HEAD_SHA" &&
		pass "$1: every operation succeeded"
	grep '^error' "$TMP/out" | head -5
}

peers_start_prism || { fail prism "Prism did not start"; finish; exit 1; }
TOKEN=ghp_contractToken0123456789
peers_start_github --token "$TOKEN" --seed "$TMP/gh.json" || { fail fake "no GitHub fake"; finish; exit 1; }
run_ops github-ops github "$GH_URL" acme/app 7 123
peer_requests "$GH_URL" >"$TMP/req.json"
check github-contract "[(r['method'], r['path'], r['contract']) for r in reqs if r['contract'] != 'ok']" "[]"
# 22 kinds of request (the diff and the JSON of a pull request share a path).
check github-kinds "len(set((r['method'], __import__('re').sub(r'/[0-9a-f]{40}|/\\d+', '/N', r['path'])) for r in reqs))" 22
check github-diff-media "[r['headers'].get('accept') for r in find('GET', r'/pulls/7$')]" "['application/vnd.github+json', 'application/vnd.github.v3.diff']"
check github-log-no-token "[r.get('authorization_present') for r in reqs if r['path'].startswith('/__logs/')]" "[False]"
check github-annotation-pages "[len(r['body']['output']['annotations']) for r in reqs if '/check-runs' in r['path']]" "[50, 10]"
# 150 seeded comments + the note + the review comment: two pages of issue comments.
grep -q '^ok comments_list n=152$' "$TMP/out" && pass github-paginated || fail github-paginated "$(grep comments_list "$TMP/out")"
check github-pages "[r['query'] for r in find('GET', r'/issues/7/comments$')]" "['per_page=100&page=1', 'per_page=100&page=2']"
grep -q '^ok pr_create number=[0-9]* draft=1' "$TMP/out" && pass github-draft-pr || fail github-draft-pr "$(grep pr_create "$TMP/out")"
b=$(sed -n 's/^ok job_log bytes=//p' "$TMP/out")
[ -n "$b" ] && [ "$b" -gt 0 ] && [ "$b" -le 200 ] && pass github-log-tail || fail github-log-tail "$(grep job_log "$TMP/out")"

TOKEN=glpat-contractToken012345
peers_start_gitlab --token "$TOKEN" --seed "$TMP/gl.json" || { fail fake "no GitLab fake"; finish; exit 1; }
run_ops gitlab-ops gitlab "$GL_URL" 42 5 77
peer_requests "$GL_URL" >"$TMP/req.json"
check gitlab-contract "[(r['method'], r['path'], r['contract']) for r in reqs if r['contract'] != 'ok']" "[]"
check gitlab-all-answered "[(r['method'], r['path'], r['status']) for r in reqs if not (200 <= r['status'] < 300) and r['path'] != '/api/v4/projects/42/repository/branches']" "[]"
# 130 seeded discussions + the review's + the note: two pages (X-Next-Page).
grep -q '^ok comments_list n=132$' "$TMP/out" && pass gitlab-paginated || fail gitlab-paginated "$(grep comments_list "$TMP/out")"
grep -q '^ok pr_create number=[0-9]* draft=1' "$TMP/out" && pass gitlab-draft-mr || fail gitlab-draft-mr "$(grep pr_create "$TMP/out")"
check gitlab-draft-title "[r['body']['title'] for r in find('POST', r'/merge_requests$')]" "['Draft: Fix issue 3']"

finish
