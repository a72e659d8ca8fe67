#!/usr/bin/env bash
# transitd as one TGW hub with two VPC attachments (tests/integration/nets/hub.yaml):
# one namespace per VPC with its host address on lo, transitd creating the TUN
# attachments inside them (--netns) and installing the VPC routes towards the hub.
# Checks: ping both ways; one TTL decrement (ttl=63 from a far host starting at 64);
# the blackhole 10.2.99.0/24 drops silently (no reply, no ICMP); 10.9.0.0/16 (a VPC
# route with no hub route) gets "Destination Net Unreachable" from the hub's ENI
# address; transitctl show works (tables and -j) and exits 3 when the daemon is
# gone; reload keeps the TUN devices; SIGTERM removes the devices and the routes.
# Usage: hub_two_vpcs.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
. "$(dirname "$0")/lib.sh"
itest_init "$@"
itest_require ping

ns_a=td-$$-a
ns_b=td-$$-b
sock=$tmp/node1.sock
itest_ns "$ns_a" "$ns_b"
ip -n "$ns_a" addr add 10.1.0.10/32 dev lo
ip -n "$ns_b" addr add 10.2.0.10/32 dev lo

cp "$src/tests/integration/nets/hub.yaml" "$tmp/hub.yaml"
"$td" --check -c "$tmp/hub.yaml" -n node1 >/dev/null || fail "--check refused hub.yaml"
if "$td" --check -c "$tmp/hub.yaml" -n nosuchnode >/dev/null 2>&1; then
	fail "--check accepted an unknown node"
fi

# An invalid file: refused at start, every error printed, exit 1.
printf 'version: 1\nname: x\nregions: []\nbogus: 1\n' >"$tmp/bad.yaml"
"$td" -f -c "$tmp/bad.yaml" -n node1 -s "$tmp/bad.sock" >"$tmp/bad.out" 2>&1
[ $? = 1 ] || fail "transitd started on an invalid file: $(cat "$tmp/bad.out")"
grep -q "bad.yaml:4:1: unknown key 'bogus'" "$tmp/bad.out" ||
    fail "error not reported: $(cat "$tmp/bad.out")"

itest_start_td hub "" -v -c "$tmp/hub.yaml" -n node1 -s "$sock" --ro-socket "$tmp/ro.sock" \
    --netns "vpc-a=/run/netns/$ns_a" --netns "vpc-b=/run/netns/$ns_b"
pid=$td_pid
itest_wait_sock "$sock"

# The attachments and the VPC routes towards them.
dev_a=$(ip -n "$ns_a" -o link show type tun | awk -F': ' '{print $2}')
dev_b=$(ip -n "$ns_b" -o link show type tun | awk -F': ' '{print $2}')
[ -n "$dev_a" ] && [ -n "$dev_b" ] || fail "no TUN in the VPC namespaces"
ip -n "$ns_a" link show "$dev_a" | grep -q "mtu 8500" || fail "$dev_a mtu is not 8500"
ip -n "$ns_a" route | grep -q "^10.2.0.0/16 dev $dev_a" || fail "no 10.2.0.0/16 in vpc-a"
ip -n "$ns_a" route | grep -q "^10.9.0.0/16 dev $dev_a" || fail "no 10.9.0.0/16 in vpc-a"
ip -n "$ns_b" route | grep -q "^10.1.0.0/16 dev $dev_b" || fail "no 10.1.0.0/16 in vpc-b"

# Both ways, one hub hop: the reply left its host with TTL 64.
out=$(ip netns exec "$ns_a" ping -c 3 -i 0.2 -W 1 10.2.0.10) || fail "ping a->b: $out"
echo "$out" | grep -q "ttl=63" || fail "a->b: expected ttl=63: $out"
out=$(ip netns exec "$ns_b" ping -c 3 -i 0.2 -W 1 10.1.0.10) || fail "ping b->a: $out"
echo "$out" | grep -q "ttl=63" || fail "b->a: expected ttl=63: $out"
echo "ok: ping both ways, ttl=63"

# Blackhole: no reply and no ICMP error at all.
out=$(ip netns exec "$ns_a" ping -c 2 -i 0.2 -W 1 10.2.99.1 2>&1)
echo "$out" | grep -q " 0 received" || fail "blackhole answered: $out"
echo "$out" | grep -q "From " && fail "blackhole sent an ICMP error: $out"
echo "ok: blackhole silent"

# VPC route without a hub route: net unreachable from the hub (ENI 10.1.0.254).
out=$(ip netns exec "$ns_a" ping -c 1 -W 1 10.9.0.1 2>&1)
echo "$out" | grep -q "From 10.1.0.254 .*Destination Net Unreachable" ||
    fail "expected net unreachable from 10.1.0.254: $out"
echo "ok: net unreachable from the hub"

# TTL 1 arriving at the hub: time exceeded.
out=$(ip netns exec "$ns_a" ping -c 1 -t 1 -W 1 10.2.0.10 2>&1)
echo "$out" | grep -q "Time to live exceeded" || fail "expected time exceeded: $out"
echo "ok: ttl expired"

# The control socket.
out=$("$ctl" -s "$sock" show attachments) || fail "show attachments"
echo "$out" | grep -q "att-a .*up" || fail "show attachments: $out"
out=$("$ctl" -s "$sock" show counters) || fail "show counters"
echo "$out" | grep -q "blackhole=" || fail "no blackhole counter: $out"
echo "$out" | grep -q "no_route=" || fail "no no_route counter: $out"
out=$("$ctl" -s "$sock" show routes default) || fail "show routes default"
echo "$out" | grep -q "10.2.99.0/24 .*blackhole" || fail "show routes: $out"
out=$("$ctl" -s "$sock" -j show route-tables) || fail "show route-tables -j"
echo "$out" | grep -q '"name": "hub1/default"' || fail "route-tables: $out"
out=$("$ctl" -s "$sock" show route-tables default) || fail "show route-tables default"
echo "$out" | grep -q "^hub1/default .*3$" || fail "route-tables default: $out"
"$ctl" -s "$sock" show routes nosuchtable >/dev/null 2>&1
[ $? = 1 ] || fail "show routes of an unknown table should exit 1"
# The read-only socket shows but does not change anything.
"$ctl" -s "$tmp/ro.sock" show attachments >/dev/null || fail "show on the ro socket"
"$ctl" -s "$tmp/ro.sock" reload >"$tmp/ro.out" 2>&1
[ $? = 1 ] && grep -q denied "$tmp/ro.out" || fail "reload on the ro socket: $(cat "$tmp/ro.out")"
echo "ok: transitctl show"

# Reload: an invalid file changes nothing; a valid one keeps the devices.
cp "$tmp/hub.yaml" "$tmp/good.yaml"
echo "bogus: [" >>"$tmp/hub.yaml"
"$ctl" -s "$sock" reload >"$tmp/reload.out" 2>&1
[ $? = 1 ] || fail "reload of an invalid file did not fail: $(cat "$tmp/reload.out")"
grep -q "hub.yaml:" "$tmp/reload.out" || fail "reload errors not shown: $(cat "$tmp/reload.out")"
cp "$tmp/good.yaml" "$tmp/hub.yaml"
"$ctl" -s "$sock" reload >/dev/null || fail "reload of the valid file"
idx=$(ip -n "$ns_a" -o link show "$dev_a" | cut -d: -f1)
kill -HUP "$pid"
sleep 0.3
[ "$(ip -n "$ns_a" -o link show "$dev_a" 2>/dev/null | cut -d: -f1)" = "$idx" ] ||
    fail "SIGHUP recreated $dev_a"
ip netns exec "$ns_a" ping -c 1 -W 1 10.2.0.10 >/dev/null || fail "ping after reload"
echo "ok: reload"

# SIGTERM: devices and routes gone.
kill -TERM "$pid"
wait "$pid"
rc=$?
itest_forget "$pid"
[ $rc = 0 ] || fail "transitd exited $rc"
ip -n "$ns_a" link show "$dev_a" >/dev/null 2>&1 && fail "$dev_a still there"
ip -n "$ns_b" link show "$dev_b" >/dev/null 2>&1 && fail "$dev_b still there"
ip -n "$ns_a" route | grep -q "10.2.0.0/16" && fail "route left in vpc-a"
"$ctl" -s "$sock" show attachments >/dev/null 2>&1
[ $? = 3 ] || fail "transitctl should exit 3 without a daemon"
grep -q "Sanitizer\|runtime error" "$tmp/log-hub" && fail "sanitizer report"
echo "ok: clean shutdown"
echo "PASS"
