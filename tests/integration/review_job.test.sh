#!/bin/sh
# The review agent (bot/agents/review_job.c) end to end, as a worker runs it
# for a queued job: a real repository with a real change served over HTTP
# with basic auth (lighttpd + git-http-backend, the way GitHub and GitLab
# serve git), the GitHub fake checked by Prism against GitHub's OpenAPI
# description, and the GitLab fake.  The driver (build/test/review-job)
# builds the job from a params file and a webhook body.
#
# Covers: the first run (one review, a summary, a check run; the
# repository's .forgebot.yml and rule directory read at the head; in the
# store, the review with its findings, the posted comments and one audit row
# per forge write besides the review.publish row), a re-run
# (nothing new posted, nothing new fetched), a stale head and a closed pull
# request (done, nothing posted), refused git credentials and a missing
# repository (permanent failures, no secret printed), credentials never sent
# to another host, a GitHub App, GitLab with refs/merge-requests/N/head, and
# cache eviction.
FORGEBOT=${FORGEBOT:-$(cd "$(dirname "$0")/../.." && pwd)/build/test/forgebot}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ci_lib.sh"
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
REVIEW_JOB=${REVIEW_JOB:-$ROOT/build/test/review-job}
trap 'peers_stop; ci_git_http_stop; rm -rf "$TMP"' EXIT

TOKEN=ghp_reviewJobTestToken0123456789
RO=ghs_readOnlyReviewJobToken012345
GLTOKEN=glpat-reviewJobTestToken012345
CACHE=$TMP/cache
GITLOG=$TMP/git-requests.log

for tool in lighttpd htpasswd; do
	command -v $tool >/dev/null 2>&1 || { fail setup "$tool is not installed (Debian: lighttpd apache2-utils)"; finish; exit 1; }
done
[ -x "$REVIEW_JOB" ] || { fail setup "no $REVIEW_JOB (make build/test/review-job)"; finish; exit 1; }

# --- the repository: ci_lib's change, plus a .forgebot.yml at the head that
#     replaces the built-in rules by a rule directory in the repository ---
ci_make_origin
mkdir -p "$TMP/src/.forgebot/rules/tests"
printf 'id: not.a.rule\n' >"$TMP/src/.forgebot/rules/tests/broken.yml"   # tests/ is skipped
ci_settings_at_head

# --- git over HTTP with basic auth; the CGI wrapper logs each request that
#     passed authentication ("METHOD PATH"), so fetches can be counted ---
ci_git_http_start "x-access-token:$TOKEN" "oauth2:$GLTOKEN" || { fail setup "lighttpd did not start"; finish; exit 1; }
PORT=$GIT_PORT

# --- the forges ---
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/app.pem" 2>/dev/null
peers_start_prism || { fail prism "Prism did not start"; finish; exit 1; }
peers_start_github --token "$TOKEN" --readonly-token "$RO" --app-id 12345 \
	--app-public-key "$TMP/app.pem" --installation-id 77 || { fail fake "no GitHub fake"; finish; exit 1; }
peers_start_gitlab --token "$GLTOKEN" || { fail fake "no GitLab fake"; finish; exit 1; }

ci_diff >"$TMP/pr.diff"
$PY - "$TMP/pr.diff" "$BASE_SHA" "$HEAD_SHA" >"$TMP/gh-seed.json" <<'EOF'
import json, sys
diff, base, head = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
print(json.dumps({"repo": "acme/app", "pulls": [
  {"number": 7, "title": "Titles and commands", "head_sha": head, "base_sha": base,
   "head_ref": "feature", "base_ref": "main", "head_repo": "acme/app", "diff": diff},
  {"number": 8, "title": "Closed", "state": "closed", "head_sha": head, "base_sha": base,
   "head_ref": "feature", "base_ref": "main", "head_repo": "acme/app", "diff": diff}]}))
EOF
peer_seed "$GH_URL" "$TMP/gh-seed.json"
ci_gitlab_seed "$TMP/pr.diff" "$BASE_SHA" "$HEAD_SHA" >"$TMP/gl-seed.json"
peer_seed "$GL_URL" "$TMP/gl-seed.json"

# gh_job NUMBER HEAD_SHA CLONE_URL: the params and webhook body of a GitHub job.
gh_job() {
	$PY - "$1" "$2" "$BASE_SHA" "$3" "$TMP/params.json" "$TMP/delivery.json" <<'EOF'
import json, sys
n, head, base, url = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
json.dump({"source": "github", "event": "pull_request", "action": "synchronize",
  "repo": "acme/app", "installation_id": 77, "number": n, "head_sha": head, "base_sha": base,
  "head_ref": "feature", "base_ref": "main", "sender": "dev"}, open(sys.argv[5], "w"))
json.dump({"action": "synchronize", "number": n,
  "pull_request": {"number": n, "head": {"sha": head, "ref": "feature"},
                   "base": {"sha": base, "ref": "main"}},
  "repository": {"full_name": "acme/app", "clone_url": url}, "installation": {"id": 77}},
  open(sys.argv[6], "w"))
EOF
}

# run NAME WANT_EXIT FORGE_URL [VAR=VALUE...]: run the driver, keep this run's
# requests in $TMP/req.json and its git requests in $TMP/git.now.
run() {
	name=$1
	want=$2
	forge_url=$3
	shift 3
	before=$(peer_requests "$forge_url" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
	gbefore=0
	[ -f "$GITLOG" ] && gbefore=$(wc -l <"$GITLOG")
	expect_exit "$name" "$want" env -i PATH="$PATH" HOME="$TMP" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" FORGEBOT_CACHE_DIR="$CACHE" "$@" \
		"$REVIEW_JOB" "$TMP/params.json" "$TMP/delivery.json" ${STORE:+"$STORE"} &&
		pass "$name exits $want"
	peer_requests "$forge_url" | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)['"$before"':]))' >"$TMP/req.json"
	tail -n +$((gbefore + 1)) "$GITLOG" 2>/dev/null >"$TMP/git.now"
}

gh() { # gh NAME WANT_EXIT [VAR=VALUE...]: run against the GitHub fake
	n=$1
	w=$2
	shift 2
	run "$n" "$w" "$GH_URL" FORGEBOT_GITHUB_API_URL="$GH_URL" "$@"
}
out_has() { # out_has NAME TEXT: stdout or stderr of the last run contains TEXT
	if grep -q -F -- "$2" "$TMP/out" "$TMP/err"; then pass "$1"; else
		fail "$1" "no '$2' in: $(head -c 500 "$TMP/out") $(head -c 500 "$TMP/err")"; fi
}
fetches() { grep -c '^POST /origin.git/git-upload-pack' "$TMP/git.now"; }
db_py() { # db_py EXPR: evaluate EXPR with q(sql) over the store (SQLite)
	$PY - "$STORE" "$1" <<'EOF'
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=30)
def q(sql, *a):
    return con.execute(sql, a).fetchall()
print(eval(sys.argv[2]))
EOF
}
db_check() { # db_check NAME EXPR WANT: db_py EXPR prints WANT
	got=$(db_py "$2" 2>&1)
	if [ "$got" = "$3" ]; then pass "$1"; else fail "$1" "got '$got', want '$3'"; fi
}
audit_max() { db_py "q('SELECT COALESCE(MAX(id), 0) FROM audit')[0][0]"; }
# audit_since ID TARGET: an expression for the audit actions on TARGET after row ID.
audit_since() { echo "[a for (a,) in q('SELECT action FROM audit WHERE id > ? AND target = ? ORDER BY id', $1, '$2')]"; }

# A store for the audit log when this build has one that works.
STORE=$TMP/forgebot.db
"$REVIEW_JOB" /dev/null /dev/null "$STORE" >/dev/null 2>&1
[ -s "$STORE" ] || STORE=

# 1. First run: fetched with the token, one review, a summary, a failing check run.
gh_job 7 "$HEAD_SHA" "$GIT_URL"
gh first-run 0 FORGEBOT_GITHUB_TOKEN="$TOKEN"
out_has outcome-done "outcome: done"
check contract-all-ok "all(r['contract']=='ok' for r in reqs) and len(reqs)>0" True
check pr-read "len(find('GET', r'/repos/acme/app/pulls/7$'))" 1
check one-review "len(find('POST', r'/pulls/7/reviews$'))" 1
check review-commit "find('POST', r'/pulls/7/reviews$')[0]['body']['commit_id']=='$HEAD_SHA'" True
check review-comments "sorted((c['path'], c['line']) for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'])" \
	"[('src/app.c', 11), ('src/app.c', 16), ('src/calc.py', 2)]"
check config-at-head "all('rule=fixture.' in c['body'] for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'])" True
check suggestion-from-head "[c for c in find('POST', r'/pulls/7/reviews$')[0]['body']['comments'] if c['line']==11][0]['body'].count('\`\`\`suggestion\n\tsnprintf(dst, sizeof dst, \"%s\", title);\n\`\`\`')" 1
check summary-created "[r['body']['body'].startswith('<!-- forgebot:summary -->') for r in find('POST', r'/issues/7/comments$')]" "[True]"
check check-run-failure "[(r['body']['conclusion'], r['body']['head_sha']=='$HEAD_SHA') for r in find('POST', r'/check-runs$')]" "[('failure', True)]"
[ "$(fetches)" = 1 ] && pass first-run-fetched || fail first-run-fetched "git requests: $(cat "$TMP/git.now")"
ls -d "$CACHE"/*.git >/dev/null 2>&1 && [ "$(git --git-dir="$(ls -d "$CACHE"/*.git | head -1)" rev-parse refs/forgebot/pr/7/head)" = "$HEAD_SHA" ] &&
	pass cache-has-pr-ref || fail cache-has-pr-ref "$(ls -la "$CACHE" 2>&1)"
grep -q '^heartbeats: [3-9]' "$TMP/out" && pass heartbeats || fail heartbeats "$(cat "$TMP/out")"
if [ -n "$STORE" ]; then
	out_has audit-entry 'audit: review.publish github:acme/app#7 {"head_sha":"'"$HEAD_SHA"'","posted":3,'
	# One audit row per write the forge accepted, in order, then the sum-up.
	db_check audit-per-action "$(audit_since 0 'github:acme/app#7')" \
		"['forge.review.post', 'forge.comment.post', 'forge.comment.post', 'forge.comment.post', 'forge.summary.create', 'forge.check.create', 'review.publish']"
	db_check audit-review-post "[(json.loads(d)['comments'], json.loads(d)['head_sha']=='$HEAD_SHA', j, a) for (d, j, a) in q(\"SELECT detail, job_id, actor FROM audit WHERE action='forge.review.post'\")]" \
		"[(3, True, 1, 'review-job')]"
	db_check audit-comment-post "sorted((json.loads(d)['path'], json.loads(d)['line']) for (d,) in q(\"SELECT detail FROM audit WHERE action='forge.comment.post'\"))" \
		"[('src/app.c', 11), ('src/app.c', 16), ('src/calc.py', 2)]"
	db_check audit-check-create "[json.loads(d)['state'] for (d,) in q(\"SELECT detail FROM audit WHERE action='forge.check.create'\")]" "['failure']"
	db_check audit-summary-create "[json.loads(d)['comment_id'] > 0 for (d,) in q(\"SELECT detail FROM audit WHERE action='forge.summary.create'\")]" "[True]"
	# The review and its findings, as the MCP tools will read them back.
	db_check review-stored "q('SELECT forge, repo, number, head_sha=?, base_sha=?, job_id, nfindings, nerror, nwarning, ninfo, nhint, summary FROM reviews', '$HEAD_SHA', '$BASE_SHA')" \
		"[('github', 'acme/app', 7, 1, 1, 1, 3, 1, 1, 1, 0, '3 findings in 8 changed files')]"
	db_check findings-stored "q('SELECT rule_id, severity, path, start_line, length(fingerprint) FROM findings f JOIN reviews r ON r.id = f.review_id ORDER BY seq')" \
		"[('fixture.c-strcpy', 'error', 'src/app.c', 11, 16), ('fixture.c-system', 'info', 'src/app.c', 16, 16), ('fixture.py-eval', 'warning', 'src/calc.py', 2, 16)]"
	db_check review-publish-links-review "[json.loads(d)['review_id'] for (d,) in q(\"SELECT detail FROM audit WHERE action='review.publish'\")] == [i for (i,) in q('SELECT id FROM reviews')]" True
	# The comments posted, by fingerprint: a review returns no comment ids.
	db_check comments-stored "sorted((fp in [f for (f,) in q('SELECT fingerprint FROM findings')], c, o) for (fp, c, o) in q(\"SELECT fingerprint, comment_id, outdated FROM comments WHERE forge='github' AND repo='acme/app' AND number=7\"))" \
		"[(True, 0, 0), (True, 0, 0), (True, 0, 0)]"
else
	echo "note: no working store in this build; audit not checked"
fi
no_secret token-not-printed "$TOKEN" "$TMP/out" "$TMP/err"

# 2. The same job again: nothing new posted, nothing new downloaded (the
#    refs are read, no pack is asked for).
[ -n "$STORE" ] && last=$(audit_max)
gh rerun 0 FORGEBOT_GITHUB_TOKEN="$TOKEN"
check rerun-no-review "len(find('POST', r'/pulls/7/reviews$'))" 0
if [ -n "$STORE" ]; then
	db_check rerun-audit "$(audit_since "$last" 'github:acme/app#7')" \
		"['forge.summary.update', 'forge.check.create', 'review.publish']"
	db_check rerun-review-stored "q('SELECT COUNT(*), SUM(nfindings) FROM reviews')" "[(2, 6)]"
fi
check rerun-no-new-summary "(len(find('POST', r'/issues/7/comments$')), len(find('PATCH', r'/issues/comments/\d+$')))" "(0, 1)"
check rerun-contract "all(r['contract']=='ok' for r in reqs)" True
[ "$(fetches)" = 0 ] && grep -q '^GET /origin.git/info/refs' "$TMP/git.now" && pass rerun-fetch-incremental ||
	fail rerun-fetch-incremental "git requests: $(cat "$TMP/git.now")"

# 2b. A "/forgebot review" comment names no head: the pull request's current
#     head is reviewed (already reviewed: the summary is refreshed, no more).
$PY - "$TMP/params.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
del p["head_sha"], p["base_sha"]
p.update(event="issue_comment", action="created")
json.dump(p, open(sys.argv[1], "w"))
EOF
gh comment-command 0 FORGEBOT_GITHUB_TOKEN="$TOKEN"
check comment-command-current-head "(len(find('POST', r'/pulls/7/reviews$')), [r['body']['head_sha']=='$HEAD_SHA' for r in find('POST', r'/check-runs$')])" "(0, [True])"

# 3. A stale head (a newer push has its own job) and a closed pull request:
#    done, nothing written, nothing fetched.
gh_job 7 "$BASE_SHA" "$GIT_URL"
gh stale-head 0 FORGEBOT_GITHUB_TOKEN="$TOKEN"
out_has stale-head-logged "a newer push has its own job"
check stale-head-no-writes "[r['method']+' '+r['path'] for r in w]" "[]"
[ -s "$TMP/git.now" ] && fail stale-head-no-fetch "$(cat "$TMP/git.now")" || pass stale-head-no-fetch
gh_job 8 "$HEAD_SHA" "$GIT_URL"
gh closed-pr 0 FORGEBOT_GITHUB_TOKEN="$TOKEN"
out_has closed-pr-logged "the pull request is closed"
check closed-pr-no-writes "[r['method']+' '+r['path'] for r in w]" "[]"

# 4. Git refuses the credentials (the read-only token reads the API but is
#    not the repository's password): permanent, said clearly, no secret shown.
gh_job 7 "$HEAD_SHA" "$GIT_URL"
gh wrong-git-credentials 2 FORGEBOT_GITHUB_TOKEN="$RO"
out_has wrong-credentials-message "outcome: permanent: fetching $GIT_URL: the server refused the credentials for user 'x-access-token'"
check wrong-credentials-no-writes "[r['method']+' '+r['path'] for r in w]" "[]"
no_secret wrong-credentials-no-secret "$RO" "$TMP/out" "$TMP/err"

# 5. No such repository: permanent.
gh_job 7 "$HEAD_SHA" "http://127.0.0.1:$PORT/git/nope.git"
gh missing-repository 2 FORGEBOT_GITHUB_TOKEN="$TOKEN"
out_has missing-repository-message "no such repository"

# 6. A clone URL on another host: the token is not sent there.
gh_job 7 "$HEAD_SHA" "http://localhost:$PORT/git/origin.git"
gh foreign-host 2 FORGEBOT_GITHUB_TOKEN="$TOKEN"
out_has foreign-host-refused "refusing to send GitHub credentials to 'localhost'"
[ -s "$TMP/git.now" ] && fail foreign-host-no-request "$(cat "$TMP/git.now")" || pass foreign-host-no-request

# 7. A GitHub App: one token exchange for the installation the job names;
#    the installation token acts everywhere (the repository here is public).
gh_job 7 "$HEAD_SHA" "http://127.0.0.1:$PORT/anon/origin.git"
gh github-app 0 FORGEBOT_GITHUB_APP_ID=12345 FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE="$TMP/app.pem"
check app-token-exchange "[r['path'] for r in find('POST', r'/access_tokens$')]" "['/app/installations/77/access_tokens']"
check app-contract "all(r['contract']=='ok' for r in reqs)" True
check app-nothing-new "len(find('POST', r'/pulls/7/reviews$'))" 0
no_secret app-key-not-printed "$(sed -n 2p "$TMP/app.pem")" "$TMP/out" "$TMP/err"

# 8. GitLab: refs/merge-requests/5/head, the newest version's shas, a
#    discussion per finding, a summary note, a failed commit status; the
#    cache is over its limit afterwards, so the GitHub repository (least
#    recently used, not in use) is evicted and this one kept.
$PY - "$HEAD_SHA" "$BASE_SHA" >"$TMP/params.json" <<'EOF'
import json, sys
print(json.dumps({"source": "gitlab", "event": "Merge Request Hook", "action": "opened",
  "repo": "group/app", "project_id": 42, "number": 5, "head_sha": sys.argv[1],
  "base_sha": sys.argv[2], "head_ref": "feature", "base_ref": "main", "sender": "dev"}))
EOF
$PY - "$GIT_URL" >"$TMP/delivery.json" <<'EOF'
import json, sys
print(json.dumps({"object_kind": "merge_request", "project": {"id": 42,
  "path_with_namespace": "group/app", "git_http_url": sys.argv[1]},
  "object_attributes": {"iid": 5, "action": "open", "target_branch": "main"}}))
EOF
[ -n "$STORE" ] && last=$(audit_max)
run gitlab 0 "$GL_URL" FORGEBOT_GITLAB_URL="$GL_ROOT" FORGEBOT_GITLAB_TOKEN="$GLTOKEN" \
	REVIEW_JOB_CACHE_MAX_BYTES=1
if [ -n "$STORE" ]; then
	db_check gitlab-audit "$(audit_since "$last" 'gitlab:group/app#5')" \
		"['forge.review.post', 'forge.comment.post', 'forge.comment.post', 'forge.comment.post', 'forge.summary.create', 'forge.status.set', 'review.publish']"
	db_check gitlab-review-stored "q(\"SELECT repo, number, nfindings FROM reviews WHERE forge='gitlab'\")" "[('group/app', 5, 3)]"
	db_check gitlab-comments-stored "q(\"SELECT COUNT(*) FROM comments WHERE forge='gitlab' AND repo='group/app' AND number=5\")" "[(3,)]"
fi
check gitlab-contract "[r['path'] for r in reqs if r['contract']!='ok']" "[]"
check gitlab-all-accepted "[(r['method'], r['path'], r['status']) for r in reqs if r['status']>=300]" "[]"
check gitlab-discussions "sorted((r['body']['position']['new_path'], r['body']['position']['new_line']) for r in find('POST', r'/merge_requests/5/discussions$'))" \
	"[('src/app.c', 11), ('src/app.c', 16), ('src/calc.py', 2)]"
check gitlab-positions "all(r['body']['position']['head_sha']=='$HEAD_SHA' and r['body']['position']['base_sha']=='$BASE_SHA' for r in find('POST', r'/merge_requests/5/discussions$'))" True
check gitlab-summary "[r['body']['body'].startswith('<!-- forgebot:summary -->') for r in find('POST', r'/merge_requests/5/notes$')]" "[True]"
check gitlab-status "[(r['body']['state'], r['body']['name']) for r in find('POST', r'/statuses/$HEAD_SHA$')]" "[('failed', 'forgebot')]"
[ "$(fetches)" = 1 ] && pass gitlab-fetched || fail gitlab-fetched "git requests: $(cat "$TMP/git.now")"
repos=$(ls -d "$CACHE"/*.git 2>/dev/null)
case $repos in
*/gitlab_group_app-*.git) [ "$(echo "$repos" | wc -l)" -eq 1 ] && pass cache-evicted-lru ||
	fail cache-evicted-lru "left: $repos" ;;
*) fail cache-evicted-lru "left: $repos" ;;
esac
no_secret gitlab-token-not-printed "$GLTOKEN" "$TMP/out" "$TMP/err"

# 9. Two workers in two processes fetch one repository into an empty cache
#    at once: the lock makes the second wait, and it then finds everything
#    there, so one pack is downloaded in all.  (Nothing new is posted: the
#    review is already on the pull request.)
gh_job 7 "$HEAD_SHA" "$GIT_URL"
gbefore=$(wc -l <"$GITLOG")
par() { # par I: one of the two workers, in the background
	env -i PATH="$PATH" HOME="$TMP" ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		FORGEBOT_CACHE_DIR="$TMP/cache-shared" FORGEBOT_GITHUB_API_URL="$GH_URL" \
		FORGEBOT_GITHUB_TOKEN="$TOKEN" "$REVIEW_JOB" "$TMP/params.json" "$TMP/delivery.json" \
		>"$TMP/par$1.out" 2>"$TMP/par$1.err"
}
par 1 &
pid1=$!
par 2 &
pid2=$!
wait "$pid1" "$pid2"
if grep -q '^outcome: done' "$TMP/par1.out" && grep -q '^outcome: done' "$TMP/par2.out"; then
	pass concurrent-both-done
else
	fail concurrent-both-done "$(cat "$TMP/par1.out" "$TMP/par2.out" "$TMP/par1.err" "$TMP/par2.err" | head -c 800)"
fi
tail -n +$((gbefore + 1)) "$GITLOG" >"$TMP/git.now"
[ "$(fetches)" = 1 ] && pass concurrent-one-download || fail concurrent-one-download "git requests: $(cat "$TMP/git.now")"

# 10. `forgebot review` on a bare repository reads its settings at --head
#     too, and names the commit when they are wrong.
expect_exit bare-cli-review 0 "$FORGEBOT" review --repo "$ORIGIN" --base main --head feature \
	--format json --fail-on never &&
	{ got=$($PY -c 'import json,sys; print(sorted(f["rule"] for f in json.load(sys.stdin)["findings"]))' <"$TMP/out")
	  [ "$got" = "['fixture.c-strcpy', 'fixture.c-system', 'fixture.py-eval']" ] && pass bare-cli-review ||
		fail bare-cli-review "rules: $got"; }
_cg "$src" checkout -qb broken
printf 'rules:\n  disabel: [x]\n' >"$src/.forgebot.yml"
_cg "$src" commit -qam "a typo in the settings"
_cg "$src" push -q origin broken
short=$(git -C "$src" rev-parse --short=12 HEAD)
expect_exit bare-cli-bad-config 2 "$FORGEBOT" review --repo "$ORIGIN" --base main --head broken &&
	{ grep -q "config '$short:.forgebot.yml' line 2 column 3: unknown key 'disabel'" "$TMP/err" &&
	  pass bare-cli-bad-config || fail bare-cli-bad-config "$(head -c 300 "$TMP/err")"; }

finish
