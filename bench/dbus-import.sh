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
# Each line also tells where the CPU goes: microseconds of CPU per call
# (medians) of each process of the path, ours then the echo's: the
# daemons (I and E, or R and S), the bus daemon and the client.

# di_cpu PID...: the CPU time (ms) of each process, on one line.
di_cpu() {
	local p
	for p in "$@"; do
		printf '%s ' "$(cpu_ms "$p")"
	done
}

# di_run OUTVAR CMD...: runs CMD (a client printing its calls/s first and
# its calls second), with the CPU of the processes in $di_pids and of the
# client itself; sets OUTVAR to "calls/s us_per_call..." (the processes,
# then the client).
di_run() {
	local _out=$1 _before _after _res _n _client TIMEFORMAT='%U %S'
	shift
	_before=$(di_cpu "${di_pids[@]}")
	{ time "$@" >"$tmp/di.out"; } 2>"$tmp/di.time" || die "$1 failed"
	_after=$(di_cpu "${di_pids[@]}")
	read -r _res _n <"$tmp/di.out"
	_client=$(awk '{ print ($1 + $2) * 1000 }' "$tmp/di.time")
	printf -v "$_out" '%s' "$(awk -v res="$_res" -v n="$_n" -v b="$_before" -v a="$_after" -v c="$_client" 'BEGIN {
		k = split(b, x, " "); split(a, y, " "); line = res
		for (i = 1; i <= k; i++) line = line sprintf(" %.1f", n ? (y[i] - x[i]) * 1000 / n : 0)
		print line sprintf(" %.1f", n ? c * 1000 / n : 0) }')"
}

# di_ws INFLIGHT: the WebSocket client through I ("calls/s calls").
di_ws() {
	"$build/bench/ws-bench" -d "$run" -c 1 -k "$1" "ws://127.0.0.1:$iport/api?token=bench" hello ping |
		awk '{ for (i = 1; i < NF; i++) if ($i == "total") n = $(i + 1); print $2, n }'
}

# di_dbus NAME INFLIGHT: bench/dbus-client on NAME ("calls/s calls").
di_dbus() {
	"$build/bench/dbus-client" "$1" ping "$run" "$2" | awk '{ print $1, $2 }'
}

# di_median_cols LINES: the median of each column of LINES (one round a line).
di_median_cols() {
	awk '{ for (i = 1; i <= NF; i++) v[i, NR] = $i; if (NF > nf) nf = NF }
	END { for (i = 1; i <= nf; i++) { n = 0; for (r = 1; r <= NR; r++) a[++n] = v[i, r]
		for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
		printf "%s%s", (i > 1 ? " " : ""), a[int((n + 1) / 2)] } print "" }' <<<"$1"
}

# di_compare TITLE INFLIGHT NAMES FN ARGS...: rounds of FN ARGS, with the
# CPU of the processes of $ours (named by NAMES, e.g. "I E bus"), then of
# the echo (with its CPU and the bus's); prints the medians.
di_compare() {
	local title=$1 k=$2 names=$3 fn=$4 r res a="" e="" ma me
	shift 4
	for ((r = 0; r < rounds; r++)); do
		di_pids=("${ours[@]}")
		di_run res "$fn" "$@"
		a+="$res"$'\n'
		di_pids=("$echo_pid" "$bus_pid")
		di_run res di_dbus org.afb.api.echo "$k"
		e+="$res"$'\n'
	done
	ma=$(di_median_cols "${a%$'\n'}")
	me=$(di_median_cols "${e%$'\n'}")
	printf '%-36s %4s %9.0f %9.0f %6s   %s; echo: %s\n' "$title" "$k" "${ma%% *}" "${me%% *}" \
		"$(ratio "${ma%% *}" "${me%% *}")" \
		"$(awk -v names="$names client" -v v="${ma#* }" 'BEGIN { n = split(names, m, " "); split(v, x, " ")
			for (i = 1; i <= n; i++) printf "%s%s %s", (i > 1 ? ", " : ""), m[i], x[i] }')" \
		"$(awk -v v="${me#* }" 'BEGIN { split(v, x, " "); printf "echo %s, bus %s, client %s", x[1], x[2], x[3] }')"
}

bench_dbus_import() {
	local k n
	build binder/afb-daemon binder/client/afb-client bench/dbus-echo bench/dbus-client bench/ws-bench bindings/hello.so
	. "$top/bench/dbus.sh"
	dbus_start_bus
	bus_pid=${pids[-1]}
	run=$(awk -v d="$duration" -v r="$rounds" 'BEGIN { printf "%.2f", (d / r < 1 ? 1 : d / r) }')
	"$build/bench/dbus-echo" org.afb.api.echo >"$tmp/echo.log" 2>&1 &
	pids+=($!)
	echo_pid=$!
	dbus_wait_name org.afb.api.echo || die "dbus-echo did not start"

	# 1. WebSocket -> I --(D-Bus)--> E
	start_daemon E --binding "$build/bindings/hello.so" --dbus-server=hello
	dbus_wait_name org.afb.api.hello || die "E did not export hello: $(cat "$tmp/E.log")"
	e_pid=$daemon_pid
	start_daemon I --token bench --dbus-client=hello
	iport=$daemon_port
	"$build/binder/client/afb-client" "ws://127.0.0.1:$iport/api?token=bench" hello ping | grep -q '"pong"' ||
		die "hello/ping through I fails: $(cat "$tmp/I.log")"
	echo "hello/ping, calls/s (median of $rounds rounds of ${run}s), beside bench/dbus-echo at as many in flight;"
	echo "then the CPU of each process, microseconds per call (medians), ours then the echo's"
	printf '%-36s %4s %9s %9s %6s   %s\n' path flight calls/s echo ratio "cpu us/call"
	ours=("$daemon_pid" "$e_pid" "$bus_pid")
	for k in 1 16 64; do
		di_ws "$k" >/dev/null	# warm-up
		di_compare "WebSocket -> I --D-Bus--> E" "$k" "I E bus" di_ws "$k"
	done
	ours=("$e_pid" "$bus_pid")
	for k in 1 64; do
		di_compare "(D-Bus client -> E, for reference)" "$k" "E bus" di_dbus org.afb.api.hello "$k"
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
	s_pid=$daemon_pid
	start_daemon R --ws-client "unix:$tmp/hello" --dbus-server=hello
	dbus_wait_name org.afb.api.hello || die "R did not export hello: $(cat "$tmp/R.log")"
	ours=("$daemon_pid" "$s_pid" "$bus_pid")
	for k in 1 16 64; do
		di_dbus org.afb.api.hello "$k" >/dev/null
		di_compare "D-Bus client -> R --proto-ws--> S" "$k" "R S bus" di_dbus org.afb.api.hello "$k"
	done
	echo "target: >= 0.8 x the echo service"
	load_note
}
