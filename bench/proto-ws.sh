# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench proto-ws (sourced by scripts/bench, helpers in bench/lib.sh).
#
# hello/ping through a binder I that imports hello from a binder S, beside
# the same calls to S, where hello is local; 64 calls in flight; one run:
#  - HTTP keep-alive: wrk -c64 on I's and on S's REST port;
#  - proto-ws: bench/proto-ws-bench, 64 calls in flight on one
#    connection to I's export (two links) and to S's export (one link).
#  - WebSocket x-afb-ws-json1: bench/ws-bench, one connection with 64
#    calls in flight, on I and on S.
# Then the links curve: 1, 16 and 256 proto-ws links to S at once (one
# bench/proto-ws-bench each, one call in flight per link), calls/s summed.

# calls/s of one measure: $1 = i (imported, through I) or s (local, on S)
measure_ws() {
	local port=$sport
	[[ $1 == i ]] && port=$iport
	"$build/bench/ws-bench" -c 1 -k 64 -d "$duration" "ws://127.0.0.1:$port/api?token=bench" hello ping |
		awk '{print $2}'
}

measure_http() {
	local port=$sport
	[[ $1 == i ]] && port=$iport
	run_wrk -t2 -c64 -d"${duration}s" -H "x-afb-token: bench" "http://127.0.0.1:$port/api/hello/ping" | awk '{print $1}'
}

measure_pws() {
	"$build/bench/proto-ws-bench" "unix:$tmp/$1/hello" ping 64 "$duration" | awk '$2 != 0 { print "bench: failed calls" > "/dev/stderr" } { print $1 }'
}

# links_point N: calls/s of N links to S's export, one call in flight each (summed).
links_point() {
	local n=$1 i
	for ((i = 0; i < n; i++)); do
		"$build/bench/proto-ws-bench" "unix:$tmp/s/hello" ping 1 "$duration" >"$tmp/links.$i" 2>&1 &
	done
	wait
	cat "$tmp"/links.* | awk '$2 != 0 || NF != 2 { bad = 1 } { s += $1 } END {
		if (bad) print "bench: failed calls or links" > "/dev/stderr"; printf "%.0f\n", s }'
	rm -f "$tmp"/links.*
}

# Alternates the imported and local measures $rounds times (the load of
# the machine changes meanwhile) and prints the medians and their ratio.
compare() {
	local title=$1 fn=$2 r ours=() theirs=() a b
	for ((r = 0; r < rounds; r++)); do
		ours+=("$($fn i)") || die "$title: measure failed"
		theirs+=("$($fn s)") || die "$title: measure failed"
	done
	a=$(printf '%s\n' "${ours[@]}" | median)
	b=$(printf '%s\n' "${theirs[@]}" | median)
	printf '%-34s %12.0f %12.0f %8s\n' "$title" "$a" "$b" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
}

bench_proto_ws() {
	local n
	# read by the measure functions
	sport= iport=
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	command -v curl >/dev/null || die "curl not found"
	build binder/afb-daemon bindings/hello.so bench/proto-ws-bench bench/ws-bench
	bench_tmp
	mkdir -p "$tmp/s" "$tmp/i"

	start_daemon S --token bench --binding "$build/bindings/hello.so" --ws-server "unix:$tmp/s/hello"
	sport=$daemon_port
	for ((n = 0; n < 100; n++)); do
		grep -q "proto-ws: serving api hello" "$tmp/S.log" && break
		sleep 0.05
	done
	start_daemon I --token bench --ws-client "unix:$tmp/s/hello" --ws-server "unix:$tmp/i/hello"
	iport=$daemon_port
	for ((n = 0; n < 100; n++)); do
		grep -q "proto-ws: serving api hello" "$tmp/I.log" && break
		sleep 0.05
	done
	curl -sf -H "x-afb-token: bench" "http://127.0.0.1:$iport/api/hello/ping" | grep -q '"pong"' ||
		die "hello/ping through I fails"

	printf '%-34s %12s %12s %8s\n' "hello/ping, 64 in flight (median of $rounds)" "imported/s" "local/s" ratio
	compare "WebSocket json1 (one connection)" measure_ws
	compare "HTTP keep-alive (wrk -c64)" measure_http
	compare "proto-ws (one connection)" measure_pws
	echo "target: imported >= 0.75 x local"
	local r a b c
	: >"$tmp/links"
	for ((r = 0; r < rounds; r++)); do
		echo "$(links_point 1) $(links_point 16) $(links_point 256)" >>"$tmp/links"
	done
	a=$(awk '{ print $1 }' "$tmp/links" | median)
	b=$(awk '{ print $2 }' "$tmp/links" | median)
	c=$(awk '{ print $3 }' "$tmp/links" | median)
	printf '%-34s %12s %12s %12s %8s\n' "proto-ws links to S, 1 in flight" "1 link" "16 links" "256 links" "256/16"
	printf '%-34s %12.0f %12.0f %12.0f %8s\n' "calls/s (median of $rounds)" "$a" "$b" "$c" "$(ratio "$c" "$b")"
	load_note
}
