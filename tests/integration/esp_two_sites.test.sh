#!/usr/bin/env bash
# Two transitd as VPN gateways (tests/integration/nets/esp.yaml), each in its own
# gateway namespace with its outside address on an underlay veth, each with a VPC
# namespace behind it, joined by one manually keyed tunnel (ESP in UDP 4500).
# Checks: ping both ways; iperf3 TCP for 3 s; tcpdump on the underlay shows only UDP
# 4500 and no inner ICMP; tshark decodes the capture as ESP and, given the keys from
# `transitctl show sas --keys`, decrypts it to the inner echo; `transitctl sa delete`
# stops the traffic with nothing in clear on the underlay (fail closed) and
# `sa install` (both ends: manual keys restart their sequence numbers) brings it back.
# Usage: esp_two_sites.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
. "$(dirname "$0")/lib.sh"
itest_init "$@"
itest_require ping tcpdump tshark iperf3

itest_two_sites
cp "$src/tests/integration/nets/esp.yaml" "$tmp/esp.yaml"

itest_start_td a "$ga" -c "$tmp/esp.yaml" -n node-a -s "$tmp/a.sock" \
    --ro-socket "$tmp/a.ro.sock" --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_start_td b "$gb" -c "$tmp/esp.yaml" -n node-b -s "$tmp/b.sock" \
    --netns "vpc-b=/run/netns/$vb"
pid_b=$td_pid
itest_wait_sock "$tmp/a.sock" "$tmp/b.sock"

# 1. Ping both ways, captured on the underlay.
itest_capture_start "$tmp/ping.pcap"
out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 1 10.2.0.10) || fail "ping a->b: $out"
out=$(ip netns exec "$vb" ping -c 3 -i 0.2 -W 1 10.1.0.10) || fail "ping b->a: $out"
itest_capture_stop
echo "ok: ping both ways"

esp=$(tcpdump -r "$tmp/ping.pcap" -nn 'udp port 4500' 2>/dev/null | wc -l)
other=$(tcpdump -r "$tmp/ping.pcap" -nn 'ip and not udp port 4500' 2>/dev/null | wc -l)
icmp=$(tcpdump -r "$tmp/ping.pcap" -nn 'icmp or host 10.1.0.10 or host 10.2.0.10' \
    2>/dev/null | wc -l)
[ "$esp" -ge 12 ] || fail "expected >= 12 ESP-in-UDP packets on the underlay, saw $esp: $(tcpdump -r "$tmp/ping.pcap" -nn 2>&1)"
[ "$other" = 0 ] || fail "non-ESP IP traffic on the underlay: $other packets"
[ "$icmp" = 0 ] || fail "inner ICMP visible on the underlay: $icmp packets"
echo "ok: underlay carries only UDP 4500 ($esp packets)"

# 2. tshark: ESP in UDP, then decrypted with the keys the daemon reports.
tshark -r "$tmp/ping.pcap" -d udp.port==4500,udpencap -T fields -e esp.spi \
    2>/dev/null | grep -q "0x" || fail "tshark does not see ESP in UDP 4500"
"$ctl" -s "$tmp/a.sock" show sas --keys >"$tmp/sas" || fail "show sas --keys"
# "conn-ab/1 in 0xSPI SRC DST ..." followed by "    key 0x...".
uat=()
while read -r spi srcip dstip key; do
	uat+=(-o "uat:esp_sa:\"IPv4\",\"$srcip\",\"$dstip\",\"$spi\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"$key\",\"NULL\",\"\"")
done < <(awk '$2 == "in" || $2 == "out" { spi = $3; s = $4; d = $5 }
    $1 == "key" { print spi, s, d, $2 }' "$tmp/sas")
[ "${#uat[@]}" = 4 ] || fail "expected 2 SAs with keys: $(cat "$tmp/sas")"
"$ctl" -s "$tmp/a.sock" show sas | grep -q "key" && fail "show sas without --keys shows keys"
"$ctl" -s "$tmp/a.ro.sock" show sas --keys >"$tmp/ro.out" 2>&1
[ $? = 1 ] && grep -q denied "$tmp/ro.out" ||
    fail "keys on the read-only socket: $(cat "$tmp/ro.out")"
tshark -r "$tmp/ping.pcap" -d udp.port==4500,udpencap \
    -o esp.enable_encryption_decode:TRUE "${uat[@]}" -Y icmp \
    -T fields -e ip.src -e ip.dst -e icmp.type >"$tmp/dec" 2>"$tmp/tshark.err"
grep -q "192.0.2.1,10.1.0.10	192.0.2.2,10.2.0.10	8" "$tmp/dec" ||
    fail "tshark did not decrypt an echo request a->b: $(cat "$tmp/dec" "$tmp/tshark.err")"
grep -q "192.0.2.2,10.2.0.10	192.0.2.1,10.1.0.10	0" "$tmp/dec" ||
    fail "tshark did not decrypt an echo reply b->a: $(cat "$tmp/dec")"
echo "ok: tshark decrypts the capture to the inner echo"

# 2b. Larger than the tunnel MTU (1436): DF clear is fragmented before encryption
# (the far host reassembles), DF set gets "fragmentation needed" from the gateway.
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 -M dont -s 3000 10.2.0.10) ||
    fail "3000-byte ping without DF: $out"
out=$(ip netns exec "$va" ping -c 1 -W 1 -M do -s 1450 10.2.0.10 2>&1)
echo "$out" | grep -q "From 10.1.0.254 .*[Ff]rag needed.*mtu = 1436" ||
    fail "expected frag needed (mtu 1436) from 10.1.0.254: $out"
"$ctl" -s "$tmp/a.sock" show counters | grep -q "too_big=1" || fail "no too_big drop"
echo "ok: fragmentation before encryption; frag needed with DF"

# 2c. Traceroute's first two hops from vpc-b: TTL 1 expires at gw-b (error from its
# ENI out of its TUN), TTL 2 at gw-a after the tunnel - that error goes back through
# the tunnel, encrypted, from gw-a's ENI 10.1.0.254 (inside gw-a's selectors
# 10.1.0.0/16; esp.yaml has no inside_cidr).  The underlay sees only ESP in UDP.
out=$(ip netns exec "$vb" ping -c 1 -W 1 -t 1 10.1.0.10 2>&1)
echo "$out" | grep -q "From 10.2.0.254 .*[Tt]ime to live exceeded" ||
    fail "expected time exceeded from gw-b (10.2.0.254) at TTL 1: $out"
itest_capture_start "$tmp/ttl.pcap"
out=$(ip netns exec "$vb" ping -c 2 -i 0.2 -W 1 -t 2 10.1.0.10 2>&1)
itest_capture_stop
echo "$out" | grep -q "From 10.1.0.254 .*[Tt]ime to live exceeded" ||
    fail "expected time exceeded from gw-a (10.1.0.254) at TTL 2: $out"
esp=$(tcpdump -r "$tmp/ttl.pcap" -nn 'udp port 4500' 2>/dev/null | wc -l)
back=$(tcpdump -r "$tmp/ttl.pcap" -nn 'src 192.0.2.1 and udp port 4500' 2>/dev/null |
    wc -l)
other=$(tcpdump -r "$tmp/ttl.pcap" -nn 'ip and not udp port 4500' 2>/dev/null | wc -l)
[ "$esp" = 4 ] && [ "$back" = 2 ] && [ "$other" = 0 ] ||
    fail "expected 2 ESP requests and 2 ESP errors back, nothing else: $(tcpdump -r "$tmp/ttl.pcap" -nn 2>&1)"
"$ctl" -s "$tmp/a.sock" show counters >"$tmp/cnt-a" || fail "show counters a"
[ "$(awk '$1 == "tun" && $2 == "conn-ab/1" { print $7 }' "$tmp/cnt-a")" = 2 ] ||
    fail "gw-a's tunnel did not count 2 ICMP errors sent: $(cat "$tmp/cnt-a")"
echo "ok: time exceeded at the far gateway comes back through the tunnel"

# 3. TCP through the tunnel (MSS clamped to the tunnel MTU).
ip netns exec "$vb" iperf3 -s -1 -B 10.2.0.10 >"$tmp/iperf-s" 2>&1 &
srv=$!
sleep 0.5
ip netns exec "$va" iperf3 -c 10.2.0.10 -B 10.1.0.10 -t 3 >"$tmp/iperf" 2>&1 ||
    fail "iperf3: $(cat "$tmp/iperf")"
wait "$srv"
grep "sender\|receiver" "$tmp/iperf" | sed 's/^/    /'
echo "ok: iperf3 TCP 3 s"

# 4. Fail closed: no SA, no traffic, nothing in clear.
"$ctl" -s "$tmp/a.sock" sa delete conn-ab/1 >/dev/null || fail "sa delete"
"$ctl" -s "$tmp/a.sock" show tunnels | grep -q "conn-ab/1 .* no-sa" ||
    fail "tunnel not shown without SA: $("$ctl" -s "$tmp/a.sock" show tunnels)"
itest_capture_start "$tmp/closed.pcap"
ip netns exec "$va" ping -c 3 -i 0.2 -W 1 10.2.0.10 >/dev/null 2>&1 &&
    fail "ping passed without an SA"
itest_capture_stop
n=$(tcpdump -r "$tmp/closed.pcap" -nn 'ip' 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "$n packets on the underlay while the tunnel has no SA"
"$ctl" -s "$tmp/a.sock" show counters | grep -q "no_sa=" || fail "no no_sa counter"
echo "ok: fail closed (no SA: dropped, underlay silent)"

# 5. Re-install (both ends: manual SAs restart their sequence numbers).
"$ctl" -s "$tmp/a.sock" sa install conn-ab/1 >/dev/null || fail "sa install a"
"$ctl" -s "$tmp/b.sock" sa install conn-ab/1 >/dev/null || fail "sa install b"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) ||
    fail "ping after sa install: $out"
echo "ok: traffic resumes after sa install"

# 6. Reload with an unchanged definition keeps the tunnel and its SAs: were they
# re-created, the outbound sequence would restart and the peer drop it as replayed.
"$ctl" -s "$tmp/a.sock" reload >/dev/null || fail "reload a"
kill -HUP "$pid_a"
sleep 0.3
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping after reload: $out"
[ "$(grep -c "1 tunnel(s), 2 kept" "$tmp/log-a")" = 2 ] ||
    fail "reload did not keep the attachment and the tunnel"
echo "ok: reload keeps the tunnel and its SAs"

# 7. Unknown tunnel, unreachable daemon.
"$ctl" -s "$tmp/a.sock" sa delete nosuch/1 >/dev/null 2>&1
[ $? = 1 ] || fail "sa delete of an unknown tunnel should exit 1"

for pid in $pid_a $pid_b; do
	kill -TERM "$pid"
	wait "$pid" || fail "transitd exited $?"
	itest_forget "$pid"
done
grep -q "Sanitizer\|runtime error" "$tmp/log-a" "$tmp/log-b" &&
    fail "sanitizer report"
"$ctl" -s "$tmp/a.sock" show tunnels >/dev/null 2>&1
[ $? = 3 ] || fail "transitctl should exit 3 without a daemon"
echo "PASS"
