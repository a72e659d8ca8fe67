#!/usr/bin/env bash
# A TGW hub and a VPN gateway joined by two manually keyed tunnels
# (tests/integration/nets/hub_vpn.yaml, profile gcp: AES-256-GCM).  The hub node and
# the gateway node each run in their own namespace (underlay veth with two address
# pairs, one per tunnel), each with a VPC namespace behind it.
# Checks: ping both ways through hub and gateway (two hops: ttl=62); TTL expiring
# at the hub answered through the tunnel from its inside address; both tunnels up
# with aes256gcm16; the hub spreads flows over its two tunnels (ECMP) and, once
# tunnel 1 has no SA on both ends, everything still flows over tunnel 2.
# Usage: hub_vpn.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
. "$(dirname "$0")/lib.sh"
itest_init "$@"
itest_require ping

p=td-$$
gh=$p-gh; gg=$p-gg; va=$p-va; vb=$p-vb
itest_ns "$gh" "$gg" "$va" "$vb"
ip link add "$p-u0" netns "$gh" type veth peer name "$p-u1" netns "$gg" || fail "veth"
ip -n "$gh" addr add 192.0.2.1/24 dev "$p-u0"
ip -n "$gh" addr add 192.0.2.3/24 dev "$p-u0"
ip -n "$gg" addr add 192.0.2.2/24 dev "$p-u1"
ip -n "$gg" addr add 192.0.2.4/24 dev "$p-u1"
ip -n "$gh" link set "$p-u0" up
ip -n "$gg" link set "$p-u1" up
ip -n "$va" addr add 10.1.0.10/32 dev lo
ip -n "$vb" addr add 10.2.0.10/32 dev lo
cp "$src/tests/integration/nets/hub_vpn.yaml" "$tmp/net.yaml"

itest_start_td h "$gh" -c "$tmp/net.yaml" -n node-h -s "$tmp/h.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_h=$td_pid
itest_start_td g "$gg" -c "$tmp/net.yaml" -n node-g -s "$tmp/g.sock" \
    --netns "vpc-b=/run/netns/$vb"
pid_g=$td_pid
itest_wait_sock "$tmp/h.sock" "$tmp/g.sock"

out=$("$ctl" -s "$tmp/h.sock" show tunnels) || fail "show tunnels"
[ "$(echo "$out" | grep -c "aes256gcm16 .* up ")" = 2 ] || fail "tunnels not up: $out"

out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 1 10.2.0.10) || fail "ping a->b: $out"
echo "$out" | grep -q "ttl=62" || fail "a->b: expected ttl=62 (hub + gateway): $out"
out=$(ip netns exec "$vb" ping -c 3 -i 0.2 -W 1 10.1.0.10) || fail "ping b->a: $out"
echo "ok: ping both ways through hub and gateway"

# TTL 2 from vpc-b expires at the hub, one hop past the tunnel: the hub answers back
# through the tunnel it came in on (1: the gateway's first live one), from its
# inside address 169.254.10.1 (left = .1 of the /30; the gateway's inbound SA
# carries any source: no left selectors).  ttl_expired and icmp_sent on conn-hg/1.
out=$(ip netns exec "$vb" ping -c 1 -W 1 -t 2 10.1.0.10 2>&1)
echo "$out" | grep -q "From 169.254.10.1 .*[Tt]ime to live exceeded" ||
    fail "expected time exceeded from the hub's inside address 169.254.10.1: $out"
"$ctl" -s "$tmp/h.sock" show counters >"$tmp/cnt-h" || fail "show counters h"
[ "$(awk '$1 == "tun" && $2 == "conn-hg/1" { print $7 }' "$tmp/cnt-h")" = 1 ] ||
    fail "conn-hg/1 did not count one ICMP error sent: $(cat "$tmp/cnt-h")"
echo "ok: time exceeded at the hub comes back through the tunnel"

# ECMP: UDP flows to 32 ports (the 5-tuple hash; every ping is the same 3-tuple).
tx() {
	"$ctl" -s "$tmp/h.sock" -j show counters |
	    awk -v t="$1" '$0 ~ "\"" t "\"" { f = 1 } f && /tx_packets/ { gsub(/[^0-9]/, ""); print; exit }'
}
ip netns exec "$va" bash -c \
    'for port in $(seq 5001 5032); do echo x >/dev/udp/10.2.0.10/$port; done'
sleep 0.3
t1=$(tx conn-hg/1)
t2=$(tx conn-hg/2)
[ "${t1:-0}" -gt 0 ] && [ "${t2:-0}" -gt 0 ] ||
    fail "hub did not use both tunnels (tx $t1 / $t2)"
echo "ok: ECMP over both tunnels (tx $t1 / $t2)"

# Tunnel 1 without SAs on both ends: traffic moves to tunnel 2.
"$ctl" -s "$tmp/h.sock" sa delete conn-hg/1 >/dev/null || fail "sa delete h"
"$ctl" -s "$tmp/g.sock" sa delete conn-hg/1 >/dev/null || fail "sa delete g"
t1=$(tx conn-hg/1)
for i in $(seq 8); do
	ip netns exec "$va" ping -c 1 -W 1 10.2.0.10 >/dev/null ||
	    fail "ping $i with tunnel 1 down"
done
ip netns exec "$vb" ping -c 2 -i 0.2 -W 1 10.1.0.10 >/dev/null ||
    fail "ping b->a with tunnel 1 down"
[ "$(tx conn-hg/1)" = "$t1" ] || fail "tunnel 1 still sends without an SA"
echo "ok: failover to tunnel 2"

for pid in $pid_h $pid_g; do
	kill -TERM "$pid"
	wait "$pid" || fail "transitd exited $?"
	itest_forget "$pid"
done
grep -q "Sanitizer\|runtime error" "$tmp/log-h" "$tmp/log-g" && fail "sanitizer report"
echo "PASS"
