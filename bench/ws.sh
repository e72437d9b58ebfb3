# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench ws and ws-mem (sourced by scripts/bench, helpers in bench/lib.sh).
#
#   bench_ws       calls/s of hello/ping over x-afb-ws-json1 (bench/ws-bench):
#                  one connection sequential, one connection with 64 calls in
#                  flight, 16 connections with 16 each; beside HTTP keep-alive
#                  (wrk) on 1 and 16 connections, from the same daemon.
#   bench_ws_mem   daemon RSS before, with 1000 idle WebSocket connections,
#                  and after they closed, on a fresh daemon each time: all
#                  in one session (the cost of the connections alone), then
#                  each with its own session (what clients without uuid get).

# Starts afb-daemon with hello; sets $port, $url (ws) and $uuid.
ws_start_daemon() {
	raise_nofile	# 1000 connections need descriptors
	start_daemon afb --token bench --binding "$build/bindings/hello.so"
	port=$daemon_port
	url="ws://127.0.0.1:$port/api?token=bench"
	uuid=$("$build/binder/client/afb-client" "$url" hello ping | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
	[[ -n $uuid ]] || die "no uuid from $url"
}

# Runs ws-bench and prints "<calls/s> <p99 us>".
ws_run() {
	local out
	out=$("$build/bench/ws-bench" -d "$duration" "$@" "$url&uuid=$uuid" hello ping 2>&1) || die "ws-bench failed: $out"
	grep -q "errors 0 " <<<"$out" || echo "bench: warning: error replies: $out" >&2
	awk '{ print $2, $6 }' <<<"$out"
}

bench_ws() {
	local http="http://127.0.0.1" res spec name args
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	build binder/afb-daemon binder/client/afb-client bench/ws-bench bindings/hello.so
	bench_tmp
	ws_start_daemon
	http="http://127.0.0.1:$port/api/hello/ping"

	printf '%-40s %12s %10s\n' "hello/ping" "calls/s" "p99"
	declare -A rate
	for spec in "ws-1-seq|-c 1 -k 1" "ws-1-pipe64|-c 1 -k 64" "ws-16x16|-c 16 -k 16 -t 2"; do
		name=${spec%%|*}
		args=${spec#*|}
		# shellcheck disable=SC2086 # args is a list of words
		"$build/bench/ws-bench" -d 1 $args "$url&uuid=$uuid" hello ping >/dev/null 2>&1 || true
		# shellcheck disable=SC2086
		read -r -a res <<<"$(ws_run $args)"
		rate[$name]=${res[0]}
		printf '%-40s %12s %8sus\n' "WebSocket $name ($args)" "${res[0]}" "${res[1]}"
	done
	for spec in "http-1|1 1" "http-16|2 16"; do
		name=${spec%%|*}
		read -r t c <<<"${spec#*|}"
		"$wrk" -t1 -c"$c" -d1s -H "x-afb-uuid: $uuid" "$http" >/dev/null 2>&1 || true
		read -r -a res <<<"$(run_wrk -t"$t" -c"$c" -d"${duration}s" -H "x-afb-uuid: $uuid" -H "x-afb-token: bench" "$http")"
		rate[$name]=${res[0]}
		printf '%-40s %12s %10s\n' "HTTP keep-alive $name (wrk -t$t -c$c)" "${res[0]}" "${res[1]}"
	done
	awk -v p="${rate[ws-1-pipe64]}" -v h="${rate[http-1]}" -v s="${rate[ws-1-seq]}" 'BEGIN {
		printf "one connection: pipelined WebSocket / HTTP keep-alive = %.2f (target >= 3), sequential = %.2f\n",
			(h > 0 ? p / h : 0), (h > 0 ? s / h : 0) }'
}

# Prints the daemon's RSS in KiB.
ws_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status"
}

# ws_mem_round N SHARED LABEL: a fresh daemon, N idle connections (in one
# session when SHARED is 1), RSS before/with/after.
ws_mem_round() {
	local n=$1 shared=$2 label=$3 target before with after bpid i
	ws_start_daemon
	target=$url
	[[ $shared == 1 ]] && target="$url&uuid=$uuid"
	malloc_settle
	before=$(ws_rss)
	rm -f "$tmp/fifo" "$tmp/idle.out"
	mkfifo "$tmp/fifo"
	"$build/bench/ws-bench" --idle "$n" "$target" <"$tmp/fifo" >"$tmp/idle.out" 2>&1 &
	bpid=$!
	pids+=($bpid)
	exec 8>"$tmp/fifo"
	for ((i = 0; i < 300; i++)); do
		grep -q '^open' "$tmp/idle.out" && break
		kill -0 "$bpid" 2>/dev/null || die "ws-bench: $(cat "$tmp/idle.out")"
		sleep 0.1
	done
	sleep 1
	with=$(ws_rss)
	echo >&8
	exec 8>&-
	wait "$bpid" || die "ws-bench --idle failed: $(cat "$tmp/idle.out")"
	grep -q '^closed' "$tmp/idle.out" || die "ws-bench: $(cat "$tmp/idle.out")"
	malloc_settle
	after=$(ws_rss)
	printf '%-28s %10s %10s %10s %12s %10s\n' "$label" "$before" "$with" "$after" \
		"$(( (with - before) * 1024 / n ))" \
		"$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')"
	kill "$daemon_pid"
	wait "$daemon_pid" || die "afb-daemon did not exit cleanly"
}

# The daemon trims its heap 0.5 s after a burst of closes.
malloc_settle() {
	sleep 1.5
}

bench_ws_mem() {
	local n=1000
	build binder/afb-daemon binder/client/afb-client bench/ws-bench bindings/hello.so
	bench_tmp
	printf '%-28s %10s %10s %10s %12s %10s\n' "$n idle connections" "before KiB" "with KiB" "after KiB" \
		"bytes/conn" "after"
	ws_mem_round "$n" 1 "one shared session"
	ws_mem_round "$n" 0 "one session each"
	echo "target: <= 8192 bytes per connection, after within 10 % of before (2017: 25.6 kB, nothing released)"
	echo "note: idle sessions outlive their connections (--cntxtimeout) up to --session-max; beyond it a session is evicted as soon as it is released"
}
