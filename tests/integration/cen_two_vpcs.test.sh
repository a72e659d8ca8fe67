#!/usr/bin/env bash
# transitd as a CEN joining two Alibaba VPCs (tests/integration/nets/cen.yaml).
# Checks: each VPC namespace gets a route for the other's vSwitch only (CEN-learned,
# beh. 39); ping both ways with ttl=64 (TTL-transparent CEN); after a reload with
# `ttl_transparent: false` the same TUN devices forward with ttl=63; an address of
# the other VPC outside its vSwitch is not routed at all.
# Usage: cen_two_vpcs.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
. "$(dirname "$0")/lib.sh"
itest_init "$@"
itest_require ping

ns_a=td-$$-ca
ns_b=td-$$-cb
sock=$tmp/cen.sock
itest_ns "$ns_a" "$ns_b"
ip -n "$ns_a" addr add 10.1.0.10/32 dev lo
ip -n "$ns_b" addr add 10.2.0.10/32 dev lo
cp "$src/tests/integration/nets/cen.yaml" "$tmp/cen.yaml"
itest_start_td cen "" -c "$tmp/cen.yaml" -n node1 -s "$sock" \
    --netns "vpc-a=/run/netns/$ns_a" --netns "vpc-b=/run/netns/$ns_b"
pid=$td_pid
itest_wait_sock "$sock"

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
itest_forget "$pid"
ip -n "$ns_a" link show "$dev" >/dev/null 2>&1 && fail "$dev still there"
grep -q "Sanitizer\|runtime error" "$tmp/log-cen" && fail "sanitizer report"
echo "PASS"
