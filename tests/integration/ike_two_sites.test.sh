#!/usr/bin/env bash
# Two transitd as VPN gateways keyed by IKEv2 (tests/integration/nets/ike.yaml: the
# esp_two_sites topology with keying: ike, profile aws).  Node a's copy of the file
# says startup: start, node b's startup: add, so a initiates and b answers.
# Checks: the tunnel comes up by itself on both ends; ping both ways; tcpdump on the
# underlay shows IKE (UDP 500, or 4500 with the non-ESP marker) and ESP in UDP 4500
# only, never the inner ICMP; `transitctl show ike-sas / child-sas`; `tunnel rekey`
# during a 100-per-second ping loses no packet and changes the SPIs; `tunnel down`
# drops the traffic with a silent underlay (fail closed); `tunnel up` brings it back;
# a reload keeps the tunnel with its IKE and Child SAs.
# Usage: ike_two_sites.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
. "$(dirname "$0")/lib.sh"
itest_init "$@"
itest_require ping tcpdump

itest_two_sites
cp "$src/tests/integration/nets/ike.yaml" "$tmp/a.yaml"
sed 's/startup: start/startup: add/' "$tmp/a.yaml" >"$tmp/b.yaml"
grep -q "startup: add" "$tmp/b.yaml" || fail "b.yaml: no startup: add"

# wait_state SOCK STATE: up to 10 s for conn-ab/1 to reach STATE.
wait_state() {
	local i
	for i in $(seq 100); do
		"$ctl" -s "$1" show tunnels 2>/dev/null | grep -q "conn-ab/1 .* $2" &&
		    return 0
		sleep 0.1
	done
	return 1
}

# The capture starts before the daemons: it sees the IKE exchanges too.
itest_capture_start "$tmp/up.pcap"
itest_start_td a "$ga" -c "$tmp/a.yaml" -n node-a -s "$tmp/a.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_start_td b "$gb" -c "$tmp/b.yaml" -n node-b -s "$tmp/b.sock" \
    --netns "vpc-b=/run/netns/$vb"
pid_b=$td_pid
itest_wait_sock "$tmp/a.sock" "$tmp/b.sock"

# 1. The tunnel comes up by itself (a initiates; the first request may find b
# not listening yet and be retransmitted).
wait_state "$tmp/a.sock" up || fail "a: tunnel not up: $("$ctl" -s "$tmp/a.sock" show tunnels)"
wait_state "$tmp/b.sock" up || fail "b: tunnel not up: $("$ctl" -s "$tmp/b.sock" show tunnels)"
grep -q "IKE SA up" "$tmp/log-a" || fail "a logged no IKE SA up"
grep -q "IKE SA up" "$tmp/log-b" || fail "b logged no IKE SA up"
echo "ok: tunnel up on both ends"

# 2. Ping both ways.
out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 1 10.2.0.10) || fail "ping a->b: $out"
out=$(ip netns exec "$vb" ping -c 3 -i 0.2 -W 1 10.1.0.10) || fail "ping b->a: $out"
itest_capture_stop
echo "ok: ping both ways"

# 3. The underlay: IKE and ESP in UDP only.
ike500=$(tcpdump -r "$tmp/up.pcap" -nn 'udp port 500' 2>/dev/null | wc -l)
# UDP 4500 payload starting with four zero bytes: the non-ESP marker (IKE).
ike4500=$(tcpdump -r "$tmp/up.pcap" -nn 'udp port 4500 and udp[8:4] = 0' \
    2>/dev/null | wc -l)
esp=$(tcpdump -r "$tmp/up.pcap" -nn 'udp port 4500 and udp[8:4] != 0' \
    2>/dev/null | wc -l)
# b's kernel may refuse a's first IKE_SA_INIT with "port unreachable" when a starts
# first: that ICMP error is the only other thing allowed.
other=$(tcpdump -r "$tmp/up.pcap" -nn 'ip and not udp port 4500 and not udp port 500 and
    not (icmp[0] = 3 and icmp[1] = 3)' 2>/dev/null | wc -l)
icmp=$(tcpdump -r "$tmp/up.pcap" -nn 'host 10.1.0.10 or host 10.2.0.10' \
    2>/dev/null | wc -l)
[ $((ike500 + ike4500)) -ge 4 ] ||
    fail "expected >= 4 IKE datagrams (SA_INIT, AUTH), saw $ike500 + $ike4500"
[ "$esp" -ge 12 ] || fail "expected >= 12 ESP-in-UDP packets, saw $esp: $(tcpdump -r "$tmp/up.pcap" -nn 2>&1)"
[ "$other" = 0 ] || fail "other IP traffic on the underlay: $(tcpdump -r "$tmp/up.pcap" -nn 'ip and not udp port 4500 and not udp port 500' 2>&1)"
[ "$icmp" = 0 ] || fail "inner ICMP visible on the underlay: $icmp packets"
echo "ok: underlay: $ike500 IKE on 500, $ike4500 IKE on 4500, $esp ESP in UDP, nothing else"

# 4. What transitctl shows.
"$ctl" -s "$tmp/a.sock" show ike-sas >"$tmp/ike-sas" || fail "show ike-sas"
grep -q "conn-ab/1: IKEv2, established, 192.0.2.1\[initiator\] <-> 192.0.2.2, profile aws" \
    "$tmp/ike-sas" || fail "show ike-sas on a: $(cat "$tmp/ike-sas")"
"$ctl" -s "$tmp/b.sock" show ike-sas | grep -q "established, 192.0.2.2\[responder\]" ||
    fail "show ike-sas on b: $("$ctl" -s "$tmp/b.sock" show ike-sas)"
"$ctl" -s "$tmp/a.sock" show child-sas >"$tmp/child-sas" || fail "show child-sas"
grep -q "conn-ab/1: installed, aes256-sha256, udp-4500" "$tmp/child-sas" ||
    fail "show child-sas on a: $(cat "$tmp/child-sas")"
spi_a=$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -m1 '"spi_in"')
spi_b=$("$ctl" -j -s "$tmp/b.sock" show child-sas | grep -m1 '"spi_out"')
[ "${spi_a#*:}" = "${spi_b#*:}" ] || fail "a's inbound SPI $spi_a is not b's outbound $spi_b"
echo "ok: show ike-sas / child-sas (a's inbound SPI = b's outbound SPI)"

# 5. Child SA rekey in the middle of a 100/s ping: every request answered.
ip netns exec "$va" ping -c 300 -i 0.01 -W 2 10.2.0.10 >"$tmp/flood" 2>&1 &
ping_pid=$!
sleep 1
"$ctl" -s "$tmp/a.sock" tunnel rekey conn-ab/1 >/dev/null || fail "tunnel rekey"
wait "$ping_pid"
grep -q "300 packets transmitted, 300 received" "$tmp/flood" ||
    fail "packets lost across the rekey: $(tail -3 "$tmp/flood")"
spi_a2=$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -m1 '"spi_in"')
[ "$spi_a2" != "$spi_a" ] || fail "the SPIs did not change: $spi_a2"
n=$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -c '"spi_in"')
[ "$n" = 1 ] || fail "a has $n Child SA pairs after the rekey (old one not deleted)"
grep -q "Child SA deleted" "$tmp/log-b" || fail "b did not delete the old pair"
echo "ok: tunnel rekey under a 100/s ping: 300/300 answered, new SPIs, old pair gone"

# 6. tunnel down: no SA on either end, traffic dropped, underlay silent.
"$ctl" -s "$tmp/a.sock" tunnel down conn-ab/1 >/dev/null || fail "tunnel down"
wait_state "$tmp/a.sock" ike-down || fail "a: not ike-down: $("$ctl" -s "$tmp/a.sock" show tunnels)"
wait_state "$tmp/b.sock" ike-down || fail "b: not ike-down: $("$ctl" -s "$tmp/b.sock" show tunnels)"
itest_capture_start "$tmp/closed.pcap"
ip netns exec "$va" ping -c 3 -i 0.2 -W 1 10.2.0.10 >/dev/null 2>&1 &&
    fail "ping passed with the tunnel down"
itest_capture_stop
n=$(tcpdump -r "$tmp/closed.pcap" -nn 'ip' 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "$n packets on the underlay while the tunnel is down"
"$ctl" -s "$tmp/a.sock" show counters | grep -q "no_sa=" || fail "no no_sa counter"
echo "ok: tunnel down: fail closed (dropped as no_sa, underlay silent)"

# 7. tunnel up: back.
"$ctl" -s "$tmp/a.sock" tunnel up conn-ab/1 >/dev/null || fail "tunnel up"
wait_state "$tmp/a.sock" up || fail "a: not up again"
wait_state "$tmp/b.sock" up || fail "b: not up again"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping after tunnel up: $out"
"$ctl" -s "$tmp/a.sock" tunnel up nosuch/1 >/dev/null 2>&1
[ $? = 1 ] || fail "tunnel up of an unknown tunnel should exit 1"
echo "ok: tunnel up: traffic back"

# 8. A reload with an unchanged file keeps the tunnel with its engine, IKE SA and
# Child SAs (same SPIs, traffic flows, and the moved engine still rekeys).
spi_r1=$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -m1 '"spi_in"')
ike_r1=$("$ctl" -j -s "$tmp/a.sock" show ike-sas | grep -m1 '"spi_i"')
kill -HUP "$pid_a"
for _ in $(seq 50); do
	grep -q "1 tunnel(s), 2 kept" "$tmp/log-a" && break
	sleep 0.1
done
grep -q "1 tunnel(s), 2 kept" "$tmp/log-a" || fail "reload did not keep the tunnel"
[ "$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -m1 '"spi_in"')" = "$spi_r1" ] ||
    fail "the Child SA changed across the reload"
[ "$("$ctl" -j -s "$tmp/a.sock" show ike-sas | grep -m1 '"spi_i"')" = "$ike_r1" ] ||
    fail "the IKE SA changed across the reload"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping after reload: $out"
"$ctl" -s "$tmp/a.sock" tunnel rekey conn-ab/1 >/dev/null || fail "tunnel rekey after reload"
for _ in $(seq 50); do
	[ "$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -c '"spi_in"')" = 1 ] &&
	    [ "$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -m1 '"spi_in"')" != "$spi_r1" ] &&
	    break
	sleep 0.1
done
[ "$("$ctl" -j -s "$tmp/a.sock" show child-sas | grep -m1 '"spi_in"')" != "$spi_r1" ] ||
    fail "no rekey after the reload"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping after rekey: $out"
echo "ok: reload keeps the IKE and Child SAs; the kept engine rekeys"

# 9. a stops: it sends a Delete, b fails closed at once (not after DPD).
kill -TERM "$pid_a"
wait "$pid_a" || fail "transitd a exited $?"
itest_forget "$pid_a"
wait_state "$tmp/b.sock" ike-down || fail "b: still up after a stopped"
# The first down was `tunnel down` in step 6.
[ "$(grep -c "tunnel conn-ab/1: IKE SA down" "$tmp/log-b")" = 2 ] || fail "b logged no second IKE SA down"
echo "ok: a stopping deletes the IKE SA on b"

for pid in $pid_b; do
	kill -TERM "$pid"
	wait "$pid" || fail "transitd exited $?"
	itest_forget "$pid"
done
grep -q "Sanitizer\|runtime error" "$tmp/log-a" "$tmp/log-b" &&
    fail "sanitizer report"

# 10. Both ends transitd, make-before-break under a flood (docs/daemon.md "IKE
# keying"): 3000 pings at 1 kpps while a, then b, rekeys the Child SA; the rekey
# responder keeps its old outbound SA until the new pair carries the initiator's
# traffic.  Not one packet lost.
itest_start_td a2 "$ga" -c "$tmp/a.yaml" -n node-a -s "$tmp/a2.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_start_td b2 "$gb" -c "$tmp/b.yaml" -n node-b -s "$tmp/b2.sock" \
    --netns "vpc-b=/run/netns/$vb"
pid_b=$td_pid
itest_wait_sock "$tmp/a2.sock" "$tmp/b2.sock"
wait_state "$tmp/a2.sock" up || fail "a: not up for the flood"
wait_state "$tmp/b2.sock" up || fail "b: not up for the flood"
ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10 >/dev/null || fail "ping before the flood"
ip netns exec "$va" ping -q -i 0.001 -c 3000 -W 3 10.2.0.10 >"$tmp/flood.out" 2>&1 &
flood=$!
itest_pids="$itest_pids $flood"
sleep 1
"$ctl" -s "$tmp/a2.sock" tunnel rekey conn-ab/1 >/dev/null || fail "flood: rekey by a"
sleep 1
"$ctl" -s "$tmp/b2.sock" tunnel rekey conn-ab/1 >/dev/null || fail "flood: rekey by b"
wait "$flood"
itest_forget "$flood"
grep -q "3000 packets transmitted, 3000 received," "$tmp/flood.out" ||
    fail "packets lost across two rekeys: $(cat "$tmp/flood.out")"
[ "$(grep -c ": Child SA installed (in .*rekey" "$tmp/log-a2")" = 2 ] ||
    fail "a did not install two rekeyed pairs"
grep -q "outbound now on SA" "$tmp/log-a2" || fail "a never deferred as rekey responder"
grep -q "outbound now on SA" "$tmp/log-b2" || fail "b never deferred as rekey responder"
for pid in $pid_a $pid_b; do
	kill -TERM "$pid"
	wait "$pid" || fail "transitd exited $?"
	itest_forget "$pid"
done
grep -q "Sanitizer\|runtime error" "$tmp/log-a2" "$tmp/log-b2" &&
    fail "sanitizer report"
echo "ok: 3000/3000 pings at 1 kpps across a rekey by each end"
echo "PASS"
