#!/usr/bin/env bash
# transitd against strongSwan's charon (Debian strongswan-charon, ESP in userspace
# through the kernel-libipsec plugin: this kernel has no XFRM ESP), profile aws
# (AES-CBC-256 / SHA2-256 / MODP-2048, PFS group 14), in both roles:
#   1. transitd initiates (startup: start), charon answers;
#   2. charon initiates (swanctl --initiate), transitd (startup: add) answers;
# each time: ping from the VPC behind transitd to an address behind charon, the
# Child SA shown by both (`transitctl show child-sas`, `swanctl --list-sas`) with
# matching SPIs, then a Child SA rekey by transitd, a Child and an IKE SA rekey by
# charon, and a ping after each.
#
#   va 10.1.0.10 -- [transitd, gw-a] 192.0.2.1 ==veth== 192.0.2.2 [charon] 10.2.0.10 (lo)
#
# charon and the topology come from tests/interop/charon.sh (the profile matrix
# and the rekey flood use them too).  libipsec fakes a NAT, so IKE moves to UDP
# 4500 with the non-ESP marker after IKE_SA_INIT.
# Usage: strongswan.test.sh BUILD_DIR SOURCE_DIR.  Exit 77 (skip) when not root or
# charon / swanctl / the kernel-libipsec plugin are missing.
set -u
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/charon.sh"
itest_init "$@"
charon_require
charon_topology
charon_conf aes256-sha256-modp2048 aes256-sha256-modp2048

# check ROLE: the SAs agree, ping, rekey by transitd, ping.
check() {
	local role=$1 spi new last out
	td_wait_up || fail "$role: tunnel not up: $("$ctl" -s "$sock" show tunnels; swan --list-sas)"
	out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 2 10.2.0.10) ||
	    fail "$role: ping through charon: $out $(swan --list-sas)"
	swan --list-sas >"$tmp/sas-$role" 2>&1
	grep -q "INSTALLED, TUNNEL-in-UDP" "$tmp/sas-$role" ||
	    fail "$role: charon has no installed Child SA: $(cat "$tmp/sas-$role")"
	grep -q "AES_CBC-256/HMAC_SHA2_256_128" "$tmp/sas-$role" ||
	    fail "$role: charon's Child SA is not aws's aes256-sha256: $(cat "$tmp/sas-$role")"
	spi=$("$ctl" -s "$sock" show child-sas | awk '/installed/ {print $NF; exit}')
	spi=${spi%_o}
	spi=${spi#0x}
	grep -qi "in  $spi," "$tmp/sas-$role" ||
	    fail "$role: our outbound SPI $spi is not charon's: $(cat "$tmp/sas-$role")"
	"$ctl" -s "$sock" tunnel rekey conn-ab/1 >/dev/null || fail "$role: tunnel rekey"
	for _ in $(seq 50); do
		grep -c "Child SA deleted" "$td_log" | grep -qv "^$ndel$" && break
		sleep 0.1
	done
	ndel=$(grep -c "Child SA deleted" "$td_log")
	out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 2 10.2.0.10) ||
	    fail "$role: ping after our rekey: $out $(swan --list-sas)"
	new=$("$ctl" -s "$sock" show child-sas | awk '/installed/ {print $NF; exit}')
	new=${new%_o}
	new=${new#0x}
	[ -n "$new" ] && [ "$new" != "$spi" ] || fail "$role: SPI unchanged by the rekey ($new)"
	swan --list-sas >"$tmp/sas2-$role" 2>&1
	# charon lists the old pair as DELETED for a moment: the INSTALLED one counts.
	grep -A2 "INSTALLED" "$tmp/sas2-$role" | grep -qi "in  $new," ||
	    fail "$role: charon's installed Child SA is not our new one ($new): $(cat "$tmp/sas2-$role")"
	# charon rekeys the Child SA, then the IKE SA: still one pair, traffic flows.
	swan --rekey --child net >/dev/null 2>&1 || fail "$role: swanctl --rekey --child"
	swan --rekey --ike ab >/dev/null 2>&1 || fail "$role: swanctl --rekey --ike"
	for _ in $(seq 30); do
		grep -q "IKE SA rekeyed" "$td_log" && break
		sleep 0.1
	done
	grep -q "IKE SA rekeyed" "$td_log" || fail "$role: no IKE SA rekey seen"
	out=$(ip netns exec "$va" ping -c 3 -i 0.2 -W 2 10.2.0.10) ||
	    fail "$role: ping after charon's rekeys: $out $(swan --list-sas)"
	last=$("$ctl" -s "$sock" show child-sas | awk '/installed/ {print $NF; exit}')
	[ "${last%_o}" != "0x$new" ] || fail "$role: charon's Child rekey changed nothing"
	echo "ok: $role: up, ping through charon, SPIs agree, rekey by transitd, by charon (Child and IKE), ping"
}

ndel=0
# 1. transitd initiates.
charon_start
td_start a-init aws start
check "transitd initiator"
td_stop
charon_stop

# 2. charon initiates.
ndel=0
td_start a-resp aws add
charon_start
swan --initiate --child net --timeout 20 >"$tmp/initiate.log" 2>&1 ||
    fail "swanctl --initiate: $(cat "$tmp/initiate.log")"
check "charon initiator"
grep -q "IKE SA up (responder)" "$td_log" || fail "transitd was not the responder"
td_stop
charon_stop
echo "PASS"
