#!/bin/sh
# Fetch the grammar sources pinned in grammars.lock from the npm registry into
# a build cache, verify each tarball's sha512 against the lock, and unpack the
# package under $CACHE/packages/, linking $CACHE/<language> to its parser
# sources (parser.c, optional scanner.c, tree_sitter/).
# Idempotent: a language whose sources are already unpacked is skipped.
#
# usage: fetch-grammars.sh LOCKFILE CACHE_DIR
set -eu
lock=$1
cache=$2
mkdir -p "$cache/tarballs"
grep -v '^[[:space:]]*\(#\|$\)' "$lock" | while read -r lang pkg ver srcdir integrity; do
	dest="$cache/$lang"
	[ -f "$dest/.ok" ] && continue
	base=$(printf '%s' "$pkg" | sed 's,^@,,; s,/,-,')
	tgz="$cache/tarballs/$base-$ver.tgz"
	if [ ! -f "$tgz" ]; then
		(cd "$cache/tarballs" && npm pack --silent "$pkg@$ver" >/dev/null) || {
			echo "fetch-grammars: cannot download $pkg@$ver from the npm registry" >&2
			exit 1
		}
	fi
	got=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
	if [ "$got" != "$integrity" ]; then
		echo "fetch-grammars: checksum mismatch for $pkg@$ver" >&2
		echo "  expected sha512-$integrity" >&2
		echo "  got      sha512-$got" >&2
		rm -f "$tgz"
		exit 1
	fi
	pkgdir="$cache/packages/$base-$ver"
	if [ ! -d "$pkgdir/package" ]; then
		rm -rf "$pkgdir.tmp" && mkdir -p "$pkgdir.tmp"
		tar -xzf "$tgz" -C "$pkgdir.tmp"
		mv "$pkgdir.tmp" "$pkgdir"
	fi
	rm -rf "$dest"
	ln -s "packages/$base-$ver/package/$srcdir" "$dest"
	if ! grep -q '#define LANGUAGE_VERSION 1[34]$' "$dest/parser.c"; then
		echo "fetch-grammars: $pkg@$ver is not ABI 13/14; libtree-sitter 0.20.7 cannot load it" >&2
		exit 1
	fi
	touch "$dest/.ok"
	echo "fetch-grammars: $lang <- $pkg@$ver (verified)"
done
