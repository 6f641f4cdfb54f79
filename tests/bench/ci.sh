#!/bin/sh
# make bench (part 2): `forgebot ci` end to end on a large pull request.
#
# A repository whose pull request changes FILES C files, each adding two
# unbounded copies (a finding with a fix, so every comment carries a
# suggestion block): 2 x FILES findings.  forgebot ci runs from a depth-1
# checkout (so it deepens), reviews, and publishes to the GitHub and GitLab
# fakes (tests/peers) with --max-comments 1000.  Measured, each over $RUNS
# runs after a reset of the fake: the first run (every comment new) and a
# re-run (everything deduped: reads, one summary edit, the status), wall
# time from hyperfine and API calls from the fake's request log.  The fakes
# run without Prism here: the contract check is a test, not a cost.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
FB=$ROOT/forgebot
RUNS=${RUNS:-5}
FILES=${FILES:-100}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
TMP=$(mktemp -d)
PEERS_DIR=$ROOT/tests/peers
. "$PEERS_DIR/peers.sh"
trap 'peers_stop; rm -rf "$TMP"' EXIT
PY=/usr/bin/python3

# The repository: main with FILES small files, feature adding two copies to each.
git init -q --bare -b main "$TMP/origin.git"
git -C "$TMP/origin.git" config uploadpack.allowAnySHA1InWant true
git clone -q "$TMP/origin.git" "$TMP/src" 2>/dev/null
g() { git -C "$TMP/src" -c user.name=b -c user.email=b@example.invalid "$@"; }
mkdir -p "$TMP/src/src"
i=0
while [ $i -lt "$FILES" ]; do
	printf '#include <string.h>\nvoid f%d(char *d, const char *s)\n{\n\td[0] = s[0];\n}\n' $i \
		>"$TMP/src/src/m$i.c"
	i=$((i + 1))
done
g add -A && g commit -qm base && g push -q origin HEAD:refs/heads/main
BASE=$(git -C "$TMP/src" rev-parse HEAD)
g checkout -qb feature
i=0
while [ $i -lt "$FILES" ]; do
	printf '#include <string.h>\nvoid f%d(char *d, const char *s)\n{\n\tstrcpy(d, s);\n\tstrcpy(d + 1, s);\n}\n' $i \
		>"$TMP/src/src/m$i.c"
	i=$((i + 1))
done
g add -A && g commit -qm feature && g push -q origin feature
HEAD=$(git -C "$TMP/src" rev-parse HEAD)
git -C "$TMP/src" diff "$BASE...$HEAD" >"$TMP/pr.diff"

$PY - "$TMP/pr.diff" "$BASE" "$HEAD" "$TMP" <<'EOF'
import json, sys
diff, base, head, t = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
json.dump({"repo": "acme/app", "pulls": [{"number": 7, "head_sha": head, "base_sha": base,
  "head_ref": "feature", "base_ref": "main", "head_repo": "acme/app", "diff": diff}]},
  open(t + "/gh.json", "w"))
json.dump({"project": {"id": 42, "path_with_namespace": "group/app"},
  "merge_requests": [{"iid": 5, "source_branch": "feature", "target_branch": "main",
    "diff": diff, "source_project_id": 42, "versions": [{"id": 1, "head_commit_sha": head,
    "base_commit_sha": base, "start_commit_sha": base}]}]}, open(t + "/gl.json", "w"))
json.dump({"pull_request": {"number": 7, "head": {"sha": head, "repo": {"full_name": "acme/app"}},
  "base": {"sha": base, "repo": {"full_name": "acme/app"}}}}, open(t + "/event.json", "w"))
EOF

peers_start_github --token ghp_bench --seed "$TMP/gh.json" >/dev/null
peers_start_gitlab --token glpat-bench --seed "$TMP/gl.json" >/dev/null
git clone -q --depth 1 --branch feature "file://$TMP/origin.git" "$TMP/ws" 2>/dev/null

RULES=$ROOT/tests/cases/fixtures/rules
cat >"$TMP/github.sh" <<EOF
cd $TMP/ws && env -i PATH=$PATH HOME=$TMP GITHUB_ACTIONS=true GITHUB_EVENT_PATH=$TMP/event.json \
 GITHUB_REPOSITORY=acme/app GITHUB_SHA=$HEAD GITHUB_REF=refs/pull/7/merge GITHUB_API_URL=$GH_URL \
 GITHUB_TOKEN=ghp_bench $FB ci --no-builtin-rules --rules $RULES --max-comments 1000 --fail-on never >/dev/null 2>&1
EOF
cat >"$TMP/gitlab.sh" <<EOF
cd $TMP/ws && env -i PATH=$PATH HOME=$TMP GITLAB_CI=true CI_PROJECT_ID=42 CI_API_V4_URL=$GL_URL \
 CI_COMMIT_SHA=$HEAD CI_MERGE_REQUEST_IID=5 CI_MERGE_REQUEST_DIFF_BASE_SHA=$BASE \
 FORGEBOT_GITLAB_TOKEN=glpat-bench $FB ci --no-builtin-rules --rules $RULES --max-comments 1000 --fail-on never >/dev/null 2>&1
EOF

calls() { # calls URL: "N requests (W writes)" from the request log
	peer_requests "$1" | $PY -c 'import json,sys; r=json.load(sys.stdin); print("%d requests (%d writes)" % (len(r), sum(x["method"]!="GET" for x in r)))'
}

{
	echo "### forgebot ci on a $FILES-file pull request with $((FILES * 2)) findings"
	echo
	echo "| forge | run | wall time (mean ± σ, $RUNS runs) | API calls per run |"
	echo "|---|---|---|---|"
	for forge in github gitlab; do
		url=$GH_URL
		[ $forge = gitlab ] && url=$GL_URL
		hyperfine -N --runs "$RUNS" --prepare "curl -sf -X POST $(_peers_root "$url")/__control/reset" \
			--export-json "$TMP/first.json" "sh $TMP/$forge.sh" >/dev/null 2>&1
		peer_reset "$url"
		sed 's|>/dev/null 2>&1$|2>\&1|' "$TMP/$forge.sh" | sh >"$TMP/$forge.out" || true
		first=$(calls "$url")
		hyperfine -N --runs "$RUNS" --export-json "$TMP/again.json" "sh $TMP/$forge.sh" >/dev/null 2>&1
		peer_reset "$url"
		sh "$TMP/$forge.sh" || true
		peer_requests "$url" >"$TMP/before.json"
		sh "$TMP/$forge.sh" || true
		again=$(peer_requests "$url" | $PY -c 'import json,sys; b=len(json.load(open(sys.argv[1]))); r=json.load(sys.stdin)[b:]; print("%d requests (%d writes)" % (len(r), sum(x["method"]!="GET" for x in r)))' "$TMP/before.json")
		for f in first again; do
			t=$($PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f s ± %.2f" % (r["mean"], r["stddev"]))' "$TMP/$f.json")
			c=$first
			[ $f = again ] && c=$again
			echo "| $forge | $([ $f = first ] && echo "first (all new)" || echo "re-run (all known)") | $t | $c |"
		done
	done
	echo
	echo "What one first run printed (GitHub, then GitLab):"
	echo
	echo '```'
	grep -h '^forgebot ci' "$TMP/github.out" "$TMP/gitlab.out"
	echo '```'
	echo
	echo "Command: \`FILES=$FILES RUNS=$RUNS sh tests/bench/ci.sh\` (part of \`make bench\`)."
} | tee "$OUT/ci.md"
