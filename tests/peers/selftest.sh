#!/bin/sh
# selftest.sh - prove the test peers work: start Prism and both forge fakes
# through peers.sh and drive them with curl alone (python3 only reads the
# JSON answers).  Each check prints `PASS name` or `FAIL name: why`; the last
# line is `N passed, N failed` like the other suites, and the exit status is
# 0 only when everything passed.
#
#   tests/peers/selftest.sh           (about 10 s, most of it Prism starting)
set -u
PEERS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$PEERS_DIR/peers.sh"
trap peers_stop EXIT

PASSED=0
FAILED=0
pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }
# check NAME WANT GOT
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want [$2], got [$3]"; fi; }
# jget EXPR: evaluate a Python expression over the JSON on stdin (bound to d).
jget() { "$PEERS_PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# last_entry URL: the newest request-log entry of a fake.
last_entry() { peer_requests "$1" | jget 'json.dumps(d[-1])'; }

peers_start_prism || exit 1
peers_start_github --token gh-full --readonly-token gh-ro || exit 1
peers_start_gitlab --token gl-pat --job-token gl-job || exit 1
W=$PEERS_TMP/work
mkdir -p "$W"

HEAD=1111111111111111111111111111111111111111
BASE=2222222222222222222222222222222222222222
# A two-hunk diff of src/buf.c: new lines 1-6 and 21-23 are in hunks; line 12 is not.
DIFF='diff --git a/src/buf.c b/src/buf.c
index 83db48f..bf269f4 100644
--- a/src/buf.c
+++ b/src/buf.c
@@ -1,5 +1,6 @@
 #include <stdlib.h>
-int a;
+int a = 1;
+int b;
 int c;
 int d;
 int e;
@@ -20,3 +21,3 @@ int f(void)
 x
-y
+z
 w
'
"$PEERS_PYTHON" - "$DIFF" "$W" <<'EOF'
import json, sys
diff, w = sys.argv[1], sys.argv[2]
json.dump({"repo": "octo/hello", "pulls": [{"number": 7, "title": "Add buf",
           "head_sha": "1" * 40, "base_sha": "2" * 40, "head_ref": "feature",
           "base_ref": "main", "draft": False, "head_repo": "octo/hello", "diff": diff}],
           "job_logs": {"123": "compiling\nerror: boom"}}, open(w + "/gh.json", "w"))
json.dump({"project": {"id": 42, "path_with_namespace": "group/project"},
           "merge_requests": [{"iid": 5, "title": "Add buf", "source_branch": "feature",
                               "target_branch": "main", "draft": False, "diff": diff,
                               "source_project_id": 42,
                               "versions": [{"id": 2, "head_commit_sha": "c" * 40,
                                             "base_commit_sha": "b" * 40, "start_commit_sha": "d" * 40},
                                            {"id": 1, "head_commit_sha": "a" * 40,
                                             "base_commit_sha": "b" * 40, "start_commit_sha": "b" * 40}]}],
           "jobs": {"77": {"trace": "boom", "name": "test", "status": "failed"}}},
          open(w + "/gl.json", "w"))
EOF
peer_seed "$GH_URL" "$W/gh.json" || fail seed-github "seed refused"
peer_seed "$GL_URL" "$W/gl.json" || fail seed-gitlab "seed refused"

# ghpost PATH JSON: POST to the GitHub fake with the full token; body in $W/out.
ghpost() {
	curl -sS -o "$W/out" -w '%{http_code}' -X POST -H 'Authorization: Bearer gh-full' \
		-H 'Accept: application/vnd.github+json' -H 'Content-Type: application/json' \
		--data-binary "$2" "$GH_URL$1"
}
glpost() {
	curl -sS -o "$W/out" -w '%{http_code}' -X POST -H 'PRIVATE-TOKEN: gl-pat' \
		-H 'Content-Type: application/json' --data-binary "$2" "$GL_URL$1"
}

# --- GitHub: reviews ---------------------------------------------------------
REVIEW='{"commit_id":"'$HEAD'","event":"COMMENT","body":"forgebot found 2 issues","comments":[
 {"path":"src/buf.c","line":3,"side":"RIGHT","body":"Unchecked value."},
 {"path":"src/buf.c","start_line":1,"start_side":"RIGHT","line":2,"side":"RIGHT","body":"range"},
 {"path":"src/buf.c","line":2,"side":"LEFT","body":"removed line"}]}'
check "github: valid review accepted" 200 "$(ghpost /repos/octo/hello/pulls/7/reviews "$REVIEW")"
check "github: valid review contract ok" ok "$(last_entry "$GH_URL" | jget 'd["contract"]')"
check "github: review comments stored as forgebot[bot]" "3 forgebot[bot]" \
	"$(peer_state "$GH_URL" | jget '"%d %s" % (len(d["repos"]["octo/hello"]["review_comments"]), d["repos"]["octo/hello"]["review_comments"][0]["user"]["login"])')"

OFF='{"commit_id":"'$HEAD'","event":"COMMENT","body":"x","comments":[
 {"path":"src/buf.c","line":3,"body":"fine"},{"path":"src/buf.c","line":12,"body":"off the diff"}]}'
check "github: comment off the diff gets 422" 422 "$(ghpost /repos/octo/hello/pulls/7/reviews "$OFF")"
check "github: 422 says Line could not be resolved" "Line could not be resolved" "$(jget 'd["errors"][0]' <"$W/out")"
check "github: rejected review stored nothing" 3 \
	"$(peer_state "$GH_URL" | jget 'len(d["repos"]["octo/hello"]["review_comments"])')"

NOPATH='{"commit_id":"'$HEAD'","event":"COMMENT","body":"x","comments":[{"line":3,"body":"where?"}]}'
ghpost /repos/octo/hello/pulls/7/reviews "$NOPATH" >/dev/null
check "github: Prism flags a comment without path" \
	"Request body property comments.0 must have required property 'path'" \
	"$(last_entry "$GH_URL" | jget 'd["contract"]')"

STALE='{"commit_id":"'$BASE'","event":"COMMENT","body":"x","comments":[]}'
check "github: review on a commit outside the PR gets 422" 422 "$(ghpost /repos/octo/hello/pulls/7/reviews "$STALE")"

# --- GitHub: auth ------------------------------------------------------------
got=$(curl -sS -o "$W/out" -w '%{http_code}' -X POST -H 'Authorization: Bearer gh-ro' \
	-H 'Content-Type: application/json' -d '{"body":"hi"}' "$GH_URL/repos/octo/hello/issues/7/comments")
check "github: read-only token cannot write" "403 Resource not accessible by integration" "$got $(jget 'd["message"]' <"$W/out")"
check "github: request log redacts the token" "Bearer readonly" "$(last_entry "$GH_URL" | jget 'd["headers"]["authorization"]')"
check "github: bad token gets 401" 401 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: token nope' "$GH_URL/repos/octo/hello/pulls/7")"
check "github: GHES /api/v3 prefix works" 200 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer gh-full' "$GH_URL/api/v3/repos/octo/hello/pulls/7")"
check "github: unknown path is a contract violation" "404 GET /repos/octo/hello/nope: no such path in GitHub's OpenAPI description" \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer gh-full' "$GH_URL/repos/octo/hello/nope") $(last_entry "$GH_URL" | jget 'd["contract"]')"

# --- GitHub: faults ------------------------------------------------------------
peer_fault "$GH_URL" '{"method":"GET","path":"/pulls/7$","count":1,"status":429,"headers":{"Retry-After":"1"},"body":{"message":"You have exceeded a secondary rate limit."}}'
got=$(curl -sS -D "$W/hdr" -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer gh-full' "$GH_URL/repos/octo/hello/pulls/7")
check "fault: 429 injected" 429 "$got"
check "fault: Retry-After sent" "Retry-After: 1" "$(grep -i '^retry-after' "$W/hdr" | tr -d '\r')"
check "fault: count 1 means the next request is normal" 200 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer gh-full' "$GH_URL/repos/octo/hello/pulls/7")"
peer_fault "$GH_URL" '{"path":"/issues/7/comments","action":"reset"}'
curl -sS -o /dev/null -H 'Authorization: Bearer gh-full' "$GH_URL/repos/octo/hello/issues/7/comments" 2>"$W/err"
rc=$?
check "fault: reset closes the connection (curl exit 56)" 56 "$rc"
check "fault: reset is logged" reset "$(last_entry "$GH_URL" | jget 'd["status"]')"

# --- GitHub: job log redirect ---------------------------------------------------
curl -sS -o "$W/log" -D "$W/hdr" -L -H 'Authorization: Bearer gh-full' "$GH_URL/repos/octo/hello/actions/jobs/123/logs"
check "logs: 302 to another host" "localhost" \
	"$(grep -i '^location' "$W/hdr" | sed 's,.*//\([^:/]*\).*,\1,' | head -n 1)"
check "logs: lines are timestamped" 2 "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$W/log")"
check "logs: storage fetch recorded without Authorization" "/__logs/123 False ok" \
	"$(last_entry "$GH_URL" | jget '"%s %s %s" % (d["path"], "authorization" in d["headers"], d["contract"])')"
port=${GH_URL##*:}
curl -sS -o /dev/null -H 'Authorization: Bearer gh-full' "http://localhost:$port/__logs/123"
check "logs: a leaked token is a violation" "True" \
	"$(last_entry "$GH_URL" | jget 'd["contract"].startswith("Authorization header sent")')"

# --- GitHub: App JWT -> installation token ---------------------------------------
openssl genrsa -out "$W/app.key" 2048 2>/dev/null
openssl rsa -in "$W/app.key" -pubout -out "$W/app.pub" 2>/dev/null
peers_start_github --token gh-full --app-id 4242 --app-public-key "$W/app.pub" --installation-id 99 || exit 1
GH_APP_URL=$GH_URL
peer_seed "$GH_APP_URL" "$W/gh.json"
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
h=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
p=$(printf '{"iat":%d,"exp":%d,"iss":"4242"}' $((now - 60)) $((now + 540)) | b64url)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$W/app.key" -binary | b64url)
got=$(curl -sS -o "$W/out" -w '%{http_code}' -X POST -H "Authorization: Bearer $h.$p.$s" \
	"$GH_APP_URL/app/installations/99/access_tokens")
check "app: signed JWT gets an installation token" "201 ghs_" "$got $(jget 'd["token"][:4]' <"$W/out")"
tok=$(jget 'd["token"]' <"$W/out")
check "app: installation token can read" 200 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$GH_APP_URL/repos/octo/hello/pulls/7")"
check "app: log names the credential, not the token" "Bearer installation" \
	"$(last_entry "$GH_APP_URL" | jget 'd["headers"]["authorization"]')"
p2=$(printf '{"iat":%d,"exp":%d,"iss":"4242"}' $((now - 60)) $((now + 900)) | b64url)
s2=$(printf '%s.%s' "$h" "$p2" | openssl dgst -sha256 -sign "$W/app.key" -binary | b64url)
check "app: JWT living longer than 11 minutes gets 401" 401 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $h.$p2.$s2" "$GH_APP_URL/app/installations/99/access_tokens")"

# --- GitLab -------------------------------------------------------------------
sha40() { printf '%040d' 0 | tr 0 "$1"; }   # sha40 c -> cccc...c (40)
GOOD_HEAD=$(sha40 c)   # the latest version's head; version 1 had aaaa...
OLD_HEAD=$(sha40 a)
POS='"position_type":"text","base_sha":"'$(sha40 b)'","start_sha":"'$(sha40 d)'","old_path":"src/buf.c","new_path":"src/buf.c"'
check "gitlab: discussion on an added line accepted" 201 \
	"$(glpost /projects/group%2Fproject/merge_requests/5/discussions '{"body":"Unchecked value.","position":{'"$POS"',"head_sha":"'"$GOOD_HEAD"'","new_line":3}}')"
check "gitlab: discussion contract ok" ok "$(last_entry "$GL_URL" | jget 'd["contract"]')"
got=$(glpost /projects/group%2Fproject/merge_requests/5/discussions '{"body":"stale","position":{'"$POS"',"head_sha":"'"$OLD_HEAD"'","new_line":3}}')
check "gitlab: wrong head_sha gets 400" "400 line_code" "$got $(jget '"line_code" if "line_code" in d["message"] else d' <"$W/out")"
check "gitlab: unchanged line with new_line alone gets 400" 400 \
	"$(glpost /projects/42/merge_requests/5/discussions '{"body":"ctx","position":{'"$POS"',"head_sha":"'"$GOOD_HEAD"'","new_line":4}}')"
got=$(curl -sS -o /dev/null -w '%{http_code}' -H 'PRIVATE-TOKEN: gl-pat' "$GL_URL/projects/42/merge_requests/5/diffs")
check "gitlab: path outside python-gitlab's table gets 404 + violation" "404 True" \
	"$got $(last_entry "$GL_URL" | jget '"no python-gitlab manager" in d["contract"]')"
check "gitlab: unencoded project path is not a route" 404 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H 'PRIVATE-TOKEN: gl-pat' "$GL_URL/projects/group/project/merge_requests/5")"
got=$(glpost /projects/42/merge_requests/5/notes '{"text":"no body"}')
check "gitlab: missing required attribute gets 400 + violation" "400 body is missing True" \
	"$got $(jget 'd["error"]' <"$W/out") $(last_entry "$GL_URL" | jget '"missing required attribute" in d["contract"]')"
glpost /projects/42/merge_requests/5/notes '{"body":"Summary\n/approve"}' >/dev/null
check "gitlab: quick action flagged" "quick action in note body: '/approve'" "$(last_entry "$GL_URL" | jget 'd["contract"]')"
check "gitlab: job token cannot post notes" 403 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'JOB-TOKEN: gl-job' -H 'Content-Type: application/json' -d '{"body":"x"}' "$GL_URL/projects/42/merge_requests/5/notes")"
check "gitlab: job token can read the MR" 200 \
	"$(curl -sS -o /dev/null -w '%{http_code}' -H 'JOB-TOKEN: gl-job' "$GL_URL/projects/42/merge_requests/5")"
curl -sS -D "$W/hdr" -o "$W/out" -H 'PRIVATE-TOKEN: gl-pat' "$GL_URL/projects/42/merge_requests/5/versions?per_page=1"
check "gitlab: versions newest first, paginated" "c 2 2" \
	"$(jget 'd[0]["head_commit_sha"][0]' <"$W/out") $(grep -i '^x-next-page' "$W/hdr" | tr -d '\r' | cut -d' ' -f2) $(grep -i '^x-total:' "$W/hdr" | tr -d '\r' | cut -d' ' -f2)"
check "gitlab: rate-limit headers" 1 "$(grep -ci '^ratelimit-remaining' "$W/hdr")"
peer_fault "$GL_URL" '{"method":"POST","path":"/statuses/","status":429,"headers":{"Retry-After":"2"}}'
got=$(glpost "/projects/42/statuses/$GOOD_HEAD" '{"state":"running","name":"forgebot"}')
check "gitlab: fault 429" 429 "$got"
check "gitlab: status accepted after the fault" 201 "$(glpost "/projects/42/statuses/$GOOD_HEAD" '{"state":"running","name":"forgebot"}')"
check "gitlab: repeated running status gets 400" 400 "$(glpost "/projects/42/statuses/$GOOD_HEAD" '{"state":"running","name":"forgebot"}')"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
