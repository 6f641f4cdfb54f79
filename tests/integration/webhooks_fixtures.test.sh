#!/bin/sh
# Real webhook bodies through the intake library: every example in
# @octokit/webhooks-examples (api.github.com/index.json: the events
# forgebot consumes and all the others) and every payload in go-gitlab's
# testdata/webhooks, replayed by tests/contract/webhooks_replay.c through
# webhooks_accept() with a signature or token as the sender sets them.
# Consumed GitHub event/action pairs must normalize to their kind, the rest
# to "ignored"; no body may be refused, except one fixture named below.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPLAY=${WEBHOOKS_REPLAY:-$ROOT/build/test/webhooks-replay}
TOOLS=${FORGEBOT_TOOLS:-$ROOT/tests/tools/node_modules}
INDEX=$TOOLS/@octokit/webhooks-examples/api.github.com/index.json
GL_DIR=${GO_GITLAB_WEBHOOKS:-/usr/share/gocode/src/github.com/xanzy/go-gitlab/testdata/webhooks}
PY=/usr/bin/python3

[ -x "$REPLAY" ] || { fail driver "$REPLAY is not built (make build/test/webhooks-replay)"; finish; exit 1; }

# Turn the driver's "ok NAME detail" / "error NAME: why" lines into PASS/FAIL;
# a sanitizer report or a silent crash is a failure too.
record() { # LABEL OUT ERR STATUS
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "${line#ok }" ;;
		"error "*) rest=${line#error }; fail "${rest%%: *}" "${rest#*: }" ;;
		esac
	done <"$2"
	if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$3"; then
		fail "$1" "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$3")"
	elif ! grep -q -E '^(ok|error) ' "$2"; then
		fail "$1" "no result (exit $4): $(head -c 300 "$3")"
	fi
}

# --- GitHub: every octokit example, as JSON and as a form body ---
if [ -f "$INDEX" ]; then
	"$REPLAY" octokit "$INDEX" >"$TMP/gh.out" 2>"$TMP/gh.err"
	record octokit "$TMP/gh.out" "$TMP/gh.err" $?
	want=$($PY -c 'import json,sys; print(sum(len(e["examples"]) for e in json.load(open(sys.argv[1]))))' "$INDEX")
	got=$(grep -c -E '^(ok|error) octokit/' "$TMP/gh.out")
	[ "$got" -eq "$want" ] && pass "octokit-all-examples ($got)" ||
		fail octokit-all-examples "replayed $got of $want examples"
else
	fail octokit "$INDEX missing (make tools)"
fi

# --- GitLab: every go-gitlab webhook payload ---
# X-Gitlab-Event for each object_kind, as go-gitlab's event_parsing.go and
# its tests map them (a body without object_kind is a subgroup event).
gl_header() {
	case $1 in
	build) echo "Build Hook" ;;
	deployment) echo "Deployment Hook" ;;
	issue) echo "Issue Hook" ;;
	merge_request) echo "Merge Request Hook" ;;
	note) echo "Note Hook" ;;
	pipeline) echo "Pipeline Hook" ;;
	push) echo "Push Hook" ;;
	release) echo "Release Hook" ;;
	tag_push) echo "Tag Push Hook" ;;
	wiki_page) echo "Wiki Page Hook" ;;
	"") echo "Subgroup Hook" ;;
	*) echo "System Hook" ;;
	esac
}

# What each fixture must become (kind, or kind/action); "-" = any kind.
# group_merge_request.json is malformed: its keys carry trailing spaces
# ("iid ", "source_branch "), so the merge has no iid; a merge makes no job,
# so it normalizes all the same.
gl_want() {
	case $1 in
	build.json) echo ci/other ;; # build_status "created": not final yet
	deployment.json | note_commit.json | note_snippet.json | release.json | subgroup.json | \
		tag_push.json | wiki_page.json) echo ignored ;;
	group_merge_request.json) echo pull_request/merged ;;
	issue.json) echo issue/opened ;;
	merge_request.json) echo pull_request/opened ;;
	service_merge_request.json) echo pull_request/synchronized ;;
	note_issue.json | note_merge_request.json) echo comment/created ;;
	pipeline.json) echo ci/completed ;;
	push.json) echo push ;;
	*) echo - ;;
	esac
}

n=0
for f in "$GL_DIR"/*.json; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	base=$(basename "$f")
	kind=$($PY -c 'import json,sys; k=json.load(open(sys.argv[1])).get("object_kind"); print(k if isinstance(k,str) else "")' "$f")
	"$REPLAY" gitlab "$(gl_header "$kind")" "$f" "$(gl_want "$base")" >"$TMP/gl.out" 2>"$TMP/gl.err"
	record "gitlab/$base" "$TMP/gl.out" "$TMP/gl.err" $?
done
[ "$n" -gt 0 ] && pass "go-gitlab-payloads ($n)" || fail go-gitlab-payloads "no payloads in $GL_DIR"

# The other header names GitLab and go-gitlab use for the same bodies.
for spec in "Job Hook:build.json:ci" "Service Hook:service_merge_request.json:pull_request/synchronized" \
	"Confidential Note Hook:note_issue.json:comment" "System Hook:merge_request.json:pull_request"; do
	h=${spec%%:*}
	rest=${spec#*:}
	[ -f "$GL_DIR/${rest%%:*}" ] || continue
	"$REPLAY" gitlab "$h" "$GL_DIR/${rest%%:*}" "${rest#*:}" >"$TMP/gl.out" 2>"$TMP/gl.err"
	record "gitlab/${rest%%:*} ($h)" "$TMP/gl.out" "$TMP/gl.err" $?
done

finish
