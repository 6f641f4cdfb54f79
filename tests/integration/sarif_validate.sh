#!/bin/sh
# sarif_validate.sh FILE - validate a SARIF log; exit 0 when clean, 1 with
# each violation printed when not, 2 on usage or tool errors.
#
# Two checks run:
#  1. Sarif.Multitool (tests/tools, `npm ci` there) with GitHub code
#     scanning's rule set (--rule-kind Ghas).  It always exits 0 and writes
#     its findings as another SARIF log, whose results must be empty.
#     Caveat: in some environments the single-file Linux build loads no
#     validation rules at all (its report then lists no rules and passes
#     anything, even a log without `tool`); we say so on stderr instead of
#     trusting that silent pass.
#  2. The SARIF 2.1.0 JSON schema shipped with the validator, with Python's
#     jsonschema, plus what GitHub requires beyond the schema: every result's
#     rule listed with non-empty fullDescription and help text, a location
#     with a relative uri and a startLine, and partialFingerprints.
set -eu

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 FILE.sarif" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
pkg=$root/tests/tools/node_modules/@microsoft/sarif-multitool-linux
tool=$pkg/Sarif.Multitool
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

/usr/bin/python3 - "$1" "$tmp/report.sarif" "$pkg/sarif-2.1.0.json" <<'PY'
import json, sys

path, report_path, schema_path = sys.argv[1:4]
problems = []

# 1. Sarif.Multitool's own findings.
report = json.load(open(report_path, encoding="utf-8"))
run = (report.get("runs") or [{}])[0]
for r in run.get("results") or []:
    loc = ((r.get("locations") or [{}])[0]).get("physicalLocation", {})
    line = loc.get("region", {}).get("startLine", "?")
    msg = r.get("message", {})
    text = msg.get("text") or " | ".join(msg.get("arguments") or [])
    problems.append(f"{line}: {r.get('level', 'warning')} {r.get('ruleId')}: {text}")
if not run.get("tool", {}).get("driver", {}).get("rules"):
    print("sarif_validate: note: Sarif.Multitool ran no validation rules here; "
          "relying on the schema and GitHub checks", file=sys.stderr)

# 2. The JSON schema, then GitHub's extra requirements.
try:
    log = json.load(open(path, encoding="utf-8"))
except ValueError as e:
    print(f"{path}: not JSON: {e}")
    sys.exit(1)
try:
    import jsonschema
    schema = json.load(open(schema_path, encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    for e in cls(schema).iter_errors(log):
        where = "/".join(str(p) for p in e.absolute_path)
        problems.append(f"schema: /{where}: {e.message}")
except ImportError:
    print("sarif_validate: note: python3-jsonschema is missing; schema not checked",
          file=sys.stderr)

for ri, run in enumerate(log.get("runs") or []):
    rules = run.get("tool", {}).get("driver", {}).get("rules") or []
    ids = {}
    for i, rule in enumerate(rules):
        ids[rule.get("id")] = i
        for key in ("fullDescription", "help"):
            if not (rule.get(key) or {}).get("text"):
                problems.append(f"runs/{ri}/rules/{i} ({rule.get('id')}): GitHub needs {key}.text")
    for i, res in enumerate(run.get("results") or []):
        where = f"runs/{ri}/results/{i}"
        rid = res.get("ruleId")
        if rid not in ids:
            problems.append(f"{where}: rule '{rid}' is not in tool.driver.rules")
        elif "ruleIndex" in res and res["ruleIndex"] != ids[rid]:
            problems.append(f"{where}: ruleIndex {res['ruleIndex']} is not rule '{rid}'")
        locs = res.get("locations") or []
        if not locs:
            problems.append(f"{where}: GitHub needs a location")
        for loc in locs:
            pl = loc.get("physicalLocation", {})
            uri = pl.get("artifactLocation", {}).get("uri", "")
            # Repository-relative, or an absolute file:// URI for files
            # outside any repository; never a bare absolute path.
            if not uri or uri.startswith("/") or (
                    ":" in uri.split("/")[0] and not uri.startswith("file:///")):
                problems.append(f"{where}: uri '{uri}' is neither repository-relative "
                                "nor a file:// URI")
            if not pl.get("region", {}).get("startLine"):
                problems.append(f"{where}: region.startLine missing")
        if not (res.get("partialFingerprints") or {}).get("primaryLocationLineHash"):
            problems.append(f"{where}: partialFingerprints.primaryLocationLineHash missing")

for p in problems:
    print(f"{path}: {p}")
sys.exit(1 if problems else 0)
PY
