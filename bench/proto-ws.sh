# SPDX-License-Identifier: Apache-2.0
# proto-ws: sourced by scripts/bench (uses its build, die, wait_port, run_wrk, pids, tmp, duration, wrk).
#
# hello/ping through a binder I that imports hello from a binder S, beside
# the same calls to S, where hello is local; 64 calls in flight; one run:
#  - HTTP keep-alive: wrk -c64 on I's and on S's REST port;
#  - proto-ws: bench/proto-ws-bench, 64 calls in flight on one
#    connection to I's export (two links) and to S's export (one link).
#  - WebSocket x-afb-ws-json1 (the measure of issue 4): build/bench/ws-bench
#    (issue 3), one connection with 64 calls in flight, on I and on S.

# calls/s of one measure: $1 = i (imported, through I) or s (local, on S)
measure_ws() {
	local port=$sport
	[[ $1 == i ]] && port=$iport
	"$build/bench/ws-bench" -c 1 -k 64 -d "$duration" "ws://127.0.0.1:$port/api?token=bench" hello ping |
		awk '{print $2}'
}

measure_http() {
	local port=$sport id=$uuid
	[[ $1 == i ]] && { port=$iport; id=$vuid; }
	run_wrk -t2 -c64 -d"${duration}s" -H "x-afb-uuid: $id" "http://127.0.0.1:$port/api/hello/ping" | awk '{print $1}'
}

measure_pws() {
	"$build/bench/proto-ws-bench" "unix:$tmp/$1/hello" ping 64 "$duration" | awk '$2 != 0 { print "bench: failed calls" > "/dev/stderr" } { print $1 }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'
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
	local n rounds=3
	# read by the measure functions
	sport= iport= uuid= vuid=
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	command -v curl >/dev/null || die "curl not found"
	build binder/afb-daemon bindings/hello.so bench/proto-ws-bench
	ninja -C "$build" bench/ws-bench >/dev/null 2>&1 || true
	bench_tmp
	mkdir -p "$tmp/s" "$tmp/i"

	"$build/binder/afb-daemon" --interface 127.0.0.1 --port 0 --workdir "$tmp" --apitimeout 0 --token bench \
		--binding "$build/bindings/hello.so" --ws-server "unix:$tmp/s/hello" >"$tmp/s.log" 2>&1 &
	pids+=($!)
	sport=$(wait_port "$tmp/s.log" "serving HTTP on port") || die "S did not start"
	for ((n = 0; n < 100; n++)); do
		grep -q "proto-ws: serving api hello" "$tmp/s.log" && break
		sleep 0.05
	done
	"$build/binder/afb-daemon" --interface 127.0.0.1 --port 0 --workdir "$tmp" --apitimeout 0 --token bench \
		--ws-client "unix:$tmp/s/hello" --ws-server "unix:$tmp/i/hello" >"$tmp/i.log" 2>&1 &
	pids+=($!)
	iport=$(wait_port "$tmp/i.log" "serving HTTP on port") || die "I did not start"
	for ((n = 0; n < 100; n++)); do
		grep -q "proto-ws: serving api hello" "$tmp/i.log" && break
		sleep 0.05
	done

	uuid=$(curl -sf "http://127.0.0.1:$sport/api/hello/ping" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
	vuid=$(curl -sf "http://127.0.0.1:$iport/api/hello/ping" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
	[[ -n $uuid && -n $vuid ]] || die "no reply of hello/ping"
	curl -sf -H "x-afb-uuid: $vuid" "http://127.0.0.1:$iport/api/hello/ping" | grep -q '"pong"' ||
		die "hello/ping through I fails"

	printf '%-34s %12s %12s %8s\n' "hello/ping, 64 in flight (median of $rounds)" "imported/s" "local/s" ratio
	if [[ -x $build/bench/ws-bench ]]; then
		compare "WebSocket json1 (one connection)" measure_ws
	else
		echo "WebSocket json1: skipped, no WebSocket bench client (issue 3) in $build"
	fi
	compare "HTTP keep-alive (wrk -c64)" measure_http
	compare "proto-ws (one connection)" measure_pws
	echo "target: imported >= 0.6 x local"
}
