# SPDX-License-Identifier: Apache-2.0
# scripts/bench dbus (sourced by scripts/bench, which provides build, die,
# pids, tmp, top, build and duration).
#
# Round trips per second of hello/ping through org.afb.Api1.Call, from one
# sd-bus client (bench/dbus-client), sequential then 64 in flight, against
# afb-daemon --dbus-server=hello and against bench/dbus-echo, a minimal
# sd-bus service answering the same bytes at once (the ceiling set by the
# bus). Both on one private bus (dbus-daemon --session), in the same run.
# Then the typed call of hello/ping (org.afb.typed.hello.ping() -> (s, s),
# no JSON text) against the JSON one (org.afb.Api1.Call): a typed call
# must cost no more than a JSON call (ratio >= 1.00).

# Waits until the user bus has an owner for "$1".
dbus_wait_name() {
	local i
	for ((i = 0; i < 200; i++)); do
		busctl --user --no-pager status "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# Starts a private bus (never the machine's) and exports its address.
dbus_start_bus() {
	local addr i
	command -v dbus-daemon >/dev/null || die "dbus-daemon not found (apt install dbus)"
	command -v busctl >/dev/null || die "busctl not found (apt install systemd)"
	bench_tmp
	dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$tmp/bus" 2>/dev/null &
	pids+=($!)
	for ((i = 0; i < 100; i++)); do
		addr=$(head -n1 "$tmp/bus" 2>/dev/null)
		[[ -n $addr ]] && break
		sleep 0.05
	done
	[[ -n $addr ]] || die "dbus-daemon did not start"
	export DBUS_SESSION_BUS_ADDRESS=$addr
}

bench_dbus() {
	local inflight run out_ours out_echo out_typed med_a med_b ratio rounds_a rounds_b cpu_a cpu_b
	build binder/afb-daemon bench/dbus-echo bench/dbus-client bindings/hello.so
	dbus_start_bus

	"$build/binder/afb-daemon" --interface 127.0.0.1 --port 0 --no-httpd \
		--binding "$build/bindings/hello.so" --workdir "$tmp" --apitimeout 0 \
		--dbus-server=hello >"$tmp/afb.log" 2>&1 &
	pids+=($!)
	"$build/bench/dbus-echo" org.afb.api.echo >"$tmp/echo.log" 2>&1 &
	pids+=($!)
	dbus_wait_name org.afb.api.hello || die "afb-daemon did not export hello: $(cat "$tmp/afb.log")"
	dbus_wait_name org.afb.api.echo || die "dbus-echo did not start: $(cat "$tmp/echo.log")"

	out_ours=$(busctl --user call org.afb.api.hello /org/afb/api/hello org.afb.Api1 Call ss ping '{}')
	out_echo=$(busctl --user call org.afb.api.echo /org/afb/api/echo org.afb.Api1 Call ss ping '{}')
	[[ $out_ours == "$out_echo" ]] || die "different replies: afb: $out_ours, echo: $out_echo"
	echo "reply: $out_ours"

	# rounds, afb then echo in each, of a part of the duration: the
	# median of each resists the noise of a busy machine
	run=$(awk -v d="$duration" -v r="${rounds:-3}" 'BEGIN { printf "%.2f", (d / r < 1 ? 1 : d / r) }')
	printf '%-10s %14s %14s %8s   (median of %s rounds of %ss; cpu ms per 1000 calls: afb, echo)\n' \
		"in flight" "afb calls/s" "echo calls/s" ratio "${rounds:-3}" "$run"
	for inflight in 1 64; do
		"$build/bench/dbus-client" org.afb.api.hello ping 1 "$inflight" >/dev/null || die "dbus-client failed"
		"$build/bench/dbus-client" org.afb.api.echo ping 1 "$inflight" >/dev/null || die "dbus-client failed"
		dbus_rounds "$inflight" org.afb.api.hello json "${pids[1]}" org.afb.api.echo json "${pids[2]}"
		printf '%-10s %14s %14s %8s   (rounds: afb %s, echo %s; cpu %s, %s)\n' "$inflight" "$med_a" "$med_b" \
			"$ratio" "$rounds_a" "$rounds_b" "$cpu_a" "$cpu_b"
	done

	out_typed=$(busctl --user call org.afb.api.hello /org/afb/api/hello org.afb.typed.hello ping)
	echo "typed reply: $out_typed"
	printf '%-10s %14s %14s %8s   (median of %s rounds of %ss; afb cpu ms per 1000 calls: typed, json)\n' \
		"in flight" "typed calls/s" "json calls/s" ratio "${rounds:-3}" "$run"
	for inflight in 1 64; do
		"$build/bench/dbus-client" org.afb.api.hello ping 1 "$inflight" typed >/dev/null || die "dbus-client failed"
		dbus_rounds "$inflight" org.afb.api.hello typed "${pids[1]}" org.afb.api.hello json "${pids[1]}"
		printf '%-10s %14s %14s %8s   (rounds: typed %s, json %s; cpu %s, %s)\n' "$inflight" "$med_a" "$med_b" \
			"$ratio" "$rounds_a" "$rounds_b" "$cpu_a" "$cpu_b"
	done
}

# dbus_rounds INFLIGHT NAME_A MODE_A PID_A NAME_B MODE_B PID_B: 3 rounds
# (--rounds) of a then b (interleaved); sets med_a, med_b (median calls/s),
# ratio (a/b), rounds_a, rounds_b and cpu_a, cpu_b (median cpu ms of PID
# per 1000 calls).
dbus_rounds() {
	local inflight=$1 na=$2 ma=$3 pa=$4 nb=$5 mb=$6 pb=$7 i n c0 c1 x mid
	local a=() b=() ca=() cb=()
	for ((i = 0; i < ${rounds:-3}; i++)); do
		c0=$(cpu_ms "$pa")
		read -r x n _ <<<"$("$build/bench/dbus-client" "$na" ping "$run" "$inflight" "$ma")" \
			|| die "dbus-client failed on $na ($ma)"
		c1=$(cpu_ms "$pa")
		a+=("$x"); ca+=("$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.1f", n ? c * 1000 / n : 0 }')")
		c0=$(cpu_ms "$pb")
		read -r x n _ <<<"$("$build/bench/dbus-client" "$nb" ping "$run" "$inflight" "$mb")" \
			|| die "dbus-client failed on $nb ($mb)"
		c1=$(cpu_ms "$pb")
		b+=("$x"); cb+=("$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.1f", n ? c * 1000 / n : 0 }')")
	done
	mid=$(((${#a[@]} + 1) / 2))
	med_a=$(printf '%s\n' "${a[@]}" | sort -n | sed -n "${mid}p")
	med_b=$(printf '%s\n' "${b[@]}" | sort -n | sed -n "${mid}p")
	ratio=$(awk -v a="$med_a" -v b="$med_b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	rounds_a="${a[*]}"
	rounds_b="${b[*]}"
	cpu_a=$(printf '%s\n' "${ca[@]}" | sort -n | sed -n "${mid}p")
	cpu_b=$(printf '%s\n' "${cb[@]}" | sort -n | sed -n "${mid}p")
}
