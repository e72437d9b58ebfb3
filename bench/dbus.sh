# SPDX-License-Identifier: Apache-2.0
# scripts/bench dbus (sourced by scripts/bench, which provides build, die,
# pids, tmp, top, build and duration).
#
# Round trips per second of hello/ping through org.afb.Api1.Call, from one
# sd-bus client (bench/dbus-client), sequential then 64 in flight, against
# afb-daemon --dbus-server=hello and against bench/dbus-echo, a minimal
# sd-bus service answering the same bytes at once (the ceiling set by the
# bus). Both on one private bus (dbus-daemon --session), in the same run.

# Waits until the user bus has an owner for "$1".
dbus_wait_name() {
	local i
	for ((i = 0; i < 200; i++)); do
		busctl --user --no-pager status "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# CPU time (user + system) of process "$1" in milliseconds.
dbus_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"
}

bench_dbus() {
	local addr i inflight ours echo ratio out_ours out_echo run
	command -v dbus-daemon >/dev/null || die "dbus-daemon not found (apt install dbus)"
	command -v busctl >/dev/null || die "busctl not found (apt install systemd)"
	build binder/afb-daemon bench/dbus-echo bench/dbus-client bindings/hello.so
	bench_tmp

	# a private bus: never the machine's
	dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$tmp/bus" &
	pids+=($!)
	for ((i = 0; i < 100; i++)); do
		addr=$(head -n1 "$tmp/bus" 2>/dev/null)
		[[ -n $addr ]] && break
		sleep 0.05
	done
	[[ -n $addr ]] || die "dbus-daemon did not start"
	export DBUS_SESSION_BUS_ADDRESS=$addr

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

	# 3 rounds, afb then echo in each, of a third of the duration: the
	# median of each resists the noise of a busy machine
	run=$(awk -v d="$duration" 'BEGIN { printf "%.2f", (d / 3 < 1 ? 1 : d / 3) }')
	printf '%-10s %14s %14s %8s   (median of 3 rounds of %ss; cpu ms per 1000 calls: afb, echo)\n' \
		"in flight" "afb calls/s" "echo calls/s" ratio "$run"
	for inflight in 1 64; do
		"$build/bench/dbus-client" org.afb.api.hello ping 1 "$inflight" >/dev/null || die "dbus-client failed"
		"$build/bench/dbus-client" org.afb.api.echo ping 1 "$inflight" >/dev/null || die "dbus-client failed"
		local a=() e=() ca=() ce=() n c0 c1
		for i in 1 2 3; do
			c0=$(dbus_cpu_ms "${pids[1]}")
			read -r ours n _ <<<"$("$build/bench/dbus-client" org.afb.api.hello ping "$run" "$inflight")" \
				|| die "dbus-client failed on afb-daemon"
			c1=$(dbus_cpu_ms "${pids[1]}")
			a+=("$ours"); ca+=("$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.1f", n ? c * 1000 / n : 0 }')")
			c0=$(dbus_cpu_ms "${pids[2]}")
			read -r echo n _ <<<"$("$build/bench/dbus-client" org.afb.api.echo ping "$run" "$inflight")" \
				|| die "dbus-client failed on dbus-echo"
			c1=$(dbus_cpu_ms "${pids[2]}")
			e+=("$echo"); ce+=("$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.1f", n ? c * 1000 / n : 0 }')")
		done
		ours=$(printf '%s\n' "${a[@]}" | sort -n | sed -n 2p)
		echo=$(printf '%s\n' "${e[@]}" | sort -n | sed -n 2p)
		ratio=$(awk -v a="$ours" -v b="$echo" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		printf '%-10s %14s %14s %8s   (rounds: afb %s, echo %s; cpu %s, %s)\n' "$inflight" "$ours" "$echo" "$ratio" \
			"${a[*]}" "${e[*]}" "$(printf '%s\n' "${ca[@]}" | sort -n | sed -n 2p)" \
			"$(printf '%s\n' "${ce[@]}" | sort -n | sed -n 2p)"
	done
}
