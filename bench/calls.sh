# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench calls (sourced by scripts/bench, helpers in bench/lib.sh).
#
# Work per call, counted (not timed: the counts hardly depend on the load
# of the machine), for hello/ping over HTTP keep-alive (wrk, 1 connection)
# and over WebSocket (bench/ws-bench, 1 connection, sequential and 64 in
# flight):
#  - heap operations: malloc, calloc, realloc, free and memalign counted
#    by bench/libheapcount.so (LD_PRELOAD) between two SIGUSR2, divided
#    by the calls made meanwhile;
#  - system calls: strace -c -f on the daemon during the same calls (strace
#    slows the daemon down: batching may differ a little from a free run).
# With --base BUILD (a build directory of another checkout, e.g. of commit
# ddc17ae, the main of when issue 9 was filed), the same for that daemon,
# side by side:
#   git worktree add --detach ../afb-ddc17ae ddc17ae
#   meson setup ../afb-ddc17ae/build ../afb-ddc17ae && ninja -C ../afb-ddc17ae/build
#   scripts/bench calls --base ../afb-ddc17ae/build

# calls_client KIND PORT UUID SECONDS: runs the client, prints the count of calls made.
calls_client() {
	local kind=$1 port=$2 id=$3 secs=$4 out
	case $kind in
	http)
		out=$(run_wrk -t1 -c1 -d"${secs}s" -H "x-afb-token: bench" ${id:+-H "x-afb-uuid: $id"} "http://127.0.0.1:$port/api/hello/ping")
		awk '{ print $3 }' <<<"$out" ;;
	ws|ws64)
		out=$("$build/bench/ws-bench" -d "$secs" -c 1 -k "$([[ $kind == ws64 ]] && echo 64 || echo 1)" \
			"ws://127.0.0.1:$port/api?token=bench${id:+&uuid=$id}" hello ping) || die "ws-bench failed: $out"
		awk '{ print $8 }' <<<"$out" ;;
	esac
}

# calls_measure DAEMON_BUILD KIND: prints "<heap ops per call> <syscalls per call> <syscall breakdown>".
calls_measure() {
	local db=$1 kind=$2 id heap n0 n1 calls scount top strace_pid
	rm -f "$tmp/heap"
	daemon_build=$db daemon_prefix="env HEAPCOUNT_OUT=$tmp/heap LD_PRELOAD=$build/bench/libheapcount.so" \
		start_daemon "calls-$kind" --token bench --binding "$db/bindings/hello.so"
	curl -sf -H "x-afb-token: bench" "http://127.0.0.1:$daemon_port/api/hello/ping" -o "$tmp/first" ||
		die "no reply from the daemon"
	id=$(sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p' "$tmp/first")
	# warm-up: the first calls allocate what stays (sessions, caches, arenas)
	calls_client "$kind" "$daemon_port" "$id" 1 >/dev/null
	kill -USR2 "$daemon_pid"
	calls=$(calls_client "$kind" "$daemon_port" "$id" "$duration")
	kill -USR2 "$daemon_pid"
	sleep 0.2
	heap=$(awk -v c="$calls" 'NR == 1 { for (i = 2; i <= NF; i += 2) a += $i }
		NR == 2 { for (i = 2; i <= NF; i += 2) b += $i } END { printf "%.1f", c ? (b - a) / c : 0 }' "$tmp/heap")
	# the same calls under strace
	strace -c -f -o "$tmp/strace" -p "$daemon_pid" 2>/dev/null &
	strace_pid=$!
	sleep 0.5
	calls=$(calls_client "$kind" "$daemon_port" "$id" "$duration")
	kill -INT "$strace_pid"
	wait "$strace_pid" 2>/dev/null || true
	scount=$(awk -v c="$calls" '$NF == "total" { printf "%.1f", c ? $4 / c : 0 }' "$tmp/strace")
	top=$(awk -v c="$calls" '$1 ~ /^[0-9.]+$/ && $NF != "total" && c { n = (NF == 6 ? $4 : $4); if (n / c >= 0.05)
		printf "%s %.2f, ", $NF, n / c }' "$tmp/strace")
	kill "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null || true
	echo "$heap $scount ${top%, }"
}

bench_calls() {
	local kind label res
	command -v strace >/dev/null || die "strace not found (apt install strace)"
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	build binder/afb-daemon bindings/hello.so bench/ws-bench bench/libheapcount.so
	[[ -z $base || -x $base/binder/afb-daemon ]] || die "no daemon in --base $base"
	bench_tmp
	echo "hello/ping: work of the daemon per call (counts; calls of $duration s)"
	for kind in http ws ws64; do
		case $kind in
		http) label="HTTP keep-alive, 1 connection" ;;
		ws) label="WebSocket, 1 connection, sequential" ;;
		ws64) label="WebSocket, 1 connection, 64 in flight" ;;
		esac
		read -r -a res <<<"$(calls_measure "$build" "$kind")"
		printf '%-40s heap ops %6s   syscalls %5s   (%s)\n' "$label" "${res[0]}" "${res[1]}" "${res[*]:2}"
		if [[ -n $base ]]; then
			read -r -a res <<<"$(calls_measure "$base" "$kind")"
			printf '%-40s heap ops %6s   syscalls %5s   (%s)\n' "  the same, --base" "${res[0]}" "${res[1]}" \
				"${res[*]:2}"
		fi
	done
	load_note
}
