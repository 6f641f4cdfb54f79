#!/bin/sh
# make bench: forgebot against ast-grep, same rule files, same cores, same run.
#
# Corpora (real code from package managers): Python's standard library
# (Debian python3.11), /usr/include (C), Go's standard library (Debian
# golang-go), TypeScript's compiled JavaScript (npm typescript@5.9.3).
# Rule sets: "sparse" = forgebot's built-in ast-grep-format pack for the
# language (rules that match few files); "dense" = tests/bench/rules/dense
# (rules that match nearly every file, many times).  Also a parse-only
# baseline (`forgebot parse`: tree-sitter alone, the floor for any
# tree-sitter analyzer) and a 50-file change reviewed in a large repository.
#
# Each command runs $RUNS times (hyperfine, after one warm-up); peak memory is
# from /usr/bin/time.  Results go to build/bench/results.md and stdout.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
FB=$ROOT/forgebot
SG=$ROOT/tests/tools/node_modules/.bin/ast-grep
RUNS=${RUNS:-5}
JOBS=${JOBS:-$(nproc)}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sh .ci/install-deps.sh python3.11 golang-go hyperfine time >/dev/null

[ -x "$SG" ] || { echo "bench: ast-grep missing; run 'make deps'" >&2; exit 1; }
GO_SRC=$(readlink -f "$(readlink -f /usr/lib/go)/src")
# A copy outside this repository: node_modules is in our .gitignore, and
# forgebot (rightly) skips ignored files.
TS_LIB=$T/typescript-lib
cp -r "$ROOT/tests/tools/node_modules/typescript/lib" "$TS_LIB"

# corpus name, language, path, built-in pack dir, dense rule file
CORPORA="python-stdlib python /usr/lib/python3.11 python python-calls.yml
usr-include c /usr/include c c-calls.yml
go-stdlib go $GO_SRC go go-calls.yml
typescript-js javascript $TS_LIB javascript js-calls.yml"

# An sgconfig.yml for ast-grep pointing at one directory of rules.
sgconfig() {
	mkdir -p "$T/sg-$1"
	cp "$2"/*.yml "$T/sg-$1/"
	rm -f "$T/sg-$1/sgconfig.yml"
	printf 'ruleDirs: [%s]\n' "$T/sg-$1" >"$T/sg-$1.sgconfig.yml"
	echo "$T/sg-$1.sgconfig.yml"
}

mean() { # hyperfine JSON -> mean seconds of command N
	node -e 'const r=require(process.argv[1]).results;console.log(r[+process.argv[2]].mean.toFixed(4))' "$1" "$2"
}

peak_kb() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
}

count() { # findings in a forgebot json report (one per line) / an ast-grep json stream
	if [ "$2" = fb ]; then
		grep -c '^    {"rule":' "$1" || true
	else
		grep -c . "$1" || true
	fi
}

RESULTS=$OUT/results.md
{
	echo "| corpus | rules | lines | forgebot s | ast-grep s | parse-only s | forgebot lines/s | ast-grep lines/s | speed-up | forgebot peak MB | ast-grep peak MB | findings fb / sg |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$RESULTS"

echo "$CORPORA" | while read -r name lang dir pack dense; do
	lines=$("$FB" parse --jobs "$JOBS" --language "$lang" "$dir" | sed -n 's/^parsed [0-9]* files, \([0-9]*\) lines.*/\1/p')
	for set in sparse dense; do
		if [ "$set" = sparse ]; then
			rules=$ROOT/analyzers/rules/$pack
		else
			mkdir -p "$T/dense-$lang" && cp "tests/bench/rules/dense/$dense" "$T/dense-$lang/"
			rules=$T/dense-$lang
		fi
		cfg=$(sgconfig "$set-$lang" "$rules")
		fbcmd="$FB review --no-builtin-rules --rules $rules --format json --fail-on never --jobs $JOBS $dir"
		sgcmd="$SG scan -c $cfg --json=stream --threads $JOBS $dir"
		pcmd="$FB parse --jobs $JOBS --language $lang $dir"
		hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$T/h.json" \
			"$fbcmd" "$sgcmd" "$pcmd" >"$T/hyperfine.log" 2>&1 || { cat "$T/hyperfine.log"; exit 1; }
		fb_s=$(mean "$T/h.json" 0)
		sg_s=$(mean "$T/h.json" 1)
		p_s=$(mean "$T/h.json" 2)
		$fbcmd >"$T/fb.json" 2>/dev/null || true
		$sgcmd >"$T/sg.json" 2>/dev/null || true
		fb_n=$(count "$T/fb.json" fb)
		sg_n=$(count "$T/sg.json" sg)
		fb_mem=$(peak_kb $fbcmd)
		sg_mem=$(peak_kb $sgcmd)
		node -e '
const [name,set,lines,fb,sg,p,fbm,sgm,fbn,sgn]=process.argv.slice(1);
const f=(x)=>Math.round(+lines/+x).toLocaleString("en-US");
console.log(`| ${name} | ${set} | ${(+lines).toLocaleString("en-US")} | ${fb} | ${sg} | ${p} | ${f(fb)} | ${f(sg)} | ${(+sg/+fb).toFixed(2)}x | ${(+fbm/1024).toFixed(0)} | ${(+sgm/1024).toFixed(0)} | ${fbn} / ${sgn} |`)' \
			"$name" "$set" "$lines" "$fb_s" "$sg_s" "$p_s" "$fb_mem" "$sg_mem" "$fb_n" "$sg_n" >>"$RESULTS"
		tail -n 1 "$RESULTS"
	done
done

# A 50-file change in a large repository (Go's standard library as one repo).
REPO=$T/bigrepo
mkdir -p "$REPO"
cp -r "$GO_SRC"/. "$REPO"/
git -C "$REPO" init -q
git -C "$REPO" add -A
git -C "$REPO" -c user.name=b -c user.email=b@e commit -qm base
files=$(cd "$REPO" && git ls-files '*.go' | grep -v -e _test.go -e testdata | awk 'NR % 60 == 0' | head -n 50)
for f in $files; do
	printf '\nfunc benchAdded%s() {\n\tfor i := 0; i < 3; i++ {\n\t\tdefer println(i)\n\t}\n}\n' \
		"$(echo "$f" | cksum | cut -d' ' -f1)" >>"$REPO/$f"
done
repo_lines=$(cd "$REPO" && git ls-files | xargs cat 2>/dev/null | wc -l)
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$T/c.json" \
	"$FB review --repo $REPO --base HEAD --format json --fail-on never" >"$T/hyperfine.log" 2>&1
change_s=$(mean "$T/c.json" 0)
change_n=$("$FB" review --repo "$REPO" --base HEAD --format json --fail-on never | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).findings.length))')
{
	echo
	echo "50-file change in a $repo_lines-line repository (Go stdlib), working tree vs HEAD, built-in rules:"
	echo "$change_s s mean over $RUNS runs, $change_n findings on added lines."
	echo
	echo "Machine: $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//'); jobs=$JOBS; runs=$RUNS; ast-grep $("$SG" --version | cut -d' ' -f2); forgebot $("$FB" version | cut -d' ' -f2)."
} >>"$RESULTS"
echo
cat "$RESULTS"
