#!/usr/bin/env bash
# Two transitd as VPN gateways keyed by IKEv2 (tests/integration/nets/ike.yaml: the
# esp_two_sites topology with keying: ike, profile aws).  Node a's copy of the file
# says startup: start, node b's startup: add, so a initiates and b answers.
# Checks: the tunnel comes up by itself on both ends; ping both ways; tcpdump on the
# underlay shows IKE (UDP 500, or 4500 with the non-ESP marker) and ESP in UDP 4500
# only, never the inner ICMP; `transitctl show ike-sas / child-sas`; `tunnel rekey`
# during a 100-per-second ping loses no packet and changes the SPIs; `tunnel down`
# drops the traffic with a silent underlay (fail closed); `tunnel up` brings it back;
# a reload keeps the tunnel with its IKE and Child SAs; b reads its key from a
# psk_file, and a reload of b after the file changed drops the tunnel (a's
# IKE_AUTH is then refused) until the old key is back; FQDN identities
# (left_id / right_id) and explicit GCM proposals come up (shown suites, a PFS
# rekey), an identity b does not expect is refused.
# Usage: ike_two_sites.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root.
set -u
. "$(dirname "$0")/lib.sh"
itest_init "$@"
itest_require ping tcpdump

itest_two_sites
cp "$src/tests/integration/nets/ike.yaml" "$tmp/a.yaml"
# b reads the same key from a psk_file (relative to b.yaml, mode 0600, with the
# trailing newline echo writes); a keeps the inline psk.
key=$(sed -n 's/^ *psk: //p' "$tmp/a.yaml")
[ -n "$key" ] || fail "a.yaml: no inline psk"
(umask 077; echo "$key" >"$tmp/b.psk")
sed -e 's/startup: start/startup: add/' -e 's/ psk: .*/ psk_file: b.psk/' \
    "$tmp/a.yaml" >"$tmp/b.yaml"
grep -q "startup: add" "$tmp/b.yaml" || fail "b.yaml: no startup: add"
grep -q "psk_file: b.psk" "$tmp/b.yaml" || fail "b.yaml: no psk_file"

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
# The aws profile's first suite, negotiated, as swanctl names it.
grep -qx "  AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" "$tmp/ike-sas" ||
    fail "show ike-sas on a: no aws IKE suite: $(cat "$tmp/ike-sas")"
grep -qx "  local '192.0.2.1', remote '192.0.2.2'" "$tmp/ike-sas" ||
    fail "show ike-sas on a: identities: $(cat "$tmp/ike-sas")"
"$ctl" -j -s "$tmp/b.sock" show ike-sas | grep -q '"dh": "MODP_2048"' ||
    fail "show ike-sas -j on b: no dh: $("$ctl" -j -s "$tmp/b.sock" show ike-sas)"
"$ctl" -s "$tmp/b.sock" show ike-sas | grep -q "established, 192.0.2.2\[responder\]" ||
    fail "show ike-sas on b: $("$ctl" -s "$tmp/b.sock" show ike-sas)"
"$ctl" -s "$tmp/a.sock" show child-sas >"$tmp/child-sas" || fail "show child-sas"
grep -q "conn-ab/1: installed, aes256-sha256, udp-4500" "$tmp/child-sas" ||
    fail "show child-sas on a: $(cat "$tmp/child-sas")"
# The first Child SA comes with IKE_AUTH: no PFS group.
grep -qx "  AES_CBC-256/HMAC_SHA2_256_128" "$tmp/child-sas" ||
    fail "show child-sas on a: no aws ESP suite: $(cat "$tmp/child-sas")"
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

# 9. b's key file changes: b's reload reads it again and does not keep the tunnel
# (the key is part of what a tunnel is); its Delete takes a down, and a's new
# IKE_AUTH, with the old key, is refused.  The old key back: up again.
# wait_log TAG TEXT COUNT: up to 10 s for COUNT lines with TEXT in log-TAG.
wait_log() {
	for _ in $(seq 100); do
		[ "$(grep -c "$2" "$tmp/log-$1")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
(umask 077; echo "lab.only.another.key" >"$tmp/b.psk")
kill -HUP "$pid_b"
wait_log b "1 tunnel(s), 1 kept" 1 || fail "b's reload kept the tunnel with a new key file"
wait_state "$tmp/a.sock" ike-down || fail "a: still up after b's key changed"
"$ctl" -s "$tmp/a.sock" tunnel up conn-ab/1 >/dev/null || fail "tunnel up (wrong key)"
wait_log a "AUTHENTICATION_FAILED" 1 || fail "a: no AUTHENTICATION_FAILED with different keys"
grep -q "IKE_AUTH: authentication failed" "$tmp/log-b" || fail "b did not refuse the AUTH"
wait_state "$tmp/a.sock" ike-down || fail "a: not ike-down with different keys"
(umask 077; echo "$key" >"$tmp/b.psk")
kill -HUP "$pid_b"
wait_log b "1 tunnel(s), 1 kept" 2 || fail "b's second reload kept the tunnel"
"$ctl" -s "$tmp/a.sock" tunnel up conn-ab/1 >/dev/null || fail "tunnel up (key back)"
wait_state "$tmp/a.sock" up || fail "a: not up with the key back"
wait_state "$tmp/b.sock" up || fail "b: not up with the key back"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping with the key back: $out"
echo "ok: a changed psk_file is seen by a reload (AUTHENTICATION_FAILED, then up again)"

# 10. a stops: it sends a Delete, b fails closed at once (not after DPD).
downs=$(grep -c "tunnel conn-ab/1: IKE SA down" "$tmp/log-b")
kill -TERM "$pid_a"
wait "$pid_a" || fail "transitd a exited $?"
itest_forget "$pid_a"
wait_state "$tmp/b.sock" ike-down || fail "b: still up after a stopped"
wait_log b "tunnel conn-ab/1: IKE SA down" $((downs + 1)) || fail "b logged no IKE SA down"
echo "ok: a stopping deletes the IKE SA on b"

# 11. FQDN identities: b's reload with new ids makes a new tunnel (ids are part of
# what a tunnel is); a fresh a with the same ids comes up.  Then b expects another
# id for a: a's IKE_AUTH is refused and the tunnel stays down.
# Explicit proposals too: GCM with ECP-256 for IKE, and for ESP with PFS.
ids='        left_id: "@site-a.example"\n        right_id: site-b.example'
props='    ike_proposals: aes256gcm16-prfsha256-ecp256\n    esp_proposals: [aes256gcm16-ecp256]'
sed -e "s/^\( *psk_file: .*\)/\1\n$ids/" -e "s/^\( *profile: aws\)/\1\n$props/" \
    "$tmp/b.yaml" >"$tmp/b2.yaml"
sed -e "s/^\( *psk: .*\)/\1\n$ids/" -e "s/^\( *profile: aws\)/\1\n$props/" \
    "$tmp/a.yaml" >"$tmp/a2.yaml"
grep -q "esp_proposals: \[aes256gcm16-ecp256\]" "$tmp/a2.yaml" || fail "a2.yaml: no esp_proposals"
grep -q 'left_id: "@site-a.example"' "$tmp/a2.yaml" || fail "a2.yaml: no left_id"
grep -q "right_id: site-b.example" "$tmp/b2.yaml" || fail "b2.yaml: no right_id"
cp "$tmp/b2.yaml" "$tmp/b.yaml"
kill -HUP "$pid_b"
wait_log b "1 tunnel(s), 1 kept" 3 || fail "b's reload kept the tunnel with new ids"
itest_start_td a2 "$ga" -c "$tmp/a2.yaml" -n node-a -s "$tmp/a2.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_wait_sock "$tmp/a2.sock"
wait_state "$tmp/a2.sock" up || fail "a: not up with FQDN ids: $("$ctl" -s "$tmp/a2.sock" show tunnels)"
wait_state "$tmp/b.sock" up || fail "b: not up with FQDN ids"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping with FQDN ids: $out"
"$ctl" -s "$tmp/a2.sock" show ike-sas >"$tmp/ike-sas2" || fail "show ike-sas (a2)"
grep -qx "  local 'site-a.example', remote 'site-b.example'" "$tmp/ike-sas2" ||
    fail "show ike-sas on a: FQDN identities: $(cat "$tmp/ike-sas2")"
grep -qx "  AES_GCM_16-256/PRF_HMAC_SHA2_256/ECP_256" "$tmp/ike-sas2" ||
    fail "show ike-sas on a: not the explicit IKE suite: $(cat "$tmp/ike-sas2")"
# A Child SA rekey runs CREATE_CHILD_SA with the ESP suite's group: PFS.
"$ctl" -s "$tmp/a2.sock" tunnel rekey conn-ab/1 >/dev/null || fail "tunnel rekey (a2)"
for _ in $(seq 50); do
	"$ctl" -s "$tmp/a2.sock" show child-sas | grep -qx "  AES_GCM_16-256/ECP_256" && break
	sleep 0.1
done
"$ctl" -s "$tmp/a2.sock" show child-sas | grep -qx "  AES_GCM_16-256/ECP_256" ||
    fail "show child-sas on a: no PFS suite after a rekey: $("$ctl" -s "$tmp/a2.sock" show child-sas)"
"$ctl" -j -s "$tmp/a2.sock" show child-sas | grep -q '"pfs": "ECP_256"' ||
    fail "show child-sas -j on a: no pfs"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10) || fail "ping after the PFS rekey: $out"
echo "ok: FQDN identities and explicit proposals on both ends: up, GCM suites shown, PFS rekey"
sed 's/@site-a.example/@not-site-a.example/' "$tmp/b2.yaml" >"$tmp/b.yaml"
kill -HUP "$pid_b"
wait_log b "1 tunnel(s), 1 kept" 4 || fail "b's reload kept the tunnel with another id"
wait_state "$tmp/a2.sock" ike-down || fail "a: still up after b's ids changed"
"$ctl" -s "$tmp/a2.sock" tunnel up conn-ab/1 >/dev/null || fail "tunnel up (wrong id)"
wait_log a2 "AUTHENTICATION_FAILED" 1 || fail "a: no AUTHENTICATION_FAILED with a wrong id"
[ "$(grep -c "IKE_AUTH: authentication failed" "$tmp/log-b")" -ge 2 ] ||
    fail "b did not refuse the AUTH with a wrong id"
sleep 1
"$ctl" -s "$tmp/a2.sock" show tunnels | grep -q "conn-ab/1 .* ike-down" ||
    fail "a: not ike-down with a wrong id: $("$ctl" -s "$tmp/a2.sock" show tunnels)"
"$ctl" -s "$tmp/b.sock" show tunnels | grep -q "conn-ab/1 .* ike-down" ||
    fail "b: not ike-down with a wrong id"
echo "ok: an identity b does not expect: AUTHENTICATION_FAILED, tunnel stays ike-down"

for pid in $pid_a $pid_b; do
	kill -TERM "$pid"
	wait "$pid" || fail "transitd exited $?"
	itest_forget "$pid"
done
grep -q "Sanitizer\|runtime error" "$tmp/log-a" "$tmp/log-b" "$tmp/log-a2" &&
    fail "sanitizer report"

# 10. Both ends transitd, make-before-break under a flood (docs/daemon.md "IKE
# keying"): 3000 pings at 1 kpps while a, then b, rekeys the Child SA; the rekey
# responder keeps its old outbound SA until the new pair carries the initiator's
# traffic.  Not one packet lost.  The pair of files from step 9 that matches (FQDN
# identities, AES-GCM: b.yaml now holds the identity a does not have).
itest_start_td a3 "$ga" -c "$tmp/a2.yaml" -n node-a -s "$tmp/a3.sock" \
    --netns "vpc-a=/run/netns/$va"
pid_a=$td_pid
itest_start_td b3 "$gb" -c "$tmp/b2.yaml" -n node-b -s "$tmp/b3.sock" \
    --netns "vpc-b=/run/netns/$vb"
pid_b=$td_pid
itest_wait_sock "$tmp/a3.sock" "$tmp/b3.sock"
wait_state "$tmp/a3.sock" up || fail "a: not up for the flood"
wait_state "$tmp/b3.sock" up || fail "b: not up for the flood"
ip netns exec "$va" ping -c 2 -i 0.2 -W 1 10.2.0.10 >/dev/null || fail "ping before the flood"
ip netns exec "$va" ping -q -i 0.001 -c 3000 -W 3 10.2.0.10 >"$tmp/flood.out" 2>&1 &
flood=$!
itest_pids="$itest_pids $flood"
sleep 1
"$ctl" -s "$tmp/a3.sock" tunnel rekey conn-ab/1 >/dev/null || fail "flood: rekey by a"
sleep 1
"$ctl" -s "$tmp/b3.sock" tunnel rekey conn-ab/1 >/dev/null || fail "flood: rekey by b"
wait "$flood"
itest_forget "$flood"
grep -q "3000 packets transmitted, 3000 received," "$tmp/flood.out" ||
    fail "packets lost across two rekeys: $(cat "$tmp/flood.out")"
[ "$(grep -c ": Child SA installed (in .*rekey" "$tmp/log-a3")" = 2 ] ||
    fail "a did not install two rekeyed pairs"
grep -q "outbound now on SA" "$tmp/log-a3" || fail "a never deferred as rekey responder"
grep -q "outbound now on SA" "$tmp/log-b3" || fail "b never deferred as rekey responder"
for pid in $pid_a $pid_b; do
	kill -TERM "$pid"
	wait "$pid" || fail "transitd exited $?"
	itest_forget "$pid"
done
grep -q "Sanitizer\|runtime error" "$tmp/log-a3" "$tmp/log-b3" &&
    fail "sanitizer report"
echo "ok: 3000/3000 pings at 1 kpps across a rekey by each end"
echo "PASS"
