# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench http and reply (sourced by scripts/bench, helpers in bench/lib.sh).
#
#   bench_http    REST GET /api/hello/ping on keep-alive connections (wrk),
#                 1 and 16 connections, beside bench/bare-mhd answering the
#                 same bytes from memory.
#   bench_reply   GET /api/bench/blob?size=850000 (bench/bench-api.c): the
#                 same beside bare-mhd, then the same reply over WebSocket
#                 (bench/ws-bench) in MB/s.
# Interleaved rounds (ours, bare, ours, bare...): medians printed.

# http_setup URLPATH: starts a daemon with hello and bench, one session,
# and bare-mhd with the body of URLPATH; sets url, burl, uuid, body_len.
http_setup() {
	local path=$1 port bport
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	command -v curl >/dev/null || die "curl not found"
	build binder/afb-daemon bench/bare-mhd bench/bench.so bindings/hello.so bench/ws-bench
	raise_nofile
	start_daemon afb --token bench --binding "$build/bindings/hello.so" --binding "$build/bench/bench.so"
	port=$daemon_port
	url="http://127.0.0.1:$port$path"
	# one session for the whole run: reuse the uuid the first call created (none: the verb needs none)
	curl -sf -H "x-afb-token: bench" "$url" -o "$tmp/first" || die "no reply from $url"
	uuid=$(tail -c 1000 "$tmp/first" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
	if [[ -n $uuid ]]; then
		session="x-afb-uuid: $uuid"
	else
		session="x-afb-token: bench"
		uuid=none
	fi
	curl -sf -H "$session" "$url" >"$tmp/body"
	grep -q '"success"' "$tmp/body" || die "unexpected reply: $(head -c 300 "$tmp/body")"
	body_len=$(wc -c <"$tmp/body")

	"$build/bench/bare-mhd" 0 "@$tmp/body" >"$tmp/bare.log" 2>&1 &
	pids+=($!)
	bport=$(wait_port "$tmp/bare.log" "port") || die "bare-mhd did not start"
	burl="http://127.0.0.1:$bport$path"
	cmp -s "$tmp/body" <(curl -sf "$burl") || die "bare-mhd does not answer the same bytes"
}

# http_compare: for 1 and 16 connections, $rounds interleaved rounds of
# ours and bare; prints a table and sets ratio_1, ratio_16.
http_compare() {
	local spec t c r ours bare po pb res ro rb
	printf '%-14s %12s %10s %12s %10s %8s\n' connections "afb req/s" "afb p99" "bare req/s" "bare p99" ratio
	for spec in "1 1" "2 16"; do
		read -r t c <<<"$spec"
		# warm up both
		"$wrk" -t1 -c"$c" -d1s -H "$session" "$url" >/dev/null 2>&1 || true
		"$wrk" -t1 -c"$c" -d1s "$burl" >/dev/null 2>&1 || true
		ours=() bare=() po=() pb=()
		for ((r = 0; r < rounds; r++)); do
			read -r -a res <<<"$(run_wrk -t"$t" -c"$c" -d"${duration}s" -H "$session" "$url")"
			ours+=("${res[0]}") po+=("$(wrk_us "${res[1]}")")
			read -r -a res <<<"$(run_wrk -t"$t" -c"$c" -d"${duration}s" -H "$session" "$burl")"
			bare+=("${res[0]}") pb+=("$(wrk_us "${res[1]}")")
		done
		ro=$(printf '%s\n' "${ours[@]}" | median)
		rb=$(printf '%s\n' "${bare[@]}" | median)
		printf '%-14s %12.0f %8.0fus %12.0f %8.0fus %8s   (rounds: afb %s; bare %s)\n' "-t$t -c$c" "$ro" \
			"$(printf '%s\n' "${po[@]}" | median)" "$rb" "$(printf '%s\n' "${pb[@]}" | median)" \
			"$(ratio "$ro" "$rb")" "${ours[*]}" "${bare[*]}"
		printf -v "ratio_$c" '%s' "$(ratio "$ro" "$rb")"
	done
}

bench_http() {
	http_setup /api/hello/ping
	echo "hello/ping, body of $body_len bytes: $(cat "$tmp/body")"
	http_compare
	echo "target: afb >= 0.9 x bare at 1 and 16 connections"
	load_note
}

bench_reply() {
	local size=${reply_size:-850000} out r mbs=() calls
	http_setup "/api/bench/blob?size=$size"
	echo "bench/blob?size=$size: a reply of $body_len bytes (HTTP body)"
	http_compare
	echo "target: afb >= 0.5 x bare at 1 and 16 connections"
	# the same reply over WebSocket, one connection, sequential then 4 in flight
	printf '%-40s %12s %10s\n' "WebSocket, same reply" "calls/s" "MB/s"
	for k in 1 4; do
		mbs=()
		for ((r = 0; r < rounds; r++)); do
			out=$("$build/bench/ws-bench" -d "$duration" -c 1 -k "$k" \
				"ws://127.0.0.1:$daemon_port/api?token=bench" bench blob "{\"size\":$size}") ||
				die "ws-bench failed: $out"
			mbs+=("$(awk '{ print $2 }' <<<"$out")")
		done
		calls=$(printf '%s\n' "${mbs[@]}" | median)
		printf '%-40s %12.0f %10.1f\n' "one connection, $k in flight" "$calls" \
			"$(awk -v c="$calls" -v n="$body_len" 'BEGIN { print c * n / 1e6 }')"
	done
	load_note
}
