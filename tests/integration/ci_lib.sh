# ci_lib.sh - a real repository holding a real change, for the `forgebot ci`
# tests: an "origin" bare repository with main (the base) and feature (the
# pull request's head), served by file:// so that a shallow clone has to be
# deepened exactly as a CI checkout does.  Source after lib.sh.
#
#   ci_make_origin             creates $ORIGIN; sets BASE_SHA HEAD_SHA
#   ci_push_fix                a new head on feature that removes the strcpy; sets HEAD_SHA
#   ci_checkout DIR            a depth-1 clone of feature, as actions/checkout makes
#   ci_diff                    prints git diff BASE...HEAD (what the forge shows)
#   ci_json EXPR               evaluate a Python expression over the request log in $TMP/req.json
#                              (variables: reqs = the list, w = writes, find(method, path_regex))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CI_RULES=$ROOT/tests/cases/fixtures/rules
ORIGIN=$TMP/origin.git
PY=/usr/bin/python3

cg() { git -C "$1" -c user.name=dev -c user.email=dev@example.invalid "$@"; }
_cg() { d=$1; shift; git -C "$d" -c user.name=dev -c user.email=dev@example.invalid "$@"; }

ci_make_origin() {
	git init -q --bare -b main "$ORIGIN"
	git -C "$ORIGIN" config uploadpack.allowAnySHA1InWant true
	src=$TMP/src
	git clone -q "$ORIGIN" "$src" 2>/dev/null
	mkdir -p "$src/src"
	cat >"$src/src/app.c" <<'C'
#include <stdlib.h>
#include <string.h>

void greet(char *out, const char *name)
{
	strcpy(out, name);
}
C
	# History before the branch point, so a depth-1 clone must deepen.
	for i in 1 2 3; do
		echo "note $i" >>"$src/NOTES"
		_cg "$src" add -A && _cg "$src" commit -qm "base $i"
	done
	_cg "$src" push -q origin HEAD:refs/heads/main
	BASE_SHA=$(git -C "$src" rev-parse HEAD)
	_cg "$src" checkout -qb feature
	cat >"$src/src/app.c" <<'C'
#include <stdlib.h>
#include <string.h>

void greet(char *out, const char *name)
{
	strcpy(out, name);
}

void copy_title(char *dst, const char *title)
{
	strcpy(dst, title);
}

int run(const char *cmd)
{
	return system(cmd);
}
C
	printf 'def calc(expr):\n    return eval(expr)\n' >"$src/src/calc.py"
	_cg "$src" add -A && _cg "$src" commit -qm "feature: titles, commands, calc"
	echo "more" >>"$src/NOTES"
	_cg "$src" add -A && _cg "$src" commit -qm "feature: notes"
	_cg "$src" push -q origin feature
	HEAD_SHA=$(git -C "$src" rev-parse HEAD)
	# main moves on after the branch point, as it does in real life.
	_cg "$src" checkout -q main
	echo "main moves" >"$src/MAIN"
	_cg "$src" add -A && _cg "$src" commit -qm "main: unrelated"
	_cg "$src" push -q origin main
	_cg "$src" checkout -q feature
}

ci_push_fix() {
	src=$TMP/src
	$PY - "$src/src/app.c" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("\tstrcpy(dst, title);\n", "\tdst[0] = title[0];\n")
open(p, "w").write(s)
EOF
	_cg "$src" add -A && _cg "$src" commit -qm "fix the unbounded copy"
	_cg "$src" push -q origin feature
	HEAD_SHA=$(git -C "$src" rev-parse HEAD)
}

ci_checkout() {
	rm -rf "$1"
	git clone -q --depth 1 --branch feature "file://$ORIGIN" "$1" 2>/dev/null
}

ci_diff() {
	git -C "$TMP/src" diff "$BASE_SHA...$HEAD_SHA"
}

ci_json() {
	$PY - "$TMP/req.json" "$1" <<'EOF'
import json, re, sys
reqs = json.load(open(sys.argv[1]))
w = [r for r in reqs if r["method"] != "GET"]
def find(method, rx):
    return [r for r in reqs if r["method"] == method and re.search(rx, r["path"])]
print(eval(sys.argv[2]))
EOF
}

# check NAME EXPR WANT: the request-log expression must print WANT.
check() {
	got=$(ci_json "$2" 2>&1)
	if [ "$got" = "$3" ]; then pass "$1"; else fail "$1" "got '$got', want '$3'"; fi
}

# no_secret NAME SECRET FILE...: the secret appears in none of the files.
no_secret() {
	n=$1
	s=$2
	shift 2
	if grep -l -F -- "$s" "$@" >/dev/null 2>&1; then
		fail "$n" "the secret appears in $(grep -l -F -- "$s" "$@" | head -1)"
	else
		pass "$n"
	fi
}

# ci_settings_at_head: on feature, a .forgebot.yml that replaces the
# built-in rules by the fixture rules kept in the repository, pushed with
# the refs the forges keep for the pull/merge request (refs/pull/7/head,
# refs/merge-requests/5/head); sets HEAD_SHA.
ci_settings_at_head() {
	src=$TMP/src
	mkdir -p "$src/.forgebot/rules"
	cp "$CI_RULES"/c-strcpy.yml "$CI_RULES"/c-system.yml "$CI_RULES"/py-eval.yml "$src/.forgebot/rules/"
	printf 'rules:\n  builtin: false\n  dirs: [.forgebot/rules]\n' >"$src/.forgebot.yml"
	_cg "$src" add -A && _cg "$src" commit -qm "forgebot settings"
	_cg "$src" push -q origin feature
	HEAD_SHA=$(git -C "$src" rev-parse HEAD)
	_cg "$src" push -q origin "$HEAD_SHA:refs/pull/7/head" "$HEAD_SHA:refs/merge-requests/5/head"
}

# ci_git_http_start USER:PASSWORD...: $ORIGIN over HTTP (lighttpd +
# git-http-backend) at GIT_URL with basic auth for those users, and without
# auth under /anon.  A CGI wrapper appends "METHOD PATH" of each request to
# $GITLOG when it is set.  Sets GIT_PORT and GIT_URL; stop with ci_git_http_stop.
ci_git_http_start() {
	GIT_PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	GIT_URL=http://127.0.0.1:$GIT_PORT/git/origin.git
	: >"$TMP/htpasswd"
	for cred in "$@"; do
		htpasswd -bB "$TMP/htpasswd" "${cred%%:*}" "${cred#*:}" 2>/dev/null
	done
	mkdir -p "$TMP/www"
	cat >"$TMP/git-cgi.sh" <<CGI
#!/bin/sh
[ -n "${GITLOG:-}" ] && echo "\$REQUEST_METHOD \$PATH_INFO" >>"${GITLOG:-/dev/null}"
exec /usr/lib/git-core/git-http-backend
CGI
	chmod +x "$TMP/git-cgi.sh"
	cat >"$TMP/lighttpd.conf" <<CONF
server.modules = ("mod_access", "mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")
server.document-root = "$TMP/www"
server.bind = "127.0.0.1"
server.port = $GIT_PORT
server.pid-file = "$TMP/lighttpd.pid"
server.errorlog = "$TMP/lighttpd.err"
alias.url = ( "/git" => "$TMP/git-cgi.sh", "/anon" => "$TMP/git-cgi.sh" )
\$HTTP["url"] =~ "^/(git|anon)" {
  cgi.assign = ( "" => "" )
  setenv.set-environment = ( "GIT_PROJECT_ROOT" => "$TMP", "GIT_HTTP_EXPORT_ALL" => "" )
}
\$HTTP["url"] =~ "^/git" {
  auth.backend = "htpasswd"
  auth.backend.htpasswd.userfile = "$TMP/htpasswd"
  auth.require = ( "" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
}
CONF
	lighttpd -f "$TMP/lighttpd.conf" || return 1
	_gh_i=0
	until curl -s -o /dev/null "http://127.0.0.1:$GIT_PORT/" || [ $_gh_i -ge 50 ]; do
		sleep 0.1
		_gh_i=$((_gh_i + 1))
	done
}

ci_git_http_stop() {
	[ -f "$TMP/lighttpd.pid" ] && kill "$(cat "$TMP/lighttpd.pid")" 2>/dev/null
}

# ci_gitlab_seed DIFF_FILE BASE HEAD [VERSION_ID]: the GitLab fake's seed
# for merge request !5 of project 42 (group/app) with that diff and version.
ci_gitlab_seed() {
	$PY - "$1" "$2" "$3" "${4:-1}" <<'PYSEED'
import json, sys
diff, base, head, vid = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], int(sys.argv[4])
print(json.dumps({"project": {"id": 42, "path_with_namespace": "group/app"},
  "merge_requests": [{"iid": 5, "title": "Titles and commands", "source_branch": "feature",
    "target_branch": "main", "diff": diff, "source_project_id": 42,
    "versions": [{"id": vid, "head_commit_sha": head, "base_commit_sha": base,
                  "start_commit_sha": base}]}]}))
PYSEED
}
