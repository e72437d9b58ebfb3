# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench ws (sourced by scripts/bench, helpers in bench/lib.sh).
#
#   bench_ws       calls/s of hello/ping over x-afb-ws-json1 (bench/ws-bench):
#                  one connection sequential, one connection with 64 calls in
#                  flight, 16 connections with 16 each; beside HTTP keep-alive
#                  (wrk) on 1 and 16 connections, from the same daemon;
#                  medians of $rounds interleaved rounds.
# The memory of idle connections: scripts/bench mem (bench/mem.sh).

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
	local http="http://127.0.0.1" res spec name args r t c
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	build binder/afb-daemon binder/client/afb-client bench/ws-bench bindings/hello.so
	bench_tmp
	ws_start_daemon
	http="http://127.0.0.1:$port/api/hello/ping"
	local specs=("ws-1-seq|-c 1 -k 1" "ws-1-pipe64|-c 1 -k 64" "ws-16x16|-c 16 -k 16 -t 2" "http-1|1 1" "http-16|2 16")

	# warm up, then $rounds rounds of every measure in turn (interleaved)
	for spec in "${specs[@]:0:3}"; do
		# shellcheck disable=SC2086 # a list of words
		"$build/bench/ws-bench" -d 1 ${spec#*|} "$url&uuid=$uuid" hello ping >/dev/null 2>&1 || true
	done
	"$wrk" -t1 -c1 -d1s -H "x-afb-uuid: $uuid" "$http" >/dev/null 2>&1 || true
	for ((r = 0; r < rounds; r++)); do
		for spec in "${specs[@]}"; do
			name=${spec%%|*}
			args=${spec#*|}
			case $name in
			ws-*)
				# shellcheck disable=SC2086
				ws_run $args >>"$tmp/$name" ;;
			http-*)
				read -r t c <<<"$args"
				read -r -a res <<<"$(run_wrk -t"$t" -c"$c" -d"${duration}s" -H "x-afb-uuid: $uuid" -H "x-afb-token: bench" "$http")"
				echo "${res[0]} $(wrk_us "${res[1]}")" >>"$tmp/$name" ;;
			esac
		done
	done

	printf '%-44s %12s %10s   %s\n' "hello/ping, medians of $rounds rounds" "calls/s" "p99" "rounds (calls/s)"
	declare -A rate
	for spec in "${specs[@]}"; do
		name=${spec%%|*}
		args=${spec#*|}
		rate[$name]=$(awk '{ print $1 }' "$tmp/$name" | median)
		case $name in
		ws-*) label="WebSocket $name ($args)" ;;
		*) read -r t c <<<"$args"; label="HTTP keep-alive $name (wrk -t$t -c$c)" ;;
		esac
		printf '%-44s %12.0f %8.0fus   %s\n' "$label" "${rate[$name]}" "$(awk '{ print $2 }' "$tmp/$name" | median)" \
			"$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$tmp/$name")"
	done
	awk -v p="${rate[ws-1-pipe64]}" -v h="${rate[http-1]}" -v s="${rate[ws-1-seq]}" 'BEGIN {
		printf "one connection: pipelined WebSocket / HTTP keep-alive = %.2f (target >= 8), sequential = %.2f\n",
			(h > 0 ? p / h : 0), (h > 0 ? s / h : 0) }'
	load_note
}
