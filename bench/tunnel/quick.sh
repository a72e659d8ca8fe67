#!/usr/bin/env bash
# Single-stream TCP through a transitd VPN-gateway pair (the topology of
# tests/integration/esp_two_sites.test.sh: two gateway namespaces joined by an
# underlay veth, a VPC namespace behind each, one ESP-in-UDP tunnel).
# Usage (root): bench/tunnel/quick.sh BUILD_DIR [RUNS] [SECONDS]
# Prints each iperf3 run (Gbit/s, receiver side), the median and the load average.
# Set PERF=a (or b) to record transitd A (encrypting) or B (decrypting) in run 1,
# SYSCALLS=1 to count the system calls of each transitd during run 1.
set -u
build=${1:?build dir}
runs=${2:-3}
secs=${3:-5}
src=$(cd "$(dirname "$0")/../.." && pwd)
td=$build/transitd
p=tq-$$
ga=$p-ga; gb=$p-gb; va=$p-va; vb=$p-vb; ua=$p-u0; ub=$p-u1
tmp=$(mktemp -d)
pids=""
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	for ns in "$ga" "$gb" "$va" "$vb"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
for ns in "$ga" "$gb" "$va" "$vb"; do
	ip netns add "$ns"; ip -n "$ns" link set lo up
done
ip link add "$ua" netns "$ga" type veth peer name "$ub" netns "$gb"
ip -n "$ga" addr add 192.0.2.1/24 dev "$ua"
ip -n "$gb" addr add 192.0.2.2/24 dev "$ub"
ip -n "$ga" link set "$ua" up
ip -n "$gb" link set "$ub" up
ip -n "$va" addr add 10.1.0.10/32 dev lo
ip -n "$vb" addr add 10.2.0.10/32 dev lo
cp "$src/tests/integration/nets/esp.yaml" "$tmp/esp.yaml"
ip netns exec "$ga" "$td" -f -c "$tmp/esp.yaml" -n node-a -s "$tmp/a.sock" \
    --netns "vpc-a=/run/netns/$va" >"$tmp/log-a" 2>&1 &
pid_a=$!; pids="$pids $!"
ip netns exec "$gb" "$td" -f -c "$tmp/esp.yaml" -n node-b -s "$tmp/b.sock" \
    --netns "vpc-b=/run/netns/$vb" >"$tmp/log-b" 2>&1 &
pid_b=$!; pids="$pids $!"
for _ in $(seq 50); do
	[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] && break; sleep 0.1
done
ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10 >/dev/null || { echo "no ping"; cat "$tmp"/log-*; exit 1; }
res=()
for i in $(seq "$runs"); do
	ip netns exec "$vb" iperf3 -s -1 -p $((5300 + i)) >/dev/null 2>&1 &
	pids="$pids $!"
	sleep 0.3
	if [ -n "${PERF:-}" ] && [ "$i" = 1 ]; then
		ppid=$pid_a; [ "$PERF" = b ] && ppid=$pid_b
		perf record -o "$tmp/perf.data" -p "$ppid" -- sleep "$secs" >/dev/null 2>&1 &
		perfpid=$!
	fi
	if [ -n "${SYSCALLS:-}" ] && [ "$i" = 1 ]; then
		for x in a b; do
			xp=$pid_a; [ $x = b ] && xp=$pid_b
			perf stat -e raw_syscalls:sys_enter -x, -o "$tmp/sc-$x" -p "$xp" -- sleep "$secs" >/dev/null 2>&1 &
		done
	fi
	g=$(ip netns exec "$va" iperf3 -c 10.2.0.10 -p $((5300 + i)) -t "$secs" -J |
	    python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print("%.3f Gbit/s, %d retransmits" % (e["sum_received"]["bits_per_second"]/1e9, e["sum_sent"].get("retransmits", -1)))')
	if [ -n "${perfpid:-}" ]; then
		wait "$perfpid"; perfpid=""
		perf report -i "$tmp/perf.data" --no-children --stdio -g none --sort sym 2>/dev/null | grep -v "^#" | grep "%" | head -${PERFTOP:-14}
	fi
	if [ -n "${SYSCALLS:-}" ] && [ "$i" = 1 ]; then
		sleep 0.5
		for x in a b; do
			echo "transitd $x: $(grep sys_enter "$tmp/sc-$x" | cut -d, -f1) syscalls in ${secs}s"
		done
	fi
	echo "run $i: $g  (load $(cut -d' ' -f1-3 /proc/loadavg))"
	res+=("${g%% *}")
done
med=$(printf '%s\n' "${res[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median: $med Gbit/s over $runs x ${secs}s"
