#!/bin/sh
# False-positive check over real code: the built-in rules run over code from
# package managers, and each rule's hit count must stay near the count
# recorded in analyzers/rules/corpus-baseline.tsv (at most 25% + 3 more).
# A rule that suddenly fires much more often on well-maintained code has
# grown false positives.  FORGEBOT_CORPUS_UPDATE=1 rewrites the baseline.
#
# Corpora, all fixed by package versions: python-stdlib (Debian python3.11),
# glibc-headers (the .h files of Debian's libc6-dev), go-stdlib (Debian
# golang-go), typescript-lib (npm typescript@5.9.3, pinned in tests/tools).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
baseline=$root/analyzers/rules/corpus-baseline.tsv

mkdir -p "$TMP/glibc"
dpkg -L libc6-dev 2>/dev/null | grep '\.h$' | while read -r h; do
	mkdir -p "$TMP/glibc/$(dirname "$h")" && cp "$h" "$TMP/glibc/$h"
done
corpora="python-stdlib /usr/lib/python3.11
glibc-headers $TMP/glibc
go-stdlib $(readlink -f /usr/lib/go 2>/dev/null)/src
typescript-lib $root/tests/tools/node_modules/typescript/lib"

echo "$corpora" | while read -r name dir; do
	if [ ! -d "$dir" ]; then
		echo "missing $name" >>"$TMP/missing"
		continue
	fi
	"$FORGEBOT" review --format json --fail-on never "$dir" >"$TMP/$name.json" 2>"$TMP/$name.err" ||
		echo "failed $name: $(head -c 300 "$TMP/$name.err")" >>"$TMP/missing"
done
if [ -s "$TMP/missing" ]; then
	while read -r line; do fail "corpus/setup" "$line"; done <"$TMP/missing"
fi

node -e '
const fs=require("fs");
const [tmp, baselineFile, update]=process.argv.slice(1);
const corpora=["python-stdlib","glibc-headers","go-stdlib","typescript-lib"];
const counts=new Map();   // "rule\tcorpus" -> hits
const langOf={"python-stdlib":"python","glibc-headers":"c","go-stdlib":"go","typescript-lib":"javascript"};
for (const c of corpora) {
  const f=`${tmp}/${c}.json`;
  if (!fs.existsSync(f)) continue;
  for (const x of JSON.parse(fs.readFileSync(f,"utf8")).findings) {
    const k=`${x.rule}\t${c}`; counts.set(k,(counts.get(k)||0)+1);
  }
}
const base=new Map(), header=[];
if (fs.existsSync(baselineFile)) for (const l of fs.readFileSync(baselineFile,"utf8").split("\n")) {
  if (l.startsWith("#")) { header.push(l); continue; }
  const p=l.split("\t"); if (p.length===3) base.set(`${p[0]}\t${p[1]}`,+p[2]);
}
if (update==="1") {
  const keys=[...counts.keys()].sort();
  const head=["# Hits of each built-in rule on real code, recorded with forgebot itself by",
    "# FORGEBOT_CORPUS_UPDATE=1 sh tests/integration/corpus.test.sh (FORGEBOT=./forgebot).",
    "# tests/integration/corpus.test.sh fails when a rule exceeds its count by more than",
    "# 25% + 3.  Rules with no line here had no hits.  Columns: rule, corpus, hits."];
  fs.writeFileSync(baselineFile, head.join("\n")+"\n"+keys.map(k=>`${k}\t${counts.get(k)}`).join("\n")+"\n");
  console.log(`PASS corpus/baseline-updated (${keys.length} rows)`); console.log("1 passed, 0 failed"); process.exit(0);
}
let pass=0, fail=0;
const all=new Set([...counts.keys(), ...base.keys()]);
for (const k of [...all].sort()) {
  const got=counts.get(k)||0, want=base.get(k)||0, limit=Math.floor(want*1.25)+3;
  const name="corpus/"+k.replace("\t","@");
  if (got>limit) { console.log(`FAIL ${name}: ${got} hits, baseline ${want} (limit ${limit}) — new false positives?`); fail++; }
  else { console.log(`PASS ${name} (${got} hits, baseline ${want})`); pass++; }
}
fs.writeFileSync(`${tmp}/counts`, `${pass} ${fail}\n`);
' "$TMP" "$baseline" "${FORGEBOT_CORPUS_UPDATE:-0}" | tee "$TMP/node.out" | grep -v '^[0-9]* passed'
if [ -f "$TMP/counts" ]; then
	read -r p f <"$TMP/counts"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
elif ! grep -q baseline-updated "$TMP/node.out"; then
	fail corpus/compare "the comparison script failed"
fi
finish
