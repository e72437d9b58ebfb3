# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench mem (sourced by scripts/bench, helpers in bench/lib.sh).
#
# The daemon's memory: 'anon' is the Anonymous line of
# /proc/PID/smaps_rollup (its private anonymous pages: heap, stacks,
# anonymous maps, and the pages of libraries written at relocation; not
# the shared pages of libraries), the figure of the targets; 'own' the
# part of it outside file mappings (what the daemon allocated), from
# /proc/PID/smaps, for the detail. Targets of issue 9:
#  - idle with hello: <= 1 MiB;
#  - <= 1 KiB per idle WebSocket connection (1,000 of them, one session);
#  - after a burst of 1,000 HTTP connections, or a proto-ws peer that does
#    not read, back within 25 % of the figure before.
# Each figure is taken once the heap trim had time to run (memtrim.h).

# own and anon KiB of process $1
mem_of() {
	local own
	own=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { file = ($6 != "" && $6 !~ /^\[/) } /^Anonymous:/ { if (!file) o += $2 }
		END { print o + 0 }' "/proc/$1/smaps")
	echo "$own $(awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup")"
}

# settles: the trim runs 500 ms after the last release
mem_settle() {
	sleep 1.5
}

mem_row() {
	local label=$1 own=$2 anon=$3 note=${4:-}
	printf '%-52s %10s %10s   %s\n' "$label" "$own" "$anon" "$note"
}

# mem_pct AFTER BEFORE: "+12.3 %"
mem_pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", b ? (a - b) * 100 / b : 0 }'
}

bench_mem() {
	local m0 m1 m2 own anon i bpid peak cur
	build binder/afb-daemon binder/client/afb-client bench/ws-bench bench/proto-ws-bench bindings/hello.so
	raise_nofile
	bench_tmp
	start_daemon afb --token bench --binding "$build/bindings/hello.so" --ws-server "unix:$tmp/hello"
	mem_settle
	printf '%-52s %10s %10s\n' "afb-daemon with hello" "own KiB" "anon KiB"
	read -r own anon <<<"$(mem_of "$daemon_pid")"
	mem_row "idle, just started" "$own" "$anon" "(target: <= 1024)"
	curl -sf -H "x-afb-token: bench" "http://127.0.0.1:$daemon_port/api/hello/ping" -o "$tmp/first" || die "no reply"
	uuid=$("$build/binder/client/afb-client" "ws://127.0.0.1:$daemon_port/api?token=bench" hello ping |
		sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
	mem_settle
	read -r own anon <<<"$(mem_of "$daemon_pid")"
	mem_row "idle, after a call over HTTP and one over WebSocket" "$own" "$anon" "(target: <= 1024)"

	# 1,000 idle WebSocket connections
	m0=$anon
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	"$build/bench/ws-bench" --idle 1000 "ws://127.0.0.1:$daemon_port/api?token=bench&uuid=$uuid" \
		<"$tmp/fifo" >"$tmp/idle.out" 2>&1 &
	bpid=$!
	pids+=("$bpid")
	exec 8>"$tmp/fifo"
	for ((i = 0; i < 300; i++)); do
		grep -q '^open' "$tmp/idle.out" && break
		kill -0 "$bpid" 2>/dev/null || die "ws-bench --idle: $(cat "$tmp/idle.out")"
		sleep 0.1
	done
	mem_settle
	read -r own anon <<<"$(mem_of "$daemon_pid")"
	mem_row "with 1,000 idle WebSocket connections" "$own" "$anon" \
		"$(awk -v a="$anon" -v b="$m0" 'BEGIN { printf "%.0f bytes per connection (target: <= 1024)", (a - b) * 1024 / 1000 }')"
	echo >&8
	exec 8>&-
	wait "$bpid" || die "ws-bench --idle failed: $(cat "$tmp/idle.out")"
	mem_settle
	read -r own anon <<<"$(mem_of "$daemon_pid")"
	mem_row "after they closed" "$own" "$anon" "$(mem_pct "$anon" "$m0") of before"

	# a burst of 1,000 HTTP connections
	m1=$anon
	"$wrk" -t2 -c1000 -d3s -H "x-afb-uuid: $uuid" "http://127.0.0.1:$daemon_port/api/hello/ping" >"$tmp/wrk.out" 2>&1 &
	bpid=$!
	peak=0
	while kill -0 "$bpid" 2>/dev/null; do
		read -r _ cur <<<"$(mem_of "$daemon_pid")"
		((cur > peak)) && peak=$cur
		sleep 0.2
	done
	wait "$bpid" || die "wrk failed: $(cat "$tmp/wrk.out")"
	mem_row "during a burst of 1,000 HTTP connections (peak)" "" "$peak" ""
	mem_settle
	read -r own anon <<<"$(mem_of "$daemon_pid")"
	mem_row "after the burst" "$own" "$anon" "$(mem_pct "$anon" "$m1") of before (target: within 25 %)"

	# a proto-ws peer that does not read: echo replies of 64 KiB pile up
	m2=$anon
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	"$build/bench/proto-ws-bench" --stall "unix:$tmp/hello" 400 65536 <"$tmp/fifo" >"$tmp/stall.out" 2>&1 &
	bpid=$!
	pids+=("$bpid")
	exec 8>"$tmp/fifo"
	peak=0
	for ((i = 0; i < 300; i++)); do
		read -r _ cur <<<"$(mem_of "$daemon_pid")"
		((cur > peak)) && peak=$cur
		grep -q '^sent' "$tmp/stall.out" && break
		sleep 0.05
	done
	mem_row "with a proto-ws peer that does not read (peak)" "" "$peak" \
		"(calls of 64 KiB $(cat "$tmp/stall.out"); its output is bounded by --proto-ws-max-output)"
	echo >&8
	exec 8>&-
	wait "$bpid" || true
	mem_settle
	read -r own anon <<<"$(mem_of "$daemon_pid")"
	mem_row "after it left" "$own" "$anon" "$(mem_pct "$anon" "$m2") of before (target: within 25 %)"
	load_note
}
