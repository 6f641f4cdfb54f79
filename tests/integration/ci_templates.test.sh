#!/bin/sh
# The CI templates users include, run as their CI would run them: the GitLab
# job's before_script and script from ci-templates/gitlab/forgebot.gitlab-ci.yml,
# and the steps of the composite action ci-templates/github/action.yml (its
# ${{ }} expressions evaluated from the inputs, as Actions does), each in a
# shallow checkout of a real change, against the forge fakes.  forgebot is
# put on PATH first, so the templates' build step is the "already installed"
# branch; the build branch itself is `make deps-build` and `make`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ci_lib.sh"
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
trap 'peers_stop; rm -rf "$TMP"' EXIT

TOKEN=glpat-templateTest0123456789
GHTOKEN=ghp_templateTest0123456789
ci_make_origin
ci_diff >"$TMP/pr.diff"
$PY - "$TMP/pr.diff" "$BASE_SHA" "$HEAD_SHA" "$TMP" <<'EOF'
import json, sys
diff, base, head, t = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
json.dump({"project": {"id": 42, "path_with_namespace": "group/app"},
  "merge_requests": [{"iid": 5, "source_branch": "feature", "target_branch": "main",
    "diff": diff, "source_project_id": 42, "versions": [{"id": 1, "head_commit_sha": head,
    "base_commit_sha": base, "start_commit_sha": base}]}]}, open(t + "/gl.json", "w"))
json.dump({"repo": "acme/app", "pulls": [{"number": 7, "head_sha": head, "base_sha": base,
  "head_ref": "feature", "base_ref": "main", "head_repo": "acme/app", "diff": diff}]},
  open(t + "/gh.json", "w"))
json.dump({"pull_request": {"number": 7, "head": {"sha": head, "repo": {"full_name": "acme/app"}},
  "base": {"sha": base, "repo": {"full_name": "acme/app"}}}}, open(t + "/event.json", "w"))
EOF
peers_start_gitlab --token "$TOKEN" --seed "$TMP/gl.json" || { fail fake "no GitLab fake"; finish; exit 1; }
peers_start_github --token "$GHTOKEN" --seed "$TMP/gh.json" || { fail fake "no GitHub fake"; finish; exit 1; }
mkdir -p "$TMP/bin"
ln -s "$FORGEBOT" "$TMP/bin/forgebot"
# The rules the job runs with: the fixture pack, through .forgebot.yml-free args.
EXTRA="--no-builtin-rules --rules $CI_RULES"

# --- GitLab: the job's before_script + script, with the job's variables ---
$PY - "$ROOT/ci-templates/gitlab/forgebot.gitlab-ci.yml" >"$TMP/gl-job.sh" <<'EOF'
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["forgebot"]
print("set -e")
for k, v in job.get("variables", {}).items():
    print("export %s=${%s-%s}" % (k, k, shlex.quote(str(v))))
for line in job.get("before_script", []) + job["script"]:
    print(line)
EOF
ci_checkout "$TMP/ws"
cd "$TMP/ws"
expect_exit gitlab-template 1 env -i PATH="$TMP/bin:$PATH" HOME="$TMP" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	GITLAB_CI=true CI_PROJECT_DIR="$TMP/ws" CI_PROJECT_ID=42 CI_API_V4_URL="$GL_URL" \
	CI_COMMIT_SHA="$HEAD_SHA" CI_PIPELINE_SOURCE=merge_request_event CI_MERGE_REQUEST_IID=5 \
	CI_MERGE_REQUEST_PROJECT_ID=42 CI_MERGE_REQUEST_DIFF_BASE_SHA="$BASE_SHA" \
	FORGEBOT_GITLAB_TOKEN="$TOKEN" FORGEBOT_ARGS="$EXTRA" bash "$TMP/gl-job.sh" &&
	pass "gitlab-template exits 1 (an error finding)"
cd "$TMP"
peer_requests "$GL_URL" >"$TMP/req.json"
check gitlab-template-discussions "len(find('POST', r'/merge_requests/5/discussions$'))" 3
[ -s "$TMP/ws/gl-code-quality-report.json" ] && pass gitlab-template-artifact || \
	fail gitlab-template-artifact "the job's codequality artifact is missing"

# --- GitHub: the action's steps, inputs evaluated as Actions does ---
$PY - "$ROOT/ci-templates/github/action.yml" "$GHTOKEN" "$EXTRA" >"$TMP/gh-steps.sh" <<'EOF'
import re, shlex, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
inputs.update({"token": "", "fail-on": "", "args": sys.argv[3]})
github = {"token": sys.argv[2]}
def expr(e):
    # The forms the action uses: inputs.x, github.x, and a || b.
    for alt in e.split("||"):
        a = alt.strip()
        v = inputs.get(a[7:], "") if a.startswith("inputs.") else github.get(a[7:], "")
        if v:
            return v
    return ""
def subst(s):
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: expr(m.group(1)), str(s))
for k in inputs:
    inputs[k] = subst(inputs[k])
for step in action["runs"]["steps"]:
    env = " ".join("%s=%s" % (k, shlex.quote(subst(v))) for k, v in (step.get("env") or {}).items())
    wd = subst(step.get("working-directory", "."))
    print("(cd %s && env %s bash -e -c %s) || exit $?" % (shlex.quote(wd), env, shlex.quote(step["run"])))
EOF
ci_checkout "$TMP/ws"
: >"$TMP/gh-output"
cd "$TMP/ws"
expect_exit github-action 1 env -i PATH="$TMP/bin:$PATH" HOME="$TMP" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" RUNNER_OS=Linux \
	RUNNER_TEMP="$TMP" GITHUB_ACTION_PATH="$ROOT/ci-templates/github" GITHUB_OUTPUT="$TMP/gh-output" \
	GITHUB_PATH="$TMP/gh-path" GITHUB_ACTIONS=true GITHUB_EVENT_PATH="$TMP/event.json" \
	GITHUB_REPOSITORY=acme/app GITHUB_SHA="$HEAD_SHA" GITHUB_REF=refs/pull/7/merge \
	GITHUB_API_URL="$GH_URL" sh "$TMP/gh-steps.sh" && pass "github-action exits 1 (an error finding)"
cd "$TMP"
peer_requests "$GH_URL" >"$TMP/req.json"
check github-action-review "len(find('POST', r'/pulls/7/reviews$'))" 1
grep -q '^exit-code=1$' "$TMP/gh-output" && grep -q '^findings=3$' "$TMP/gh-output" && \
	grep -q "^sarif=$TMP/ws/forgebot.sarif$" "$TMP/gh-output" && pass github-action-outputs || \
	fail github-action-outputs "$(cat "$TMP/gh-output")"

finish
