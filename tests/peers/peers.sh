# peers.sh - start and drive forgebot's test peers from a shell test.
#
# Source it (POSIX sh or bash), start what the test needs, register
# peers_stop on EXIT, then point forgebot at the exported URLs:
#
#   . "$ROOT/tests/peers/peers.sh"     # dash: set PEERS_DIR first if not run from the repo root
#   peers_trap                         # = trap 'peers_stop; <the EXIT trap you had>' EXIT
#   peers_start_prism                  # optional: enables the GitHub contract check
#   peers_start_github --token T --seed "$T/gh.json"
#   peers_start_gitlab --token T --seed "$T/gl.json"
#   forgebot ... --api-url "$GH_URL" ...
#   peer_requests "$GH_URL" | python3 -c '...'   # assert on what was sent
#
# Exports:
#   PRISM_URL  http://127.0.0.1:PORT (Prism mocking GitHub's OpenAPI description)
#   GH_URL     http://127.0.0.1:PORT         GitHub API base (api.github.com paths;
#                                            $GH_URL/api/v3 works too, as on GHES)
#   GL_URL     http://127.0.0.1:PORT/api/v4  GitLab API base (as https://gitlab.com/api/v4)
#   GL_ROOT    http://127.0.0.1:PORT         the GitLab fake without /api/v4
#   PEERS_TMP  the mktemp directory holding pid, port and log files (*.log)
#
# Combining with an existing EXIT trap: either write it out yourself,
#   trap 'peers_stop; rm -rf "$TMP"' EXIT
# or call peers_trap after your own `trap ... EXIT`; it prepends peers_stop
# to whatever EXIT trap is set (single-line traps only).  The trap must be
# set in the top-level shell: a subshell's EXIT trap fires when it ends.
#
# Everything binds 127.0.0.1.  Set PEERS_KEEP=1 to keep $PEERS_TMP (logs)
# after peers_stop.  Tools: PEERS_PYTHON (default /usr/bin/python3: it has
# python3-gitlab), FORGEBOT_TOOLS (default tests/tools/node_modules).

if [ -z "${PEERS_DIR:-}" ]; then
	if [ -n "${BASH_SOURCE:-}" ]; then
		PEERS_DIR=$(cd "$(dirname "$BASH_SOURCE")" && pwd)
	elif [ -f "$PWD/tests/peers/peers.sh" ]; then
		PEERS_DIR=$PWD/tests/peers
	elif [ -f "$(dirname "$0")/../peers/peers.sh" ]; then
		PEERS_DIR=$(cd "$(dirname "$0")/../peers" && pwd)
	else
		echo "peers.sh: cannot find tests/peers; set PEERS_DIR" >&2
		# shellcheck disable=SC2317  # exit only when `return` is impossible
		return 1 2>/dev/null || exit 1
	fi
fi
PEERS_PYTHON=${PEERS_PYTHON:-/usr/bin/python3}
PEERS_TOOLS=${FORGEBOT_TOOLS:-$PEERS_DIR/../tools/node_modules}
PEERS_TMP=${PEERS_TMP:-}
PEERS_SEQ=0

# _peers_tmp: create the state directory on first use.
_peers_tmp() {
	if [ -z "$PEERS_TMP" ] || [ ! -d "$PEERS_TMP" ]; then
		PEERS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/forgebot-peers.XXXXXX") || return 1
		export PEERS_TMP
	fi
}

# _peers_free_port: print a port that was free a moment ago.
_peers_free_port() {
	"$PEERS_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# _peers_start_fake NAME SCRIPT ARGS...: run a fake, wait for its port file,
# set _pf_port.  Fails (status 1) with the fake's log if it does not come up.
# Not to be called in $(...): PEERS_TMP and PEERS_SEQ must stay in this shell.
_peers_start_fake() {
	_pf_name=$1
	_pf_script=$2
	shift 2
	_peers_tmp || return 1
	PEERS_SEQ=$((PEERS_SEQ + 1))
	_pf_base=$PEERS_TMP/$_pf_name.$PEERS_SEQ
	if [ ! -x "$PEERS_PYTHON" ]; then
		echo "peers.sh: $PEERS_PYTHON not found (need Debian's python3 with python3-gitlab)" >&2
		return 1
	fi
	"$PEERS_PYTHON" "$PEERS_DIR/$_pf_script" --port-file "$_pf_base.port" "$@" \
		>"$_pf_base.log" 2>&1 &
	echo $! >"$_pf_base.pid"
	_pf_i=0
	while [ ! -s "$_pf_base.port" ]; do
		if ! kill -0 "$(cat "$_pf_base.pid")" 2>/dev/null || [ $_pf_i -ge 100 ]; then
			echo "peers.sh: $_pf_name did not start; its log ($_pf_base.log):" >&2
			tail -n 20 "$_pf_base.log" >&2
			return 1
		fi
		sleep 0.1
		_pf_i=$((_pf_i + 1))
	done
	_pf_port=$(cat "$_pf_base.port")
}

# peers_start_prism: Prism mocking api.github.com from @octokit/openapi.
# Exports PRISM_URL.  Start-up takes about 6 s; gives up after 60 s.
peers_start_prism() {
	_pp_bin=$PEERS_TOOLS/.bin/prism
	_pp_spec=$PEERS_TOOLS/@octokit/openapi/generated/api.github.com.json
	if [ ! -x "$_pp_bin" ] || [ ! -f "$_pp_spec" ]; then
		echo "peers.sh: Prism or GitHub's OpenAPI spec is missing:" >&2
		echo "  $_pp_bin" >&2
		echo "  $_pp_spec" >&2
		echo "  install them with: (cd tests/tools && npm ci)" >&2
		return 1
	fi
	if ! command -v node >/dev/null 2>&1; then
		echo "peers.sh: node is not installed; Prism needs Node.js" >&2
		return 1
	fi
	_peers_tmp || return 1
	for _pp_try in 1 2 3; do
		PEERS_SEQ=$((PEERS_SEQ + 1))
		_pp_base=$PEERS_TMP/prism.$PEERS_SEQ
		_pp_port=$(_peers_free_port) || return 1
		npm_config_offline=true "$_pp_bin" mock -h 127.0.0.1 -p "$_pp_port" "$_pp_spec" \
			>"$_pp_base.log" 2>&1 &
		echo $! >"$_pp_base.pid"
		_pp_i=0
		while [ $_pp_i -lt 600 ]; do
			if grep -q "Prism is listening" "$_pp_base.log" 2>/dev/null; then
				PRISM_URL=http://127.0.0.1:$_pp_port
				export PRISM_URL
				return 0
			fi
			kill -0 "$(cat "$_pp_base.pid")" 2>/dev/null || break
			sleep 0.1
			_pp_i=$((_pp_i + 1))
		done
		kill "$(cat "$_pp_base.pid")" 2>/dev/null
		rm -f "$_pp_base.pid"
		# The port may have been taken between choosing and binding: try again.
		grep -q EADDRINUSE "$_pp_base.log" 2>/dev/null || break
	done
	echo "peers.sh: Prism did not start within 60 s; its log ($_pp_base.log):" >&2
	tail -n 20 "$_pp_base.log" >&2
	return 1
}

# peers_start_github [fake_github.py args]: exports GH_URL.  Adds
# --prism $PRISM_URL when Prism was started (or PRISM_URL is set).
peers_start_github() {
	if [ -n "${PRISM_URL:-}" ]; then
		set -- --prism "$PRISM_URL" "$@"
	fi
	_peers_start_fake github fake_github.py "$@" || return 1
	GH_URL=http://127.0.0.1:$_pf_port
	export GH_URL
}

# peers_start_gitlab [fake_gitlab.py args]: exports GL_URL (API base) and GL_ROOT.
peers_start_gitlab() {
	_peers_start_fake gitlab fake_gitlab.py "$@" || return 1
	GL_ROOT=http://127.0.0.1:$_pf_port
	GL_URL=$GL_ROOT/api/v4
	export GL_ROOT GL_URL
}

# peers_stop: stop everything started here (by pid), remove PEERS_TMP
# unless PEERS_KEEP=1.  Safe to call twice.
peers_stop() {
	[ -n "${PEERS_TMP:-}" ] && [ -d "$PEERS_TMP" ] || return 0
	for _ps_f in "$PEERS_TMP"/*.pid; do
		[ -f "$_ps_f" ] || continue
		_ps_pid=$(cat "$_ps_f")
		kill "$_ps_pid" 2>/dev/null
		_ps_i=0
		while kill -0 "$_ps_pid" 2>/dev/null && [ $_ps_i -lt 30 ]; do
			sleep 0.1
			_ps_i=$((_ps_i + 1))
		done
		kill -9 "$_ps_pid" 2>/dev/null
		rm -f "$_ps_f"
	done
	if [ "${PEERS_KEEP:-0}" != 1 ]; then
		rm -rf "$PEERS_TMP"
	fi
	PEERS_TMP=
}

# peers_trap: put peers_stop in front of the current EXIT trap.
peers_trap() {
	# `trap` inside $(...) prints nothing in dash, so list the traps into a
	# file from this shell and read that.
	_peers_tmp || return 1
	trap >"$PEERS_TMP/traps"
	_pt_old=$(sed -n "s/^trap -- '\(.*\)' EXIT\$/\1/p" "$PEERS_TMP/traps")
	if [ -z "$_pt_old" ] && grep -q ' EXIT$' "$PEERS_TMP/traps"; then
		echo "peers.sh: cannot parse the current EXIT trap; set it yourself:" >&2
		echo "  trap 'peers_stop; <your commands>' EXIT" >&2
		return 1
	fi
	if [ -n "$_pt_old" ]; then
		# shellcheck disable=SC2064  # the old trap text is meant to be expanded now
		trap "peers_stop; $_pt_old" EXIT
	else
		trap peers_stop EXIT
	fi
}

# _peers_root URL: the fake's root URL (control API lives there), whether
# given the root or an API base ending in /api/v4 or /api/v3.
_peers_root() {
	_pr_u=${1%/}
	_pr_u=${_pr_u%/api/v4}
	_pr_u=${_pr_u%/api/v3}
	echo "$_pr_u"
}

# peer_requests URL: print the request log (JSON array) of the fake at URL.
peer_requests() {
	curl -sS --fail "$(_peers_root "$1")/__control/requests"
}

# peer_state URL: print the fake's state (JSON).
peer_state() {
	curl -sS --fail "$(_peers_root "$1")/__control/state"
}

# peer_fault URL JSON: inject a fault (object or array of objects).
peer_fault() {
	curl -sS --fail -X POST -H 'Content-Type: application/json' --data-binary "$2" \
		"$(_peers_root "$1")/__control/fault" >/dev/null
}

# peer_seed URL FILE: merge a seed file into the fake's state.
peer_seed() {
	curl -sS --fail -X POST -H 'Content-Type: application/json' --data-binary "@$2" \
		"$(_peers_root "$1")/__control/seed" >/dev/null
}

# peer_reset URL: clear the request log and faults; state goes back to --seed.
peer_reset() {
	curl -sS --fail -X POST "$(_peers_root "$1")/__control/reset" >/dev/null
}
