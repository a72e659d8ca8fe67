#!/usr/bin/env bash
# Spoke to spoke through a TGW (bench/tunnel/spoke2spoke.yaml): VPC B -> gateway B
# -> hub (decrypt, route, re-encrypt) -> gateway C -> VPC C.  Ping, then iperf3
# single-stream TCP 3 s each way; checks the daemons' logs for sanitizer reports
# (run it with an ASan build too).  Usage (root): spoke2spoke.sh BUILD_DIR
set -u
build=${1:?build dir}
src=$(cd "$(dirname "$0")/../.." && pwd)
td=$build/transitd
p=s2-$$
gh=$p-gh; gg=$p-gg; gc=$p-gc; vb=$p-vb; vc=$p-vc; va=$p-va
tmp=$(mktemp -d); pids=""
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	for ns in $gh $gg $gc $vb $vc $va; do ip netns del $ns 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
for ns in $gh $gg $gc $vb $vc $va; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add $p-u0 netns $gh type veth peer name $p-u1 netns $gg
ip link add $p-u2 netns $gh type veth peer name $p-u3 netns $gc
ip -n $gh addr add 192.0.2.1/24 dev $p-u0
ip -n $gg addr add 192.0.2.2/24 dev $p-u1
ip -n $gh addr add 198.51.100.1/24 dev $p-u2
ip -n $gc addr add 198.51.100.2/24 dev $p-u3
for x in "$gh $p-u0" "$gg $p-u1" "$gh $p-u2" "$gc $p-u3"; do set -- $x; ip -n $1 link set $2 up; done
ip -n $vb addr add 10.2.0.10/32 dev lo
ip -n $vc addr add 10.3.0.10/32 dev lo
ip -n $va addr add 10.1.0.10/32 dev lo
for ns in $vb $vc $va; do ip netns exec $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0; done
cp "$src/bench/tunnel/spoke2spoke.yaml" $tmp/net.yaml
ip netns exec $gh $td -f -c $tmp/net.yaml -n node-h -s $tmp/h.sock --netns "vpc-a=/run/netns/$va" >$tmp/log-h 2>&1 & pids="$pids $!"
ip netns exec $gg $td -f -c $tmp/net.yaml -n node-g -s $tmp/g.sock --netns "vpc-b=/run/netns/$vb" >$tmp/log-g 2>&1 & pids="$pids $!"
ip netns exec $gc $td -f -c $tmp/net.yaml -n node-c -s $tmp/c.sock --netns "vpc-c=/run/netns/$vc" >$tmp/log-c 2>&1 & pids="$pids $!"
sleep 1.5
ip netns exec $vb ping -c 3 -i 0.2 -W 1 10.3.0.10 | tail -2 || { cat $tmp/log-*; exit 1; }
ip netns exec $vc iperf3 -s -p 5399 >/dev/null 2>&1 & srv=$!; pids="$pids $srv"; sleep 0.3
for R in "" -R; do
ip netns exec $vb iperf3 -c 10.3.0.10 -p 5399 -t 3 $R -J | python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print("IPERF %.3f Gbit/s retr %d" % (e["sum_received"]["bits_per_second"]/1e9, e["sum_sent"]["retransmits"]))'
done
sleep 0.5; for pid in $pids; do kill $pid 2>/dev/null; wait $pid 2>/dev/null; done; pids=""; grep -l "AddressSanitizer\|runtime error" $tmp/log-* && echo ASAN-ERROR; echo logs-checked

