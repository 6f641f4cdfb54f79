#!/bin/sh
# `forgebot ci` in a GitLab merge request pipeline, end to end: a real
# repository with a real change, a depth-1 checkout, the variables GitLab CI
# sets, and the GitLab fake (tests/peers) whose accepted paths and required
# attributes come from python-gitlab's managers and which checks every
# discussion position against the MR's latest version and diff.  Covers the
# first run, a re-run (no duplicates), a push that fixes a finding
# (discussion resolved), CI_JOB_TOKEN alone (reports only), an OAuth token
# from a fork's pipeline, --dry-run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ci_lib.sh"
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
trap 'peers_stop; rm -rf "$TMP"' EXIT

TOKEN=glpat-forgebotTestToken012345
JOBTOKEN=glcbt-jobTokenForgebot0123
ci_make_origin

seed() {
	ci_diff >"$TMP/mr.diff"
	ci_gitlab_seed "$TMP/mr.diff" "$BASE_SHA" "$HEAD_SHA" "$1" >"$TMP/seed.json"
	peer_seed "$GL_URL" "$TMP/seed.json"
}

# run_ci NAME WANT_EXIT [VAR=VALUE...] [forgebot ci args]: in a fresh depth-1 checkout.
run_ci() {
	name=$1
	want=$2
	shift 2
	ci_checkout "$TMP/ws"
	set -- env -i PATH="$PATH" HOME="$TMP" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
		UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" GITLAB_CI=true CI=true CI_PROJECT_ID=42 \
		CI_PROJECT_PATH=group/app CI_API_V4_URL="$GL_URL" CI_COMMIT_SHA="$HEAD_SHA" \
		CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_IID=5 \
		CI_MERGE_REQUEST_PROJECT_ID=42 CI_MERGE_REQUEST_SOURCE_PROJECT_ID=42 \
		CI_MERGE_REQUEST_SOURCE_BRANCH_SHA="" CI_MERGE_REQUEST_DIFF_BASE_SHA="$BASE_SHA" \
		CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main CI_JOB_TOKEN="$JOBTOKEN" \
		CI_JOB_URL=https://gitlab.example/group/app/-/jobs/9 "$@"
	before=$(peer_requests "$GL_URL" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
	cd "$TMP/ws"
	expect_exit "$name" "$want" "$@" && pass "$name exits $want"
	cd "$TMP"
	peer_requests "$GL_URL" | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)['"$before"':]))' >"$TMP/req.json"
}

fb() { echo "$FORGEBOT" ci --no-builtin-rules --rules "$CI_RULES"; }

OAUTH=gloas-oauthTokenForgebot0123
peers_start_gitlab --token "$TOKEN" --job-token "$JOBTOKEN" --oauth-token "$OAUTH" || { fail fake "no GitLab fake"; finish; exit 1; }
seed 1

# 1. First run: a discussion per finding at a valid position, a summary note,
#    a failed commit status, the Code Quality report.
run_ci first-run 1 FORGEBOT_GITLAB_TOKEN="$TOKEN" $(fb)
check contract-all-ok "[r['path'] for r in reqs if r['contract']!='ok']" "[]"
check all-accepted "[(r['method'], r['path'], r['status']) for r in reqs if r['status']>=300]" "[]"
check discussions "sorted((r['body']['position']['new_path'], r['body']['position']['new_line']) for r in find('POST', r'/merge_requests/5/discussions$'))" \
	"[('src/app.c', 11), ('src/app.c', 16), ('src/calc.py', 2)]"
check positions-use-version "all(r['body']['position']['head_sha']=='$HEAD_SHA' and r['body']['position']['base_sha']=='$BASE_SHA' for r in find('POST', r'/merge_requests/5/discussions$'))" True
check gitlab-suggestion "sum(r['body']['body'].count('\`\`\`suggestion:-0+0\n\tsnprintf(dst, sizeof dst, \"%s\", title);\n\`\`\`') for r in find('POST', r'/merge_requests/5/discussions$'))" 1
check summary-note "[r['body']['body'].startswith('<!-- forgebot:summary -->') for r in find('POST', r'/merge_requests/5/notes$')]" "[True]"
check status-failed "[(r['body']['state'], r['body']['name']) for r in find('POST', r'/statuses/$HEAD_SHA$')]" "[('failed', 'forgebot')]"
check private-token-used "all(r['headers'].get('private-token','').startswith('token') or 'private-token' not in r['headers'] for r in reqs) and any('private-token' in r['headers'] for r in reqs)" True
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==3 and all("fingerprint" in x for x in d)' \
	"$TMP/ws/gl-code-quality-report.json" 2>/dev/null && pass code-quality-report || fail code-quality-report "missing or wrong"
no_secret token-not-printed "$TOKEN" "$TMP/out" "$TMP/err"

# 2. Again: nothing new inline; the summary note is edited in place.
run_ci rerun 1 FORGEBOT_GITLAB_TOKEN="$TOKEN" $(fb)
check rerun-no-discussion "len(find('POST', r'/merge_requests/5/discussions$'))" 0
check rerun-note-edited "(len(find('POST', r'/merge_requests/5/notes$')), len(find('PUT', r'/merge_requests/5/notes/\d+$')))" "(0, 1)"

# 3. A push fixes one finding: its discussion is resolved, nothing deleted.
ci_push_fix
seed 2
run_ci after-fix 0 FORGEBOT_GITLAB_TOKEN="$TOKEN" $(fb)
check resolved "[r['body'].get('resolved') for r in find('PUT', r'/merge_requests/5/discussions/[0-9a-f]+$')]" "[True]"
check nothing-deleted "len([r for r in reqs if r['method']=='DELETE'])" 0
check status-success "[r['body']['state'] for r in find('POST', r'/statuses/')]" "['success']"
check after-fix-contract "[r['path'] for r in reqs if r['contract']!='ok']" "[]"

# 4. Only CI_JOB_TOKEN: GitLab lets it post nothing; reports and one notice.
run_ci job-token-only 0 $(fb)
check job-token-no-calls "len(reqs)" 0
grep -q 'notice: CI_JOB_TOKEN cannot post merge request comments' "$TMP/err" && pass job-token-notice || \
	fail job-token-notice "$(head -c 300 "$TMP/err")"
[ -s "$TMP/ws/gl-code-quality-report.json" ] && pass job-token-report || fail job-token-report "no report"
no_secret job-token-not-printed "$JOBTOKEN" "$TMP/out" "$TMP/err"

# 5. An OAuth token goes as a Bearer header; the merge request is found in
#    its own project even when the pipeline runs in a fork's (project 99).
run_ci oauth-from-fork 0 FORGEBOT_GITLAB_OAUTH_TOKEN="$OAUTH" CI_PROJECT_ID=99 \
	CI_MERGE_REQUEST_SOURCE_PROJECT_ID=99 $(fb)
check oauth-bearer "len(reqs) > 0 and all(r['headers'].get('authorization','')=='Bearer oauth' for r in reqs)" True
check mr-project "sorted(set(r['path'].split('/')[4] for r in reqs if r['path'] != '/api/v4/user'))" "['42']"
no_secret oauth-not-printed "$OAUTH" "$TMP/out" "$TMP/err"

# 6. A fork's pipeline without the parent's token: the job token only, reports only.
run_ci fork-job-token 0 CI_PROJECT_ID=99 CI_MERGE_REQUEST_SOURCE_PROJECT_ID=99 $(fb)
check fork-no-calls "len(reqs)" 0
grep -q 'notice: CI_JOB_TOKEN cannot post' "$TMP/err" && pass fork-notice || fail fork-notice "$(head -c 300 "$TMP/err")"

# 7. --dry-run: no request, the calls listed.
run_ci dry-run 0 FORGEBOT_GITLAB_TOKEN="$TOKEN" $(fb) --dry-run
check dry-run-sends-nothing "len(reqs)" 0
grep -q "^POST $GL_URL/projects/42/merge_requests/5/discussions$" "$TMP/out" && pass dry-run-lists || \
	fail dry-run-lists "$(head -c 400 "$TMP/out")"
no_secret dry-run-token "$TOKEN" "$TMP/out" "$TMP/err"

finish
