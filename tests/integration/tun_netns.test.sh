#!/usr/bin/env bash
# TUN inside a network namespace and batched UDP between two namespaces
# (docs/io.md).  Runs $1/tests/test_dp_tun_netns with the namespaces it prepares:
#   1. netns T: the program creates tun "trtest0" in T with 10.99.0.1/24, MTU 1400;
#      we check address/MTU/routes with `ip -n`, ping 10.99.0.2 from inside T (the
#      program reads the echo requests from the TUN fd and writes the replies back),
#      stop it with SIGTERM and check the device is gone.
#   2. netns A and B joined by a veth (10.98.0.1/24 - 10.98.0.2/24): 64 datagrams
#      through one sendmmsg, all received through recvmmsg.
# Usage: tun_netns.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
build=${1:?build dir}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, /dev/net/tun)"
	exit 77
fi
for tool in ip ping; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: needs $tool (scripts/deps.sh test)"
		exit 77
	fi
done
if [ ! -c /dev/net/tun ]; then
	echo "SKIP: no /dev/net/tun"
	exit 77
fi
prog=$build/tests/test_dp_tun_netns
if [ ! -x "$prog" ]; then
	echo "FAIL: $prog not built"
	exit 1
fi

ns_t=transit-test-$$-t
ns_a=transit-test-$$-a
ns_b=transit-test-$$-b
tmp=$(mktemp -d)
pid=

cleanup() {
	# Only the program we started, by its PID.
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	for ns in "$ns_t" "$ns_a" "$ns_b"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	if [ -f "$tmp/log" ]; then
		echo "--- test program output:"
		cat "$tmp/log"
	fi
	exit 1
}

# 1. TUN in a namespace
ip netns add "$ns_t" || fail "ip netns add $ns_t"
ip -n "$ns_t" link set lo up
TRANSIT_NETNS_TEST=$ns_t TRANSIT_NETNS_TEST_DIR=$tmp "$prog" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ -f "$tmp/ready" ] && break
	kill -0 "$pid" 2>/dev/null || fail "test program exited before the TUN was ready"
	sleep 0.05
done
[ -f "$tmp/ready" ] || fail "TUN not ready after 10 s"
dev=$(cat "$tmp/ready")
[ "$dev" = trtest0 ] || fail "unexpected device name '$dev'"

link=$(ip -n "$ns_t" -o link show dev "$dev") || fail "$dev not in $ns_t"
grep -q "mtu 1400 " <<<"$link" || fail "MTU is not 1400: $link"
grep -Eq "[<,]UP[,>]" <<<"$link" || fail "$dev is not up: $link"
ip -n "$ns_t" -o addr show dev "$dev" | grep -q "inet 10.99.0.1/24 " ||
	fail "address 10.99.0.1/24 missing: $(ip -n "$ns_t" -o addr show dev "$dev")"
if ip link show dev "$dev" >/dev/null 2>&1; then
	fail "$dev is visible in the host namespace"
fi
ip -n "$ns_t" route show 10.77.0.0/16 | grep -q "dev $dev" ||
	fail "route 10.77.0.0/16 dev $dev missing"
[ -z "$(ip -n "$ns_t" route show 10.78.0.0/16)" ] ||
	fail "route 10.78.0.0/16 should have been deleted"

ip netns exec "$ns_t" ping -c 2 -W 1 10.99.0.2 >"$tmp/ping" 2>&1 ||
	fail "ping 10.99.0.2 through the TUN failed: $(cat "$tmp/ping")"
grep -q " 0% packet loss" "$tmp/ping" || fail "ping lost packets: $(cat "$tmp/ping")"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "test program exited $rc"
grep -q "echo requests answered" "$tmp/log" || fail "TUN test did not run"
if ip -n "$ns_t" link show dev "$dev" >/dev/null 2>&1; then
	fail "$dev still exists after close"
fi
sed 's/^/  /' "$tmp/log"
echo "ok: TUN in $ns_t: address, MTU, routes, ping both ways, gone after close"

# 2. UDP batch between two namespaces over a veth
ip netns add "$ns_a" || fail "ip netns add $ns_a"
ip netns add "$ns_b" || fail "ip netns add $ns_b"
ip link add name tva netns "$ns_a" type veth peer name tvb netns "$ns_b" ||
	fail "veth"
ip -n "$ns_a" addr add 10.98.0.1/24 dev tva
ip -n "$ns_b" addr add 10.98.0.2/24 dev tvb
for ns in "$ns_a" "$ns_b"; do
	ip -n "$ns" link set lo up
done
ip -n "$ns_a" link set tva up
ip -n "$ns_b" link set tvb up

TRANSIT_NETNS_UDP_A=$ns_a TRANSIT_NETNS_UDP_B=$ns_b "$prog" >"$tmp/log" 2>&1 ||
	fail "UDP batch test failed"
grep -q "udp batch: 64/64" "$tmp/log" || fail "UDP batch test did not run"
sed 's/^/  /' "$tmp/log"
echo "ok: 64 datagrams $ns_a -> $ns_b via sendmmsg/recvmmsg"
exit 0
