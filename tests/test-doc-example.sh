#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317 # functions called indirectly (trap, poll)
# An example binding of the documentation (docs/examples/minimal-binding.c
# of binding API v1, docs/examples/minimal-v3.c of v3) builds as the
# documentation says: headers and afb-daemon.pc installed
# (meson install --destdir into a temporary directory), flags from
# `pkg-config --cflags --libs afb-daemon`. Then it is loaded into the
# daemon and its verbs are called over HTTP.
#
# usage: test-doc-example.sh BUILD_DIR EXAMPLE.c [API]   (API: minimal by default)
# env:   AFB_DAEMON (the daemon), CC (the C compiler, default cc)
set -u

BUILD=$1
EXAMPLE=$2
API=${3:-minimal}
CC=${CC:-cc}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/afbt-doc-XXXXXX")
PID=

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' TERM INT HUP

fail() {
	echo "not ok - $CHECK: $*" >&2
	if [ -f "$TMP/daemon.log" ]; then
		echo "----- afb-daemon log -----" >&2
		cat "$TMP/daemon.log" >&2
		echo "----- end of log -----" >&2
	fi
	echo "# 0 passed, 1 failed"
	exit 1
}

PASSED=0
ok() {
	echo "ok - $CHECK"
	PASSED=$((PASSED + 1))
}

# polls 'cond' (a command) every 50 ms for at most $1 seconds
poll() {
	local limit=$(( $1 * 20 )) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.05
	done
}

# ------------------------------------------------------------------ install
CHECK=install
[ -f "$EXAMPLE" ] || fail "missing $EXAMPLE"
meson install -C "$BUILD" --no-rebuild --quiet --destdir "$TMP/dest" --tags devel >"$TMP/install.log" 2>&1 \
	|| { cat "$TMP/install.log" >&2; fail "meson install --destdir failed"; }
PC=$(find "$TMP/dest" -name afb-daemon.pc | head -n 1)
[ -n "$PC" ] || fail "afb-daemon.pc is not installed"
HEADER=$(find "$TMP/dest" -path '*/afb/afb-binding.h' | head -n 1)
[ -n "$HEADER" ] || fail "afb/afb-binding.h is not installed"
ok

# ---------------------------------------------------------------- pkg-config
CHECK=pkg-config
PREFIX=$(sed -n 's/^prefix=//p' "$PC")
FLAGS=$(PKG_CONFIG_PATH=$(dirname "$PC") pkg-config --define-variable=prefix="$TMP/dest$PREFIX" \
	--cflags --libs afb-daemon) || fail "pkg-config --cflags --libs afb-daemon failed"
echo "# flags: $FLAGS"
case " $FLAGS " in
	*" -I$TMP/dest"*) ;;
	*) fail "the flags do not point to the installed headers: $FLAGS" ;;
esac
case " $FLAGS " in
	*json-c*) ;;
	*) fail "the flags lack json-c: $FLAGS" ;;
esac
ok

# ------------------------------------------------------------------ compile
CHECK=compile
echo '{ global: afbBindingV*; local: *; };' >"$TMP/export.map"
# shellcheck disable=SC2086 # FLAGS is a list of words
"$CC" -fPIC -shared -Wall -Wextra -Werror -o "$TMP/minimal.so" "$EXAMPLE" $FLAGS \
	-Wl,--version-script="$TMP/export.map" 2>"$TMP/cc.log" \
	|| { cat "$TMP/cc.log" >&2; fail "the example does not compile"; }
ok

# ---------------------------------------------------------------------- run
CHECK=load
mkdir -p "$TMP/work"
"$AFB_DAEMON" --interface 127.0.0.1 --port 0 --workdir "$TMP/work" --uploaddir "$TMP/work" \
	--binding "$TMP/minimal.so" >"$TMP/daemon.log" 2>&1 &
PID=$!
port_known() {
	PORT=$(sed -n 's/.*serving HTTP on port \([0-9][0-9]*\).*/\1/p' "$TMP/daemon.log" | head -n 1)
	[ -n "$PORT" ] || ! kill -0 "$PID" 2>/dev/null
}
poll 10 port_known || fail "the daemon did not start serving within 10 s"
[ -n "$PORT" ] || fail "the daemon exited"
grep -q "$API binding ready" "$TMP/daemon.log" || fail "the init of the example did not run"
ok

call() {
	curl --noproxy '*' -s -m 10 -c "$TMP/cookies" -b "$TMP/cookies" "http://127.0.0.1:$PORT$1"
}

CHECK=hello
OUT=$(call "/api/$API/hello?name=world") || fail "curl failed"
echo "# $OUT"
case "$OUT" in
	*'"message":"hello, world!"'*'"status":"success"'*) ok ;;
	*) fail "unexpected reply: $OUT" ;;
esac

CHECK=count
call "/api/$API/count" >/dev/null
OUT=$(call "/api/$API/count") || fail "curl failed"
echo "# $OUT"
case "$OUT" in
	*'"count":2'*) ok ;;
	*) fail "unexpected reply: $OUT" ;;
esac

# plain HTTP has no event listener: the v3 example's tick says so
if [ "$API" = minimal3 ]; then
	CHECK=tick
	OUT=$(call "/api/$API/tick") || fail "curl failed"
	echo "# $OUT"
	case "$OUT" in
		*'"status":"failed"'*"can't receive events"*) ok ;;
		*) fail "unexpected reply: $OUT" ;;
	esac
fi

# --------------------------------------------------------------------- stop
CHECK=stop
kill -TERM "$PID"
exited() { ! kill -0 "$PID" 2>/dev/null; }
poll 5 exited || fail "the daemon did not exit within 5 s after SIGTERM"
wait "$PID"
STATUS=$?
PID=
[ "$STATUS" -eq 0 ] || fail "the daemon exited with status $STATUS"
if grep -q -e 'Sanitizer' -e 'runtime error:' "$TMP/daemon.log"; then
	fail "sanitizer report"
fi
ok

echo "# $PASSED passed, 0 failed"
exit 0
