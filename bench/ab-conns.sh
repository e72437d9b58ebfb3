#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/ab-conns.sh A_BUILD B_BUILD [ROUNDS] [SECONDS]
#
# Two builds of afb-daemon side by side, measured interleaved (A, B, A,
# B...): hello/ping with one call in flight per connection, WebSocket
# (bench/ws-bench of A_BUILD) and HTTP keep-alive (wrk), at 16 and 1,000
# connections; ROUNDS rounds (4) of SECONDS seconds (5). Prints every
# measure, then the medians and the 1,000 / 16 ratios of each build.
# Single runs of a shared 2-CPU machine move by 20 %: comparing two builds
# needs them interleaved in one run. Both daemons run at once (the idle one
# costs nothing); they are stopped on exit.
set -eu
a=$(realpath "${1:?usage: bench/ab-conns.sh A_BUILD B_BUILD [ROUNDS] [SECONDS]}")
b=$(realpath "${2:?usage: bench/ab-conns.sh A_BUILD B_BUILD [ROUNDS] [SECONDS]}")
rounds=${3:-4}
secs=${4:-5}
command -v wrk >/dev/null || { echo "wrk not found (apt install wrk)" >&2; exit 1; }
ulimit -Sn "$(ulimit -Hn)"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# start NAME BUILD: a daemon with hello; its port in port[NAME]
declare -A port
start() {
	"$2/binder/afb-daemon" --interface 127.0.0.1 --port 0 --workdir "$tmp" --apitimeout 0 \
		--http-max-per-address 0 --token bench --binding "$2/bindings/hello.so" >"$tmp/$1.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q "serving HTTP on port" "$tmp/$1.log" && break
		sleep 0.1
	done
	port[$1]=$(grep -o "serving HTTP on port [0-9]*" "$tmp/$1.log" | grep -o "[0-9]*$") ||
		{ echo "$1 did not start:" >&2; cat "$tmp/$1.log" >&2; exit 1; }
}

median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

start A "$a"
start B "$b"
echo "A: $a"
echo "B: $b"
for ((r = 1; r <= rounds; r++)); do
	for c in 16 1000; do
		for v in A B; do
			p=${port[$v]}
			ws=$("$a/bench/ws-bench" -d "$secs" -c "$c" -k 1 -t 2 "ws://127.0.0.1:$p/api?token=bench" hello ping 2>&1 | tail -1)
			read -r wsr wsp <<<"$(awk '{ print $2, $6 }' <<<"$ws")"
			read -r hr hp <<<"$(wrk --latency -t2 -c"$c" -d"${secs}s" "http://127.0.0.1:$p/api/hello/ping" 2>&1 |
				awk '/^Requests\/sec/ { r = $2 } $1 == "99%" { q = $2 } END { print r, q }')"
			echo "round $r, $c connections, $v: WebSocket $wsr calls/s (p99 $wsp us), HTTP $hr req/s (p99 $hp)"
			echo "$wsr" >>"$tmp/ws-$v-$c"
			echo "$hr" >>"$tmp/http-$v-$c"
		done
	done
done
echo "medians of $rounds rounds:"
for v in A B; do
	w16=$(median <"$tmp/ws-$v-16") w1k=$(median <"$tmp/ws-$v-1000")
	h16=$(median <"$tmp/http-$v-16") h1k=$(median <"$tmp/http-$v-1000")
	awk -v v="$v" -v w16="$w16" -v w1k="$w1k" -v h16="$h16" -v h1k="$h1k" 'BEGIN {
		printf "%s: WebSocket 16 %.0f, 1,000 %.0f (%.2f); HTTP 16 %.0f, 1,000 %.0f (%.2f)\n",
			v, w16, w1k, w1k / w16, h16, h1k, h1k / h16 }'
done
echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
