#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages: scripts/package builds them (dpkg-buildpackage -b
# -uc -us, lintian without errors); their contents are checked, they are
# extracted with dpkg-deb -x, and the packaged daemon is run from there:
# it serves the packaged samples over HTTP and WebSocket (packaged
# afb-client), and loads a binding compiled against the packaged headers
# with the flags of the packaged afb-daemon.pc.
# usage: test-package.sh SOURCE_ROOT EXAMPLE.c      (env: CC)
set -u
SRC=$1
EXAMPLE=$2
CC=${CC:-cc}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/afbt-pkg-XXXXXX")
PID=
PASSED=0
FAILED=0

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' TERM INT HUP

ok() { echo "ok - $1"; PASSED=$((PASSED + 1)); }
not_ok() { echo "not ok - $1"; shift; printf '%s\n' "$@"; FAILED=$((FAILED + 1)); }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }

# ---- build
if ! AFB_PACKAGE_NO_INSTALL=1 "$SRC/scripts/package" "$TMP/debs" >"$TMP/package.log" 2>&1; then
	not_ok "scripts/package" "$(tail -40 "$TMP/package.log")"
	finish
fi
ok "scripts/package builds the packages"
if grep -q '^E: ' "$TMP/debs/lintian.log"; then
	not_ok "lintian" "$(cat "$TMP/debs/lintian.log")"
else
	ok "lintian: no error"
fi

ARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
DAEMON_DEB=$(ls "$TMP"/debs/afb-daemon_*.deb)
DEV_DEB=$(ls "$TMP"/debs/afb-daemon-dev_*.deb)
SAMPLES_DEB=$(ls "$TMP"/debs/afb-daemon-samples_*.deb)

# ---- contents
check_contents() {
	local deb=$1 list missing=()
	shift
	list=$(dpkg-deb -c "$deb" | awk '{print $6}')
	for f in "$@"; do
		grep -qx "\./$f" <<<"$list" || missing+=("$f")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "contents of $(basename "$deb")"
	else
		not_ok "contents of $(basename "$deb")" "missing: ${missing[*]}" "$list"
	fi
}
check_contents "$DAEMON_DEB" usr/bin/afb-daemon usr/bin/afb-client etc/afb-daemon/http.json \
	lib/systemd/system/afb-daemon@.service lib/systemd/system/afb-daemon-http.service \
	lib/systemd/system/afb-daemon-http.socket lib/systemd/system/afb-daemon-ws@.service \
	lib/systemd/system/afb-daemon-ws@.socket usr/lib/systemd/user/afb-daemon-user@.service \
	usr/lib/sysusers.d/afb-daemon.conf usr/share/dbus-1/system.d/org.afb.api.conf \
	usr/share/dbus-1/interfaces/org.afb.Api1.xml usr/share/dbus-1/interfaces/org.afb.Link1.xml \
	usr/share/dbus-1/interfaces/org.afb.Typed1.xml \
	usr/share/man/man1/afb-daemon.1.gz usr/share/man/man1/afb-client.1.gz \
	usr/share/doc/afb-daemon/copyright "usr/lib/$ARCH/afb/"
check_contents "$DEV_DEB" usr/include/afb/afb-binding.h usr/include/afb/afb-binding-v1.h \
	"usr/lib/$ARCH/pkgconfig/afb-daemon.pc"
check_contents "$SAMPLES_DEB" "usr/lib/$ARCH/afb/hello.so" "usr/lib/$ARCH/afb/tictactoe.so" \
	"usr/lib/$ARCH/afb/post.so" "usr/lib/$ARCH/afb/auth.so"
# the samples are not in the daemon's package, the headers not in the samples'
if dpkg-deb -c "$DAEMON_DEB" | grep -q '\.so$\|include/'; then
	not_ok "afb-daemon has no binding and no header" "$(dpkg-deb -c "$DAEMON_DEB")"
else
	ok "afb-daemon has no binding and no header"
fi
# the system user is made at installation
if dpkg-deb -I "$DAEMON_DEB" postinst | grep -q 'systemd-sysusers.*afb-daemon.conf'; then
	ok "postinst creates the user afb"
else
	not_ok "postinst creates the user afb" "$(dpkg-deb -I "$DAEMON_DEB" postinst)"
fi
# the man pages are valid
ROOT=$TMP/root
for deb in "$DAEMON_DEB" "$DEV_DEB" "$SAMPLES_DEB"; do
	dpkg-deb -x "$deb" "$ROOT"
done
if man -l "$ROOT/usr/share/man/man1/afb-daemon.1.gz" 2>&1 | grep -q -- "--https-cert" &&
   man -l "$ROOT/usr/share/man/man1/afb-client.1.gz" 2>&1 | grep -q -- "--cacert"; then
	ok "man pages"
else
	not_ok "man pages" "$(man -l "$ROOT/usr/share/man/man1/afb-daemon.1.gz" 2>&1 | head)"
fi
# the packaged units point at the packaged files
if grep -q "^ExecStart=/usr/bin/afb-daemon " "$ROOT/lib/systemd/system/afb-daemon@.service" &&
   grep -q -- "--binding=/usr/lib/$ARCH/afb/%i.so" "$ROOT/lib/systemd/system/afb-daemon@.service" &&
   grep -q "\"/usr/lib/$ARCH/afb\"" "$ROOT/etc/afb-daemon/http.json"; then
	ok "units and configuration name /usr/bin and /usr/lib/$ARCH/afb"
else
	not_ok "units and configuration paths" "$(cat "$ROOT/lib/systemd/system/afb-daemon@.service" "$ROOT/etc/afb-daemon/http.json")"
fi

# ---- the packaged daemon, run from the extracted tree
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# a binding built against the packaged -dev
export PKG_CONFIG_PATH=$ROOT/usr/lib/$ARCH/pkgconfig PKG_CONFIG_SYSROOT_DIR=$ROOT
# shellcheck disable=SC2046 # the flags are words
if $CC -fPIC -shared -o "$TMP/minimal.so" "$EXAMPLE" $(pkg-config --cflags --libs afb-daemon) 2>"$TMP/cc.log"; then
	ok "a binding compiles with the packaged headers and afb-daemon.pc"
else
	not_ok "a binding compiles with the packaged headers" "$(cat "$TMP/cc.log")"
fi
PORT=$(free_port)
WORK=$TMP/work
"$ROOT/usr/bin/afb-daemon" --interface 127.0.0.1 --port "$PORT" --workdir "$WORK" --token tok \
	--ldpaths "$ROOT/usr/lib/$ARCH/afb" --binding "$TMP/minimal.so" >"$TMP/daemon.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
	grep -q "serving HTTP on port" "$TMP/daemon.log" && break
	kill -0 $PID 2>/dev/null || break
	sleep 0.1
done
out=$(curl -s "http://127.0.0.1:$PORT/api/hello/ping")
if grep -q '"ping":"pong"' <<<"$out"; then ok "the packaged daemon serves the packaged samples"; else not_ok "packaged daemon: hello/ping" "$out" "$(cat "$TMP/daemon.log")"; fi
out=$(curl -s "http://127.0.0.1:$PORT/api/minimal/hello?name=pkg&token=tok")
if grep -q 'hello, pkg' <<<"$out"; then ok "the packaged daemon loads a binding built on the -dev package"; else not_ok "minimal/hello" "$out"; fi
out=$("$ROOT/usr/bin/afb-client" "ws://127.0.0.1:$PORT/api?token=tok" tictactoe board 2>&1)
if grep -q '"status":"success"' <<<"$out"; then ok "the packaged afb-client calls over WebSocket"; else not_ok "packaged afb-client" "$out"; fi
kill -TERM $PID
if wait $PID; then ok "the packaged daemon stops with status 0"; else not_ok "packaged daemon exit status" "$(cat "$TMP/daemon.log")"; fi
PID=
finish
