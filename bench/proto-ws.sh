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
# Then the links curve: 1, 16 and 256 proto-ws links to S at once, one call
# in flight per link: from one client process (bench/proto-ws-bench --links,
# with S's CPU time per call), and from one client process per link.

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

# links_point N: "calls/s daemon-us/call" of N links to S's export from one
# bench/proto-ws-bench (epoll), one call in flight each: the daemon's cost per
# call as links are added.
links_point() {
	local n=$1 c0 c1 out
	c0=$(cpu_ms "$spid")
	out=$("$build/bench/proto-ws-bench" --links "$n" "unix:$tmp/s/hello" ping "$duration") ||
		die "proto-ws-bench --links $n: $out"
	c1=$(cpu_ms "$spid")
	[[ ${out#* } == 0 ]] || echo "bench: failed calls" >&2
	awk -v r="${out% *}" -v a="$c0" -v b="$c1" -v d="$duration" \
		'BEGIN { printf "%.0f %.2f\n", r, (r > 0 ? (b - a) * 1e3 / (r * d) : 0) }'
}

# procs_point N: calls/s of N links to S's export, one bench/proto-ws-bench
# process each (summed): N client processes share the CPUs with the daemon.
procs_point() {
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
	sport= iport= spid=
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	command -v curl >/dev/null || die "curl not found"
	build binder/afb-daemon bindings/hello.so bench/proto-ws-bench bench/ws-bench
	bench_tmp
	mkdir -p "$tmp/s" "$tmp/i"

	start_daemon S --token bench --binding "$build/bindings/hello.so" --ws-server "unix:$tmp/s/hello"
	sport=$daemon_port spid=$daemon_pid
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
	for ((r = 0; r < rounds; r++)); do	# interleaved
		echo "$(links_point 1) $(links_point 16) $(links_point 256) $(procs_point 16) $(procs_point 256)" >>"$tmp/links"
	done
	printf '%-38s %14s %14s %14s %8s\n' "proto-ws links to S, 1 in flight each" "1 link" "16 links" "256 links" "256/16"
	a=$(median_col 1 <"$tmp/links") b=$(median_col 3 <"$tmp/links") c=$(median_col 5 <"$tmp/links")
	printf '%-38s %14.0f %14.0f %14.0f %8s\n' "one client process: calls/s" "$a" "$b" "$c" "$(ratio "$c" "$b")"
	a=$(median_col 2 <"$tmp/links") b=$(median_col 4 <"$tmp/links") c=$(median_col 6 <"$tmp/links")
	printf '%-38s %14.2f %14.2f %14.2f %8s\n' "  S's CPU per call (us)" "$a" "$b" "$c" "$(ratio "$c" "$b")"
	b=$(median_col 7 <"$tmp/links") c=$(median_col 8 <"$tmp/links")
	printf '%-38s %14s %14.0f %14.0f %8s\n' "one client process per link: calls/s" "" "$b" "$c" "$(ratio "$c" "$b")"
	echo "(medians of $rounds interleaved rounds; target: flat, 256/16 >= 0.8)"
	load_note
}
