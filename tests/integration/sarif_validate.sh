#!/bin/sh
# sarif_validate.sh FILE - validate a SARIF log with the real validator
# (Sarif.Multitool from tests/tools, including GitHub code scanning's rules,
# --rule-kind Ghas).  The validator always exits 0 and writes its findings
# as another SARIF log; this script exits 1 and prints each violation when
# that log has any results, 2 on usage or tool errors, 0 when FILE is clean.
set -eu

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 FILE.sarif" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
tool=$root/tests/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ ! -f "$tool" ]; then
	echo "sarif_validate: $tool is missing (run 'npm ci' in tests/tools)" >&2
	exit 2
fi
[ -x "$tool" ] || chmod u+x "$tool"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# Without libicu, .NET needs invariant globalization mode.
if ! DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$tool" validate "$1" -o "$tmp/report.sarif" \
	--log ForceOverwrite --rule-kind Ghas >"$tmp/log" 2>&1 || [ ! -s "$tmp/report.sarif" ]; then
	echo "sarif_validate: the validator failed:" >&2
	cat "$tmp/log" >&2
	exit 2
fi

node -e '
const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const results = (log.runs && log.runs[0] && log.runs[0].results) || [];
for (const r of results) {
	const loc = r.locations && r.locations[0] && r.locations[0].physicalLocation;
	const line = loc && loc.region ? loc.region.startLine : "?";
	const args = (r.message && r.message.arguments) || [];
	console.log(`${process.argv[2]}:${line}: ${r.level || "warning"} ${r.ruleId}: ${
		r.message && r.message.text ? r.message.text : args.join(" | ")}`);
}
process.exit(results.length ? 1 : 0);
' "$tmp/report.sarif" "$1"
