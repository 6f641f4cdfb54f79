# serve_lib.sh - start and stop `forgebot serve` in tests.  Source after lib.sh.
#
#   serve_start NAME [VAR=VALUE...] -- [serve args]   starts it on a free port;
#                                    sets SERVE_URL, SERVE_PID, SERVE_LOG
#   serve_stop [SIGNAL]              stops it (default TERM) and waits; sets SERVE_EXIT
#   serve_get PATH                   GET, prints "STATUS BODY"
#   serve_metric NAME_AND_LABELS     prints the sample's value from /metrics (0 if absent)

# serve_start NAME [VAR=VALUE...] [-- serve args]
serve_start() {
	_ss_name=$1
	shift
	SERVE_LOG=$TMP/serve-$_ss_name.log
	_ss_env=""
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		_ss_env="$_ss_env $1"
		shift
	done
	[ "${1:-}" = "--" ] && shift
	# shellcheck disable=SC2086
	env $_ss_env "$FORGEBOT" serve --listen 127.0.0.1:0 "$@" >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	_ss_i=0
	while [ $_ss_i -lt 200 ]; do
		_ss_port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$SERVE_LOG" | head -n 1)
		if [ -n "$_ss_port" ]; then
			SERVE_URL=http://127.0.0.1:$_ss_port
			return 0
		fi
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.05
		_ss_i=$((_ss_i + 1))
	done
	echo "serve did not start; its log:" >&2
	cat "$SERVE_LOG" >&2
	return 1
}

serve_stop() {
	kill -"${1:-TERM}" "$SERVE_PID" 2>/dev/null
	wait "$SERVE_PID"
	SERVE_EXIT=$?
}

serve_get() {
	curl -s -o "$TMP/get.body" -w '%{http_code}' "$SERVE_URL$1"
	printf ' '
	cat "$TMP/get.body"
}

serve_metric() {
	curl -s "$SERVE_URL/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }'
}
