# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers of scripts/bench, sourced by it with the bench/*.sh files.
# Variables: top (the repository), build (the build directory), base (a
# build directory of another checkout, --base), duration (-d), rounds
# (--rounds), svg (--svg), wrk (the wrk binary), tmp (a temporary
# directory made by bench_tmp), pids (processes stopped at exit).

# Stops every process started and removes the temporary directory.
bench_cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $tmp ]]; then
		rm -rf "$tmp"
	fi
	# the script's exit status is kept: this trap ends with a success
	return 0
}

die() {
	local log
	echo "bench: $*" >&2
	# the servers' logs tell why they are gone
	for log in "${tmp:-/nonexistent}"/*.log; do
		[[ -s $log ]] && { echo "--- ${log##*/}:" >&2; tail -n 20 "$log" >&2; }
	done
	exit 1
}

# Builds the targets if needed (the build directory is set up once).
build() {
	if [[ ! -f $build/build.ninja ]]; then
		meson setup "$build" "$top" >/dev/null || die "meson setup failed"
	fi
	ninja -C "$build" "$@" >/dev/null || die "build failed"
}

bench_tmp() {
	[[ -n $tmp ]] || tmp=$(mktemp -d)
}

# Many connections need many descriptors: the soft limit goes up to the hard one.
raise_nofile() {
	ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
}

# Waits until "$1" gives a line matching "$2" and prints the first number after it.
wait_port() {
	local file=$1 pattern=$2 i port
	for ((i = 0; i < 200; i++)); do
		port=$(sed -n "s/.*$pattern *\([0-9][0-9]*\).*/\1/p" "$file" 2>/dev/null | head -n1)
		[[ -n $port ]] && { echo "$port"; return 0; }
		sleep 0.05
	done
	return 1
}

# start_daemon NAME [options...]: starts afb-daemon (of $daemon_build,
# default $build) on a free port of 127.0.0.1, logging to $tmp/NAME.log;
# sets daemon_pid and daemon_port. Every connection of the benchmarks
# comes from 127.0.0.1: no per-address limit.
start_daemon() {
	local name=$1 db=${daemon_build:-$build}
	shift
	bench_tmp
	mkdir -p "$tmp/$name.d"
	: >"$tmp/$name.log"	# a log of an earlier daemon of that name would give its port
	${daemon_prefix:-} "$db/binder/afb-daemon" --interface 127.0.0.1 --port 0 --workdir "$tmp/$name.d" \
		--apitimeout 0 $(daemon_limits "$db") "$@" >"$tmp/$name.log" 2>&1 &
	daemon_pid=$!
	pids+=("$daemon_pid")
	daemon_port=$(wait_port "$tmp/$name.log" "serving HTTP on port") || die "afb-daemon ($name) did not start"
}

# The options lifting the per-client limits, when the daemon has them.
daemon_limits() {
	local help
	help=$("$1/binder/afb-daemon" --help 2>&1) || true
	[[ $help == *--http-max-per-address* ]] && echo "--http-max-per-address 0"
	return 0
}

# Runs wrk and prints "<req/s> <p99> <requests>".
run_wrk() {
	local out rps p99 n
	out=$("$wrk" --latency "$@" 2>&1) || die "wrk failed: $out"
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	n=$(awk '/requests in/ {print $1}' <<<"$out")
	if grep -q "Non-2xx" <<<"$out"; then
		echo "bench: warning: non-2xx replies: $(grep Non-2xx <<<"$out")" >&2
	fi
	if grep -q "Socket errors" <<<"$out"; then
		echo "bench: warning: $(grep 'Socket errors' <<<"$out")" >&2
	fi
	echo "${rps:-0} ${p99:-?} ${n:-0}"
}

# Median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'
}

# median of column $1 of the lines on stdin
median_col() {
	awk -v c="$1" '{ print $c }' | median
}

# ratio A B: A / B with 2 decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

# p99 of wrk ("1.23ms", "850.00us", "1.02s") in microseconds.
wrk_us() {
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
		else if (v ~ /s$/) print n * 1000000; else print 0 }'
}

# The load of the machine, for the notes of every result.
load_note() {
	echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg) (at $(date +%H:%M:%S))"
}

# CPU time (user + system) of process "$1" in milliseconds.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"
}

# The daemon's own memory in KiB: private and anonymous pages
# (/proc/PID/smaps_rollup), not the pages of shared libraries.
private_kib() {
	awk '/^Anonymous:/ { a = $2 } /^Private_Dirty:/ { d = $2 } END { print a }' "/proc/$1/smaps_rollup"
}
