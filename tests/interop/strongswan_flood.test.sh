#!/usr/bin/env bash
# Zero-loss Child SA rekeys against strongSwan's charon (tests/interop/charon.sh,
# profile aws, AES-CBC-256/SHA2-256/MODP-2048, transitd initiates): a 1 kpps ping
# flood (`ping -i 0.001 -c 10000`, 10 s) from the VPC behind transitd to 10.2.0.10
# behind charon while something is rekeyed every 2.5 s: the Child SA by transitd
# (`transitctl tunnel rekey`), by charon (`swanctl --rekey --child`), the IKE SA
# by charon (`swanctl --rekey --ike`: the Child SA must not notice), the Child SA
# by transitd again (on the new IKE SA), all with PFS.  Every echo request and
# reply must arrive: 10000 sent, 10000 received.
#
# What makes it pass (RFC 7296 2.8, docs/daemon.md "IKE keying"): the rekey
# initiator switches its outbound SA when the response arrives (the responder has
# the pair by then); the rekey responder keeps sending on the old SA until the
# initiator shows it has the new one (traffic on the new inbound SA, or the old
# pair's Delete) - charon does so as responder, transitd's td_ike_sa.c too; each
# side keeps an old inbound SA for a while after its Delete (transitd 2 s) for
# packets still in flight.  The test also checks that transitd took the deferred
# path when charon rekeyed ("outbound now on SA ... the peer sends on it" or
# "old pair deleted").
# Usage: strongswan_flood.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not
# root or charon / swanctl / kernel-libipsec are missing.  FLOOD_COUNT=n (10000),
# REKEY_EVERY=s (2.5).
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/charon.sh"
itest_init "$@"
charon_require
count=${FLOOD_COUNT:-10000}
every=${REKEY_EVERY:-2.5}

charon_topology
charon_conf aes256-sha256-modp2048 aes256-sha256-modp2048
charon_start
td_start flood aws start
td_wait_up || fail "tunnel not up: $("$ctl" -s "$sock" show tunnels; swan --list-sas)"
out=$(ip netns exec "$va" ping -c 2 -i 0.2 -W 2 10.2.0.10 2>&1) ||
    fail "ping before the flood: $out"

# -W 3: the last replies may wait behind a rekey; as root -i 0.001 is allowed.
ip netns exec "$va" ping -q -i 0.001 -c "$count" -W 3 10.2.0.10 >"$tmp/ping.out" 2>&1 &
ping_pid=$!
itest_pids="$itest_pids $ping_pid"
start=$(date +%s%N)
n=0
nchild=0
while kill -0 "$ping_pid" 2>/dev/null; do
	sleep "$every"
	kill -0 "$ping_pid" 2>/dev/null || break
	n=$((n + 1))
	case $((n % 4)) in
	1 | 0)
		"$ctl" -s "$sock" tunnel rekey conn-ab/1 >/dev/null ||
		    fail "action $n: Child rekey by transitd refused"
		nchild=$((nchild + 1))
		what="Child SA rekey by transitd" ;;
	2)
		swan --rekey --child net >/dev/null 2>&1 ||
		    fail "action $n: Child rekey by charon refused"
		nchild=$((nchild + 1))
		what="Child SA rekey by charon" ;;
	3)
		swan --rekey --ike ab >/dev/null 2>&1 ||
		    fail "action $n: IKE rekey by charon refused"
		what="IKE SA rekey by charon" ;;
	esac
	echo "$what at $((($(date +%s%N) - start) / 1000000)) ms"
done
wait "$ping_pid"
itest_forget "$ping_pid"
cat "$tmp/ping.out"
stats=$(grep "packets transmitted" "$tmp/ping.out")
[ -n "$stats" ] || fail "ping printed no statistics"
case "$stats" in
"$count packets transmitted, $count received,"*) ;;
*) fail "packets lost across $n rekeys: $stats; $(swan --list-sas)" ;;
esac
[ "$n" -ge 3 ] || fail "only $n rekeys during the flood (ping too fast?)"
grep -q "IKE SA rekeyed" "$td_log" || fail "no IKE SA rekey seen"
# Every rekey completed: transitd installed one pair per rekey, and when charon
# initiated, transitd waited for it before switching its outbound SA.
for _ in $(seq 100); do
	inst=$(grep -c ": Child SA installed (in .*rekey" "$td_log")
	[ "$inst" -ge "$nchild" ] && break
	sleep 0.05
done
[ "$inst" = "$nchild" ] || fail "$inst Child SA rekeys completed in transitd, $nchild started"
grep -q "outbound now on SA .*(the peer sends on it\|outbound now on SA .*(old pair deleted" "$td_log" ||
    fail "transitd never deferred its outbound switch as rekey responder"
grep "Child SA installed (in\|outbound now\|Child SA deleted (in" "$td_log"
td_stop
charon_stop
echo "PASS: $count/$count echo replies across $nchild Child SA rekeys and an IKE SA rekey"
