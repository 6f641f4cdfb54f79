#!/bin/sh
# Parity with ast-grep: rule files in forgebot's ast-grep subset must give the
# same matches under forgebot and under ast-grep 0.51.1 (npm @ast-grep/cli),
# rule by rule.  Rule sets: tests/cases/parity/rules (every operator) and the
# built-in ast-grep-format packs.  Inputs: tests/cases/parity/src, every test
# snippet of the built-in packs, and a slice of real code (Python's json and
# email packages, a few system headers).  A match is (rule, file, start and
# end line and column); ast-grep's 0-based positions are shifted to 1-based.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
SG=$root/tests/tools/node_modules/.bin/ast-grep
[ -x "$SG" ] || { fail parity/ast-grep "ast-grep is not installed (make deps)"; finish; exit 1; }

corpus=$TMP/corpus
mkdir -p "$corpus/src" "$corpus/snippets" "$corpus/real"
cp "$root"/tests/cases/parity/src/* "$corpus/src/"
# Every built-in test snippet as its own file, named by language extension.
node -e '
const fs=require("fs"),path=require("path");
const root=process.argv[1], out=process.argv[2];
const ext={c:".c",cpp:".cpp",python:".py",javascript:".js",typescript:".ts",tsx:".tsx",go:".go",
  rust:".rs",java:".java",ruby:".rb",bash:".sh",yaml:".yml"};
let n=0;
for (const lang of fs.readdirSync(root)) {
  const dir=path.join(root,lang,"tests");
  if (!ext[lang] || !fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir)) {
    const text=fs.readFileSync(path.join(dir,f),"utf8");
    // Test files are simple: quoted or block scalars under valid:/invalid:.
    const docs=text.split(/^---$/m);
    for (const d of docs) {
      const re=/^\s*-\s*(\|[-+]?\n((?:(?:\s{4,}.*)?\n)+)|'\''((?:[^'\'']|'\'''\'')*)'\''|"((?:[^"\\]|\\.)*)")/gm;
      let m;
      while ((m=re.exec(d))) {
        let code;
        if (m[2]!==undefined) { const ls=m[2].split("\n"); const ind=Math.min(...ls.filter(l=>l.trim()).map(l=>l.match(/^ */)[0].length)); code=ls.map(l=>l.slice(ind)).join("\n"); }
        else if (m[3]!==undefined) code=m[3].replace(/'\'''\''/g,"'\''");
        else code=JSON.parse("\""+m[4]+"\"");
        fs.writeFileSync(path.join(out,`s${n++}${ext[lang]}`),code);
      }
    }
  }
}' "$root/analyzers/rules" "$corpus/snippets"
cp -r /usr/lib/python3.11/json /usr/lib/python3.11/email "$corpus/real/" 2>/dev/null
# string.h is left out: its macro bodies parse differently under the grammar
# versions ast-grep bundles (tree-sitter-c 0.24+) and forgebot pins (0.23).
for h in stdio.h stdlib.h unistd.h zlib.h curl/curl.h yaml.h; do
	[ -f "/usr/include/$h" ] && cp "/usr/include/$h" "$corpus/real/$(echo "$h" | tr / _)"
done

# compare NAME RULES_DIR: one PASS/FAIL line per rule.
compare() {
	set_name=$1
	rules=$2
	mkdir -p "$TMP/$set_name"
	cp "$rules"/*.yml "$TMP/$set_name/"
	rm -f "$TMP/$set_name/sgconfig.yml"
	printf 'ruleDirs: [%s]\n' "$TMP/$set_name" >"$TMP/$set_name.sgconfig.yml"
	(cd "$corpus" && "$SG" scan -c "$TMP/$set_name.sgconfig.yml" --json=stream .) >"$TMP/sg.json" 2>"$TMP/sg.err"
	(cd "$corpus" && "$FORGEBOT" review --no-builtin-rules --rules "$TMP/$set_name" --format json \
		--fail-on never .) >"$TMP/fb.json" 2>"$TMP/fb.err" ||
		{ fail "parity/$set_name" "forgebot failed: $(head -c 300 "$TMP/fb.err")"; return; }
	node -e '
const fs=require("fs");
const [sgFile,fbFile,rulesDir,setName]=process.argv.slice(1);
const norm=p=>p.replace(/^\.\//,"");
const sg=new Map(), fb=new Map();
const add=(m,rule,key)=>{if(!m.has(rule))m.set(rule,new Set());m.get(rule).add(key)};
for (const line of fs.readFileSync(sgFile,"utf8").split("\n").filter(Boolean)) {
  const r=JSON.parse(line), s=r.range.start, e=r.range.end;
  add(sg,r.ruleId,`${norm(r.file)}:${s.line+1}:${s.column+1}-${e.line+1}:${e.column+1}`);
}
for (const f of JSON.parse(fs.readFileSync(fbFile,"utf8")).findings)
  add(fb,f.rule,`${norm(f.path)}:${f.start.line}:${f.start.col}-${f.end.line}:${f.end.col}`);
const ids=new Set();
for (const f of fs.readdirSync(rulesDir)) {
  for (const m of fs.readFileSync(rulesDir+"/"+f,"utf8").matchAll(/^id:\s*(\S+)/gm)) ids.add(m[1]);
}
let pass=0, failn=0;
for (const id of [...ids].sort()) {
  const a=sg.get(id)||new Set(), b=fb.get(id)||new Set();
  const onlySg=[...a].filter(k=>!b.has(k)), onlyFb=[...b].filter(k=>!a.has(k));
  if (!onlySg.length && !onlyFb.length) { console.log(`PASS parity/${id} (${a.size} matches)`); pass++; }
  else { console.log(`FAIL parity/${id}: ast-grep only ${JSON.stringify(onlySg.slice(0,3))}, forgebot only ${JSON.stringify(onlyFb.slice(0,3))} (${onlySg.length}/${onlyFb.length})`); failn++; }
}
fs.writeFileSync(fbFile+".counts", `${pass} ${failn}\n`);
' "$TMP/sg.json" "$TMP/fb.json" "$TMP/$set_name" "$set_name"
	read -r p f <"$TMP/fb.json.counts"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
}

compare operators "$root/tests/cases/parity/rules"
for lang in c cpp python javascript typescript tsx go rust java ruby bash yaml; do
	dir=$root/analyzers/rules/$lang
	ls "$dir"/*.yml >/dev/null 2>&1 || continue
	compare "builtin-$lang" "$dir"
done
finish
