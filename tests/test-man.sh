#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The man pages document every option that --help lists (afb-daemon.1,
# afb-client.1), and man renders them without a warning.
# usage: test-man.sh SOURCE_ROOT AFB_DAEMON [AFB_CLIENT]
set -u
src=$1
fail=0
check() {	# check PROGRAM PAGE
	for opt in $("$1" --help | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u); do
		roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		if ! grep -q -- "$roff" "$2"; then
			echo "$(basename "$2") does not document $opt"
			fail=1
		fi
	done
	if command -v man >/dev/null; then
		warnings=$(MANWIDTH=80 man --warnings -l "$2" 2>&1 >/dev/null)
		if [ -n "$warnings" ]; then
			echo "man warns about $(basename "$2"):"
			echo "$warnings"
			fail=1
		fi
	fi
}
check "$2" "$src/docs/afb-daemon.1"
[ $# -lt 3 ] || check "$3" "$src/docs/afb-client.1"
[ $fail -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
