# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# scripts/bench scale and events (sourced by scripts/bench, helpers in bench/lib.sh).
#
#   bench_scale    the curves of issue 9, as tables (and a plot with --svg FILE):
#                  - HTTP keep-alive (wrk) and WebSocket (bench/ws-bench), 1 call
#                    in flight per connection, 1, 16, 256 and 1,000 connections;
#                    bench/bare-mhd beside HTTP;
#                  - 1,000 busy WebSocket connections beside 10,000 idle ones;
#                  - one event to 1, 100, 1,000 and 10,000 WebSocket subscribers:
#                    time until the last one has it;
#                  - replies of 1 KB, 100 KB and 1 MB (bench/blob) over HTTP
#                    beside bare-mhd, and over WebSocket, in MB/s.
#   bench_events   only the event curve.
# Every point is the median of $rounds runs of $duration seconds (ours and
# bare-mhd interleaved). 10,000 connections need more descriptors than
# usual on both sides: ulimit -n 25000 (hard limit) before running.

# scale_ws_point N: calls/s and p99 (us) of N WebSocket connections, one call in flight each.
scale_ws_point() {
	local n=$1 t=2 out
	((n < 2)) && t=1
	out=$("$build/bench/ws-bench" -d "$duration" -c "$n" -k 1 -t "$t" "$ws_url" hello ping) ||
		die "ws-bench failed: $out"
	grep -q "errors 0 " <<<"$out" || echo "bench: warning: error replies: $out" >&2
	awk '{ print $2, $6 }' <<<"$out"
}

# scale_http_point URL N: req/s and p99 (us) of wrk with N connections.
scale_http_point() {
	local url=$1 n=$2 t=2 res
	((n < 2)) && t=1
	read -r -a res <<<"$(run_wrk -t"$t" -c"$n" -d"${duration}s" -H "x-afb-uuid: $uuid" "$url")"
	echo "${res[0]} $(wrk_us "${res[1]}")"
}

scale_setup() {
	command -v "$wrk" >/dev/null || die "wrk not found (apt install wrk)"
	command -v curl >/dev/null || die "curl not found"
	build binder/afb-daemon binder/client/afb-client bench/bare-mhd bench/bench.so bindings/hello.so bench/ws-bench \
		bench/fanout
	raise_nofile
	bench_tmp
	start_daemon afb --token bench --binding "$build/bindings/hello.so" --binding "$build/bench/bench.so"
	port=$daemon_port
	curl -sf -H "x-afb-token: bench" "http://127.0.0.1:$port/api/hello/ping" -o "$tmp/first" || die "no reply"
	uuid=$(sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p' "$tmp/first")
	[[ -n $uuid ]] || uuid=$("$build/binder/client/afb-client" "ws://127.0.0.1:$port/api?token=bench" hello ping |
		sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
	ws_url="ws://127.0.0.1:$port/api?token=bench&uuid=$uuid"
}

# bare-mhd answering the body of $1 (a URL of the daemon); sets bare_url.
scale_bare() {
	local bport
	curl -sf -H "x-afb-uuid: $uuid" "$1" -o "$tmp/body" || die "no reply of $1"
	if [[ -n ${bare_pid:-} ]]; then
		kill "$bare_pid" 2>/dev/null || true
		wait "$bare_pid" 2>/dev/null || true
	fi
	: >"$tmp/bare.log"
	"$build/bench/bare-mhd" 0 "@$tmp/body" >"$tmp/bare.log" 2>&1 &
	bare_pid=$!
	pids+=("$bare_pid")
	bport=$(wait_port "$tmp/bare.log" "port") || die "bare-mhd did not start"
	bare_url="http://127.0.0.1:$bport/x"
}

scale_connections() {
	local n r a b w
	scale_bare "http://127.0.0.1:$port/api/hello/ping"
	echo "== connections, one call in flight each (hello/ping): calls/s and p99"
	printf '%-12s %12s %10s %12s %10s %12s %10s\n' connections "HTTP afb" p99 "HTTP bare" p99 "WebSocket" p99
	for n in 1 16 256 1000; do
		: >"$tmp/pa" ; : >"$tmp/pb" ; : >"$tmp/pw"
		for ((r = 0; r < rounds; r++)); do
			scale_http_point "http://127.0.0.1:$port/api/hello/ping" "$n" >>"$tmp/pa"
			scale_http_point "$bare_url" "$n" >>"$tmp/pb"
			scale_ws_point "$n" >>"$tmp/pw"
		done
		a="$(median_col 1 <"$tmp/pa") $(median_col 2 <"$tmp/pa")"
		b="$(median_col 1 <"$tmp/pb") $(median_col 2 <"$tmp/pb")"
		w="$(median_col 1 <"$tmp/pw") $(median_col 2 <"$tmp/pw")"
		# shellcheck disable=SC2086 # three pairs of numbers
		printf '%-12s %12.0f %8.0fus %12.0f %8.0fus %12.0f %8.0fus\n' "$n" $a $b $w
		echo "$n $a $b $w" >>"$tmp/conns.dat"
	done
	awk '$1 == 16 { h16 = $2; w16 = $6 } $1 == 1000 { h = $2; w = $6; wp = $7 }
		END { printf "1,000 vs 16 connections: HTTP %.2f, WebSocket %.2f (target >= 0.8); WebSocket p99 at 1,000: %.1f ms (target < 20)\n",
			h16 ? h / h16 : 0, w16 ? w / w16 : 0, wp / 1000 }' "$tmp/conns.dat"
}

scale_idle_busy() {
	local idle=10000 bpid i out
	if (($(ulimit -n) < idle + 1200)); then
		echo "== 10,000 idle + 1,000 busy: skipped, ulimit -n is $(ulimit -n) (run with ulimit -n 25000)"
		return
	fi
	echo "== 1,000 busy WebSocket connections beside 10,000 idle ones"
	rm -f "$tmp/fifo" "$tmp/idle.out"
	mkfifo "$tmp/fifo"
	"$build/bench/ws-bench" --idle "$idle" "$ws_url" <"$tmp/fifo" >"$tmp/idle.out" 2>&1 &
	bpid=$!
	pids+=("$bpid")
	exec 8>"$tmp/fifo"
	for ((i = 0; i < 600; i++)); do
		grep -q '^open' "$tmp/idle.out" && break
		kill -0 "$bpid" 2>/dev/null || die "ws-bench --idle: $(cat "$tmp/idle.out")"
		sleep 0.1
	done
	grep -q '^open' "$tmp/idle.out" || die "10,000 idle connections did not open"
	: >"$tmp/pw"
	for ((i = 0; i < rounds; i++)); do
		scale_ws_point 1000 >>"$tmp/pw"
	done
	out="$(median_col 1 <"$tmp/pw") $(median_col 2 <"$tmp/pw")"
	# shellcheck disable=SC2086
	printf '1,000 busy + 10,000 idle: %.0f calls/s, p99 %.0f us (daemon: %s descriptors open)\n' $out \
		"$(ls "/proc/$daemon_pid/fd" | wc -l)"
	echo >&8
	exec 8>&-
	wait "$bpid" || die "ws-bench --idle failed: $(cat "$tmp/idle.out")"
}

scale_events() {
	local n k out f med p90 max fmed fmed2
	echo "== one event pushed to N WebSocket subscribers (hello/eventpush): until the last has it"
	echo "   beside bench/fanout: one thread writing the same bytes to N loopback TCP sockets, no binder"
	echo "   (fanout -w 2: two threads writing, each to half of the sockets)"
	printf '%-12s %10s %10s %10s %14s %12s %8s %14s\n' subscribers "median ms" "p90 ms" "max ms" "us/subscriber" \
		"fanout ms" "ratio" "fanout -w 2"
	for n in 1 100 1000 10000; do
		if (($(ulimit -n) < n + 200)); then
			printf '%-12s skipped: ulimit -n is %s\n' "$n" "$(ulimit -n)"
			continue
		fi
		: >"$tmp/ev.$n" ; : >"$tmp/fan.$n" ; : >"$tmp/fan2.$n"
		for ((k = 0; k < rounds; k++)); do	# interleaved: ours, then the machine's own
			out=$("$build/bench/ws-bench" --events "$n" -t 2 -r 10 "$ws_url") || die "ws-bench --events: $out"
			awk '{ print $4, $6, $8 }' <<<"$out" >>"$tmp/ev.$n"
			# fanout holds both ends of its sockets
			(($(ulimit -n) < 2 * n + 100)) && continue
			f=$("$build/bench/fanout" -c "$n" -t 2 -r 10) || die "fanout: $f"
			awk '{ print $4 }' <<<"$f" >>"$tmp/fan.$n"
			f=$("$build/bench/fanout" -c "$n" -t 2 -w 2 -r 10) || die "fanout -w 2: $f"
			awk '{ print $4 }' <<<"$f" >>"$tmp/fan2.$n"
		done
		med=$(median_col 1 <"$tmp/ev.$n") p90=$(median_col 2 <"$tmp/ev.$n")
		max=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$tmp/ev.$n") fmed=$(median <"$tmp/fan.$n")
		fmed2=$(median <"$tmp/fan2.$n")
		if [[ ! -s $tmp/fan.$n ]]; then
			fmed=0 fmed2=0	# printed as "-"
		fi
		printf '%-12s %10.2f %10.2f %10.2f %14.2f %12s %8s %14s\n' "$n" "$(awk -v v="$med" 'BEGIN { print v / 1000 }')" \
			"$(awk -v v="$p90" 'BEGIN { print v / 1000 }')" "$(awk -v v="$max" 'BEGIN { print v / 1000 }')" \
			"$(awk -v m="$med" -v n="$n" 'BEGIN { print m / n }')" \
			"$(awk -v v="$fmed" 'BEGIN { if (v) printf "%.2f", v / 1000; else print "-" }')" \
			"$( ((fmed > 0)) && ratio "$med" "$fmed" || echo "-")" \
			"$(awk -v v="$fmed2" 'BEGIN { if (v) printf "%.2f", v / 1000; else print "-" }')"
		echo "$n $med $p90 $max $fmed" >>"$tmp/events.dat"
	done
	echo "target: 1,000 subscribers in < 5 ms; linear (us per subscriber flat) up to 10,000;"
	echo "ratio: ours / fanout (1.00: the machine's own cost of the writes and reads)"
}

scale_replies() {
	local size r a b w len
	echo "== replies of bench/blob: HTTP on 1 connection beside bare-mhd, WebSocket on 1 connection (MB/s)"
	printf '%-12s %12s %12s %8s %12s\n' "reply" "HTTP afb" "HTTP bare" ratio "WebSocket"
	for size in 1000 100000 1000000; do
		scale_bare "http://127.0.0.1:$port/api/bench/blob?size=$size"
		len=$(wc -c <"$tmp/body")
		: >"$tmp/pa" ; : >"$tmp/pb" ; : >"$tmp/pw"
		for ((r = 0; r < rounds; r++)); do
			scale_http_point "http://127.0.0.1:$port/api/bench/blob?size=$size" 1 >>"$tmp/pa"
			scale_http_point "$bare_url" 1 >>"$tmp/pb"
			"$build/bench/ws-bench" -d "$duration" -c 1 -k 1 "$ws_url" bench blob "{\"size\":$size}" |
				awk '{ print $2 }' >>"$tmp/pw"
		done
		a=$(awk -v c="$(median_col 1 <"$tmp/pa")" -v n="$len" 'BEGIN { print c * n / 1e6 }')
		b=$(awk -v c="$(median_col 1 <"$tmp/pb")" -v n="$len" 'BEGIN { print c * n / 1e6 }')
		w=$(awk -v c="$(median_col 1 <"$tmp/pw")" -v n="$len" 'BEGIN { print c * n / 1e6 }')
		printf '%-12s %9.1f MB/s %9.1f MB/s %8s %9.1f MB/s\n' "$len B" "$a" "$b" "$(ratio "$a" "$b")" "$w"
		echo "$len $a $b $w" >>"$tmp/replies.dat"
	done
}

# The plot of the data files, as SVG, with gnuplot.
scale_plot() {
	local file=$1
	command -v gnuplot >/dev/null || die "gnuplot not found (apt install gnuplot-nox)"
	cat >"$tmp/plot.gp" <<EOF
set terminal svg size 1000,760 dynamic font "sans,11" background "#ffffff"
set output "$file"
set multiplot layout 2,2 title "afb-daemon, scripts/bench scale ($(date +%Y-%m-%d), $(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg), medians of $rounds)"
set grid
set key top left
set logscale x 2
set title "calls per second, 1 in flight per connection"
set xlabel "connections"
set ylabel "calls/s"
set yrange [0:*]
plot "$tmp/conns.dat" using 1:2 with linespoints title "HTTP afb-daemon", \
     "$tmp/conns.dat" using 1:4 with linespoints title "HTTP bare libmicrohttpd", \
     "$tmp/conns.dat" using 1:6 with linespoints title "WebSocket afb-daemon"
set title "p99 latency"
set ylabel "ms"
set logscale y 10
set yrange [*:*]
plot "$tmp/conns.dat" using 1:(\$3/1000) with linespoints title "HTTP afb-daemon", \
     "$tmp/conns.dat" using 1:(\$5/1000) with linespoints title "HTTP bare libmicrohttpd", \
     "$tmp/conns.dat" using 1:(\$7/1000) with linespoints title "WebSocket afb-daemon"
set title "one event to N subscribers: until the last has it"
set xlabel "subscribers"
set logscale x 10
set ylabel "ms"
plot "$tmp/events.dat" using 1:(\$2/1000) with linespoints title "median", \
     "$tmp/events.dat" using 1:(\$3/1000) with linespoints title "p90", \
     "$tmp/events.dat" using 1:(\$5/1000) with linespoints title "bench/fanout (no binder), median"
set title "large replies, one connection"
set xlabel "reply (bytes)"
set format x "%.0s %cB"
set xrange [500:2000000]
set ylabel "MB/s"
unset logscale y
set yrange [0:*]
plot "$tmp/replies.dat" using 1:2 with linespoints title "HTTP afb-daemon", \
     "$tmp/replies.dat" using 1:3 with linespoints title "HTTP bare libmicrohttpd", \
     "$tmp/replies.dat" using 1:4 with linespoints title "WebSocket afb-daemon"
unset multiplot
EOF
	gnuplot "$tmp/plot.gp" || die "gnuplot failed"
	echo "plot written to $file"
}

bench_scale() {
	scale_setup
	: >"$tmp/conns.dat" ; : >"$tmp/events.dat" ; : >"$tmp/replies.dat"
	scale_connections
	scale_idle_busy
	scale_events
	scale_replies
	load_note
	[[ -z $svg ]] || scale_plot "$svg"
}

bench_events() {
	scale_setup
	: >"$tmp/events.dat"
	scale_events
	load_note
}
