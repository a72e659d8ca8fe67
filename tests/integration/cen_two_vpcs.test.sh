#!/usr/bin/env bash
# transitd as a CEN joining two Alibaba VPCs (tests/integration/nets/cen.yaml).
# Checks: each VPC namespace gets a route for the other's vSwitch only (CEN-learned,
# beh. 39); ping both ways with ttl=64 (TTL-transparent CEN); after a reload with
# `ttl_transparent: false` the same TUN devices forward with ttl=63; an address of
# the other VPC outside its vSwitch is not routed at all.
# Usage: cen_two_vpcs.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
build=${1:?build dir}
src=${2:?source dir}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, /dev/net/tun)"
	exit 77
fi
for tool in ip ping; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: needs $tool"
		exit 77
	fi
done
if [ ! -c /dev/net/tun ]; then
	echo "SKIP: no /dev/net/tun"
	exit 77
fi
td=$build/transitd
ctl=$build/transitctl

ns_a=td-$$-ca
ns_b=td-$$-cb
tmp=$(mktemp -d)
sock=$tmp/cen.sock
pid=

cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	ip netns del "$ns_a" 2>/dev/null
	ip netns del "$ns_b" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- transitd log:"
	cat "$tmp/log" 2>/dev/null
	exit 1
}

for pair in "$ns_a 10.1.0.10" "$ns_b 10.2.0.10"; do
	set -- $pair
	ip netns add "$1" || fail "ip netns add $1"
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$2/32" dev lo
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
	    net.ipv4.conf.default.rp_filter=0
done
cp "$src/tests/integration/nets/cen.yaml" "$tmp/cen.yaml"
"$td" -f -c "$tmp/cen.yaml" -n node1 -s "$sock" \
    --netns "vpc-a=/run/netns/$ns_a" --netns "vpc-b=/run/netns/$ns_b" \
    >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 50); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || fail "no control socket"

routes=$(ip -n "$ns_a" route)
[ "$routes" = "$(echo "$routes" | grep '^10.2.0.0/24 dev t')" ] ||
    fail "vpc-a routes: expected only 10.2.0.0/24: $routes"
out=$(ip netns exec "$ns_a" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping a->b: $out"
echo "$out" | grep -q "ttl=64" || fail "TTL-transparent CEN changed TTL: $out"
out=$(ip netns exec "$ns_b" ping -c 2 -i 0.2 -W 1 10.1.0.10) || fail "ping b->a: $out"
echo "$out" | grep -q "ttl=64" || fail "TTL-transparent CEN changed TTL: $out"
ip netns exec "$ns_a" ping -c 1 -W 1 10.2.1.1 >/dev/null 2>&1 &&
    fail "10.2.1.1 (outside vsw-b) answered"
echo "ok: ping both ways, ttl=64"

dev=$(ip -n "$ns_a" -o link show type tun | awk -F': ' '{print $2}')
idx=$(ip -n "$ns_a" -o link show "$dev" | cut -d: -f1)
sed -i 's/^    regions: \[cn-a, cn-b\]/&\n    ttl_transparent: false/' "$tmp/cen.yaml"
grep -q "ttl_transparent: false" "$tmp/cen.yaml" || fail "could not edit the file"
"$ctl" -s "$sock" reload >/dev/null || fail "reload"
[ "$(ip -n "$ns_a" -o link show "$dev" 2>/dev/null | cut -d: -f1)" = "$idx" ] ||
    fail "reload recreated $dev"
out=$(ip netns exec "$ns_a" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping after reload"
echo "$out" | grep -q "ttl=63" || fail "expected ttl=63 after reload: $out"
echo "ok: reload to ttl_transparent: false keeps the devices, ttl=63"

kill -TERM "$pid"
wait "$pid" || fail "transitd exited $?"
pid=
ip -n "$ns_a" link show "$dev" >/dev/null 2>&1 && fail "$dev still there"
grep -q "Sanitizer\|runtime error" "$tmp/log" && fail "sanitizer report"
echo "PASS"
