#!/bin/sh
# forgebot reviews its own source with its built-in rules: no error-level
# finding may be in the code we ship (we hold ourselves to our rules).
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
if expect_exit self/no-errors 0 "$FORGEBOT" review --fail-on error bot analyzers webhooks; then
	pass self/no-errors
fi
finish
