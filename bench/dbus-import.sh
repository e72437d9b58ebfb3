# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench dbus-import (sourced by scripts/bench, helpers in bench/lib.sh
# and bench/dbus.sh).
#
# The bridged paths, beside bench/dbus-echo (a bare sd-bus service
# answering at once) at the same number of calls in flight, on one private
# bus, interleaved rounds:
#  1. a WebSocket client (bench/ws-bench, one connection) calling hello/ping
#     on binder I, which imports hello over D-Bus (--dbus-client=hello)
#     from binder E (--dbus-server=hello);
#  2. a D-Bus client (bench/dbus-client) calling hello/ping on binder R,
#     which imports hello over proto-ws from binder S (--ws-client) and
#     exports it on D-Bus (--dbus-server=hello).
# Target: each >= 0.8 x the echo service.

# di_ws INFLIGHT: calls/s of the WebSocket client through I.
di_ws() {
	"$build/bench/ws-bench" -d "$run" -c 1 -k "$1" "ws://127.0.0.1:$iport/api?token=bench" hello ping |
		awk '{ print $2 }'
}

# di_dbus NAME INFLIGHT: calls/s of bench/dbus-client on NAME.
di_dbus() {
	"$build/bench/dbus-client" "$1" ping "$run" "$2" | awk '{ print $1 }'
}

# di_compare TITLE INFLIGHT FN ARGS...: rounds of FN ARGS then the echo; prints the medians.
di_compare() {
	local title=$1 k=$2 fn=$3 r a=() e=() ma me
	shift 3
	for ((r = 0; r < rounds; r++)); do
		a+=("$("$fn" "$@")")
		e+=("$(di_dbus org.afb.api.echo "$k")")
	done
	ma=$(printf '%s\n' "${a[@]}" | median)
	me=$(printf '%s\n' "${e[@]}" | median)
	printf '%-44s %6s %12.0f %12.0f %8s   (rounds: %s; echo %s)\n' "$title" "$k" "$ma" "$me" "$(ratio "$ma" "$me")" \
		"${a[*]}" "${e[*]}"
}

bench_dbus_import() {
	local k n
	build binder/afb-daemon binder/client/afb-client bench/dbus-echo bench/dbus-client bench/ws-bench bindings/hello.so
	. "$top/bench/dbus.sh"
	dbus_start_bus
	run=$(awk -v d="$duration" -v r="$rounds" 'BEGIN { printf "%.2f", (d / r < 1 ? 1 : d / r) }')
	"$build/bench/dbus-echo" org.afb.api.echo >"$tmp/echo.log" 2>&1 &
	pids+=($!)
	dbus_wait_name org.afb.api.echo || die "dbus-echo did not start"

	# 1. WebSocket -> I --(D-Bus)--> E
	start_daemon E --binding "$build/bindings/hello.so" --dbus-server=hello
	dbus_wait_name org.afb.api.hello || die "E did not export hello: $(cat "$tmp/E.log")"
	e_pid=$daemon_pid
	start_daemon I --token bench --dbus-client=hello
	iport=$daemon_port
	"$build/binder/client/afb-client" "ws://127.0.0.1:$iport/api?token=bench" hello ping | grep -q '"pong"' ||
		die "hello/ping through I fails: $(cat "$tmp/I.log")"
	echo "hello/ping, calls/s (median of $rounds rounds of ${run}s), beside bench/dbus-echo at as many in flight"
	printf '%-44s %6s %12s %12s %8s\n' path "in flight" "calls/s" "echo" ratio
	for k in 1 16 64; do
		di_ws "$k" >/dev/null	# warm-up
		di_compare "WebSocket -> I --D-Bus--> E" "$k" di_ws "$k"
	done
	for k in 1 64; do
		di_compare "(D-Bus client -> E, for reference)" "$k" di_dbus org.afb.api.hello "$k"
	done
	kill "$daemon_pid" "$e_pid"
	wait "$daemon_pid" "$e_pid" 2>/dev/null || true
	for ((n = 0; n < 100; n++)); do
		busctl --user --no-pager status org.afb.api.hello >/dev/null 2>&1 || break
		sleep 0.05
	done

	# 2. D-Bus client -> R --(proto-ws)--> S
	start_daemon S --binding "$build/bindings/hello.so" --ws-server "unix:$tmp/hello"
	for ((n = 0; n < 100; n++)); do
		grep -q "proto-ws: serving api hello" "$tmp/S.log" && break
		sleep 0.05
	done
	start_daemon R --ws-client "unix:$tmp/hello" --dbus-server=hello
	dbus_wait_name org.afb.api.hello || die "R did not export hello: $(cat "$tmp/R.log")"
	for k in 1 16 64; do
		di_dbus org.afb.api.hello "$k" >/dev/null
		di_compare "D-Bus client -> R --proto-ws--> S" "$k" di_dbus org.afb.api.hello "$k"
	done
	echo "target: >= 0.8 x the echo service"
	load_note
}
